"""Translate discord.py objects into core Requests (the only place that knows both)."""

from __future__ import annotations

from discord.ext import commands

from bot.core.advisor import Request


def request_from_context(ctx: commands.Context, text: str) -> Request:
    """A core Request for ``text`` sent in the context of ``ctx`` (prefix or slash)."""
    return Request(
        text=text,
        user_id=str(ctx.author.id),
        channel_id=str(ctx.channel.id) if ctx.channel else "dm",
        guild_id=str(ctx.guild.id) if ctx.guild else None,
        prefix=ctx.prefix if ctx.interaction is None and ctx.prefix else ctx.bot.settings.prefix,
        is_dm=ctx.guild is None,
    )
