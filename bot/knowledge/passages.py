"""The knowledge's own sentences, cut into passages a question can be matched against.

Figures answer "how much" and "how many"; the prose of a role file answers the rest:
which teams a role meets, whether inference costs matter, how far the role leads. Each
sentence or bullet of a role's prose fields, each O*NET task and each FAQ entry becomes
one ``Passage``, tagged with the role it is about (or none), the field it came from and
the source the reply must cite. Passages are built from a ``Knowledge`` view, the one the
store hands out per server scope, so a server's edits show in that server's passages
only. Nothing here searches: ``bot.core.chat.passages`` indexes what this builds.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from bot.knowledge.derived import ALSO_IN_DEMAND_AREA
from bot.knowledge.models import FaqEntry, Knowledge, Role, Source

#: The fields a passage can come from, in the order a role's passages are built. "tasks"
#: are O*NET's core tasks (a role's week when it has none written for it).
FIELDS = ("focus", "summary", "tools", "week", "tasks", "path", "getting_in", "market",
          "postings", "red_flags", "faq")
#: What each field is about, in the words questions use for it; indexed with every
#: passage of the field (not shown), so "how high can I climb" meets the career path and
#: "warning sign" a red flag even when the sentence itself has neither word.
FIELD_TOPICS: dict[str, str] = {
    "focus": "what the role does job description",
    "summary": "what the role is about",
    "tools": "tools technologies stack skills software use",
    "week": "typical week day tasks work spend time",
    "tasks": "typical tasks work duties",
    "path": "career path progression promotion senior top highest job grow ceiling",
    "getting_in": "how to get into become start switch learn first",
    "market": "demand market outlook companies hiring",
    "postings": "job postings ads good sign look for",
    "red_flags": "red flag warning sign avoid job postings",
    "faq": "",
}
#: A sentence ends at ., ! or ? followed by a space and a capital, digit or quote; so
#: "e.g. the ML team" or "v2.1" stay whole.
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"'(])")
_WORD = re.compile(r"[a-z0-9]+")


@dataclass(frozen=True, slots=True)
class Passage:
    """One sentence or bullet of the knowledge, with what a reply needs to cite it.

    ``text`` is shown as written (escaped by the renderer like any value). ``context`` is
    indexed with it but not shown (the tool group's area, the FAQ entry's question), so a
    question can meet a note through the group it belongs to.
    ``source`` None means the role file's own words with no data source behind them; the
    reply labels those as general guidance.
    """

    role: str | None
    field: str
    text: str
    source: Source | None
    context: str = ""


def sentences(text: str) -> list[str]:
    """``text`` cut at sentence ends; blank pieces dropped."""
    return [s.strip() for s in _SENTENCE_END.split(" ".join(text.split())) if s.strip()]


def prose_source(role: Role) -> Source | None:
    """The source a role's written prose rests on: a job-postings source the role's
    figures, skills or week come from (its prose was written from that comparison).
    A salary survey or O*NET writes no prose, so a role with only those has none."""
    candidates = [role.week_source, role.skills_source, *(s.source for s in role.stats)]
    return next((s for s in candidates if s is not None and s.counts_are_openings), None)


def role_passages(role: Role) -> Iterator[Passage]:
    """Every sentence or bullet of one role's prose, in ``FIELDS`` order."""
    own = prose_source(role)

    def each(field: str, texts: Iterable[str], source: Source | None = own,
             context: str = "") -> Iterator[Passage]:
        for text in texts:
            for sentence in sentences(text):
                yield Passage(role.slug, field, sentence, source, context)

    yield from each("focus", [role.focus])
    yield from each("summary", [role.summary])
    for group in role.tools:
        items = ", ".join(group.items)
        if group.area == ALSO_IN_DEMAND_AREA and role.skills_source is not None:
            # The O*NET import's list of other in-demand technologies: O*NET's, and its
            # note only says so.
            yield Passage(role.slug, "tools", f"{group.area}: {items}.", role.skills_source)
            continue
        yield Passage(role.slug, "tools", f"{group.area}: {items}.", own)
        yield from each("tools", [group.note], context=f"{group.area}: {items}")
    week_from_onet = role.week_source is not None and role.week_source.describes_occupations
    week_field = "tasks" if week_from_onet else "week"
    yield from each(week_field, role.week_tasks, role.week_source or own)
    yield from each(week_field, [role.week_summary], role.week_source or own)
    if role.progression:
        yield Passage(role.slug, "path", "Usual progression: " + " → ".join(role.progression) + ".",
                      own)
    if role.leads_to:
        yield Passage(role.slug, "path", "Leads on to: " + ", ".join(role.leads_to) + ".", own)
    yield from each("path", [role.ceiling], context="ceiling")
    if role.best_from:
        yield Passage(role.slug, "getting_in", "Usually entered from: " + ", ".join(role.best_from)
                      + ".", own)
    yield from each("getting_in", [role.getting_in])
    yield from each("getting_in", role.getting_in_steps, context="first steps")
    yield from each("market", [role.market])
    yield from each("postings", [role.postings_good], context="what a good posting says")
    yield from each("red_flags", role.red_flags, context="red flag in postings")


def _faq_role(entry: FaqEntry, names: dict[str, str]) -> str | None:
    """The one role an FAQ entry is tagged with (a tag that is a role's slug or alias)."""
    found = {names[t.casefold()] for t in entry.tags if t.casefold() in names}
    return found.pop() if len(found) == 1 else None


def faq_passages(knowledge: Knowledge) -> Iterator[Passage]:
    """Each FAQ entry (global and the server's own) as one passage, its question as context."""
    names: dict[str, str] = {}
    for role in knowledge.roles.values():
        for key in (role.slug, *role.aliases):
            names.setdefault(key.casefold(), role.slug)
    for entry in knowledge.faq:
        text = " ".join(entry.answer.split())
        if text:
            yield Passage(_faq_role(entry, names), "faq", text, entry.source, entry.question)


def build_passages(knowledge: Knowledge) -> tuple[Passage, ...]:
    """All passages of one knowledge view: each role's (by name order), then the FAQ's."""
    out: list[Passage] = []
    for role in knowledge.role_list():
        out.extend(role_passages(role))
    out.extend(faq_passages(knowledge))
    return tuple(out)


def words(text: str) -> list[str]:
    """Lower-case word tokens, for tests and indexing alike."""
    return _WORD.findall(text.casefold())
