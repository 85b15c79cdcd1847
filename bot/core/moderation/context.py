"""What every moderation job shares: the store and its file, each server's settings, how
replies write commands, and turning every refusal into its reply.

Permission to change anything is checked once, by the write path, inside the
transaction that makes the change (``bot.knowledge.edits``); the jobs build their change
as a *draft* that runs after that check, so someone who may not edit is told so before
anything about what they typed. Reading (show, history, export, autocomplete) needs the
same permission and checks it here, against the settings this object keeps per data
version: no connection of its own.

The command prefix replies write ("?kb undo 3" where a server's prefix is ?) is worked
out once per operation and passed to the template explicitly.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from typing import Any

from bot.core.moderation.diffs import DiffLine, entry_lines
from bot.core.render import render
from bot.core.reply import Reply
from bot.knowledge import edits as write_path
from bot.knowledge.changes import (
    AuditEntry,
    ChangeError,
    Conflict,
    NoChange,
    PermissionDenied,
    Problem,
)
from bot.knowledge.edits import Draft
from bot.knowledge.guild_settings import GuildSettings, read_guild_settings
from bot.knowledge.models import Knowledge, Role
from bot.knowledge.overlay import GLOBAL_SCOPE
from bot.knowledge.permissions import Actor
from bot.knowledge.role_index import role_index
from bot.knowledge.store import KnowledgeStore, StoreError
from bot.text.names import fold


class Refused(Exception):
    """A reply to give instead of going on: ``template`` with ``values`` (an unknown role)."""

    def __init__(self, template: str, **values: Any) -> None:
        super().__init__(template)
        self.template = template
        self.values = values


class Context:
    """The moderation operations' shared state over one knowledge base (the store's file)."""

    def __init__(self, store: KnowledgeStore, *, default_prefix: str = "!",
                 command_prefix: str | None = None) -> None:
        self.store = store
        self.db_path = store.db_path
        self.default_prefix = default_prefix
        self.command_prefix = command_prefix
        self._settings: tuple[Any, dict[str, GuildSettings]] = (None, {})

    # -- reading -------------------------------------------------------------------------

    def knowledge(self, actor_or_guild: Actor | str | None) -> Knowledge:
        guild = actor_or_guild.guild_id if isinstance(actor_or_guild, Actor) else actor_or_guild
        return self.store.knowledge(None if guild in (None, GLOBAL_SCOPE) else guild)

    def settings(self, guild_id: str | int | None) -> GuildSettings:
        """A server's settings, cached until the database changes (cheap per message)."""
        version = self.store.version()
        cached_version, cache = self._settings
        if cached_version != version:
            cache = {}
            self._settings = (version, cache)
        key = "" if guild_id is None else str(guild_id)
        if key not in cache:
            cache[key] = self.store.read(lambda conn: read_guild_settings(conn, guild_id))
        return cache[key]

    def check(self, actor: Actor, action: str) -> None:
        """PermissionDenied unless ``actor`` may ``action`` (a read: "show", "history",
        "export"), from the cached settings; through the write path's own reader when the
        store cannot read them."""
        try:
            settings = self.settings(actor.guild_id)
        except (sqlite3.DatabaseError, StoreError):
            write_path.authorize(self.db_path, actor, action)
            return
        write_path.check(actor, action, settings)

    def command_in(self, guild_id: str | None) -> str:
        """How replies in ``guild_id`` write a kb command ("!kb ", or the server's prefix)."""
        if self.command_prefix is not None:
            return self.command_prefix
        try:
            prefix = self.settings(guild_id).prefix_or(self.default_prefix)
        except (sqlite3.DatabaseError, StoreError):  # unreadable: the default still reads right
            prefix = self.default_prefix
        return f"{prefix}kb "

    # -- replies ---------------------------------------------------------------------------

    def render(self, cmd: str, template: str, **values: Any) -> Reply:
        return render(f"kb/{template}", cmd=cmd, **values)

    def guard(self, actor: Actor, body: Callable[[str], Reply], *,
              check: str | None = None) -> Reply:
        """Run ``body`` (given the command prefix) and turn every refusal into its reply;
        ``check`` names a read to authorise first (changes are authorised by the write path)."""
        cmd = self.command_in(actor.guild_id)
        try:
            if check is not None:
                self.check(actor, check)
            return body(cmd)
        except PermissionDenied as exc:
            return self.render(cmd, "denied.j2", reason=exc.reason, actor=actor)
        except Refused as exc:
            return self.render(cmd, exc.template, **exc.values)
        except ChangeError as exc:
            return self.render(cmd, "invalid.j2", problems=[str(p) for p in exc.problems],
                               importing=False)
        except NoChange as exc:
            return self.render(cmd, "nochange.j2", what=exc.what, value=exc.value)
        except Conflict as exc:
            if exc.undo_of is not None and \
                    (undone := write_path.standing_undo(self.db_path, exc.undo_of)) is not None:
                return self.render(cmd, "already_undone.j2", entry_id=exc.undo_of, undo=undone[0],
                                   part_of=undone[1], lines=self.lines(undone[0]))
            return self.render(cmd, "conflict.j2", c=exc,
                               lines=self.lines(exc.by) if exc.by is not None else [])
        except write_path.EditError as exc:  # the file, not the change: missing, busy, disk full
            return self.render(cmd, "invalid.j2", problems=[str(exc)], importing=False)

    def lines(self, entry: AuditEntry) -> list[DiffLine]:
        """What ``entry`` changed; an undo's original is read on the store's connection."""
        return entry_lines(entry, self.knowledge(entry.guild_id), lambda entry_id: self.store.read(
            lambda conn: write_path.read_entry(conn, entry_id)))

    def apply(self, actor: Actor, draft: Draft, *, config: bool = False) -> Reply:
        """Make the change ``draft`` builds (after the write path has authorised ``actor``)
        and reply with what it changed."""
        return self.guard(actor, lambda cmd: self.changed(
            write_path.apply_draft(self.db_path, actor, draft, config=config), cmd))

    def changed(self, entry: AuditEntry, cmd: str) -> Reply:
        self.store.invalidate()
        if entry.action in ("config.prefix", "undo"):  # the prefix may have just changed
            cmd = self.command_in(None if entry.guild_id == GLOBAL_SCOPE else entry.guild_id)
        return self.render(cmd, "changed.j2", entry=entry, lines=self.lines(entry),
                           sources=self.knowledge(entry.guild_id).sources)

    # -- naming things exactly -------------------------------------------------------------

    def role_in(self, knowledge: Knowledge, text: str) -> Role:
        """The role ``text`` names exactly in ``knowledge``; edits never guess."""
        index = role_index(knowledge)
        match = index.resolve(text or "")
        if match.ok and match.exact:
            return knowledge.roles[match.slug]  # type: ignore[index]
        suggestions = [match.slug] if match.slug else list(match.suggestions)
        raise Refused("unknown_role.j2", query=text, roles=knowledge.role_list(),
                      suggestions=[knowledge.roles[s] for s in suggestions if s in knowledge.roles])

    @staticmethod
    def source_in(knowledge: Knowledge, text: str | None) -> str:
        """A source id from an id or an unambiguous part of its name."""
        if not text or not text.strip():
            raise ChangeError([Problem("source", "is required: name the source of the figures "
                                       "(one of " + ", ".join(sorted(knowledge.sources)) + ")")])
        text = text.strip()
        if text in knowledge.sources:
            return text
        wanted = fold(text)
        found = [s.id for s in knowledge.sources.values()
                 if wanted in fold(s.id) or wanted in fold(s.name)]
        if len(found) == 1:
            return found[0]
        raise ChangeError([Problem("source", f"{text!r} is not a known source; known sources: "
                                   + ", ".join(sorted(knowledge.sources)))])
