"""Chat answers to age and career change: "is it too late to become a data scientist",
"im 52, is X tough to break into at a later age", "switching into X at 40, realistic?",
"do tech careers end at 30?".

No source holds hiring by age, so a figure would be invented; the demographics decline
("I don't hold figures by age") is true but leaves the member with nothing. The
knowledge has an FAQ entry written for exactly this (``knowledge/faq/what-people-ask.yaml``,
general guidance, not from a data source), and for a named role its way in. The answer
is those two: the FAQ entry's own words, then the role's shortest road, its steps and
the Job Zone O*NET records. The words that signal the question are data
(``vocabulary/ways.yaml``): a concern ("too late", "later age") and a move ("switch",
"break into"), or a stated age ("im 52", "at 40") with either.
"""

from __future__ import annotations

from bot.core.chat.answers import Built, Ctx, job_zone_roles
from bot.core.chat.intents import Understanding
from bot.core.chat.memory import Topic
from bot.core.chat.planner import Plan, Planning
from bot.core.chat.vocabulary.ways import WORDS
from bot.knowledge.models import FaqEntry, Knowledge


def stated_age(u: Understanding) -> int | None:
    """The member's age when the message states one ("im 52", "at 40", "in my 40s")."""
    tokens = u.tokens
    text = f" {u.text} "
    for i, token in enumerate(tokens):
        decade = token[:-1] if token.endswith("s") and token[:-1].isdigit() else None
        if decade is not None and len(decade) == 2 and i > 0 and tokens[i - 1] in ("my", "their"):
            value = int(decade)  # "in my 40s"
        elif token.isdigit() and i > 0 and (
                tokens[i - 1] in WORDS.age_before
                or (i > 1 and f"{tokens[i - 2]} {tokens[i - 1]}" in WORDS.age_before)):
            after = " ".join(tokens[i + 1:i + 3])
            if any(after == w or after.startswith(f"{w} ") for w in WORDS.age_not_after):
                continue
            value = int(token)
        else:
            continue
        if WORDS.age_min <= value <= WORDS.age_max and f" {token} " in text:
            return value
    return None


def asks_age(u: Understanding) -> bool:
    """Does the message ask whether age stands in the way of a career move?"""
    concern = u.any(WORDS.age_concern)
    move = u.any(WORDS.age_move)
    return (concern and move) or (stated_age(u) is not None and (concern or move))


def stage(p: Planning) -> Plan | None:
    """The ``age`` planning stage: age and career change, with the role named, if any.
    It runs before the decline of topics not held, whose demographics list has "age"."""
    if not asks_age(p.u):
        return None
    return Plan("age", roles=p.explicit[:1], confident=True,
                detail={"background": p.background, "age": stated_age(p.u)})


def faq_entry(knowledge: Knowledge) -> FaqEntry | None:
    """The FAQ entry on age and career change (``age_faq_tags``), a server's own first."""
    want = set(WORDS.age_faq_tags)
    found = [e for e in knowledge.faq if want <= set(e.tags)]
    return next((e for e in found if e.guild_id is not None), found[0] if found else None)


def build(c: Ctx) -> Built:
    """The FAQ entry's answer, then the named role's way in and Job Zone."""
    role = c.roles[0] if c.roles else None
    zoned = job_zone_roles([role]) if role else frozenset()
    reply = c.render("age.j2", entry=faq_entry(c.knowledge), r=role, zone_ok=zoned)
    return Built(reply, Topic("getting_in", (role.slug,) if role else (), ("getting_in",)))
