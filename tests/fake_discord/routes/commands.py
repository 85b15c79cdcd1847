"""Application commands: the sync routes (global and per guild) and what a test asks of
them (what the bot synced, the ids the fake assigned, a command by name)."""

from __future__ import annotations

from typing import Any

from ..models import snowflake
from ..protocol import (
    DiscordError,
    form_error,
)
from ..records import RecordedRequest


class CommandRoutes:
    """Application command routes and records for :class:`FakeDiscord`."""

    def synced_commands(self, guild_id: int | None = None) -> Any:
        """The body of the last ``PUT .../commands`` (global when ``guild_id`` is None), exactly
        as the bot sent it; None if it never synced that scope."""
        return self._sync_payloads.get(int(guild_id) if guild_id is not None else None)

    def registered_commands(self, guild_id: int | None = None) -> list[dict[str, Any]]:
        """The commands as stored, with the ids the fake assigned (what Discord would list)."""
        return list(self._commands.get(int(guild_id) if guild_id is not None else None, []))

    def find_command(
        self, name: str, guild_id: int | None = None, type: int = 1
    ) -> tuple[dict[str, Any], int | None] | None:
        """A registered command by name, looking in the guild's commands first, then global
        ones (Discord shows both); returns (command, guild id of its scope or None)."""
        scopes: list[int | None] = [int(guild_id)] if guild_id is not None else []
        scopes.append(None)
        for scope in scopes:
            for cmd in self._commands.get(scope, []):
                if cmd["name"] == name and cmd.get("type", 1) == type:
                    return cmd, scope
        return None

    def _command_id(self, scope: int | None, name: str, ctype: int) -> int:
        key = (scope, name, ctype)
        if key not in self._command_ids:
            self._command_ids[key] = snowflake()
        return self._command_ids[key]

    def _scope(self, app_id: str, guild_id: str | None) -> int | None:
        if app_id != str(self.application_id):
            raise DiscordError(403, 50001, "Missing Access")
        if guild_id is None:
            return None
        self._guild_or_404(guild_id)
        return int(guild_id)

    def _store_command(self, scope: int | None, cmd: dict[str, Any]) -> dict[str, Any]:
        ctype = int(cmd.get("type") or 1)
        stored = {
            "id": str(self._command_id(scope, cmd["name"], ctype)),
            "application_id": str(self.application_id),
            "version": str(snowflake()),
            "type": ctype,
            "name": cmd["name"],
            "description": cmd.get("description") or "",
            "options": cmd.get("options") or [],
            "default_member_permissions": cmd.get("default_member_permissions"),
            "dm_permission": cmd.get("dm_permission", True),
            "contexts": cmd.get("contexts"),
            "integration_types": cmd.get("integration_types") or [0],
            "nsfw": bool(cmd.get("nsfw", False)),
            "name_localizations": cmd.get("name_localizations"),
            "description_localizations": cmd.get("description_localizations"),
        }
        if scope is not None:
            stored["guild_id"] = str(scope)
        return stored

    async def _list_commands(
        self, rec: RecordedRequest, app_id: str, guild_id: str | None = None
    ) -> Any:
        return self.registered_commands(self._scope(app_id, guild_id))

    async def _bulk_commands(
        self, rec: RecordedRequest, app_id: str, guild_id: str | None = None
    ) -> Any:
        scope = self._scope(app_id, guild_id)
        body = rec.json or []
        names = [(c.get("name"), int(c.get("type") or 1)) for c in body]
        if len(set(names)) != len(names):
            raise form_error("0.name", "APPLICATION_COMMANDS_DUPLICATE_NAME", "Duplicate name")
        self._sync_payloads[scope] = body
        self._commands[scope] = [self._store_command(scope, c) for c in body]
        return self._commands[scope]

    async def _upsert_command(
        self, rec: RecordedRequest, app_id: str, guild_id: str | None = None
    ) -> Any:
        scope = self._scope(app_id, guild_id)
        cmd = self._store_command(scope, rec.json or {})
        cmds = [c for c in self._commands.get(scope, []) if c["id"] != cmd["id"]]
        self._commands[scope] = [*cmds, cmd]
        return 201, cmd

    def _command_or_404(self, scope: int | None, command_id: str) -> dict[str, Any]:
        for c in self._commands.get(scope, []):
            if c["id"] == command_id:
                return c
        raise DiscordError(404, 10063, "Unknown application command")

    async def _get_command(
        self, rec: RecordedRequest, app_id: str, command_id: str, guild_id: str | None = None
    ) -> Any:
        return self._command_or_404(self._scope(app_id, guild_id), command_id)

    async def _edit_command(
        self, rec: RecordedRequest, app_id: str, command_id: str, guild_id: str | None = None
    ) -> Any:
        scope = self._scope(app_id, guild_id)
        cmd = self._command_or_404(scope, command_id)
        cmd.update({k: v for k, v in (rec.json or {}).items() if k != "id"})
        return cmd

    async def _delete_command(
        self, rec: RecordedRequest, app_id: str, command_id: str, guild_id: str | None = None
    ) -> Any:
        scope = self._scope(app_id, guild_id)
        cmd = self._command_or_404(scope, command_id)
        self._commands[scope].remove(cmd)
        return 204, None

    async def _command_permissions(
        self, rec: RecordedRequest, app_id: str, guild_id: str | None = None
    ) -> Any:
        self._scope(app_id, guild_id)
        return []
