"""Sharding end to end: the real careerbot, sharded with discord.py's AutoShardedBot, on the
fake Discord, which routes each server's events to the session of its shard only
(``(guild_id >> 22) % shard_count``, as Discord does).

Two servers, one on shard 0 and one on shard 1, are each answered exactly once, by the
session (and so the process) of their own shard: with both shards in one process, and
with two bots (two "processes": separate clients, stores and database connections over
one SQLite file) each running one shard. A global edit made through one shard's process
shows in answers of the other's, which is what lets processes share the database file.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import signal
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import discord
import pytest

from bot.app import create_advisor, create_moderation, open_store
from bot.core.about import format_latency
from bot.core.render import pct
from bot.discord_app import runner
from bot.discord_app.client import CareerBot, ShardedCareerBot, create_bot
from bot.knowledge.build import build_database
from bot.knowledge.store import KnowledgeStore
from bot.settings import Settings
from tests.conftest import KNOWLEDGE_DIR, role_file
from tests.e2e.careerbot_fixtures import MESSAGES, embed_text, make_settings
from tests.e2e.conftest import RunBot
from tests.e2e.test_shutdown import BotProcess, bot_env
from tests.fake_discord import FakeDiscord, FakeGuild, FakeMember, FakeUser
from tests.fake_discord.sharding import shard_of

SHARDS = 2
MLOPS = "mlops-engineer"


def guild_on_shard(server: FakeDiscord, shard_id: int, name: str) -> FakeGuild:
    """A standard test guild whose id puts it on ``shard_id`` of SHARDS (ids are time-based,
    so a few tries find one)."""
    while True:
        guild = FakeGuild.default(server.bot_user, name=name)
        if shard_of(guild.id, SHARDS) == shard_id:
            return guild


class Servers:
    """The fake Discord with one server per shard, and the stores the bots open."""

    def __init__(self, server: FakeDiscord, db: Path, owner: FakeUser) -> None:
        self.server = server
        self.db = db
        self.owner = owner
        self.stores: list[KnowledgeStore] = []

    @property
    def guilds(self) -> list[FakeGuild]:
        return self.server.guilds

    def member(self, shard_id: int, name: str = "alice") -> FakeMember:
        return self.guilds[shard_id].member_named(name)

    def settings(self, **overrides: Any) -> Settings:
        return make_settings(self.server, db=self.db, owner_ids=str(self.owner.id), **overrides)

    def bot(self, settings: Settings) -> CareerBot:
        """A bot as ``careerbot run`` builds it: its own store (its own connection and
        caches) over the shared database file."""
        store = open_store(settings)
        self.stores.append(store)
        return create_bot(create_advisor(settings, store), settings,
                          moderation=create_moderation(settings, store))

    async def ask(self, shard_id: int, text: str, who: str = "alice") -> tuple[dict, Any]:
        """``who`` posts ``text`` in the server on ``shard_id``; returns the message as
        dispatched and the bot's one reply (a request), checking no second reply comes."""
        channel = self.guilds[shard_id].text_channel.id
        since = self.server.mark()
        message = await self.server.send_message(channel, author=self.member(shard_id, who),
                                                 content=text)
        [reply] = await self.server.wait_for_requests("POST", MESSAGES, since=since)
        assert reply.path == f"/channels/{channel}/messages"
        await self.server.expect_no_requests("POST", MESSAGES, since=since + 1, within=0.3)
        return message, reply

    def sessions_that_received(self, message: dict) -> list[int]:
        """The shards whose gateway session was sent this MESSAGE_CREATE."""
        return [shard_id for shard_id, link in sorted(self.server.shards.links.items())
                if link.received("MESSAGE_CREATE", id=message["id"])]


@pytest.fixture
async def servers(fake_discord: FakeDiscord, tmp_path: Path) -> AsyncIterator[Servers]:
    fake_discord.guild = guild_on_shard(fake_discord, 0, "Shard Zero Server")
    fake_discord.guilds.append(guild_on_shard(fake_discord, 1, "Shard One Server"))
    owner = fake_discord.add_user(FakeUser(username="botowner", global_name="Bot Owner"))
    world = Servers(fake_discord, tmp_path / "data" / "careerbot.db", owner)
    yield world
    for store in world.stores:
        store.close()


async def sync_to_every_guild(bot: CareerBot, servers: Servers) -> None:
    """Slash commands in both servers, as a global `careerbot sync` would give them."""
    for guild in servers.guilds[1:]:
        bot.tree.copy_global_to(guild=discord.Object(guild.id))
        await bot.tree.sync(guild=discord.Object(guild.id))


def assert_each_shard_was_told_only_its_server(servers: Servers) -> None:
    """READY lists, and GUILD_CREATE sends, only the guilds on the session's shard."""
    links = servers.server.shards.links
    assert sorted(links) == [0, 1]
    for shard_id, link in links.items():
        guild = servers.guilds[shard_id]
        assert link.shard_count == SHARDS
        assert link.identify["shard"] == [shard_id, SHARDS]
        [ready] = link.received("READY")
        assert [g["id"] for g in ready["guilds"]] == [str(guild.id)]
        assert ready["shard"] == [shard_id, SHARDS]
        assert [g["id"] for g in link.received("GUILD_CREATE")] == [str(guild.id)]


# -- one process, two shards ---------------------------------------------------------------


@pytest.mark.parametrize("how", ["count and ids from settings", "count from settings",
                                 "count recommended by Discord"])
async def test_one_process_runs_two_shards_and_each_server_is_answered_by_its_own(
        servers: Servers, run_bot: RunBot, how: str) -> None:
    if how == "count and ids from settings":
        bot = servers.bot(servers.settings(shard_count=SHARDS, shard_ids="0,1"))
    elif how == "count from settings":
        bot = servers.bot(servers.settings(shard_count=SHARDS))
    else:  # AutoShardedBot without a count asks GET /gateway/bot
        servers.server.shards.recommended = SHARDS
        settings = servers.settings()
        store = open_store(settings)
        servers.stores.append(store)
        bot = ShardedCareerBot(create_advisor(settings, store), settings,
                               moderation=create_moderation(settings, store))
    assert isinstance(bot, discord.AutoShardedClient)
    await run_bot(bot)
    if how == "count recommended by Discord":
        assert servers.server.find_requests("GET", r"/gateway/bot", since=0)
    assert bot.shard_count == SHARDS and sorted(bot.shards) == [0, 1]
    assert_each_shard_was_told_only_its_server(servers)
    for shard_id in (0, 1):
        assert bot.get_guild(servers.guilds[shard_id].id).shard_id == shard_id
        message, reply = await servers.ask(shard_id, "!salary mlops")
        assert "MLOps Engineer" in embed_text(reply.json)
        assert servers.sessions_that_received(message) == [shard_id]


async def test_without_shard_settings_the_bot_keeps_one_plain_connection(
        fake_discord: FakeDiscord, run_bot: RunBot, tmp_path: Path) -> None:
    settings = make_settings(fake_discord, db=tmp_path / "kb.db")
    store = open_store(settings)
    try:
        bot = create_bot(create_advisor(settings, store), settings,
                         moderation=create_moderation(settings, store))
        assert type(bot) is CareerBot and not isinstance(bot, discord.AutoShardedClient)
        await run_bot(bot)
        assert "shard" not in fake_discord.identify_payload
        assert not fake_discord.find_requests("GET", r"/gateway/bot", since=0)
    finally:
        store.close()


async def test_each_shard_resumes_its_own_session_and_gets_what_it_missed(
        servers: Servers, run_bot: RunBot) -> None:
    bot = servers.bot(servers.settings(shard_count=SHARDS))
    await run_bot(bot)
    links = servers.server.shards.links
    sessions = {shard_id: link.session.id for shard_id, link in links.items()}
    await servers.server.drop_gateway(shard=1, wait_resumed=False)
    # Posted while shard 1 is down: kept, and replayed to shard 1 when it resumes.
    since = servers.server.mark()
    missed = await servers.server.send_message(
        servers.guilds[1].text_channel.id, author=servers.member(1), content="!salary mlops")
    [reply] = await servers.server.wait_for_requests("POST", MESSAGES, since=since)
    assert reply.path == f"/channels/{servers.guilds[1].text_channel.id}/messages"
    assert (links[0].resumes, links[1].resumes) == (0, 1)
    assert {shard_id: link.session.id for shard_id, link in links.items()} == sessions
    assert servers.server.identify_count == SHARDS  # resumed, not identified again
    assert missed["id"] in [f["d"]["id"] for f in servers.server.last_replay
                            if f["t"] == "MESSAGE_CREATE"]
    assert servers.sessions_that_received(missed) == [1]
    message, _ = await servers.ask(0, "!salary mlops")  # shard 0 never went away
    assert servers.sessions_that_received(message) == [0]


async def test_about_shows_the_latency_of_the_asking_servers_shard(
        servers: Servers, run_bot: RunBot) -> None:
    """Shard 1's heartbeats are acknowledged a second late, so the two shards' latencies
    differ by about a second; each server's /about shows its own shard's."""
    servers.server.shards.ack_delays[1] = 1.0
    bot = servers.bot(servers.settings(shard_count=SHARDS))
    await run_bot(bot)
    shards = bot.shards
    for _ in range(500):  # the first acknowledgements (the heartbeat interval is 41 s)
        if all(shard.latency < float("inf") for shard in shards.values()):
            break
        await asyncio.sleep(0.01)
    assert shards[1].latency >= 1.0
    shown = {}
    for shard_id in (0, 1):
        _, reply = await servers.ask(shard_id, "!about")
        [embed] = reply.json["embeds"]
        [latency] = [f["value"] for f in embed["fields"] if f["name"] == "Gateway latency"]
        shown[shard_id] = latency
        assert latency == format_latency(bot.get_shard(shard_id).latency)
    assert shown[0] != shown[1]
    assert format_latency(bot.latency) not in shown.values()  # not the average of the two


# -- two processes, one shard each ------------------------------------------------------------


async def test_two_processes_each_run_one_shard_and_share_the_database(
        servers: Servers, run_bot: RunBot) -> None:
    bots = {}
    for shard_id in (0, 1):
        settings = servers.settings(shard_count=SHARDS, shard_ids=str(shard_id))
        bots[shard_id] = servers.bot(settings)
        # Each process has its own token here, so the fake can tell whose reply is whose.
        await run_bot(bots[shard_id], token=f"token-of-process-{shard_id}")
        assert sorted(bots[shard_id].shards) == [shard_id]
        assert [g.id for g in bots[shard_id].guilds] == [servers.guilds[shard_id].id]
    assert_each_shard_was_told_only_its_server(servers)
    assert servers.stores[0] is not servers.stores[1]

    def remote_line(value: float) -> str:
        return f"{pct(value)} of MLOps Engineer roles are fully remote"

    stats = role_file(MLOPS)["stats"][0]
    # Each server answered once, by the process running its shard.
    for shard_id in (0, 1):
        message, reply = await servers.ask(shard_id, "!salary mlops")
        assert servers.sessions_that_received(message) == [shard_id]
        assert reply.headers["Authorization"] == f"Bot token-of-process-{shard_id}"
        assert remote_line(stats["remote_pct"]) in embed_text(reply.json)  # now cached

    # The bot's owner edits the global base in a DM: DMs arrive on shard 0, so process 0
    # writes; process 1, which cached the old figure, answers with the new one.
    new_remote = stats["remote_pct"] + 5
    since = servers.server.mark()
    dm = await servers.server.send_dm(
        author=servers.owner,
        content=f"!kb set mlops remote {new_remote} source:{stats['source']} date:2026-03")
    [req] = await servers.server.wait_for_requests("POST", MESSAGES, since=since)
    assert "Figures updated" in embed_text(req.json), embed_text(req.json)
    assert req.headers["Authorization"] == "Bot token-of-process-0"
    assert servers.sessions_that_received(dm) == [0]
    message, reply = await servers.ask(1, "!salary mlops")
    assert reply.headers["Authorization"] == "Bot token-of-process-1"
    assert remote_line(new_remote) in embed_text(reply.json), embed_text(reply.json)

    # And the other way: a moderator's edit for the server on shard 1, made by process 1,
    # is in the shared file where process 0 (and any rebuild) reads it.
    guild_1 = str(servers.guilds[1].id)
    since = servers.server.mark()
    await servers.server.send_message(
        servers.guilds[1].text_channel.id, author=servers.member(1, "mod"),
        content="!kb set mlops focus Keeps models healthy in production, shard one.")
    [req] = await servers.server.wait_for_requests("POST", MESSAGES, since=since)
    assert req.headers["Authorization"] == "Bot token-of-process-1"
    seen_by_0 = bots[0].advisor.knowledge(guild_1).roles[MLOPS].focus
    assert seen_by_0 == "Keeps models healthy in production, shard one."


async def test_a_sharded_bot_writes_its_heartbeat_while_every_shard_is_connected(
        servers: Servers, run_bot: RunBot, tmp_path: Path) -> None:
    """The health check's heartbeat: a sharded bot has no ``bot.ws``, so it is connected
    when every shard is; the file must be written (and say how many servers)."""
    bot = servers.bot(servers.settings(shard_count=SHARDS))
    await run_bot(bot)
    path = tmp_path / "heartbeat"
    beating = asyncio.create_task(runner.keep_heartbeat(bot, path))
    try:
        async def written() -> None:
            while not path.exists():
                await asyncio.sleep(0.01)

        await asyncio.wait_for(written(), 10)  # a budget against a hang, not a timing
        assert json.loads(path.read_text(encoding="utf-8"))["servers"] == SHARDS
    finally:
        beating.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await beating


# -- two real processes -------------------------------------------------------------------------


async def test_two_careerbot_run_processes_split_the_shards_and_share_the_database(
        servers: Servers) -> None:
    """``careerbot run`` twice, as two containers or systemd units would run it: the same
    database file, CAREERBOT_SHARD_COUNT=2, and CAREERBOT_SHARD_IDS 0 and 1."""
    build_database(KNOWLEDGE_DIR, servers.db)
    processes: dict[int, BotProcess] = {}
    try:
        for shard_id in (0, 1):
            env = bot_env(servers.server, servers.db)
            env.update(DISCORD_TOKEN=f"token-of-process-{shard_id}",
                       CAREERBOT_SHARD_COUNT=str(SHARDS), CAREERBOT_SHARD_IDS=str(shard_id),
                       CAREERBOT_OWNER_IDS=str(servers.owner.id))
            proc = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bot", "run", env=env, cwd=servers.db.parent,
                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            processes[shard_id] = BotProcess(proc)
            await processes[shard_id].wait_ready()
            assert "in 1 servers" in processes[shard_id].log
            assert f"shard {shard_id} of {SHARDS} ready with 1 servers" in processes[shard_id].log
        assert_each_shard_was_told_only_its_server(servers)

        stats = role_file(MLOPS)["stats"][0]
        line = "{} of MLOps Engineer roles are fully remote"
        for shard_id in (0, 1):
            message, reply = await servers.ask(shard_id, "!salary mlops")
            assert servers.sessions_that_received(message) == [shard_id]
            assert reply.headers["Authorization"] == f"Bot token-of-process-{shard_id}"
            assert line.format(pct(stats["remote_pct"])) in embed_text(reply.json)

        new_remote = stats["remote_pct"] + 5
        since = servers.server.mark()
        await servers.server.send_dm(
            author=servers.owner,
            content=f"!kb set mlops remote {new_remote} source:{stats['source']} date:2026-03")
        [req] = await servers.server.wait_for_requests("POST", MESSAGES, since=since,
                                                       timeout=30)
        assert req.headers["Authorization"] == "Bot token-of-process-0"
        assert "Figures updated" in embed_text(req.json), embed_text(req.json)
        _, reply = await servers.ask(1, "!salary mlops")
        assert reply.headers["Authorization"] == "Bot token-of-process-1"
        assert line.format(pct(new_remote)) in embed_text(reply.json), embed_text(reply.json)

        for bot_process in processes.values():
            assert await bot_process.stop(signal.SIGTERM) == 0, bot_process.log
            assert "Traceback" not in bot_process.log, bot_process.log
    finally:
        for bot_process in processes.values():  # a failed test must not leave a bot running
            if bot_process.proc.returncode is None:
                bot_process.proc.kill()
                await bot_process.proc.wait()
            bot_process.reader.cancel()


@pytest.mark.parametrize("shard", [[2, 2], [0, 0], [-1, 2], "0,2"])
async def test_the_fake_refuses_an_impossible_shard_as_discord_does(
        fake_discord: FakeDiscord, shard: Any) -> None:
    """IDENTIFY with a shard outside its count is closed with 4010 (Invalid shard)."""
    async with aiohttp.ClientSession() as session, \
            session.ws_connect(fake_discord.gateway_url) as ws:
        hello = await ws.receive_json()
        assert hello["op"] == 10
        await ws.send_json({"op": 2, "d": {"token": "t", "intents": 513, "shard": shard,
                                           "properties": {}}})
        closing = await ws.receive()
        assert closing.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED)
        assert ws.close_code == 4010
    assert not fake_discord.shards.links


async def test_sharding_required_by_discord_is_one_clear_line(
        servers: Servers, tmp_path: Path) -> None:
    """Past 2,500 servers Discord closes an unsharded gateway with 4011: ``careerbot run``
    says to set CAREERBOT_SHARD_COUNT, with no traceback, and exits 2."""
    servers.server.shards.require_sharding = True
    build_database(KNOWLEDGE_DIR, servers.db)
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", env=bot_env(servers.server, servers.db),
        cwd=tmp_path, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE)
    _, err = await asyncio.wait_for(proc.communicate(), 120)  # a budget against a hang
    stderr = err.decode(errors="replace")
    assert proc.returncode == 2, stderr
    assert "Traceback" not in stderr, stderr
    assert "set CAREERBOT_SHARD_COUNT" in stderr.strip().splitlines()[-1], stderr
