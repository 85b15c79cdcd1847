"""``/about`` and ``!about``: version, uptime, gateway latency, what the bot knows.

Only gathers facts: the uptime (from when this cog was loaded, at start), discord.py's
gateway latency, the server count, the server's knowledge view and, for its moderators,
its settings. The wording is ``bot.core.about``'s, shared with ``careerbot about``.
"""

from __future__ import annotations

import time

from discord.ext import commands

from bot.core.about import RuntimeFacts, about, package_version
from bot.discord_app.adapter import actor_from_context
from bot.discord_app.client import CareerBot, shard_latency
from bot.discord_app.hybrid import hybrid_command
from bot.knowledge.guild_settings import GuildSettings
from bot.knowledge.permissions import can_edit

DESCRIPTION = "Version, uptime, latency, and what the bot knows (its sources and roles)."


class About(commands.Cog):
    """What is running and what it knows."""

    def __init__(self, bot: CareerBot) -> None:
        self.bot = bot
        self.started = time.monotonic()
        # The bot's one cooldown for every command (see the Advice cog).
        for command in self.get_commands():
            command._buckets = bot.cooldowns

    def settings_for(self, ctx: commands.Context) -> GuildSettings | None:
        """The server's settings when the asker moderates it (or owns the bot), else None."""
        settings = self.bot.server_settings(ctx.guild.id) if ctx.guild is not None else None
        return settings if settings is not None and can_edit(actor_from_context(ctx), settings) else None

    async def cog_command_error(self, ctx: commands.Context, error: Exception) -> None:
        await self.bot.answer_error(ctx, error)

    @hybrid_command(name="about", description=DESCRIPTION)
    async def about(self, ctx: commands.Context) -> None:
        settings = self.settings_for(ctx)
        runtime = RuntimeFacts(uptime_seconds=time.monotonic() - self.started,
                               latency_seconds=shard_latency(self.bot, ctx.guild),  # its shard's
                               servers=len(self.bot.guilds))
        reply = about(
            self.bot.advisor.knowledge(str(ctx.guild.id) if ctx.guild else None),
            version=package_version(), prefix=self.bot.prefix_for(ctx.guild), runtime=runtime,
            settings=settings, default_prefix=self.bot.settings.prefix,
        )
        # A moderator's answer carries the settings: on a slash command, only they see it.
        await self.bot.send_reply(ctx, reply, ephemeral=settings is not None)


async def setup(bot: CareerBot) -> None:
    await bot.add_cog(About(bot))
