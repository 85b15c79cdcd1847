"""On Discord, a follow-up after a command keeps the command's subject (``!week pm``, then
"and remote?"), because commands and questions share the core's conversation memory."""

from __future__ import annotations

from bot.core.render import pct
from bot.discord_app.client import CareerBot
from tests.conftest import role_file
from tests.e2e.careerbot_fixtures import MESSAGES, embed_text
from tests.fake_discord import FakeDiscord

PM = role_file("ai-product-manager")["stats"][0]


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
