"""``python -m tests.fake_discord``: the fake Discord run on its own, with the real
``careerbot run`` pointed at it by the variables it prints, a person typing in the terminal.

Both run as separate processes, as a person would start them: the fake prints the
settings, the bot is started with exactly those, a line written to the fake's stdin
becomes a message in #general, and the bot's reply is printed on the fake's stdout. Both
then stop cleanly (exit 0, no traceback).
"""

from __future__ import annotations

import asyncio
import os
import re
import signal
import subprocess
import sys
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from bot.knowledge.build import build_database
from tests.conftest import KNOWLEDGE_DIR, REPO_ROOT

BUDGET = 90.0  # seconds: a budget against a hang, not a measurement
SETTING = re.compile(r"^([A-Z_]+)=(\S+)$")
PROMPT_DONE = "Ctrl-D quits"


class Output:
    """A process's output stream, read line by line into ``lines``."""

    def __init__(self, stream: asyncio.StreamReader) -> None:
        self.lines: list[str] = []
        self._changed = asyncio.Event()
        self._task = asyncio.create_task(self._read(stream))

    async def _read(self, stream: asyncio.StreamReader) -> None:
        async for raw in stream:
            self.lines.append(raw.decode(errors="replace").rstrip("\n"))
            self._changed.set()
        self._changed.set()

    async def wait_for(self, found: Callable[[str], bool], what: str) -> str:
        async def scan() -> str:
            seen = 0
            while True:
                for line in self.lines[seen:]:
                    if found(line):
                        return line
                seen = len(self.lines)
                if self._task.done():
                    raise AssertionError(f"stream ended before {what}:\n{self.text}")
                self._changed.clear()
                await self._changed.wait()

        try:
            return await asyncio.wait_for(scan(), BUDGET)
        except TimeoutError:
            raise AssertionError(f"no {what} within {BUDGET}s:\n{self.text}") from None

    async def finished(self) -> None:
        await asyncio.wait_for(self._task, BUDGET)

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


@pytest.fixture
async def processes() -> AsyncIterator[list[asyncio.subprocess.Process]]:
    """Processes a test started; any still running at the end (a failed test) are killed."""
    started: list[asyncio.subprocess.Process] = []
    yield started
    for proc in started:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()


def clean_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith(("CAREERBOT_", "DISCORD_"))}


async def start_fake(processes: list[asyncio.subprocess.Process], *args: str
                     ) -> tuple[asyncio.subprocess.Process, Output, Output]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tests.fake_discord", *args, cwd=REPO_ROOT, env=clean_env(),
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    processes.append(proc)
    assert proc.stdout is not None and proc.stderr is not None
    return proc, Output(proc.stdout), Output(proc.stderr)


async def test_type_a_command_and_read_the_bot_reply(
        tmp_path: Path, processes: list[asyncio.subprocess.Process]) -> None:
    db = tmp_path / "careerbot.db"
    build_database(KNOWLEDGE_DIR, db)
    fake, fake_out, fake_err = await start_fake(processes, "--port", "0", "--linger", "1")
    await fake_out.wait_for(lambda line: PROMPT_DONE in line, "the typing prompt")
    settings = dict(m.groups() for line in fake_out.lines if (m := SETTING.match(line)))
    assert set(settings) == {"DISCORD_TOKEN", "DISCORD_API_BASE", "DISCORD_GATEWAY_URL",
                             "CAREERBOT_DEV_GUILD_ID"}, fake_out.text
    assert settings["DISCORD_API_BASE"].startswith("http://127.0.0.1:")

    env = {**clean_env(), **settings, "CAREERBOT_DB": str(db),
           "CAREERBOT_KNOWLEDGE_DIR": str(KNOWLEDGE_DIR), "CAREERBOT_LOG_LEVEL": "INFO"}
    bot = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", cwd=tmp_path, env=env,
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    processes.append(bot)
    assert bot.stderr is not None
    bot_log = Output(bot.stderr)
    await bot_log.wait_for(lambda line: " ready as " in line, "bot ready")
    await fake_out.wait_for(lambda line: line == "* the bot connected", "connection notice")

    assert fake.stdin is not None
    fake.stdin.write(b"!compare mlops pm\n")
    await fake.stdin.drain()
    # The attachment is the reply's last line: once it is here, the whole reply is.
    await fake_out.wait_for(lambda line: line.strip() == "[file] salary.png", "the reply")
    reply = fake_out.text.split("* the bot connected", 1)[1]
    assert re.search(r"^careerbot:$", reply, re.M), reply  # who answered (no text content)
    assert "    # MLOps Engineer vs AI Product Manager" in reply  # the embed title
    assert "Choose AI Product Manager if" in reply  # the description
    assert "-- Source: AI Market Pulse" in reply  # the footer

    bot.send_signal(signal.SIGTERM)
    assert await asyncio.wait_for(bot.wait(), BUDGET) == 0, bot_log.text
    await bot_log.finished()
    assert "Traceback" not in bot_log.text, bot_log.text
    await fake_out.wait_for(lambda line: line == "* the bot disconnected", "disconnect notice")

    fake.stdin.close()  # Ctrl-D
    assert await asyncio.wait_for(fake.wait(), BUDGET) == 0, fake_err.text
    await fake_out.finished()
    await fake_err.finished()
    assert fake_out.lines[-1] == "* fake Discord stopped", fake_out.text
    assert "Traceback" not in fake_err.text and "spec violation" not in fake_err.text, (
        fake_err.text)


async def test_sigterm_stops_the_fake_cleanly(processes: list[asyncio.subprocess.Process]
                                             ) -> None:
    fake, fake_out, fake_err = await start_fake(processes, "--port", "0")
    await fake_out.wait_for(lambda line: PROMPT_DONE in line, "the typing prompt")
    fake.send_signal(signal.SIGTERM)
    assert await asyncio.wait_for(fake.wait(), BUDGET) == 0, fake_err.text
    await fake_out.finished()
    await fake_err.finished()
    assert fake_out.lines[-1] == "* fake Discord stopped"
    assert "Traceback" not in fake_err.text, fake_err.text


async def test_a_taken_port_is_said_plainly(processes: list[asyncio.subprocess.Process]
                                            ) -> None:
    first, first_out, _ = await start_fake(processes, "--port", "0")
    url = await first_out.wait_for(lambda line: "listening on" in line, "the address")
    port = re.search(r":(\d+) ", url)
    assert port is not None, url
    second, _, second_err = await start_fake(processes, "--port", port.group(1))
    assert await asyncio.wait_for(second.wait(), BUDGET) == 1
    await second_err.finished()
    assert "fake Discord could not start" in second_err.text, second_err.text
    assert "Traceback" not in second_err.text, second_err.text
    first.send_signal(signal.SIGTERM)
    assert await asyncio.wait_for(first.wait(), BUDGET) == 0
