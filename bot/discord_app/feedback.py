"""👍 / 👎 under the bot's free-form answers on Discord.

The buttons are persistent: each one's ``custom_id`` carries the vote and the token of the
answer it rates (``cb:fb:up:<token>``), and ``FeedbackButton`` is registered as a dynamic
item when the bot starts (``bot.discord_app.cogs.gaps``), so a button on a message sent
before a restart still works. What the token stands for (the cleaned question, what the
bot did, the asker's salted hash) is in the gap log, written with the answer; the core's
``GapRecorder.rate`` decides: only the member who asked may rate, once, and a 👎 puts the
question with its answer in the server's gap log. Answers in DMs, small talk, and servers
with the gap log off get no buttons.
"""

from __future__ import annotations

import asyncio
import logging
import re
from typing import Any

import discord

from bot.core.advisor import Request
from bot.core.render import render
from bot.core.reply import Reply
from bot.discord_app.embeds import reply_pages

log = logging.getLogger("careerbot.discord")

PREFIX = "cb:fb"
_TEMPLATE = rf"{PREFIX}:(?P<vote>up|down):(?P<token>[0-9a-f]{{16}})"


class FeedbackButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=_TEMPLATE):
    """One of the two rating buttons of an answer (found again from its custom_id)."""

    def __init__(self, vote: str, token: str) -> None:
        super().__init__(discord.ui.Button(
            label="👍" if vote == "up" else "👎", style=discord.ButtonStyle.secondary,
            custom_id=f"{PREFIX}:{vote}:{token}"))
        self.vote = vote
        self.token = token

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction,
                             item: discord.ui.Item[Any], match: re.Match[str]) -> FeedbackButton:
        return cls(match["vote"], match["token"])

    async def callback(self, interaction: discord.Interaction) -> None:
        recorder = interaction.client.moderation.recorder  # type: ignore[attr-defined]
        try:
            result = await asyncio.to_thread(recorder.rate, self.token, interaction.user.id,
                                             interaction.guild_id, self.vote == "up")
        except Exception:
            log.exception("could not record a rating")
            result = "failed"
        embed = reply_pages(render("kb/rated.j2", result=result, up=self.vote == "up"))[0]
        await interaction.response.send_message(embed=embed, ephemeral=True)


def feedback_buttons(token: str) -> list[FeedbackButton]:
    return [FeedbackButton("up", token), FeedbackButton("down", token)]


def attach_feedback(bot: Any, request: Request, reply: Reply, kwargs: dict[str, Any]) -> None:
    """Add the rating buttons to the message arguments of a chat answer, when it is one
    members may rate (see the module docstring). Never raises: without buttons the answer
    still goes out."""
    try:
        recorder = bot.moderation.recorder
        outcome = recorder.take(request.user_id, request.channel_id)
        if outcome is None or reply.kind != "answer":
            return
        token = recorder.open_feedback(request, outcome)
        if token is None:
            return
        view = kwargs.get("view")
        if view is None:
            view = kwargs["view"] = discord.ui.View(timeout=None)
        for button in feedback_buttons(token):
            view.add_item(button)
    except Exception:
        log.exception("could not add rating buttons to an answer")
