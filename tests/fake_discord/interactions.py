"""Interactions: a person runs a slash command, types in an autocomplete option or clicks a
component (interaction creation), and the bot answers through the callback, follow-ups
and ``@original`` edits (the REST routes of the interaction webhook)."""

from __future__ import annotations

import secrets
from typing import Any

from .limits import check_message_limits
from .models import (
    FakeAttachment,
    FakeChannel,
    FakeGuild,
    FakeMember,
    FakeRole,
    FakeUser,
    Perm,
    snowflake,
)
from .protocol import (
    EPHEMERAL,
    INTERACTION_APPLICATION_COMMAND,
    INTERACTION_AUTOCOMPLETE,
    INTERACTION_MESSAGE_COMPONENT,
    LOADING,
    MSG_CHAT_INPUT_COMMAND,
    MSG_DEFAULT,
    DiscordError,
    as_user,
    form_error,
)
from .records import FakeInteraction, RecordedFile, RecordedRequest

_AUTO: Any = object()


class InteractionsMixin:
    """Interaction creation and the interaction REST routes for :class:`FakeDiscord`."""

    def _interaction_base(
        self,
        itype: int,
        data: dict[str, Any] | None,
        user: FakeUser | FakeMember,
        channel_id: int | None,
        guild: bool,
        locale: str,
        message: dict[str, Any] | None = None,
    ) -> FakeInteraction:
        iid = snowflake()
        token = "fake-interaction-" + secrets.token_urlsafe(32)
        if guild:
            ch, g = self._resolve_channel(channel_id)
            if g is None:
                raise ValueError(f"channel {ch.id} is not a guild channel; pass guild=False")
        else:
            ch = (
                self.dm_channel_for(user)
                if channel_id is None
                else self._resolve_channel(channel_id)[0]
            )
            g = None
        u, member = self._member_or_user(user, g)
        payload: dict[str, Any] = {
            "id": str(iid),
            "application_id": str(self.application_id),
            "type": itype,
            "token": token,
            "version": 1,
            "locale": locale,
            "entitlements": [],
            "entitlement_sku_ids": [],
            "attachment_size_limit": 10 * 1024 * 1024,
            "channel_id": str(ch.id),
            "channel": ch.to_dict(),
        }
        if data is not None:
            payload["data"] = data
        if message is not None:
            payload["message"] = message
        if g is not None:
            if member is None:
                raise ValueError(f"{u.username} is not a member of guild {g.id}")
            perms = g.channel_permissions(member, ch)
            payload["channel"]["permissions"] = str(perms)
            payload.update(
                guild_id=str(g.id),
                guild={"id": str(g.id), "locale": g.preferred_locale, "features": g.features},
                guild_locale=g.preferred_locale,
                member=member.to_dict(permissions=perms),
                app_permissions=str(g.channel_permissions(self._ensure_bot_member(g), ch)),
                authorizing_integration_owners={"0": str(g.id)},
                context=0,
            )
        else:
            payload.update(
                user=u.to_dict(),
                app_permissions=str(int(Perm.member_default())),
                authorizing_integration_owners={"0": "0"},
                context=1,
            )
        inter = FakeInteraction(id=iid, token=token, type=itype, payload=payload)
        self.interactions[iid] = inter
        return inter

    def _command_data(
        self,
        name: str,
        options: dict[str, Any] | list[dict[str, Any]] | None,
        guild_id: int | None,
        command_guild_id: Any,
        focused: str | None = None,
    ) -> dict[str, Any]:
        parts = name.split()
        top = parts[0]
        if command_guild_id is _AUTO:
            found = self.find_command(top, guild_id)
            cmd, scope = found if found else (None, None)
        else:
            scope = int(command_guild_id) if command_guild_id is not None else None
            cmd = next((c for c in self._commands.get(scope, []) if c["name"] == top), None)
        defs = (cmd or {}).get("options") or []
        for sub in parts[1:]:
            d = next((o for o in defs if o.get("name") == sub), None)
            defs = (d or {}).get("options") or []
        resolved: dict[str, dict[str, Any]] = {}
        guild = self.get_guild(guild_id)
        if isinstance(options, list):
            opts = options
        else:
            opts = [
                self._option(k, v, defs, guild, resolved, focused=(k == focused))
                for k, v in (options or {}).items()
            ]
        # Wrap subcommand (type 1) and group (type 2) levels around the leaf options.
        for depth in range(len(parts) - 1, 0, -1):
            kind = 1 if depth == len(parts) - 1 else 2
            opts = [{"name": parts[depth], "type": kind, "options": opts}]
        data: dict[str, Any] = {
            "id": str(cmd["id"]) if cmd else str(self._command_id(scope, top, 1)),
            "name": top,
            "type": 1,
        }
        if opts:
            data["options"] = opts
        if scope is not None:
            data["guild_id"] = str(scope)
        if resolved:
            data["resolved"] = resolved
        return data

    def _option(
        self,
        name: str,
        value: Any,
        defs: list[dict[str, Any]],
        guild: FakeGuild | None,
        resolved: dict[str, dict[str, Any]],
        *,
        focused: bool,
    ) -> dict[str, Any]:
        d = next((o for o in defs if o.get("name") == name), None)
        otype = d.get("type") if d else None
        if isinstance(value, FakeMember | FakeUser):
            otype = otype or 6
            u = as_user(value)
            resolved.setdefault("users", {})[str(u.id)] = u.to_dict()
            m = guild.get_member(u.id) if guild else None
            if m is not None:
                resolved.setdefault("members", {})[str(u.id)] = m.to_dict(
                    with_user=False, permissions=guild.base_permissions(m) if guild else 0
                )
            value = str(u.id)
        elif isinstance(value, FakeRole):
            otype = otype or 8
            resolved.setdefault("roles", {})[str(value.id)] = value.to_dict()
            value = str(value.id)
        elif isinstance(value, FakeAttachment):
            otype = otype or 11
            resolved.setdefault("attachments", {})[str(value.id)] = value.to_dict()
            value = str(value.id)
        elif isinstance(value, FakeChannel):
            otype = otype or 7
            cd = value.to_dict()
            cd["permissions"] = str(Perm.all())
            resolved.setdefault("channels", {})[str(value.id)] = cd
            value = str(value.id)
        elif otype is None:
            if isinstance(value, bool):
                otype = 5
            elif isinstance(value, int):
                otype = 4
            elif isinstance(value, float):
                otype = 10
            else:
                otype = 3
        opt: dict[str, Any] = {"name": name, "type": otype, "value": value}
        if focused:
            opt["focused"] = True
            # While typing, Discord sends what is in the box: always a string.
            opt["value"] = str(value)
        return opt

    async def send_slash_command(
        self,
        name: str,
        options: dict[str, Any] | list[dict[str, Any]] | None = None,
        *,
        user: FakeUser | FakeMember,
        channel_id: int | None = None,
        guild: bool = True,
        locale: str = "en-US",
        command_guild_id: Any = _AUTO,
    ) -> FakeInteraction:
        """``user`` runs ``/name`` with ``options``; the bot gets INTERACTION_CREATE type 2.

        ``name`` may be ``"group sub"`` or ``"group subgroup sub"`` for subcommands.
        ``options`` maps option names to values: str/int/float/bool, or a FakeUser/
        FakeMember/FakeRole/FakeChannel for user/role/channel options (the fake adds the
        ``resolved`` objects). Option types come from the commands the bot synced when
        known, else from the Python value; pass a list of raw option dicts for full control.

        The command id (``data.id``) is the one assigned when the bot synced, if it did, so
        id-based lookups work; otherwise a stable generated id. ``data.guild_id`` is set
        when the command was synced to this guild, which is what makes discord.py look in
        its guild-specific commands. Override with ``command_guild_id`` (None = global).
        ``guild=False`` sends it from the user's DM with the bot (``user`` not ``member``).
        ``channel_id`` in another guild's channel runs the command in that guild.
        FakeAttachment values (from :meth:`upload`) fill attachment options.
        """
        g = self._resolve_channel(channel_id)[1] if guild else None
        data = self._command_data(name, options, g.id if g else None, command_guild_id)
        inter = self._interaction_base(
            INTERACTION_APPLICATION_COMMAND, data, user, channel_id, guild, locale
        )
        self._set_mark()
        await self.dispatch("INTERACTION_CREATE", inter.payload)
        return inter

    async def send_autocomplete(
        self,
        name: str,
        options: dict[str, Any] | None = None,
        *,
        focused: str,
        user: FakeUser | FakeMember,
        channel_id: int | None = None,
        guild: bool = True,
        locale: str = "en-US",
        command_guild_id: Any = _AUTO,
        timeout: float = 5.0,
    ) -> list[dict[str, Any]]:
        """``user`` is typing in option ``focused`` of ``/name``; returns the bot's choices.

        Sends INTERACTION_CREATE type 4 with ``focused: true`` on that option (its value is
        the partial text, a string), waits for the type-8 callback and returns its
        ``choices`` (list of ``{"name", "value"}``). The interaction itself is in
        ``server.interactions`` if a test needs more. ``channel_id`` in another guild's
        channel asks from that guild.
        """
        g = self._resolve_channel(channel_id)[1] if guild else None
        options = dict(options or {})
        options.setdefault(focused, "")
        data = self._command_data(
            name, options, g.id if g else None, command_guild_id, focused=focused
        )
        inter = self._interaction_base(
            INTERACTION_AUTOCOMPLETE, data, user, channel_id, guild, locale
        )
        self._set_mark()
        await self.dispatch("INTERACTION_CREATE", inter.payload)
        callback = await self.wait_for_interaction_response(inter, timeout=timeout)
        if callback.get("type") != 8:
            raise AssertionError(f"autocomplete answered with callback type {callback.get('type')}")
        return inter.choices or []

    async def send_component(
        self,
        message: dict[str, Any],
        custom_id: str,
        *,
        user: FakeUser | FakeMember,
        component_type: int = 2,
        values: list[str] | None = None,
        locale: str = "en-US",
    ) -> FakeInteraction:
        """``user`` clicks a button (type 2) or picks from a select (type 3, ``values``) on a
        message the bot sent; the bot gets INTERACTION_CREATE type 3 carrying that message."""
        stored = self.messages.get(int(message["id"]), message)
        data: dict[str, Any] = {"custom_id": custom_id, "component_type": component_type}
        if values is not None:
            data["values"] = values
        guild = "guild_id" in stored
        inter = self._interaction_base(
            INTERACTION_MESSAGE_COMPONENT,
            data,
            user,
            int(stored["channel_id"]),
            guild,
            locale,
            message=stored,
        )
        self._set_mark()
        await self.dispatch("INTERACTION_CREATE", inter.payload)
        return inter

    async def wait_for_interaction_response(
        self, inter: FakeInteraction, *, timeout: float = 5.0
    ) -> dict[str, Any]:
        """Wait for the bot's callback to ``inter`` and return its body
        (``{"type": 4, "data": {...}}``; 5 = deferred, 6 = deferred update, 7 = update
        message, 8 = autocomplete, 9 = modal). Follow-ups arrive later: see
        :meth:`wait_for_followups` and :meth:`wait_for_original`."""
        return await self._wait_until(
            lambda: inter.callback,
            timeout,
            lambda: (
                f"no callback for interaction {inter.id} within {timeout}s (Discord gives 3 s); "
                f"latest requests: {self._recent_requests()}"
            ),
        )

    async def wait_for_followups(
        self, inter: FakeInteraction, *, count: int = 1, timeout: float = 5.0
    ) -> list[dict[str, Any]]:
        """Wait for ``count`` follow-up messages (``POST /webhooks/{app}/{token}``)."""
        return await self._wait_until(
            lambda: inter.followups[:count] if len(inter.followups) >= count else None,
            timeout,
            lambda: f"expected {count} follow-ups to {inter.id}, got {len(inter.followups)}",
        )

    async def wait_for_original(
        self, inter: FakeInteraction, *, timeout: float = 5.0
    ) -> dict[str, Any]:
        """Wait until the interaction's original response exists and is no longer "thinking"
        (a deferred response is finished by editing ``@original`` or a first follow-up)."""
        return await self._wait_until(
            lambda: (
                inter.original
                if inter.original is not None and not inter.original["flags"] & LOADING
                else None
            ),
            timeout,
            lambda: f"interaction {inter.id} has no finished original response",
        )

    # -- REST: callbacks, follow-ups, webhook messages -------------------------------------

    def _interaction_by_token(self, app_id: str, token: str) -> FakeInteraction:
        if app_id != str(self.application_id):
            raise DiscordError(404, 10015, "Unknown Webhook")
        for inter in self.interactions.values():
            if inter.token == token:
                return inter
        raise DiscordError(404, 10015, "Unknown Webhook")

    def _interaction_message(
        self,
        inter: FakeInteraction,
        body: dict[str, Any],
        files: list[RecordedFile],
        *,
        original: bool,
        check: bool = True,
    ) -> dict[str, Any]:
        p = inter.payload
        found = self.get_channel(p["channel_id"])
        assert found is not None
        ch, guild = found
        user = p.get("member", {}).get("user") or p.get("user")
        extra: dict[str, Any] = {}
        msg_type = MSG_DEFAULT
        if original and inter.type == INTERACTION_APPLICATION_COMMAND:
            msg_type = MSG_CHAT_INPUT_COMMAND
            extra["interaction_metadata"] = {
                "id": str(inter.id),
                "type": inter.type,
                "user": user,
                "authorizing_integration_owners": p["authorizing_integration_owners"],
                "name": p["data"]["name"],
                "command_type": p["data"].get("type", 1),
            }
            extra["interaction"] = {
                "id": str(inter.id),
                "type": inter.type,
                "name": p["data"]["name"],
                "user": user,
            }
        if self.enforce_limits and check:
            check_message_limits(body, has_files=bool(files), is_edit=False)
        return self._build_message(
            ch,
            guild,
            self.bot_user,
            None,
            body,
            files=files,
            webhook_id=self.application_id,
            msg_type=msg_type,
            extra=extra,
        )

    async def _callback(self, rec: RecordedRequest, interaction_id: str, token: str) -> Any:
        inter = self.interactions.get(int(interaction_id)) if interaction_id.isdigit() else None
        if inter is None or inter.token != token:
            raise DiscordError(404, 10062, "Unknown interaction")
        if inter.callback is not None:
            raise DiscordError(400, 40060, "Interaction has already been acknowledged.")
        body = rec.json or {}
        ctype = int(body.get("type", 0))
        data = body.get("data") or {}
        message = None
        if ctype == 4:
            message = self._interaction_message(inter, data, rec.files, original=True)
            inter.original = message
        elif ctype == 5:
            # The "Bot is thinking..." message: empty, flagged LOADING until edited.
            flags = int(data.get("flags") or 0) | LOADING
            message = self._interaction_message(
                inter, {"content": "", "flags": flags}, [], original=True, check=False
            )
            inter.original = message
        elif ctype == 7:
            target = inter.payload.get("message")
            if target is None:
                raise DiscordError(400, 40004, "Interaction has no message to update")
            message = self.messages.get(int(target["id"]))
            if message is not None:
                self._apply_edit(message, data, rec.files)
                inter.original = message
        elif ctype == 8:
            if inter.type != INTERACTION_AUTOCOMPLETE:
                raise DiscordError(
                    400, 50035, "Invalid Form Body (autocomplete on non-autocomplete)"
                )
        elif ctype not in (1, 6, 9, 10, 12):
            raise form_error("type", "BASE_TYPE_CHOICES", f"Value {ctype} is not a valid choice")
        inter.callback = body
        self._notify()
        if message is not None and ctype in (4, 5):
            await self._dispatch_message("MESSAGE_CREATE", message)
        elif message is not None and ctype == 7:
            await self._dispatch_message("MESSAGE_UPDATE", message)
        if rec.query.get("with_response", "").lower() not in ("1", "true"):
            return 204, None
        result: dict[str, Any] = {
            "interaction": {
                "id": str(inter.id),
                "type": inter.type,
                "response_message_loading": ctype == 5,
                "response_message_ephemeral": bool(message and message["flags"] & EPHEMERAL),
            }
        }
        if message is not None:
            result["interaction"]["response_message_id"] = message["id"]
            result["resource"] = {"type": ctype, "message": message}
        else:
            result["resource"] = {"type": ctype}
        return result

    async def _followup(self, rec: RecordedRequest, app_id: str, token: str) -> Any:
        inter = self._interaction_by_token(app_id, token)
        if inter.callback is None:
            raise DiscordError(404, 10015, "Unknown Webhook")
        body = rec.json or {}
        orig = inter.original
        if orig is not None and orig["flags"] & LOADING:
            # Discord: after a defer, the first follow-up replaces the "thinking" message.
            self._apply_edit(orig, {**body, "flags": int(body.get("flags") or 0)}, rec.files)
            msg = orig
            await self._dispatch_message("MESSAGE_UPDATE", msg)
        else:
            msg = self._interaction_message(inter, body, rec.files, original=False)
            await self._dispatch_message("MESSAGE_CREATE", msg)
        inter.followups.append(msg)
        self._notify()
        if rec.query.get("wait", "").lower() in ("1", "true"):
            return msg
        return 204, None

    def _webhook_target(self, inter: FakeInteraction, message_id: str | None) -> dict[str, Any]:
        if message_id is None:
            if inter.original is None:
                raise DiscordError(404, 10008, "Unknown Message")
            return inter.original
        for m in inter.followups:
            if m["id"] == message_id:
                return m
        if inter.original is not None and inter.original["id"] == message_id:
            return inter.original
        raise DiscordError(404, 10008, "Unknown Message")

    async def _get_webhook_message(
        self, rec: RecordedRequest, app_id: str, token: str, message_id: str | None = None
    ) -> Any:
        return self._webhook_target(self._interaction_by_token(app_id, token), message_id)

    async def _edit_webhook_message(
        self, rec: RecordedRequest, app_id: str, token: str, message_id: str | None = None
    ) -> Any:
        inter = self._interaction_by_token(app_id, token)
        msg = self._webhook_target(inter, message_id)
        self._apply_edit(msg, rec.json or {}, rec.files)
        self._notify()
        await self._dispatch_message("MESSAGE_UPDATE", msg)
        return msg

    async def _delete_webhook_message(
        self, rec: RecordedRequest, app_id: str, token: str, message_id: str | None = None
    ) -> Any:
        inter = self._interaction_by_token(app_id, token)
        msg = self._webhook_target(inter, message_id)
        await self._remove_message(msg)
        if inter.original is msg:
            inter.original = None
        self._notify()
        return 204, None
