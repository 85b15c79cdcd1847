"""Moderators' and owners' operations, as front ends call them: text in, a Reply out.

The Discord cog (``kb`` and ``config`` groups) and ``careerbot kb`` both translate their
input into calls on ``Moderation`` and show what comes back; neither words anything.
Every method takes the ``Actor`` asking and returns a ``Reply`` (or, for export and
import previews, a small result carrying one), never raising for anything a person can
type: refusals, invalid values, conflicts and unknown roles are all replies. Every
change goes through ``bot.knowledge.edits`` (the one write path), which also decides,
once and inside its transaction, whether the actor may make it; reading the history,
raw data or an export needs the same permission as editing.

``Moderation`` is a facade over small modules, one per job:

- ``edits``: set, alias, faq, role, source; show, history, undo (``KnowledgeEdits``)
- ``transfer``: export, import preview and apply (``Transfer``)
- ``settings``: config show, prefix, unasked, modrole, channel, gaps (``ServerSettings``)
- ``gaps``: kb gaps and kb feedback, answering or dismissing a group (``GapReview``)
- ``choices``: autocomplete (``Choices``)
- ``diffs``: the lines a change moved; ``values``: reading typed values
- ``context``: what they share (store, settings cache, command prefix, refusal replies)

To add an operation: write it in the module of its job (or a new one taking the
``Context``) and add a one-line method here with the same signature.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.core.gaps import GapGroup, GapRecorder
from bot.core.moderation.choices import MAX_CHOICES, Choices
from bot.core.moderation.context import Context
from bot.core.moderation.diffs import DiffLine, diff_lines
from bot.core.moderation.edits import HISTORY_PAGE, KnowledgeEdits
from bot.core.moderation.gaps import GapReview, GapsResult
from bot.core.moderation.settings import ServerSettings
from bot.core.moderation.transfer import ExportResult, ImportPreview, Transfer
from bot.core.moderation.values import CLEAR_WORDS, field_name, parse_value
from bot.core.reply import Reply
from bot.knowledge.gaps import GapLog, log_path
from bot.knowledge.guild_settings import GuildSettings
from bot.knowledge.models import Knowledge
from bot.knowledge.permissions import Actor
from bot.knowledge.store import KnowledgeStore

__all__ = [
    "CLEAR_WORDS", "HISTORY_PAGE", "MAX_CHOICES", "DiffLine", "ExportResult", "GapsResult",
    "ImportPreview",
    "Moderation", "diff_lines", "field_name", "parse_value",
]


class Moderation:
    """The moderation operations over one knowledge base (the store's database file)."""

    def __init__(self, store: KnowledgeStore, *, default_prefix: str = "!",
                 command_prefix: str | None = None) -> None:
        """``command_prefix`` fixes how replies write commands ("careerbot kb " in a shell);
        by default they use the server's prefix ("?kb undo 3" where the prefix is ?)."""
        self.context = Context(store, default_prefix=default_prefix,
                               command_prefix=command_prefix)
        self.store = store
        self.db_path = store.db_path
        self.default_prefix = default_prefix
        self.command_prefix = command_prefix
        self._edits = KnowledgeEdits(self.context)
        self._transfer = Transfer(self.context)
        self._settings = ServerSettings(self.context)
        self._choices = Choices(self.context)
        #: The knowledge-gap log beside the database, and what the chat reports to it
        #: (the Discord bot hands ``recorder`` to its chat engine and starts it).
        self.gap_log = GapLog(log_path(self.db_path))
        self.recorder = GapRecorder(self.gap_log, self.context.settings)
        self._gaps = GapReview(self.context, self.gap_log, self.recorder)

    # -- reading -------------------------------------------------------------------------

    def knowledge(self, actor_or_guild: Actor | str | None) -> Knowledge:
        return self.context.knowledge(actor_or_guild)

    def settings(self, guild_id: str | int | None) -> GuildSettings:
        """A server's settings, cached until the database changes (cheap per message)."""
        return self.context.settings(guild_id)

    # -- knowledge edits -----------------------------------------------------------------

    def set(self, actor: Actor, role: str, assignments: Sequence[tuple[str, str]], *,
            source: str | None = None, date: str | None = None,
            expect: str | None = None) -> Reply:
        """``kb set ROLE FIELD VALUE [FIELD VALUE ...] source:S date:D [expect:OLD]``."""
        return self._edits.set(actor, role, assignments, source=source, date=date, expect=expect)

    def alias(self, actor: Actor, op: str, role: str, alias: str) -> Reply:
        """``kb alias add|remove ROLE ALIAS``."""
        return self._edits.alias(actor, op, role, alias)

    def faq_add(self, actor: Actor, question: str, answer: str,
                tags: str | Sequence[str] | None = None, source: str | None = None) -> Reply:
        return self._edits.faq_add(actor, question, answer, tags, source)

    def faq_edit(self, actor: Actor, entry: str | int, *, question: str | None = None,
                 answer: str | None = None, tags: str | Sequence[str] | None = None,
                 source: str | None = None, expect: str | None = None) -> Reply:
        """Change an FAQ entry of this server; ``expect`` is the answer the editor saw."""
        return self._edits.faq_edit(actor, entry, question=question, answer=answer, tags=tags,
                                    source=source, expect=expect)

    def faq_remove(self, actor: Actor, entry: str | int) -> Reply:
        return self._edits.faq_remove(actor, entry)

    def role_add(self, actor: Actor, slug: str, name: str, *, focus: str = "",
                 aliases: str | Sequence[str] | None = None) -> Reply:
        """A new role with a name, a one-line focus and aliases; figures come with ``set``."""
        return self._edits.role_add(actor, slug, name, focus=focus, aliases=aliases)

    def role_add_document(self, actor: Actor, data: bytes | str, filename: str) -> Reply:
        """A new role from a whole role file (YAML or JSON), checked like the files are."""
        return self._edits.role_add_document(actor, data, filename)

    def role_remove(self, actor: Actor, role: str) -> Reply:
        return self._edits.role_remove(actor, role)

    def source_add(self, actor: Actor, source_id: str, name: str, kind: str, date: str, *,
                   note: str = "", url: str = "") -> Reply:
        return self._edits.source_add(actor, source_id, name, kind, date, note=note, url=url)

    # -- reviewing -------------------------------------------------------------------------

    def show(self, actor: Actor, role: str) -> Reply:
        """A role's data as this server sees it (YAML), and which parts were edited where."""
        return self._edits.show(actor, role)

    def history(self, actor: Actor, *, limit: int = HISTORY_PAGE,
                before: int | None = None) -> Reply:
        return self._edits.history(actor, limit=limit, before=before)

    def undo(self, actor: Actor, entry: str | int) -> Reply:
        return self._edits.undo(actor, entry)

    # -- export and import -----------------------------------------------------------------

    def export(self, actor: Actor, *, merged: bool = False, fmt: str = "yaml",
               filename: str | None = None) -> ExportResult:
        """The server's overlay (or, ``merged``, its whole view) as a YAML or JSON file,
        named ``filename`` when the caller writes it somewhere of its own (``-o FILE``)."""
        return self._transfer.export(actor, merged=merged, fmt=fmt, filename=filename)

    def import_preview(self, actor: Actor, data: bytes | str, filename: str) -> ImportPreview:
        """Check a whole file and show what it would change; nothing is written."""
        return self._transfer.import_preview(actor, data, filename)

    def import_apply(self, actor: Actor, data: bytes | str, filename: str,
                     token: str | None = None) -> Reply:
        """Apply a file in one transaction (after ``import_preview``; pass its token)."""
        return self._transfer.import_apply(actor, data, filename, token)

    # -- server settings -------------------------------------------------------------------

    def config_show(self, actor: Actor) -> Reply:
        return self._settings.config_show(actor)

    def config_prefix(self, actor: Actor, prefix: str | None) -> Reply:
        return self._settings.config_prefix(actor, prefix)

    def config_unasked(self, actor: Actor, on: bool | str) -> Reply:
        return self._settings.config_unasked(actor, on)

    def config_modrole(self, actor: Actor, op: str, role_id: str | int) -> Reply:
        return self._settings.config_modrole(actor, op, role_id)

    def config_channel(self, actor: Actor, op: str, channel_id: str | int) -> Reply:
        return self._settings.config_channel(actor, op, channel_id)

    def config_gaps(self, actor: Actor, state: bool | str) -> Reply:
        return self._settings.config_gaps(actor, state)

    def config_gap_retention(self, actor: Actor, days: str | int) -> Reply:
        return self._settings.config_gap_retention(actor, days)

    # -- knowledge gaps and answer feedback (moderators only) ------------------------------

    def gap_groups(self, actor: Actor, period: str | None = None) -> list[GapGroup]:
        return self._gaps.gap_groups(actor, period)

    def gaps(self, actor: Actor, period: str | None = None, *, csv: bool = False) -> GapsResult:
        return self._gaps.gaps(actor, period, csv=csv)

    def gap_group(self, actor: Actor, period: str, group_id: str) -> GapGroup | Reply:
        return self._gaps.gap_group(actor, period, group_id)

    def gap_answer(self, actor: Actor, period: str, group_id: str, question: str, answer: str,
                   tags: str | Sequence[str] | None = None) -> Reply:
        return self._gaps.gap_answer(actor, period, group_id, question, answer, tags)

    def gap_dismiss(self, actor: Actor, period: str, group_id: str) -> Reply:
        return self._gaps.gap_dismiss(actor, period, group_id)

    def feedback(self, actor: Actor, period: str | None = None) -> Reply:
        return self._gaps.feedback(actor, period)

    # -- autocomplete: the asker's server only, and only for those who may edit ------------

    def may_edit(self, actor: Actor) -> bool:
        """May ``actor`` review and change their scope's knowledge (what autocomplete asks)."""
        return self._choices.may_edit(actor)

    def role_choices(self, actor: Actor, text: str,
                     limit: int = MAX_CHOICES) -> list[tuple[str, str]]:
        """(name, slug) for a kb command's role option, from the actor's server's view."""
        return self._choices.role_choices(actor, text, limit)

    def faq_choices(self, actor: Actor, text: str,
                    limit: int = MAX_CHOICES) -> list[tuple[str, str]]:
        """(label, id) for the entries the actor's moderators wrote (the editable ones)."""
        return self._choices.faq_choices(actor, text, limit)

    def source_choices(self, actor: Actor, text: str,
                       limit: int = MAX_CHOICES) -> list[tuple[str, str]]:
        return self._choices.source_choices(actor, text, limit)

    @staticmethod
    def field_choices(text: str, limit: int = MAX_CHOICES) -> list[tuple[str, str]]:
        return Choices.field_choices(text, limit)
