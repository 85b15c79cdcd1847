"""Moderators' and owners' operations, as front ends call them: text in, a Reply out.

The Discord cog (``kb`` and ``config`` groups) and ``careerbot kb`` both translate their
input into calls on ``Moderation`` and show what comes back; neither words anything.
Every method takes the ``Actor`` asking and returns a ``Reply`` (or, for export and
import previews, a small result carrying one), never raising for anything a person can
type: refusals, invalid values, conflicts and unknown roles are all replies. Every
change goes through ``bot.knowledge.edits`` (the one write path); reading the history,
raw data or an export needs the same permission as editing.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Callable, Mapping, Sequence
from contextvars import ContextVar
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import yaml

from bot.core.gaps import (
    DEFAULT_PERIOD,
    GROUPS_SHOWN,
    GapGroup,
    GapRecorder,
    gaps_csv,
    group_gaps,
    parse_period,
    worst_rated,
)
from bot.core.names import RoleIndex, alias_key, fold
from bot.core.permissions import Actor
from bot.core.render import render
from bot.core.reply import Reply
from bot.knowledge import edits
from bot.knowledge.changes import (
    AuditEntry,
    Change,
    ChangeError,
    Conflict,
    NoChange,
    PermissionDenied,
    Problem,
)
from bot.knowledge.documents import FIELD_SHORT_NAMES, STAT_FIELDS, TEXT_FIELDS, role_document
from bot.knowledge.files import key_label, shown
from bot.knowledge.gaps import GapLog, log_path, read_marks
from bot.knowledge.guild_settings import GuildSettings, read_guild_settings
from bot.knowledge.limits import MAX_HISTORY_ENTRIES, MAX_NUMBER_DIGITS
from bot.knowledge.models import Knowledge, Role
from bot.knowledge.overlay import GLOBAL_SCOPE, scope_rows
from bot.knowledge.planners import entry_id_problem, parse_entry_id
from bot.knowledge.store import KnowledgeStore, StoreError
from bot.knowledge.transfer import (
    FORMATS,
    dump_document,
    export_document,
    import_changes,
    parse_document,
    with_line,
)

#: Words that clear a figure or setting instead of setting it.
CLEAR_WORDS = frozenset({"none", "null", "-", "clear", "unknown"})
_NUMBER = re.compile(r"^([0-9]+(?:\.[0-9]+)?)([km]?)$")
HISTORY_PAGE = 10
MAX_CHOICES = 25
#: How the reply being built writes commands to try ("?kb " for a server whose prefix is ?).
_COMMAND: ContextVar[str] = ContextVar("kb_command", default="!kb ")


@dataclass(frozen=True, slots=True)
class DiffLine:
    """One changed value, for replies: what, of what, before and after."""

    action: str
    subject: str
    field: str
    before: Any
    after: Any


@dataclass(frozen=True, slots=True)
class ExportResult:
    """An export: the reply to show and the attachment to send with it."""

    reply: Reply
    filename: str | None = None
    content: bytes = b""


@dataclass(frozen=True, slots=True)
class ImportPreview:
    """What an import would change. ``ok`` when it can be applied: pass ``token`` to
    ``Moderation.import_apply`` (the confirm button) so exactly this is applied."""

    reply: Reply
    ok: bool
    token: str | None = None
    count: int = 0


@dataclass(frozen=True, slots=True)
class GapsResult:
    """``kb gaps``: the reply, the groups it shows (for Answer / Dismiss buttons), the
    period they were read over, and with ``csv`` the file of every group."""

    reply: Reply
    groups: tuple[GapGroup, ...] = ()
    period: str = DEFAULT_PERIOD
    filename: str | None = None
    content: bytes = b""


class _Refused(Exception):
    """A reply to give instead of going on (unknown role, bad value)."""

    def __init__(self, reply: Reply) -> None:
        self.reply = reply


def parse_value(field: str, text: str) -> Any:
    """A moderator's typed value for ``field``: "180k", "$180,000", "12%", or "none".

    Raises ``ChangeError`` for a number of more than ``MAX_NUMBER_DIGITS`` digits: no
    figure is that large, and converting it could overflow (or, past 4,300 digits, fail).
    """
    text = text.strip()
    if text.lower() in CLEAR_WORDS:
        return None
    if field == "filters" or field in TEXT_FIELDS:
        return text
    cleaned = text.replace(",", "").replace("_", "").replace("$", "").replace("%", "").strip()
    match = _NUMBER.match(cleaned.lower())
    if match is None:
        return text  # the validator names it: "'abc' is not a number"
    digits = len(match.group(1).split(".")[0])
    if digits > MAX_NUMBER_DIGITS:
        raise ChangeError([Problem(field, f"is written with {digits:,} digits; figures are "
                                   f"limited to {MAX_NUMBER_DIGITS} digits")])
    # Decimal, not float: a figure of 17 digits or more would otherwise change as it is read
    number = Decimal(match.group(1)) * {"": 1, "k": 1_000, "m": 1_000_000}[match.group(2)]
    return int(number) if number == number.to_integral_value() else float(number)


def field_name(text: str) -> str | None:
    """The canonical name of a figure or text field as typed ("median", "salary.median")."""
    key = text.strip().lower().replace("-", "_").replace(" ", "_")
    if key in STAT_FIELDS or key in TEXT_FIELDS:
        return key
    return FIELD_SHORT_NAMES.get(key)


def _tags(value: str | Sequence[str] | None) -> list[str] | None:
    if value is None:
        return None
    items = value.split(",") if isinstance(value, str) else list(value)
    return [t.strip() for t in items if t and t.strip()]


def diff_lines(action: str, target: str, before: Any, after: Any,
               knowledge: Knowledge | None = None) -> list[DiffLine]:
    """The values a change (or undo of ``action``) moved, for the reply and the history."""
    subject = target
    if knowledge is not None and target in knowledge.roles:
        subject = knowledge.roles[target].name
    elif target.startswith("faq "):
        subject = f"FAQ entry {target[4:]}"
    elif action.startswith("config."):
        subject = "Settings"
    if action == "figure.set":
        before, after = before or {}, after or {}
        names = [k for k in after if k not in ("as_of", "source")] + ["as_of"]
        return [DiffLine(action, subject, k, before.get(k), after.get(k)) for k in names
                if before.get(k) != after.get(k)]
    if action in ("role.set", "faq.edit"):
        before, after = before or {}, after or {}
        return [DiffLine(action, subject, k, before.get(k), after.get(k))
                for k in dict.fromkeys([*before, *after])]
    if action in ("faq.add", "faq.remove"):
        return [DiffLine(action, subject, "question", (before or {}).get("question"),
                         (after or {}).get("question"))]
    if action in ("role.add", "role.remove", "source.add"):
        def name(v: Any) -> Any:
            return v.get("name") if isinstance(v, dict) else v
        return [DiffLine(action, subject, action.split(".")[0], name(before), name(after))]
    if action.startswith("alias."):
        return [DiffLine(action, subject, "alias", before, after)]
    if action == "config.gaps.retention":
        return [DiffLine(action, subject, "retention", before, after)]
    if action.startswith("config."):
        return [DiffLine(action, subject, action.split(".")[1], before, after)]
    if action == "gap.answer":
        return [DiffLine(action, subject, name, (before or {}).get(name), (after or {}).get(name))
                for name in ("question", "answer")]
    if action == "gap.dismiss":
        return [DiffLine(action, "Knowledge gaps", "group", (before or {}).get("group"),
                         (after or {}).get("group"))]
    return []


class Moderation:
    """The moderation operations over one knowledge base (the store's database file)."""

    def __init__(self, store: KnowledgeStore, *, default_prefix: str = "!",
                 command_prefix: str | None = None) -> None:
        """``command_prefix`` fixes how replies write commands ("careerbot kb " in a shell);
        by default they use the server's prefix ("?kb undo 3" where the prefix is ?)."""
        self.store = store
        self.db_path = store.db_path
        self.default_prefix = default_prefix
        self.command_prefix = command_prefix
        self._settings: tuple[Any, dict[str, GuildSettings]] = (None, {})
        #: The knowledge-gap log beside the database, and what the chat reports to it
        #: (the Discord bot hands ``recorder`` to its chat engine and starts it).
        self.gap_log = GapLog(log_path(self.db_path))
        self.recorder = GapRecorder(self.gap_log, self.settings)

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

    # -- plumbing ------------------------------------------------------------------------

    def _ctx(self, **values: Any) -> dict[str, Any]:
        return {"cmd": _COMMAND.get(), **values}

    def _command_for(self, actor: Actor) -> str:
        return self._command_in(actor.guild_id)

    def _command_in(self, guild_id: str | None) -> str:
        if self.command_prefix is not None:
            return self.command_prefix
        try:
            prefix = self.settings(guild_id).prefix_or(self.default_prefix)
        except (sqlite3.DatabaseError, StoreError):  # unreadable: the default still reads right
            prefix = self.default_prefix
        return f"{prefix}kb "

    def _render(self, template: str, **values: Any) -> Reply:
        return render(f"kb/{template}", **self._ctx(**values))

    def _guard(self, actor: Actor, action: str, body: Callable[[], Reply]) -> Reply:
        """Authorise, run ``body`` and turn every refusal into its reply."""
        token = _COMMAND.set(self._command_for(actor))
        try:
            edits.authorize(self.db_path, actor, action)
            return body()
        except PermissionDenied as exc:
            return self._render("denied.j2", reason=exc.reason, actor=actor)
        except _Refused as exc:
            return exc.reply
        except ChangeError as exc:
            return self._render("invalid.j2", problems=[str(p) for p in exc.problems],
                                importing=False)
        except NoChange as exc:
            return self._render("nochange.j2", what=exc.what, value=exc.value)
        except Conflict as exc:
            if exc.undo_of is not None and (undone := self._undone_by(exc.undo_of)) is not None:
                return self._render("already_undone.j2", entry_id=exc.undo_of, undo=undone[0],
                                    part_of=undone[1], lines=self._lines(undone[0]))
            return self._render("conflict.j2", c=exc, lines=self._conflict_lines(exc))
        except edits.EditError as exc:  # the file, not the change: missing, busy, disk full
            return self._render("invalid.j2", problems=[str(exc)], importing=False)
        finally:
            _COMMAND.reset(token)

    def _undone_by(self, entry_id: int) -> tuple[AuditEntry, int | None] | None:
        """The undo entry that undid ``entry_id`` (or the import it was part of), and that
        import's number, when that undo still stands; None when it was not undone (a later
        change is in the way: a real conflict) or its undo was itself undone."""
        entry = edits.get_entry(self.db_path, entry_id)
        if entry is None:
            return None
        undone = (entry_id,) if entry.parent_id is None else (entry_id, entry.parent_id)

        def latest_undo(conn: sqlite3.Connection) -> tuple[int, int] | None:
            marks = ",".join("?" * len(undone))
            row = conn.execute(
                f"select id, undo_of from audit_log where action = 'undo' and undo_of in ({marks}) "
                "and id not in (select undo_of from audit_log where undo_of is not null) "
                "order by id desc limit 1", undone).fetchone()
            return (row[0], row[1]) if row is not None else None

        found = self.store.read(latest_undo)
        if found is None:
            return None
        undo = edits.get_entry(self.db_path, found[0])
        if undo is None:
            return None
        return undo, (found[1] if found[1] != entry_id else None)

    def _conflict_lines(self, exc: Conflict) -> list[DiffLine]:
        if exc.by is None:
            return []
        return self._lines(exc.by)

    def _lines(self, entry: AuditEntry) -> list[DiffLine]:
        knowledge = self.knowledge(entry.guild_id)
        action = entry.action
        if action == "undo" and entry.undo_of is not None:
            original = edits.get_entry(self.db_path, entry.undo_of)
            action = original.action if original is not None else action
            if action == "import" and original is not None:
                return [line for child in original.children
                        for line in diff_lines(child.action, child.target, child.after,
                                               child.before, knowledge)]
        if action == "import":
            return [line for child in entry.children
                    for line in diff_lines(child.action, child.target, child.before, child.after,
                                           knowledge)]
        return diff_lines(action, entry.target, entry.before, entry.after, knowledge)

    def _apply(self, actor: Actor, change: Change,
               expected: Mapping[str, Any] | None = None) -> Reply:
        entry = edits.apply_change(self.db_path, actor, change, expected=expected)
        return self._changed(entry)

    def _changed(self, entry: AuditEntry) -> Reply:
        self.store.invalidate()
        if entry.action in ("config.prefix", "undo"):  # the prefix may have just changed
            _COMMAND.set(self._command_in(None if entry.guild_id == GLOBAL_SCOPE
                                          else entry.guild_id))
        return self._render("changed.j2", entry=entry, lines=self._lines(entry),
                            sources=self.knowledge(entry.guild_id).sources)

    def _role(self, actor: Actor, text: str) -> Role:
        """The role ``text`` names exactly in the actor's view; edits never guess."""
        knowledge = self.knowledge(actor)
        index = RoleIndex((r.slug, (r.name, r.slug, *r.aliases)) for r in knowledge.roles.values())
        match = index.resolve(text or "")
        if match.ok and match.exact:
            return knowledge.roles[match.slug]  # type: ignore[index]
        suggestions = [match.slug] if match.slug else list(match.suggestions)
        raise _Refused(self._render(
            "unknown_role.j2", query=text, roles=knowledge.role_list(),
            suggestions=[knowledge.roles[s] for s in suggestions if s in knowledge.roles]))

    def _source(self, actor: Actor, text: str | None) -> str:
        """A source id from an id or an unambiguous part of its name."""
        knowledge = self.knowledge(actor)
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

    # -- knowledge edits -----------------------------------------------------------------

    def set(self, actor: Actor, role: str, assignments: Sequence[tuple[str, str]], *,
            source: str | None = None, date: str | None = None,
            expect: str | None = None) -> Reply:
        """``kb set ROLE FIELD VALUE [FIELD VALUE ...] source:S date:D [expect:OLD]``."""

        def body() -> Reply:
            target = self._role(actor, role)
            if not assignments:
                raise ChangeError([Problem("field", "name a field and a value")])
            fields, problems = [], []
            for name, value in assignments:
                canonical = field_name(name)
                if canonical is None:
                    problems.append(Problem(key_label(name), "is not a field; figures are "
                                            + ", ".join(STAT_FIELDS) + "; text fields are "
                                            + ", ".join(TEXT_FIELDS)))
                else:
                    fields.append((canonical, parse_value(canonical, value)))
            if problems:
                raise ChangeError(problems)
            text_fields = [f for f, _ in fields if f in TEXT_FIELDS]
            if text_fields and len(fields) > 1:
                raise ChangeError([Problem(text_fields[0], "set a text field on its own, not "
                                           "together with other fields")])
            if expect is not None and len(fields) > 1:
                raise ChangeError([Problem("expect", "can only check one field at a time")])
            expected = {fields[0][0]: parse_value(fields[0][0], expect)} if expect is not None \
                else None
            if text_fields:
                name, value = fields[0]
                return self._apply(actor, Change("role.set", {"role": target.slug, "field": name,
                                                              "value": value}), expected)
            source_id = self._source(actor, source)
            if not date or not str(date).strip():
                raise ChangeError([Problem("date", "is required: the date the figures are as of "
                                           "(YYYY, YYYY-MM or YYYY-MM-DD)")])
            return self._apply(actor, Change("figure.set", {
                "role": target.slug, "source": source_id, "as_of": str(date).strip(),
                "values": dict(fields)}), expected)

        return self._guard(actor, "figure.set", body)

    def alias(self, actor: Actor, op: str, role: str, alias: str) -> Reply:
        """``kb alias add|remove ROLE ALIAS``."""

        def body() -> Reply:
            if op not in ("add", "remove"):
                raise ChangeError([Problem("", f"{op!r} is not add or remove")])
            target = self._role(actor, role)
            return self._apply(actor, Change(f"alias.{op}", {"role": target.slug, "alias": alias}))

        return self._guard(actor, f"alias.{op}", body)

    def faq_add(self, actor: Actor, question: str, answer: str,
                tags: str | Sequence[str] | None = None, source: str | None = None) -> Reply:
        def body() -> Reply:
            source_id = self._source(actor, source) if source else None
            return self._apply(actor, Change("faq.add", {"question": question, "answer": answer,
                                                         "tags": _tags(tags), "source": source_id}))

        return self._guard(actor, "faq.add", body)

    def faq_edit(self, actor: Actor, entry: str | int, *, question: str | None = None,
                 answer: str | None = None, tags: str | Sequence[str] | None = None,
                 source: str | None = None, expect: str | None = None) -> Reply:
        """Change an FAQ entry of this server; ``expect`` is the answer the editor saw."""

        def body() -> Reply:
            source_id = self._source(actor, source) if source else None
            data = {"id": entry, "question": question, "answer": answer, "tags": _tags(tags),
                    "source": source_id}
            return self._apply(actor, Change("faq.edit", data),
                               {"answer": expect} if expect is not None else None)

        return self._guard(actor, "faq.edit", body)

    def faq_remove(self, actor: Actor, entry: str | int) -> Reply:
        return self._guard(actor, "faq.remove",
                           lambda: self._apply(actor, Change("faq.remove", {"id": entry})))

    def role_add(self, actor: Actor, slug: str, name: str, *, focus: str = "",
                 aliases: str | Sequence[str] | None = None) -> Reply:
        """A new role with a name, a one-line focus and aliases; figures come with ``set``."""
        document: dict[str, Any] = {"slug": slug.strip().lower(), "name": name}
        if focus:
            document["focus"] = focus
        if alias_list := _tags(aliases):
            document["aliases"] = alias_list
        return self._guard(actor, "role.add", lambda: self._apply(
            actor, Change("role.add", {"document": document})))

    def role_add_document(self, actor: Actor, data: bytes | str, filename: str) -> Reply:
        """A new role from a whole role file (YAML or JSON), checked like the files are."""

        def body() -> Reply:
            document, lines, problems = parse_document(data, filename)
            if problems:
                raise ChangeError(problems)
            try:
                return self._apply(actor, Change("role.add", {"document": document}))
            except ChangeError as exc:
                raise ChangeError([with_line(p, lines) for p in exc.problems]) from None

        return self._guard(actor, "role.add", body)

    def role_remove(self, actor: Actor, role: str) -> Reply:
        def body() -> Reply:
            slug = self._role(actor, role).slug
            return self._apply(actor, Change("role.remove", {"role": slug}))

        return self._guard(actor, "role.remove", body)

    def source_add(self, actor: Actor, source_id: str, name: str, kind: str, date: str, *,
                   note: str = "", url: str = "") -> Reply:
        document = {"id": source_id, "name": name, "kind": kind, "date": date}
        document.update({k: v for k, v in (("note", note), ("url", url)) if v})
        return self._guard(actor, "source.add", lambda: self._apply(
            actor, Change("source.add", {"document": document})))

    # -- reviewing -------------------------------------------------------------------------

    def show(self, actor: Actor, role: str) -> Reply:
        """A role's data as this server sees it (YAML), and which parts were edited where."""

        def body() -> Reply:
            target = self._role(actor, role)

            def edits_here(conn: sqlite3.Connection) -> tuple[dict[str, list[str]], str | None]:
                scopes = tuple(dict.fromkeys((GLOBAL_SCOPE, actor.scope)))
                edited = {}
                for scope in scopes:
                    fields = [r["field"] if not r["source"] else f"stats ({r['source']}) {r['field']}"
                              for r in scope_rows(conn, "overlay_fields", (scope,))
                              if r["role_slug"] == target.slug]
                    aliases = [f"alias {r['op']}: {r['alias']}"
                               for r in scope_rows(conn, "overlay_aliases", (scope,))
                               if r["role_slug"] == target.slug]
                    edited[scope] = sorted(fields) + aliases
                added_in = next((scope for scope in scopes
                                 if any(r["slug"] == target.slug
                                        for r in scope_rows(conn, "overlay_roles", (scope,)))), None)
                return edited, added_in

            edited, added_in = self.store.read(edits_here)
            text = yaml.safe_dump(role_document(target), sort_keys=False, allow_unicode=True,
                                  width=100)
            return self._render("show.j2", role=target, text=text, edited=edited,
                                added_in=added_in, scope=actor.scope)

        return self._guard(actor, "show", body)

    def history(self, actor: Actor, *, limit: int = HISTORY_PAGE,
                before: int | None = None) -> Reply:
        def body() -> Reply:
            if before is not None and parse_entry_id(before) is None:
                raise ChangeError([entry_id_problem(before, "before", "a history entry number")])
            if isinstance(limit, bool) or not isinstance(limit, int) or \
                    not 1 <= limit <= MAX_HISTORY_ENTRIES:
                raise ChangeError([Problem("limit", f"{shown(limit)} is not a number of entries "
                                           f"from 1 to {MAX_HISTORY_ENTRIES:,}")])
            entries = edits.history(self.db_path, actor.scope, limit=limit,
                                    before_id=parse_entry_id(before) if before is not None
                                    else None)
            rows = [(e, self._lines(e)) for e in entries]
            return self._render("history.j2", rows=rows, scope=actor.scope,
                                more=len(entries) == limit, oldest=entries[-1].id if entries else None)

        return self._guard(actor, "history", body)

    def undo(self, actor: Actor, entry: str | int) -> Reply:
        def body() -> Reply:
            number = parse_entry_id(entry)
            if number is None:
                raise ChangeError([entry_id_problem(entry, "entry", "a history entry number")])
            return self._changed(edits.undo(self.db_path, actor, number))

        return self._guard(actor, "undo", body)

    # -- export and import -----------------------------------------------------------------

    def export(self, actor: Actor, *, merged: bool = False, fmt: str = "yaml",
               filename: str | None = None) -> ExportResult:
        """The server's overlay (or, ``merged``, its whole view) as a YAML or JSON file,
        named ``filename`` when the caller writes it somewhere of its own (``-o FILE``)."""
        result: list[ExportResult] = []

        def body() -> Reply:
            if fmt not in FORMATS:
                raise ChangeError([Problem("format", f"{fmt!r} is not one of {', '.join(FORMATS)}")])
            knowledge = self.knowledge(actor)
            base = self.store.base_knowledge()
            document = self.store.read(lambda conn: export_document(
                conn, base, knowledge, actor.scope, merged=merged))
            name = "global" if actor.scope == GLOBAL_SCOPE else f"server-{actor.scope}"
            named = filename or f"careerbot-{name}-{'merged' if merged else 'overlay'}.{fmt}"
            counts = {k: len(document.get(k) or []) for k in ("sources", "new_roles", "roles", "faq")}
            reply = self._render("exported.j2", filename=named, counts=counts, merged=merged,
                                 scope=actor.scope)
            result.append(ExportResult(reply, named, dump_document(document, fmt).encode()))
            return reply

        reply = self._guard(actor, "export", body)
        return result[0] if result else ExportResult(reply)

    def _import_plan(self, actor: Actor, data: bytes | str,
                     filename: str) -> tuple[list[Change], list[Problem]]:
        document, lines, problems = parse_document(data, filename)
        if problems:
            return [], problems
        return import_changes(document, lines, self.knowledge(actor), actor.scope)

    def import_preview(self, actor: Actor, data: bytes | str, filename: str) -> ImportPreview:
        """Check a whole file and show what it would change; nothing is written."""
        result: list[ImportPreview] = []

        def body() -> Reply:
            changes, problems = self._import_plan(actor, data, filename)
            if not problems:
                preview = edits.preview_changes(self.db_path, actor, changes)
                problems = list(preview.problems)
            if problems:
                reply = self._render("invalid.j2", problems=[str(p) for p in problems],
                                     importing=True, filename=filename)
                result.append(ImportPreview(reply, ok=False))
                return reply
            lines = [line for plan in preview.plans for line in
                     diff_lines(plan.action, plan.target, plan.before, plan.after,
                                self.knowledge(actor))]
            # Counted as listed: one stored change can show several lines (two figures of
            # one snapshot), and the count people confirm must be the list they read.
            reply = self._render("import_preview.j2", lines=lines, count=len(lines),
                                 filename=filename)
            result.append(ImportPreview(reply, ok=bool(preview.plans), token=preview.token,
                                        count=len(lines)))
            return reply

        reply = self._guard(actor, "import", body)
        return result[0] if result else ImportPreview(reply, ok=False)

    def import_apply(self, actor: Actor, data: bytes | str, filename: str,
                     token: str | None = None) -> Reply:
        """Apply a file in one transaction (after ``import_preview``; pass its token)."""

        def body() -> Reply:
            changes, problems = self._import_plan(actor, data, filename)
            if problems:
                return self._render("invalid.j2", problems=[str(p) for p in problems],
                                    importing=True, filename=filename)
            try:
                entry = edits.apply_changes(self.db_path, actor, changes, target=filename,
                                            token=token)
            except ChangeError as exc:
                return self._render("invalid.j2", problems=[str(p) for p in exc.problems],
                                    importing=True, filename=filename)
            return self._changed(entry)

        return self._guard(actor, "import", body)

    # -- server settings -------------------------------------------------------------------

    def config_show(self, actor: Actor) -> Reply:
        return self._guard(actor, "show", lambda: self._render(
            "config.j2", s=self.settings(actor.guild_id), default_prefix=self.default_prefix))

    def _config(self, actor: Actor, action: str, data: dict[str, Any]) -> Reply:
        return self._guard(actor, action, lambda: self._apply(actor, Change(action, data)))

    def config_prefix(self, actor: Actor, prefix: str | None) -> Reply:
        value = None if prefix is None or prefix.strip().lower() in CLEAR_WORDS | {"default"} \
            else prefix.strip()
        return self._config(actor, "config.prefix", {"prefix": value})

    def config_unasked(self, actor: Actor, on: bool | str) -> Reply:
        value = on if isinstance(on, bool) else {"on": True, "off": False, "true": True,
                                                  "false": False, "yes": True, "no": False}.get(
            str(on).strip().lower(), str(on))
        return self._config(actor, "config.unasked", {"on": value})

    def config_modrole(self, actor: Actor, op: str, role_id: str | int) -> Reply:
        return self._config(actor, f"config.modrole.{op}", {"role_id": _snowflake(role_id)})

    def config_channel(self, actor: Actor, op: str, channel_id: str | int) -> Reply:
        return self._config(actor, f"config.channel.{op}", {"channel_id": _snowflake(channel_id)})

    def config_gaps(self, actor: Actor, state: bool | str) -> Reply:
        """``config gaps on|off``: record this server's knowledge gaps and ratings, or not."""
        value = state if isinstance(state, bool) else {"on": True, "off": False}.get(
            str(state).strip().lower(), str(state))
        return self._config(actor, "config.gaps", {"on": value})

    def config_gap_retention(self, actor: Actor, days: str | int) -> Reply:
        """``config gaps retention DAYS``: how long recorded gaps and ratings are kept."""
        text = str(days).strip().lower().removesuffix("days").removesuffix("d").strip()
        value: Any = int(text) if text.isdigit() and len(text) <= 6 else str(days)
        return self._config(actor, "config.gaps.retention", {"days": value})

    # -- knowledge gaps and answer feedback (moderators only) ------------------------------

    def _server_scope(self, actor: Actor) -> str:
        if actor.guild_id is None or actor.scope == GLOBAL_SCOPE:
            raise ChangeError([Problem("", "knowledge gaps belong to a server: ask in one"
                                       + (" (or name it with --guild ID)" if actor.via == "cli"
                                          else ""))])
        return actor.scope

    def _period(self, period: str | None) -> tuple[str, int]:
        text = (period or DEFAULT_PERIOD).strip().lower()
        seconds = parse_period(text)
        if seconds is None:
            raise ChangeError([Problem("period", f"{shown(period)} is not a period: write "
                                       "24h, 7d, 2w or all")])
        return text, seconds

    def gap_groups(self, actor: Actor, period: str | None = None) -> list[GapGroup]:
        """Every group of questions recorded for the actor's server over ``period``
        (answered and dismissed ones carry their ``state``). Checks nothing: callers do."""
        scope = self._server_scope(actor)
        _, seconds = self._period(period)
        self.recorder.flush()  # what was asked a moment ago counts too
        # Never past the retention, even in the hour before the next purge.
        retention = self.settings(actor.guild_id).gap_retention_days * 86400
        since = int(self.recorder.clock() - min(seconds, retention))
        try:
            stats = self.gap_log.by_key(scope, since)
            marks = self.store.read(lambda conn: read_marks(conn, scope))
            return group_gaps(stats, marks, lambda group_of: self.gap_log.distinct_askers(
                scope, since, group_of))
        except sqlite3.DatabaseError as exc:  # the log file unreadable: say so, in words
            raise ChangeError([Problem("", f"the knowledge-gap log cannot be read ({exc})")]) \
                from exc

    def gaps(self, actor: Actor, period: str | None = None, *, csv: bool = False) -> GapsResult:
        """``kb gaps [period]``: the open groups of questions members asked that the bot
        declined, asked to clarify, or answered with low confidence (or rated 👎)."""
        result: list[GapsResult] = []

        def body() -> Reply:
            text, _ = self._period(period)
            groups = self.gap_groups(actor, text)
            open_groups = [g for g in groups if g.state is None]
            settings = self.settings(actor.guild_id)
            reply = self._render("gaps.j2", groups=open_groups[:GROUPS_SHOWN],
                                 total=len(open_groups), period=text, scope=actor.scope,
                                 enabled=settings.gaps, retention=settings.gap_retention_days,
                                 csv=csv)
            filename = f"careerbot-gaps-{actor.scope}-{text}.csv" if csv else None
            result.append(GapsResult(reply, tuple(open_groups[:GROUPS_SHOWN]), text, filename,
                                     gaps_csv(groups) if csv else b""))
            return reply

        reply = self._guard(actor, "show", body)
        return result[0] if result else GapsResult(reply)

    def gap_group(self, actor: Actor, period: str, group_id: str) -> GapGroup | Reply:
        """The open group ``group_id`` (for the Answer form), or the reply saying why not."""
        found: list[GapGroup] = []

        def body() -> Reply:
            found.append(self._open_group(actor, period, group_id))
            return self._render("gap_gone.j2")

        reply = self._guard(actor, "show", body)
        return found[0] if found else reply

    def _open_group(self, actor: Actor, period: str, group_id: str) -> GapGroup:
        for group in self.gap_groups(actor, period):
            if group.id == group_id and group.state is None:
                return group
        raise _Refused(self._render("gap_gone.j2"))

    def gap_answer(self, actor: Actor, period: str, group_id: str, question: str, answer: str,
                   tags: str | Sequence[str] | None = None) -> Reply:
        """Answer a group: an FAQ entry for this server, and the group marked answered, as
        one change (validated like ``kb faq add``, audited, undone together)."""

        def body() -> Reply:
            group = self._open_group(actor, period, group_id)
            return self._apply(actor, Change("gap.answer", {
                "keys": group.keys, "label": group.question, "question": question,
                "answer": answer, "tags": _tags(tags), "source": None}))

        return self._guard(actor, "gap.answer", body)

    def gap_dismiss(self, actor: Actor, period: str, group_id: str) -> Reply:
        """Hide a group from ``kb gaps`` (recorded in the history, and undoable)."""

        def body() -> Reply:
            group = self._open_group(actor, period, group_id)
            return self._apply(actor, Change("gap.dismiss", {"keys": group.keys,
                                                             "label": group.question}))

        return self._guard(actor, "gap.dismiss", body)

    def feedback(self, actor: Actor, period: str | None = None) -> Reply:
        """``kb feedback [period]``: the kinds of question and FAQ entries rated 👎 most."""

        def body() -> Reply:
            scope = self._server_scope(actor)
            text, seconds = self._period(period)
            self.recorder.flush()
            ratings = self.gap_log.ratings(scope, int(self.recorder.clock() - seconds))
            intents, entries = worst_rated(ratings)
            questions = {str(e.id): e.question for e in self.knowledge(actor).faq}
            return self._render("feedback.j2", intents=intents, entries=entries,
                                questions=questions, period=text, scope=actor.scope,
                                rated=len(ratings))

        return self._guard(actor, "show", body)

    # -- autocomplete: the asker's server only, and only for those who may edit ------------

    def may_edit(self, actor: Actor) -> bool:
        """May ``actor`` review and change their scope's knowledge (what autocomplete asks)."""
        try:
            edits.authorize(self.db_path, actor, "show")
        except PermissionDenied:
            return False
        return True

    def role_choices(self, actor: Actor, text: str,
                     limit: int = MAX_CHOICES) -> list[tuple[str, str]]:
        """(name, slug) for a kb command's role option, from the actor's server's view."""
        if not self.may_edit(actor):
            return []
        knowledge = self.knowledge(actor)
        index = RoleIndex((r.slug, (r.name, r.slug, *r.aliases)) for r in knowledge.roles.values())
        names = {slug: role.name for slug, role in knowledge.roles.items()}
        return [(names[s], s) for s in index.autocomplete((text or "")[:100], names, limit)]

    def faq_choices(self, actor: Actor, text: str,
                    limit: int = MAX_CHOICES) -> list[tuple[str, str]]:
        """(label, id) for the entries the actor's moderators wrote (the editable ones)."""
        if not self.may_edit(actor):
            return []
        wanted = fold(text or "")
        found = [e for e in self.knowledge(actor).faq if e.guild_id == actor.scope
                 and (not wanted or wanted in fold(e.question) or wanted == str(e.id))]
        return [(f"{e.id}: {e.question}"[:100], str(e.id)) for e in found[:limit]]

    def source_choices(self, actor: Actor, text: str,
                       limit: int = MAX_CHOICES) -> list[tuple[str, str]]:
        if not self.may_edit(actor):
            return []
        wanted = fold(text or "")
        found = [src for src in self.knowledge(actor).sources.values()
                 if not wanted or wanted in fold(src.id) or wanted in fold(src.name)]
        return [(f"{src.name} ({src.date})"[:100], src.id) for src in found[:limit]]

    @staticmethod
    def field_choices(text: str, limit: int = MAX_CHOICES) -> list[tuple[str, str]]:
        wanted = alias_key(text or "")
        names = [*STAT_FIELDS, *TEXT_FIELDS]
        return [(n, n) for n in names if not wanted or wanted in alias_key(n)][:limit]


def _snowflake(value: str | int) -> str:
    """An id from a raw id or a mention (<@&123>, <#123>)."""
    return re.sub(r"^<[@#]&?!?(\d+)>$", r"\1", str(value).strip())

