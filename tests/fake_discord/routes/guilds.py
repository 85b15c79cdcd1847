"""REST routes for guilds: the guild, its channels, roles and members."""

from __future__ import annotations

from typing import Any

from ..models import FakeGuild
from ..protocol import DiscordError
from ..records import RecordedRequest


class GuildRoutes:
    """Guild routes for :class:`FakeDiscord`."""

    def _guild_or_404(self, guild_id: str) -> FakeGuild:
        g = self.get_guild(guild_id) if guild_id.isdigit() else None
        if g is None:
            raise DiscordError(404, 10004, "Unknown Guild")
        return g

    async def _get_guild(self, rec: RecordedRequest, guild_id: str) -> Any:
        g = self._guild_or_404(guild_id)
        data = g.to_dict()
        for key in ("channels", "members", "threads", "presences", "voice_states", "joined_at"):
            data.pop(key, None)
        data["approximate_member_count"] = len(g.members)
        data["approximate_presence_count"] = 0
        return data

    async def _get_guild_channels(self, rec: RecordedRequest, guild_id: str) -> Any:
        return [c.to_dict() for c in self._guild_or_404(guild_id).channels]

    async def _get_roles(self, rec: RecordedRequest, guild_id: str) -> Any:
        return [r.to_dict() for r in self._guild_or_404(guild_id).roles]

    async def _list_members(self, rec: RecordedRequest, guild_id: str) -> Any:
        g = self._guild_or_404(guild_id)
        after = int(rec.query.get("after", 0))
        limit = int(rec.query.get("limit", 1))
        members = sorted((m for m in g.members if m.id > after), key=lambda m: m.id)
        return [m.to_dict() for m in members[:limit]]

    async def _get_member(self, rec: RecordedRequest, guild_id: str, user_id: str) -> Any:
        g = self._guild_or_404(guild_id)
        m = g.get_member(int(user_id)) if user_id.isdigit() else None
        if m is None:
            raise DiscordError(404, 10007, "Unknown Member")
        return m.to_dict()
