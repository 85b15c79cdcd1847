"""Which figures an answer shows, shared by commands and chat: the snapshot a role's
figures come from (its usual source, or the one asked for), a pair from one source both
roles have, a role's share of all tracked listings, and how a reply cites its sources.

Both the command handlers (``commands.py``) and the chat builders (``chat/answers.py``)
choose figures here, so "!compare mlops pm" and "which pays more, mlops or pm?" can
never pick different snapshots for the same question.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.knowledge.models import Knowledge, Role, Source, StatSnapshot

TOTAL_POSITIONS_KEY = "total_positions"


@dataclass(frozen=True, slots=True)
class SourceUse:
    """One source as a reply cites it: which roles' figures, with their sample sizes."""

    source: Source
    as_of: str
    filters: str
    salary_n: tuple[tuple[str, int], ...] = ()


def share_of_listings(knowledge: Knowledge, snap: StatSnapshot | None) -> float | None:
    """A role's share of all tracked positions, when both counts come from one source."""
    total = knowledge.market.get(TOTAL_POSITIONS_KEY)
    if snap is None or snap.open_positions is None or total is None or not total.value:
        return None
    if total.source.id != snap.source.id:
        return None
    return snap.open_positions / total.value * 100


def _matches_source(snap: StatSnapshot, hint: str) -> bool:
    hint = hint.casefold()
    return hint in snap.source.id.casefold() or hint in snap.source.kind.casefold() \
        or hint in snap.source.name.casefold()


def pick_snapshot(role: Role, source_hint: str | None = None) -> StatSnapshot | None:
    """The role's figures from the hinted source, else its primary (first-listed) source."""
    if source_hint:
        for snap in role.stats:
            if _matches_source(snap, source_hint):
                return snap
    return role.snapshot()


def pick_pair(a: Role, b: Role, hint: str | None) -> tuple[StatSnapshot | None, StatSnapshot | None]:
    """Snapshots for a comparison, from one source wherever both roles have it.

    With a hint, each role's snapshot from the hinted source (its primary when it has
    none, which ``missing_source`` reports so the reply can say so); without one, the
    first source both roles share, else each role's primary.
    """
    if hint:
        return pick_snapshot(a, hint), pick_snapshot(b, hint)
    b_sources = {s.source.id: s for s in b.stats}
    for snap in a.stats:
        if snap.source.id in b_sources:
            return snap, b_sources[snap.source.id]
    return a.snapshot(), b.snapshot()


def has_source(role: Role, hint: str) -> bool:
    """Whether the role has figures from a source matching ``hint`` (e.g. "survey")."""
    return any(_matches_source(s, hint) for s in role.stats)


def missing_source(roles: Sequence[Role], hint: str | None) -> list[Role]:
    """The roles that have no figures from the hinted source (none without a hint)."""
    return [r for r in roles if hint and r.stats and not has_source(r, hint)]


def other_sources(role: Role, shown: StatSnapshot | None) -> list[tuple[StatSnapshot, str]]:
    """The role's snapshots from other sources, each with the ``source:`` word that picks it.

    The short word ("survey", "postings") when it picks that snapshot, else the source id
    (an older survey snapshot, for instance).
    """
    out = []
    for snap in role.stats:
        if shown is None or snap.source.id == shown.source.id:
            continue
        word = snap.source.short_hint
        out.append((snap, word if pick_snapshot(role, word) is snap else snap.source.id))
    return out


def shared_alternative(a: Role, b: Role, shown: StatSnapshot | None) -> str | None:
    """A ``source:`` word for another source both roles have, to suggest trying it."""
    for snap, word in other_sources(a, shown):
        if any(s.source.id == snap.source.id for s in b.stats):
            return word
    return None


def source_uses(pairs: Sequence[tuple[Role, StatSnapshot | None]]) -> list[SourceUse]:
    """Group the snapshots a reply shows by source, for its footer."""
    uses: dict[tuple[str, str, str], list[tuple[str, int]]] = {}
    sources: dict[tuple[str, str, str], Source] = {}
    for role, snap in pairs:
        if snap is None:
            continue
        key = (snap.source.id, snap.as_of, snap.filters)
        sources[key] = snap.source
        ns = uses.setdefault(key, [])
        if snap.salary.n is not None:
            ns.append((role.name, snap.salary.n))
    return [SourceUse(sources[k], k[1], k[2], tuple(v)) for k, v in uses.items()]


def skills_sources_to_cite(roles: Sequence[Role], uses: Sequence[SourceUse] = ()) -> list[Source]:
    """The roles' skills sources a footer has yet to cite: each once, in the roles'
    order, leaving out those the reply's figures already cite (``uses``).

    Chosen here rather than in the ``skills_footer`` macro, whose list of seen ids,
    built with ``map`` and ``do`` on every reply, cost jinja several times as much.
    """
    seen = {use.source.id for use in uses}
    cite: list[Source] = []
    for role in roles:
        src = role.skills_source
        if src and src.id not in seen:
            seen.add(src.id)
            cite.append(src)
    return cite
