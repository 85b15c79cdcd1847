"""Start-up on the fake Discord (issue 16, item 5): the ready wait fits the intents, and the
templates compile in a worker thread after connecting, with answers right away.

No timing is asserted: the tests check which wait discord.py is given and the order of
events (ready and a correct answer while the warming is still held back).
"""

from __future__ import annotations

import asyncio
import threading

from bot.core import render
from bot.core.advisor import Advisor
from bot.discord_app import client as client_mod
from bot.discord_app.client import CareerBot
from bot.settings import DEFAULT_GUILD_READY_TIMEOUT
from tests.e2e.careerbot_fixtures import MESSAGES, embed_text, make_settings
from tests.e2e.conftest import RunBot
from tests.e2e.test_careerbot_commands import seed_figures
from tests.fake_discord import FakeDiscord

#: A generous budget for a hang, never a timing assertion.
HANG_BUDGET_S = 30.0


def test_the_ready_wait_is_the_setting_not_discord_pys_two_seconds(
        fake_discord: FakeDiscord, advisor: Advisor) -> None:
    default = CareerBot(advisor, make_settings(fake_discord))
    assert default._connection.guild_ready_timeout == DEFAULT_GUILD_READY_TIMEOUT < 2.0
    chosen = CareerBot(advisor, make_settings(fake_discord, guild_ready_timeout=0.25))
    assert chosen._connection.guild_ready_timeout == 0.25
    # A caller's explicit option still wins (tests and tools pass their own).
    explicit = CareerBot(advisor, make_settings(fake_discord), guild_ready_timeout=0.1)
    assert explicit._connection.guild_ready_timeout == 0.1


async def test_the_bot_becomes_ready_with_its_own_wait(
        fake_discord: FakeDiscord, run_bot: RunBot, advisor: Advisor) -> None:
    """Started without the harness's override, discord.py's ready path uses the setting."""
    bot = CareerBot(advisor, make_settings(fake_discord, guild_ready_timeout=0.2))
    await run_bot(bot, guild_ready_timeout=None, timeout=HANG_BUDGET_S)
    assert bot.is_ready()
    assert bot._connection.guild_ready_timeout == 0.2
    assert [g.id for g in bot.guilds] == [fake_discord.guild.id]


async def test_templates_compile_off_the_loop_after_connecting_and_answers_do_not_wait(
        fake_discord: FakeDiscord, run_bot: RunBot, advisor: Advisor, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    render.environment.cache_clear()  # nothing compiled yet, as in a new process
    started, release = threading.Event(), threading.Event()
    ran_on: list[int] = []
    compiled: list[int] = []

    def held_warm() -> int:
        ran_on.append(threading.get_ident())
        started.set()
        release.wait(HANG_BUDGET_S)
        compiled.append(render.warm_templates())
        return compiled[-1]

    monkeypatch.setattr(client_mod, "warm_templates", held_warm)
    loop_thread = threading.get_ident()
    bot = CareerBot(advisor, make_settings(fake_discord))
    await run_bot(bot, timeout=HANG_BUDGET_S)
    assert bot.is_ready()
    await asyncio.wait_for(asyncio.to_thread(started.wait), HANG_BUDGET_S)
    assert ran_on and ran_on[0] != loop_thread  # a worker thread, not the event loop
    assert bot._templates_warming is not None and not bot._templates_warming.done()

    # Ready, and the first answer is complete and correct while the warming is held back.
    await fake_discord.send_message(author=fake_discord.alice, content="!compare mlops pm")
    [req] = await fake_discord.wait_for_requests("POST", MESSAGES)
    text = embed_text(req.json)
    assert "MLOps Engineer vs AI Product Manager" in text
    for figure in seed_figures():
        assert figure in text
    assert not compiled

    release.set()
    await asyncio.wait_for(bot._templates_warming, HANG_BUDGET_S)
    assert compiled and compiled[0] == len(render.environment().list_templates(extensions=["j2"]))
