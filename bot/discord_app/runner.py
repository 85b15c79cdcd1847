"""``careerbot run`` and ``careerbot sync``: start the bot, or sync slash commands globally.

Every failure a bot owner can cause (no token, a wrong token, an unreachable gateway)
ends with one clear line and a non-zero exit, not a traceback.

A stop by SIGTERM (``docker stop``, systemd) or SIGINT (Ctrl-C) is clean: the bot lets
the work in flight finish (an edit or import running in a worker thread, and the reply
that tells its author), for at most ``SHUTDOWN_GRACE_SECONDS``, then closes the gateway
and HTTP session, waits for any worker thread still running, closes the database, logs
one line and exits 0. An edit still running when the grace ends is not cut short: its
thread is waited for, and its transaction either commits or rolls back whole (the write
path is one ``BEGIN IMMEDIATE`` transaction), so the database never holds half an edit.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import signal
import sys
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from types import FrameType
from typing import Any

import discord
import yarl

from bot.health import HEARTBEAT_INTERVAL_SECONDS, HEARTBEAT_POLL_SECONDS, remove_heartbeat, write_heartbeat
from bot.knowledge.store import KnowledgeStore
from bot.settings import Settings

log = logging.getLogger("careerbot.discord")

#: How long a stop waits for work in flight (below Docker's default stop timeout of 10 s).
SHUTDOWN_GRACE_SECONDS = 8.0
#: How often the stop looks whether the work in flight has finished.
DRAIN_POLL_SECONDS = 0.05
#: The signals that stop the bot cleanly.
STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)
#: The names discord.py gives the tasks that handle one event each: event listeners and
#: prefix commands ("discord.py: on_message"), slash commands and button clicks. A stop
#: waits for these (a command sending its reply), not for long-lived ones such as a
#: paginator's timeout.
IN_FLIGHT_TASK_NAMES = ("discord.py: ", "CommandTree-invoker", "discord-ui-view-dispatch-")


def configure_endpoints(settings: Settings) -> None:
    """Point discord.py at a Discord-compatible server when DISCORD_API_BASE/GATEWAY are set."""
    if settings.discord_api_base:
        discord.http.Route.BASE = settings.discord_api_base.rstrip("/")
    if settings.discord_gateway_url:
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(
            settings.discord_gateway_url
        )


class WorkerThreads(ThreadPoolExecutor):
    """The event loop's default executor (``asyncio.to_thread``), counting calls in flight,
    so a stop can wait for a moderator's edit instead of guessing."""

    def __init__(self) -> None:
        super().__init__(thread_name_prefix="careerbot-worker")
        self._count_lock = threading.Lock()
        self._in_flight = 0

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        with self._count_lock:
            self._in_flight += 1
        try:
            future = super().submit(fn, *args, **kwargs)
        except BaseException:
            self._finished(None)
            raise
        future.add_done_callback(self._finished)
        return future

    def _finished(self, _future: Future[Any] | None) -> None:
        with self._count_lock:
            self._in_flight -= 1

    @property
    def in_flight(self) -> int:
        with self._count_lock:
            return self._in_flight


class StopRequest:
    """The first stop signal received (a second one skips the wait for work in flight)."""

    def __init__(self) -> None:
        self.signal_name: str | None = None
        self.requested = asyncio.Event()
        self.hurry = False

    def __call__(self, sig: signal.Signals) -> None:
        if self.signal_name is None:
            self.signal_name = sig.name
            self.requested.set()
        else:
            self.hurry = True


def _connected(bot: discord.Client) -> bool:
    """Ready and every gateway connection open. A sharded bot has no ``bot.ws`` (one
    socket per shard instead), so its shards are asked: one shard down is unhealthy."""
    if not bot.is_ready() or bot.is_closed():
        return False
    if isinstance(bot, discord.AutoShardedClient):
        shards = bot.shards.values()
        return bool(shards) and not any(shard.is_closed() for shard in shards)
    ws = bot.ws
    return ws is not None and ws.open


async def keep_heartbeat(bot: discord.Client, path: Path) -> None:
    """Rewrite ``path`` every HEARTBEAT_INTERVAL_SECONDS while the gateway is up (bot.health)."""
    while not bot.is_closed():
        if _connected(bot):
            latency = bot.latency if math.isfinite(bot.latency) else None
            try:
                write_heartbeat(path, latency_seconds=latency, servers=len(bot.guilds))
            except OSError:
                log.warning("cannot write the heartbeat file %s", path, exc_info=True)
            await asyncio.sleep(HEARTBEAT_INTERVAL_SECONDS)
        else:
            await asyncio.sleep(HEARTBEAT_POLL_SECONDS)


def _work_in_flight(workers: WorkerThreads) -> bool:
    """Worker threads running, or event handlers (a command still sending its reply)."""
    if workers.in_flight:
        return True
    me = asyncio.current_task()
    return any(task is not me and not task.done()
               and task.get_name().startswith(IN_FLIGHT_TASK_NAMES)
               for task in asyncio.all_tasks())


async def _drain(workers: WorkerThreads, stop: StopRequest, grace: float) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + grace
    while _work_in_flight(workers) and not stop.hurry and loop.time() < deadline:
        await asyncio.sleep(DRAIN_POLL_SECONDS)


async def _start(settings: Settings, sync_globally: bool = False, *,
                 store: KnowledgeStore | None = None, stop: StopRequest | None = None,
                 heartbeat: Path | None = None, grace: float = SHUTDOWN_GRACE_SECONDS) -> None:
    """Run the bot until a stop signal (or sync and return). ``store`` is opened here
    when not given (``sync``); ``run_bot`` passes its own and closes it afterwards."""
    from bot.app import create_advisor, create_moderation, open_store
    from bot.discord_app.client import create_bot

    if store is None:
        store = open_store(settings)  # one store: moderators' edits show in the next answer
    stop = stop if stop is not None else StopRequest()
    loop = asyncio.get_running_loop()
    bot = create_bot(create_advisor(settings, store), settings,
                     moderation=create_moderation(settings, store))  # sharded if configured
    async with bot:
        if sync_globally:
            await bot.login(settings.token or "")  # runs setup_hook: loads the commands
            synced = await bot.tree.sync()
            print(f"synced {len(synced)} slash commands globally; they may take up to an hour "
                  "to appear everywhere")
            return
        workers = WorkerThreads()
        loop.set_default_executor(workers)  # asyncio.run waits for it before returning
        installed = []
        for sig in STOP_SIGNALS:
            with contextlib.suppress(NotImplementedError, RuntimeError):  # not on Windows
                loop.add_signal_handler(sig, stop, sig)
                installed.append(sig)
        running = asyncio.create_task(bot.start(settings.token or ""), name="careerbot: gateway")
        beating = asyncio.create_task(keep_heartbeat(bot, heartbeat)) if heartbeat else None
        stopping = asyncio.create_task(stop.requested.wait())
        try:
            await asyncio.wait({running, stopping}, return_when=asyncio.FIRST_COMPLETED)
            if running.done():
                await running  # re-raises a failure to start (a wrong token, no gateway)
                return
            await _drain(workers, stop, grace)
            await bot.close()
            try:
                await running
            except Exception:  # a login or connect cut short by the stop: expected, not news
                log.debug("start ended while stopping", exc_info=True)
        finally:
            for task in (stopping, beating):
                if task is not None:
                    task.cancel()
            for sig in installed:
                loop.remove_signal_handler(sig)
                # Closing goes on (worker threads, the database): a second signal must not
                # cut it short; run_bot puts the previous handlers back afterwards.
                signal.signal(sig, signal.SIG_IGN)
            if heartbeat is not None:
                remove_heartbeat(heartbeat)


#: What the owner can do about the gateway close codes discord.py does not retry.
GATEWAY_REFUSALS = {
    4010: "Discord refused the shards asked for (CAREERBOT_SHARD_COUNT, CAREERBOT_SHARD_IDS); "
          "give every process the same count, and ids from 0 to count - 1.",
    4011: "Discord requires shards for a bot in this many servers (over 2,500): set "
          "CAREERBOT_SHARD_COUNT (see \"Scale\" in the README).",
}


def gateway_refusal(code: int) -> str:
    """One line for a gateway close code that ends the run (the token's and the intents'
    have their own lines above)."""
    return GATEWAY_REFUSALS.get(code, f"Discord closed the gateway connection (code {code}).")


def run_bot(settings: Settings, *, sync_globally: bool = False, heartbeat: Path | None = None,
            grace: float = SHUTDOWN_GRACE_SECONDS) -> int:
    if not settings.token:
        print("careerbot: DISCORD_TOKEN is not set; put it in .env (see .env.example). "
              "`careerbot chat` works offline without it.", file=sys.stderr)
        return 2
    from bot.app import open_store

    configure_endpoints(settings)
    stop = StopRequest()

    def interrupt(signum: int, _frame: FrameType | None) -> None:
        """Before the event loop runs (building the database, say): stop right there."""
        stop.signal_name = stop.signal_name or signal.Signals(signum).name
        raise KeyboardInterrupt

    # Python lets only the main thread set handlers (the console script always is).
    main_thread = threading.current_thread() is threading.main_thread()
    previous = {signal.SIGTERM: signal.signal(signal.SIGTERM, interrupt),
                signal.SIGINT: signal.getsignal(signal.SIGINT)} if main_thread else {}
    store = None
    try:
        store = open_store(settings)  # closed below, once every worker thread has finished
        asyncio.run(_start(settings, sync_globally, store=store, stop=stop,
                           heartbeat=heartbeat, grace=grace))
    except discord.LoginFailure:
        print("careerbot: Discord rejected the token (DISCORD_TOKEN); copy it again from the "
              "developer portal, Bot > Reset Token.", file=sys.stderr)
        return 2
    except discord.PrivilegedIntentsRequired:
        print("careerbot: enable the Message Content intent for the bot in the developer portal "
              "(Bot > Privileged Gateway Intents).", file=sys.stderr)
        return 2
    except discord.ConnectionClosed as exc:
        print(f"careerbot: {gateway_refusal(exc.code)}", file=sys.stderr)
        return 2
    except (OSError, discord.GatewayNotFound, discord.HTTPException) as exc:
        print(f"careerbot: cannot reach Discord: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        stop.signal_name = stop.signal_name or signal.SIGINT.name
    finally:
        if store is not None:
            store.close()  # after asyncio.run has waited for every worker thread
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    if stop.signal_name is not None:
        log.info("stopped on %s: gateway and database closed", stop.signal_name)
    return 0
