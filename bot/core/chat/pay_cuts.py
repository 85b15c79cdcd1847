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
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from bot.core import cut_words
from bot.core.chat.answers import Built, Ctx
from bot.core.chat.memory import Topic
from bot.core.chat.planner import Plan, Planning
from bot.core.figures import SourceUse

if TYPE_CHECKING:
    from bot.core.chat.intents import Understanding
    from bot.knowledge.models import Knowledge, Role

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


@functools.cache
def _phrases() -> dict[str, Any]:
    """The chat words as tuples (``Understanding.any`` compiles each tuple once)."""
    chat = cut_words.words().chat
    w = cut_words.words()
    after_cue = tuple(chat["country_after_cue"])
    short = set(chat["country_short_words"])
    anywhere = tuple(sorted((word for word in w.country_words
                             if word not in after_cue and (len(word) >= 3 or word in short)),
                            key=len, reverse=True))
    cues = "|".join(re.escape(c) for c in chat["country_cues"])
    return {
        "levels": {level: tuple(words) for level, words in chat["level_phrases"].items()},
        "country_anywhere": re.compile(
            r"(?<![a-z])(" + "|".join(re.escape(a) for a in anywhere) + r")(?![a-z])"),
        "country_after_cue": re.compile(
            rf"(?<![a-z])(?:{cues}) ({'|'.join(re.escape(a) for a in after_cue)})(?![a-z])"),
        "trend": tuple(chat["trend_phrases"]),
        "forecast": tuple(chat["forecast_phrases"]),
        "remote": tuple(chat["remote_phrases"]),
    }


def _country(text: str) -> str | None:
    p = _phrases()
    found = p["country_anywhere"].search(text) or p["country_after_cue"].search(text)
    if found is None:
        return None
    word = found.group(1)
    return cut_words.value_of("country", word) or cut_words.value_of(
        "country", word.removeprefix("the "))


def _level(u: Understanding) -> str | None:
    for level, phrases in _phrases()["levels"].items():
        if u.any(phrases):
            return str(level)
    return None


def _keeps_us_only(role: Role, dimension: str) -> bool:
    """Whether a dimension's cells already keep US companies only (their filters say so)."""
    cells = role.cuts(dimension)
    return bool(cells) and cells[0].filters.startswith(cut_words.label("country", "US"))


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
    asks: list[tuple[str, str | None]] = []
    if u.any(p["remote"]) or (u.score("remote") >= 4 and u.score("salary") >= PAY_SCORE):
        remote = "onsite" if u.any(("onsite", "on site", "in office", "office")) and not \
            u.any(("remote vs", "remote or", "remote versus", "vs remote")) else "remote"
        asks.append(("remote", "compare" if u.any(COMPARE_WORDS) else remote))
    country = _country(u.text)
    if country is not None:
        asks.append(("country", country))
    level = _level(u)
    if level is not None:
        asks.append(("level", level))
    future = u.any(p["forecast"])
    years = [str(y) for y in u.numbers.years]
    if years and not future:
        asks.append(("year", years[0]))
    elif u.any(p["trend"]) or future:
        asks.append(("year", "trend"))
    if not asks:
        return None
    role = knowledge.roles[roles[0]]
    us = ("country", "US")
    if us in asks and len(asks) > 1 and all(
            _keeps_us_only(role, d) for d, _ in asks if d != "country"):
        asks.remove(us)  # "senior data engineers in the us": the level cut is US companies
    (dimension, value), *rest = asks
    return CutAsk(dimension, value, forecast=future and dimension == "year",
                  also=rest[0] if rest else None)


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
    if ask.dimension == "remote" and ask.value == "compare":
        found = [cut_words.lookup(role, "remote", v) for v in ("remote", "onsite")]
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
                     words=cut_words, uses=uses)
    # Remembered as a salary answer, so "and in canada?" or "and for analysts?" follow on.
    return Built(reply, Topic("figures", (role.slug,), ("salary",)))
