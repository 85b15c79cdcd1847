"""The values the write path deals in, and the transaction-scoped ``Session``.

A change is planned (``bot.knowledge.planners``) into a ``Plan``: a readable before and
after for the audit log and replies, plus the exact ``RowChange``s it writes. Keeping the
raw rows is what lets ``undo`` restore precisely what was there and detect that someone
has changed it since.

Rows reach the file through sqlite-utils (``store_rows``: upserts and deletes by key,
inside the caller's ``BEGIN IMMEDIATE``, whose savepoints keep it all or nothing). The
in-memory copy a batch is planned on (``Session(..., scratch=True)``) is written with one
plain statement per row (``write_row``): planning writes each row before planning the
next, and sqlite-utils' per-call checks cost ~100 µs a row there against ~7 µs.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from bot.knowledge.models import Knowledge
from bot.knowledge.overlay import GLOBAL_SCOPE, OVERLAY_TABLES, LiveView
from bot.knowledge.store import read_knowledge
from bot.knowledge.validation import Checker

# sqlite-utils is imported at the first write to the file, so a start that only reads
# (every ``careerbot ask``, most bot starts) skips its import time (~60 ms).
if TYPE_CHECKING:
    import sqlite_utils

#: Columns of every table a change may write: (key columns, other columns).
TABLES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "overlay_fields": (("guild_id", "role_slug", "source", "field"), ("value",)),
    "overlay_aliases": (("guild_id", "role_slug", "key"), ("alias", "op")),
    "overlay_roles": (("guild_id", "slug"), ("document",)),
    "overlay_sources": (("guild_id", "id"), ("document",)),
    "overlay_faq": (("id",), ("guild_id", "question", "answer", "tags", "source")),
    "guild_settings": (("guild_id",), ("prefix", "unasked")),
    "guild_mod_roles": (("guild_id", "role_id"), ()),
    "guild_qa_channels": (("guild_id", "channel_id"), ()),
}

# ---------------------------------------------------------------------------------------
# Values


@dataclass(frozen=True, slots=True)
class Problem:
    """One reason a change cannot be made: where (a field path) and what is wrong."""

    path: str
    message: str
    line: int | None = None

    def __str__(self) -> str:
        where = f"line {self.line}: " if self.line is not None else ""
        return f"{where}{self.path}: {self.message}" if self.path else f"{where}{self.message}"

    def within(self, prefix: str) -> Problem:
        """The same problem, its path put under ``prefix`` (an import file's position)."""
        if not prefix:
            return self
        path = f"{prefix}.{self.path}" if self.path and not self.path.startswith("[") else \
            f"{prefix}{self.path}"
        return Problem(path, self.message, self.line)


@dataclass(frozen=True, slots=True)
class Change:
    """A requested change in its untyped form: an action's name and its data, as scripts
    and older callers write it. The write path turns it into its typed action
    (``bot.knowledge.actions.as_action``) at the door; ``origin`` is where it came from
    in an import file."""

    action: str
    data: Mapping[str, Any]
    origin: str = ""


@dataclass(frozen=True, slots=True)
class RowChange:
    """One row of one table, before and after (None: no row)."""

    table: str
    key: dict[str, Any]
    before: dict[str, Any] | None
    after: dict[str, Any] | None

    def as_json(self) -> dict[str, Any]:
        return {"table": self.table, "key": self.key, "before": self.before, "after": self.after}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> RowChange:
        return cls(data["table"], data["key"], data["before"], data["after"])

    def inverted(self) -> RowChange:
        return RowChange(self.table, self.key, self.after, self.before)


@dataclass(frozen=True, slots=True)
class Plan:
    """What a change will do: a readable before/after and the rows it writes."""

    action: str
    target: str
    before: Any
    after: Any
    rows: tuple[RowChange, ...]


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One row of the audit log (``children``: the changes of an import)."""

    id: int
    at: str
    guild_id: str
    actor_id: str
    actor_name: str
    via: str
    action: str
    target: str
    before: Any
    after: Any
    undo_of: int | None = None
    parent_id: int | None = None
    children: tuple[AuditEntry, ...] = ()

    @classmethod
    def from_row(cls, row: sqlite3.Row, children: Sequence[AuditEntry] = ()) -> AuditEntry:
        return cls(
            id=row["id"], at=row["at"], guild_id=row["guild_id"], actor_id=row["actor_id"],
            actor_name=row["actor_name"], via=row["via"], action=row["action"],
            target=row["target"], before=_loads(row["before"]), after=_loads(row["after"]),
            undo_of=row["undo_of"], parent_id=row["parent_id"], children=tuple(children),
        )


@dataclass(frozen=True, slots=True)
class BatchPreview:
    """A batch planned and rolled back: what it would change, what stops it, and a token
    that ``apply_changes`` checks so the batch applied is the batch that was previewed."""

    plans: tuple[Plan, ...]
    problems: tuple[Problem, ...]
    token: str


class EditError(Exception):
    """A change was not made; nothing was written."""


class MissingDatabase(EditError):
    pass


class WriteFailed(EditError):
    """SQLite refused the write (the disk is full, an I/O error): nothing was changed.

    The message keeps SQLite's own words, so the moderator sees the true cause.
    """

    def __init__(self, cause: BaseException, what: str = "the change was not saved") -> None:
        self.cause = cause
        super().__init__(f"{what}, and nothing was changed: {cause}")


class Busy(EditError):
    """Another change held the knowledge base for longer than a writer waits."""


class PermissionDenied(EditError):
    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


class ChangeError(EditError):
    """The change is invalid; every problem found is listed."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class NoChange(EditError):
    """The change would leave everything as it is (``what`` says why, for the reply)."""

    def __init__(self, what: str, value: Any = None) -> None:
        self.what = what
        self.value = value
        super().__init__(what)


class Conflict(EditError):
    """Someone changed the target since its author looked; nothing was written.

    ``field``/``expected``/``current`` describe a figure that moved (None for an undo or a
    stale import preview); ``by`` is the audit entry that changed it, when known.
    """

    def __init__(self, target: str, field: str | None = None, expected: Any = None,
                 current: Any = None, by: AuditEntry | None = None, undo_of: int | None = None,
                 stale_preview: bool = False) -> None:
        self.target = target
        self.field = field
        self.expected = expected
        self.current = current
        self.by = by
        self.undo_of = undo_of
        self.stale_preview = stale_preview
        super().__init__(f"{target}: changed since ({field}: {current!r})")


def _loads(text: str | None) -> Any:
    return json.loads(text) if text is not None else None


def dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def utc_now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class PathChecker(Checker):
    """The files' validator, reporting ``Problem``s with paths relative to the change.

    ``rename`` maps the validator's own path for a wrapped value (``stats[0]``) onto the
    path the author knows (``""`` for a single figure, ``roles[2].stats[1]`` in an import).
    """

    def __init__(self, prefix: str = "", rename: Mapping[str, str] | None = None) -> None:
        super().__init__("")
        self.prefix = prefix
        self.rename = dict(rename or {})
        self.items: list[Problem] = []

    def fail(self, where: str, message: str) -> None:
        for old, new in self.rename.items():
            if where == old or where.startswith((old + ".", old + "[")):
                rest = where[len(old):]
                where = f"{new}{rest}" if new else rest.lstrip(".")
                break
        if self.prefix:
            where = f"{self.prefix}.{where}" if where and not where.startswith("[") else \
                f"{self.prefix}{where}"
        self.items.append(Problem(where, message))
        self.problems.append(str(self.items[-1]))


def same_value(a: Any, b: Any) -> bool:
    """Equal as a person means it: 1000 == 1000.0, "a  b" == "a b"."""
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    if isinstance(a, int | float) and isinstance(b, int | float):
        return float(a) == float(b)
    if isinstance(a, str) and isinstance(b, str):
        return " ".join(a.split()) == " ".join(b.split())
    return bool(a == b)


# ---------------------------------------------------------------------------------------
# Rows and the transaction


def read_row(conn: sqlite3.Connection, table: str, key: Mapping[str, Any]) -> dict[str, Any] | None:
    keys, values = TABLES[table]
    where = " and ".join(f"{k} = ?" for k in keys)
    cursor = conn.execute(f"select {', '.join((*keys, *values))} from {table} where {where}",
                          [key[k] for k in keys])
    row = cursor.fetchone()
    if row is None:
        return None
    return dict(zip((*keys, *values), tuple(row), strict=True))


def write_row(conn: sqlite3.Connection, change: RowChange) -> None:
    """Make ``change.table``'s row at ``change.key`` equal ``change.after`` (None: delete it)."""
    keys, values = TABLES[change.table]
    if change.after is None:
        where = " and ".join(f"{k} = ?" for k in keys)
        conn.execute(f"delete from {change.table} where {where}", [change.key[k] for k in keys])
        return
    columns = (*keys, *values)
    marks = ", ".join("?" for _ in columns)
    conn.execute(f"insert or replace into {change.table} ({', '.join(columns)}) values ({marks})",
                 [change.after.get(c) for c in columns])


def _upsert_runs(changes: Sequence[RowChange]) -> list[tuple[str, bool, list[RowChange]]]:
    """Consecutive changes grouped by (table, delete?), in order: a row written twice in
    one batch keeps its last value."""
    runs: list[tuple[str, bool, list[RowChange]]] = []
    for change in changes:
        deleting = change.after is None
        if runs and runs[-1][0] == change.table and runs[-1][1] == deleting:
            runs[-1][2].append(change)
        else:
            runs.append((change.table, deleting, [change]))
    return runs


def _database(conn: sqlite3.Connection) -> sqlite_utils.Database:
    """sqlite-utils over the write path's connection, changing nothing about it (no
    connection pragmas, no plugins)."""
    import sqlite_utils

    return sqlite_utils.Database(conn, recursive_triggers=False, execute_plugins=False)


def store_rows(conn: sqlite3.Connection, changes: Sequence[RowChange]) -> None:
    """Make each ``change.table``'s row at ``change.key`` equal ``change.after`` (None:
    delete it), in order, through sqlite-utils: upserts by the table's key columns in
    runs, deletes by key. Runs in the caller's transaction (sqlite-utils nests savepoints
    in it and never commits it)."""
    db = _database(conn)
    for table, deleting, run in _upsert_runs(changes):
        keys, values = TABLES[table]
        if deleting:
            where = " and ".join(f"{k} = ?" for k in keys)
            for change in run:
                db.table(table).delete_where(where, [change.key[k] for k in keys])
        else:
            columns = (*keys, *values)
            db.table(table).insert_all(
                ({c: change.after.get(c) for c in columns} for change in run if change.after),
                replace=True)


def store_counters(conn: sqlite3.Connection, counters: Mapping[str, int]) -> None:
    """Set the overlay counters (the FAQ ids handed out) to ``counters``."""
    _database(conn).table("overlay_counters").insert_all(
        ({"name": name, "value": value} for name, value in counters.items()), replace=True)


class Session:
    """One write transaction: its connection, the scope written, and views kept current.

    Views are built once per session and then updated row by row as the session writes
    (``bot.knowledge.overlay.LiveView``), so planning a batch of n changes costs O(n), not
    O(n²). ``base`` may be given when the caller has already read it (an import plans on a
    copy of the overlay tables, beside the file's base tables).
    """

    def __init__(self, conn: sqlite3.Connection, scope: str, base: Knowledge | None = None,
                 *, scratch: bool = False) -> None:
        """``scratch``: ``conn`` is an in-memory copy that is planned on and thrown away."""
        self.conn = conn
        self.scope = scope
        self._base = base
        self.scratch = scratch
        self._views: dict[str, LiveView] = {}
        #: The last audit row written (id, at, actor_id, action, row_changes): after a
        #: failed COMMIT, finding it in the file tells whether the commit happened.
        self.last_audit: tuple[int, str, str, str, str] | None = None

    @property
    def base(self) -> Knowledge:
        if self._base is None:
            self._base = read_knowledge(self.conn)
        return self._base

    def _live(self, scope: str | None) -> LiveView:
        scope = self.scope if scope is None else scope
        if scope not in self._views:
            self._views[scope] = LiveView(self.conn, self.base,
                                          None if scope == GLOBAL_SCOPE else scope)
        return self._views[scope]

    def view(self, scope: str | None = None) -> Knowledge:
        """The knowledge as ``scope`` (default: this session's) sees it, including this
        transaction's writes so far."""
        return self._live(scope).knowledge

    def faq_asking(self, question: str) -> list[int]:
        """Ids of the FAQ entries in this session's view that ask ``question`` (compared
        as ``overlay.question_key`` does), without scanning every entry."""
        return self._live(None).faq_asking(question)

    def affected_views(self) -> list[Knowledge]:
        """Every view a write to this scope shows in: the global scope's reach every server
        (built, one each: the write path looks only at those ``name_reach`` finds)."""
        if self.scope != GLOBAL_SCOPE:
            return [self.view()]
        return [self.view(GLOBAL_SCOPE), *(self.view(g) for g in self.guild_scopes())]

    def guild_scopes(self) -> list[str]:
        found: set[str] = set()
        for table in OVERLAY_TABLES:
            found.update(g for (g,) in self.conn.execute(
                f"select distinct guild_id from {table} where guild_id != ?", (GLOBAL_SCOPE,)))
        return sorted(found)

    def read(self, table: str, key: Mapping[str, Any]) -> dict[str, Any] | None:
        return read_row(self.conn, table, key)

    def write(self, change: RowChange) -> None:
        if self.scratch:
            write_row(self.conn, change)
        else:
            store_rows(self.conn, [change])
        for live in self._views.values():
            live.touch(change.table, change.key, change.after)

    def row_change(self, table: str, key: dict[str, Any], after: dict[str, Any] | None) -> RowChange:
        """The change that makes the row at ``key`` equal ``after`` (key columns added)."""
        return RowChange(table, key, self.read(table, key),
                         None if after is None else {**key, **after})
