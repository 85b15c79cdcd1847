"""The bot client: intents, safe mentions, error handling, command logging, syncing.

Errors are answered with a short friendly message (ephemeral for slash commands) and
logged with their traceback; no traceback text ever reaches Discord. A member over the
cooldown is told once per cooldown window (``cooldown_notes``); further commands and
questions in that window get no reply. Mentions are off by
default so no answer can ping @everyone, @here, a role or even the asker.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import io
import logging
import sqlite3
import threading
import time
from collections.abc import Awaitable, Callable
from typing import Any

import discord
from cachetools import LRUCache
from discord import app_commands
from discord.ext import commands
from discord.ext.commands import cooldowns as dpy_cooldowns

from bot.core.advisor import Advisor
from bot.core.charts import CACHE_SIZE as CHART_CACHE_SIZE
from bot.core.charts import Chart, SalaryChart, draw
from bot.core.charts import warm as warm_charts
from bot.core.moderation import Moderation
from bot.core.render import environment, render, warm_templates
from bot.core.reply import Reply
from bot.core.request import Request
from bot.discord_app.adapter import request_from_context
from bot.discord_app.cooldown_notes import CooldownNotes
from bot.discord_app.embeds import reply_pages
from bot.discord_app.feedback import attach_feedback
from bot.discord_app.ordering import ChannelTurns
from bot.discord_app.paginator import PageView
from bot.discord_app.sending import reply_to
from bot.knowledge.guild_settings import GuildSettings
from bot.knowledge.store import StoreError
from bot.settings import Settings

log = logging.getLogger("careerbot.discord")

#: Per-user cooldown for answering commands: this many commands ...
COOLDOWN_RATE = 5
#: ... per this many seconds.
COOLDOWN_SECONDS = 10.0
#: Expired cooldown buckets are swept at most this often (see ``SweptCooldownMapping``).
COOLDOWN_SWEEP_SECONDS = COOLDOWN_SECONDS

#: Events whose handlers share one data-version check (see ``CareerBot.dispatch``).
_MESSAGE_EVENTS = frozenset({"message", "interaction"})
#: Events the command log notes inline (see ``CareerBot.dispatch``).
_COMMAND_EVENTS = frozenset({"command", "command_completion"})
#: Prefix lists kept (one per distinct server prefix; far more than servers ever set).
PREFIX_LISTS_KEPT = 1024
#: The conversation's handler for a message that is no command, given its context.
QuestionHandler = Callable[[discord.Message, commands.Context], Awaitable[None]]

EXTENSIONS = (
    "bot.discord_app.cogs.advice",
    "bot.discord_app.cogs.moderation",
    "bot.discord_app.cogs.gaps",  # after moderation: it adds to the kb and config groups
    "bot.discord_app.cogs.conversation",
    "bot.discord_app.cogs.about",
)


def intents() -> discord.Intents:
    """Guild messages with content (for prefix commands and questions), DMs; no members."""
    value = discord.Intents.none()
    value.guilds = True
    value.guild_messages = True
    value.dm_messages = True
    value.message_content = True
    return value


def drawn_chart(chart: SalaryChart) -> Chart | None:
    """The chart drawn, or None; a chart that fails to draw is logged and left out,
    since the text of the reply is complete without it."""
    try:
        return draw(chart)
    except Exception:
        log.exception("could not draw the chart %r", chart.title)
        return None


class SweptCooldownMapping(commands.CooldownMapping):
    """discord.py's cooldown mapping, sweeping expired buckets once per
    ``COOLDOWN_SWEEP_SECONDS`` instead of on every message.

    discord.py scans every bucket on each ``get_bucket`` to drop the expired ones, so a
    message cost grew with the members active in the last window: about 200 µs a message
    with 10,000 of them. A bucket left past its window until the next sweep is harmless
    (its window restarts when its member next sends, as a new bucket's would), and the
    buckets held stay bounded by the members active in one window plus one sweep period.
    The clock is discord.py's own (the module's ``time``), as its cooldowns read it.
    """

    def __init__(self, original: commands.Cooldown | None,
                 type: Any) -> None:
        super().__init__(original, type)
        self._swept_at = float("-inf")

    def copy(self) -> SweptCooldownMapping:
        ret = SweptCooldownMapping(self._cooldown, self._type)
        ret._cache = self._cache.copy()
        return ret

    def _verify_cache_integrity(self, current: float | None = None) -> None:
        current = current or dpy_cooldowns.time.time()
        if self._swept_at <= current < self._swept_at + COOLDOWN_SWEEP_SECONDS:
            return
        self._swept_at = current
        super()._verify_cache_integrity(current)


class CareerBot(commands.Bot):
    """commands.Bot carrying the advisor and moderation, with careerbot's defaults.

    ``moderation`` should share the advisor's store (``bot.app.create_moderation``), so an
    edit shows in the next answer; by default it is built over ``advisor.store``.
    """

    def __init__(self, advisor: Advisor, settings: Settings,
                 moderation: Moderation | None = None, **kwargs: Any) -> None:
        # careerbot never joins voice: discord.py's "PyNaCl/davey is not installed"
        # warnings would only alarm the owner reading the log.
        discord.VoiceClient.warn_nacl = False
        discord.VoiceClient.warn_dave = False
        super().__init__(
            command_prefix=self._command_prefixes,
            intents=intents(),
            allowed_mentions=discord.AllowedMentions.none(),
            help_command=None,
            case_insensitive=True,
            strip_after_prefix=True,
            # Fits the intents above (no members, so no chunking): see the setting's note.
            **{"guild_ready_timeout": settings.guild_ready_timeout, **kwargs},
        )
        self.advisor = advisor
        self.settings = settings
        self.moderation = moderation if moderation is not None else Moderation(
            advisor.store, default_prefix=settings.prefix)
        # The tree's documented hook (it sets ``tree.on_error``), rather than assigning the method.
        self.tree.error(self.on_app_command_error)
        #: Per-user cooldown shared by every command and plain question.
        self.cooldowns = SweptCooldownMapping(
            commands.Cooldown(COOLDOWN_RATE, COOLDOWN_SECONDS), commands.BucketType.user)
        #: Who has been told to slow down in their current cooldown window.
        self.cooldown_notes = CooldownNotes()
        self.turns = ChannelTurns()
        #: Answers a message that is no command (the conversation cog sets it while loaded).
        self.question_handler: QuestionHandler | None = None
        #: ``_command_prefixes``' lists, by (prefix, bot user id).
        self._prefix_lists: LRUCache[tuple[str, int | None], list[str]] = LRUCache(
            maxsize=PREFIX_LISTS_KEPT)
        #: The background load of the chart library, started once the bot is ready.
        self._charts_warming: asyncio.Task[None] | None = None
        #: The background compile of every template, started once connected.
        self._templates_warming: asyncio.Task[None] | None = None
        #: Charts already drawn, so a reply whose chart is drawn attaches it at once: the
        #: hop to a worker thread that drawing needs costs more than the rest of a cached
        #: ``!compare`` (about 0.3 ms of the loop's time, waking the thread and waiting
        #: for the GIL back). As many as the chart module keeps (the same objects).
        self.charts_drawn: LRUCache[SalaryChart, Chart] = LRUCache(maxsize=CHART_CACHE_SIZE)
        self._charts_lock = threading.Lock()  # worker threads draw and store too

    async def setup_hook(self) -> None:
        # The global view's role index, which every first message needs. The templates are
        # compiled after connecting, off the loop (``on_connect``), not here before login.
        self.advisor.index(self.advisor.knowledge())
        for extension in EXTENSIONS:
            await self.load_extension(extension)
        if self.settings.dev_guild_id:
            guild = discord.Object(id=self.settings.dev_guild_id)
            self.tree.copy_global_to(guild=guild)
            synced = await self.tree.sync(guild=guild)
            log.info("synced %d slash commands to dev guild %s", len(synced), guild.id)

    def dispatch(self, event_name: str, /, *args: Any, **kwargs: Any) -> None:
        """Dispatch as discord.py does; a message's or interaction's handlers (prefix
        lookups, the command, the conversation: tasks that inherit this context) share one
        check of the knowledge's data version (``KnowledgeStore.one_check``). Other events
        (ready, whose tasks outlive it) check on every read as before.

        A command's start and completion are noted here, inline, for the command log
        (``_note_command``): as ``on_command``/``on_command_completion`` methods they were
        two tasks on every command, created, scheduled and run only to read a clock and
        write one line."""
        if event_name in _COMMAND_EVENTS:
            self._note_command(event_name, args[0])
        elif event_name in _MESSAGE_EVENTS:
            with self.advisor.store.one_check():
                super().dispatch(event_name, *args, **kwargs)
            return
        super().dispatch(event_name, *args, **kwargs)

    # -- per-server prefix ---------------------------------------------------------------

    def prefix_for(self, guild: discord.abc.Snowflake | None) -> str:
        """The command prefix in ``guild`` (its settings may change it), else the default.

        Cheap per message: server settings are cached until the database changes.
        """
        settings = self.server_settings(guild.id) if guild is not None else None
        return settings.prefix_or(self.settings.prefix) if settings is not None else self.settings.prefix

    def server_settings(self, guild_id: str | int | None) -> GuildSettings | None:
        """A server's settings, or None (logged) when the database cannot be read: the
        prefix, help and /about then fall back to the defaults rather than fail."""
        try:
            return self.moderation.settings(guild_id)
        except (sqlite3.DatabaseError, StoreError):
            log.warning("cannot read the settings of server %s; using the defaults", guild_id)
            return None

    def _command_prefixes(self, bot: commands.Bot, message: discord.Message) -> list[str]:
        """The server's prefix, and a mention of the bot, which always works: what
        ``commands.when_mentioned_or(prefix)`` gives, one list per prefix (and bot user)
        kept rather than two closures and three lists built for every message.
        discord.py copies the list it gets (``Bot.get_prefix``), so sharing it is safe."""
        prefix = self.prefix_for(message.guild)
        user_id = self.user.id if self.user is not None else None
        key = (prefix, user_id)
        kept = self._prefix_lists.get(key)
        if kept is None:
            kept = commands.when_mentioned_or(prefix)(bot, message)
            self._prefix_lists[key] = kept
        return kept

    async def on_message(self, message: discord.Message) -> None:
        """Each message gets one handler: its command, else the conversation.

        discord.py's ``on_message`` runs the command; the conversation cog used to listen
        too, as a second task per message that looked up the prefix and parsed the
        context again. Here the context made for the command decides: a message that is
        no command goes to ``question_handler`` (the conversation cog's, set while it is
        loaded) with that context. Nothing here awaits before the command or the question
        takes its channel's turn, so turns stay in arrival order."""
        if message.author.bot:
            return
        ctx = await self.get_context(message)
        await self.invoke(ctx)
        handler = self.question_handler
        if handler is not None and not ctx.valid:
            await handler(message, ctx)

    async def on_connect(self) -> None:
        if self._templates_warming is None:  # on_connect fires again after a reconnect
            self._templates_warming = asyncio.create_task(self._warm_templates())

    async def _warm_templates(self) -> None:
        """Compile every template in a worker thread while the gateway sends the servers,
        so neither login nor the loop waits for it (0.4 s for 75 templates). A message
        that comes first compiles the one template it uses, as ``careerbot ask`` does;
        jinja2's template cache takes a lock to write, so at worst a template compiles
        twice, to the same result. The environment itself is made here, on the loop, so
        the worker and the first message share one (``environment`` is a cached call)."""
        environment()
        try:
            count = await asyncio.to_thread(warm_templates)
        except Exception:  # each template still compiles on first use
            log.exception("could not compile the templates ahead; each compiles on first use")
        else:
            log.debug("compiled %d templates", count)

    async def on_ready(self) -> None:
        log.info("ready as %s in %d servers", self.user, len(self.guilds))
        if self._charts_warming is None:  # on_ready fires again after a reconnect
            self._charts_warming = asyncio.create_task(self._warm_charts())

    async def _warm_charts(self) -> None:
        """Load the chart library in a worker thread once connected, so the first chart a
        member asks for is drawn without the library's start-up (see ``charts.warm``)."""
        try:
            await asyncio.to_thread(warm_charts)
        except Exception:  # a chart is an extra: the text answers stand without it
            log.exception("could not load the chart library; charts will load on first use")

    async def invoke(self, ctx: commands.Context) -> None:
        """Run a prefix command in its channel's turn, so replies keep the message order.

        Its error reply is sent inside the turn too: the cogs answer errors inline
        (``cog_command_error`` calls ``answer_error``) instead of in a later task.
        """
        if ctx.command is None:
            await super().invoke(ctx)
            return
        async with self.turns.turn(ctx.channel.id):
            await super().invoke(ctx)

    # -- sending -----------------------------------------------------------------------

    def _drawn(self, chart: SalaryChart) -> Chart | None:
        """``chart`` drawn (here, on the caller's thread, unless drawn before), kept in
        ``charts_drawn``."""
        with self._charts_lock:
            drawn = self.charts_drawn.get(chart)
        if drawn is None:
            drawn = drawn_chart(chart)
            if drawn is not None:
                with self._charts_lock:
                    self.charts_drawn[chart] = drawn
        return drawn

    def reply_kwargs(self, reply: Reply, owner_id: int) -> dict:
        """Message arguments for a core Reply: one embed, or pages with buttons for the asker.

        A reply with chart data gets the picture as an attachment that the first page's
        embed shows as its image; page turns edit only the embed, so the file stays on
        the message and the first page shows it again.
        """
        pages = reply_pages(reply)
        kwargs: dict = {"embed": pages[0]}
        drawn = self._drawn(reply.chart) if reply.chart is not None else None
        if drawn is not None:
            chart = discord.File(io.BytesIO(drawn.png), filename=drawn.filename)
            pages[0].set_image(url=f"attachment://{chart.filename}")
            kwargs["file"] = chart
        if len(pages) > 1:
            kwargs["view"] = PageView(pages, owner_id=owner_id)
        return kwargs

    async def send_reply(self, ctx: commands.Context, reply: Reply, *,
                         ephemeral: bool = False, rated: Request | None = None) -> None:
        """Send a core Reply in answer to a command (a reply, or the interaction response);
        ``rated``: a free-form question (``!ask``, ``/ask``) whose answer its asker may rate."""
        if reply.chart is not None and reply.chart not in self.charts_drawn:
            # Draw off the event loop (some tens of ms, more on first use); kept after.
            await asyncio.to_thread(self._drawn, reply.chart)
        kwargs = self.reply_kwargs(reply, ctx.author.id)
        if rated is not None and not ephemeral:
            attach_feedback(self, rated, reply, kwargs)  # 👍 / 👎 for the asker
        if ctx.interaction is not None:
            await ctx.reply(ephemeral=ephemeral, **kwargs)
        else:
            await reply_to(ctx.message, **kwargs)

    def slow_down_reply(self, user_id: int, sent_at: dt.datetime, retry_after: float, *,
                        interaction: bool = False) -> Reply | None:
        """The "slow down" note for a member held back by the cooldown, or None when they
        were told already in this window (the message is then dropped without a reply).

        ``sent_at`` is the message's own time, the clock the cooldown itself uses. A slash
        command is always answered: Discord shows the member "the application did not
        respond" otherwise, and the note is ephemeral, seen by nobody else.
        """
        if not self.cooldown_notes.should_note(user_id, sent_at.timestamp(), retry_after) \
                and not interaction:
            log.debug("dropped a message over the cooldown user=%s retry_after=%.1f",
                      user_id, retry_after)
            return None
        return render("cooldown.j2", retry_after=retry_after)

    # -- logging and errors ------------------------------------------------------------

    def _note_command(self, event_name: str, ctx: commands.Context) -> None:
        """The command log: the clock starts when discord.py dispatches ``command`` and
        the line is written when it dispatches ``command_completion`` (prefix and slash)."""
        if event_name == "command":
            ctx.started_at = time.perf_counter()  # type: ignore[attr-defined]
            return
        if not log.isEnabledFor(logging.INFO):
            return
        started = getattr(ctx, "started_at", None)
        latency = (time.perf_counter() - started) * 1000 if started else -1.0
        log.info(
            "command=%s guild=%s kind=%s latency_ms=%.2f",
            ctx.command.qualified_name if ctx.command else "?",
            ctx.guild.id if ctx.guild else "dm",
            "slash" if ctx.interaction else "prefix",
            latency,
        )

    async def on_command_error(self, ctx: commands.Context, error: commands.CommandError) -> None:
        """Errors no cog answered already (cogs answer theirs inline, in the channel's turn)."""
        if getattr(ctx, "error_answered", False):
            return
        await self.answer_error(ctx, error)

    async def answer_error(self, ctx: commands.Context, error: Exception) -> None:
        """Every command error becomes a friendly answer; unexpected ones are logged in full."""
        ctx.error_answered = True  # type: ignore[attr-defined]
        if isinstance(error, commands.CommandNotFound):
            return  # someone else's bot, or a typo of ours: the core answers "!help" requests
        if getattr(error, "handled", False):
            return  # the command's cog has answered it already
        prefix = self.prefix_for(ctx.guild)
        original = getattr(error, "original", error)
        if isinstance(error, commands.CommandOnCooldown):
            reply = self.slow_down_reply(ctx.author.id, ctx.message.created_at, error.retry_after,
                                         interaction=ctx.interaction is not None)
            if reply is None:
                return
        elif isinstance(error, commands.UserInputError):
            # discord.py could not split the arguments; the core explains usage itself.
            text = ctx.message.content if ctx.interaction is None else ""
            reply = self.advisor.handle(request_from_context(ctx, text)) if text else render(
                "internal_error.j2", prefix=prefix)
        elif isinstance(error, commands.CheckFailure):
            reply = render("not_allowed.j2", prefix=prefix)
        else:
            log.error("command %s failed", ctx.command, exc_info=original)
            reply = render("internal_error.j2", prefix=prefix)
        try:
            await self.send_reply(ctx, reply, ephemeral=True)
        except discord.HTTPException:
            log.exception("could not send the error reply")

    async def on_app_command_error(self, interaction: discord.Interaction,
                                   error: app_commands.AppCommandError) -> None:
        """Errors of pure app commands (hybrid ones go through on_command_error)."""
        log.error("app command failed", exc_info=getattr(error, "original", error))
        text = render("internal_error.j2", prefix=self.prefix_for(interaction.guild))
        embed = reply_pages(text)[0]
        if interaction.response.is_done():
            await interaction.followup.send(embed=embed, ephemeral=True)
        else:
            await interaction.response.send_message(embed=embed, ephemeral=True)



class ShardedCareerBot(CareerBot, commands.AutoShardedBot):
    """CareerBot over discord.py's AutoShardedBot: one gateway connection per shard.

    Chosen only when ``CAREERBOT_SHARD_COUNT`` is set (``create_bot``), so a bot in a few
    servers keeps the single connection it has always had. Everything else (commands,
    cooldowns, the store) is CareerBot's; discord.py routes each server's events to the
    shard ``(guild_id >> 22) % shard_count``.
    """

    async def on_shard_ready(self, shard_id: int) -> None:
        """One line per shard, so an owner running several processes sees which is up."""
        servers = sum(1 for guild in self.guilds if guild.shard_id == shard_id)
        log.info("shard %d of %s ready with %d servers", shard_id, self.shard_count, servers)


def create_bot(advisor: Advisor, settings: Settings,
               moderation: Moderation | None = None, **kwargs: object) -> CareerBot:
    """The bot ``settings`` ask for: sharded when ``CAREERBOT_SHARD_COUNT`` is set (this
    process running ``CAREERBOT_SHARD_IDS``, or every shard), else one plain connection."""
    if not settings.sharded:
        return CareerBot(advisor, settings, moderation=moderation, **kwargs)
    shard_ids = list(settings.shard_ids) if settings.shard_ids is not None else None
    return ShardedCareerBot(advisor, settings, moderation=moderation,
                            shard_count=settings.shard_count, shard_ids=shard_ids, **kwargs)


def shard_latency(bot: discord.Client, guild: discord.Guild | None) -> float:
    """The gateway latency of the connection serving ``guild`` (its shard's when sharded;
    shard 0 carries DMs), so /about shows the figure for the asking server, not an average."""
    if isinstance(bot, discord.AutoShardedClient):
        shard = bot.get_shard(guild.shard_id if guild is not None else 0)
        if shard is not None:
            return shard.latency
    return bot.latency
