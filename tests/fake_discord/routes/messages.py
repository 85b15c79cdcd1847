"""REST routes for channels and messages: fetch, history, send, typing, edit, delete and
reactions, with Discord's permission checks and limits."""

from __future__ import annotations

from typing import Any

from ..limits import check_message_limits
from ..models import (
    FakeChannel,
    FakeGuild,
    Perm,
    iso_now,
)
from ..protocol import (
    EPHEMERAL,
    LOADING,
    DiscordError,
    Intent,
)
from ..records import RecordedFile, RecordedRequest


class MessageRoutes:
    """Channel and message routes for :class:`FakeDiscord`."""

    def _bot_channel(self, channel_id: str) -> tuple[FakeChannel, FakeGuild | None]:
        found = self.get_channel(channel_id)
        if found is None:
            raise DiscordError(404, 10003, "Unknown Channel")
        return found

    def _stored_message(self, channel_id: str, message_id: str) -> dict[str, Any]:
        msg = self.messages.get(int(message_id))
        if msg is None or msg["channel_id"] != str(int(channel_id)):
            raise DiscordError(404, 10008, "Unknown Message")
        return msg

    def _require_perms(self, channel: FakeChannel, guild: FakeGuild | None, needed: int) -> None:
        if guild is None or not self.enforce_permissions:
            return
        perms = guild.channel_permissions(self._ensure_bot_member(guild), channel)
        if not perms & Perm.VIEW_CHANNEL:
            raise DiscordError(403, 50001, "Missing Access")
        if perms & needed != needed:
            raise DiscordError(403, 50013, "Missing Permissions")

    async def _get_channel(self, rec: RecordedRequest, channel_id: str) -> Any:
        ch, _ = self._bot_channel(channel_id)
        return ch.to_dict()

    async def _list_messages(self, rec: RecordedRequest, channel_id: str) -> Any:
        ch, guild = self._bot_channel(channel_id)
        self._require_perms(ch, guild, Perm.READ_MESSAGE_HISTORY)
        limit = int(rec.query.get("limit", 50))
        msgs = [m for m in self.messages.values() if m["channel_id"] == str(ch.id)]
        msgs.sort(key=lambda m: int(m["id"]), reverse=True)
        if "before" in rec.query:
            msgs = [m for m in msgs if int(m["id"]) < int(rec.query["before"])]
        if "after" in rec.query:
            msgs = [m for m in msgs if int(m["id"]) > int(rec.query["after"])]
        return msgs[:limit]

    async def _create_message(self, rec: RecordedRequest, channel_id: str) -> Any:
        ch, guild = self._bot_channel(channel_id)
        body = rec.json or {}
        needed = Perm.SEND_MESSAGES | (Perm.ATTACH_FILES if rec.files else 0)
        self._require_perms(ch, guild, needed)
        if self.enforce_limits:
            check_message_limits(body, has_files=bool(rec.files), is_edit=False)
        member = self._ensure_bot_member(guild) if guild is not None else None
        msg = self._build_message(ch, guild, self.bot_user, member, body, files=rec.files)
        if self.echo_own_messages:
            await self._dispatch_message("MESSAGE_CREATE", msg)
        return msg

    async def _typing(self, rec: RecordedRequest, channel_id: str) -> Any:
        self._bot_channel(channel_id)
        return 204, None

    async def _get_message(self, rec: RecordedRequest, channel_id: str, message_id: str) -> Any:
        return self._stored_message(channel_id, message_id)

    def _apply_edit(
        self, msg: dict[str, Any], body: dict[str, Any], files: list[RecordedFile]
    ) -> None:
        if self.enforce_limits:
            check_message_limits(body, has_files=bool(files), is_edit=True)
        for key in ("content", "embeds", "components", "flags", "allowed_mentions"):
            if key in body:
                value = body[key]
                if key == "content":
                    value = value or ""
                elif key in ("embeds", "components"):
                    value = list(value or [])
                elif key == "flags":
                    value = int(value or 0) | (msg["flags"] & EPHEMERAL)
                if key != "allowed_mentions":
                    msg[key] = value
        if "attachments" in body or files:
            ch = self.get_channel(msg["channel_id"])
            kept_ids = {str(a.get("id")) for a in body.get("attachments") or []}
            kept = [a for a in msg["attachments"] if a["id"] in kept_ids]
            new = self._store_attachments(ch[0], body.get("attachments"), files) if ch else []
            msg["attachments"] = kept + new
        msg["flags"] = msg["flags"] & ~LOADING
        msg["edited_timestamp"] = iso_now()

    async def _edit_message(self, rec: RecordedRequest, channel_id: str, message_id: str) -> Any:
        msg = self._stored_message(channel_id, message_id)
        if int(msg["author"]["id"]) != self.bot_user.id:
            raise DiscordError(403, 50005, "Cannot edit a message authored by another user")
        self._apply_edit(msg, rec.json or {}, rec.files)
        if self.echo_own_messages:
            await self._dispatch_message("MESSAGE_UPDATE", msg)
        return msg

    async def _delete_message(self, rec: RecordedRequest, channel_id: str, message_id: str) -> Any:
        msg = self._stored_message(channel_id, message_id)
        ch, guild = self._bot_channel(channel_id)
        if int(msg["author"]["id"]) != self.bot_user.id:
            self._require_perms(ch, guild, Perm.MANAGE_MESSAGES)
        await self._remove_message(msg)
        return 204, None

    async def _remove_message(self, msg: dict[str, Any]) -> None:
        self.messages.pop(int(msg["id"]), None)
        data = {"id": msg["id"], "channel_id": msg["channel_id"]}
        intent = Intent.DIRECT_MESSAGES
        if "guild_id" in msg:
            data["guild_id"] = msg["guild_id"]
            intent = Intent.GUILD_MESSAGES
        if not msg.get("flags", 0) & EPHEMERAL:
            await self.dispatch("MESSAGE_DELETE", data, intent=intent)

    def _reaction_counts(self, mid: int) -> list[dict[str, Any]]:
        out = []
        for emoji, users in self._reactions.get(mid, {}).items():
            if users:
                out.append(
                    {
                        "emoji": _emoji_obj(emoji),
                        "count": len(users),
                        "count_details": {"burst": 0, "normal": len(users)},
                        "me": self.bot_user.id in users,
                        "me_burst": False,
                        "burst_colors": [],
                    }
                )
        return out

    async def _add_reaction(
        self, rec: RecordedRequest, channel_id: str, message_id: str, emoji: str
    ) -> Any:
        msg = self._stored_message(channel_id, message_id)
        ch, guild = self._bot_channel(channel_id)
        self._require_perms(ch, guild, Perm.ADD_REACTIONS | Perm.READ_MESSAGE_HISTORY)
        users = self._reactions.setdefault(int(message_id), {}).setdefault(emoji, [])
        if self.bot_user.id not in users:
            users.append(self.bot_user.id)
        msg["reactions"] = self._reaction_counts(int(message_id))
        return 204, None

    async def _remove_reaction(
        self,
        rec: RecordedRequest,
        channel_id: str,
        message_id: str,
        emoji: str,
        user_id: str | None = None,
    ) -> Any:
        msg = self._stored_message(channel_id, message_id)
        uid = self.bot_user.id if user_id is None else int(user_id)
        users = self._reactions.get(int(message_id), {}).get(emoji, [])
        if uid in users:
            users.remove(uid)
        msg["reactions"] = self._reaction_counts(int(message_id))
        return 204, None

    async def _clear_reactions(
        self, rec: RecordedRequest, channel_id: str, message_id: str, emoji: str | None = None
    ) -> Any:
        msg = self._stored_message(channel_id, message_id)
        if emoji is None:
            self._reactions.pop(int(message_id), None)
        else:
            self._reactions.get(int(message_id), {}).pop(emoji, None)
        msg["reactions"] = self._reaction_counts(int(message_id))
        return 204, None

    async def _get_reactions(
        self, rec: RecordedRequest, channel_id: str, message_id: str, emoji: str
    ) -> Any:
        self._stored_message(channel_id, message_id)
        ids = self._reactions.get(int(message_id), {}).get(emoji, [])
        return [u.to_dict() for u in (self.get_user(i) for i in ids) if u is not None]


def _emoji_obj(emoji: str) -> dict[str, Any]:
    """``name:id`` (custom emoji, as discord.py puts it in the URL) or a unicode emoji."""
    if ":" in emoji:
        name, _, eid = emoji.partition(":")
        return {"id": eid, "name": name}
    return {"id": None, "name": emoji}
