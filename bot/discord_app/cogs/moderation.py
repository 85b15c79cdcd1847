"""Moderators on Discord: the ``kb`` and ``config`` hybrid groups (``!kb set …``, ``/kb set``).

Each command only translates: it builds an ``Actor`` from who is asking (Manage Server,
role ids, owner), calls ``bot.core.moderation.Moderation`` and sends the Reply it gives.
Who may do what, validation, wording and the audit log all live in the core, so the
slash form, the prefix form, autocomplete and ``careerbot kb`` cannot disagree.

Core calls run in a worker thread: an edit may wait for another writer's transaction
(two moderators at once, or the command line), and the event loop must keep serving
everyone else meanwhile. A slash command whose work takes longer than ``DEFER_AFTER``
seconds is deferred, since Discord drops interactions not answered within three.
"""

from __future__ import annotations

import asyncio
import io
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal, TypeVar

import discord
from discord import app_commands
from discord.ext import commands

from bot.core.moderation import ImportPreview, Moderation
from bot.core.render import render
from bot.core.reply import Reply
from bot.discord_app.adapter import actor_from_context, actor_from_interaction
from bot.discord_app.client import CareerBot
from bot.discord_app.embeds import reply_pages
from bot.discord_app.hybrid import hybrid_group
from bot.discord_app.paginator import PageView
from bot.knowledge.limits import MAX_IMPORT_BYTES
from bot.knowledge.permissions import Actor
from bot.knowledge.transfer import FORMATS

log = logging.getLogger("careerbot.discord")

T = TypeVar("T")

#: A slash command still working after this many seconds is deferred ("thinking…").
DEFER_AFTER = 2.0
#: How long the Confirm / Cancel buttons of an import preview stay usable.
CONFIRM_TIMEOUT = 300.0
#: Largest file accepted for an import or a role document, checked before downloading.
MAX_UPLOAD_BYTES = MAX_IMPORT_BYTES
MAX_CHOICES = 25
EXPORT_VIEWS = ("overlay", "merged")


@dataclass(frozen=True, slots=True)
class Usage:
    """How a command is typed in the prefix form (without the prefix), for help replies."""

    usage: str
    example: str = ""


#: Prefix-form usage of every command, shown by a bare ``!kb`` / ``!config`` and when an
#: argument is missing. Slash users see the option descriptions instead.
USAGE: dict[str, Usage] = {
    "kb set": Usage("kb set ROLE FIELD VALUE source:SOURCE date:DATE [expect:OLD]",
                    "kb set mlops median 180k source:ai-market-pulse-2026 date:2026-03"),
    "kb alias add": Usage("kb alias add ROLE ALIAS", "kb alias add mlops model ops"),
    "kb alias remove": Usage("kb alias remove ROLE ALIAS", "kb alias remove mlops model ops"),
    "kb faq add": Usage("kb faq add question:QUESTION answer:ANSWER [tags:TAGS] [source:SOURCE]",
                        "kb faq add question: Is a bootcamp enough? answer: Rarely on its own."),
    "kb faq edit": Usage("kb faq edit ENTRY [question:…] [answer:…] [tags:…] [source:…] "
                         "[expect:OLD ANSWER]", "kb faq edit 100001 answer: Rarely, alone."),
    "kb faq remove": Usage("kb faq remove ENTRY", "kb faq remove 100001"),
    "kb role add": Usage("kb role add SLUG name:NAME [focus:FOCUS] [aliases:A, B] "
                         "(or attach a role file)",
                         "kb role add prompt-engineer name: Prompt Engineer aliases: prompter"),
    "kb role remove": Usage("kb role remove ROLE", "kb role remove prompt-engineer"),
    "kb source add": Usage("kb source add ID name:NAME kind:KIND date:DATE [note:…] [url:…]",
                           "kb source add club-survey name: Club survey kind: survey "
                           "date: 2026-02"),
    "kb show": Usage("kb show ROLE", "kb show mlops"),
    "kb history": Usage("kb history [BEFORE ENTRY]", "kb history"),
    "kb undo": Usage("kb undo ENTRY", "kb undo 12"),
    "kb export": Usage("kb export [overlay|merged] [yaml|json]", "kb export merged json"),
    "kb import": Usage("kb import (with the file attached)", ""),
    "config show": Usage("config show", "config show"),
    "config prefix": Usage("config prefix PREFIX (or default)", "config prefix ?"),
    "config unasked": Usage("config unasked on|off", "config unasked off"),
    "config modrole add": Usage("config modrole add @ROLE", "config modrole add @Helpers"),
    "config modrole remove": Usage("config modrole remove @ROLE", "config modrole remove @Helpers"),
    "config channel add": Usage("config channel add #CHANNEL", "config channel add #careers"),
    "config channel remove": Usage("config channel remove #CHANNEL",
                                   "config channel remove #careers"),
}


# -- flags: the prefix form's "name: value" options, the slash form's named options ------


class SetFlags(commands.FlagConverter, case_insensitive=True):
    value: str = commands.flag(positional=True, description="The new value: 180k, 12%, text, "
                               "or none to clear")
    source: str | None = commands.flag(default=None, description="Source of the figures (its id "
                                       "or part of its name); needed for figures")
    date: str | None = commands.flag(default=None, description="Date the figures are as of: "
                                     "YYYY, YYYY-MM or YYYY-MM-DD; needed for figures")
    expect: str | None = commands.flag(default=None, description="The value you saw; refused if "
                                       "someone changed it since")


class FaqAddFlags(commands.FlagConverter, case_insensitive=True):
    question: str = commands.flag(description="The question, as members would ask it")
    answer: str = commands.flag(description="The answer")
    tags: str | None = commands.flag(default=None, description="Comma-separated tags")
    source: str | None = commands.flag(default=None, description="Source of the answer, if any")


class FaqEditFlags(commands.FlagConverter, case_insensitive=True):
    question: str | None = commands.flag(default=None, description="The new question")
    answer: str | None = commands.flag(default=None, description="The new answer")
    tags: str | None = commands.flag(default=None, description="The new comma-separated tags")
    source: str | None = commands.flag(default=None, description="The new source")
    expect: str | None = commands.flag(default=None, description="The answer you saw; refused if "
                                       "someone changed it since")


class RoleAddFlags(commands.FlagConverter, case_insensitive=True):
    name: str | None = commands.flag(default=None, description="The role's name, e.g. "
                                     "Prompt Engineer")
    focus: str | None = commands.flag(default=None, description="One line on what the role "
                                      "focuses on")
    aliases: str | None = commands.flag(default=None, description="Comma-separated other names")


class SourceAddFlags(commands.FlagConverter, case_insensitive=True):
    name: str = commands.flag(description="The source's name, e.g. Club survey 2026")
    kind: str = commands.flag(description="What it is: job postings, survey, …")
    date: str = commands.flag(description="When it was collected: YYYY, YYYY-MM or YYYY-MM-DD")
    note: str | None = commands.flag(default=None, description="Caveats worth knowing")
    url: str | None = commands.flag(default=None, description="Where to read it")


def _unquote(text: str) -> str:
    """The prefix form's rest-of-message argument keeps quotes people type around it."""
    text = text.strip()
    if len(text) > 1 and text[0] in "\"“'" and text[-1] in "\"”'":
        return text[1:-1].strip()
    return text


def _missing_name(param: commands.Parameter) -> str:
    """How usage replies name a missing argument: ROLE, or a flag's first required name."""
    converter = param.converter
    if isinstance(converter, type) and issubclass(converter, commands.FlagConverter):
        for flag in converter.get_flags().values():
            if flag.required:
                return flag.name.upper() if flag.positional else f"{flag.name}:"
    return param.name.upper()


def _choices(pairs: list[tuple[str, str]]) -> list[app_commands.Choice[str]]:
    return [app_commands.Choice(name=name[:100], value=value[:100])
            for name, value in pairs[:MAX_CHOICES]]


class ModerationCog(commands.Cog, name="Moderation"):
    """Moderators review and correct the knowledge, and set up their server."""

    def __init__(self, bot: CareerBot) -> None:
        self.bot = bot

    @property
    def core(self) -> Moderation:
        return self.bot.moderation

    # -- plumbing --------------------------------------------------------------------------

    async def call(self, ctx: commands.Context, fn: Callable[..., T], *args: Any,
                   private: bool = False, **kwargs: Any) -> T:
        """Run a core call in a worker thread; defer a slash command if it takes long."""
        task = asyncio.ensure_future(asyncio.to_thread(fn, *args, **kwargs))
        interaction = ctx.interaction
        if interaction is not None and not interaction.response.is_done():
            done, _ = await asyncio.wait({task}, timeout=DEFER_AFTER)
            if not done:
                await ctx.defer(ephemeral=private)
        return await task

    async def respond(self, ctx: commands.Context, reply: Reply, *,
                      private: bool = False) -> None:
        """Send a reply; on slash commands refusals, errors and private data only to the asker."""
        await self.bot.send_reply(ctx, reply, ephemeral=private or reply.kind == "error")

    def cmd(self, ctx: commands.Context) -> str:
        """How replies write a kb command in this server ("?kb " where the prefix is ?)."""
        return f"{self.bot.prefix_for(ctx.guild)}kb "

    async def run(self, ctx: commands.Context, method: Callable[..., Reply], *args: Any,
                  private: bool = False, **kwargs: Any) -> None:
        """The common case: call ``method(actor, *args)`` and send its reply."""
        actor = actor_from_context(ctx)
        reply = await self.call(ctx, method, actor, *args, private=private, **kwargs)
        await self.respond(ctx, reply, private=private)

    async def read_upload(self, ctx: commands.Context, file: discord.Attachment) -> bytes | None:
        """The bytes of an uploaded file, or None after telling the asker why not."""
        reason = None
        if file.size > MAX_UPLOAD_BYTES:
            reason = "too_large"
        else:
            try:
                return await file.read()
            except discord.HTTPException:
                log.warning("could not download attachment %s", file.filename, exc_info=True)
                reason = "unreadable"
        await self.respond(ctx, render("kb/attachment.j2", reason=reason, filename=file.filename,
                                       size=file.size, limit=MAX_UPLOAD_BYTES, cmd=self.cmd(ctx)))
        return None

    def usage(self, ctx: commands.Context, name: str, *, missing: str | None = None) -> Reply:
        """How to type command ``name`` (prefix form), naming what was ``missing`` if known."""
        usage = USAGE.get(name, Usage(name))
        return render("kb/usage.j2", name=name, usage=usage.usage, example=usage.example,
                      missing=missing, prefix=self.bot.prefix_for(ctx.guild))

    async def cog_command_error(self, ctx: commands.Context, error: Exception) -> None:
        """Arguments discord.py could not take get this command's usage, not the advice help."""
        if isinstance(error, commands.MissingRequiredAttachment):
            reply = render("kb/attachment.j2", reason="missing", filename="", size=0,
                           limit=MAX_UPLOAD_BYTES, cmd=self.cmd(ctx))
        elif isinstance(error, commands.UserInputError) and ctx.command is not None:
            missing = None
            if isinstance(error, commands.MissingRequiredArgument):
                missing = _missing_name(error.param)
            elif isinstance(error, commands.MissingRequiredFlag | commands.MissingFlagArgument):
                missing = f"{error.flag.name}:"
            reply = self.usage(ctx, ctx.command.qualified_name, missing=missing)
        else:
            return  # the bot's handler answers everything else (and logs real failures)
        error.handled = True  # type: ignore[attr-defined]
        await self.respond(ctx, reply)

    async def group_help(self, ctx: commands.Context, group: commands.Group) -> None:
        found = {c.qualified_name: c for c in group.walk_commands()}
        listed = [{"usage": usage.usage, "description": found[name].description}
                  for name, usage in USAGE.items() if name in found]
        await self.respond(ctx, render("kb/commands.j2", group=group.qualified_name, commands=listed,
                                       prefix=self.bot.prefix_for(ctx.guild)))

    # -- autocomplete: this server's entries, and only for those who may edit ------------

    async def role_choices(self, interaction: discord.Interaction,
                           current: str) -> list[app_commands.Choice[str]]:
        return _choices(self.core.role_choices(actor_from_interaction(interaction), current))

    async def field_choices(self, interaction: discord.Interaction,
                            current: str) -> list[app_commands.Choice[str]]:
        if not self.core.may_edit(actor_from_interaction(interaction)):
            return []
        return _choices(self.core.field_choices(current))

    async def faq_choices(self, interaction: discord.Interaction,
                          current: str) -> list[app_commands.Choice[str]]:
        return _choices(self.core.faq_choices(actor_from_interaction(interaction), current))

    async def source_choices(self, interaction: discord.Interaction,
                             current: str) -> list[app_commands.Choice[str]]:
        return _choices(self.core.source_choices(actor_from_interaction(interaction), current))

    # -- kb ---------------------------------------------------------------------------------

    @hybrid_group(name="kb", invoke_without_command=True, case_insensitive=True,
                           description="Review and correct what the bot knows in this server")
    @app_commands.default_permissions(manage_guild=True)  # hidden from members; checks stay
    async def kb(self, ctx: commands.Context) -> None:
        await self.group_help(ctx, self.kb)

    @kb.command(name="set", description="Set a role's figure (with its source and date) or a "
                "text field")
    @app_commands.describe(role="The role to change", field="A figure (median, remote, "
                           "open_positions, …) or a text field (name, focus, summary, market)")
    async def kb_set(self, ctx: commands.Context, role: str, field: str, *,
                     flags: SetFlags) -> None:
        await self.run(ctx, self.core.set, role, [(field, flags.value)], source=flags.source,
                       date=flags.date, expect=flags.expect)

    @kb.group(name="alias", invoke_without_command=True, case_insensitive=True,
              description="Add or remove another name for a role")
    async def kb_alias(self, ctx: commands.Context) -> None:
        await self.group_help(ctx, self.kb_alias)

    @kb_alias.command(name="add", description="Add another name members can use for a role")
    @app_commands.describe(role="The role", alias="The new name, e.g. model ops")
    async def kb_alias_add(self, ctx: commands.Context, role: str, *, alias: str) -> None:
        await self.run(ctx, self.core.alias, "add", role, _unquote(alias))

    @kb_alias.command(name="remove", description="Remove a name added for a role")
    @app_commands.describe(role="The role", alias="The name to remove")
    async def kb_alias_remove(self, ctx: commands.Context, role: str, *, alias: str) -> None:
        await self.run(ctx, self.core.alias, "remove", role, _unquote(alias))

    @kb.group(name="faq", invoke_without_command=True, case_insensitive=True,
              description="Add, edit or remove this server's FAQ entries")
    async def kb_faq(self, ctx: commands.Context) -> None:
        await self.group_help(ctx, self.kb_faq)

    @kb_faq.command(name="add", description="Add an FAQ entry for this server")
    async def kb_faq_add(self, ctx: commands.Context, *, flags: FaqAddFlags) -> None:
        await self.run(ctx, self.core.faq_add, flags.question, flags.answer, flags.tags,
                       flags.source)

    @kb_faq.command(name="edit", description="Change an FAQ entry this server added")
    @app_commands.describe(entry="The entry's number")
    async def kb_faq_edit(self, ctx: commands.Context, entry: str, *,
                          flags: FaqEditFlags) -> None:
        await self.run(ctx, self.core.faq_edit, entry, question=flags.question,
                       answer=flags.answer, tags=flags.tags, source=flags.source,
                       expect=flags.expect)

    @kb_faq.command(name="remove", description="Remove an FAQ entry this server added")
    @app_commands.describe(entry="The entry's number")
    async def kb_faq_remove(self, ctx: commands.Context, entry: str) -> None:
        await self.run(ctx, self.core.faq_remove, entry)

    @kb.group(name="role", invoke_without_command=True, case_insensitive=True,
              description="Add a role, or remove one this server added")
    async def kb_role(self, ctx: commands.Context) -> None:
        await self.group_help(ctx, self.kb_role)

    @kb_role.command(name="add", description="Add a role: a slug and a name, or a whole role file")
    @app_commands.describe(slug="Short id of the new role, e.g. prompt-engineer",
                           file="A role file (YAML or JSON, as in knowledge/roles/) instead")
    async def kb_role_add(self, ctx: commands.Context, slug: str | None = None,
                          file: discord.Attachment | None = None, *,
                          flags: RoleAddFlags) -> None:
        actor = actor_from_context(ctx)
        if file is not None:
            if ctx.interaction is not None:
                await ctx.defer()
            data = await self.read_upload(ctx, file)
            if data is not None:
                reply = await self.call(ctx, self.core.role_add_document, actor, data,
                                        file.filename)
                await self.respond(ctx, reply)
            return
        if not slug or not flags.name:
            await self.respond(ctx, self.usage(ctx, "kb role add",
                                               missing="SLUG" if not slug else "name:"))
            return
        reply = await self.call(ctx, self.core.role_add, actor, slug, flags.name,
                                focus=flags.focus or "", aliases=flags.aliases)
        await self.respond(ctx, reply)

    @kb_role.command(name="remove", description="Remove a role this server added")
    @app_commands.describe(role="The role to remove")
    async def kb_role_remove(self, ctx: commands.Context, role: str) -> None:
        await self.run(ctx, self.core.role_remove, role)

    @kb.group(name="source", invoke_without_command=True, case_insensitive=True,
              description="Add a source that figures can cite")
    async def kb_source(self, ctx: commands.Context) -> None:
        await self.group_help(ctx, self.kb_source)

    @kb_source.command(name="add", description="Add a source that figures can cite")
    @app_commands.describe(id="Short id of the source, e.g. club-survey-2026")
    async def kb_source_add(self, ctx: commands.Context, id: str, *,
                            flags: SourceAddFlags) -> None:
        await self.run(ctx, self.core.source_add, id, flags.name, flags.kind, flags.date,
                       note=flags.note or "", url=flags.url or "")

    @kb.command(name="show", description="Show a role's raw data as this server sees it")
    @app_commands.describe(role="The role to show")
    async def kb_show(self, ctx: commands.Context, role: str) -> None:
        await self.run(ctx, self.core.show, role, private=True)

    @kb.command(name="history", description="Who changed what and when, newest first")
    @app_commands.describe(before="Show entries older than this entry number")
    async def kb_history(self, ctx: commands.Context, before: int | None = None) -> None:
        await self.run(ctx, self.core.history, before=before, private=True)

    @kb.command(name="undo", description="Undo an entry of the history")
    @app_commands.describe(entry="The entry's number, from the history")
    async def kb_undo(self, ctx: commands.Context, entry: str) -> None:
        await self.run(ctx, self.core.undo, entry)

    @kb.command(name="export", description="This server's changes, or everything it sees, "
                "as a file")
    @app_commands.describe(view="overlay: only this server's changes; merged: everything it sees",
                           format="File format")
    @app_commands.choices(view=[app_commands.Choice(name=v, value=v) for v in EXPORT_VIEWS],
                          format=[app_commands.Choice(name=f, value=f) for f in FORMATS])
    async def kb_export(self, ctx: commands.Context, view: str = "overlay",
                        format: str = "yaml") -> None:
        # The prefix form takes the two words in either order: !kb export json merged.
        words = {view.lower(), format.lower()}
        if not words <= {*EXPORT_VIEWS, *FORMATS}:
            await self.respond(ctx, self.usage(ctx, "kb export"))
            return
        fmt = view.lower() if view.lower() in FORMATS else format.lower()
        actor = actor_from_context(ctx)
        result = await self.call(ctx, self.core.export, actor, merged="merged" in words,
                                 fmt=fmt, private=True)
        if result.filename is None:
            await self.respond(ctx, result.reply, private=True)
            return
        kwargs: dict[str, Any] = {
            "embed": reply_pages(result.reply)[0],
            "file": discord.File(io.BytesIO(result.content), filename=result.filename),
        }
        if ctx.interaction is not None:
            kwargs["ephemeral"] = True
        await ctx.reply(**kwargs)

    @kb.command(name="import", description="Check a file, preview what it changes, then "
                "apply it on confirmation")
    @app_commands.describe(file="A YAML or JSON file, in the shape an export gives")
    async def kb_import(self, ctx: commands.Context, file: discord.Attachment) -> None:
        if ctx.interaction is not None:
            await ctx.defer(ephemeral=True)  # downloading and checking may take a while
        data = await self.read_upload(ctx, file)
        if data is None:
            return
        actor = actor_from_context(ctx)
        preview = await self.call(ctx, self.core.import_preview, actor, data, file.filename)
        if not preview.ok:
            await self.respond(ctx, preview.reply, private=True)
            return
        view = ImportConfirmView(self, preview, data, file.filename, owner_id=ctx.author.id,
                                 private=ctx.interaction is not None)
        kwargs: dict[str, Any] = {"embed": view.pages[0], "view": view}
        if ctx.interaction is not None:
            kwargs["ephemeral"] = True
        view.message = await ctx.reply(**kwargs)

    kb_set.autocomplete("role")(role_choices)
    kb_set.autocomplete("field")(field_choices)
    kb_set.autocomplete("source")(source_choices)
    kb_alias_add.autocomplete("role")(role_choices)
    kb_alias_remove.autocomplete("role")(role_choices)
    kb_faq_add.autocomplete("source")(source_choices)
    kb_faq_edit.autocomplete("entry")(faq_choices)
    kb_faq_edit.autocomplete("source")(source_choices)
    kb_faq_remove.autocomplete("entry")(faq_choices)
    kb_role_remove.autocomplete("role")(role_choices)
    kb_show.autocomplete("role")(role_choices)

    # -- config -----------------------------------------------------------------------------

    @hybrid_group(name="config", invoke_without_command=True, case_insensitive=True,
                           description="This server's settings: prefix, moderator roles, "
                           "Q&A channels")
    @app_commands.default_permissions(manage_guild=True)  # hidden from members; checks stay
    async def config(self, ctx: commands.Context) -> None:
        await self.group_help(ctx, self.config)

    @config.command(name="show", description="Show this server's settings")
    async def config_show(self, ctx: commands.Context) -> None:
        await self.run(ctx, self.core.config_show, private=True)

    @config.command(name="prefix", description="Change the prefix of text commands here")
    @app_commands.describe(prefix="The new prefix, e.g. ?, or default for the bot's own")
    async def config_prefix(self, ctx: commands.Context, prefix: str) -> None:
        await self.run(ctx, self.core.config_prefix, prefix)

    @config.command(name="unasked", description="Answer questions nobody addressed to the bot "
                    "in Q&A channels, or not")
    @app_commands.describe(state="on or off")
    async def config_unasked(self, ctx: commands.Context, state: Literal["on", "off"]) -> None:
        await self.run(ctx, self.core.config_unasked, state == "on")

    @config.group(name="modrole", invoke_without_command=True, case_insensitive=True,
                  description="Roles whose members may edit the knowledge here")
    async def config_modrole(self, ctx: commands.Context) -> None:
        await self.group_help(ctx, self.config_modrole)

    @config_modrole.command(name="add", description="Let members with this role edit the "
                            "knowledge here")
    @app_commands.describe(role="The moderator role")
    async def config_modrole_add(self, ctx: commands.Context, role: discord.Role) -> None:
        await self.run(ctx, self.core.config_modrole, "add", role.id)

    @config_modrole.command(name="remove", description="Stop a role's members editing the "
                            "knowledge here")
    @app_commands.describe(role="The moderator role to remove")
    async def config_modrole_remove(self, ctx: commands.Context, role: discord.Role) -> None:
        await self.run(ctx, self.core.config_modrole, "remove", role.id)

    @config.group(name="channel", invoke_without_command=True, case_insensitive=True,
                  description="Q&A channels, where the bot may answer questions unasked")
    async def config_channel(self, ctx: commands.Context) -> None:
        await self.group_help(ctx, self.config_channel)

    @config_channel.command(name="add", description="Make a channel a Q&A channel")
    @app_commands.describe(channel="The channel")
    async def config_channel_add(self, ctx: commands.Context,
                                 channel: discord.TextChannel) -> None:
        await self.run(ctx, self.core.config_channel, "add", channel.id)

    @config_channel.command(name="remove", description="Stop treating a channel as a Q&A channel")
    @app_commands.describe(channel="The channel")
    async def config_channel_remove(self, ctx: commands.Context,
                                    channel: discord.TextChannel) -> None:
        await self.run(ctx, self.core.config_channel, "remove", channel.id)


class ImportConfirmView(PageView):
    """An import preview's pages with Confirm and Cancel, for the moderator who sent the file.

    Confirm applies exactly what was previewed (the preview's token: if the knowledge
    changed meanwhile the core refuses and says so); the buttons go away after one use or
    after ``CONFIRM_TIMEOUT``, so a preview can never be applied twice.
    """

    def __init__(self, cog: ModerationCog, preview: ImportPreview, data: bytes, filename: str,
                 *, owner_id: int, private: bool, timeout: float | None = None) -> None:
        super().__init__(reply_pages(preview.reply), owner_id=owner_id,
                         timeout=CONFIRM_TIMEOUT if timeout is None else timeout)
        self.cog = cog
        self.token = preview.token
        self.data = data
        self.filename = filename
        self.private = private
        self.finished = False
        self.message: discord.Message | None = None
        if len(self.pages) == 1:
            self.remove_item(self.previous)
            self.remove_item(self.next)

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        if interaction.user.id == self.owner_id:
            return True
        embed = reply_pages(render("kb/not_your_import.j2"))[0]
        await interaction.response.send_message(embed=embed, ephemeral=True)
        return False

    async def _finish(self, interaction: discord.Interaction) -> bool:
        """Take the buttons away (answering the click); False if another click did already."""
        if self.finished:
            await interaction.response.defer()
            return False
        self.finished = True
        self.stop()
        await interaction.response.edit_message(embed=self.pages[self.index], view=None)
        return True

    async def _send(self, interaction: discord.Interaction, reply: Reply) -> None:
        pages = reply_pages(reply)
        kwargs: dict[str, Any] = {"embed": pages[0],
                                  "ephemeral": self.private or reply.kind == "error"}
        if len(pages) > 1:
            kwargs["view"] = PageView(pages, owner_id=self.owner_id)
        await interaction.followup.send(**kwargs)

    @discord.ui.button(label="Confirm", style=discord.ButtonStyle.success)
    async def confirm(self, interaction: discord.Interaction, button: discord.ui.Button) -> None:
        if not await self._finish(interaction):
            return
        actor: Actor = actor_from_interaction(interaction)  # permissions as they are now
        reply = await asyncio.to_thread(self.cog.core.import_apply, actor, self.data,
                                        self.filename, token=self.token)
        await self._send(interaction, reply)

    @discord.ui.button(label="Cancel", style=discord.ButtonStyle.secondary)
    async def cancel(self, interaction: discord.Interaction, button: discord.ui.Button) -> None:
        if await self._finish(interaction):
            await self._send(interaction, render("kb/import_cancelled.j2",
                                                 filename=self.filename))

    async def on_timeout(self) -> None:
        if self.finished or self.message is None:
            return
        self.finished = True
        try:
            await self.message.edit(view=None)
        except discord.HTTPException:
            log.debug("could not remove the buttons of an expired import preview", exc_info=True)

    async def on_error(self, interaction: discord.Interaction, error: Exception,
                       item: discord.ui.Item[Any]) -> None:
        log.error("import confirmation failed", exc_info=error)
        embed = reply_pages(render("internal_error.j2",
                                   prefix=self.cog.bot.prefix_for(interaction.guild)))[0]
        if interaction.response.is_done():
            await interaction.followup.send(embed=embed, ephemeral=True)
        else:
            await interaction.response.send_message(embed=embed, ephemeral=True)


async def setup(bot: CareerBot) -> None:
    await bot.add_cog(ModerationCog(bot))
