"""Knowledge gaps and answer ratings on Discord: ``kb gaps``, ``kb feedback``, ``config gaps``,
the Answer / Dismiss buttons and form, and the wiring of the gap recorder.

The commands join the existing ``kb`` and ``config`` hybrid groups (so they share the
groups' slash permissions and help) and only translate, as the moderation cog does:
``bot.core.moderation.Moderation`` checks who may do what, words every reply and makes
every change through the one write path. The buttons are dynamic items (their
``custom_id`` names the group and period), so they work on any ``kb gaps`` reply, after a
restart too, and each press checks the presser's permission again: a member who is shown
one by mistake is refused like at the command.

Loading this extension hands the bot's chat engine the moderation's ``GapRecorder`` and
starts its writer thread; unloading (the bot closing) stops it after a last write.
"""

from __future__ import annotations

import asyncio
import io
import logging
import re
from collections.abc import Callable
from typing import Any, Literal, cast

import discord
from discord import app_commands
from discord.ext import commands

from bot.core.gaps import DEFAULT_PERIOD, GapGroup
from bot.core.moderation import Moderation
from bot.core.render import render
from bot.core.reply import Reply
from bot.discord_app.adapter import actor_from_context, actor_from_interaction
from bot.discord_app.client import CareerBot
from bot.discord_app.cogs.moderation import USAGE, ModerationCog, Usage
from bot.discord_app.embeds import reply_pages
from bot.discord_app.feedback import FeedbackButton
from bot.knowledge.limits import TEXT_CHARS

log = logging.getLogger("careerbot.discord")

GAP_PREFIX = "cb:gap"
#: The form's limits are the FAQ's own (``bot.knowledge.limits``).
QUESTION_CHARS = TEXT_CHARS["question"]
ANSWER_CHARS = TEXT_CHARS["answer"]
#: ``kb gaps``'s second word: attach the CSV file, or not.
FILE_CHOICES = ("csv", "none")
_GAP_TEMPLATE = (rf"{GAP_PREFIX}:(?P<op>answer|dismiss):(?P<period>[0-9a-z]{{1,8}}):"
                 r"(?P<group>[0-9a-f]{12})")

USAGE.update({
    "kb gaps": Usage("kb gaps [PERIOD] [csv]", "kb gaps 7d"),
    "kb feedback": Usage("kb feedback [PERIOD]", "kb feedback 30d"),
    "config gaps": Usage("config gaps on|off|retention DAYS", "config gaps retention 30"),
})


def _core(interaction: discord.Interaction) -> Moderation:
    return interaction.client.moderation  # type: ignore[attr-defined, no-any-return]


async def _send(interaction: discord.Interaction, reply: Reply, *, private: bool) -> None:
    """Answer an interaction with a reply (privately when it refuses or fails)."""
    kwargs: dict[str, Any] = {"embed": reply_pages(reply)[0],
                              "ephemeral": private or reply.kind == "error"}
    if interaction.response.is_done():
        await interaction.followup.send(**kwargs)
    else:
        await interaction.response.send_message(**kwargs)


class GapAnswerForm(discord.ui.Modal, title="Answer these questions"):
    """The form behind Answer: the group's most asked phrasing, ready to edit, and the answer."""

    def __init__(self, period: str, group: GapGroup) -> None:
        super().__init__(custom_id=f"{GAP_PREFIX}:form:{period}:{group.id}")
        self.period = period
        self.group_id = group.id
        self.question: discord.ui.TextInput[Any] = discord.ui.TextInput(
            label="Question", default=group.question[:QUESTION_CHARS],
            max_length=QUESTION_CHARS)
        self.answer: discord.ui.TextInput[Any] = discord.ui.TextInput(
            label="Answer", style=discord.TextStyle.paragraph, max_length=ANSWER_CHARS)
        self.tags: discord.ui.TextInput[Any] = discord.ui.TextInput(
            label="Tags (comma-separated, optional)", required=False, max_length=200)
        for item in (self.question, self.answer, self.tags):
            self.add_item(item)

    async def on_submit(self, interaction: discord.Interaction) -> None:
        actor = actor_from_interaction(interaction)  # permissions as they are now
        reply = await asyncio.to_thread(_core(interaction).gap_answer, actor, self.period,
                                        self.group_id, self.question.value, self.answer.value,
                                        self.tags.value or None)
        await _send(interaction, reply, private=False)

    async def on_error(self, interaction: discord.Interaction,  # type: ignore[override]
                       error: Exception) -> None:
        log.error("the answer form failed", exc_info=error)
        await _send(interaction, render("internal_error.j2", prefix=interaction.client
                                        .prefix_for(interaction.guild)),  # type: ignore[attr-defined]
                    private=True)


class GapButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=_GAP_TEMPLATE):
    """Answer or Dismiss one group of a ``kb gaps`` reply."""

    def __init__(self, op: str, period: str, group_id: str, number: int = 0) -> None:
        label = f"{'Answer' if op == 'answer' else 'Dismiss'} {number}" if number else op.title()
        super().__init__(discord.ui.Button(
            label=label, row=max(number - 1, 0) if number else None,
            style=discord.ButtonStyle.primary if op == "answer" else discord.ButtonStyle.secondary,
            custom_id=f"{GAP_PREFIX}:{op}:{period}:{group_id}"))
        self.op = op
        self.period = period
        self.group_id = group_id

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction,
                             item: discord.ui.Item[Any], match: re.Match[str]) -> GapButton:
        return cls(match["op"], match["period"], match["group"])

    async def callback(self, interaction: discord.Interaction) -> None:
        core = _core(interaction)
        actor = actor_from_interaction(interaction)
        if self.op == "dismiss":
            reply = await asyncio.to_thread(core.gap_dismiss, actor, self.period, self.group_id)
            await _send(interaction, reply, private=False)
            return
        found = await asyncio.to_thread(core.gap_group, actor, self.period, self.group_id)
        if isinstance(found, Reply):  # refused, or the group is gone
            await _send(interaction, found, private=True)
            return
        await interaction.response.send_modal(GapAnswerForm(self.period, found))


def gap_buttons(period: str, groups: tuple[GapGroup, ...]) -> discord.ui.View | None:
    """Answer n / Dismiss n for each group shown, one row per group."""
    if not groups:
        return None
    view = discord.ui.View(timeout=None)
    for number, group in enumerate(groups, start=1):
        view.add_item(GapButton("answer", period, group.id, number))
        view.add_item(GapButton("dismiss", period, group.id, number))
    return view


class GapsCog(commands.Cog, name="Knowledge gaps"):
    """Holds the gap recorder's lifetime; the commands are added to the kb/config groups."""

    def __init__(self, bot: CareerBot) -> None:
        self.bot = bot

    async def cog_load(self) -> None:
        recorder = self.bot.moderation.recorder
        chat = self.bot.advisor.chat
        if chat is not None and hasattr(chat, "recorder"):
            chat.recorder = recorder
        self.bot.add_dynamic_items(FeedbackButton, GapButton)
        recorder.start()

    async def cog_unload(self) -> None:
        recorder = self.bot.moderation.recorder
        chat = self.bot.advisor.chat
        if getattr(chat, "recorder", None) is recorder:
            chat.recorder = None  # type: ignore[union-attr]
        self.bot.remove_dynamic_items(FeedbackButton, GapButton)
        await asyncio.to_thread(recorder.stop)


def _moderation(ctx: commands.Context) -> ModerationCog:
    cog = ctx.bot.get_cog("Moderation")
    assert isinstance(cog, ModerationCog)
    return cog


async def kb_gaps(ctx: commands.Context, period: str = DEFAULT_PERIOD,
                  file: str = "none") -> None:
    """``kb gaps [period] [csv]`` (the two words in either order, as ``kb export`` takes them)."""
    cog = _moderation(ctx)
    words = [period.lower(), file.lower()]
    csv = "csv" in words
    others = [w for w in words if w not in ("csv", "none")]
    if len(others) > 1:
        await cog.respond(ctx, cog.usage(ctx, "kb gaps"))
        return
    chosen = others[0] if others else DEFAULT_PERIOD
    actor = actor_from_context(ctx)
    result = await cog.call(ctx, cog.core.gaps, actor, chosen, csv=csv, private=True)
    kwargs: dict[str, Any] = {"embed": reply_pages(result.reply)[0]}
    view = gap_buttons(result.period, result.groups) if result.reply.kind != "error" else None
    if view is not None:
        kwargs["view"] = view
    if result.filename is not None:
        kwargs["file"] = discord.File(io.BytesIO(result.content), filename=result.filename)
    if ctx.interaction is not None:
        kwargs["ephemeral"] = True
    await ctx.reply(**kwargs)


async def kb_feedback(ctx: commands.Context, period: str = DEFAULT_PERIOD) -> None:
    cog = _moderation(ctx)
    await cog.run(ctx, cog.core.feedback, period, private=True)


async def config_gaps(ctx: commands.Context, setting: Literal["on", "off", "retention"],
                      days: int | None = None) -> None:
    cog = _moderation(ctx)
    if setting == "retention":
        if days is None:
            await cog.respond(ctx, cog.usage(ctx, "config gaps", missing="DAYS"))
            return
        await cog.run(ctx, cog.core.config_gap_retention, days)
        return
    await cog.run(ctx, cog.core.config_gaps, setting)


async def _usage_on_error(ctx: commands.Context, error: commands.CommandError) -> None:
    """Arguments discord.py could not take get the command's usage, as in the kb group."""
    await _moderation(ctx).cog_command_error(ctx, error)


#: discord.py's decorator, typed for plain functions (its own union defeats mypy; see
#: ``bot.discord_app.hybrid``, which types it for cog methods).
_hybrid = cast(Callable[..., Callable[[Callable[..., Any]], "commands.HybridCommand[Any, ..., Any]"]],
               commands.hybrid_command)


def _commands() -> list[tuple[str, commands.HybridCommand[Any, ..., Any]]]:
    """New command objects for one bot: (group, command)."""
    made: list[tuple[str, commands.HybridCommand[Any, ..., Any]]] = [
        ("kb", _hybrid(
            name="gaps", description="Questions members asked that the bot could not answer "
            "well, grouped, with Answer and Dismiss")(app_commands.describe(
                period="How far back: 24h, 7d, 2w or all (default 30d)",
                file="csv: also attach every group as a CSV file")(app_commands.choices(
                    file=[app_commands.Choice(name=v, value=v) for v in FILE_CHOICES])(
                    kb_gaps)))),
        ("kb", _hybrid(
            name="feedback", description="The answers members rated worst, by kind of question "
            "and by FAQ entry")(app_commands.describe(
                period="How far back: 24h, 7d, 2w or all (default 30d)")(kb_feedback))),
        ("config", _hybrid(
            name="gaps", description="Record questions the bot could not answer well (on or "
            "off), or set how many days they are kept")(app_commands.describe(
                setting="on, off, or retention",
                days="With retention: days to keep them")(config_gaps))),
    ]
    for _, command in made:
        command.error(_usage_on_error)
    return made


async def setup(bot: CareerBot) -> None:
    groups = {name: bot.get_command(name) for name in ("kb", "config")}
    for group_name, command in _commands():
        group = groups[group_name]
        if not isinstance(group, commands.HybridGroup):
            raise RuntimeError("load bot.discord_app.cogs.moderation before the gaps extension")
        group.add_command(command)
    await bot.add_cog(GapsCog(bot))


async def teardown(bot: CareerBot) -> None:
    for group_name, name in (("kb", "gaps"), ("kb", "feedback"), ("config", "gaps")):
        group = bot.get_command(group_name)
        if isinstance(group, commands.HybridGroup):
            group.remove_command(name)
