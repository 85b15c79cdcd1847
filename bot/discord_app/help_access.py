"""``help`` for moderators on Discord: the general help plus the groups they may use.

Members get the core's help unchanged (the ``kb`` and ``config`` groups are not in it);
whoever may use a group (``bot.knowledge.permissions``: moderators of the server, Manage
Server, the bot's owner) also sees it listed, and ``help kb`` / ``help config`` list
that group's commands. Same for ``!help`` and ``/help``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from discord.ext import commands

from bot.core.moderator_help import GroupAccess, group_of, with_moderator_commands
from bot.discord_app.adapter import actor_from_context
from bot.knowledge.guild_settings import GuildSettings
from bot.knowledge.permissions import can_configure, can_edit

if TYPE_CHECKING:
    from bot.discord_app.client import CareerBot


def group_access(bot: CareerBot, ctx: commands.Context) -> GroupAccess:
    """Which moderator groups the asker may use here (none when settings cannot be read
    and they lack Manage Server: the bot's own checks would refuse them anyway)."""
    actor = actor_from_context(ctx)
    settings = bot.server_settings(actor.guild_id) or GuildSettings(actor.guild_id)
    kb = can_edit(actor, settings)
    return GroupAccess(kb=kb, config_show=kb and actor.guild_id is not None,
                       config_change=can_configure(actor))


async def moderator_help(bot: CareerBot, ctx: commands.Context, topic: str | None) -> bool:
    """Answer ``help [topic]`` for someone who may use a moderator group; False to leave
    it to the core's help (members, and topics that are not a moderator group)."""
    group = group_of(topic)
    if topic and group is None:
        return False
    access = group_access(bot, ctx)
    if group is not None:
        command = bot.get_command(group)
        cog = bot.get_cog("Moderation")
        if not access.may_use(group) or cog is None or not isinstance(command, commands.Group):
            return False
        await cog.group_help(ctx, command)  # type: ignore[attr-defined]
        return True
    if not access.any:
        return False
    prefix = bot.prefix_for(ctx.guild)
    reply = bot.advisor.run("help", [None], guild_id=str(ctx.guild.id) if ctx.guild else None,
                            prefix=prefix)
    # Moderators' help names their tools: on a slash command, only they see it.
    await bot.send_reply(ctx, with_moderator_commands(reply, access, prefix), ephemeral=True)
    return True
