"""The one write path: every change to the knowledge or a server's settings goes through here.

``apply_change(db_path, actor, action)`` is what Discord commands and ``careerbot kb``
both call (through ``bot.core.moderation``). It

1. opens one ``BEGIN IMMEDIATE`` transaction: concurrent writers (two moderators, the
   bot and the command line) are serialised, and each sees the other's committed work;
2. checks permission there, first, against the server's settings as that transaction
   sees them: the one check of an edit, on the one connection it opens. A refusal rolls
   back before anything is written (not even the schema), so the database file stays
   byte for byte as it was;
3. plans the change against the current view of that scope and validates it with the
   same validators as the knowledge files (``bot.knowledge.files``);
4. if the caller passes ``expected`` (the value its author saw), refuses with
   ``Conflict`` when the figure has changed since, naming the current value and who
   changed it: no edit is silently lost;
5. writes the overlay rows and one ``audit_log`` row (actor, server, UTC time, action,
   target, before and after as JSON, and the raw rows written), then commits.

``undo`` is a change like any other: it restores the raw rows an audit entry wrote over,
after checking nobody has changed them since, and is audited itself. An import is a
batch: one parent audit row with one child row per change, all in one transaction.
A batch is *planned* outside the write lock, on an in-memory copy of the overlay and
settings tables read in one snapshot (``_Snapshot``); the write transaction then only
checks that nothing was committed since (``PRAGMA data_version``), writes the planned rows
and audit rows, and commits, so another server's edit waits a moment rather than for the
whole import. If something was committed meanwhile, the batch is planned again (the last
time under the lock). ``preview_changes`` plans the same way and writes nothing, so the
preview and the apply make the same plans. Both check permission in the transaction they
read the snapshot in.

A caller that must turn what a person typed into an action (resolve a role's name, read
a file) passes a *draft* instead (``apply_draft``, or a ``BatchDraft`` for a batch): it
is called after permission is granted, with the scope's view inside the transaction, so
someone who may not edit is told so before anything about their input, and names are
resolved against exactly the data the change is planned on.

Connections come from ``bot.knowledge.connections``: they never create the file, never
act on a file a rebuild has replaced, and a COMMIT that fails is reported as a failure
only if the change is really not in the file. SQLite errors reach callers as
``WriteFailed`` with SQLite's own words ("database or disk is full").

Actions are the typed dataclasses of ``bot.knowledge.actions`` (``SetFigures``,
``Alias``, ``FaqAdd`` ...); the untyped ``Change(name, data)`` is still accepted and
turned into its action at the door. The audit log stores an action's name
(``"figure.set"``), so entries of any age read, show and undo alike.
The gap log's decisions (``config.gaps``, ``config.gaps.retention``, ``gap.answer``,
``gap.dismiss``) are planned in ``bot.knowledge.gap_changes``, imported here for that.
"""

from __future__ import annotations

import hashlib
import json
import logging
import sqlite3
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.knowledge import gap_changes as _gap_changes  # noqa: F401  registers the gap planners
from bot.knowledge.actions import Action, as_action, is_config
from bot.knowledge.changes import (
    AuditEntry,
    BatchPreview,
    Busy,
    Change,
    ChangeError,
    Conflict,
    EditError,
    MissingDatabase,
    NoChange,
    PermissionDenied,
    Plan,
    Problem,
    RowChange,
    Session,
    WriteFailed,
    dumps,
    same_value,
    store_counters,
    store_rows,
    utc_now,
)
from bot.knowledge.connections import (
    MAX_REOPENS,
    FileConnection,
    Replaced,
    file_id,
    locked,
    missing,
    needs_recovery,
    open_reader,
    rebuilding,
    require_database,
    rollback_quietly,
)
from bot.knowledge.guild_settings import GuildSettings, load_guild_settings, read_guild_settings
from bot.knowledge.models import Knowledge
from bot.knowledge.name_reach import undo_reach
from bot.knowledge.overlay import GLOBAL_SCOPE, copy_planning_tables, ensure_schema
from bot.knowledge.permissions import Actor, config_refusal, edit_refusal
from bot.knowledge.planners import ambiguous_names, plan_change
from bot.knowledge.store import read_knowledge

__all__ = [
    "Action", "AuditEntry", "BatchDraft", "BatchPreview", "Busy", "Change", "ChangeError",
    "Conflict", "Draft", "Drafted", "EditError", "MissingDatabase", "NoChange",
    "PermissionDenied", "Problem", "WriteFailed", "apply_change", "apply_changes", "apply_draft",
    "authorize", "check", "get_entry", "history", "last_change", "preview_changes", "read_entry", "refusal",
    "session", "standing_undo", "undo",
]

log = logging.getLogger(__name__)

#: How many times a batch planned outside the write lock is planned again because another
#: change was committed meanwhile; after that it is planned while holding the lock.
OPTIMISTIC_PLANS = 2


@contextmanager
def _sqlite_errors(scope: str, what: str = "the change was not saved") -> Iterator[None]:
    """Turn SQLite's errors into WriteFailed (keeping its words), logged for the owner."""
    try:
        yield
    except sqlite3.DatabaseError as exc:
        log.warning("scope %s: %s: %s", scope, what, exc, exc_info=True)
        raise WriteFailed(exc, what) from exc


@dataclass(frozen=True, slots=True)
class Drafted:
    """What a draft built: the action, and the values its author saw (``expected``)."""

    action: Action
    expected: Mapping[str, Any] | None = None


#: Builds one change once its author is authorised, given the scope's view in the
#: transaction (a function, so a change that needs no view never builds one). It raises
#: what a refusal of the input should raise (``ChangeError``, or the caller's own).
Draft = Callable[[Callable[[], Knowledge]], Drafted]
#: Builds a batch the same way, from the view the batch is planned on.
BatchDraft = Callable[[Knowledge], Sequence[Action | Change]]


@contextmanager
def session(db_path: Path, scope: str, *, commit: bool = True, actor: Actor | None = None,
            config: bool = False) -> Iterator[Session]:
    """A ``BEGIN IMMEDIATE`` transaction on ``db_path``: committed if the block succeeds
    (and ``commit``), rolled back on any exception or when ``commit`` is False. With
    ``actor``, first checks that they may change the knowledge (or, ``config``, the
    settings) as the transaction sees them: PermissionDenied before anything is written."""
    with _sqlite_errors(scope), locked(db_path) as fc:
        if actor is not None:
            _authorize_in(fc.conn, actor, config=config)
        ensure_schema(fc.conn)
        s = Session(fc.conn, scope)
        yield s
        if commit:
            fc.commit(s.last_audit)


@contextmanager
def _reader(db_path: Path) -> Iterator[sqlite3.Connection | None]:
    """A read-only connection (None when the database has no audit log yet)."""
    fc = open_reader(db_path)
    conn = fc.conn
    try:
        has_log = conn.execute(
            "select 1 from sqlite_master where type = 'table' and name = 'audit_log'").fetchone()
        yield conn if has_log else None
    finally:
        fc.close()


# ---------------------------------------------------------------------------------------
# Permission


def _guild_settings(db_path: Path, guild_id: str | None) -> GuildSettings:
    """The server's settings, through a read-only connection when that can read them."""
    try:
        return load_guild_settings(db_path, guild_id)
    except sqlite3.OperationalError as exc:
        if file_id(db_path) is None:  # deleted between its check and its open
            raise missing(db_path) from exc
        if not needs_recovery(exc):
            raise
    open_reader(db_path).close()  # rolls back the killed writer's journal
    return load_guild_settings(db_path, guild_id)


def refusal(actor: Actor, action: str, settings: GuildSettings | None) -> str | None:
    """Why ``actor`` may not perform ``action`` (a change's name, or "show", "history",
    "export", "import", "undo"): settings changes need Manage Server, the rest a
    moderator of ``settings``' server. None if they may. ``settings`` may be None for a
    settings change, which never depends on them."""
    if is_config(action):
        return config_refusal(actor)
    assert settings is not None, "a knowledge permission needs the server's settings"
    return edit_refusal(actor, settings)


def check(actor: Actor, action: str, settings: GuildSettings | None) -> None:
    """Raise PermissionDenied unless ``actor`` may perform ``action`` (see ``refusal``):
    for readers that already hold the server's settings (the moderation core's cache)."""
    if (reason := refusal(actor, action, settings)) is not None:
        raise PermissionDenied(reason)


def authorize(db_path: Path, actor: Actor, action: str) -> None:
    """Raise PermissionDenied unless ``actor`` may perform ``action``, reading the
    server's settings through a short read-only connection."""
    settings = None if is_config(action) else _guild_settings(db_path, actor.guild_id)
    check(actor, action, settings)


def _authorize_in(conn: sqlite3.Connection, actor: Actor, *, config: bool) -> None:
    """The write path's one check, on the connection of its own transaction."""
    if config:
        reason = config_refusal(actor)
    else:
        reason = edit_refusal(actor, read_guild_settings(conn, actor.guild_id))
    if reason is not None:
        raise PermissionDenied(reason)


# ---------------------------------------------------------------------------------------
# Audit


def _record(s: Session, actor: Actor, plan: Plan, *, parent_id: int | None = None,
            undo_of: int | None = None) -> AuditEntry:
    at = utc_now()
    cursor = s.conn.execute(
        "insert into audit_log (at, guild_id, actor_id, actor_name, via, action, target, before, "
        "after, undo_of, parent_id, row_changes) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (at, s.scope, actor.user_id, actor.name, actor.via, plan.action, plan.target,
         dumps(plan.before), dumps(plan.after), undo_of, parent_id,
         dumps([r.as_json() for r in plan.rows])),
    )
    s.last_audit = (int(cursor.lastrowid or 0), at, actor.user_id, plan.action,
                    dumps([r.as_json() for r in plan.rows]))
    return AuditEntry(id=int(cursor.lastrowid or 0), at=at, guild_id=s.scope, actor_id=actor.user_id,
                      actor_name=actor.name, via=actor.via, action=plan.action, target=plan.target,
                      before=plan.before, after=plan.after, undo_of=undo_of, parent_id=parent_id)


def read_entry(conn: sqlite3.Connection, entry_id: int) -> AuditEntry | None:
    """Audit entry ``entry_id`` (with an import's children) through an open connection."""
    row = conn.execute("select * from audit_log where id = ?", (entry_id,)).fetchone()
    if row is None:
        return None
    children = [AuditEntry.from_row(r) for r in conn.execute(
        "select * from audit_log where parent_id = ? order by id", (entry_id,))]
    return AuditEntry.from_row(row, children)


def last_change(conn: sqlite3.Connection, scope: str, target: str) -> AuditEntry | None:
    """The latest audit entry about ``target`` in ``scope`` (who changed it last)."""
    row = conn.execute("select * from audit_log where guild_id = ? and target = ? "
                       "order by id desc limit 1", (scope, target)).fetchone()
    return AuditEntry.from_row(row) if row is not None else None


def _last_touch(s: Session, change: RowChange, after_id: int) -> AuditEntry | None:
    """The latest audit entry after ``after_id`` that wrote the row ``change`` wrote."""
    for row in s.conn.execute("select * from audit_log where id > ? order by id desc", (after_id,)):
        for raw in json.loads(row["row_changes"]):
            if raw["table"] == change.table and raw["key"] == change.key:
                return AuditEntry.from_row(row)
    return None


def get_entry(db_path: Path, entry_id: int) -> AuditEntry | None:
    with _reader(db_path) as conn:
        return read_entry(conn, entry_id) if conn is not None else None


def history(db_path: Path, scope: str | None, *, limit: int = 20,
            before_id: int | None = None) -> list[AuditEntry]:
    """Top-level audit entries of ``scope`` (None: every scope), newest first."""
    with _reader(db_path) as conn:
        if conn is None:
            return []
        where: list[str] = ["parent_id is null"]
        params: list[str | int] = []
        if scope is not None:
            where.append("guild_id = ?")
            params.append(scope)
        if before_id is not None:
            where.append("id < ?")
            params.append(before_id)
        rows = conn.execute(f"select * from audit_log where {' and '.join(where)} "
                            "order by id desc limit ?", (*params, limit)).fetchall()
        return [AuditEntry.from_row(r, [AuditEntry.from_row(c) for c in conn.execute(
            "select * from audit_log where parent_id = ? order by id", (r["id"],))]) for r in rows]


# ---------------------------------------------------------------------------------------
# The write path


def _check_expected(s: Session, plan: Plan, expected: Mapping[str, Any]) -> None:
    current = plan.before if isinstance(plan.before, Mapping) else {"value": plan.before}
    for name, value in expected.items():
        if not same_value(current.get(name), value):
            raise Conflict(plan.target, name, value, current.get(name),
                           last_change(s.conn, s.scope, plan.target))


def apply_change(db_path: Path, actor: Actor, change: Action | Change, *,
                 expected: Mapping[str, Any] | None = None) -> AuditEntry:
    """Check, validate, write and audit one change in one transaction; see the module doc.

    ``expected`` maps fields of the change's "before" (e.g. ``{"salary.median": <the median they saw>}``)
    to the values its author saw; any difference raises Conflict and writes nothing.
    """
    action = as_action(change)
    return apply_draft(db_path, actor, lambda view: Drafted(action, expected),
                       config=action.is_config)


def apply_draft(db_path: Path, actor: Actor, draft: Draft, *, config: bool = False) -> AuditEntry:
    """``apply_change`` of the action ``draft`` builds once ``actor`` is found to be allowed
    to change the knowledge (or, ``config``, the settings; the action built must need the
    same permission)."""
    require_database(db_path)
    with session(db_path, actor.scope, actor=actor, config=config) as s:
        drafted = draft(s.view)
        if drafted.action.is_config != config:
            _authorize_in(s.conn, actor, config=drafted.action.is_config)
        plan = plan_change(s, drafted.action)
        if drafted.expected:
            _check_expected(s, plan, drafted.expected)
        for row in plan.rows:
            s.write(row)
        return _record(s, actor, plan)


def standing_undo(db_path: Path, entry_id: int) -> tuple[AuditEntry, int | None] | None:
    """The undo entry that undid ``entry_id`` (or the import it was part of), and that
    import's number, when that undo still stands; None when it was not undone (a later
    change is in the way: a real conflict) or its undo was itself undone."""
    with _reader(db_path) as conn:
        if conn is None:
            return None
        entry = read_entry(conn, entry_id)
        if entry is None:
            return None
        undone = (entry_id,) if entry.parent_id is None else (entry_id, entry.parent_id)
        marks = ",".join("?" * len(undone))
        row = conn.execute(
            f"select id, undo_of from audit_log where action = 'undo' and undo_of in ({marks}) "
            "and id not in (select undo_of from audit_log where undo_of is not null) "
            "order by id desc limit 1", undone).fetchone()
        if row is None:
            return None
        undo_entry = read_entry(conn, row[0])
        if undo_entry is None:
            return None
        return undo_entry, (row[1] if row[1] != entry_id else None)


def undo(db_path: Path, actor: Actor, entry_id: int) -> AuditEntry:
    """Restore what audit entry ``entry_id`` (and, for an import, its children) wrote over."""
    require_database(db_path)
    with session(db_path, actor.scope, actor=actor) as s:
        original = read_entry(s.conn, entry_id)
        if original is None or original.guild_id != actor.scope:
            raise ChangeError([Problem("", f"there is no entry {entry_id} in this history")])
        if is_config(original.action):
            _authorize_in(s.conn, actor, config=True)
        rows = s.conn.execute("select row_changes from audit_log where id = ? or parent_id = ? "
                              "order by id", (entry_id, entry_id)).fetchall()
        changes = [RowChange.from_json(raw) for (text,) in rows for raw in json.loads(text)]
        if not changes:
            raise ChangeError([Problem("", f"entry {entry_id} changed nothing that can be undone")])
        scopes = _undo_scopes(s, changes)
        known_clashes = [ambiguous_names(s.view(scope)) for scope in scopes]
        inverted = []
        for change in reversed(changes):
            if s.read(change.table, change.key) != change.after:
                raise Conflict(original.target, by=_last_touch(s, change, entry_id), undo_of=entry_id)
            inverted.append(change.inverted())
            s.write(inverted[-1])
        for known, scope in zip(known_clashes, scopes, strict=True):
            if new := ambiguous_names(s.view(scope)) - known:
                key, slugs = sorted(new)[0]
                raise ChangeError([Problem("", f"undoing entry {entry_id} would make the name "
                                           f"{key!r} mean both {' and '.join(sorted(slugs))}")])
        plan = Plan("undo", original.target, original.after, original.before, tuple(inverted))
        return _record(s, actor, plan, undo_of=entry_id)


def _undo_scopes(s: Session, changes: Sequence[RowChange]) -> list[str]:
    """The scopes whose views an undo of ``changes`` must not make ambiguous, in the order
    they are checked: its own; in the global scope, also the servers whose rows could make
    their views differ from the global one in the names it touches (``name_reach``; any
    other server's view changes as the global one does, which is checked first)."""
    if s.scope != GLOBAL_SCOPE:
        return [s.scope]
    reach = undo_reach(s.conn, s.base, s.view(), changes)
    return [GLOBAL_SCOPE, *(s.guild_scopes() if reach is None else sorted(reach))]


def _plan_batch(s: Session, changes: Sequence[Action | Change], *,
                stop_on_problem: bool) -> tuple[list[Plan], list[Problem]]:
    """Plan each change against the view as the earlier ones left it (their rows are
    written to ``s``, whose views follow them row by row)."""
    plans: list[Plan] = []
    problems: list[Problem] = []
    for change in changes:
        try:
            plan = plan_change(s, as_action(change))
        except NoChange:
            continue
        except ChangeError as exc:
            problems += [p.within(change.origin) for p in exc.problems]
            if stop_on_problem:
                break
            continue
        for row in plan.rows:
            s.write(row)
        plans.append(plan)
    return plans, problems


def _token(plans: Sequence[Plan]) -> str:
    text = dumps([[p.action, p.target, p.before, p.after] for p in plans])
    return hashlib.sha256(text.encode()).hexdigest()[:16]


class _Stale(Exception):
    """Another change was committed between planning a batch and taking the write lock."""


class _Snapshot:
    """What a batch is planned against: the file's base, and an in-memory copy of its
    overlay, settings and counter tables, read in one transaction of ``fc`` (which the
    caller has begun); ``version`` is the file's ``PRAGMA data_version`` at that moment."""

    def __init__(self, fc: FileConnection, scope: str) -> None:
        (self.version,) = fc.conn.execute("pragma data_version").fetchone()
        base = read_knowledge(fc.conn)
        memory = sqlite3.connect(":memory:", isolation_level=None)
        memory.row_factory = sqlite3.Row
        ensure_schema(memory)
        copy_planning_tables(fc.conn, memory)
        self.session = Session(memory, scope, base=base, scratch=True)

    def plan(self, changes: Sequence[Action | Change] | BatchDraft, *,
             stop_on_problem: bool) -> tuple[list[Plan], list[Problem], dict[str, int]]:
        """The plans, the problems, and the counters (FAQ ids handed out) to write; a
        draft is built first, from the view the batch is then planned on."""
        try:
            if callable(changes):
                changes = changes(self.session.view())
            plans, problems = _plan_batch(self.session, changes, stop_on_problem=stop_on_problem)
            counters = {name: value for name, value in self.session.conn.execute(
                "select name, value from overlay_counters")}
            return plans, problems, counters
        finally:
            self.session.conn.close()


def _snapshot(db_path: Path, actor: Actor, *, lock: bool) -> tuple[FileConnection, _Snapshot]:
    """A connection to the file and a snapshot read through it, once ``actor`` is found to
    be allowed to change their scope's knowledge in that same transaction; with ``lock``
    the connection keeps holding the write lock, otherwise it holds nothing afterwards."""
    for _ in range(MAX_REOPENS):
        fc = FileConnection(db_path)
        try:
            fc.begin(immediate=lock)
            _authorize_in(fc.conn, actor, config=False)
            snapshot = _Snapshot(fc, actor.scope)
            if not lock:
                fc.conn.execute("commit")  # planning must not keep other writers waiting
            return fc, snapshot
        except Replaced:
            fc.close()
        except BaseException:
            rollback_quietly(fc.conn)
            fc.close()
            raise
    raise rebuilding(db_path)


def preview_changes(db_path: Path, actor: Actor,
                    changes: Sequence[Action | Change] | BatchDraft) -> BatchPreview:
    """Plan a batch as ``apply_changes`` would, writing nothing: what it would do, and
    every problem that stops it."""
    require_database(db_path)
    with _sqlite_errors(actor.scope, "the import could not be checked"):
        fc, snapshot = _snapshot(db_path, actor, lock=False)
        fc.close()
        plans, problems, _ = snapshot.plan(changes, stop_on_problem=False)
    return BatchPreview(tuple(plans), tuple(problems), _token(plans))


def apply_changes(db_path: Path, actor: Actor, changes: Sequence[Action | Change] | BatchDraft, *,
                  target: str, token: str | None = None, action: str = "import") -> AuditEntry:
    """Apply a batch in one transaction, audited as one parent entry with a child per change.

    With ``token`` (from ``preview_changes``), refuses with Conflict if the batch would now
    do anything other than what was previewed. A batch changes the knowledge: its changes
    are planned with an editor's permission, checked once per attempt in its transaction.
    """
    require_database(db_path)
    with _sqlite_errors(actor.scope):
        for attempt in range(OPTIMISTIC_PLANS + MAX_REOPENS):
            try:
                return _apply_batch(db_path, actor, changes, target=target, token=token,
                                    action=action, lock_first=attempt >= OPTIMISTIC_PLANS)
            except (_Stale, Replaced):
                continue
        raise rebuilding(db_path)


def _apply_batch(db_path: Path, actor: Actor, changes: Sequence[Action | Change] | BatchDraft, *,
                 target: str, token: str | None, action: str, lock_first: bool) -> AuditEntry:
    """One attempt: plan (holding the write lock only if ``lock_first``), then write."""
    fc, snapshot = _snapshot(db_path, actor, lock=lock_first)
    try:
        plans, problems, counters = snapshot.plan(changes, stop_on_problem=True)
        if problems:
            raise ChangeError(problems)
        if not plans:
            raise NoChange("nothing_to_import")
        if token is not None and _token(plans) != token:
            raise Conflict(target, stale_preview=True)
        if not lock_first:
            fc.begin(immediate=True)
            (version,) = fc.conn.execute("pragma data_version").fetchone()
            if version != snapshot.version:
                raise _Stale
        return _write_batch(fc, actor, plans, counters, target=target, action=action)
    finally:
        rollback_quietly(fc.conn)
        fc.close()


def _write_batch(fc: FileConnection, actor: Actor, plans: Sequence[Plan],
                 counters: Mapping[str, int], *, target: str, action: str) -> AuditEntry:
    """Write planned rows and their audit rows in the transaction ``fc`` holds, and commit."""
    conn = fc.conn
    ensure_schema(conn)
    s = Session(conn, actor.scope)
    parent = _record(s, actor, Plan(action, target, None, {"changes": len(plans)}, ()))
    store_rows(conn, [row for plan in plans for row in plan.rows])
    for plan in plans:
        _record(s, actor, plan, parent_id=parent.id)
    store_counters(conn, counters)
    entry = read_entry(conn, parent.id)
    assert entry is not None
    fc.commit(s.last_audit)
    return entry
