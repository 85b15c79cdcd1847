"""Simulated people: a member posts, DMs, edits or reacts, and the bot gets the event.

Also the message building the REST routes share (mentions, attachments, the view a bot
without the Message Content intent gets), since a bot's message and a person's are
stored the same way."""

from __future__ import annotations

import re
from typing import Any

from .models import (
    FakeAttachment,
    FakeChannel,
    FakeGuild,
    FakeMember,
    FakeUser,
    Perm,
    iso_now,
    snowflake,
)
from .protocol import (
    EPHEMERAL,
    MSG_DEFAULT,
    MSG_REPLY,
    Intent,
    as_user,
    form_error,
)
from .records import RecordedFile


class PeopleMixin:
    """Messages from simulated people, and message building, for :class:`FakeDiscord`."""

    def _member_or_user(
        self, who: FakeUser | FakeMember, guild: FakeGuild | None
    ) -> tuple[FakeUser, FakeMember | None]:
        user = as_user(who)
        if guild is None:
            return user, None
        member = who if isinstance(who, FakeMember) else guild.get_member(user.id)
        return user, member

    def _mentions(
        self,
        content: str,
        guild: FakeGuild | None,
        author_perms: int,
        allowed: dict[str, Any] | None,
        replied_author: dict[str, Any] | None,
    ) -> tuple[list[dict[str, Any]], list[str], bool]:
        """Fill ``mentions``/``mention_roles``/``mention_everyone`` as Discord does: from the
        text, limited by ``allowed_mentions`` (None means Discord's default, everything)."""
        parse = (
            set(allowed.get("parse") or [])
            if allowed is not None
            else {"users", "roles", "everyone"}
        )
        allowed_users = {int(u) for u in (allowed or {}).get("users") or []}
        allowed_roles = {int(r) for r in (allowed or {}).get("roles") or []}

        users: list[dict[str, Any]] = []
        seen: set[int] = set()

        def add_user(uid: int) -> None:
            u = self.get_user(uid)
            if u is None or uid in seen:
                return
            seen.add(uid)
            data = u.to_dict()
            if guild is not None:
                m = guild.get_member(uid)
                if m is not None:
                    data["member"] = m.to_dict(with_user=False)
            users.append(data)

        for match in re.finditer(r"<@!?(\d+)>", content):
            uid = int(match.group(1))
            if "users" in parse or uid in allowed_users:
                add_user(uid)
        if replied_author is not None:
            ping_reply = allowed is None or bool(allowed.get("replied_user"))
            if ping_reply:
                add_user(int(replied_author["id"]))

        roles: list[str] = []
        if guild is not None:
            for match in re.finditer(r"<@&(\d+)>", content):
                rid = int(match.group(1))
                try:
                    role = guild.get_role(rid)
                except LookupError:
                    continue
                may = role.mentionable or bool(author_perms & Perm.MENTION_EVERYONE)
                if may and ("roles" in parse or rid in allowed_roles) and str(rid) not in roles:
                    roles.append(str(rid))
        everyone = (
            guild is not None
            and ("@everyone" in content or "@here" in content)
            and "everyone" in parse
            and bool(author_perms & Perm.MENTION_EVERYONE)
        )
        return users, roles, everyone

    def _build_message(
        self,
        channel: FakeChannel,
        guild: FakeGuild | None,
        author: FakeUser,
        member: FakeMember | None,
        body: dict[str, Any],
        *,
        files: list[RecordedFile] | None = None,
        webhook_id: int | None = None,
        msg_type: int | None = None,
        extra: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        content = body.get("content") or ""
        if member is None and guild is not None and author is self.bot_user:
            member_for_perms: FakeMember | None = self._ensure_bot_member(guild)
        else:
            member_for_perms = member
        perms = (
            guild.channel_permissions(member_for_perms, channel)
            if guild and member_for_perms
            else 0
        )
        ref_body = body.get("message_reference")
        reference = referenced = None
        if ref_body:
            ref_id = int(ref_body["message_id"])
            referenced = self.messages.get(ref_id)
            if referenced is None and ref_body.get("fail_if_not_exists", True):
                raise form_error(
                    "message_reference", "MESSAGE_REFERENCE_UNKNOWN_MESSAGE", "Unknown message"
                )
            reference = {
                "type": int(ref_body.get("type") or 0),
                "message_id": str(ref_id),
                "channel_id": str(ref_body.get("channel_id") or channel.id),
            }
            if guild is not None:
                reference["guild_id"] = str(guild.id)
        mentions, mention_roles, everyone = self._mentions(
            content,
            guild,
            perms,
            body.get("allowed_mentions")
            if webhook_id is not None or author is self.bot_user
            else None,
            referenced["author"] if referenced else None,
        )
        mid = snowflake()
        attachments = self._store_attachments(channel, body.get("attachments"), files or [])
        embeds = []
        for e in body.get("embeds") or []:
            e = dict(e)
            e.setdefault("type", "rich")
            embeds.append(e)
        msg: dict[str, Any] = {
            "id": str(mid),
            "channel_id": str(channel.id),
            "author": author.to_dict(),
            "content": content,
            "timestamp": iso_now(),
            "edited_timestamp": None,
            "tts": bool(body.get("tts")),
            "mention_everyone": everyone,
            "mentions": mentions,
            "mention_roles": mention_roles,
            "mention_channels": [],
            "attachments": attachments,
            "embeds": embeds,
            "reactions": [],
            "pinned": False,
            "type": msg_type if msg_type is not None else (MSG_REPLY if reference else MSG_DEFAULT),
            "flags": int(body.get("flags") or 0),
            "components": list(body.get("components") or []),
        }
        if body.get("nonce") is not None:
            msg["nonce"] = body["nonce"]
        if body.get("poll"):
            msg["poll"] = body["poll"]
        if guild is not None:
            msg["guild_id"] = str(guild.id)
            if member is not None and webhook_id is None:
                msg["member"] = member.to_dict(with_user=False)
        if reference is not None:
            msg["message_reference"] = reference
            msg["referenced_message"] = referenced
        if webhook_id is not None:
            msg["webhook_id"] = str(webhook_id)
            msg["application_id"] = str(self.application_id)
        if extra:
            msg.update(extra)
        channel.last_message_id = mid
        self.messages[mid] = msg
        return msg

    def _store_attachments(
        self,
        channel: FakeChannel,
        described: list[dict[str, Any]] | None,
        files: list[RecordedFile],
    ) -> list[dict[str, Any]]:
        out = []
        by_index = {str(a.get("id")): a for a in described or []}
        for i, f in enumerate(files):
            desc = by_index.get(str(i), {})
            aid = snowflake()
            filename = desc.get("filename") or f.filename or f"file{i}"
            self._attachments[aid] = (filename, f.content_type, f.data)
            url = f"{self.root_url}/attachments/{channel.id}/{aid}/{filename}"
            att = {
                "id": str(aid),
                "filename": filename,
                "size": len(f.data),
                "url": url,
                "proxy_url": url,
                "content_type": f.content_type,
            }
            if desc.get("description"):
                att["description"] = desc["description"]
            out.append(att)
        return out

    def upload(
        self,
        filename: str,
        data: bytes,
        *,
        content_type: str | None = None,
        channel_id: int | None = None,
    ) -> FakeAttachment:
        """A file a person uploads, stored and served like Discord's CDN serves attachments.

        Attach it to a message (``send_message(attachments=[att])``) or pass it as a slash
        command's attachment option; the bot downloads it with ``Attachment.read()``.
        """
        ch, _ = self._resolve_channel(channel_id)
        aid = snowflake()
        self._attachments[aid] = (filename, content_type, data)
        url = f"{self.root_url}/attachments/{ch.id}/{aid}/{filename}"
        return FakeAttachment(aid, filename, len(data), url, content_type)

    def _gateway_view(self, msg: dict[str, Any]) -> dict[str, Any]:
        """What the bot receives: without the Message Content intent, Discord blanks content,
        embeds, attachments and components, except in DMs, when the bot is mentioned, or
        for the bot's own messages."""
        if self.intents & Intent.MESSAGE_CONTENT or "guild_id" not in msg:
            return msg
        if int(msg["author"]["id"]) == self.bot_user.id:
            return msg
        if any(int(u["id"]) == self.bot_user.id for u in msg.get("mentions", [])):
            return msg
        return {**msg, "content": "", "embeds": [], "attachments": [], "components": []}

    async def _dispatch_message(self, event: str, msg: dict[str, Any]) -> None:
        if msg.get("flags", 0) & EPHEMERAL:
            return  # ephemeral messages are never dispatched
        intent = Intent.GUILD_MESSAGES if "guild_id" in msg else Intent.DIRECT_MESSAGES
        await self.dispatch(event, self._gateway_view(msg), intent=intent)

    async def send_message(
        self,
        channel_id: int | None = None,
        *,
        author: FakeUser | FakeMember,
        content: str = "",
        embeds: list[dict[str, Any]] | None = None,
        reference: int | str | dict[str, Any] | None = None,
        attachments: list[dict[str, Any] | FakeAttachment] | None = None,
        **extra: Any,
    ) -> dict[str, Any]:
        """A person (or another bot) posts a message; the bot gets MESSAGE_CREATE.

        ``channel_id`` defaults to the guild's text channel. ``reference`` (a message id or
        message dict) makes it a reply. The server fills ``mentions``, ``mention_roles``
        and ``mention_everyone`` from ``<@id>``, ``<@&id>``, ``@everyone`` in the text (the
        client never computes these) and adds the author's ``member`` object. Returns the
        stored message as dispatched; later ``wait_for_requests`` calls look only at what
        the bot did after this.
        """
        ch, guild = self._resolve_channel(channel_id)
        if guild is None and not ch.is_dm:
            raise ValueError(f"channel {ch.id} is neither a guild channel nor a DM")
        user, member = self._member_or_user(author, guild)
        if guild is not None and member is None:
            raise ValueError(f"{user.username} is not a member of guild {guild.id}")
        body: dict[str, Any] = {"content": content, "embeds": embeds or []}
        if reference is not None:
            ref_id = reference["id"] if isinstance(reference, dict) else reference
            body["message_reference"] = {"message_id": ref_id, "channel_id": ch.id}
        msg = self._build_message(ch, guild, user, member, body)
        if attachments:
            msg["attachments"] = [
                a.to_dict() if isinstance(a, FakeAttachment) else a for a in attachments
            ]
        msg.update(extra)
        self._set_mark()
        await self._dispatch_message("MESSAGE_CREATE", msg)
        return msg

    async def send_dm(
        self, *, author: FakeUser | FakeMember, content: str = "", **kwargs: Any
    ) -> dict[str, Any]:
        """``author`` DMs the bot. The DM channel is created (once per user) and reused by
        ``POST /users/@me/channels``, so the bot's reply lands in the same channel. The
        MESSAGE_CREATE has no ``guild_id``, which is how discord.py recognises a DM."""
        ch = self.dm_channel_for(author)
        return await self.send_message(ch.id, author=as_user(author), content=content, **kwargs)

    async def edit_message_as_user(self, message: dict[str, Any], content: str) -> dict[str, Any]:
        """A person edits their message; the bot gets MESSAGE_UPDATE (full message)."""
        stored = self.messages[int(message["id"])]
        stored["content"] = content
        stored["edited_timestamp"] = iso_now()
        self._set_mark()
        await self._dispatch_message("MESSAGE_UPDATE", stored)
        return stored

    async def add_reaction_as_user(
        self, message: dict[str, Any], emoji: str, *, user: FakeUser | FakeMember
    ) -> None:
        """A person reacts with a unicode ``emoji``; the bot gets MESSAGE_REACTION_ADD."""
        mid = int(message["id"])
        u = as_user(user)
        self._reactions.setdefault(mid, {}).setdefault(emoji, []).append(u.id)
        data: dict[str, Any] = {
            "user_id": str(u.id),
            "channel_id": message["channel_id"],
            "message_id": str(mid),
            "emoji": {"id": None, "name": emoji},
            "burst": False,
            "type": 0,
        }
        intent = Intent.DIRECT_MESSAGE_REACTIONS
        if "guild_id" in message:
            data["guild_id"] = message["guild_id"]
            guild = self.get_guild(message["guild_id"])
            m = guild.get_member(u.id) if guild else None
            if m is not None:
                data["member"] = m.to_dict()
            intent = Intent.GUILD_MESSAGE_REACTIONS
        self._set_mark()
        await self.dispatch("MESSAGE_REACTION_ADD", data, intent=intent)

    def _resolve_channel(
        self, channel_id: int | str | None
    ) -> tuple[FakeChannel, FakeGuild | None]:
        if channel_id is None:
            return self.text_channel, self.guild
        found = self.get_channel(channel_id)
        if found is None:
            raise LookupError(f"unknown channel {channel_id}")
        return found
