"""Stopping ``careerbot run`` by signal, as ``docker stop`` (SIGTERM) and Ctrl-C (SIGINT) do.

The real entry point runs in its own process against the fake Discord (pointed at it by
DISCORD_API_BASE and DISCORD_GATEWAY_URL, as bench/process.py does). The process must
close the gateway and the database, log one line, print no traceback and exit 0; an edit
in flight when the signal arrives must end up whole in the database or not at all. The
health check a container runs (``careerbot health --heartbeat FILE``) is checked against
the same running process.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from bot.health import HEALTHY, UNHEALTHY
from bot.knowledge.build import build_database
from tests.conftest import KNOWLEDGE_DIR, role_file
from tests.fake_discord import FakeDiscord

READY_TIMEOUT = 60.0  # a budget against a hang, not a measurement
EXIT_TIMEOUT = 60.0
STOPPED = "stopped on {}: gateway and database closed"
MLOPS = "mlops-engineer"


class BotProcess:
    """``python -m bot run`` with its stderr (the log) collected line by line."""

    def __init__(self, proc: asyncio.subprocess.Process) -> None:
        self.proc = proc
        self.lines: list[str] = []
        self.ready = asyncio.Event()
        self.reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        assert self.proc.stderr is not None
        async for raw in self.proc.stderr:
            line = raw.decode(errors="replace").rstrip("\n")
            self.lines.append(line)
            if " ready as " in line:
                self.ready.set()

    async def wait_ready(self) -> None:
        waiter = asyncio.create_task(self.ready.wait())
        exited = asyncio.create_task(self.proc.wait())
        await asyncio.wait({waiter, exited}, timeout=READY_TIMEOUT,
                           return_when=asyncio.FIRST_COMPLETED)
        waiter.cancel()
        exited.cancel()
        assert self.ready.is_set(), "bot not ready:\n" + self.log

    async def stop(self, sig: signal.Signals) -> int:
        self.proc.send_signal(sig)
        return await self.wait_exit()

    async def wait_exit(self) -> int:
        code = await asyncio.wait_for(self.proc.wait(), EXIT_TIMEOUT)
        await asyncio.wait_for(self.reader, EXIT_TIMEOUT)
        return code

    @property
    def log(self) -> str:
        return "\n".join(self.lines)


def bot_env(server: FakeDiscord, db: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CAREERBOT_", "DISCORD_"))}
    env.update(DISCORD_TOKEN="fake-token", DISCORD_API_BASE=server.base_url,
               DISCORD_GATEWAY_URL=server.gateway_url, CAREERBOT_DB=str(db),
               CAREERBOT_KNOWLEDGE_DIR=str(KNOWLEDGE_DIR),
               CAREERBOT_DEV_GUILD_ID=str(server.guild.id), CAREERBOT_LOG_LEVEL="INFO")
    return env


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "data" / "careerbot.db"
    build_database(KNOWLEDGE_DIR, path)
    return path


@pytest.fixture
async def start(fake_discord: FakeDiscord, db: Path, tmp_path: Path):
    started: list[BotProcess] = []

    async def run(*args: str) -> BotProcess:
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "run", *args, env=bot_env(fake_discord, db),
            cwd=tmp_path, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE)
        bot = BotProcess(proc)
        started.append(bot)
        await bot.wait_ready()
        return bot

    yield run
    for bot in started:  # a failed test must not leave its bot running
        if bot.proc.returncode is None:
            bot.proc.kill()
            await bot.proc.wait()
        bot.reader.cancel()


def health(server: FakeDiscord, db: Path, heartbeat: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "bot", "health", "--heartbeat", str(heartbeat)],
                          env=bot_env(server, db), cwd=heartbeat.parent, capture_output=True,
                          text=True, timeout=60)


def assert_clean_stop(bot: BotProcess, code: int, sig: signal.Signals) -> None:
    assert code == 0, bot.log
    stopped = [line for line in bot.lines if "stopped on" in line]
    assert len(stopped) == 1, bot.log
    assert stopped[0].endswith(STOPPED.format(sig.name))
    assert "Traceback" not in bot.log, bot.log
    assert not [line for line in bot.lines if " ERROR " in line or " WARNING " in line], bot.log


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=lambda s: s.name)
async def test_a_signal_stops_the_bot_cleanly(fake_discord: FakeDiscord, start, db: Path,
                                              tmp_path: Path, sig: signal.Signals) -> None:
    heartbeat = tmp_path / "heartbeat"
    bot = await start("--heartbeat", str(heartbeat))
    # The container's health check passes while the bot is connected...
    for _ in range(200):
        if heartbeat.exists():
            break
        await asyncio.sleep(0.05)
    checked = await asyncio.to_thread(health, fake_discord, db, heartbeat)
    assert checked.returncode == HEALTHY, checked.stderr
    assert "connected to Discord" in checked.stdout
    # ... the bot answers ...
    since = fake_discord.mark()
    await fake_discord.send_message(author=fake_discord.alice, content="!roles")
    await fake_discord.wait_for_requests("POST", r"/channels/\d+/messages", since=since)

    code = await bot.stop(sig)

    assert_clean_stop(bot, code, sig)
    assert not fake_discord.connected  # the gateway was closed
    assert not heartbeat.exists()  # a stopped bot is not reported healthy
    checked = await asyncio.to_thread(health, fake_discord, db, heartbeat)
    assert checked.returncode == UNHEALTHY
    assert "no heartbeat" in checked.stderr


def edit_rows(db: Path, guild_id: int) -> tuple[list[tuple], list[tuple]]:
    """The overlay rows and audit entries of figure edits in ``guild_id``."""
    conn = sqlite3.connect(db)
    try:
        tables = {n for (n,) in conn.execute("select name from sqlite_master where type='table'")}
        if "audit_log" not in tables:
            return [], []
        fields = conn.execute("select role_slug, field, value from overlay_fields "
                              "where guild_id = ?", (str(guild_id),)).fetchall()
        audit = conn.execute("select action, target from audit_log where guild_id = ?",
                             (str(guild_id),)).fetchall()
        return fields, audit
    finally:
        conn.close()


async def test_an_edit_in_flight_at_sigterm_is_whole_in_the_database_or_absent(
        fake_discord: FakeDiscord, start, db: Path) -> None:
    """Another writer holds the database, so the moderator's edit waits in its worker
    thread (the slash command is deferred after two seconds: the proof it is in flight);
    SIGTERM arrives; the other writer lets go. The stop waits for the edit, which commits
    whole and is confirmed to the moderator before the bot closes."""
    bot = await start()
    stats = role_file(MLOPS)["stats"][0]
    new_median = stats["salary"]["median"] + 1000
    blocker = sqlite3.connect(db, isolation_level=None)
    blocker.execute("begin immediate")
    try:
        inter = await fake_discord.send_slash_command(
            "kb set", {"role": "mlops", "field": "median", "value": str(new_median),
                       "source": stats["source"], "date": str(stats["as_of"])},
            user=fake_discord.mod)
        callback = await fake_discord.wait_for_interaction_response(inter, timeout=30)
        assert callback["type"] == 5, callback  # deferred: the edit is waiting for the lock
        assert edit_rows(db, fake_discord.guild.id) == ([], [])

        bot.proc.send_signal(signal.SIGTERM)
        await asyncio.sleep(0.5)
        assert bot.proc.returncode is None, bot.log  # waiting for the edit in flight
    finally:
        blocker.execute("rollback")
        blocker.close()
    code = await bot.wait_exit()

    assert_clean_stop(bot, code, signal.SIGTERM)
    fields, audit = edit_rows(db, fake_discord.guild.id)
    # Whole or absent: the figure and its audit entry together, or neither.
    assert bool(fields) == bool(audit), (fields, audit)
    # Here the stop waited, so it is whole, and its author was told.
    assert (MLOPS, "salary.median", str(new_median)) in [(r, f, str(v)) for r, f, v in fields]
    assert audit == [("figure.set", MLOPS)]
    confirmation = await fake_discord.wait_for_original(inter)
    assert "Entry" in str(confirmation), confirmation
