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

**The floor** is discord.py's, not careerbot's: a plain ``commands.Bot`` (same intents,
same prefix, none of careerbot's cogs, listeners or ``invoke``/prefix overrides) with one
no-op command (``PlainBot``), connected to the same fake server in the same run and fed
the same gateway frames through the same websocket handler, interleaved with careerbot's
rows so drift in the machine hits both alike. Every dispatch row is given as a ratio to
it; careerbot's own no-op (``!noop`` on careerbot, which already carries careerbot's
per-message work) is kept as a row, labelled as careerbot's floor.

**Cooldowns are on** (5 commands per 10 s per member, as in production, every command
sharing the bot's mapping). Dispatch frames come from a rotating set of ``MEMBERS``
simulated members, and each frame's snowflake (the clock discord.py's cooldown reads) is
stamped on a simulated clock that advances ``SIM_STEP_MS`` per message, so each member
sends at most ``COOLDOWN_RATE`` messages per window: the cooldown's bookkeeping is paid on
every message and no message is refused (a refusal fails the run). The round trips use
real time, and each member there sends under the cooldown's rate.

**Fresh and cached.** A "cached" command repeats one text, so careerbot answers it from
its answer cache. A "fresh" one is a text it has not answered, with the answer cache
emptied before each sample: the texts rotate over every spelling of the pair
(names and aliases, both orders, with and without "vs"), and the advisor's remembered
answers are cleared before the clock starts. The salary chart for the pair stays cached
(it depends on the figures, not the text); a further row also empties the chart cache,
which is what the first member to ask about a new pair waits for. Free-form questions
(a mention of the bot and a question) are timed the same two ways; careerbot keeps no
answer cache for them, so "fresh" there means a rotating text (questions about every role)
and "cached" one text repeated.

Between runs the fake server forgets what it recorded (it keeps every request and
message for tests), so its heap does not grow through the bench and slow the later runs.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import gc
import json
import time
import types
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import discord
import discord.app_commands.checks
import discord.ext.commands.cooldowns
import discord.webhook.async_
from discord.ext import commands

from bench.stats import summarise_ns
from bot.app import create_advisor
from bot.core import charts
from bot.core.advisor import Advisor, Request
from bot.discord_app.client import COOLDOWN_RATE, COOLDOWN_SECONDS, CareerBot, intents
from bot.knowledge.models import Knowledge
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
#: Members in the fake server; round trips rotate over them (see ``_Rotation``).
ROUND_TRIP_MEMBERS = 5000
REPLY_TIMEOUT = 30.0
#: Seconds the fake server holds each heartbeat ACK, as a network would. discord.py's
#: heartbeat thread records the send time only once the loop has sent the heartbeat
#: (``KeepAliveHandler.run``); a server in the same process can ACK before that thread
#: runs again, and ``ack()`` then measures from the previous heartbeat: "Can't keep up,
#: websocket is 41.3s behind" (the fake's 41.25 s interval) under a loaded full run, with
#: the loop answering in microseconds.
ACK_DELAY = 0.05
DISCORD_EPOCH_MS = 1420070400000
#: Simulated time between two dispatched messages: with ``MEMBERS`` senders taking turns,
#: each sends one message per ``MEMBERS * SIM_STEP_MS`` ms, a quarter under the cooldown.
SIM_STEP_MS = int(COOLDOWN_SECONDS * 1000 / (COOLDOWN_RATE * MEMBERS) * 1.25)
#: The dispatch rows' labels: (label, what is measured), in the order the tables show them.
PLAIN_FLOOR = "plain discord.py no-op"


class BenchDiscord(FakeDiscord):
    """The fake server, noting the moment each reply arrives (keyed by what it answers)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(validate=False, **kwargs)
        self.shards.ack_delays[0] = ACK_DELAY  # an unsharded bot's session is shard 0
        self._arrived: dict[int, int] = {}
        self._waiters: dict[int, asyncio.Future[int]] = {}
        self.senders: list[FakeMember] = []
        self.channels: list[FakeChannel] = []
        #: Replies that were careerbot's "slow down" note: a refusal, not an answer.
        self.slow_downs = 0

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
        body = rec.json or {}
        if any((e or {}).get("title", "").startswith("Slow down") for e in body.get("embeds") or ()):
            self.slow_downs += 1
        ref = (body.get("message_reference") or {}).get("message_id")
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
    """careerbot with the floor commands added, under the bot's shared cooldown like
    every careerbot command (cooldowns stay on: their cost is part of every message)."""

    async def setup_hook(self) -> None:
        await self.add_cog(BenchCog())
        await super().setup_hook()
        for command in self.get_cog("BenchCog").get_commands():
            command._buckets = self.cooldowns


class PlainBot(commands.Bot):
    """discord.py's floor: a bare ``commands.Bot`` with careerbot's intents and prefix and
    one command that does nothing. No careerbot cog, listener or override, so its cost is
    discord.py's own (``tests`` check it stays that way)."""

    def __init__(self, prefix: str = "!") -> None:
        super().__init__(command_prefix=prefix, intents=intents(), help_command=None)
        self.noops = 0

        @self.command(name="noop")
        async def noop(ctx: commands.Context) -> None:
            self.noops += 1


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


# ---------------------------------------------------------------------------------------
# Dispatch without the network


class _CannedHTTP:
    """Stands in for discord.py's HTTP calls with answers recorded from the fake server.

    ``on_request`` (if set) is called at each message request: for a free-form question,
    which is no command, the clock stops when the answer is sent."""

    def __init__(self, bot: discord.Client, message: dict[str, Any], callback: dict[str, Any]):
        self.bot = bot
        self.message = message
        self.callback = callback
        self.saved: tuple[Any, Any] | None = None
        self.on_request: Callable[[], None] | None = None

    async def request(self, route: Any, **kwargs: Any) -> Any:
        if self.on_request is not None:
            self.on_request()
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


class SimulatedSenders:
    """Who sends each dispatched frame, and when (by its snowflake).

    Members take turns and the snowflake's time advances ``SIM_STEP_MS`` per message, so
    discord.py's cooldown (which reads the message's own time) does its full work on
    every message for ``members`` active members and never refuses one, however fast the
    machine dispatches."""

    def __init__(self, members: list[FakeMember]) -> None:
        self.members = members
        self.count = 0
        # Past any window the real exchanges opened (they used the real clock).
        self.start_ms = int((time.time() + 2 * COOLDOWN_SECONDS) * 1000)

    def next_id(self) -> str:
        ms = self.start_ms + self.count * SIM_STEP_MS - DISCORD_EPOCH_MS
        return str((ms << 22) | (self.count & 0x3FFFFF))

    def now(self) -> float:
        """The simulated time (s) of the last message stamped: what cooldowns read."""
        return (self.start_ms + max(0, self.count - 1) * SIM_STEP_MS) / 1000

    @contextlib.contextmanager
    def cooldown_clock(self) -> Iterator[None]:
        """Cooldowns read this clock too where careerbot asks them without a message
        time (the questions' cooldown calls ``update_rate_limit(message)``, which reads
        ``time.time()``), so every cooldown sees the same simulated members and pace."""
        shim = types.SimpleNamespace(time=self.now)
        modules = (discord.app_commands.checks, discord.ext.commands.cooldowns)
        saved = [m.time for m in modules]
        for m in modules:
            m.time = shim  # type: ignore[attr-defined]
        try:
            yield
        finally:
            for m, t in zip(modules, saved, strict=True):
                m.time = t  # type: ignore[attr-defined]

    def stamp(self, d: dict[str, Any]) -> None:
        """Give frame data ``d`` a new id on the simulated clock and the next sender."""
        member = self.members[self.count % len(self.members)]
        d["id"] = self.next_id()
        user = d["member"]["user"] if "user" in d.get("member", {}) else d["author"]
        user["id"] = str(member.user.id)
        user["username"] = member.user.username
        self.count += 1


@dataclass
class Scenario:
    """One dispatch row: the bot, the frame, how it varies, and what to do before each
    sample (outside the clock), e.g. empty the answer cache."""

    bot: commands.Bot
    frame: dict[str, Any]
    texts: list[str] | None = None  # rotated through ``content``; None keeps the frame's
    before: Callable[[], None] | None = None
    until_reply: bool = False  # no command completes: stop when the answer is sent
    share: float = 1.0  # of the iterations (drawing a chart each time is slow)
    sent: int = field(default=0)


async def dispatch_times(scenario: Scenario, iterations: int, senders: SimulatedSenders,
                         canned: _CannedHTTP | None) -> list[int]:
    """Feed the scenario's frame to discord.py's gateway handler; time until the command
    completes (or the answer is sent). Any command error, a cooldown refusal included,
    fails the run: the figures would not be of answered messages."""
    bot, frame = scenario.bot, scenario.frame
    done: asyncio.Future[None] | None = None
    errors: list[BaseException] = []

    async def completed(*args: Any) -> None:
        if done is not None and not done.done():
            done.set_result(None)

    async def failed(ctx: Any, error: BaseException) -> None:
        if scenario.until_reply and isinstance(error, commands.CommandNotFound):
            return  # "@careerbot how ..." is tried as a command first, as on Discord
        errors.append(error)
        await completed()

    def replied() -> None:
        if done is not None and not done.done():
            done.set_result(None)

    bot.add_listener(completed, "on_command_completion")
    bot.add_listener(completed, "on_app_command_completion")
    bot.add_listener(failed, "on_command_error")
    if scenario.until_reply:
        assert canned is not None
        canned.on_request = replied
    loop = asyncio.get_running_loop()
    samples: list[int] = []
    try:
        for _ in range(iterations):
            d = frame["d"]
            senders.stamp(d)
            if scenario.texts:
                d["content"] = scenario.texts[scenario.sent % len(scenario.texts)]
            scenario.sent += 1
            raw = json.dumps(frame)
            if scenario.before is not None:
                scenario.before()
            done = loop.create_future()
            started = time.perf_counter_ns()
            await bot.ws.received_message(raw)
            try:
                await asyncio.wait_for(done, REPLY_TIMEOUT)
            except TimeoutError:
                raise RuntimeError(f"no answer to {d.get('content') or 'interaction'!r} "
                                   f"from {d['author']['id'] if 'author' in d else '?'} "
                                   f"in {REPLY_TIMEOUT} s") from None
            samples.append(time.perf_counter_ns() - started)
            if errors:
                raise RuntimeError(f"dispatch of {d.get('content') or 'interaction'!r} failed: "
                                   f"{errors[0]!r}")
    finally:
        bot.remove_listener(completed, "on_command_completion")
        bot.remove_listener(completed, "on_app_command_completion")
        bot.remove_listener(failed, "on_command_error")
        if canned is not None:
            canned.on_request = None
    return samples


def _last_frame(server: FakeDiscord, event: str) -> dict[str, Any]:
    frame = next(f for f in reversed(server.gateway_sent) if f.get("t") == event)
    out = copy.deepcopy(frame)
    out["s"] = None  # leave the session's sequence number alone
    return out


def compare_spellings(advisor: Advisor, a_slug: str = "mlops-engineer",
                      b_slug: str = "ai-product-manager") -> list[str]:
    """Every spelling of ``!compare a b`` a member might type (names and aliases, both
    orders, with "vs" and with quotes): distinct texts, one pair, one chart. Only those
    the advisor answers as a comparison are kept."""
    knowledge = advisor.knowledge()
    a, b = knowledge.roles[a_slug], knowledge.roles[b_slug]
    reference = advisor.handle(Request(text="!compare mlops pm")).kind
    texts = []
    for x, y in ((a, b), (b, a)):
        for nx in dict.fromkeys((x.name, x.slug, *x.aliases)):
            for ny in dict.fromkeys((y.name, y.slug, *y.aliases)):
                texts += [f'!compare "{nx}" "{ny}"', f"!compare {nx} vs {ny}"]
    kept = [t for t in dict.fromkeys(texts) if advisor.handle(Request(text=t)).kind == reference]
    return kept


QUESTION_TEMPLATES = (
    "how much do {r} jobs pay?", "what skills do I need for {r}?", "how do I get into {r}?",
    "is {r} a good career?", "what does a {r} do all week?", "how many open {r} jobs are there?",
)


def question_texts(knowledge: Knowledge, mention: str) -> list[str]:
    """Free-form questions about every role by each of its names: rotating texts."""
    names = [n for role in knowledge.roles.values() for n in dict.fromkeys((role.name, *role.aliases))]
    return [f"{mention} {t.format(r=n)}" for n in names for t in QUESTION_TEMPLATES]


# ---------------------------------------------------------------------------------------
# The run


async def run(knowledge_dir: Path, db_path: Path, *, concurrency: tuple[int, ...],
              messages_per_level: int, dispatch_iterations: int) -> dict[str, Any]:
    settings = Settings(_env_file=None, db=db_path, knowledge_dir=knowledge_dir)
    server = BenchDiscord()
    server.populate(members=ROUND_TRIP_MEMBERS)
    await server.start()
    result: dict[str, Any] = {"dispatch": {}, "round_trip": [], "members": ROUND_TRIP_MEMBERS,
                              "dispatch_members": MEMBERS, "channels": CHANNELS,
                              "sim_step_ms": SIM_STEP_MS, "floor": PLAIN_FLOOR}
    try:
        with patch_discord(server):
            advisor = create_advisor(settings)
            bot = BenchBot(advisor, Settings(_env_file=None, db=db_path,
                                             knowledge_dir=knowledge_dir, prefix="!",
                                             dev_guild_id=server.guild.id,
                                             discord_token="fake-token"))
            task = await run_client(bot, server)
            try:
                await _round_trips(server, bot, result, concurrency, messages_per_level)
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


class _Rotation:
    """Round-trip senders take the next member of the pool for every message, so no
    member goes over the cooldown while the closed loops run as fast as the bot answers."""

    def __init__(self, pool: list[FakeMember]) -> None:
        self.pool = pool
        self.n = 0

    def next(self) -> FakeMember:
        self.n += 1
        return self.pool[self.n % len(self.pool)]


async def _round_trips(server: BenchDiscord, bot: CareerBot, result: dict[str, Any],
                       concurrency: tuple[int, ...], total: int) -> None:
    refused: list[BaseException] = []

    async def on_error(ctx: Any, error: BaseException) -> None:
        refused.append(error)

    rotation = _Rotation(server.senders[:-MEMBERS])  # the last MEMBERS are dispatch's
    bot.add_listener(on_error, "on_command_error")
    try:
        for label, kind, what in SCENARIOS:
            send = (_rotating_prefix(server, rotation, what) if kind == "prefix"
                    else _rotating_slash(server, rotation, what[0], what[1]))
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
    finally:
        bot.remove_listener(on_error, "on_command_error")
    if refused:
        raise RuntimeError(f"{len(refused)} round-trip commands failed or were refused by the "
                           f"cooldown (first: {refused[0]!r}); the figures would not be answers")


def _rotating_prefix(server: BenchDiscord, rotation: _Rotation, text: str) -> Sender:
    async def send(i: int, k: int) -> int:
        channel = server.channels[i % len(server.channels)]
        msg = await server.send_message(channel.id, author=rotation.next(), content=text)
        return int(msg["id"])

    return send


def _rotating_slash(server: BenchDiscord, rotation: _Rotation, name: str,
                    options: dict[str, str]) -> Sender:
    async def send(i: int, k: int) -> int:
        channel = server.channels[i % len(server.channels)]
        inter = await server.send_slash_command(name, options, user=rotation.next(),
                                                channel_id=channel.id)
        return inter.id

    return send


#: Dispatch rows, in the order the table shows them.
CAREERBOT_FLOOR = "careerbot no-op (careerbot's own floor)"
DISPATCH_LABELS = (
    PLAIN_FLOOR, CAREERBOT_FLOOR, "!ping", "!compare cached", "!compare fresh",
    "!compare fresh, chart drawn", "question cached", "question fresh", "/ping",
    "/compare cached",
)


async def _dispatch(server: BenchDiscord, bot: CareerBot, result: dict[str, Any],
                    iterations: int) -> None:
    alice = server.senders[0]
    channel = server.channels[0]
    mention = f"<@{server.bot_user.id}>"
    question = f"{mention} how much do mlops engineers make?"
    # One real exchange of each kind, to record the frames and the server's answers.
    frames: dict[str, dict[str, Any]] = {}
    for label, text in (("noop", "!noop"), ("!ping", "!ping"), ("!compare", "!compare mlops pm"),
                        ("question", question)):
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

    # discord.py's floor: a plain commands.Bot on the same server (connected only now, so
    # the exchanges above, which it has no commands for, never reached it).
    plain = PlainBot(prefix="!")
    plain_task = await run_client(plain, server)
    server.forget_history()
    advisor = bot.advisor

    def empty_answers() -> None:
        # The answers the advisor remembers live on the knowledge view (the bench's
        # messages come from one server without edits: the global view).
        advisor._view(advisor.knowledge()).replies.clear()

    def empty_answers_and_charts() -> None:
        empty_answers()
        charts._draw_cached.cache_clear()
        bot.charts_drawn.clear()

    spellings = compare_spellings(advisor)
    questions = question_texts(advisor.knowledge(), mention)
    m = frames
    scenarios = {
        PLAIN_FLOOR: Scenario(plain, copy.deepcopy(m["noop"])),
        CAREERBOT_FLOOR: Scenario(bot, copy.deepcopy(m["noop"])),
        "!ping": Scenario(bot, m["!ping"]),
        "!compare cached": Scenario(bot, copy.deepcopy(m["!compare"])),
        "!compare fresh": Scenario(bot, copy.deepcopy(m["!compare"]), texts=spellings,
                                   before=empty_answers),
        "!compare fresh, chart drawn": Scenario(bot, copy.deepcopy(m["!compare"]),
                                                texts=spellings, before=empty_answers_and_charts,
                                                share=0.1),
        "question cached": Scenario(bot, copy.deepcopy(m["question"]), until_reply=True),
        "question fresh": Scenario(bot, copy.deepcopy(m["question"]), texts=questions,
                                   until_reply=True),
        "/ping": Scenario(bot, m["/ping"]),
        "/compare cached": Scenario(bot, m["/compare"]),
    }
    senders = SimulatedSenders(server.senders[-MEMBERS:])
    samples: dict[str, list[int]] = {label: [] for label in DISPATCH_LABELS}
    rounds = 5
    try:
        with _CannedHTTP(bot, message_answer.response, callback_answer.response) as canned, \
                senders.cooldown_clock():
            for label in DISPATCH_LABELS:  # warm up every path once
                sc = scenarios[label]
                await dispatch_times(sc, max(5, int(iterations // 10 * sc.share)), senders,
                                     canned if sc.bot is bot else None)
            # Interleaved rounds, so drift in the machine (or the heap) hits every row alike.
            for _ in range(rounds):
                for label in DISPATCH_LABELS:
                    sc = scenarios[label]
                    gc.collect()
                    samples[label] += await dispatch_times(
                        sc, max(1, int(iterations // rounds * sc.share)), senders,
                        canned if sc.bot is bot else None)
    finally:
        await stop_client(plain, plain_task)
    if plain.noops == 0:
        raise RuntimeError("the plain floor bot never ran its no-op command")
    for label in DISPATCH_LABELS:
        result["dispatch"][label] = summarise_ns(samples[label])
    result["fresh_texts"] = {"!compare": len(spellings), "question": len(questions)}
