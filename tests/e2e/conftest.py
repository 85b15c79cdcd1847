"""Fixtures for end-to-end tests against the fake Discord server.

``fake_discord``: a started :class:`FakeDiscord` with discord.py patched to use it, stopped
and unpatched at teardown. It validates every body the bot sends against Discord's OpenAPI
spec and fails the test at teardown if any body was invalid, so every end-to-end test also
checks payloads; mark a test ``@pytest.mark.allow_spec_violations`` when it sends invalid
bodies on purpose. It also fails on errors inside the fake itself (``internal_errors``), so
a harness bug is never mistaken for a bot bug.

``run_bot``: ``await run_bot(bot)`` logs ``bot`` in and waits for READY; the bot is closed
at teardown (before the server stops) so no aiohttp session or task outlives the test.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import discord
import pytest

from tests.fake_discord import FakeDiscord, patch_discord, run_client, stop_client

RunBot = Callable[..., Awaitable[Any]]


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "allow_spec_violations: the test sends bodies Discord's spec rejects on purpose",
    )
    config.addinivalue_line(
        "markers",
        "fake_discord(**options): options for the test's FakeDiscord (e.g. heartbeat_interval_ms)",
    )


@pytest.fixture
async def fake_discord(request: pytest.FixtureRequest) -> AsyncIterator[FakeDiscord]:
    marker = request.node.get_closest_marker("fake_discord")
    server = FakeDiscord(validate=True, **(marker.kwargs if marker else {}))
    await server.start()
    try:
        with patch_discord(server):
            yield server
    finally:
        await server.stop()
    assert not server.internal_errors, "bug in the fake server:\n" + "\n".join(
        server.internal_errors
    )
    if request.node.get_closest_marker("allow_spec_violations") is None:
        server.assert_no_spec_violations()


@pytest.fixture
async def run_bot(fake_discord: FakeDiscord) -> AsyncIterator[RunBot]:
    running: list[tuple[discord.Client, Any]] = []

    async def start(bot: discord.Client, **kwargs: Any) -> discord.Client:
        task = await run_client(bot, fake_discord, **kwargs)
        running.append((bot, task))
        return bot

    yield start
    for bot, task in reversed(running):
        await stop_client(bot, task)


# careerbot's own fixtures (the real bot on the fake server) live beside the harness's.
from tests.e2e.careerbot_fixtures import careerbot, chatbot  # noqa: E402, F401
