"""The one write path: every change to the knowledge or a server's settings goes through here.

``apply_change(db_path, actor, change)`` is what Discord commands and ``careerbot kb``
both call. It

1. checks permission first, through a read-only connection, so a refused change leaves
   the database file byte for byte as it was;
2. opens one ``BEGIN IMMEDIATE`` transaction: concurrent writers (two moderators, the
   bot and the command line) are serialised, and each sees the other's committed work;
3. plans the change against the current view of that scope and validates it with the
   same validators as the knowledge files (``bot.knowledge.files``);
4. if the caller passes ``expected`` (the value its author saw), refuses with
   ``Conflict`` when the figure has changed since, naming the current value and who
   changed it: no edit is silently lost;
5. writes the overlay rows and one ``audit_log`` row (actor, server, UTC time, action,
   target, before and after as JSON, and the raw rows written), then commits.

``undo`` is a change like any other: it restores the raw rows an audit entry wrote over,
after checking nobody has changed them since, and is audited itself. An import is a
batch: one parent audit row with one child row per change, all in one transaction
(``preview_changes`` runs the same batch and rolls it back, to show a diff first).

Actions (``Change.action``) and their data:

- ``figure.set``    role, source, as_of, values {field: value or None}  (fields: documents.STAT_FIELDS)
- ``role.set``      role, field, value                                  (fields: documents.SECTION_FIELDS)
- ``alias.add`` / ``alias.remove``   role, alias
- ``faq.add``       question, answer, tags, source;  ``faq.edit`` id + any of those;  ``faq.remove`` id
- ``role.add``      document (a whole role file);  ``role.remove`` role
- ``source.add``    document (one sources.yaml entry)
- ``config.prefix`` prefix (None: the default);  ``config.unasked`` on
- ``config.modrole.add`` / ``.remove`` role_id;  ``config.channel.add`` / ``.remove`` channel_id
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from bot.core.permissions import Actor, config_refusal, edit_refusal
from bot.knowledge.changes import (
    AuditEntry,
    BatchPreview,
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
    dumps,
    same_value,
    utc_now,
)
from bot.knowledge.guild_settings import load_guild_settings
from bot.knowledge.overlay import ensure_schema
from bot.knowledge.planners import ambiguous_names, plan_change

__all__ = [
    "AuditEntry", "BatchPreview", "Change", "ChangeError", "Conflict", "EditError",
    "MissingDatabase", "NoChange", "PermissionDenied", "Problem", "apply_change",
    "apply_changes", "authorize", "get_entry", "history", "last_change", "preview_changes",
    "session", "undo",
]

#: How long a writer waits for another writer's transaction before giving up.
BUSY_TIMEOUT_SECONDS = 10.0


def _require_database(db_path: Path) -> None:
    if not Path(db_path).exists():
        raise MissingDatabase(f"the knowledge base {db_path} does not exist; run `careerbot kb build`")


#: How often a writer starts again after finding the file replaced by a rebuild.
MAX_REOPENS = 5


def _file_id(db_path: Path) -> tuple[int, int] | None:
    try:
        st = os.stat(db_path)
    except OSError:
        return None
    return (st.st_dev, st.st_ino)


def _open_locked(db_path: Path) -> sqlite3.Connection:
    """A connection holding the write lock (``BEGIN IMMEDIATE``) on the file now at
    ``db_path``. A rebuild holds the old file's lock until the new file is in place; a
    writer that was waiting on the old file sees it replaced and starts again."""
    for _ in range(MAX_REOPENS):
        _require_database(db_path)
        before = _file_id(db_path)
        conn = sqlite3.connect(db_path, timeout=BUSY_TIMEOUT_SECONDS, isolation_level=None)
        try:
            conn.execute("begin immediate")
        except BaseException:
            conn.close()
            raise
        if _file_id(db_path) == before:
            return conn
        conn.execute("rollback")
        conn.close()
    raise EditError(f"the knowledge base {db_path} keeps being rebuilt; try again")


@contextmanager
def session(db_path: Path, scope: str, *, commit: bool = True) -> Iterator[Session]:
    """A ``BEGIN IMMEDIATE`` transaction on ``db_path``: committed if the block succeeds
    (and ``commit``), rolled back on any exception or when ``commit`` is False."""
    conn = _open_locked(db_path)
    conn.row_factory = sqlite3.Row
    try:
        try:
            ensure_schema(conn)
            yield Session(conn, scope)
        except BaseException:
            conn.execute("rollback")
            raise
        conn.execute("commit" if commit else "rollback")
    finally:
        conn.close()


@contextmanager
def _reader(db_path: Path) -> Iterator[sqlite3.Connection | None]:
    """A read-only connection (None when the database has no audit log yet)."""
    _require_database(db_path)
    conn = sqlite3.connect(Path(db_path).resolve().as_uri() + "?mode=ro", uri=True,
                           timeout=BUSY_TIMEOUT_SECONDS)
    conn.row_factory = sqlite3.Row
    try:
        has_log = conn.execute(
            "select 1 from sqlite_master where type = 'table' and name = 'audit_log'").fetchone()
        yield conn if has_log else None
    finally:
        conn.close()


# ---------------------------------------------------------------------------------------
# Permission


def authorize(db_path: Path, actor: Actor, action: str) -> None:
    """Raise PermissionDenied unless ``actor`` may perform ``action`` (reads only)."""
    if action.startswith("config."):
        reason = config_refusal(actor)
    else:
        reason = edit_refusal(actor, load_guild_settings(db_path, actor.guild_id))
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
    return AuditEntry(id=int(cursor.lastrowid or 0), at=at, guild_id=s.scope, actor_id=actor.user_id,
                      actor_name=actor.name, via=actor.via, action=plan.action, target=plan.target,
                      before=plan.before, after=plan.after, undo_of=undo_of, parent_id=parent_id)


def _entry(conn: sqlite3.Connection, entry_id: int) -> AuditEntry | None:
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
        return _entry(conn, entry_id) if conn is not None else None


def history(db_path: Path, scope: str | None, *, limit: int = 20,
            before_id: int | None = None) -> list[AuditEntry]:
    """Top-level audit entries of ``scope`` (None: every scope), newest first."""
    with _reader(db_path) as conn:
        if conn is None:
            return []
        where, params = ["parent_id is null"], []
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


def apply_change(db_path: Path, actor: Actor, change: Change, *,
                 expected: Mapping[str, Any] | None = None) -> AuditEntry:
    """Check, validate, write and audit one change in one transaction; see the module doc.

    ``expected`` maps fields of the change's "before" (e.g. ``{"salary.median": <the median they saw>}``)
    to the values its author saw; any difference raises Conflict and writes nothing.
    """
    authorize(db_path, actor, change.action)
    with session(db_path, actor.scope) as s:
        plan = plan_change(s, change)
        if expected:
            _check_expected(s, plan, expected)
        for row in plan.rows:
            s.write(row)
        return _record(s, actor, plan)


def undo(db_path: Path, actor: Actor, entry_id: int) -> AuditEntry:
    """Restore what audit entry ``entry_id`` (and, for an import, its children) wrote over."""
    authorize(db_path, actor, "undo")
    original = get_entry(db_path, entry_id)
    if original is None or original.guild_id != actor.scope:
        raise ChangeError([Problem("", f"there is no entry {entry_id} in this history")])
    if original.action.startswith("config."):
        authorize(db_path, actor, original.action)
    with session(db_path, actor.scope) as s:
        rows = s.conn.execute("select row_changes from audit_log where id = ? or parent_id = ? "
                              "order by id", (entry_id, entry_id)).fetchall()
        changes = [RowChange.from_json(raw) for (text,) in rows for raw in json.loads(text)]
        if not changes:
            raise ChangeError([Problem("", f"entry {entry_id} changed nothing that can be undone")])
        known_clashes = [ambiguous_names(v) for v in s.affected_views()]
        inverted = []
        for change in reversed(changes):
            if s.read(change.table, change.key) != change.after:
                raise Conflict(original.target, by=_last_touch(s, change, entry_id), undo_of=entry_id)
            inverted.append(change.inverted())
            s.write(inverted[-1])
        for known, knowledge in zip(known_clashes, s.affected_views(), strict=True):
            if new := ambiguous_names(knowledge) - known:
                key, slugs = sorted(new)[0]
                raise ChangeError([Problem("", f"undoing entry {entry_id} would make the name "
                                           f"{key!r} mean both {' and '.join(sorted(slugs))}")])
        plan = Plan("undo", original.target, original.after, original.before, tuple(inverted))
        return _record(s, actor, plan, undo_of=entry_id)


def _run_batch(s: Session, changes: Sequence[Change], *, actor: Actor | None,
               parent_id: int | None, stop_on_problem: bool) -> tuple[list[Plan], list[Problem]]:
    plans: list[Plan] = []
    problems: list[Problem] = []
    for change in changes:
        try:
            plan = plan_change(s, change)
        except NoChange:
            continue
        except ChangeError as exc:
            problems += [p.within(change.origin) for p in exc.problems]
            if stop_on_problem:
                break
            continue
        for row in plan.rows:
            s.write(row)
        if actor is not None:
            _record(s, actor, plan, parent_id=parent_id)
        plans.append(plan)
    return plans, problems


def _token(plans: Sequence[Plan]) -> str:
    text = dumps([[p.action, p.target, p.before, p.after] for p in plans])
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def preview_changes(db_path: Path, actor: Actor, changes: Sequence[Change]) -> BatchPreview:
    """Plan a batch in a transaction that is always rolled back: what it would do, and every
    problem that stops it."""
    authorize(db_path, actor, "import")
    with session(db_path, actor.scope, commit=False) as s:
        plans, problems = _run_batch(s, changes, actor=None, parent_id=None, stop_on_problem=False)
    return BatchPreview(tuple(plans), tuple(problems), _token(plans))


def apply_changes(db_path: Path, actor: Actor, changes: Sequence[Change], *, target: str,
                  token: str | None = None, action: str = "import") -> AuditEntry:
    """Apply a batch in one transaction, audited as one parent entry with a child per change.

    With ``token`` (from ``preview_changes``), refuses with Conflict if the batch would now
    do anything other than what was previewed.
    """
    authorize(db_path, actor, action)
    with session(db_path, actor.scope) as s:
        parent = _record(s, actor, Plan(action, target, None, None, ()))
        plans, problems = _run_batch(s, changes, actor=actor, parent_id=parent.id,
                                     stop_on_problem=True)
        if problems:
            raise ChangeError(problems)
        if not plans:
            raise NoChange("nothing_to_import")
        if token is not None and _token(plans) != token:
            raise Conflict(target, stale_preview=True)
        summary = {"changes": len(plans)}
        s.conn.execute("update audit_log set after = ? where id = ?", (dumps(summary), parent.id))
        entry = _entry(s.conn, parent.id)
        assert entry is not None
        return entry
