"""Chat questions about one survey cut: "entry-level data scientist salary", "how much do
ml engineers make in the uk", "are data engineer salaries going up?", "senior mle pay",
"remote vs onsite pay for data analysts".

``read`` turns an understood message into the cut it asks for (or None, leaving the
planner's own decisions untouched); ``answer`` builds the reply from the role's survey
cells (``Role.survey_cuts``) with ``chat/salary_cut.j2``. The words are data, in
``bot/core/cut_words.yaml`` (``chat`` block), shared with the ``!salary`` options.

What is held is answered with the cut, the filters, n and the source; what is not is
declined with the reason and what the survey does hold: a cell below the minimum n (its
n), a country not in the data (the countries that are), a level and a country at once
(each cut keeps the other dimension fixed), and any forecast (the year-by-year medians
are survey responses by year, not a prediction).

Two or more values of one dimension named together ("junior vs senior", "us vs uk",
"2023 vs 2024") are answered side by side, each cell with its n, never only the first.
Any word for pay moving ("flattening out", "did it drop", "stagnating") asks for the
year-by-year medians. A year the survey does not hold that is another source's snapshot
year ("paid in 2026": the postings snapshot is dated 2026) is answered from that snapshot.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from bot.core import cut_words
from bot.core.chat.answers import Built, Ctx, uses_for
from bot.core.chat.memory import Topic
from bot.core.chat.planner import Plan, Planning
from bot.core.figures import SourceUse

if TYPE_CHECKING:
    from bot.core.chat.intents import Understanding
    from bot.knowledge.models import Knowledge, Role, StatSnapshot

#: Not-held kinds that another decline answers better (a bonus by level is still a bonus).
OTHER_DECLINES = frozenset({"equity", "bonus", "total_comp", "hourly", "currency", "tax"})
#: The salary facet score that makes a message a pay question.
PAY_SCORE = 3
#: Words that make a remote question a comparison with on-site ("do remote jobs pay more").
COMPARE_WORDS = ("vs", "versus", "or", "compared", "compare", "more", "less", "higher",
                 "lower", "difference")


@dataclass(frozen=True, slots=True)
class CutAsk:
    """The cut a message asks for: dimension and value ("trend" for the year-by-year
    medians), and whether it asks about the future (declined, with the years held)."""

    dimension: str
    value: str | None
    forecast: bool = False
    #: A second cut asked at once ("entry-level ... in the uk"): (dimension, value).
    also: tuple[str, str | None] | None = None
    #: Every value of ``dimension`` named, when two or more are compared ("junior vs
    #: senior": ("entry", "senior")), in the message's order; empty for one value.
    values: tuple[str, ...] = ()
    #: The id of another source whose snapshot year the message named (a year the survey
    #: does not hold): that snapshot answers, not a decline of the survey year.
    snapshot: str | None = None


#: The most values of one dimension answered side by side in one message.
MAX_SIDE_BY_SIDE = 4


def _alternation(phrases: list[str] | tuple[str, ...]) -> str:
    return "|".join(re.escape(p) for p in sorted(phrases, key=len, reverse=True))


@functools.cache
def _phrases() -> dict[str, Any]:
    """The chat words as tuples (``Understanding.any`` compiles each tuple once) and, for
    the dimensions whose every value is wanted, patterns that find them in order."""
    chat = cut_words.words().chat
    w = cut_words.words()
    after_cue = tuple(chat["country_after_cue"])
    short = set(chat["country_short_words"])
    anywhere = tuple(sorted((word for word in w.country_words
                             if word not in after_cue and (len(word) >= 3 or word in short)),
                            key=len, reverse=True))
    cues = _alternation(chat["country_cues"])
    joins = _alternation(chat["country_pair_joins"])
    cued, free = _alternation(after_cue), _alternation(anywhere)
    levels = {level: tuple(words) for level, words in chat["level_phrases"].items()}
    return {
        "levels": levels,
        "level_any": re.compile("|".join(
            rf"(?<![a-z])(?P<{level}>{_alternation(words)})(?![a-z])"
            for level, words in levels.items())),
        "country_anywhere": re.compile(rf"(?<![a-z])({free})(?![a-z])"),
        "country_after_cue": re.compile(rf"(?<![a-z])(?:{cues}) ({cued})(?![a-z])"),
        # "us vs uk", "the uk or us": a cued word beside another country.
        "country_paired": re.compile(
            rf"(?<![a-z])(?:({cued}) (?:{joins}) (?:{free})|(?:{free}) (?:{joins}) ({cued}))"
            rf"(?![a-z])"),
        "trend": tuple(chat["trend_phrases"]),
        "not_trend": tuple(chat["trend_not_phrases"]),
        "forecast": tuple(chat["forecast_phrases"]),
        "remote": tuple(chat["remote_phrases"]),
    }


def _countries(text: str) -> list[str]:
    """Every country the message names, in its order, each once."""
    p = _phrases()
    found: list[tuple[int, str]] = []
    for pattern in (p["country_anywhere"], p["country_after_cue"], p["country_paired"]):
        for m in pattern.finditer(text):
            group = next(g for g in range(1, (m.lastindex or 0) + 1) if m.group(g))
            word = m.group(group)
            value = cut_words.value_of("country", word) or cut_words.value_of(
                "country", word.removeprefix("the "))
            if value is not None:
                found.append((m.start(group), value))
    return list(dict.fromkeys(v for _, v in sorted(found)))


def _levels(text: str) -> list[str]:
    """Every level the message names, in its order, each once."""
    return list(dict.fromkeys(str(m.lastgroup) for m in _phrases()["level_any"].finditer(text)))


def _keeps_us_only(role: Role, dimension: str) -> bool:
    """Whether a dimension's cells already keep US companies only (their filters say so)."""
    cells = role.cuts(dimension)
    return bool(cells) and cells[0].filters.startswith(cut_words.label("country", "US"))


def _snapshot_of_year(role: Role, year: str) -> StatSnapshot | None:
    """Another source's snapshot dated ``year``, when the survey's cuts hold no such year."""
    cells = role.cuts("year")
    if role.cut("year", year) is not None:
        return None
    survey = cells[0].source.id if cells else None
    return next((s for s in role.stats
                 if s.source.id != survey and s.as_of[:4] == year and s.salary.median), None)


def read(u: Understanding, roles: tuple[str, ...] | list[str], topic: Topic | None,
         knowledge: Knowledge) -> CutAsk | None:
    """The survey cut ``u`` asks about one role's pay, or None (not a cut question)."""
    if len(roles) != 1 or len(set(u.role_slugs)) > 1 or roles[0] not in knowledge.roles:
        return None
    if u.numbers.amounts or u.my_ref or u.percentile or u.injection \
            or set(u.not_held) & OTHER_DECLINES:
        return None
    p = _phrases()
    follows_pay = topic is not None and "salary" in topic.facets and u.followup
    if u.score("salary") < PAY_SCORE and not follows_pay and not u.any(p["remote"]):
        return None
    role = knowledge.roles[roles[0]]
    asks: list[tuple[str, tuple[str, ...]]] = []
    if u.any(p["remote"]) or (u.score("remote") >= 4 and u.score("salary") >= PAY_SCORE):
        remote = "onsite" if u.any(("onsite", "on site", "in office", "office")) and not \
            u.any(("remote vs", "remote or", "remote versus", "vs remote")) else "remote"
        asks.append(("remote", ("remote", "onsite") if u.any(COMPARE_WORDS) else (remote,)))
    countries = _countries(u.text)
    if countries:
        asks.append(("country", tuple(countries)))
    levels = _levels(u.text)
    if levels:
        asks.append(("level", tuple(levels)))
    # "will i take a pay cut": the member's own pay, neither a trend nor a forecast.
    own_change = u.any(p["not_trend"])
    future = u.any(p["forecast"]) and not own_change
    trend = u.any(p["trend"]) and not own_change
    years = list(dict.fromkeys(str(y) for y in u.numbers.years))
    snapshot = None
    if years and not future and (len(years) >= 2 or not trend):
        snap = _snapshot_of_year(role, years[0]) if len(years) == 1 else None
        if snap is not None:
            snapshot = snap.source.id
        else:
            asks.append(("year", tuple(years)))
    elif trend or future:
        asks.append(("year", ("trend",)))
    if snapshot is not None and not asks:
        return CutAsk("year", years[0], snapshot=snapshot)
    if not asks:
        return None
    us = ("country", ("US",))
    if us in asks and len(asks) > 1 and all(
            _keeps_us_only(role, d) for d, _ in asks if d != "country"):
        asks.remove(us)  # "senior data engineers in the us": the level cut is US companies
    (dimension, values), *rest = asks
    also = (rest[0][0], rest[0][1][0]) if rest else None
    shown = values[:MAX_SIDE_BY_SIDE] if len(values) >= 2 else ()
    value = "compare" if dimension == "remote" and shown else values[0]
    return CutAsk(dimension, value, forecast=future and dimension == "year", also=also,
                  values=shown)


def stage(p: Planning) -> Plan | None:
    """The ``pay_cut`` planning stage: pay by level, country, year or remote work, from
    the survey's cuts (a cut with no data still gets its own decline, with the reason)."""
    cut = read(p.u, p.roles, p.topic, p.catalog.knowledge)
    if cut is None:
        return None
    return Plan("pay_cut", roles=tuple(p.roles[:1]), facets=("salary",), detail={"ask": cut},
                confident=True)


def answer(c: Ctx) -> Built:
    """The reply to a ``pay_cut`` plan (see ``chat/salary_cut.j2``)."""
    ask: CutAsk = c.plan.detail["ask"]
    role = c.roles[0]
    snap = role.snapshot(ask.snapshot) if ask.snapshot else None
    if snap is not None:
        # "paid in 2026": the snapshot dated that year, named as such, not a survey decline.
        reply = c.render("salary_cut.j2", r=role, ask=ask, snap=snap, found=[],
                         held=role.cuts("year"), other=None, words=cut_words,
                         uses=uses_for([(role, snap)], True))
        return Built(reply, Topic("figures", (role.slug,), ("salary",), source=snap.source.id))
    if ask.values:
        found = [cut_words.lookup(role, ask.dimension, v) for v in ask.values]
    else:
        found = [cut_words.lookup(role, ask.dimension, ask.value)]
    other = None
    if ask.also is not None:
        other = cut_words.lookup(role, ask.also[0], ask.also[1])
    # The source of the first figure the reply states (a decline lists what is held).
    stated = [f.cell for f in found if f.state == "cell" and f.cell is not None]
    for look in (*found, *((other,) if other is not None else ())):
        stated += list(look.published)
    uses = [SourceUse(s.source, s.as_of, s.filters) for s in stated[:1]]
    reply = c.render("salary_cut.j2", r=role, ask=ask, found=found, other=other,
                     words=cut_words, uses=uses, snap=None, gap=_side_by_side(found))
    # Remembered as a salary answer, so "and in canada?" or "and for analysts?" follow on.
    return Built(reply, Topic("figures", (role.slug,), ("salary",)))



@dataclass(frozen=True, slots=True)
class SideBySide:
    """What a side-by-side reply says beyond its cells: each value as a sentence names it,
    those with no published figure, and the gap between two published medians."""

    names: tuple[str, ...] = ()
    lacking: tuple[str, ...] = ()
    amount: int | None = None
    higher: str = ""


def _side_by_side(found: list[cut_words.CutLookup]) -> SideBySide:
    names = tuple(cut_words.named(f.dimension, f.value or "") for f in found)
    lacking = tuple(n for n, f in zip(names, found, strict=True) if f.state != "cell")
    medians = [(f.cell.salary.median, n) for n, f in zip(names, found, strict=True)
               if f.state == "cell" and f.cell is not None and f.cell.salary.median is not None]
    if len(found) != 2 or len(medians) != 2:
        return SideBySide(names, lacking)
    (a, _), (b, _) = medians
    return SideBySide(names, lacking, abs(a - b), max(medians)[1])
