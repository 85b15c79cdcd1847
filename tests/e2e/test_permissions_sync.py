"""The moderator groups are hidden from members, and help lists them only for those who may.

Discord hides a command from members lacking its ``default_member_permissions`` (server
admins can still grant it under Server Settings > Integrations); the bot's own checks
stay, so a member who reaches a ``kb`` command anyway is still refused. The payloads
checked are the ones the fake Discord received at sync (``PUT .../commands``).
"""

from __future__ import annotations

import discord
import pytest

from bot.core.advisor import Advisor
from bot.discord_app.client import CareerBot
from tests.e2e.careerbot_fixtures import MESSAGES, embed_text, start_with_moderator_role
from tests.e2e.conftest import RunBot
from tests.fake_discord import FakeDiscord, FakeMember

#: Discord's permission bit for Manage Server, as the API writes it (a string; discord.py
#: sends it as a JSON number, which Discord accepts, so the test compares the text).
MANAGE_GUILD = str(1 << 5)
MODERATOR_GROUPS = {"kb", "config"}
EPHEMERAL = 64


@pytest.fixture
async def bot(fake_discord: FakeDiscord, run_bot: RunBot, advisor: Advisor) -> CareerBot:
    bot, _, _ = await start_with_moderator_role(fake_discord, run_bot, advisor)
    return bot


def by_name(payload: list[dict]) -> dict[str, dict]:
    return {c["name"]: c for c in payload}


async def test_kb_and_config_sync_with_manage_server_as_default_permission(
        fake_discord: FakeDiscord, bot: CareerBot) -> None:
    synced = by_name(fake_discord.synced_commands(guild_id=fake_discord.guild.id))
    assert set(synced) >= MODERATOR_GROUPS
    for name, command in synced.items():
        expected = MANAGE_GUILD if name in MODERATOR_GROUPS else "None"
        assert str(command.get("default_member_permissions")) == expected, name
    # `careerbot sync` (global) sends the same tree.
    await bot.tree.sync()
    synced_globally = by_name(fake_discord.synced_commands(guild_id=None))
    assert {n for n, c in synced_globally.items()
            if str(c.get("default_member_permissions")) == MANAGE_GUILD} == MODERATOR_GROUPS


async def test_the_bots_own_checks_stay(fake_discord: FakeDiscord, bot: CareerBot) -> None:
    """Discord only hides the groups; a member who runs one anyway is still refused."""
    inter = await fake_discord.send_slash_command("config prefix", {"prefix": "?"},
                                                  user=fake_discord.alice)
    callback = await fake_discord.wait_for_interaction_response(inter)
    assert "Nothing was changed" in embed_text(callback["data"])
    assert bot.prefix_for(discord.Object(fake_discord.guild.id)) == "!"


async def prefix_help(server: FakeDiscord, who: FakeMember, text: str = "!help") -> str:
    since = server.mark()
    await server.send_message(author=who, content=text)
    [req] = await server.wait_for_requests("POST", MESSAGES, since=since)
    return embed_text(req.json)


async def slash_help(server: FakeDiscord, who: FakeMember,
                     command: str | None = None) -> tuple[str, bool]:
    inter = await server.send_slash_command("help", {"command": command} if command else {},
                                            user=who)
    callback = await server.wait_for_interaction_response(inter)
    return embed_text(callback["data"]), bool((callback["data"].get("flags") or 0) & EPHEMERAL)


async def test_help_lists_the_moderator_groups_only_for_those_who_may_use_them(
        fake_discord: FakeDiscord, bot: CareerBot) -> None:
    alice, mod, helper = fake_discord.alice, fake_discord.mod, fake_discord.member("helper")
    member_prefix = await prefix_help(fake_discord, alice)
    member_slash, private = await slash_help(fake_discord, alice)
    for text in (member_prefix, member_slash):
        assert "!compare" in text
        assert "!kb" not in text and "!config" not in text and "Moderator commands" not in text
    assert not private

    # Manage Server: both groups.
    for text, private in ((await prefix_help(fake_discord, mod), None),
                          await slash_help(fake_discord, mod)):
        assert "!compare" in text and "Moderator commands" in text
        assert "`!kb`" in text and "`!config`" in text
        assert private in (None, True)
    # A moderator role without Manage Server: kb, and reading the settings only.
    text = await prefix_help(fake_discord, helper)
    assert "`!kb`" in text and "`!config show`" in text and "`!config`:" not in text


async def test_help_on_a_group_lists_its_commands_for_moderators_only(
        fake_discord: FakeDiscord, bot: CareerBot) -> None:
    text = await prefix_help(fake_discord, fake_discord.mod, "!help kb")
    assert "`!kb` commands" in text and "!kb set" in text and "!kb undo" in text
    text, _ = await slash_help(fake_discord, fake_discord.mod, "config")
    assert "`!config` commands" in text and "!config prefix" in text
    text = await prefix_help(fake_discord, fake_discord.alice, "!help kb")
    assert "!kb set" not in text
    assert "I don't have a command called “kb”" in text
