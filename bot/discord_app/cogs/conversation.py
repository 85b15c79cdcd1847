"""Free-form questions on Discord: where the bot listens, and nothing else.

The bot answers a plain question when it is addressed (a DM, a mention, a reply to one
of its messages) and, in channels a moderator marked as Q&A channels with unasked
answers on, when the core is confident it has an answer, at most a few times a minute
per channel. Understanding and wording are the core's (``Advisor.handle`` and
``Advisor.listen``); commands are left to the command layer; other bots are ignored.
The cog is no listener of its own: the bot hands it each message that is no command
(``CareerBot.question_handler``), so a message costs one task, not two.

The per-channel limit is discord.py's own ``CooldownMapping`` keyed by channel, the
same machinery as the commands' per-user cooldown. Like every discord.py cooldown it is
a window that opens at its first use: at most ``UNASKED_LIMIT`` answers from then until
``UNASKED_WINDOW`` seconds later, after which the channel has its full budget again.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

import discord
from discord.ext import commands

from bot.core.advisor import Request
from bot.core.render import render
from bot.discord_app.client import CareerBot
from bot.discord_app.feedback import attach_feedback
from bot.discord_app.sending import reply_to

log = logging.getLogger("careerbot.discord")

#: Unasked answers allowed per Q&A channel ...
UNASKED_LIMIT = 3
#: ... in this many seconds.
UNASKED_WINDOW = 60.0


def unasked_buckets(limit: int = UNASKED_LIMIT,
                    window: float = UNASKED_WINDOW) -> commands.CooldownMapping:
    """One cooldown bucket per channel for unasked answers. Refuses a limit or window
    that is not positive: discord.py would accept one and then silence the channel."""
    if limit <= 0 or window <= 0:
        raise ValueError("limit and window must be positive")
    return commands.CooldownMapping.from_cooldown(limit, window, commands.BucketType.channel)


@dataclass(frozen=True, slots=True)
class UnaskedSlot:
    """``Advisor.listen``'s limiter for one message. The core asks ``allow`` only once it
    has an answer to post, so chatter it stays quiet on uses none of the channel's budget.
    The message's own time is the clock, as for discord.py's command cooldowns."""

    buckets: commands.CooldownMapping
    message: discord.Message

    def allow(self, channel_id: str) -> bool:
        sent = self.message.created_at.timestamp()
        return self.buckets.update_rate_limit(self.message, sent) is None


class Conversation(commands.Cog):
    """Answers questions in DMs, on mention, on reply, and unasked in Q&A channels."""

    def __init__(self, bot: CareerBot) -> None:
        self.bot = bot
        self.unasked = unasked_buckets()

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

    async def cog_load(self) -> None:
        self.bot.question_handler = self.on_message

    async def cog_unload(self) -> None:
        if self.bot.question_handler == self.on_message:
            self.bot.question_handler = None

    async def on_message(self, message: discord.Message,
                         ctx: commands.Context | None = None) -> None:
        """Answer ``message`` if it is a question to answer. The bot calls this for each
        message from a member that is no command, with the context it parsed for the
        command layer (``CareerBot.on_message``): one task and one parse per message.
        Without ``ctx`` (a direct call) the context is made here."""
        if message.author.bot or not message.content:
            return
        prefix = self.bot.prefix_for(message.guild)
        if message.content.lstrip().startswith(prefix):
            return  # a command: the command layer answers it
        if ctx is None:
            ctx = await self.bot.get_context(message)
        if ctx.valid:
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
                reply = self.bot.advisor.listen(request, UnaskedSlot(self.unasked, message))
                if reply is None:
                    return
        except Exception:
            log.exception("failed to answer a question")
            reply = render("internal_error.j2", prefix=prefix)
        try:
            kwargs = self.bot.reply_kwargs(reply, message.author.id)
            attach_feedback(self.bot, request, reply, kwargs)  # 👍 / 👎 for the asker
            async with self.bot.turns.turn(message.channel.id):
                await reply_to(message, **kwargs)
        except discord.HTTPException:
            log.exception("could not send an answer")
            return
        log.info("question guild=%s addressed=%s kind=%s latency_ms=%.2f",
                 request.guild_id or "dm", addressed, reply.kind,
                 (time.perf_counter() - started) * 1000)


async def setup(bot: CareerBot) -> None:
    await bot.add_cog(Conversation(bot))
