"""Through the real discord.py client: careerbot on the local fake Discord.

Two kinds of figure, in one run of one bot:

* **Dispatch (in-process, no network).** A gateway frame is handed to discord.py's
  websocket handler exactly as it arrives from Discord, and the clock stops when the
  command has completed. The HTTP layer is replaced by canned answers, so this is
  discord.py's own work (decode the frame, build the Message, find the command, run its
  checks and converters) plus careerbot's (core answer, embeds, building the request).
  A no-op command gives the floor: what discord.py costs before a bot does anything.
* **Round trip.** A simulated member posts through the fake server (gateway frame out,
  discord.py in, reply POSTed back) and the clock stops when the reply reaches the
  server. 1, 10 and 50 members send at once, each waiting for its answer before sending
  the next (a closed loop), so messages per second is what the bot sustains. ``!ping``
  (a command that replies "pong") gives the floor of a round trip with a reply.

Cooldowns (5 commands per 10 s per member) are switched off on this bot: the bench
measures answers, not "slow down" notes. Between runs the fake server forgets what it
recorded (it keeps every request and message for tests), so its heap does not grow
through the bench and slow the later runs.
"""

from __future__ import annotations

import asyncio
import copy
import gc
import json
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import discord
import discord.webhook.async_
from discord.ext import commands

from bench.stats import summarise_ns
from bot.app import create_advisor
from bot.discord_app.client import CareerBot
from bot.settings import Settings
from tests.fake_discord import (
    FakeChannel,
    FakeDiscord,
    FakeMember,
    FakeUser,
    patch_discord,
    run_client,
    snowflake,
    stop_client,
)
from tests.fake_discord.server import RecordedRequest

CHANNELS = 10
MEMBERS = 50
REPLY_TIMEOUT = 30.0


class BenchDiscord(FakeDiscord):
    """The fake server, noting the moment each reply arrives (keyed by what it answers)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(validate=False, **kwargs)
        self._arrived: dict[int, int] = {}
        self._waiters: dict[int, asyncio.Future[int]] = {}
        self.senders: list[FakeMember] = []
        self.channels: list[FakeChannel] = []

    def populate(self, members: int = MEMBERS, channels: int = CHANNELS) -> None:
        """Members and text channels for the senders; call before the bot connects."""
        guild = self.guild
        parent = guild.text_channel.parent_id
        for i in range(channels):
            channel = FakeChannel(name=f"bench-{i}", guild_id=guild.id, parent_id=parent,
                                  position=i + 1)
            guild.channels.append(channel)
            self.channels.append(channel)
        for i in range(members):
            member = FakeMember(FakeUser(username=f"member{i}"))
            guild.members.append(member)
            self.senders.append(member)

    def forget_history(self) -> None:
        """Drop every recorded request, message and frame (the fake keeps them all for
        tests' assertions); between runs, so its growing heap does not slow later ones."""
        self.requests.clear()
        self.messages.clear()
        self.interactions.clear()
        self.gateway_sent.clear()
        self.gateway_received.clear()
        self._arrived.clear()
        self._set_mark()

    def _arrive(self, key: int, at: int) -> None:
        waiter = self._waiters.pop(key, None)
        if waiter is not None and not waiter.done():
            waiter.set_result(at)
        else:
            self._arrived[key] = at

    def reply_to(self, key: int) -> Awaitable[int]:
        """When the answer to message or interaction ``key`` arrived (perf_counter_ns)."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[int] = loop.create_future()
        if key in self._arrived:
            future.set_result(self._arrived.pop(key))
        else:
            self._waiters[key] = future
        return asyncio.wait_for(future, REPLY_TIMEOUT)

    async def _create_message(self, rec: RecordedRequest, channel_id: str) -> Any:
        at = time.perf_counter_ns()
        result = await super()._create_message(rec, channel_id)
        ref = ((rec.json or {}).get("message_reference") or {}).get("message_id")
        if ref is not None:
            self._arrive(int(ref), at)
        return result

    async def _callback(self, rec: RecordedRequest, interaction_id: str, token: str) -> Any:
        at = time.perf_counter_ns()
        result = await super()._callback(rec, interaction_id, token)
        self._arrive(int(interaction_id), at)
        return result


class BenchCog(commands.Cog):
    """The floors: a command that does nothing, and one that says "pong"."""

    def __init__(self) -> None:
        self.noops = 0

    @commands.command(name="noop")
    async def noop(self, ctx: commands.Context) -> None:
        self.noops += 1

    @commands.hybrid_command(name="ping", description="Reply pong (benchmark floor).")
    async def ping(self, ctx: commands.Context) -> None:
        await ctx.reply("pong")


class BenchBot(CareerBot):
    """careerbot with the floor commands added and cooldowns off."""

    async def setup_hook(self) -> None:
        await self.add_cog(BenchCog())
        await super().setup_hook()
        for command in self.walk_commands():
            command._buckets = commands.CooldownMapping(None, commands.BucketType.default)


# ---------------------------------------------------------------------------------------
# Round trips


Sender = Callable[[int, int], Awaitable[int]]


async def closed_loop(server: BenchDiscord, send: Sender, senders: int,
                      per_sender: int) -> tuple[list[int], float]:
    """``senders`` members each send ``per_sender`` messages, one after the other."""
    latencies: list[int] = []

    async def member(i: int) -> None:
        for k in range(per_sender):
            started = time.perf_counter_ns()
            key = await send(i, k)
            arrived = await server.reply_to(key)
            latencies.append(arrived - started)

    started = time.perf_counter()
    await asyncio.gather(*(member(i) for i in range(senders)))
    return latencies, time.perf_counter() - started


def prefix_sender(server: BenchDiscord, text: str) -> Sender:
    async def send(i: int, k: int) -> int:
        channel = server.channels[i % len(server.channels)]
        msg = await server.send_message(channel.id, author=server.senders[i], content=text)
        return int(msg["id"])

    return send


def slash_sender(server: BenchDiscord, name: str, options: dict[str, str]) -> Sender:
    async def send(i: int, k: int) -> int:
        channel = server.channels[i % len(server.channels)]
        inter = await server.send_slash_command(name, options, user=server.senders[i],
                                                channel_id=channel.id)
        return inter.id

    return send


# ---------------------------------------------------------------------------------------
# Dispatch without the network


class _CannedHTTP:
    """Stands in for discord.py's HTTP calls with answers recorded from the fake server."""

    def __init__(self, bot: discord.Client, message: dict[str, Any], callback: dict[str, Any]):
        self.bot = bot
        self.message = message
        self.callback = callback
        self.saved: tuple[Any, Any] | None = None

    async def request(self, route: Any, **kwargs: Any) -> Any:
        return dict(self.message, id=str(snowflake()))

    async def webhook_request(self, adapter: Any, route: Any, **kwargs: Any) -> Any:
        return copy.deepcopy(self.callback)

    def __enter__(self) -> _CannedHTTP:
        adapter = discord.webhook.async_.AsyncWebhookAdapter
        self.saved = (self.bot.http.request, adapter.request)
        self.bot.http.request = self.request  # type: ignore[method-assign]
        canned = self

        async def webhook(adapter_self: Any, route: Any, **kwargs: Any) -> Any:
            return await canned.webhook_request(adapter_self, route, **kwargs)

        adapter.request = webhook  # type: ignore[method-assign]
        return self

    def __exit__(self, *exc: object) -> None:
        assert self.saved is not None
        self.bot.http.request, discord.webhook.async_.AsyncWebhookAdapter.request = self.saved


async def dispatch_times(bot: CareerBot, frame: dict[str, Any], iterations: int,
                         new_id: Callable[[dict[str, Any]], None]) -> list[int]:
    """Feed ``frame`` to discord.py's gateway handler; time until the command completes."""
    done: asyncio.Future[None] | None = None

    async def completed(*args: Any) -> None:
        if done is not None and not done.done():
            done.set_result(None)

    bot.add_listener(completed, "on_command_completion")
    bot.add_listener(completed, "on_app_command_completion")
    loop = asyncio.get_running_loop()
    samples: list[int] = []
    try:
        for _ in range(iterations):
            new_id(frame["d"])
            raw = json.dumps(frame)
            done = loop.create_future()
            started = time.perf_counter_ns()
            await bot.ws.received_message(raw)
            await asyncio.wait_for(done, REPLY_TIMEOUT)
            samples.append(time.perf_counter_ns() - started)
    finally:
        bot.remove_listener(completed, "on_command_completion")
        bot.remove_listener(completed, "on_app_command_completion")
    return samples


def _last_frame(server: FakeDiscord, event: str) -> dict[str, Any]:
    frame = next(f for f in reversed(server.gateway_sent) if f.get("t") == event)
    out = copy.deepcopy(frame)
    out["s"] = None  # leave the session's sequence number alone
    return out


def _fresh_message_id(d: dict[str, Any]) -> None:
    d["id"] = str(snowflake())


def _fresh_interaction_id(d: dict[str, Any]) -> None:
    d["id"] = str(snowflake())


# ---------------------------------------------------------------------------------------
# The run


async def run(knowledge_dir: Path, db_path: Path, *, concurrency: tuple[int, ...],
              messages_per_level: int, dispatch_iterations: int) -> dict[str, Any]:
    settings = Settings(_env_file=None, db=db_path, knowledge_dir=knowledge_dir)
    server = BenchDiscord()
    server.populate()
    await server.start()
    result: dict[str, Any] = {"dispatch": {}, "round_trip": [], "members": MEMBERS,
                              "channels": CHANNELS}
    try:
        with patch_discord(server):
            advisor = create_advisor(settings)
            bot = BenchBot(advisor, Settings(_env_file=None, db=db_path,
                                             knowledge_dir=knowledge_dir, prefix="!",
                                             dev_guild_id=server.guild.id,
                                             discord_token="fake-token"))
            task = await run_client(bot, server)
            try:
                await _round_trips(server, result, concurrency, messages_per_level)
                await _dispatch(server, bot, result, dispatch_iterations)
            finally:
                await stop_client(bot, task)
            advisor.store.close()
    finally:
        await server.stop()
    result["internal_errors"] = len(server.internal_errors)
    return result


SCENARIOS: tuple[tuple[str, str, Any], ...] = (
    ("!ping", "prefix", "!ping"),
    ("!compare", "prefix", "!compare mlops pm"),
    ("/ping", "slash", ("ping", {})),
    ("/compare", "slash", ("compare", {"role_a": "mlops", "role_b": "pm"})),
)


async def _round_trips(server: BenchDiscord, result: dict[str, Any],
                       concurrency: tuple[int, ...], total: int) -> None:
    for label, kind, what in SCENARIOS:
        send = (prefix_sender(server, what) if kind == "prefix"
                else slash_sender(server, what[0], what[1]))
        await closed_loop(server, send, 5, 4)  # warm up: connections, caches, code paths
        for senders in concurrency:
            per_sender = max(2, total // senders)
            server.forget_history()
            gc.collect()
            latencies, wall = await closed_loop(server, send, senders, per_sender)
            result["round_trip"].append({
                "command": label, "senders": senders, "messages": len(latencies),
                "wall_s": round(wall, 4),
                "messages_per_s": round(len(latencies) / wall, 1),
                **summarise_ns(latencies),
            })


async def _dispatch(server: BenchDiscord, bot: CareerBot, result: dict[str, Any],
                    iterations: int) -> None:
    alice = server.senders[0]
    channel = server.channels[0]
    # One real exchange of each kind, to record the frames and the server's answers.
    frames: dict[str, dict[str, Any]] = {}
    for label, text in (("noop", "!noop"), ("!ping", "!ping"), ("!compare", "!compare mlops pm")):
        mark = server.mark()
        msg = await server.send_message(channel.id, author=alice, content=text)
        frames[label] = _last_frame(server, "MESSAGE_CREATE")
        assert frames[label]["d"]["id"] == msg["id"]
        if label != "noop":
            await server.reply_to(int(msg["id"]))
            message_answer = server.find_requests("POST", r"/channels/\d+/messages", since=mark)[0]
    for label, (name, options) in (("/ping", ("ping", {})),
                                   ("/compare", ("compare", {"role_a": "mlops", "role_b": "pm"}))):
        mark = server.mark()
        inter = await server.send_slash_command(name, options, user=alice, channel_id=channel.id)
        frames[label] = _last_frame(server, "INTERACTION_CREATE")
        await server.reply_to(inter.id)
        callback_answer = server.find_requests("POST", r"/interactions/.*", since=mark)[0]

    server.forget_history()
    labels = ("noop", "!ping", "!compare", "/ping", "/compare")
    samples: dict[str, list[int]] = {label: [] for label in labels}
    rounds = 5
    with _CannedHTTP(bot, message_answer.response, callback_answer.response):
        for label in labels:  # warm up every path once
            new_id = _fresh_interaction_id if label.startswith("/") else _fresh_message_id
            await dispatch_times(bot, frames[label], max(20, iterations // 10), new_id)
        # Interleaved rounds, so drift in the machine (or the heap) hits every command alike.
        for _ in range(rounds):
            for label in labels:
                new_id = _fresh_interaction_id if label.startswith("/") else _fresh_message_id
                gc.collect()
                samples[label] += await dispatch_times(bot, frames[label],
                                                       max(1, iterations // rounds), new_id)
    for label in labels:
        result["dispatch"][label] = summarise_ns(samples[label])
