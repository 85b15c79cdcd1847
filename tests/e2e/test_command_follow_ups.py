"""On Discord, a follow-up after a command keeps the command's subject (``!week pm``, then
"and remote?"), because commands and questions share the core's conversation memory."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.app import create_advisor, create_moderation, open_store
from bot.core.render import pct
from bot.discord_app.client import CareerBot
from tests.conftest import role_file
from tests.e2e.careerbot_fixtures import MESSAGES, embed_text, make_settings
from tests.e2e.conftest import RunBot
from tests.fake_discord import FakeDiscord

PM = role_file("ai-product-manager")["stats"][0]


@pytest.fixture
async def chatbot(fake_discord: FakeDiscord, run_bot: RunBot,
                  tmp_path: Path) -> AsyncIterator[CareerBot]:
    settings = make_settings(fake_discord, db=tmp_path / "kb.db")
    store = open_store(settings)
    bot = CareerBot(create_advisor(settings, store), settings,
                    moderation=create_moderation(settings, store))
    await run_bot(bot)
    yield bot
    store.close()


async def test_a_mention_after_a_prefix_command_keeps_its_role(fake_discord: FakeDiscord,
                                                              chatbot: CareerBot) -> None:
    await fake_discord.send_message(author=fake_discord.alice, content="!week pm")
    [week] = await fake_discord.wait_for_requests("POST", MESSAGES)
    assert "A week as an AI Product Manager" in embed_text(week.json)
    before = fake_discord.mark()
    me = fake_discord.bot_user.id
    await fake_discord.send_message(author=fake_discord.alice, content=f"<@{me}> and remote?")
    [follow] = await fake_discord.wait_for_requests("POST", MESSAGES, since=before)
    text = embed_text(follow.json)
    assert "AI Product Manager" in text and pct(PM["remote_pct"]) in text
