"""Plain data objects for the fake Discord server: users, roles, members, channels, guilds.

They know nothing about discord.py: each turns itself into the JSON payload Discord would
send (``to_dict``). Keeping them as simple dataclasses means a test can build an unusual
server (a member without roles, a channel the bot may not write in) in a few lines, and the
server turns them into READY / GUILD_CREATE / MESSAGE_CREATE / INTERACTION_CREATE payloads.

Snowflakes are ``int`` in Python and serialised as strings, as Discord does; discord.py
accepts both when reading, but real payloads use strings and tests should too.
"""

from __future__ import annotations

import datetime as _dt
import enum
import itertools
import threading
import time
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "ChannelType",
    "FakeAttachment",
    "FakeChannel",
    "FakeGuild",
    "FakeMember",
    "FakeRole",
    "FakeUser",
    "Perm",
    "iso_now",
    "snowflake",
]

DISCORD_EPOCH_MS = 1420070400000

_counter = itertools.count(1)
_counter_lock = threading.Lock()


def snowflake() -> int:
    """Return a new, unique, time-ordered snowflake.

    Time-based (like Discord's) so ``discord.utils.snowflake_time`` gives "now" for objects
    the fake creates, and later messages sort after earlier ones; the low 22 bits are a
    process-wide counter so two ids minted in the same millisecond never collide.
    """
    with _counter_lock:
        n = next(_counter)
    ms = int(time.time() * 1000) - DISCORD_EPOCH_MS
    return (ms << 22) | (n & 0x3FFFFF)


def iso_now() -> str:
    """Current UTC time in the ISO-8601 form Discord uses for timestamps."""
    return _dt.datetime.now(_dt.UTC).isoformat()


class Perm(enum.IntFlag):
    """The permission bits the fake needs (values from Discord's docs)."""

    CREATE_INSTANT_INVITE = 1 << 0
    KICK_MEMBERS = 1 << 1
    BAN_MEMBERS = 1 << 2
    ADMINISTRATOR = 1 << 3
    MANAGE_CHANNELS = 1 << 4
    MANAGE_GUILD = 1 << 5
    ADD_REACTIONS = 1 << 6
    VIEW_AUDIT_LOG = 1 << 7
    VIEW_CHANNEL = 1 << 10
    SEND_MESSAGES = 1 << 11
    MANAGE_MESSAGES = 1 << 13
    EMBED_LINKS = 1 << 14
    ATTACH_FILES = 1 << 15
    READ_MESSAGE_HISTORY = 1 << 16
    MENTION_EVERYONE = 1 << 17
    USE_EXTERNAL_EMOJIS = 1 << 18
    CHANGE_NICKNAME = 1 << 26
    MANAGE_ROLES = 1 << 28
    USE_APPLICATION_COMMANDS = 1 << 31
    SEND_MESSAGES_IN_THREADS = 1 << 38

    @classmethod
    def all(cls) -> int:
        """Every permission bit Discord defines today (what ADMINISTRATOR implies)."""
        return (1 << 53) - 1

    @classmethod
    def member_default(cls) -> Perm:
        """A typical @everyone role: read, write, react, use slash commands; no @everyone pings."""
        return (
            cls.CREATE_INSTANT_INVITE
            | cls.ADD_REACTIONS
            | cls.VIEW_CHANNEL
            | cls.SEND_MESSAGES
            | cls.EMBED_LINKS
            | cls.ATTACH_FILES
            | cls.READ_MESSAGE_HISTORY
            | cls.USE_EXTERNAL_EMOJIS
            | cls.CHANGE_NICKNAME
            | cls.USE_APPLICATION_COMMANDS
            | cls.SEND_MESSAGES_IN_THREADS
        )


class ChannelType(enum.IntEnum):
    """Discord channel types the fake knows how to describe."""

    GUILD_TEXT = 0
    DM = 1
    GUILD_VOICE = 2
    GUILD_CATEGORY = 4
    GUILD_ANNOUNCEMENT = 5
    PUBLIC_THREAD = 11
    GUILD_FORUM = 15


@dataclass
class FakeUser:
    """A Discord user (``bot=True`` for bot accounts; discord.py's Bot ignores their messages)."""

    id: int = field(default_factory=snowflake)
    username: str = "user"
    bot: bool = False
    global_name: str | None = None
    discriminator: str = "0"
    avatar: str | None = None
    system: bool = False

    @property
    def name(self) -> str:
        return self.username

    @property
    def mention(self) -> str:
        """The ``<@id>`` form a human types to ping this user."""
        return f"<@{self.id}>"

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": str(self.id),
            "username": self.username,
            "global_name": self.global_name,
            "discriminator": self.discriminator,
            "avatar": self.avatar,
            "public_flags": 0,
            "flags": 0,
            "banner": None,
            "accent_color": None,
            "avatar_decoration_data": None,
            "collectibles": None,
            "primary_guild": None,
        }
        if self.bot:
            data["bot"] = True
        if self.system:
            data["system"] = True
        return data


@dataclass
class FakeRole:
    """A guild role. ``permissions`` is an int bit set (see :class:`Perm`)."""

    id: int = field(default_factory=snowflake)
    name: str = "role"
    permissions: int = 0
    position: int = 1
    color: int = 0
    hoist: bool = False
    managed: bool = False
    mentionable: bool = False

    @property
    def mention(self) -> str:
        return f"<@&{self.id}>"

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": str(self.id),
            "name": self.name,
            "permissions": str(int(self.permissions)),
            "position": self.position,
            "color": self.color,
            "colors": {
                "primary_color": self.color,
                "secondary_color": None,
                "tertiary_color": None,
            },
            "hoist": self.hoist,
            "managed": self.managed,
            "mentionable": self.mentionable,
            "icon": None,
            "unicode_emoji": None,
            "flags": 0,
        }


@dataclass
class FakeMember:
    """A user's membership in a guild: the user plus role ids (the @everyone role is implicit)."""

    user: FakeUser
    roles: list[int] = field(default_factory=list)
    nick: str | None = None
    joined_at: str = field(default_factory=iso_now)

    @property
    def id(self) -> int:
        return self.user.id

    @property
    def name(self) -> str:
        return self.user.username

    @property
    def bot(self) -> bool:
        return self.user.bot

    @property
    def mention(self) -> str:
        return self.user.mention

    def to_dict(self, *, with_user: bool = True, permissions: int | None = None) -> dict[str, Any]:
        """Member payload; without ``user`` for MESSAGE_CREATE's ``member`` field, with a
        ``permissions`` string for interaction payloads (Discord adds it only there)."""
        data: dict[str, Any] = {
            "roles": [str(r) for r in self.roles],
            "nick": self.nick,
            "avatar": None,
            "banner": None,
            "joined_at": self.joined_at,
            "premium_since": None,
            "deaf": False,
            "mute": False,
            "pending": False,
            "flags": 0,
            "communication_disabled_until": None,
        }
        if with_user:
            data["user"] = self.user.to_dict()
        if permissions is not None:
            data["permissions"] = str(int(permissions))
        return data


@dataclass
class FakeChannel:
    """A guild channel or a DM channel (``type=ChannelType.DM`` with ``recipients``)."""

    id: int = field(default_factory=snowflake)
    name: str | None = "general"
    type: int = ChannelType.GUILD_TEXT
    position: int = 0
    guild_id: int | None = None
    topic: str | None = None
    nsfw: bool = False
    parent_id: int | None = None
    permission_overwrites: list[dict[str, Any]] = field(default_factory=list)
    recipients: list[FakeUser] = field(default_factory=list)
    last_message_id: int | None = None

    @property
    def mention(self) -> str:
        return f"<#{self.id}>"

    @property
    def is_dm(self) -> bool:
        return self.type == ChannelType.DM

    def to_dict(self, *, include_guild_id: bool = True) -> dict[str, Any]:
        last = str(self.last_message_id) if self.last_message_id else None
        if self.is_dm:
            return {
                "id": str(self.id),
                "type": int(self.type),
                "recipients": [u.to_dict() for u in self.recipients],
                "last_message_id": last,
                "flags": 0,
            }
        data: dict[str, Any] = {
            "id": str(self.id),
            "type": int(self.type),
            "name": self.name,
            "position": self.position,
            "parent_id": str(self.parent_id) if self.parent_id else None,
            "topic": self.topic,
            "nsfw": self.nsfw,
            "rate_limit_per_user": 0,
            "permission_overwrites": list(self.permission_overwrites),
            "last_message_id": last,
            "flags": 0,
        }
        if include_guild_id and self.guild_id is not None:
            data["guild_id"] = str(self.guild_id)
        return data


@dataclass
class FakeAttachment:
    """A file a person uploaded (see :meth:`FakeDiscord.upload`); the server serves its bytes
    at ``url``, so ``discord.Attachment.read()`` downloads them as it would from Discord's CDN.

    Pass it in ``send_message(attachments=[...])`` for a message with the file attached, or
    as the value of a slash command's attachment option.
    """

    id: int
    filename: str
    size: int
    url: str
    content_type: str | None = None

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": str(self.id),
            "filename": self.filename,
            "size": self.size,
            "url": self.url,
            "proxy_url": self.url,
        }
        if self.content_type:
            data["content_type"] = self.content_type
        return data


@dataclass
class FakeGuild:
    """A guild with roles, members and channels.

    The @everyone role must have the guild's id (Discord's rule, and discord.py relies on it
    to resolve permissions); :meth:`default` builds one correctly, and ``__post_init__`` adds
    an @everyone role when ``roles`` lacks one.
    """

    id: int = field(default_factory=snowflake)
    name: str = "Fake Guild"
    roles: list[FakeRole] = field(default_factory=list)
    members: list[FakeMember] = field(default_factory=list)
    channels: list[FakeChannel] = field(default_factory=list)
    owner_id: int | None = None
    features: list[str] = field(default_factory=list)
    preferred_locale: str = "en-US"

    def __post_init__(self) -> None:
        if not any(r.id == self.id for r in self.roles):
            everyone = FakeRole(
                id=self.id, name="@everyone", permissions=int(Perm.member_default()), position=0
            )
            self.roles.insert(0, everyone)
        for ch in self.channels:
            ch.guild_id = self.id
        if self.owner_id is None and self.members:
            humans = [m for m in self.members if not m.bot]
            self.owner_id = (humans or self.members)[0].id

    # -- construction -------------------------------------------------------------------------

    @classmethod
    def default(cls, bot_user: FakeUser, *, name: str = "Careerbot Test Server") -> FakeGuild:
        """The standard test guild.

        Roles: @everyone (ordinary member permissions), "Moderator" (Manage Guild, Manage
        Messages, Kick, Mention Everyone), and a managed "Bot" role for the bot (send, embed,
        attach, react; no admin, so tests see realistic permissions).
        Members: the bot, ``alice`` (plain member), ``mod`` (Moderator), ``otherbot``
        (another bot account) and ``owner``, who owns the guild. The owner is a separate
        person because owners bypass every permission check: ``mod`` gets Manage Guild only
        through the Moderator role, so role-based checks are really exercised.
        Channels: a category and a text channel ``#general``.
        """
        guild_id = snowflake()
        everyone = FakeRole(
            id=guild_id, name="@everyone", permissions=int(Perm.member_default()), position=0
        )
        moderator = FakeRole(
            name="Moderator",
            permissions=int(
                Perm.member_default()
                | Perm.MANAGE_GUILD
                | Perm.MANAGE_MESSAGES
                | Perm.KICK_MEMBERS
                | Perm.MENTION_EVERYONE
                | Perm.VIEW_AUDIT_LOG
            ),
            position=2,
            hoist=True,
            mentionable=True,
        )
        bot_role = FakeRole(
            name="Bot",
            permissions=int(
                Perm.member_default() | Perm.MANAGE_MESSAGES | Perm.EMBED_LINKS | Perm.ATTACH_FILES
            ),
            position=1,
            managed=True,
        )
        alice = FakeMember(FakeUser(username="alice", global_name="Alice"))
        mod = FakeMember(FakeUser(username="mod", global_name="Mod"), roles=[moderator.id])
        otherbot = FakeMember(FakeUser(username="otherbot", bot=True), roles=[bot_role.id])
        owner = FakeMember(FakeUser(username="owner", global_name="Owner"))
        me = FakeMember(bot_user, roles=[bot_role.id])
        category = FakeChannel(name="Text Channels", type=ChannelType.GUILD_CATEGORY, position=0)
        general = FakeChannel(
            name="general", type=ChannelType.GUILD_TEXT, position=0, parent_id=category.id
        )
        return cls(
            id=guild_id,
            name=name,
            roles=[everyone, moderator, bot_role],
            members=[me, alice, mod, otherbot, owner],
            channels=[category, general],
            owner_id=owner.id,
        )

    # -- lookups ------------------------------------------------------------------------------

    @property
    def everyone_role(self) -> FakeRole:
        return self.get_role(self.id)

    @property
    def text_channel(self) -> FakeChannel:
        """The first text channel: where tests talk unless they say otherwise."""
        for ch in self.channels:
            if ch.type == ChannelType.GUILD_TEXT:
                return ch
        raise LookupError(f"guild {self.id} has no text channel")

    def get_role(self, role_id: int) -> FakeRole:
        for r in self.roles:
            if r.id == int(role_id):
                return r
        raise LookupError(f"no role {role_id} in guild {self.id}")

    def role_named(self, name: str) -> FakeRole:
        for r in self.roles:
            if r.name == name:
                return r
        raise LookupError(f"no role named {name!r} in guild {self.id}")

    def get_member(self, user_id: int) -> FakeMember | None:
        for m in self.members:
            if m.id == int(user_id):
                return m
        return None

    def member_named(self, username: str) -> FakeMember:
        for m in self.members:
            if m.user.username == username:
                return m
        raise LookupError(f"no member named {username!r} in guild {self.id}")

    def get_channel(self, channel_id: int) -> FakeChannel | None:
        for ch in self.channels:
            if ch.id == int(channel_id):
                return ch
        return None

    # -- permissions --------------------------------------------------------------------------

    def base_permissions(self, member: FakeMember) -> int:
        """Guild-level permissions: the owner and ADMINISTRATOR get everything."""
        if member.id == self.owner_id:
            return Perm.all()
        perms = int(self.everyone_role.permissions)
        for role_id in member.roles:
            try:
                perms |= int(self.get_role(role_id).permissions)
            except LookupError:
                continue
        if perms & Perm.ADMINISTRATOR:
            return Perm.all()
        return perms

    def channel_permissions(self, member: FakeMember, channel: FakeChannel | None) -> int:
        """Permissions in a channel, applying overwrites in Discord's order
        (@everyone, then roles combined, then the member)."""
        perms = self.base_permissions(member)
        if channel is None or perms == Perm.all():
            return perms
        overwrites = {int(o["id"]): o for o in channel.permission_overwrites}
        ev = overwrites.get(self.id)
        if ev:
            perms = (perms & ~int(ev.get("deny", 0))) | int(ev.get("allow", 0))
        allow = deny = 0
        for role_id in member.roles:
            ow = overwrites.get(int(role_id))
            if ow and int(ow.get("type", 0)) == 0:
                allow |= int(ow.get("allow", 0))
                deny |= int(ow.get("deny", 0))
        perms = (perms & ~deny) | allow
        mo = overwrites.get(member.id)
        if mo and int(mo.get("type", 1)) == 1:
            perms = (perms & ~int(mo.get("deny", 0))) | int(mo.get("allow", 0))
        return perms

    def to_dict(self, *, members: list[FakeMember] | None = None) -> dict[str, Any]:
        """The full GUILD_CREATE payload. ``members`` limits which members are listed (Discord
        only lists everyone when the bot has the privileged members intent); ``member_count``
        always counts all of them, which is how discord.py decides a guild is "chunked"."""
        listed = self.members if members is None else members
        return {
            "id": str(self.id),
            "name": self.name,
            "icon": None,
            "splash": None,
            "discovery_splash": None,
            "banner": None,
            "description": None,
            "owner_id": str(self.owner_id) if self.owner_id else None,
            "region": None,
            "afk_channel_id": None,
            "afk_timeout": 300,
            "verification_level": 0,
            "default_message_notifications": 1,
            "explicit_content_filter": 0,
            "mfa_level": 0,
            "nsfw_level": 0,
            "premium_tier": 0,
            "premium_subscription_count": 0,
            "premium_progress_bar_enabled": False,
            "preferred_locale": self.preferred_locale,
            "system_channel_id": None,
            "system_channel_flags": 0,
            "rules_channel_id": None,
            "public_updates_channel_id": None,
            "safety_alerts_channel_id": None,
            "vanity_url_code": None,
            "features": list(self.features),
            "roles": [r.to_dict() for r in self.roles],
            "emojis": [],
            "stickers": [],
            "channels": [c.to_dict(include_guild_id=False) for c in self.channels],
            "threads": [],
            "members": [m.to_dict() for m in listed],
            "member_count": len(self.members),
            "large": False,
            "unavailable": False,
            "joined_at": iso_now(),
            "voice_states": [],
            "presences": [],
            "stage_instances": [],
            "guild_scheduled_events": [],
            "soundboard_sounds": [],
            "max_members": 500000,
            "max_video_channel_users": 25,
            "incidents_data": None,
        }
