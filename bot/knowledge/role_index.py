"""A knowledge view's role index: every role's name, slug and aliases, for matching
what people type. Commands, the chat catalogue, moderators' edits and imports all use
it; it is built once per view and kept on the view (``Knowledge.derived``), not once
per caller.
"""

from __future__ import annotations

from bot.knowledge.models import Knowledge
from bot.text.names import RoleIndex


def _build_role_index(knowledge: Knowledge) -> RoleIndex:
    return RoleIndex((r.slug, (r.name, r.slug, *r.aliases)) for r in knowledge.roles.values())


def role_index(knowledge: Knowledge) -> RoleIndex:
    """The view's role-name index, built on first use."""
    return knowledge.derived("role_index", _build_role_index)
