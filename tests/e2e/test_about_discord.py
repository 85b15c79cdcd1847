"""``/about`` and ``!about`` end to end: the real bot on the fake Discord.

A member sees what is running and what it knows; moderators (Manage Server, or one of
the server's moderator roles) also see the server's settings, privately on a slash
command. The fake's gateway heartbeats every 50 ms here, so discord.py has measured a
real latency by the time the test asks.
"""

from __future__ import annotations

import asyncio
import math
import re
import sqlite3

import pytest

from bot.core.about import knowledge_date, package_version
from bot.core.advisor import Advisor
from bot.discord_app.client import CareerBot
from bot.knowledge.permissions import Actor
from tests.e2e.careerbot_fixtures import MESSAGES, embed_text, start_with_moderator_role
from tests.e2e.conftest import RunBot
from tests.fake_discord import FakeDiscord, FakeMember, FakeRole

EPHEMERAL = 64
SETTINGS_HEADING = "This server's settings"


#: A fast heartbeat, so discord.py has measured the gateway latency when /about is asked.
pytestmark = pytest.mark.fake_discord(heartbeat_interval_ms=50)


class Cast:
    def __init__(self, server: FakeDiscord, bot: CareerBot, helpers: FakeRole) -> None:
        self.server = server
        self.bot = bot
        self.helpers = helpers
        self.alice = server.alice
        self.mod = server.mod
        self.helper = server.member("helper")

    async def prefix(self, who: FakeMember, text: str = "!about") -> dict:
        since = self.server.mark()
        await self.server.send_message(author=who, content=text)
        [req] = await self.server.wait_for_requests("POST", MESSAGES, since=since)
        return req.json

    async def slash(self, who: FakeMember) -> dict:
        inter = await self.server.send_slash_command("about", {}, user=who)
        callback = await self.server.wait_for_interaction_response(inter)
        assert callback["type"] == 4, callback
        return callback["data"]


@pytest.fixture
async def cast(fake_discord: FakeDiscord, run_bot: RunBot, advisor: Advisor) -> Cast:
    bot, helpers, manager = await start_with_moderator_role(fake_discord, run_bot, advisor)
    for reply in (bot.moderation.config_channel(manager, "add", fake_discord.text_channel.id),
                  bot.moderation.config_unasked(manager, False)):
        assert reply.kind != "error", reply
    for _ in range(200):  # the first heartbeat acknowledgement gives discord.py its latency
        if math.isfinite(bot.latency):
            break
        await asyncio.sleep(0.01)
    return Cast(fake_discord, bot, helpers)


def field(payload: dict, name: str) -> str:
    [embed] = payload["embeds"]
    values = [f["value"] for f in embed.get("fields", []) if f["name"] == name]
    assert len(values) == 1, (name, embed)
    return values[0]


def assert_common(payload: dict, advisor: Advisor) -> None:
    knowledge = advisor.knowledge()
    text = embed_text(payload)
    assert payload["embeds"][0]["title"] == "About careerbot"
    assert field(payload, "Version") == package_version()
    assert field(payload, "Roles") == str(len(knowledge.roles))
    assert field(payload, "Knowledge as of") == knowledge_date(knowledge)
    assert re.fullmatch(r"\d+ s|\d+ min( \d+ s)?", field(payload, "Uptime"))
    assert re.fullmatch(r"\d+ ms", field(payload, "Gateway latency"))
    assert field(payload, "Servers") == "1"
    for source in knowledge.sources.values():
        assert source.date in text
        assert source.name.split(",")[0].replace("*", "\\*") in text
    assert "MIT" in payload["embeds"][0]["footer"]["text"]


async def test_a_member_sees_version_uptime_latency_and_knowledge_but_no_settings(
        cast: Cast, advisor: Advisor) -> None:
    for payload in (await cast.prefix(cast.alice), await cast.slash(cast.alice)):
        assert_common(payload, advisor)
        text = embed_text(payload)
        assert SETTINGS_HEADING not in text
        assert str(cast.server.text_channel.id) not in text
        assert str(cast.helpers.id) not in text
        assert not (payload.get("flags") or 0) & EPHEMERAL  # nothing private: for the channel


@pytest.mark.parametrize("who", ["mod", "helper"])
async def test_a_moderator_also_sees_the_servers_settings(cast: Cast, advisor: Advisor,
                                                          who: str) -> None:
    """``mod`` has Manage Server; ``helper`` only the server's moderator role."""
    member = cast.server.member(who)
    slash = await cast.slash(member)
    assert slash["flags"] & EPHEMERAL  # the settings are for the moderator only
    for payload in (await cast.prefix(member), slash):
        assert_common(payload, advisor)
        [embed] = payload["embeds"]
        [settings] = [f["value"] for f in embed["fields"] if f["name"].startswith(SETTINGS_HEADING)]
        assert "Command prefix: `!` (the default)" in settings
        assert f"Q&A channels: <#{cast.server.text_channel.id}>" in settings
        assert f"Moderator roles: <@&{cast.helpers.id}>" in settings
        assert "Unasked answers in Q&A channels: off" in settings


async def test_about_answers_in_a_servers_own_prefix(cast: Cast) -> None:
    manager = Actor(user_id="1", name="owner", guild_id=str(cast.server.guild.id),
                    manage_guild=True)
    assert cast.bot.moderation.config_prefix(manager, "?").kind != "error"
    payload = await cast.prefix(cast.alice, "?about")
    assert "`?help` lists the commands" in embed_text(payload)


async def test_unreadable_settings_fall_back_to_the_defaults_not_an_error(
        cast: Cast, advisor: Advisor, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    """When the server's settings cannot be read, commands keep the default prefix, help
    still answers, and /about answers a moderator without a settings section."""

    def unreadable(guild_id: object) -> None:
        raise sqlite3.DatabaseError("disk I/O error")

    monkeypatch.setattr(cast.bot.moderation, "settings", unreadable)
    assert cast.bot.server_settings(cast.server.guild.id) is None
    assert cast.bot.prefix_for(cast.server.guild) == "!"
    payload = await cast.prefix(cast.mod)
    assert_common(payload, advisor)
    assert SETTINGS_HEADING not in embed_text(payload)
    help_payload = await cast.prefix(cast.mod, "!help")
    assert "!compare" in embed_text(help_payload)
    assert "cannot read the settings of server" in caplog.text
