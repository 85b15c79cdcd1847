"""Autocomplete for kb commands: the asker's server only, and only for those who may edit
there (anyone else is offered nothing). Called per keystroke, so permission is read from
the settings the moderation context keeps per data version: no connection per call."""

from __future__ import annotations

from bot.core.moderation.context import Context
from bot.knowledge.changes import PermissionDenied
from bot.knowledge.documents import STAT_FIELDS, TEXT_FIELDS
from bot.knowledge.permissions import Actor
from bot.knowledge.role_index import role_index
from bot.text.names import alias_key, fold

MAX_CHOICES = 25


class Choices:
    """Options offered while a moderator types a role, FAQ entry, source or field."""

    def __init__(self, context: Context) -> None:
        self.context = context

    def may_edit(self, actor: Actor) -> bool:
        """May ``actor`` review and change their scope's knowledge (what autocomplete asks)."""
        try:
            self.context.check(actor, "show")
        except PermissionDenied:
            return False
        return True

    def role_choices(self, actor: Actor, text: str,
                     limit: int = MAX_CHOICES) -> list[tuple[str, str]]:
        """(name, slug) for a kb command's role option, from the actor's server's view."""
        if not self.may_edit(actor):
            return []
        knowledge = self.context.knowledge(actor)
        index = role_index(knowledge)
        names = {slug: role.name for slug, role in knowledge.roles.items()}
        return [(names[s], s) for s in index.autocomplete((text or "")[:100], names, limit)]

    def faq_choices(self, actor: Actor, text: str,
                    limit: int = MAX_CHOICES) -> list[tuple[str, str]]:
        """(label, id) for the entries the actor's moderators wrote (the editable ones)."""
        if not self.may_edit(actor):
            return []
        wanted = fold(text or "")
        found = [e for e in self.context.knowledge(actor).faq if e.guild_id == actor.scope
                 and (not wanted or wanted in fold(e.question) or wanted == str(e.id))]
        return [(f"{e.id}: {e.question}"[:100], str(e.id)) for e in found[:limit]]

    def source_choices(self, actor: Actor, text: str,
                       limit: int = MAX_CHOICES) -> list[tuple[str, str]]:
        if not self.may_edit(actor):
            return []
        wanted = fold(text or "")
        found = [src for src in self.context.knowledge(actor).sources.values()
                 if not wanted or wanted in fold(src.id) or wanted in fold(src.name)]
        return [(f"{src.name} ({src.date})"[:100], src.id) for src in found[:limit]]

    @staticmethod
    def field_choices(text: str, limit: int = MAX_CHOICES) -> list[tuple[str, str]]:
        wanted = alias_key(text or "")
        names = [*STAT_FIELDS, *TEXT_FIELDS]
        return [(n, n) for n in names if not wanted or wanted in alias_key(n)][:limit]
