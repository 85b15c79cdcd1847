"""Free-form questions on Discord: where the bot listens, and nothing else.

The bot answers a plain question when it is addressed (a DM, a mention, a reply to one
of its messages) and, in channels a moderator marked as Q&A channels with unasked
answers on, when the core is confident it has an answer, at most a few times a minute
per channel. Understanding and wording are the core's (``Advisor.handle`` and
``Advisor.listen``); commands are left to the command layer; other bots are ignored.
"""

from __future__ import annotations

import logging
import time

import discord
from discord.ext import commands

from bot.core.advisor import Request
from bot.core.chat.memory import ChannelRateLimiter
from bot.core.render import render
from bot.discord_app.client import CareerBot

log = logging.getLogger("careerbot.discord")

#: Unasked answers allowed per Q&A channel ...
UNASKED_LIMIT = 3
#: ... in this many seconds.
UNASKED_WINDOW = 60.0


class Conversation(commands.Cog):
    """Answers questions in DMs, on mention, on reply, and unasked in Q&A channels."""

    def __init__(self, bot: CareerBot) -> None:
        self.bot = bot
        self.unasked = ChannelRateLimiter(UNASKED_LIMIT, UNASKED_WINDOW)

    def _addressed(self, message: discord.Message) -> bool:
        me = self.bot.user
        if message.guild is None:
            return True
        if me is not None and me in message.mentions:
            return True
        ref = message.reference
        resolved = ref.resolved if ref is not None else None
        return isinstance(resolved, discord.Message) and me is not None and \
            resolved.author.id == me.id

    @commands.Cog.listener()
    async def on_message(self, message: discord.Message) -> None:
        if message.author.bot or not message.content:
            return
        prefix = self.bot.prefix_for(message.guild)
        if message.content.lstrip().startswith(prefix):
            return  # a command: the command layer answers it
        if (await self.bot.get_context(message)).valid:
            return  # "@careerbot compare mlops pm" is a command too
        addressed = self._addressed(message)
        request = Request(
            text=message.content,
            user_id=str(message.author.id),
            channel_id=str(message.channel.id),
            guild_id=str(message.guild.id) if message.guild else None,
            prefix=prefix,
            is_dm=message.guild is None,
            addressed=addressed,
        )
        started = time.perf_counter()
        try:
            if addressed:
                retry = self.bot.cooldowns.update_rate_limit(message)
                if retry is not None:
                    reply = self.bot.slow_down_reply(message.author.id, message.created_at, retry)
                    if reply is None:
                        return  # told once in this cooldown window already
                else:
                    reply = self.bot.advisor.handle(request)
            else:
                settings = self.bot.moderation.settings(request.guild_id)
                if not settings.answers_unasked_in(message.channel.id):
                    return
                reply = self.bot.advisor.listen(request, self.unasked)
                if reply is None:
                    return
        except Exception:
            log.exception("failed to answer a question")
            reply = render("internal_error.j2", prefix=prefix)
        try:
            async with self.bot.turns.turn(message.channel.id):
                await message.reply(**self.bot.reply_kwargs(reply, message.author.id))
        except discord.HTTPException:
            log.exception("could not send an answer")
            return
        log.info("question guild=%s addressed=%s kind=%s latency_ms=%.2f",
                 request.guild_id or "dm", addressed, reply.kind,
                 (time.perf_counter() - started) * 1000)


async def setup(bot: CareerBot) -> None:
    await bot.add_cog(Conversation(bot))
