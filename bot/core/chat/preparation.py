"""Chat answers to "what degree does X need" and "do I need a PhD for X".

No source records degree requirements for a job title, but O*NET records a Job Zone for
each occupation: the preparation most people in it have (``JobZone.meaning``). So the
answer is that, said as what it is: the zone of each occupation the role maps to, with
O*NET's own words for it, and plainly not a rule for one employer or job title. A role
with no Job Zone held gets a decline that says why and what the knowledge holds instead.

The planner sends a message here when it asks whether a degree is needed for a named
role (``lexicon.DEGREE_WORDS`` with ``lexicon.DEGREE_NEED``); questions about courses or
certificates, or about degrees with no role named, keep the decline and the FAQ.
"""

from __future__ import annotations

from bot.core.chat.answers import Built, Ctx, decline
from bot.core.chat.memory import Topic

#: The Job Zone whose occupations mostly need graduate school (O*NET's zone 5).
GRADUATE_ZONE = 5
#: Words that ask about a doctorate or a master's specifically.
GRADUATE_WORDS = ("phd", "phds", "doctorate", "masters", "msc", "graduate degree")


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
