"""Chat answers about preparing for a role: "what degree does X need", "do I need a PhD
for X", "how much maths does X need".

No source records degree or maths requirements for a job title, but O*NET records a Job
Zone for each occupation, the preparation most people in it have (``JobZone.meaning``),
and task statements that say where models and statistics are part of the work. So the
answers are those, said as what they are: the zone of each occupation the role maps to,
in O*NET's words, and plainly not a rule for one employer or job title. A role with no
Job Zone held gets a decline that says why and what the knowledge holds instead.

``plan_for`` is the planner's hook: a degree question (``lexicon.DEGREE_WORDS`` with
``lexicon.DEGREE_NEED``, which the intents read as "education") or a maths question
about a named role. Courses and certificates, or degrees with no role named, keep the
planner's decline and the FAQ.
"""

from __future__ import annotations

from bot.core.chat import lexicon
from bot.core.chat.answers import Built, Ctx, decline
from bot.core.chat.intents import Understanding
from bot.core.chat.memory import Topic
from bot.core.chat.planner import Plan, Planning

#: The Job Zone whose occupations mostly need graduate school (O*NET's zone 5).
GRADUATE_ZONE = 5
#: Words that ask about a doctorate or a master's specifically.
GRADUATE_WORDS = ("phd", "phds", "doctorate", "masters", "msc", "graduate degree")
#: Words that ask about maths.
MATHS_WORDS = ("math", "maths", "mathematics", "calculus", "linear algebra", "probability")
#: Word stems that mark an O*NET task as using models, statistics or mathematics.
MATHS_TASK_STEMS = ("model", "statistic", "mathemat", "algorithm", "predict", "analy")
#: Ways of asking how much is needed.
NEED_WORDS = (*lexicon.DEGREE_NEED, "how much", "a lot of", "how good", "enough", "good at")


def plan_for(u: Understanding, roles: tuple[str, ...]) -> Plan | None:
    """The plan for a degree or maths question about a named role, else None."""
    if not roles:
        return None
    if "education" in u.not_held and u.any(lexicon.DEGREE_WORDS):
        return Plan("preparation", roles=roles[:1], confident=True)
    if u.any(MATHS_WORDS) and u.any(NEED_WORDS):
        return Plan("maths", roles=roles[:1], confident=True)
    return None


def stage(p: Planning) -> Plan | None:
    """The ``preparation`` planning stage: degree, PhD and maths questions about a named
    role, answered from O*NET's Job Zones and the role's tasks (``plan_for``)."""
    return plan_for(p.u, p.roles)


def build(c: Ctx) -> Built:
    """The preparation O*NET records for the role's occupations, or a reasoned decline."""
    role = c.roles[0]
    if not role.job_zones:
        return decline(c, reason="education", facets=(), detail={})
    graduate = c.u.any(GRADUATE_WORDS)
    highest = max(z.zone for z in role.job_zones)
    reply = c.render("preparation.j2", r=role, graduate=graduate,
                     any_graduate=highest >= GRADUATE_ZONE, graduate_zone=GRADUATE_ZONE)
    return Built(reply, Topic("preparation", (role.slug,), ("preparation",)))


def build_maths(c: Ctx) -> Built:
    """No measure of maths is held: say so, then show the role's tasks that use models or
    statistics and its Job Zones, which is what the knowledge does hold."""
    role = c.roles[0]
    tasks = [t for t in role.week_tasks
             if any(stem in t.casefold() for stem in MATHS_TASK_STEMS)] \
        if role.week_source and role.week_source.describes_occupations else []
    reply = c.render("maths.j2", r=role, tasks=tasks)
    return Built(reply, Topic("preparation", (role.slug,), ("preparation",)))
