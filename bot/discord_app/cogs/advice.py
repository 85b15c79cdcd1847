"""The advice commands as hybrid commands: ``!compare mlops pm`` and ``/compare``.

Each command is a few lines: a prefix invocation hands the whole message to the core
(which parses quotes, "vs", commas and multi-word names itself), a slash invocation hands
over the already separated options. Names, descriptions and parameter help come from the
core registry, so the terminal and Discord cannot drift apart.
"""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.core.commands import CommandSpec, find_command
from bot.core.reply import Reply
from bot.discord_app.adapter import request_from_context
from bot.discord_app.client import CareerBot
from bot.discord_app.help_access import moderator_help
from bot.discord_app.hybrid import core_text_command, hybrid_command, plain_text_params

MAX_CHOICES = 25
#: /salary's optional survey cuts (the core validates the values and lists valid ones).
SALARY_CUT_HELP = {
    "level": "Survey figures for one experience level: entry, mid, senior or executive",
    "country": "Survey figures for companies in one country, e.g. us, uk, canada",
    "year": "Survey figures for one work year, e.g. 2024, or trend for year by year",
    "remote": "Survey figures for fully remote (yes) or on-site (no) jobs",
}


def _spec(name: str) -> CommandSpec:
    spec = find_command(name)
    assert spec is not None, name
    return spec


def _describe(name: str) -> dict[str, str]:
    return {p.name: p.description for p in _spec(name).params}


class Advice(commands.Cog):
    """Compare roles, profiles, salaries, skills, paths, weeks and switching."""

    def __init__(self, bot: CareerBot) -> None:
        self.bot = bot
        # One cooldown shared by every command and question (the bot's): discord.py's
        # @cooldown would count each command separately, letting a member run five of each.
        for command in self.get_commands():
            command._buckets = bot.cooldowns
            plain_text_params(command)

    async def answer(self, ctx: commands.Context, name: str, *roles: str | None,
                     options: dict[str, str] | None = None) -> None:
        """Ask the core and send its reply; the core never raises for user input."""
        request = request_from_context(ctx, ctx.message.content if ctx.interaction is None
                                       else " ".join(r for r in roles if r))
        if ctx.interaction is None:
            reply = self.bot.advisor.handle(request)
        else:
            reply = self.bot.advisor.run(name, list(roles), guild_id=request.guild_id,
                                         options=options, prefix=self.bot.prefix_for(ctx.guild),
                                         user_id=request.user_id, channel_id=request.channel_id,
                                         is_dm=ctx.guild is None)
        # A free-form question's answer carries the rating buttons, as in conversation.
        await self.bot.send_reply(ctx, reply, ephemeral=_is_private(reply),
                                  rated=request if name == "ask" else None)

    async def cog_command_error(self, ctx: commands.Context, error: Exception) -> None:
        """Answer errors (cooldown, bad input, failures) now, in the channel's turn."""
        await self.bot.answer_error(ctx, error)

    async def role_choices(self, interaction: discord.Interaction,
                           current: str) -> list[app_commands.Choice[str]]:
        """Autocomplete for role options: best matches from this server's knowledge."""
        guild_id = str(interaction.guild_id) if interaction.guild_id else None
        choices = self.bot.advisor.autocomplete(current or "", guild_id, limit=MAX_CHOICES)
        return [app_commands.Choice(name=name[:100], value=value[:100]) for name, value in choices]

    @core_text_command(name="compare", aliases=list(_spec("compare").aliases),
                             description=_spec("compare").summary)
    @app_commands.describe(**_describe("compare"))
    async def compare(self, ctx: commands.Context, role_a: str, role_b: str) -> None:
        await self.answer(ctx, "compare", role_a, role_b)

    @core_text_command(name="role", aliases=list(_spec("role").aliases),
                             description=_spec("role").summary)
    @app_commands.describe(**_describe("role"))
    async def role(self, ctx: commands.Context, role: str) -> None:
        await self.answer(ctx, "role", role)

    @core_text_command(name="salary", aliases=list(_spec("salary").aliases),
                             description=_spec("salary").summary)
    @app_commands.describe(**_describe("salary"), **SALARY_CUT_HELP)
    async def salary(self, ctx: commands.Context, role: str, role_b: str | None = None,
                     level: str | None = None, country: str | None = None,
                     year: str | None = None, remote: str | None = None) -> None:
        """The survey cuts are optional text options on /salary; a prefix ``!salary`` reads
        them from the message (``level:entry``), so these parameters only serve slash."""
        cuts = {"level": level, "country": country, "year": year, "remote": remote}
        await self.answer(ctx, "salary", role, role_b,
                          options={k: v for k, v in cuts.items() if v and v.strip()})

    @core_text_command(name="skills", aliases=list(_spec("skills").aliases),
                             description=_spec("skills").summary)
    @app_commands.describe(**_describe("skills"))
    async def skills(self, ctx: commands.Context, role: str, role_b: str | None = None) -> None:
        await self.answer(ctx, "skills", role, role_b)

    @core_text_command(name="path", aliases=list(_spec("path").aliases),
                             description=_spec("path").summary)
    @app_commands.describe(**_describe("path"))
    async def path(self, ctx: commands.Context, role: str) -> None:
        await self.answer(ctx, "path", role)

    @core_text_command(name="week", aliases=list(_spec("week").aliases),
                             description=_spec("week").summary)
    @app_commands.describe(**_describe("week"))
    async def week(self, ctx: commands.Context, role: str) -> None:
        await self.answer(ctx, "week", role)

    @core_text_command(name="switch", aliases=list(_spec("switch").aliases),
                             description=_spec("switch").summary)
    @app_commands.describe(**_describe("switch"))
    async def switch(self, ctx: commands.Context, from_role: str, to_role: str) -> None:
        await self.answer(ctx, "switch", from_role, to_role)

    @core_text_command(name="ask", aliases=list(_spec("ask").aliases),
                             description=_spec("ask").summary)
    @app_commands.describe(**_describe("ask"))
    async def ask(self, ctx: commands.Context, *, question: str) -> None:
        """A question in plain words; the core's chat engine answers (with follow-ups)."""
        await self.answer(ctx, "ask", question)

    @core_text_command(name="roles", aliases=list(_spec("roles").aliases),
                             description=_spec("roles").summary)
    async def roles(self, ctx: commands.Context) -> None:
        await self.answer(ctx, "roles")

    @hybrid_command(name="help", aliases=list(_spec("help").aliases),
                             description=_spec("help").summary)
    @app_commands.describe(command="A command to explain, e.g. compare")
    async def help(self, ctx: commands.Context, command: str | None = None) -> None:
        if await moderator_help(self.bot, ctx, command):  # kb and config, for those who may
            return
        await self.answer(ctx, "help", command)

    # Role autocomplete for every role option.
    compare.autocomplete("role_a")(role_choices)
    compare.autocomplete("role_b")(role_choices)
    role.autocomplete("role")(role_choices)
    salary.autocomplete("role")(role_choices)
    salary.autocomplete("role_b")(role_choices)
    skills.autocomplete("role")(role_choices)
    skills.autocomplete("role_b")(role_choices)
    path.autocomplete("role")(role_choices)
    week.autocomplete("role")(role_choices)
    switch.autocomplete("from_role")(role_choices)
    switch.autocomplete("to_role")(role_choices)


def _is_private(reply: Reply) -> bool:
    """Errors go only to the asker on slash commands; answers are for the channel."""
    return reply.kind == "error"


async def setup(bot: CareerBot) -> None:
    await bot.add_cog(Advice(bot))
