"""Chat answers to "will AI replace X": no forecast is held, so say so, then what is.

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

#: Ways of asking whether AI or automation will take a role's work.
REPLACE_WORDS = ("replace", "replaced", "replacing", "replaces", "automate", "automated",
                 "automating", "automation", "obsolete", "take over", "taking over",
                 "future proof", "futureproof", "disappear", "die out", "dying",
                 "safe from ai", "made redundant")


def plan_for(u: Understanding, roles: tuple[str, ...]) -> Plan | None:
    """The plan for "will AI replace <role>", else None."""
    if roles and u.any(REPLACE_WORDS):
        return Plan("outlook", roles=roles[:1], confident=True)
    return None


def stage(p: Planning) -> Plan | None:
    """The ``outlook`` planning stage: "will AI replace X" about a named role: no forecast
    is held, said plainly, with what the knowledge does show (``plan_for``)."""
    return plan_for(p.u, p.roles)


def build(c: Ctx) -> Built:
    role = c.roles[0]
    snap = c.snapshot(role)
    reply = c.render("outlook.j2", r=role, s=snap, uses=uses_for([(role, snap)], True))
    return Built(reply, Topic("outlook", (role.slug,), ("outlook",)))
