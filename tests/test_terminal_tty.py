"""``careerbot chat`` at a real terminal (a pseudo-terminal): line editing and history
through readline, and bytes that are not UTF-8 answered instead of crashing the loop."""

from __future__ import annotations

import os
import select
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import KNOWLEDGE_DIR

pty = pytest.importorskip("pty")
pytest.importorskip("readline")

#: Generous: only a hang fails on it (the first answer also builds the database).
BUDGET_SECONDS = 90
WEEK_TITLE = b"A week as an AI Product Manager"
PROMPT = b"you> "


class Terminal:
    """The chat running in a pseudo-terminal: type into it, wait for what it prints."""

    def __init__(self, tmp_path: Path) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("CAREERBOT_", "DISCORD_"))}
        env.update(CAREERBOT_DB=str(tmp_path / "kb.db"), CAREERBOT_KNOWLEDGE_DIR=str(KNOWLEDGE_DIR),
                   CAREERBOT_LOG_LEVEL="WARNING", TERM="xterm", LANG="C.UTF-8", LC_ALL="C.UTF-8")
        self.master, slave = pty.openpty()
        self.proc = subprocess.Popen([sys.executable, "-m", "bot", "chat"], stdin=slave,
                                     stdout=slave, stderr=slave, env=env, cwd=tmp_path,
                                     close_fds=True)
        os.close(slave)
        self.seen = b""

    def type(self, data: bytes) -> None:
        os.write(self.master, data)

    def wait_for(self, needle: bytes, count: int = 1) -> bytes:
        deadline = time.monotonic() + BUDGET_SECONDS
        while self.seen.count(needle) < count:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"waited {BUDGET_SECONDS}s for {needle!r}; saw {self.seen[-2000:]!r}")
            ready, _, _ = select.select([self.master], [], [], min(left, 1.0))
            if ready:
                try:
                    self.seen += os.read(self.master, 65536)
                except OSError:  # the child closed the terminal
                    raise AssertionError(f"chat ended; saw {self.seen[-2000:]!r}") from None
        return self.seen

    def close(self) -> int:
        """Ctrl-D at the next prompt (typed earlier, the terminal could still be between
        readline's raw mode and its own, where Ctrl-D is not read as the end)."""
        if not self.seen.rstrip().endswith(PROMPT.rstrip()):
            self.wait_for(PROMPT, count=self.seen.count(PROMPT) + 1)
        self.type(b"\x04")
        try:
            return self.proc.wait(timeout=BUDGET_SECONDS)
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
            os.close(self.master)


@pytest.fixture
def terminal(tmp_path: Path) -> Iterator[Terminal]:
    term = Terminal(tmp_path)
    yield term
    if term.proc.poll() is None:
        term.proc.kill()
        term.proc.wait()


def test_up_arrow_recalls_the_previous_line(terminal: Terminal) -> None:
    terminal.wait_for(b"you> ")
    terminal.type(b"!week pm\r")
    terminal.wait_for(WEEK_TITLE)
    terminal.wait_for(b"you> ", count=2)
    terminal.type(b"\x1b[A\r")  # up arrow, Enter: the same question again
    seen = terminal.wait_for(WEEK_TITLE, count=2)
    assert b"^[[A" not in seen and b"Unknown command" not in seen
    assert b"I couldn't read that line" not in seen
    assert terminal.close() == 0


def test_left_arrow_edits_the_line(terminal: Terminal) -> None:
    terminal.wait_for(b"you> ")
    terminal.type(b"!week p\x1b[D\x1b[Cm\r")  # left, right, then finish the word
    terminal.wait_for(WEEK_TITLE)
    assert terminal.close() == 0


def test_bytes_that_are_not_utf8_get_an_answer_and_the_chat_goes_on(terminal: Terminal) -> None:
    terminal.wait_for(b"you> ")
    terminal.type(b"\xff\xfe caf\xe9\r")
    seen = terminal.wait_for(b"I couldn't read that line")
    assert b"Traceback" not in seen
    terminal.wait_for(b"you> ", count=2)
    terminal.type(b"!week pm\r")
    terminal.wait_for(WEEK_TITLE)
    assert terminal.close() == 0
