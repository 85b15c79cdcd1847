"""No two commands or aliases collide, in the core registry or on Discord."""

from __future__ import annotations

from collections import Counter

from bot.core.commands import COMMANDS, find_command


def test_core_names_and_aliases_are_unique() -> None:
    names = Counter(n for spec in COMMANDS for n in (spec.name, *spec.aliases))
    assert [n for n, c in names.items() if c > 1] == []
    for spec in COMMANDS:
        for name in (spec.name, *spec.aliases):
            assert find_command(name) is spec


async def test_discord_commands_and_aliases_are_unique(advisor) -> None:
    from bot.discord_app.client import CareerBot
    from bot.settings import Settings

    bot = CareerBot(advisor, Settings(_env_file=None, discord_token="x"))
    try:
        for extension in ("bot.discord_app.cogs.advice", "bot.discord_app.cogs.moderation",
                          "bot.discord_app.cogs.conversation"):
            await bot.load_extension(extension)  # discord.py refuses a clashing alias
        top = Counter(n for c in bot.commands for n in (c.name, *c.aliases))
        assert [n for n, c in top.items() if c > 1] == []
        assert {spec.name for spec in COMMANDS} <= {c.name for c in bot.commands}
        slash = [c.name for c in bot.tree.get_commands()]
        assert len(slash) == len(set(slash))
    finally:
        await bot.close()
