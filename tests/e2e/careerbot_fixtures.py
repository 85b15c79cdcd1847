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
from bot.knowledge.permissions import Actor
from bot.settings import Settings
from tests.e2e.conftest import RunBot
from tests.fake_discord import FakeDiscord, FakeMember, FakeRole, FakeUser, Perm

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


async def start_with_moderator_role(server: FakeDiscord, run_bot: RunBot,
                                    advisor: Advisor) -> tuple[CareerBot, FakeRole, Actor]:
    """The bot with moderation, in a server where a "Helpers" role (a member's permissions
    only) is a moderator role and a member "helper" holds it; also the owner as an Actor."""
    helpers = FakeRole(name="Helpers", permissions=int(Perm.member_default()), position=1)
    server.guild.roles.append(helpers)
    server.guild.members.append(
        FakeMember(FakeUser(username="helper", global_name="Helper"), roles=[helpers.id]))
    settings = make_settings(server)
    bot = CareerBot(advisor, settings, moderation=create_moderation(settings, advisor.store))
    await run_bot(bot)
    manager = Actor(user_id=str(server.owner.id), name="owner", guild_id=str(server.guild.id),
                    manage_guild=True)
    reply = bot.moderation.config_modrole(manager, "add", helpers.id)
    assert reply.kind != "error", reply
    return bot, helpers, manager
