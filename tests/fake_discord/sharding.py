"""Sharding in the fake Discord: one gateway session per shard, each with its own guilds.

Why: a bot past 2,500 servers must shard, and discord.py's ``AutoShardedClient`` opens
one websocket per shard, identifying with ``"shard": [shard_id, shard_count]``. Discord
then sends each session only the events of the guilds on that shard,
``(guild_id >> 22) % shard_count == shard_id`` (DMs go to shard 0). Several processes may
each run some of the shards. To test that a server is answered by its own shard and by
no other, the fake must route events the same way, so this module keeps one
:class:`ShardLink` (session, socket, what it was sent) per shard id.

A client that identifies without ``shard`` (a plain ``discord.Client``) is shard 0 of 1,
which holds every guild: the single-connection behaviour the rest of the fake has always
had. :class:`~tests.fake_discord.server.FakeDiscord` keeps a :class:`ShardTable` in
``server.shards`` and asks it where each event goes.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from aiohttp import web

if TYPE_CHECKING:
    from .models import FakeGuild

__all__ = ["ShardLink", "ShardTable", "shard_of"]

#: Discord closes a session that identifies with an impossible shard with this code.
INVALID_SHARD = 4010
#: ... and one that does not shard when its servers need it, with this one.
SHARDING_REQUIRED = 4011
#: Frames kept per session for tests to inspect (a benchmark sends many thousands).
DISPATCHED_KEPT = 10_000


def shard_of(guild_id: int, shard_count: int) -> int:
    """The shard Discord delivers a guild's events on (its documented formula)."""
    return (int(guild_id) >> 22) % shard_count


@dataclass
class ShardLink:
    """One shard's gateway session as the fake sees it."""

    shard_id: int
    shard_count: int
    session: Any  # server._Session: id, intents, seq, history
    ws: web.WebSocketResponse | None
    identify: dict[str, Any]
    resumes: int = 0
    #: The DISPATCH frames (op 0) sent on this session, in order (the latest
    #: ``DISPATCHED_KEPT``): what a test reads to see which shard received an event.
    dispatched: list[dict[str, Any]] = field(default_factory=list)

    def record(self, frame: dict[str, Any]) -> None:
        self.dispatched.append(frame)
        del self.dispatched[:-DISPATCHED_KEPT]

    @property
    def connected(self) -> bool:
        return self.ws is not None and not self.ws.closed

    def holds(self, guild_id: int) -> bool:
        return shard_of(guild_id, self.shard_count) == self.shard_id

    def received(self, event: str, **match: Any) -> list[dict[str, Any]]:
        """The ``d`` of every ``event`` sent on this session whose fields equal ``match``
        (``received("MESSAGE_CREATE", id="123")``)."""
        return [f["d"] for f in self.dispatched if f["t"] == event
                and all(isinstance(f["d"], dict) and f["d"].get(k) == v
                        for k, v in match.items())]


class ShardTable:
    """The live shard sessions, keyed by shard id, and the routing of events to them."""

    def __init__(self) -> None:
        self.links: dict[int, ShardLink] = {}
        #: What ``GET /gateway/bot`` recommends (an AutoShardedClient without a
        #: ``shard_count`` runs this many).
        self.recommended: int = 1
        #: Seconds to hold each heartbeat ACK, per shard id: gives shards different
        #: latencies, so a test can tell whose latency the bot reports.
        self.ack_delays: dict[int, float] = {}
        self._acks: set[asyncio.Task[None]] = set()
        #: Refuse an unsharded IDENTIFY (or one shard in all) with 4011, as Discord does
        #: for a bot in more than 2,500 servers.
        self.require_sharding = False

    # -- identifying, resuming -----------------------------------------------------------

    @staticmethod
    def requested(identify: dict[str, Any]) -> tuple[int, int] | None:
        """``(shard_id, shard_count)`` from IDENTIFY (``(0, 1)`` without ``shard``), or
        None when it is not a possible shard (Discord closes with 4010)."""
        shard = identify.get("shard")
        if shard is None:
            return 0, 1
        if (not isinstance(shard, list) or len(shard) != 2
                or not all(isinstance(n, int) and not isinstance(n, bool) for n in shard)):
            return None
        shard_id, count = shard
        return (shard_id, count) if count >= 1 and 0 <= shard_id < count else None

    def refusal(self, identify: dict[str, Any]) -> tuple[int, bytes] | None:
        """The close code and reason Discord would answer this IDENTIFY with, if any."""
        shard = self.requested(identify)
        if shard is None:
            return INVALID_SHARD, b"Invalid shard."
        if self.require_sharding and shard[1] == 1:
            return SHARDING_REQUIRED, b"Sharding required."
        return None

    def open(self, shard: tuple[int, int], session: Any, ws: web.WebSocketResponse,
             identify: dict[str, Any]) -> ShardLink:
        """A new session for ``shard``; it replaces that shard's old one (as a fresh
        IDENTIFY does on Discord), and sessions of another shard count are dropped."""
        shard_id, count = shard
        for other in [k for k, link in self.links.items() if link.shard_count != count]:
            del self.links[other]
        link = ShardLink(shard_id, count, session, ws, identify)
        self.links[shard_id] = link
        return link

    def by_session(self, session_id: object) -> ShardLink | None:
        return next((link for link in self.links.values() if link.session.id == session_id),
                    None)

    def by_socket(self, ws: web.WebSocketResponse) -> ShardLink | None:
        return next((link for link in self.links.values() if link.ws is ws), None)

    def detach(self, ws: web.WebSocketResponse) -> None:
        """The socket closed: its session stays (resumable), without a socket."""
        link = self.by_socket(ws)
        if link is not None:
            link.ws = None

    # -- routing ---------------------------------------------------------------------------

    @property
    def primary(self) -> ShardLink | None:
        """Shard 0's session (the only one without sharding), else the lowest shard's."""
        return self.links[min(self.links)] if self.links else None

    def get(self, shard_id: int | None) -> ShardLink | None:
        """Shard ``shard_id``'s session; None means the primary one."""
        return self.primary if shard_id is None else self.links.get(shard_id)

    def route(self, data: Any) -> ShardLink | None:
        """The session an event with payload ``data`` goes to: the shard holding its guild
        (``guild_id``), else shard 0 (DMs); None when no session holds it (that shard's
        process is not running), so the event goes nowhere, as on Discord."""
        guild_id = data.get("guild_id") if isinstance(data, dict) else None
        if guild_id is None:
            return self.links.get(0, self.primary)
        return next((link for link in self.links.values() if link.holds(int(guild_id))), None)

    def guilds_for(self, link: ShardLink, guilds: Iterable[FakeGuild]) -> list[FakeGuild]:
        """The guilds READY and GUILD_CREATE announce to ``link``: those on its shard."""
        return [g for g in guilds if link.holds(g.id)]

    @property
    def connected(self) -> bool:
        """Some session is up and every session has a socket."""
        return bool(self.links) and all(link.connected for link in self.links.values())

    def ack_later(self, ws: web.WebSocketResponse,
                  send: Callable[[], Awaitable[None]]) -> None:
        """Send a heartbeat ACK after this socket's shard's delay, without holding up the
        socket's other frames (the first heartbeat comes before the IDENTIFY naming the
        shard, so the delay is looked up once that has arrived)."""
        task = asyncio.create_task(self._ack_later(ws, send), name="fake-discord:ack")
        self._acks.add(task)
        task.add_done_callback(self._acks.discard)

    async def _ack_later(self, ws: web.WebSocketResponse,
                         send: Callable[[], Awaitable[None]]) -> None:
        for _ in range(400):  # IDENTIFY follows the first heartbeat at once
            if ws.closed or self.by_socket(ws) is not None:
                break
            await asyncio.sleep(0.005)
        link = self.by_socket(ws)
        await asyncio.sleep(self.ack_delays.get(link.shard_id, 0.0) if link else 0.0)
        if not ws.closed:
            with contextlib.suppress(ConnectionResetError, RuntimeError):
                await send()

    async def close(self) -> None:
        """Cancel ACKs still waiting (the server is stopping)."""
        for task in list(self._acks):
            task.cancel()
        for task in list(self._acks):
            with contextlib.suppress(asyncio.CancelledError):
                await task
