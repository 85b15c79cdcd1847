"""``/salary`` and ``!salary`` with a survey cut, through the real discord.py client."""

from __future__ import annotations

import yaml

from bot.core.render import money
from bot.discord_app.client import CareerBot
from bot.knowledge.survey_cuts import CUTS_DIR
from tests.conftest import KNOWLEDGE_DIR
from tests.e2e.careerbot_fixtures import MESSAGES, embed_text
from tests.fake_discord import FakeDiscord

CUTS = yaml.safe_load(sorted((KNOWLEDGE_DIR / CUTS_DIR).glob("*.yaml"))[-1]
                      .read_text(encoding="utf-8"))


async def test_slash_salary_takes_a_level(fake_discord: FakeDiscord, careerbot: CareerBot) -> None:
    inter = await fake_discord.send_slash_command(
        "salary", {"role": "ds", "level": "entry"}, user=fake_discord.alice)
    callback = await fake_discord.wait_for_interaction_response(inter)
    text = embed_text(callback["data"])
    cell = CUTS["roles"]["data-scientist"]["level"]["entry"]
    assert money(cell["median"]) in text and "entry level" in text
    assert f"{cell['n']:,} survey responses" in text


async def test_slash_salary_bad_country_is_a_private_error(fake_discord: FakeDiscord,
                                                           careerbot: CareerBot) -> None:
    inter = await fake_discord.send_slash_command(
        "salary", {"role": "ds", "country": "atlantis"}, user=fake_discord.alice)
    callback = await fake_discord.wait_for_interaction_response(inter)
    assert callback["data"].get("flags", 0) & 64  # errors go to the asker only
    assert "atlantis" in embed_text(callback["data"]) and "uk" in embed_text(callback["data"])


async def test_prefix_salary_with_a_country(fake_discord: FakeDiscord, careerbot: CareerBot) -> None:
    await fake_discord.send_message(author=fake_discord.alice, content="!salary mle country:uk")
    [req] = await fake_discord.wait_for_requests("POST", MESSAGES)
    text = embed_text(req.json)
    cell = CUTS["roles"]["machine-learning-engineer"]["country"]["GB"]
    assert money(cell["median"]) in text and "UK companies" in text
