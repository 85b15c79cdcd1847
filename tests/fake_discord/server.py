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

Where things are: this module holds :class:`FakeDiscord` itself (state, lifecycle, the
cast, waiting, fault injection); its behaviour comes from mixins in modules named for
their job, all sharing the state set up in ``FakeDiscord.__init__``:

* :mod:`.gateway`: sessions, HELLO/IDENTIFY/READY/RESUME, dispatch, drops and reconnects;
* :mod:`.people`: simulated people's messages, DMs, edits and reactions, message building;
* :mod:`.interactions`: slash commands, autocomplete, components, and the callback,
  follow-up and ``@original`` routes that answer them;
* :mod:`.rest`: the route table, request parsing, recording, injection, spec validation;
* :mod:`.routes`: REST handlers by area (login, messages, guilds, commands);
* :mod:`.protocol`, :mod:`.records`, :mod:`.limits`: wire numbers and errors, what is
  recorded, Discord's message limits; :mod:`.spec`: OpenAPI validation.

Run it on its own to try the bot by hand: ``python -m tests.fake_discord`` (see
:mod:`.standalone`).
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import re
import time
from collections.abc import Callable, Iterable
from typing import Any

from aiohttp import web

from . import spec as _spec
from .gateway import GatewayMixin
from .interactions import InteractionsMixin
from .models import (
    ChannelType,
    FakeChannel,
    FakeGuild,
    FakeMember,
    FakeUser,
)
from .people import PeopleMixin
from .protocol import (
    API_PREFIX,
    STATUS_TEXT,
    DiscordError,
    Intent,
    as_user,
)
from .records import FakeInteraction, Injection, RecordedFile, RecordedRequest, SpecViolation
from .rest import RestMixin, _Route
from .routes import CommandRoutes, GuildRoutes, LoginRoutes, MessageRoutes
from .sharding import ShardTable

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


# --------------------------------------------------------------------------------------------
# The server
# --------------------------------------------------------------------------------------------


class FakeDiscord(
    GatewayMixin,
    PeopleMixin,
    InteractionsMixin,
    RestMixin,
    LoginRoutes,
    MessageRoutes,
    GuildRoutes,
    CommandRoutes,
):
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
        u = as_user(user)
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

    async def wait_for_change(self) -> None:
        """Return at the next thing the fake records (a request answered, an interaction
        answered, a gateway socket opened or closed). For watchers that follow the bot
        without polling, such as the standalone mode's printer."""
        await self._tick.wait()

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
            json_body = {"message": f"{status}: {STATUS_TEXT.get(status, 'Error')}", "code": 0}
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
