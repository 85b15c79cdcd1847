"""Point discord.py at a :class:`FakeDiscord` and run a real client against it.

discord.py has no "base URL" option; its endpoints are class attributes. These helpers set
them for the duration of a test and put them back afterwards, so one test's fake server
can never leak into another test (or into a real run).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import types
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import discord
import discord.asset
import discord.gateway
import discord.http
import discord.webhook.async_
import yarl

if TYPE_CHECKING:
    from .server import FakeDiscord

__all__ = ["fast_retries", "patch_discord", "run_client", "stop_client"]

log = logging.getLogger("fake_discord")


@contextlib.contextmanager
def patch_discord(server: FakeDiscord) -> Iterator[FakeDiscord]:
    """Route discord.py's REST, gateway and CDN URLs to ``server``; restore them on exit.

    * ``discord.http.Route.BASE``: every REST call, including interaction callbacks and
      webhook follow-ups (the webhook adapter builds its URLs from the same ``Route``).
    * ``discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY``: the first gateway connection of
      a non-sharded Client (it does not ask ``GET /gateway``). Later reconnects use READY's
      ``resume_gateway_url``, which the server points at itself.
    * ``discord.asset.Asset.BASE``: avatar/icon URLs, so an accidental ``Asset.read()``
      hits the fake (404) instead of the internet.
    """
    saved = (
        discord.http.Route.BASE,
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY,
        discord.asset.Asset.BASE,
    )
    discord.http.Route.BASE = server.base_url
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(server.gateway_url)
    discord.asset.Asset.BASE = server.cdn_url
    try:
        yield server
    finally:
        (
            discord.http.Route.BASE,
            discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY,
            discord.asset.Asset.BASE,
        ) = saved


class _ScaledAsyncio(types.ModuleType):
    """Stands in for the ``asyncio`` module inside discord.py's HTTP modules, with
    ``sleep`` scaled; everything else is the real asyncio."""

    def __init__(self, factor: float) -> None:
        super().__init__("asyncio")
        self._factor = factor

    def __getattr__(self, name: str) -> Any:
        return getattr(asyncio, name)

    async def sleep(self, delay: float, result: Any = None) -> Any:
        return await asyncio.sleep(delay * self._factor, result)


@contextlib.contextmanager
def fast_retries(factor: float = 0.01) -> Iterator[None]:
    """Shrink discord.py's HTTP retry and rate-limit sleeps by ``factor``.

    Why: discord.py retries 500/502/504/524 five times, sleeping 1 + 2*n seconds (25 s in
    all), and sleeps ``retry_after`` on 429. Testing "the send finally fails after
    retries" would otherwise take half a minute. Only ``discord.http`` and discord.py's
    webhook adapter (interaction follow-ups) see the scaled sleep; the gateway, the bot and
    the test keep real time.
    """
    modules = (discord.http, discord.webhook.async_)
    saved = [m.asyncio for m in modules]  # type: ignore[attr-defined]
    scaled = _ScaledAsyncio(factor)
    for m in modules:
        m.asyncio = scaled  # type: ignore[attr-defined]
    try:
        yield
    finally:
        for m, original in zip(modules, saved, strict=True):
            m.asyncio = original  # type: ignore[attr-defined]


async def run_client(
    client: discord.Client,
    server: FakeDiscord,
    token: str = "fake-token",
    *,
    timeout: float = 5.0,
    guild_ready_timeout: float | None = 0.05,
    skip_reidentify_delay: bool = True,
) -> asyncio.Task[None]:
    """Start ``client.start(token)`` in a task and return it once the client is ready.

    ``guild_ready_timeout``: discord.py waits this long after the last GUILD_CREATE before
    firing ``on_ready`` (2 s by default, to collect guilds that stream in). The fake sends
    all guilds right after READY, so 50 ms is plenty and boots take well under a second.
    Pass None to keep the client's own setting.

    ``skip_reidentify_delay``: discord.py's default ``Client.before_identify_hook`` sleeps
    5 s before every IDENTIFY except the first (after an invalid session, op 9), which
    would make such a test take 5 s. Unless the bot overrides the hook itself, it is
    replaced on this client instance by one that does not wait.

    Raises the client's own exception if it stops before becoming ready (e.g. LoginFailure
    for a wrong token), or TimeoutError after ``timeout`` seconds. Must be called with
    :func:`patch_discord` active for the same server (checked, since forgetting it would
    send the test's requests to the real Discord).
    """
    if server.base_url != discord.http.Route.BASE:
        raise RuntimeError(
            "discord.py is not pointed at this FakeDiscord; use `with patch_discord(server):` "
            "(the fake_discord fixture does this)"
        )
    if guild_ready_timeout is not None:
        client._connection.guild_ready_timeout = guild_ready_timeout
    if skip_reidentify_delay and (
        type(client).before_identify_hook is discord.Client.before_identify_hook
    ):
        client.before_identify_hook = _identify_at_once  # type: ignore[method-assign]
    task = asyncio.create_task(client.start(token), name=f"fake-discord:{client!r}")
    ready = asyncio.create_task(_wait_ready(client), name="fake-discord:wait-ready")
    done, _ = await asyncio.wait(
        {task, ready}, timeout=timeout, return_when=asyncio.FIRST_COMPLETED
    )
    if ready in done:
        return task
    ready.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await ready
    if task in done:
        exc = task.exception()
        if exc is not None:
            raise exc
        raise RuntimeError("client.start() returned before the client became ready")
    await stop_client(client, task)
    raise TimeoutError(f"client not ready within {timeout}s")


async def _identify_at_once(shard_id: int | None, *, initial: bool = False) -> None:
    return None


async def _wait_ready(client: discord.Client) -> None:
    # Client._ready (the Event wait_until_ready uses) only exists once start() has run
    # its async setup; wait_until_ready() raises before that.
    while client._ready is discord.utils.MISSING:
        await asyncio.sleep(0.001)
    await client.wait_until_ready()


async def stop_client(
    client: discord.Client, task: asyncio.Task[None] | None = None, *, timeout: float = 5.0
) -> None:
    """Close the client (websocket, HTTP session) and wait for its ``start()`` task to end,
    so no "Unclosed client session" or pending-task warnings leak into later tests."""
    if not client.is_closed():
        await client.close()
    if task is None:
        return
    try:
        await asyncio.wait_for(task, timeout)
    except (asyncio.CancelledError, TimeoutError):
        task.cancel()
    except Exception:  # the client failed; the test has its own assertions
        log.debug("client task ended with an error", exc_info=True)
