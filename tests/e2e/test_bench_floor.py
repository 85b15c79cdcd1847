"""The benchmark's floor is discord.py's own: ``bench.discord_rt.PlainBot``.

Every dispatch figure in the README is a ratio to this bot, so if careerbot's cogs,
listeners or overrides crept into it the ratios would shrink without anyone noticing.
"""

from __future__ import annotations

import asyncio

from discord.ext import commands

from bench.discord_rt import CAREERBOT_FLOOR, DISPATCH_LABELS, PLAIN_FLOOR, BenchBot, PlainBot
from bot.discord_app.client import CareerBot, intents
from tests.e2e.conftest import RunBot
from tests.fake_discord import FakeDiscord

#: Overridable hooks a bot can use to add per-message work.
_HOOKS = ("on_message", "process_commands", "get_context", "invoke", "get_prefix",
          "on_command_error", "setup_hook")


def test_plain_floor_is_a_bare_commands_bot() -> None:
    bot = PlainBot(prefix="!")
    assert not issubclass(PlainBot, CareerBot)
    assert not any(cls.__module__.startswith("bot.") for cls in PlainBot.__mro__)
    assert bot.cogs == {}
    assert {c.name for c in bot.walk_commands()} == {"noop"}
    assert bot.extra_events == {}  # no listeners at all, careerbot's or any other
    for hook in _HOOKS:
        assert getattr(PlainBot, hook) is getattr(commands.Bot, hook), hook
    assert bot.intents == intents()  # careerbot's intents, so the same events arrive
    assert bot.command_prefix == "!"


def test_floor_rows_are_the_plain_bot_and_careerbots_own() -> None:
    assert DISPATCH_LABELS[0] == PLAIN_FLOOR
    assert CAREERBOT_FLOOR in DISPATCH_LABELS
    assert issubclass(BenchBot, CareerBot)


async def test_plain_floor_runs_its_noop_and_sends_nothing(fake_discord: FakeDiscord,
                                                           run_bot: RunBot) -> None:
    bot = PlainBot(prefix="!")
    await run_bot(bot)
    mark = fake_discord.mark()
    await fake_discord.send_message(author=fake_discord.alice, content="!noop")

    async def ran() -> None:
        while bot.noops == 0:
            await asyncio.sleep(0.01)

    await asyncio.wait_for(ran(), 10)  # a budget against a hang, not a timing
    assert bot.noops == 1
    assert fake_discord.find_requests("POST", since=mark) == []
