"""What the knowledge base holds about a role, so an answer offers only what is there.

A moderator may empty any section of a role, remove its figures or add a role with only
a name, and every answer must still read well. Answers therefore never assume a part is
present: they ask here what is held, leave out what is not, and when they point the
member elsewhere ("ask me about its salary or skills instead") they name only topics
this role actually has. The topic keys are the chat facets' names, so a decline can
leave out the very topic it declined.
"""

from __future__ import annotations

from collections.abc import Iterable

from bot.knowledge.models import Role, StatSnapshot

#: Each topic a role can hold, in the order answers offer them, as a member would ask.
TOPIC_LABELS = {
    "salary": "salary",
    "openings": "open positions",
    "remote": "remote share",
    "seniority": "experience mix",
    "skills": "skills",
    "path": "career path",
    "getting_in": "how people get in",
    "week": "typical week",
    "market": "market outlook",
    "metros": "hiring metros",
    "postings": "postings advice",
}


def has_figures(snapshot: StatSnapshot | None) -> bool:
    """Whether a snapshot holds any figure at all (a sample size alone is not one)."""
    return snapshot is not None and (
        not snapshot.salary.is_empty
        or (snapshot.open_positions is not None and snapshot.source.counts_are_openings)
        or snapshot.remote_pct is not None
        or not snapshot.experience.is_empty
    )


def _held(role: Role) -> dict[str, bool]:
    stats = role.stats
    return {
        "salary": any(not s.salary.is_empty for s in stats),
        "openings": any(s.open_positions is not None and s.source.counts_are_openings
                        for s in stats),
        "remote": any(s.remote_pct is not None for s in stats),
        "seniority": any(not s.experience.is_empty for s in stats),
        "skills": bool(role.skills or any(t.items for t in role.tools)),
        "path": bool(role.progression or role.leads_to or role.related),
        "getting_in": bool(role.best_from or role.getting_in or role.getting_in_steps),
        "week": bool(role.week_tasks),
        "market": bool(role.market),
        "metros": bool(role.metros),
        "postings": bool(role.postings_good or role.red_flags),
    }


def holds(role: Role, topic: str) -> bool:
    """Whether ``role`` holds ``topic`` (a key of ``TOPIC_LABELS``), e.g. before a reply
    suggests the command that shows it."""
    return _held(role)[topic]


def held_topics(role: Role, without: Iterable[str] = ()) -> list[str]:
    """Labels of the topics ``role`` holds, leaving out the topic keys in ``without``."""
    held = _held(role)
    skip = set(without)
    return [label for key, label in TOPIC_LABELS.items() if held[key] and key not in skip]


def holds_only_name(role: Role) -> bool:
    """A role with nothing but its name (a moderator's ``role add`` with no more yet)."""
    return not (role.focus or role.summary or held_topics(role))
