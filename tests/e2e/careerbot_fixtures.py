"""Start the real careerbot Discord client against the fake Discord server."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from bot.app import create_advisor, create_moderation, open_store
from bot.core.advisor import Advisor
from bot.discord_app.client import CareerBot
from bot.settings import Settings
from tests.e2e.conftest import RunBot
from tests.fake_discord import FakeDiscord

MESSAGES = r"/channels/\d+/messages"
CALLBACK = r"/interactions/\d+/[^/]+/callback"
FIGURE = re.compile(r"\$\d[\d,.]*[KM]?|\d[\d,.]*%|\b\d[\d,]*\b")


def make_settings(server: FakeDiscord, **overrides: Any) -> Settings:
    values: dict[str, Any] = {"prefix": "!", "dev_guild_id": server.guild.id,
                              "discord_token": "fake-token"}
    values.update(overrides)
    return Settings(_env_file=None, **values)


async def start_careerbot(server: FakeDiscord, run_bot: RunBot, advisor: Advisor,
                          **overrides: Any) -> CareerBot:
    bot = CareerBot(advisor, make_settings(server, **overrides))
    await run_bot(bot)
    return bot


def embed_text(payload: dict) -> str:
    """All visible text of the embeds in a message or interaction payload."""
    parts: list[str] = [payload.get("content") or ""]
    for embed in payload.get("embeds") or []:
        parts += [embed.get("title", ""), embed.get("description", "")]
        for field in embed.get("fields", []):
            parts += [field["name"], field["value"]]
        parts.append((embed.get("footer") or {}).get("text", ""))
    return "\n".join(p for p in parts if p)


def figures(text: str) -> list[str]:
    """Every figure in a text (money, percentages, counts), in order."""
    return FIGURE.findall(text)


@pytest.fixture
async def careerbot(fake_discord: FakeDiscord, run_bot: RunBot, advisor: Advisor) -> CareerBot:
    return await start_careerbot(fake_discord, run_bot, advisor)


@pytest.fixture
async def chatbot(fake_discord: FakeDiscord, run_bot: RunBot,
                  tmp_path: Path) -> AsyncIterator[CareerBot]:
    """The bot on its own database in ``tmp_path`` (conversation tests keep their memory
    and settings apart from other tests')."""
    settings = make_settings(fake_discord, db=tmp_path / "kb.db")
    store = open_store(settings)
    bot = CareerBot(create_advisor(settings, store), settings,
                    moderation=create_moderation(settings, store))
    await run_bot(bot)
    yield bot
    store.close()
