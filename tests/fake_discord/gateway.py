"""The gateway half of the fake: sessions, HELLO/heartbeat, IDENTIFY -> READY ->
GUILD_CREATE, RESUME with replay, member chunks, dispatch, and the drops, reconnects and
invalidations a test scripts.

A mixin of :class:`~tests.fake_discord.server.FakeDiscord`: it reads the server's state
(``shards``, ``guilds``, ``token``...) set up in ``FakeDiscord.__init__``."""

from __future__ import annotations

import json
import logging
import secrets
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web

from .protocol import Intent
from .sharding import ShardLink

log = logging.getLogger("fake_discord")


@dataclass
class _Session:
    id: str
    intents: int
    seq: int = 0
    history: list[dict[str, Any]] = field(default_factory=list)


class GatewayMixin:
    """Gateway sessions and dispatch for :class:`FakeDiscord`."""

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
