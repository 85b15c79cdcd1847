"""The help reply for people who may use the moderator groups (``kb``, ``config``).

Members never see these groups in ``help`` (nor, on Discord, in the slash menu: they are
synced with Manage Server as their default permission); moderators, server managers and
the bot's owner see the ones they may use. The caller decides who may, with
``bot.knowledge.permissions``; this only words it, so prefix and slash help cannot differ.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from bot.core.render import render
from bot.core.reply import Reply

#: The moderator groups, as ``help <topic>`` names them.
GROUPS = ("kb", "config")


@dataclass(frozen=True, slots=True)
class GroupAccess:
    """Which moderator groups someone may use: ``kb`` (review and edit the knowledge),
    ``config`` to read the settings (``config show``) and to change them."""

    kb: bool = False
    config_show: bool = False
    config_change: bool = False

    @property
    def any(self) -> bool:
        return self.kb or self.config_show or self.config_change

    def may_use(self, group: str) -> bool:
        if group == "kb":
            return self.kb
        if group == "config":
            return self.config_show or self.config_change
        return False


def group_of(topic: str | None) -> str | None:
    """The moderator group a help topic names ("kb", "!kb set", "/config"), else None."""
    if not topic or not topic.split():
        return None
    word = topic.split()[0].lstrip("!/").lower()
    return word if word in GROUPS else None


def with_moderator_commands(reply: Reply, access: GroupAccess, prefix: str) -> Reply:
    """``reply`` (the general help) with a section on the groups ``access`` allows."""
    if not access.any:
        return reply
    extra = render("help_moderators.j2", prefix=prefix, access=access)
    return replace(reply, sections=reply.sections + extra.sections,
                   suggestions=reply.suggestions + extra.suggestions)
