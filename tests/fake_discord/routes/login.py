"""REST routes a client calls to log in and connect: the bot user, the application
(owner, id), users, DM channels and the gateway URL."""

from __future__ import annotations

from typing import Any

from ..protocol import DiscordError
from ..records import RecordedRequest


class LoginRoutes:
    """Users, application and gateway routes for :class:`FakeDiscord`."""

    async def _get_me(self, rec: RecordedRequest) -> Any:
        return {
            **self.bot_user.to_dict(),
            "verified": True,
            "mfa_enabled": False,
            "locale": "en-US",
        }

    async def _get_user(self, rec: RecordedRequest, user_id: str) -> Any:
        u = self.get_user(int(user_id)) if user_id.isdigit() else None
        if u is None:
            raise DiscordError(404, 10013, "Unknown User")
        return u.to_dict()

    async def _get_app(self, rec: RecordedRequest) -> Any:
        owner = self.app_owner
        if owner is None:
            owner_member = self.guild.get_member(self.guild.owner_id or 0)
            owner = owner_member.user if owner_member else self.bot_user
        return {
            "id": str(self.application_id),
            "name": self.bot_user.username,
            "icon": None,
            "description": "",
            "summary": "",
            "type": None,
            "bot_public": True,
            "bot_require_code_grant": False,
            "verify_key": "0" * 64,
            "flags": 0,
            "owner": owner.to_dict(),
            "team": None,
            "bot": self.bot_user.to_dict(),
            "rpc_origins": [],
            "tags": [],
            "redirect_uris": [],
            "interactions_endpoint_url": None,  # non-null makes discord.py warn
            "role_connections_verification_url": None,
            "approximate_guild_count": len(self.guilds),
            "approximate_user_install_count": 0,
            "integration_types_config": {"0": {}},
        }

    async def _get_gateway(self, rec: RecordedRequest) -> Any:
        return {"url": self.gateway_url}

    async def _get_gateway_bot(self, rec: RecordedRequest) -> Any:
        return {
            "url": self.gateway_url,
            "shards": self.shards.recommended,
            "session_start_limit": {
                "total": 1000,
                "remaining": 999,
                "reset_after": 14400000,
                "max_concurrency": 1,
            },
        }

    async def _create_dm(self, rec: RecordedRequest) -> Any:
        rid = (rec.json or {}).get("recipient_id")
        user = self.get_user(int(rid)) if rid is not None else None
        if user is None:
            raise DiscordError(400, 50033, "Invalid Recipient(s)")
        return self.dm_channel_for(user).to_dict()
