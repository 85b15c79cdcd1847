"""The fake Discord on its own, for trying the bot by hand: ``python -m tests.fake_discord``.

Why: the end-to-end tests already run the real bot against the fake; a person trying a
change wants the same without a Discord account, a test server or a token. This starts the
fake on ``127.0.0.1``, prints the settings that point ``careerbot run`` at it, and turns the
terminal into a member of the fake server's ``#general``: a line typed is a message posted
there (MESSAGE_CREATE), and everything the bot posts or edits is printed (content, embed
titles, descriptions and fields, attached file names).

Ctrl-D (end of input), Ctrl-C or SIGTERM stop it. The bot may be stopped and started again
while the fake runs: it simply identifies afresh.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TextIO

from .models import FakeMember
from .server import FakeDiscord

#: The port a person types into ``.env`` once; tests pass ``--port 0`` (a free port).
DEFAULT_PORT = 8080
#: Any token works as long as the bot sends the same one; the fake checks it like Discord.
DEFAULT_TOKEN = "fake-token"
#: The members of the default fake guild a person can type as (``--as``).
MEMBERS = ("alice", "mod", "owner")
#: How long a line typed before the bot connects waits for it (then it is dropped).
CONNECT_WAIT_SECONDS = 300.0
#: Indent of embed lines under the message they belong to.
INDENT = "    "


def bot_environment(server: FakeDiscord, token: str) -> dict[str, str]:
    """The variables ``careerbot run`` reads (bot/settings.py) to use this fake: the token,
    the REST base and first gateway URL (bot/discord_app/runner.py's configure_endpoints),
    and the guild to sync slash commands to at once."""
    return {
        "DISCORD_TOKEN": token,
        "DISCORD_API_BASE": server.base_url,
        "DISCORD_GATEWAY_URL": server.gateway_url,
        "CAREERBOT_DEV_GUILD_ID": str(server.guild.id),
    }


def render_message(msg: dict[str, Any], *, edited: bool = False) -> list[str]:
    """A bot message as terminal lines: the content, then each embed's title, description
    and fields, then attachment names; what a person would read in the Discord client."""
    author = msg.get("author", {}).get("username", "bot")
    head = f"{author}{' (edited)' if edited else ''}:"
    lines = [f"{head} {msg['content']}" if msg.get("content") else head]
    for embed in msg.get("embeds") or []:
        if embed.get("title"):
            lines.append(f"{INDENT}# {embed['title']}")
        for text in (embed.get("description") or "").splitlines():
            lines.append(f"{INDENT}{text}")
        for fld in embed.get("fields") or []:
            lines.append(f"{INDENT}{fld.get('name', '')}:")
            lines.extend(f"{INDENT * 2}{text}" for text in str(fld.get("value", "")).splitlines())
        footer = (embed.get("footer") or {}).get("text")
        if footer:
            lines.append(f"{INDENT}-- {footer}")
    for att in msg.get("attachments") or []:
        lines.append(f"{INDENT}[file] {att.get('filename')}")
    return lines


@dataclass
class Printer:
    """Prints what the bot posted or edited since the last look, and any spec violation or
    fake bug (on stderr), each once."""

    server: FakeDiscord
    out: TextIO
    err: TextIO
    _shown: dict[str, Any] = field(default_factory=dict)  # message id -> edited_timestamp
    _violations: int = 0
    _bugs: int = 0
    _connected: bool = False

    def show_news(self) -> None:
        if self.server.connected != self._connected:
            self._connected = self.server.connected
            state = "connected" if self._connected else "disconnected"
            self._say(self.out, f"* the bot {state}")
        for msg in self.server.bot_messages():
            mid, stamp = msg["id"], msg.get("edited_timestamp")
            if mid in self._shown and self._shown[mid] == stamp:
                continue
            edited = mid in self._shown
            self._shown[mid] = stamp
            if not (msg.get("content") or msg.get("embeds") or msg.get("attachments")):
                continue  # a "thinking..." placeholder; its edit is printed
            self._say(self.out, "\n".join(render_message(msg, edited=edited)))
        for violation in self.server.spec_violations[self._violations :]:
            self._say(self.err, f"! spec violation: {violation}")
        self._violations = len(self.server.spec_violations)
        for bug in self.server.internal_errors[self._bugs :]:
            self._say(self.err, f"! fake Discord bug: {bug}")
        self._bugs = len(self.server.internal_errors)

    @staticmethod
    def _say(stream: TextIO, text: str) -> None:
        print(text, file=stream, flush=True)


def _read_lines(loop: asyncio.AbstractEventLoop, stdin: TextIO,
                put: Callable[[str | None], None]) -> None:
    """Feed stdin lines to the event loop; None at end of input. A daemon thread, so a
    person's unfinished line never keeps the process from exiting."""
    for line in stdin:
        loop.call_soon_threadsafe(put, line.rstrip("\r\n"))
    loop.call_soon_threadsafe(put, None)


async def serve(args: argparse.Namespace, *, stdin: TextIO = sys.stdin,
                out: TextIO = sys.stdout, err: TextIO = sys.stderr) -> int:
    """Run the fake until end of input or a stop signal; 0 when stopped cleanly."""
    server = FakeDiscord(host=args.host, port=args.port, token=args.token)
    member: FakeMember = server.member(args.member)
    await server.start()
    # Signals are caught before the address is printed: whoever reads it may stop us.
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    printer = Printer(server, out, err)
    env = bot_environment(server, args.token)
    print(f"fake Discord listening on {server.root_url} "
          f"(guild {server.guild.name!r}, #{server.text_channel.name})", file=out)
    print("point careerbot at it: put these in .env (or export them), then `careerbot run`:",
          file=out)
    for key, value in env.items():
        print(f"{key}={value}", file=out)
    print(f"lines you type are sent as {member.user.username} in "
          f"#{server.text_channel.name}; Ctrl-D quits", file=out, flush=True)

    lines: asyncio.Queue[str | None] = asyncio.Queue()
    threading.Thread(target=_read_lines, args=(loop, stdin, lines.put_nowait),
                     name="fake-discord-stdin", daemon=True).start()

    async def watch() -> None:
        while True:
            printer.show_news()
            await server.wait_for_change()

    async def talk() -> None:
        while (line := await lines.get()) is not None:
            if not line.strip():
                continue
            if not server.connected:
                print("* waiting for the bot to connect...", file=out, flush=True)
                try:
                    await server.wait_until_connected(timeout=CONNECT_WAIT_SECONDS)
                except TimeoutError:
                    print("* the bot did not connect; line dropped", file=err, flush=True)
                    continue
            try:
                await server.send_message(author=member, content=line)
            except (LookupError, ValueError, RuntimeError) as exc:  # say it, keep typing
                print(f"! not sent: {exc}", file=err, flush=True)

    tasks = [asyncio.create_task(watch()), asyncio.create_task(talk()),
             asyncio.create_task(stop.wait())]
    try:
        await asyncio.wait(tasks[1:], return_when=asyncio.FIRST_COMPLETED)
        # End of input: give the bot's answer to the last line a moment to arrive.
        if not stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), args.linger)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        printer.show_news()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)
        await server.stop()
    print("* fake Discord stopped", file=out, flush=True)
    return 0


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m tests.fake_discord",
        description="Run the fake Discord on its own and talk to careerbot from the terminal.",
    )
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default %(default)s)")
    p.add_argument("--port", type=int, default=DEFAULT_PORT,
                   help="port to listen on; 0 picks a free one (default %(default)s)")
    p.add_argument("--token", default=DEFAULT_TOKEN,
                   help="the bot token the fake accepts (default %(default)s)")
    p.add_argument("--as", dest="member", choices=MEMBERS, default="alice",
                   help="who you type as: alice (a member), mod (Moderator role) or owner")
    p.add_argument("--linger", type=float, default=5.0,
                   help="seconds to keep printing the bot's replies after end of input")
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return asyncio.run(serve(args))
    except OSError as exc:  # e.g. the port is taken: say so, without a traceback
        print(f"fake Discord could not start: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:  # Ctrl-C while starting, before the handler is in place
        return 130
