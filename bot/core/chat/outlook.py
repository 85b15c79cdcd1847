"""Chat answers to "will AI replace X" and "what's the future for X": no forecast is held,
so say so, then what is.

No source in the knowledge base forecasts jobs, and a guess would be a figure without a
source. What the knowledge does show is dated: the role's figures as of their snapshot
(with n and source) and the tasks O*NET lists for its occupation today. The answer says
that, names the date, and offers the questions it can answer.
"""

from __future__ import annotations

from bot.core.chat.answers import Built, Ctx, uses_for
from bot.core.chat.intents import Understanding
from bot.core.chat.memory import Topic
from bot.core.chat.planner import Plan, Planning
from bot.core.chat.vocabulary.ways import WORDS

#: A facet of ``outlook_yield_facets`` scored this high is the question, not the future.
YIELD_SCORE = 4


def asks_outlook(u: Understanding) -> bool:
    """Does the message ask where a role is heading ("will AI replace X", "the future for
    X", "long term impact of AI on X", "with layoffs everywhere ...")? The words are data
    (``vocabulary/ways.yaml``); a question about the career path or pay that mentions the
    future ("future career path", "future salary"), or that asks another question strongly
    ("what skills do i need for my future job"), is left to those answers."""
    return u.any(WORDS.outlook_words) and not u.any(WORDS.outlook_yields) and not any(
        u.score(f) >= YIELD_SCORE for f in WORDS.outlook_yield_facets)


def plan_for(u: Understanding, roles: tuple[str, ...]) -> Plan | None:
    """The plan for "will AI replace <role>" or "the future of <role>", else None. It runs
    before the decline of topics not held, so "layoffs" beside "future" is answered here."""
    if roles and asks_outlook(u):
        return Plan("outlook", roles=roles[:1], confident=True)
    return None


def stage(p: Planning) -> Plan | None:
    """The ``outlook`` planning stage: "will AI replace X" about a named role: no forecast
    is held, said plainly, with what the knowledge does show (``plan_for``)."""
    return plan_for(p.u, p.roles)


def _about_ai(u: Understanding) -> bool:
    """Does the message ask about AI taking the work (``outlook_ai``), in words other than
    a role's name ("outlook for ai pms" names a role, not AI)?"""
    named = {i for m in u.roles for i in range(m.start, m.end)}
    rest = f" {' '.join(t for i, t in enumerate(u.tokens) if i not in named)} "
    return any(f" {w} " in rest for w in WORDS.outlook_ai)


def build(c: Ctx) -> Built:
    """No forecast held, said so; the role's market note from its source where one is held
    (then an answer), else a decline that says what is held."""
    role = c.roles[0]
    snap = c.snapshot(role)
    reply = c.render("outlook.j2", r=role, s=snap, uses=uses_for([(role, snap)], True),
                     about_ai=_about_ai(c.u), layoffs=c.u.any(WORDS.outlook_layoffs))
    return Built(reply, Topic("outlook", (role.slug,), ("outlook",)))
