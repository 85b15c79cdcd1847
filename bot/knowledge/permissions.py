"""Who may change the knowledge: one pure decision shared by Discord and the command line.

Front ends only describe the person (``Actor``): their id and name, the server they act
in, whether Discord grants them Manage Server there, their role ids, and whether they
own the bot. The rules live here, so slash commands, prefix commands, autocomplete and
``careerbot kb`` cannot disagree:

- a server's knowledge: members with Manage Server, members holding one of the
  server's moderator roles (``config modrole add``), and the bot's owner;
- a server's settings (prefix, moderator roles, Q&A channels): Manage Server or owner,
  so a moderator cannot make themselves or others moderators;
- the global base (no server): the bot's owner only.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.knowledge.guild_settings import GuildSettings

#: The reasons a change is refused; templates/kb/denied.j2 words each one.
NOT_MODERATOR = "not_moderator"
NEEDS_MANAGE_SERVER = "needs_manage_server"
OWNER_ONLY = "owner_only"
NO_SERVER = "no_server"


@dataclass(frozen=True, slots=True)
class Actor:
    """Someone asking to read or change the knowledge, as a front end saw them."""

    user_id: str
    name: str
    #: The server they act for; None means the global base (the owner's scope).
    guild_id: str | None = None
    #: Discord's Manage Server permission in ``guild_id``.
    manage_guild: bool = False
    #: Ids of their roles in ``guild_id``, compared with the server's moderator roles.
    role_ids: frozenset[str] = field(default_factory=frozenset)
    #: The bot's owner (CAREERBOT_OWNER_IDS, or the local user at the command line).
    is_owner: bool = False
    #: Where the request came from, recorded in the audit log: "discord" or "cli".
    via: str = "discord"

    @property
    def scope(self) -> str:
        """The overlay scope their edits go to: the server id, or "*" for the global base."""
        return self.guild_id if self.guild_id is not None else "*"


def is_moderator(actor: Actor, settings: GuildSettings) -> bool:
    """Manage Server, or one of the server's moderator roles, in the actor's server."""
    if actor.guild_id is None or settings.guild_id != actor.guild_id:
        return False
    return actor.manage_guild or not settings.mod_roles.isdisjoint(actor.role_ids)


def edit_refusal(actor: Actor, settings: GuildSettings) -> str | None:
    """Why ``actor`` may not change (or review) their scope's knowledge; None if they may."""
    if actor.is_owner:
        return None
    if actor.guild_id is None:
        return OWNER_ONLY
    return None if is_moderator(actor, settings) else NOT_MODERATOR


def config_refusal(actor: Actor) -> str | None:
    """Why ``actor`` may not change their server's settings; None if they may."""
    if actor.guild_id is None:
        return NO_SERVER if actor.is_owner else OWNER_ONLY
    return None if actor.is_owner or actor.manage_guild else NEEDS_MANAGE_SERVER


def can_edit(actor: Actor, settings: GuildSettings) -> bool:
    """May ``actor`` edit the knowledge of their scope (their server, or the global base)?"""
    return edit_refusal(actor, settings) is None


def can_configure(actor: Actor) -> bool:
    """May ``actor`` change their server's settings?"""
    return config_refusal(actor) is None
