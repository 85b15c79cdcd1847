"""A knowledge view's role index: every role's name, slug and aliases, for matching
what people type. Commands, the chat catalogue, moderators' edits and imports all use
it; it is built once per view and kept on the view (``Knowledge.derived``), not once
per caller.

A server's view (``Knowledge.parent`` set, see ``ViewChanges``) derives its index from
its parent's: the parent's index itself when the overlay changed no role's names, else
a ``LayeredIndex`` holding only the keys it changed. Every edited server used to build a
full index of its own (about 170 µs and a copy of every key) on its first message.
"""

from __future__ import annotations

from itertools import islice

from bot.knowledge.models import Knowledge, Role, ViewChanges
from bot.text.names import LayeredIndex, RoleIndex


def _names(role: Role | None) -> tuple[str, ...] | None:
    return None if role is None else (role.name, role.slug, *role.aliases)


def _full_index(knowledge: Knowledge) -> RoleIndex:
    return RoleIndex((r.slug, (r.name, r.slug, *r.aliases)) for r in knowledge.roles.values())


def _derived_index(knowledge: Knowledge, parent: Knowledge,
                   changes: ViewChanges) -> RoleIndex | None:
    """The index of ``knowledge`` made from its parent's, or None when it cannot be (the
    parent's is itself layered, or the view's added roles do not follow the parent's)."""
    base = role_index(parent)
    if type(base) is not RoleIndex:
        return None
    if not changes.names:
        return base
    added = [slug for slug in changes.names
             if slug not in parent.roles and slug in knowledge.roles]
    if added:
        # A full index ranks roles in the view's order: added roles must come last.
        tail = list(islice(reversed(knowledge.roles), len(added)))[::-1]
        if set(tail) != set(added):
            return None
        added = tail
    changed = {slug: (_names(parent.roles.get(slug)), _names(knowledge.roles.get(slug)))
               for slug in changes.names}
    return LayeredIndex(base, changed, added)


def _build_role_index(knowledge: Knowledge) -> RoleIndex:
    parent, changes = knowledge.parent, knowledge.changes
    if parent is not None and changes is not None:
        derived = _derived_index(knowledge, parent, changes)
        if derived is not None:
            return derived
    return _full_index(knowledge)


def role_index(knowledge: Knowledge) -> RoleIndex:
    """The view's role-name index, built (or derived from its parent's) on first use."""
    return knowledge.derived("role_index", _build_role_index)
