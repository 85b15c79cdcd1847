"""A fake Discord server for end-to-end tests of discord.py bots.

Runs the real discord.py client in-process against a local REST + gateway server on
127.0.0.1, so tests exercise the same code paths as production (command parsing,
interactions, retries, payload building) with no network and no Discord account.

Quick start (see ``tests/e2e/conftest.py`` for ready-made fixtures)::

    from tests.fake_discord import FakeDiscord, patch_discord, run_client, stop_client

    async with FakeDiscord() as server:
        with patch_discord(server):
            task = await run_client(bot, server)
            await server.send_message(author=server.alice, content="!ping")
            [req] = await server.wait_for_requests("POST", r"/channels/\\d+/messages")
            assert req.json["content"] == "pong"
            await stop_client(bot, task)
"""

from .harness import fast_retries, patch_discord, run_client, stop_client
from .models import (
    ChannelType,
    FakeAttachment,
    FakeChannel,
    FakeGuild,
    FakeMember,
    FakeRole,
    FakeUser,
    Perm,
    snowflake,
)
from .server import (
    DiscordError,
    FakeDiscord,
    FakeInteraction,
    Injection,
    Intent,
    RecordedFile,
    RecordedRequest,
    SpecViolation,
)
from .spec import require_spec, spec_available, validate_request

__all__ = [
    "ChannelType",
    "DiscordError",
    "FakeAttachment",
    "FakeChannel",
    "FakeDiscord",
    "FakeGuild",
    "FakeInteraction",
    "FakeMember",
    "FakeRole",
    "FakeUser",
    "Injection",
    "Intent",
    "Perm",
    "RecordedFile",
    "RecordedRequest",
    "SpecViolation",
    "fast_retries",
    "patch_discord",
    "require_spec",
    "run_client",
    "snowflake",
    "spec_available",
    "stop_client",
    "validate_request",
]
