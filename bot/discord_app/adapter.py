"""Translate discord.py objects into core values (the only place that knows both)."""

from __future__ import annotations

import discord
from discord.ext import commands

from bot.core.advisor import Request
from bot.knowledge.permissions import Actor


def request_from_context(ctx: commands.Context, text: str) -> Request:
    """A core Request for ``text`` sent in the context of ``ctx`` (prefix or slash)."""
    return Request(
        text=text,
        user_id=str(ctx.author.id),
        channel_id=str(ctx.channel.id) if ctx.channel else "dm",
        guild_id=str(ctx.guild.id) if ctx.guild else None,
        prefix=ctx.prefix if ctx.interaction is None and ctx.prefix else ctx.bot.prefix_for(ctx.guild),
        is_dm=ctx.guild is None,
    )


def actor_for(user: discord.abc.User, guild_id: int | None,
              owner_ids: frozenset[int]) -> Actor:
    """Who is asking to read or change the knowledge, as the permission rules need it.

    In a server: their Manage Server permission (from their roles, or owning the server)
    and their role ids, which the server's moderator roles are compared with. In a DM
    there is no server, so only the bot's owner (``owner_ids``) may act, on the global base.
    The scope is the raw server id, so a server missing from the cache can never turn an
    owner's edit into a change of the global base.
    """
    member = user if isinstance(user, discord.Member) and guild_id is not None else None
    manage_guild = False
    if member is not None and isinstance(member.guild, discord.Guild):
        manage_guild = member.guild_permissions.manage_guild
    return Actor(
        user_id=str(user.id),
        name=user.display_name,
        guild_id=str(guild_id) if guild_id is not None else None,
        manage_guild=manage_guild,
        role_ids=frozenset(str(r.id) for r in member.roles) if member else frozenset(),
        is_owner=user.id in owner_ids,
        via="discord",
    )


def actor_from_context(ctx: commands.Context) -> Actor:
    """The Actor of a prefix or slash command."""
    if ctx.interaction is not None:
        return actor_from_interaction(ctx.interaction)
    guild_id = ctx.guild.id if ctx.guild is not None else None
    return actor_for(ctx.author, guild_id, ctx.bot.settings.owner_id_set)


def actor_from_interaction(interaction: discord.Interaction) -> Actor:
    """The Actor of an interaction (slash command, autocomplete, button)."""
    return actor_for(interaction.user, interaction.guild_id,
                     interaction.client.settings.owner_id_set)  # type: ignore[attr-defined]
