"""An in-process fake of Discord's HTTP API and gateway, for running the real discord.py.

Why a fake server instead of mocks: mocking discord.py's objects tests our guesses about
discord.py. Running the unmodified client against a local server tests the bot the way
production runs it: the same command parsing, checks, converters, interaction handling,
retries and payloads. Only the network endpoint is fake.

What it does, in protocol terms (the parts discord.py 2.7 actually needs):

* REST under ``/api/v10`` (discord.py's ``Route.BASE`` is pointed here by
  :func:`~tests.fake_discord.harness.patch_discord`): login (``GET /users/@me``,
  ``GET /oauth2/applications/@me``), messages (JSON and multipart), edits, deletes,
  reactions, typing, DMs, interaction callbacks, webhook follow-ups, command sync, and
  guild/channel/member/role fetches. Every request is recorded as a
  :class:`RecordedRequest`; unknown routes answer ``404 {"message": "Unknown", "code": 0}``.
* A gateway websocket: HELLO, heartbeat ACKs, IDENTIFY -> READY (guilds unavailable) then
  GUILD_CREATE per guild, RESUME -> replay of missed events + RESUMED, member chunk
  requests. Frames are plain JSON *text*: discord.py only inflates binary frames, so text
  avoids implementing zlib-stream.
* Simulated people: :meth:`FakeDiscord.send_message`, :meth:`~FakeDiscord.send_dm`,
  :meth:`~FakeDiscord.send_slash_command`, :meth:`~FakeDiscord.send_autocomplete`,
  :meth:`~FakeDiscord.send_component` build the payloads Discord would send, including the
  fields only the server can fill (``mentions``, ``mention_roles``, ``mention_everyone``,
  ``member``, interaction ``permissions``).
* Fault injection (:meth:`~FakeDiscord.inject_status`), gateway drops
  (:meth:`~FakeDiscord.drop_gateway`), and optional validation of every body the bot sends
  against Discord's OpenAPI spec (``validate=True``, see :mod:`.spec`).

It also behaves like Discord where a bot can get it wrong: messages over 2,000 characters
or with oversized embeds are rejected with 400, an interaction can be acknowledged once,
sending needs the View Channel and Send Messages permissions, message content is blanked
for bots without the Message Content intent, and events are only delivered for the
intents the bot asked for.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import math
import re
import secrets
import time
import traceback
import warnings
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web

from . import spec as _spec
from .models import (
    ChannelType,
    FakeAttachment,
    FakeChannel,
    FakeGuild,
    FakeMember,
    FakeRole,
    FakeUser,
    Perm,
    iso_now,
    snowflake,
)
from .sharding import ShardLink, ShardTable

__all__ = [
    "DiscordError",
    "FakeDiscord",
    "FakeInteraction",
    "Injection",
    "Intent",
    "RecordedFile",
    "RecordedRequest",
    "SpecViolation",
]

log = logging.getLogger("fake_discord")

API_PREFIX = "/api/v10"

# Message flags
EPHEMERAL = 1 << 6
LOADING = 1 << 7

# Message types
MSG_DEFAULT = 0
MSG_REPLY = 19
MSG_CHAT_INPUT_COMMAND = 20

# Interaction types
INTERACTION_PING = 1
INTERACTION_APPLICATION_COMMAND = 2
INTERACTION_MESSAGE_COMPONENT = 3
INTERACTION_AUTOCOMPLETE = 4
INTERACTION_MODAL_SUBMIT = 5

_AUTO: Any = object()
_warned_no_spec = False


class Intent:
    """Gateway intent bits the fake consults when deciding what to deliver."""

    GUILDS = 1 << 0
    GUILD_MEMBERS = 1 << 1
    GUILD_PRESENCES = 1 << 8
    GUILD_MESSAGES = 1 << 9
    GUILD_MESSAGE_REACTIONS = 1 << 10
    DIRECT_MESSAGES = 1 << 12
    DIRECT_MESSAGE_REACTIONS = 1 << 13
    MESSAGE_CONTENT = 1 << 15
    PRIVILEGED = GUILD_MEMBERS | GUILD_PRESENCES | MESSAGE_CONTENT


# --------------------------------------------------------------------------------------------
# Records
# --------------------------------------------------------------------------------------------


@dataclass
class RecordedFile:
    """One uploaded file from a multipart request (``files[n]`` form field)."""

    field_name: str
    filename: str | None
    content_type: str | None
    data: bytes


@dataclass
class RecordedRequest:
    """One REST call the client made, as the server saw it and answered it.

    ``path`` has no ``/api/v10`` prefix and no query string (the query is in ``query``);
    ``json`` is the parsed JSON body, or the parsed ``payload_json`` part of a multipart
    body, or None. ``status`` and ``response`` are what the fake answered, so a test can
    tell an injected 429 from the retry that succeeded.
    """

    method: str
    path: str
    json: Any
    headers: dict[str, str]
    files: list[RecordedFile] = field(default_factory=list)
    query: dict[str, str] = field(default_factory=dict)
    status: int | None = None
    response: Any = None
    injected: bool = False
    at: float = field(default_factory=time.monotonic)

    def __repr__(self) -> str:
        return (
            f"<{self.method} {self.path} -> {self.status}{' (injected)' if self.injected else ''}>"
        )


@dataclass
class SpecViolation:
    """A request body that Discord's OpenAPI spec (plus documented tolerances) rejects."""

    method: str
    path: str
    errors: list[str]
    body: Any

    def __str__(self) -> str:
        return f"{self.method} {self.path}: " + "; ".join(self.errors)


@dataclass
class Injection:
    """A scripted failure: the next ``times`` matching requests get ``status`` instead of
    being handled. ``hits`` counts how many were answered that way, so a test can assert
    the fault really fired (and was not silently skipped by a changed route)."""

    method: str | None
    path_regex: re.Pattern[str]
    status: int
    json_body: Any
    headers: dict[str, str]
    times: int
    hits: int = 0

    @property
    def remaining(self) -> int:
        return self.times - self.hits

    def matches(self, method: str, path: str) -> bool:
        if self.remaining <= 0:
            return False
        if self.method is not None and self.method.upper() != method:
            return False
        return self.path_regex.fullmatch(path) is not None


@dataclass
class FakeInteraction:
    """An interaction the fake sent, and everything the bot answered to it.

    ``payload`` is the INTERACTION_CREATE data as dispatched. ``callback`` is the body of
    the bot's ``POST /interactions/{id}/{token}/callback`` (``{"type": 4, "data": ...}``);
    ``original`` the message that callback created (kept up to date by edits to
    ``@original``); ``followups`` the messages sent through the webhook.
    """

    id: int
    token: str
    type: int
    payload: dict[str, Any]
    callback: dict[str, Any] | None = None
    original: dict[str, Any] | None = None
    followups: list[dict[str, Any]] = field(default_factory=list)

    @property
    def responded(self) -> bool:
        return self.callback is not None

    @property
    def choices(self) -> list[dict[str, Any]] | None:
        """Autocomplete choices from a type-8 callback, else None."""
        if self.callback and self.callback.get("type") == 8:
            return list((self.callback.get("data") or {}).get("choices") or [])
        return None


class DiscordError(Exception):
    """Raised inside handlers to answer with a Discord-shaped JSON error."""

    def __init__(
        self, status: int, code: int, message: str, errors: dict[str, Any] | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.body: dict[str, Any] = {"message": message, "code": code}
        if errors:
            self.body["errors"] = errors


def _form_error(field_path: str, code: str, message: str) -> DiscordError:
    """Discord's 50035 "Invalid Form Body" with its nested ``errors`` object."""
    errors: dict[str, Any] = {"_errors": [{"code": code, "message": message}]}
    for part in reversed(field_path.split(".")):
        errors = {part: errors}
    return DiscordError(400, 50035, "Invalid Form Body", errors)


@dataclass
class _Route:
    method: str
    template: str
    regex: re.Pattern[str]
    handler: Callable[..., Any]
    validate: bool


@dataclass
class _Session:
    id: str
    intents: int
    seq: int = 0
    history: list[dict[str, Any]] = field(default_factory=list)


_STATUS_TEXT = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    429: "Too Many Requests",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}


def _json_response(status: int, body: Any, headers: dict[str, str] | None = None) -> web.Response:
    # discord.py parses JSON only when Content-Type is *exactly* application/json;
    # aiohttp's json_response would add "; charset=utf-8" and the client would get a str.
    hdrs = {"Content-Type": "application/json"}
    hdrs.update(headers or {})
    return web.Response(status=status, body=json.dumps(body).encode(), headers=hdrs)


def _template_regex(template: str) -> re.Pattern[str]:
    rx = re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", template)
    return re.compile("^" + rx + "$")


def _check_message_limits(body: dict[str, Any], *, has_files: bool, is_edit: bool) -> None:
    """Reject what Discord rejects, with the same status and code (400 / 50035 / 50006).

    Why in a fake: a bot that builds a 2,001-character answer works against a lenient mock
    and fails in production; this makes it fail in the test instead.
    """
    content = body.get("content")
    if isinstance(content, str) and len(content) > 2000:
        raise _form_error("content", "BASE_TYPE_MAX_LENGTH", "Must be 2000 or fewer in length.")
    embeds = body.get("embeds") or []
    if len(embeds) > 10:
        raise _form_error("embeds", "BASE_TYPE_MAX_LENGTH", "Must be 10 or fewer in length.")
    total = 0
    for i, e in enumerate(embeds):
        limits = {"title": 256, "description": 4096}
        for key, limit in limits.items():
            value = e.get(key) or ""
            total += len(value)
            if len(value) > limit:
                raise _form_error(
                    f"embeds.{i}.{key}",
                    "BASE_TYPE_MAX_LENGTH",
                    f"Must be {limit} or fewer in length.",
                )
        fields = e.get("fields") or []
        if len(fields) > 25:
            raise _form_error(f"embeds.{i}.fields", "BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer.")
        for j, f in enumerate(fields):
            name, value = f.get("name") or "", f.get("value") or ""
            total += len(name) + len(value)
            if not name or not value:
                raise _form_error(
                    f"embeds.{i}.fields.{j}", "BASE_TYPE_REQUIRED", "This field is required"
                )
            if len(name) > 256 or len(value) > 1024:
                raise _form_error(
                    f"embeds.{i}.fields.{j}", "BASE_TYPE_MAX_LENGTH", "Field too long."
                )
        footer = (e.get("footer") or {}).get("text") or ""
        author = (e.get("author") or {}).get("name") or ""
        total += len(footer) + len(author)
        if len(footer) > 2048 or len(author) > 256:
            raise _form_error(f"embeds.{i}", "BASE_TYPE_MAX_LENGTH", "Footer/author too long.")
    if total > 6000:
        raise _form_error(
            "embeds", "MAX_EMBED_SIZE_EXCEEDED", "Embed size exceeds maximum size of 6000"
        )
    if not is_edit and not (
        content
        or embeds
        or has_files
        or body.get("components")
        or body.get("sticker_ids")
        or body.get("poll")
    ):
        raise DiscordError(400, 50006, "Cannot send an empty message")


# --------------------------------------------------------------------------------------------
# The server
# --------------------------------------------------------------------------------------------


class FakeDiscord:
    """A fake Discord (REST + gateway) on ``127.0.0.1`` for end-to-end tests.

    Typical use (the ``fake_discord`` and ``run_bot`` fixtures in ``tests/e2e/conftest.py``
    wrap these steps)::

        server = FakeDiscord()
        await server.start()
        with patch_discord(server):
            task = await run_client(bot, server)
            await server.send_message(author=server.alice, content="!ping")
            [reply] = await server.wait_for_requests("POST", r"/channels/\\d+/messages")
            await stop_client(bot, task)
        await server.stop()

    Parameters
    ----------
    host, port:
        Where to listen; port 0 picks a free port (so parallel test runs do not collide).
    guild:
        The guild the bot is in; defaults to :meth:`FakeGuild.default`. Also settable via
        ``server.guild = ...`` before the bot connects.
    bot_user:
        The bot's own user; the application id equals its id, as for modern Discord apps.
    token:
        If set, REST calls and IDENTIFY must use it (``Bot <token>``), otherwise 401 /
        close 4004, as Discord does; None accepts any token.
    validate:
        Check every body the bot sends for messages, interaction callbacks, follow-ups and
        command syncs against Discord's OpenAPI spec; problems go to
        :attr:`spec_violations`. A no-op (``validating`` is False) when the spec file is
        absent.
    echo_own_messages:
        Dispatch MESSAGE_CREATE for messages the bot sends, as Discord does; a bot that
        answers its own messages then loops in tests exactly as it would in production.
    enforce_limits / enforce_permissions:
        Reject oversized messages (400) and sends to channels where the bot lacks View
        Channel / Send Messages (403), as Discord does.
    privileged_intents:
        Privileged intents enabled for the app in the (imaginary) developer portal;
        IDENTIFY asking for others is closed with 4014, like Discord. Default: all.
    app_owner:
        The application's owner (what ``Bot.is_owner`` checks); defaults to the guild's
        owner. Assign ``server.app_owner`` before the bot logs in to change it.
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        guild: FakeGuild | None = None,
        bot_user: FakeUser | None = None,
        token: str | None = None,
        validate: bool = True,
        echo_own_messages: bool = True,
        enforce_limits: bool = True,
        enforce_permissions: bool = True,
        privileged_intents: int = Intent.PRIVILEGED,
        heartbeat_interval_ms: int = 41250,
        app_owner: FakeUser | None = None,
    ) -> None:
        self.host = host
        self.port = port
        self.bot_user = bot_user or FakeUser(username="careerbot", bot=True)
        self.application_id: int = self.bot_user.id
        self.guilds: list[FakeGuild] = [guild or FakeGuild.default(self.bot_user)]
        self.app_owner: FakeUser | None = app_owner
        self.token = token
        self.validate = validate
        self.echo_own_messages = echo_own_messages
        self.enforce_limits = enforce_limits
        self.enforce_permissions = enforce_permissions
        self.privileged_intents = privileged_intents
        self.heartbeat_interval_ms = heartbeat_interval_ms

        self.requests: list[RecordedRequest] = []
        self.spec_violations: list[SpecViolation] = []
        self.internal_errors: list[str] = []  # tracebacks of bugs in the fake itself
        self.injections: list[Injection] = []
        self.messages: dict[int, dict[str, Any]] = {}
        self.interactions: dict[int, FakeInteraction] = {}
        self.dm_channels: dict[int, FakeChannel] = {}  # keyed by the other user's id
        self.extra_users: dict[int, FakeUser] = {}
        self.gateway_received: list[dict[str, Any]] = []
        self.gateway_sent: list[dict[str, Any]] = []
        self.identify_payload: dict[str, Any] | None = None
        self.presence: dict[str, Any] | None = None
        self.resume_count = 0
        self.identify_count = 0
        self.gateway_connections: list[str] = []  # URL path of each websocket connection
        self.last_replay: list[dict[str, Any]] = []  # frames re-sent on the latest RESUME

        self._commands: dict[int | None, list[dict[str, Any]]] = {}
        self._sync_payloads: dict[int | None, Any] = {}
        self._command_ids: dict[tuple[int | None, str, int], int] = {}
        self._reactions: dict[int, dict[str, list[int]]] = {}
        self._attachments: dict[int, tuple[str, str | None, bytes]] = {}
        #: The gateway sessions, one per shard (shard 0 of 1 for an unsharded client).
        self.shards = ShardTable()
        self._sockets: set[web.WebSocketResponse] = set()
        self._send_lock = asyncio.Lock()
        self._tick = asyncio.Event()
        self._mark = 0
        self._runner: web.AppRunner | None = None
        self._site: web.TCPSite | None = None
        self._routes: list[_Route] = []
        self._register_routes()

    # ---------------------------------------------------------------------------------------
    # Lifecycle and addresses
    # ---------------------------------------------------------------------------------------

    async def start(self) -> None:
        """Listen on ``host:port`` (port 0 = a free one, then stored in ``self.port``)."""
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("GET", "/gateway", self._ws_handler)
        app.router.add_route("GET", "/resume", self._ws_handler)
        app.router.add_route("GET", "/attachments/{cid}/{aid}/{filename}", self._get_attachment)
        app.router.add_route("*", "/{tail:.*}", self._http_handler)
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await self._runner.setup()
        self._site = web.TCPSite(self._runner, self.host, self.port)
        await self._site.start()
        server = self._site._server
        assert server is not None and server.sockets  # type: ignore[union-attr]
        self.port = server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    async def stop(self) -> None:
        """Close gateway sockets (1001, going away) and stop listening. Idempotent."""
        for ws in list(self._sockets):
            await ws.close(code=1001, message=b"fake discord stopping")
        self._sockets.clear()
        await self.shards.close()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeDiscord:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    @property
    def root_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def base_url(self) -> str:
        """What discord.py's ``Route.BASE`` must be: ``http://127.0.0.1:<port>/api/v10``."""
        return f"{self.root_url}{API_PREFIX}"

    @property
    def gateway_url(self) -> str:
        """What ``DiscordWebSocket.DEFAULT_GATEWAY`` must be (first connection)."""
        return f"ws://{self.host}:{self.port}/gateway"

    @property
    def resume_gateway_url(self) -> str:
        """Sent in READY. A different path from :attr:`gateway_url`, so a test can tell that
        discord.py reconnected to ``resume_gateway_url`` as Discord requires."""
        return f"ws://{self.host}:{self.port}/resume"

    @property
    def cdn_url(self) -> str:
        """Where ``discord.Asset.BASE`` points in tests, so avatar URLs never leave the host."""
        return f"{self.root_url}/cdn"

    # ---------------------------------------------------------------------------------------
    # The cast
    # ---------------------------------------------------------------------------------------

    @property
    def guild(self) -> FakeGuild:
        """The (first) guild; assign a :class:`FakeGuild` before the bot connects to replace it."""
        return self.guilds[0]

    @guild.setter
    def guild(self, value: FakeGuild) -> None:
        self.guilds[0] = value

    @property
    def text_channel(self) -> FakeChannel:
        """The default guild's first text channel."""
        return self.guild.text_channel

    def member(self, name: str) -> FakeMember:
        """A member of the default guild by username."""
        return self.guild.member_named(name)

    @property
    def alice(self) -> FakeMember:
        """An ordinary member (no roles beyond @everyone)."""
        return self.member("alice")

    @property
    def mod(self) -> FakeMember:
        """A member with the Moderator role (Manage Guild, Manage Messages...)."""
        return self.member("mod")

    @property
    def otherbot(self) -> FakeMember:
        """Another bot account in the guild; discord.py's Bot ignores its messages."""
        return self.member("otherbot")

    @property
    def owner(self) -> FakeMember:
        """The guild's owner (has every permission, whatever the roles say)."""
        return self.member("owner")

    @property
    def bot_member(self) -> FakeMember:
        """The bot's own member in the default guild (added if a custom guild lacks it)."""
        return self._ensure_bot_member(self.guild)

    def _ensure_bot_member(self, guild: FakeGuild) -> FakeMember:
        member = guild.get_member(self.bot_user.id)
        if member is None:
            member = FakeMember(self.bot_user)
            guild.members.append(member)
        return member

    def add_user(self, user: FakeUser) -> FakeUser:
        """Make a user known outside any guild (e.g. someone who only DMs the bot)."""
        self.extra_users[user.id] = user
        return user

    def get_user(self, user_id: int) -> FakeUser | None:
        user_id = int(user_id)
        if user_id == self.bot_user.id:
            return self.bot_user
        for g in self.guilds:
            m = g.get_member(user_id)
            if m is not None:
                return m.user
        return self.extra_users.get(user_id)

    def get_guild(self, guild_id: int | str | None) -> FakeGuild | None:
        if guild_id is None:
            return None
        for g in self.guilds:
            if g.id == int(guild_id):
                return g
        return None

    def get_channel(self, channel_id: int | str) -> tuple[FakeChannel, FakeGuild | None] | None:
        cid = int(channel_id)
        for g in self.guilds:
            ch = g.get_channel(cid)
            if ch is not None:
                return ch, g
        for ch in self.dm_channels.values():
            if ch.id == cid:
                return ch, None
        return None

    def dm_channel_for(self, user: FakeUser | FakeMember) -> FakeChannel:
        """The DM channel between the bot and ``user``, created on first use (Discord keeps
        one DM channel per pair, so the bot's replies land in the same channel)."""
        u = _as_user(user)
        if u.id not in self.dm_channels:
            if self.get_user(u.id) is None:
                self.add_user(u)
            self.dm_channels[u.id] = FakeChannel(name=None, type=ChannelType.DM, recipients=[u])
        return self.dm_channels[u.id]

    # ---------------------------------------------------------------------------------------
    # Waiting
    # ---------------------------------------------------------------------------------------

    def _notify(self) -> None:
        self._tick.set()
        self._tick = asyncio.Event()

    async def _wait_until(
        self, predicate: Callable[[], Any], timeout: float, describe: Callable[[], str]
    ) -> Any:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            tick = self._tick
            result = predicate()
            if result:
                return result
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise TimeoutError(describe())
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(tick.wait(), remaining)

    def mark(self) -> int:
        """Index into :attr:`requests` now; pass as ``since=`` to look only at later requests."""
        return len(self.requests)

    def _set_mark(self) -> None:
        self._mark = len(self.requests)

    def find_requests(
        self,
        method: str | None = None,
        path_regex: str | None = None,
        *,
        since: int | None = None,
        status: int | Iterable[int] | None = None,
    ) -> list[RecordedRequest]:
        """Recorded requests matching ``method`` and ``path_regex`` (``re.fullmatch`` on the
        path without ``/api/v10``), optionally only those answered with ``status``.

        Like :meth:`wait_for_requests`, looks only at requests made after the latest
        simulated event unless ``since`` says otherwise (``since=0``: the whole history).
        """
        start = self._mark if since is None else since
        rx = re.compile(path_regex) if path_regex else None
        statuses = {status} if isinstance(status, int) else set(status) if status else None
        out = []
        for r in self.requests[start:]:
            if method and r.method != method.upper():
                continue
            if rx and not rx.fullmatch(r.path):
                continue
            if statuses and r.status not in statuses:
                continue
            out.append(r)
        return out

    def _recent_requests(self, n: int = 12) -> str:
        recent = self.requests[-n:]
        return ", ".join(repr(r) for r in recent) or "none"

    async def wait_for_requests(
        self,
        method: str | None = None,
        path_regex: str | None = None,
        *,
        count: int = 1,
        timeout: float = 5.0,
        since: int | None = None,
        status: int | Iterable[int] | None = None,
    ) -> list[RecordedRequest]:
        """Wait until ``count`` matching requests have been answered; return the first ``count``.

        ``since=None`` (the default) looks only at requests made after the most recent
        simulated event (``send_message``, ``send_slash_command``, ``drop_gateway``...), so
        "send, then wait for the reply" never picks up the reply to an earlier command.
        Pass ``since=0`` for the whole history or ``since=server.mark()`` for your own point.
        ``status`` filters by the answer (e.g. ``status=200`` skips an injected 429).
        On timeout the error lists the latest requests, which usually shows what went wrong.
        """

        def found() -> list[RecordedRequest] | None:
            hits = self.find_requests(method, path_regex, since=since, status=status)
            return hits[:count] if len(hits) >= count else None

        return await self._wait_until(
            found,
            timeout,
            lambda: (
                f"timed out after {timeout}s waiting for {count} {method or '*'} "
                f"{path_regex or '*'} request(s); latest requests: {self._recent_requests()}"
            ),
        )

    async def expect_no_requests(
        self,
        method: str | None = None,
        path_regex: str | None = None,
        *,
        within: float = 0.2,
        since: int | None = None,
    ) -> None:
        """Assert that no matching request arrives within ``within`` seconds.

        A negative can only be shown by waiting; keep ``within`` short (the fake answers in
        about a millisecond, so 0.2 s is a wide margin) to keep the suite fast.
        """
        await asyncio.sleep(within)
        hits = self.find_requests(method, path_regex, since=since)
        assert not hits, f"expected no {method or '*'} {path_regex or '*'} requests, got {hits}"

    def bot_messages(self, channel_id: int | None = None) -> list[dict[str, Any]]:
        """Messages the bot created (channel sends, interaction responses, follow-ups), oldest
        first, as currently stored (edits applied, deleted ones gone)."""
        out = [
            m
            for m in self.messages.values()
            if int(m["author"]["id"]) == self.bot_user.id
            and (channel_id is None or int(m["channel_id"]) == int(channel_id))
        ]
        return sorted(out, key=lambda m: int(m["id"]))

    def assert_no_spec_violations(self) -> None:
        """Fail with every recorded spec violation listed, one per line."""
        assert not self.spec_violations, "spec violations:\n" + "\n".join(
            str(v) for v in self.spec_violations
        )

    @property
    def validating(self) -> bool:
        """True when ``validate`` is on and the OpenAPI spec file was found."""
        return self.validate and _spec.spec_available()

    # ---------------------------------------------------------------------------------------
    # Fault injection and command records
    # ---------------------------------------------------------------------------------------

    def inject_status(
        self,
        method: str | None,
        path_regex: str,
        status: int,
        json_body: Any = None,
        headers: dict[str, str] | None = None,
        times: int = 1,
        *,
        retry_after: float = 0.05,
        is_global: bool = False,
    ) -> Injection:
        """Answer the next ``times`` requests matching ``method``/``path_regex`` with ``status``.

        For 429 the default body and headers are what discord.py needs to *retry* rather
        than give up: a JSON ``retry_after`` (seconds, the value it sleeps), ``global``, and
        a ``Via`` header. Without ``Via`` discord.py assumes a Cloudflare ban and raises
        HTTPException immediately. ``X-RateLimit-*`` and ``Retry-After`` are added for
        realism (discord.py ignores them on a 429).

        Note how discord.py treats 5xx: 500, 502, 504 and 524 are retried up to 5 times
        with 1, 3, 5, 7, 9 s sleeps (use :func:`~tests.fake_discord.harness.fast_retries` to
        shrink them); other 5xx such as 503 raise DiscordServerError at once.
        """
        hdrs: dict[str, str] = {}
        if status == 429:
            if json_body is None:
                json_body = {
                    "message": "You are being rate limited.",
                    "retry_after": retry_after,
                    "global": is_global,
                    "code": 0,
                }
            hdrs = {
                "Via": "1.1 google",
                "Retry-After": str(max(1, math.ceil(retry_after))),
                "X-RateLimit-Limit": "5",
                "X-RateLimit-Remaining": "0",
                "X-RateLimit-Reset": f"{time.time() + retry_after:.3f}",
                "X-RateLimit-Reset-After": f"{retry_after:.3f}",
                "X-RateLimit-Scope": "global" if is_global else "user",
            }
            if is_global:
                hdrs["X-RateLimit-Global"] = "true"
        elif json_body is None:
            json_body = {"message": f"{status}: {_STATUS_TEXT.get(status, 'Error')}", "code": 0}
        hdrs.update(headers or {})
        inj = Injection(
            method=method.upper() if method else None,
            path_regex=re.compile(path_regex),
            status=status,
            json_body=json_body,
            headers=hdrs,
            times=times,
        )
        self.injections.append(inj)
        return inj

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

    # ---------------------------------------------------------------------------------------
    # Gateway
    # ---------------------------------------------------------------------------------------

    @property
    def _session(self) -> _Session | None:
        """The primary (shard 0's, or the only) session; per shard: ``shards.links``."""
        link = self.shards.primary
        return link.session if link else None

    @property
    def _ws(self) -> web.WebSocketResponse | None:
        link = self.shards.primary
        return link.ws if link else None

    @property
    def connected(self) -> bool:
        """A client has identified (or resumed) and its socket is open (every shard's, when
        it shards)."""
        return self.shards.connected

    @property
    def intents(self) -> int:
        """The intents the bot identified with (0 before it connects)."""
        return self._session.intents if self._session else 0

    @property
    def session_id(self) -> str | None:
        """The gateway session id given in READY; a RESUME must quote it."""
        return self._session.id if self._session else None

    async def wait_until_connected(self, timeout: float = 5.0) -> None:
        await self._wait_until(
            lambda: self.connected, timeout, lambda: "no client connected to the fake gateway"
        )

    async def _ws_send(self, ws: web.WebSocketResponse, frame: dict[str, Any]) -> None:
        self.gateway_sent.append(frame)
        await ws.send_str(json.dumps(frame))

    async def dispatch(
        self, event: str, data: Any, *, intent: int | None = None, shard: int | None = None
    ) -> bool:
        """Send a DISPATCH (op 0) event to the bot; any event name, any payload.

        It goes to the session of the shard holding ``data["guild_id"]`` (shard 0 without
        one, as DMs), or of ``shard`` when given; when no session holds that shard (its
        process is not running) it goes nowhere and False is returned.

        ``intent``: deliver only if the bot identified with that intent (as Discord does).
        While the socket is down (after :meth:`drop_gateway`) the event is kept and replayed
        when the client RESUMEs. Returns False if the event was filtered out by intents.
        """
        if not self.shards.links:
            raise RuntimeError(
                "no bot has connected to the fake gateway yet; start it with run_client()"
            )
        link = self.shards.get(shard) if shard is not None else self.shards.route(data)
        if link is None:
            log.debug("not delivering %s: no session holds its shard", event)
            return False
        session = link.session
        if intent is not None and not session.intents & intent:
            log.debug("not delivering %s: bot lacks intent %s", event, intent)
            return False
        async with self._send_lock:
            session.seq += 1
            frame = {"op": 0, "t": event, "s": session.seq, "d": data}
            session.history.append(frame)
            del session.history[:-1000]
            link.record(frame)
            ws = link.ws
            if ws is not None and not ws.closed:
                try:
                    await self._ws_send(ws, frame)
                except (ConnectionResetError, RuntimeError):
                    log.debug("socket closed while sending %s; will replay on resume", event)
        return True

    async def _ws_handler(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(max_msg_size=0)
        await ws.prepare(request)
        self._sockets.add(ws)
        self.gateway_connections.append(request.path)
        try:
            await self._ws_send(
                ws,
                {
                    "op": 10,
                    "s": None,
                    "t": None,
                    "d": {"heartbeat_interval": self.heartbeat_interval_ms, "_trace": ["fake"]},
                },
            )
            async for msg in ws:
                if msg.type is not WSMsgType.TEXT:
                    continue
                payload = json.loads(msg.data)
                self.gateway_received.append(payload)
                await self._on_gateway_op(ws, payload)
        finally:
            self._sockets.discard(ws)
            self.shards.detach(ws)
            self._notify()
        return ws

    async def _on_gateway_op(self, ws: web.WebSocketResponse, payload: dict[str, Any]) -> None:
        op, d = payload.get("op"), payload.get("d")
        if op == 1:  # heartbeat
            ack = {"op": 11, "s": None, "t": None, "d": None}
            if self.shards.ack_delays:  # a test gave shards different latencies
                self.shards.ack_later(ws, lambda: self._ws_send(ws, ack))
            else:
                await self._ws_send(ws, ack)
        elif op == 2:
            await self._identify(ws, d or {})
        elif op == 6:
            await self._resume(ws, d or {})
        elif op == 3:
            self.presence = d
        elif op == 8:
            await self._request_members(d or {})
        else:
            log.debug("ignoring gateway op %s", op)

    async def _identify(self, ws: web.WebSocketResponse, d: dict[str, Any]) -> None:
        if self.token is not None and d.get("token") != self.token:
            await ws.close(code=4004, message=b"Authentication failed.")
            return
        intents = int(d.get("intents", 0))
        if intents & Intent.PRIVILEGED & ~self.privileged_intents:
            await ws.close(code=4014, message=b"Disallowed intent(s).")
            return
        refusal = self.shards.refusal(d)  # an impossible shard, or sharding required
        if refusal is not None:
            await ws.close(code=refusal[0], message=refusal[1])
            return
        shard = self.shards.requested(d)
        assert shard is not None
        self.identify_payload = d
        self.identify_count += 1
        session = _Session(id=secrets.token_hex(16), intents=intents)
        link = self.shards.open(shard, session, ws, d)
        guilds = self.shards.guilds_for(link, self.guilds)
        ready = {
            "v": 10,
            "user": {
                **self.bot_user.to_dict(),
                "verified": True,
                "mfa_enabled": False,
                "email": None,
                "locale": "en-US",
            },
            "guilds": [{"id": str(g.id), "unavailable": True} for g in guilds],
            "session_id": session.id,
            "session_type": "normal",
            "resume_gateway_url": self.resume_gateway_url,
            "application": {"id": str(self.application_id), "flags": 0},
            "private_channels": [],
            "relationships": [],
            "presences": [],
            "guild_join_requests": [],
            "geo_ordered_rtc_regions": [],
            "user_settings": {},
            "_trace": ["fake-discord"],
        }
        if "shard" in d:
            ready["shard"] = d["shard"]
        await self.dispatch("READY", ready, shard=link.shard_id)
        for g in guilds:
            self._ensure_bot_member(g)
            members = (
                g.members
                if intents & Intent.GUILD_MEMBERS
                else [m for m in g.members if m.id == self.bot_user.id]
            )
            await self.dispatch("GUILD_CREATE", g.to_dict(members=members), shard=link.shard_id)
        self._notify()

    async def _resume(self, ws: web.WebSocketResponse, d: dict[str, Any]) -> None:
        link = self.shards.by_session(d.get("session_id"))  # each shard resumes its own
        token_ok = self.token is None or d.get("token") == self.token
        if link is None or not token_ok:
            await self._ws_send(ws, {"op": 9, "s": None, "t": None, "d": False})
            return
        session = link.session
        link.ws = ws
        last_seen = int(d.get("seq") or 0)
        async with self._send_lock:
            self.last_replay = [f for f in session.history if f["s"] > last_seen]
            for frame in self.last_replay:
                await self._ws_send(ws, frame)
        # d must be an object: discord.py writes data['__shard_id__'] into it (null crashes).
        await self.dispatch("RESUMED", {"_trace": ["fake-discord"]}, shard=link.shard_id)
        link.resumes += 1
        self.resume_count += 1
        self._notify()

    def _shard_link(self, shard: int | None) -> ShardLink | None:
        return self.shards.get(shard)

    async def _request_members(self, d: dict[str, Any]) -> None:
        guild = self.get_guild(d.get("guild_id"))
        if guild is None:
            return
        members = guild.members
        if d.get("user_ids"):
            wanted = {
                int(u)
                for u in (d["user_ids"] if isinstance(d["user_ids"], list) else [d["user_ids"]])
            }
            members = [m for m in members if m.id in wanted]
        elif d.get("query"):
            q = d["query"].lower()
            members = [m for m in members if m.user.username.lower().startswith(q)]
        limit = int(d.get("limit") or 0)
        if limit:
            members = members[:limit]
        chunk: dict[str, Any] = {
            "guild_id": str(guild.id),
            "members": [m.to_dict() for m in members],
            "chunk_index": 0,
            "chunk_count": 1,
            "not_found": [],
        }
        if d.get("presences"):
            chunk["presences"] = []
        if d.get("nonce"):
            chunk["nonce"] = d["nonce"]
        await self.dispatch("GUILD_MEMBERS_CHUNK", chunk)

    async def drop_gateway(
        self,
        *,
        code: int = 4000,
        wait_resumed: bool = True,
        timeout: float = 5.0,
        shard: int | None = None,
    ) -> None:
        """Close the bot's websocket mid-session, as a network blip or Discord restart would.

        discord.py must reconnect to ``resume_gateway_url`` and send RESUME (op 6); the
        fake answers with any events the client missed and RESUMED. With ``wait_resumed``
        (default) this returns once that has happened, so the next simulated event reaches
        a live socket. Codes 4004 and 4010-4014 are fatal to discord.py (it will not
        reconnect); 4000 is "unknown error, reconnect". ``shard`` drops that shard's
        socket (default: the primary one); the others stay up.
        """
        link = self._shard_link(shard)
        ws = link.ws if link else None
        if link is None or ws is None:
            raise RuntimeError("no gateway connection to drop")
        before = self.resume_count
        link.ws = None
        self._set_mark()
        await ws.close(code=code, message=b"fake drop")
        if wait_resumed:
            await self._wait_until(
                lambda: self.resume_count > before and self.connected,
                timeout,
                lambda: "client did not RESUME after the gateway was dropped",
            )

    async def request_reconnect(self, *, timeout: float = 5.0, shard: int | None = None) -> None:
        """Send op 7 RECONNECT (Discord asks clients to reconnect and resume); waits for RESUMED."""
        link = self._shard_link(shard)
        ws = link.ws if link else None
        if ws is None:
            raise RuntimeError("no gateway connection")
        before = self.resume_count
        self._set_mark()
        await self._ws_send(ws, {"op": 7, "s": None, "t": None, "d": None})
        await self._wait_until(
            lambda: self.resume_count > before and self.connected,
            timeout,
            lambda: "client did not RESUME after op 7",
        )

    async def invalidate_session(self, *, timeout: float = 10.0, shard: int | None = None) -> None:
        """Send op 9 (session not resumable): discord.py must IDENTIFY afresh; waits for it.

        discord.py sleeps 5 s before any IDENTIFY but the first (``before_identify_hook``);
        :func:`~tests.fake_discord.harness.run_client` removes that delay by default.
        """
        link = self._shard_link(shard)
        ws = link.ws if link else None
        if ws is None:
            raise RuntimeError("no gateway connection")
        before = self.identify_count
        self._set_mark()
        await self._ws_send(ws, {"op": 9, "s": None, "t": None, "d": False})
        await self._wait_until(
            lambda: self.identify_count > before and self.connected,
            timeout,
            lambda: "client did not IDENTIFY after op 9",
        )

    # ---------------------------------------------------------------------------------------
    # Simulated people: messages
    # ---------------------------------------------------------------------------------------

    def _member_or_user(
        self, who: FakeUser | FakeMember, guild: FakeGuild | None
    ) -> tuple[FakeUser, FakeMember | None]:
        user = _as_user(who)
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
                raise _form_error(
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
        return await self.send_message(ch.id, author=_as_user(author), content=content, **kwargs)

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
        u = _as_user(user)
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

    # ---------------------------------------------------------------------------------------
    # Simulated people: interactions
    # ---------------------------------------------------------------------------------------

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

    def _command_id(self, scope: int | None, name: str, ctype: int) -> int:
        key = (scope, name, ctype)
        if key not in self._command_ids:
            self._command_ids[key] = snowflake()
        return self._command_ids[key]

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
            u = _as_user(value)
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

    # ---------------------------------------------------------------------------------------
    # HTTP plumbing
    # ---------------------------------------------------------------------------------------

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

    # ---------------------------------------------------------------------------------------
    # REST handlers
    # ---------------------------------------------------------------------------------------

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

    async def _get_channel(self, rec: RecordedRequest, channel_id: str) -> Any:
        ch, _ = self._bot_channel(channel_id)
        return ch.to_dict()

    async def _create_dm(self, rec: RecordedRequest) -> Any:
        rid = (rec.json or {}).get("recipient_id")
        user = self.get_user(int(rid)) if rid is not None else None
        if user is None:
            raise DiscordError(400, 50033, "Invalid Recipient(s)")
        return self.dm_channel_for(user).to_dict()

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
            _check_message_limits(body, has_files=bool(rec.files), is_edit=False)
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
            _check_message_limits(body, has_files=bool(files), is_edit=True)
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

    # -- interactions ---------------------------------------------------------------------------

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
            _check_message_limits(body, has_files=bool(files), is_edit=False)
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
            raise _form_error("type", "BASE_TYPE_CHOICES", f"Value {ctype} is not a valid choice")
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

    # -- application commands -------------------------------------------------------------------

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
            raise _form_error("0.name", "APPLICATION_COMMANDS_DUPLICATE_NAME", "Duplicate name")
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


def _as_user(who: FakeUser | FakeMember) -> FakeUser:
    return who.user if isinstance(who, FakeMember) else who


def _emoji_obj(emoji: str) -> dict[str, Any]:
    """``name:id`` (custom emoji, as discord.py puts it in the URL) or a unicode emoji."""
    if ":" in emoji:
        name, _, eid = emoji.partition(":")
        return {"id": eid, "name": name}
    return {"id": None, "name": emoji}
