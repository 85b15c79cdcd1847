"""REST plumbing: the route table, request parsing (JSON and multipart), recording, fault
injection, auth, spec validation, and the attachment CDN.

The handlers live in :mod:`.routes` (and interaction webhooks in :mod:`.interactions`);
this module only decides which handler answers and records what happened."""

from __future__ import annotations

import json
import logging
import re
import traceback
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from . import spec as _spec
from .protocol import (
    API_PREFIX,
    DiscordError,
)
from .records import RecordedFile, RecordedRequest, SpecViolation

log = logging.getLogger("fake_discord")


@dataclass
class _Route:
    method: str
    template: str
    regex: re.Pattern[str]
    handler: Callable[..., Any]
    validate: bool


def _json_response(status: int, body: Any, headers: dict[str, str] | None = None) -> web.Response:
    # discord.py parses JSON only when Content-Type is *exactly* application/json;
    # aiohttp's json_response would add "; charset=utf-8" and the client would get a str.
    hdrs = {"Content-Type": "application/json"}
    hdrs.update(headers or {})
    return web.Response(status=status, body=json.dumps(body).encode(), headers=hdrs)


def _template_regex(template: str) -> re.Pattern[str]:
    rx = re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", template)
    return re.compile("^" + rx + "$")


_warned_no_spec = False


class RestMixin:
    """The HTTP side of :class:`FakeDiscord`: routing, recording and validation."""

    def _register_routes(self) -> None:
        r = self._route
        r("GET", "/users/@me", self._get_me)
        r("POST", "/users/@me/channels", self._create_dm)
        r("GET", "/users/{user_id}", self._get_user)
        r("GET", "/oauth2/applications/@me", self._get_app)
        r("GET", "/applications/@me", self._get_app)
        r("GET", "/gateway", self._get_gateway)
        r("GET", "/gateway/bot", self._get_gateway_bot)
        r("GET", "/channels/{channel_id}", self._get_channel)
        r("GET", "/channels/{channel_id}/messages", self._list_messages)
        r("POST", "/channels/{channel_id}/messages", self._create_message, validate=True)
        r("POST", "/channels/{channel_id}/typing", self._typing)
        msg = "/channels/{channel_id}/messages/{message_id}"
        r("GET", msg, self._get_message)
        r("PATCH", msg, self._edit_message, validate=True)
        r("DELETE", msg, self._delete_message)
        r("PUT", msg + "/reactions/{emoji}/@me", self._add_reaction)
        r("DELETE", msg + "/reactions/{emoji}/@me", self._remove_reaction)
        r("DELETE", msg + "/reactions/{emoji}/{user_id}", self._remove_reaction)
        r("DELETE", msg + "/reactions/{emoji}", self._clear_reactions)
        r("DELETE", msg + "/reactions", self._clear_reactions)
        r("GET", msg + "/reactions/{emoji}", self._get_reactions)
        r("GET", "/guilds/{guild_id}", self._get_guild)
        r("GET", "/guilds/{guild_id}/channels", self._get_guild_channels)
        r("GET", "/guilds/{guild_id}/roles", self._get_roles)
        r("GET", "/guilds/{guild_id}/members", self._list_members)
        r("GET", "/guilds/{guild_id}/members/{user_id}", self._get_member)
        r("POST", "/interactions/{interaction_id}/{token}/callback", self._callback, validate=True)
        wh = "/webhooks/{app_id}/{token}"
        r("POST", wh, self._followup, validate=True)
        for target in ("/messages/@original", "/messages/{message_id}"):
            r("GET", wh + target, self._get_webhook_message)
            r("PATCH", wh + target, self._edit_webhook_message, validate=True)
            r("DELETE", wh + target, self._delete_webhook_message)
        for scope in ("/applications/{app_id}", "/applications/{app_id}/guilds/{guild_id}"):
            r("GET", scope + "/commands/permissions", self._command_permissions)
            r("GET", scope + "/commands", self._list_commands)
            r("PUT", scope + "/commands", self._bulk_commands, validate=True)
            r("POST", scope + "/commands", self._upsert_command, validate=True)
            r("GET", scope + "/commands/{command_id}", self._get_command)
            r("PATCH", scope + "/commands/{command_id}", self._edit_command, validate=True)
            r("DELETE", scope + "/commands/{command_id}", self._delete_command)

    def _route(
        self, method: str, template: str, handler: Callable[..., Any], *, validate: bool = False
    ) -> None:
        self._routes.append(_Route(method, template, _template_regex(template), handler, validate))

    async def _read_body(self, request: web.Request) -> tuple[Any, list[RecordedFile]]:
        files: list[RecordedFile] = []
        if request.content_type == "multipart/form-data":
            body = None
            reader = await request.multipart()
            while True:
                part = await reader.next()
                if part is None:
                    break
                if part.name == "payload_json":
                    body = json.loads(await part.text())
                else:
                    files.append(
                        RecordedFile(
                            field_name=part.name or "",
                            filename=part.filename,
                            content_type=part.headers.get("Content-Type"),
                            data=bytes(await part.read(decode=False)),
                        )
                    )
            return body, files
        raw = await request.read()
        if not raw:
            return None, files
        try:
            return json.loads(raw), files
        except ValueError as exc:
            raise DiscordError(400, 50109, "The request body contains invalid JSON.") from exc

    async def _http_handler(self, request: web.Request) -> web.StreamResponse:
        if not request.path.startswith(API_PREFIX + "/"):
            return _json_response(404, {"message": "404: Not Found", "code": 0})
        path = request.path[len(API_PREFIX) :]
        method = request.method.upper()
        rec = RecordedRequest(
            method=method,
            path=path,
            json=None,
            headers=dict(request.headers),
            query=dict(request.query),
        )
        headers: dict[str, str] = {}
        try:
            rec.json, rec.files = await self._read_body(request)
            route, params = self._match(method, path)
            if route is not None and route.validate and rec.json is not None:
                self._validate_body(method, path, rec.json)
            inj = next((i for i in self.injections if i.matches(method, path)), None)
            if inj is not None:
                inj.hits += 1
                rec.injected = True
                status, body, headers = inj.status, inj.json_body, dict(inj.headers)
            elif route is None:
                status, body = 404, {"message": "Unknown", "code": 0}
            else:
                self._check_auth(request, path)
                result = await route.handler(rec, **params)
                status, body = result if isinstance(result, tuple) else (200, result)
        except DiscordError as exc:
            status, body = exc.status, exc.body
        except Exception as exc:
            # A bug in the fake, not in the bot. Answer 400, not 500: discord.py retries 5xx
            # for ~25 s, which would turn this into a slow, baffling timeout.
            log.exception("fake_discord failed handling %s %s", method, path)
            self.internal_errors.append(
                f"{method} {path}: " + "".join(traceback.format_exception(exc)).strip()
            )
            status, body = 400, {"message": f"fake_discord bug: {exc!r}", "code": -1}
        rec.status, rec.response = status, body
        self.requests.append(rec)
        self._notify()
        if status == 204 or body is None:
            return web.Response(status=204 if status < 300 else status, headers=headers)
        return _json_response(status, body, headers)

    def _match(self, method: str, path: str) -> tuple[_Route | None, dict[str, str]]:
        for route in self._routes:
            if route.method != method:
                continue
            m = route.regex.match(path)
            if m:
                return route, m.groupdict()
        return None, {}

    def _check_auth(self, request: web.Request, path: str) -> None:
        if self.token is None or path.startswith(("/webhooks/", "/interactions/")):
            return
        if request.headers.get("Authorization") != f"Bot {self.token}":
            raise DiscordError(401, 0, "401: Unauthorized")

    def _validate_body(self, method: str, path: str, body: Any) -> None:
        if not self.validate:
            return
        if not _spec.spec_available():
            global _warned_no_spec
            if not _warned_no_spec:  # once per process: every test's server would repeat it
                _warned_no_spec = True
                warnings.warn(
                    "FakeDiscord(validate=True) but the Discord OpenAPI spec was not found; "
                    "request bodies are not being validated",
                    stacklevel=2,
                )
            return
        errors = _spec.validate_request(method, path, body)
        if errors:
            self.spec_violations.append(SpecViolation(method, path, errors, body))

    async def _get_attachment(self, request: web.Request) -> web.StreamResponse:
        stored = self._attachments.get(int(request.match_info["aid"]))
        if stored is None:
            return web.Response(status=404)
        _, ctype, data = stored
        return web.Response(body=data, content_type=ctype or "application/octet-stream")
