"""Build the SQLite knowledge base from ``knowledge/`` with sqlite-utils, atomically.

The database is written to a temporary file beside the target and moved into place
with ``os.replace`` only after it is complete, so a failed build (bad files, a crash,
a full disk) leaves the previous database serving. Tables the build does not own
(moderators' overlays, the audit log, server settings) are copied from the previous
database, so rebuilding the base never loses a server's edits: the build holds a read
lock on the previous database from the copy until the swap, so no write can land in
between, and it refuses to build (leaving everything as it was) when another program
keeps the previous database locked.

A previous file that is damaged, unreadable or of another schema version is never built
over silently: it is kept aside under a timestamped name, the tables the build does not
own are salvaged from it as far as they can be read, and the build says at ERROR level
(and ``careerbot kb build`` on its output) what was kept, salvaged and lost; see
``bot.knowledge.salvage``. A locked file is not a damaged one: the build refuses instead.
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from bot.knowledge.fields import role_text_fields, snapshot_columns, stat_fields
from bot.knowledge.files import fingerprint, load_knowledge_dir
from bot.knowledge.models import JOB_ZONES_LIST, ROLE_LISTS, Knowledge, Role
from bot.knowledge.salvage import SalvageReport, keep_aside, read_salvage, write_salvage
from bot.knowledge.validation import KnowledgeError
from bot.text.names import alias_key

# sqlite-utils is imported only when building, so a start that finds the database
# current (every ``careerbot ask``, most bot starts) skips its import time (~60 ms).
if TYPE_CHECKING:
    import sqlite_utils

log = logging.getLogger(__name__)

SCHEMA_VERSION = "2"
#: How long to wait for another program's write lock on the database before giving up.
BUSY_TIMEOUT_S = 2.0
#: Tables whose pages are not checked at every start. The audit log grows without bound
#: (36 MB at 50,000 entries: 20-500 ms to check) and only history and undo read it; a
#: rebuild checks the whole file, the audit log included, before carrying anything over.
UNCHECKED_AT_START = frozenset({"audit_log"})
#: The longest SQLite integrity complaint quoted in a message (it can list many pages).
PROBLEM_CHARS = 300
#: SQLite result codes that mean the file's content is damaged or not a database at all;
#: any other error (permissions, I/O, a journal needing a write) is not a reason to set
#: the file aside and rebuild over it.
DAMAGE_CODES = frozenset({sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB})


class BuildError(Exception):
    """The database cannot be built or rebuilt; the message says why and what to do."""


class DatabaseLocked(BuildError):
    """Another program holds the database locked for writing past ``BUSY_TIMEOUT_S``."""


def _is_locked(exc: sqlite3.Error) -> bool:
    code = getattr(exc, "sqlite_errorcode", None)
    return code is not None and code & 0xFF in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)


def _is_damage(exc: sqlite3.Error) -> bool:
    code = getattr(exc, "sqlite_errorcode", None)
    return code is not None and code & 0xFF in DAMAGE_CODES


def _locked(db_path: Path) -> DatabaseLocked:
    return DatabaseLocked(
        f"the knowledge base {db_path} is locked by another program; "
        "try again when it has finished writing"
    )


def _role_row(role: Role) -> dict:
    return {
        "slug": role.slug,
        **{f.db_column: getattr(role, f.name) for f in role_text_fields()},
        "ceiling": role.ceiling,
        "getting_in": role.getting_in,
        "week_summary": role.week_summary,
        "week_source": role.week_source.id if role.week_source else None,
        "postings_good": role.postings_good,
        "skills_source": role.skills_source.id if role.skills_source else None,
        "related_source": role.related_source.id if role.related_source else None,
        "job_zone_source": role.job_zone_source.id if role.job_zone_source else None,
        "path_guidance": int(role.path_guidance),
    }


def _job_zone_rows(role: Role) -> list[dict]:
    return [{"role_slug": role.slug, "list": JOB_ZONES_LIST, "position": i,
             "text": json.dumps({"occupation": z.occupation, "zone": z.zone, "meaning": z.meaning})}
            for i, z in enumerate(role.job_zones)]


def _stat_rows(role: Role) -> list[dict]:
    """The role's snapshots, one row each: a column per figure of the field table."""
    return [{"role_slug": role.slug, "position": position, "source": snap.source.id,
             "as_of": snap.as_of, **snapshot_columns(snap)}
            for position, snap in enumerate(role.stats)]


#: The SQLite column type of each unit of the field table.
_COLUMN_TYPES: dict[str, type] = {"usd": int, "count": int, "percent": float, "text": str}


def table_columns() -> dict[str, tuple[dict[str, type], str | None]]:
    """``TABLE_COLUMNS`` with the columns of the current field table (``register``)."""
    return {**TABLE_COLUMNS,
            "roles": ({"slug": str, **{f.db_column: str for f in role_text_fields()},
                       **_ROLE_COLUMNS}, "slug"),
            "role_stats": ({"role_slug": str, "position": int, "source": str, "as_of": str,
                            **{f.db_column: _COLUMN_TYPES[f.unit] for f in stat_fields()}}, None)}


def _cut_rows(role: Role) -> list[dict]:
    """The role's survey cuts (``SurveyCut``), one row per cell, in the role's order."""
    return [{"role_slug": role.slug, "position": i, "dimension": c.dimension, "value": c.value,
             "source": c.source.id, "as_of": c.as_of, "filters": c.filters, "n": c.n,
             "min_n": c.min_n, "p25": c.salary.p25, "median": c.salary.median,
             "p75": c.salary.p75, "mean": c.salary.mean, "withheld": c.withheld}
            for i, c in enumerate(role.survey_cuts)]


#: The roles table's columns besides the slug and the field table's role texts.
_ROLE_COLUMNS: dict[str, type] = {
    "ceiling": str, "getting_in": str, "week_summary": str, "week_source": str,
    "postings_good": str, "skills_source": str, "related_source": str, "job_zone_source": str,
    "path_guidance": int}

TABLE_COLUMNS: dict[str, tuple[dict[str, type], str | None]] = {
    "sources": ({"id": str, "name": str, "kind": str, "date": str, "note": str, "url": str,
                 "licence": str, "attribution": str}, "id"),
    # roles and role_stats: their columns for the field table's fields come from it
    # (``table_columns``).
    "roles": ({}, "slug"),
    "role_aliases": ({"role_slug": str, "alias": str, "key": str}, None),
    "role_stats": ({}, None),
    "role_skills": ({"role_slug": str, "rank": int, "skill": str}, None),
    "role_items": ({"role_slug": str, "list": str, "position": int, "text": str}, None),
    "role_tools": ({"role_slug": str, "position": int, "area": str, "items": str, "note": str},
                   None),
    "market": ({"key": str, "label": str, "value": float, "source": str, "as_of": str}, "key"),
    "faq": ({"id": int, "question": str, "answer": str, "tags": str, "source": str}, "id"),
    "role_cuts": ({"role_slug": str, "position": int, "dimension": str, "value": str,
                   "source": str, "as_of": str, "filters": str, "n": int, "min_n": int,
                   "p25": int, "median": int, "p75": int, "mean": int, "withheld": str}, None),
}


#: Tables written from the knowledge files; every other table is carried across rebuilds.
BASE_TABLES = frozenset({"meta", *TABLE_COLUMNS})
#: The FAQ's full-text index and its shadow tables: rebuilt with the base.
FTS_TABLES = frozenset(f"faq_fts{suffix}"
                       for suffix in ("", "_data", "_idx", "_docsize", "_config", "_content"))


def is_preserved(table: str) -> bool:
    """Is ``table`` one the build does not own (overlays, settings, the audit log), so it is
    carried over to every rebuilt database?"""
    return not (table in BASE_TABLES or table in FTS_TABLES or table.startswith("sqlite_"))


def write_knowledge(db: sqlite_utils.Database, knowledge: Knowledge) -> None:
    """Write every base table of ``knowledge`` into an empty database."""

    roles = list(knowledge.roles.values())
    rows: dict[str, list[dict]] = {
        "sources": [asdict(s) for s in knowledge.sources.values()],
        "roles": [_role_row(r) for r in roles],
        "role_aliases": [{"role_slug": r.slug, "alias": a, "key": alias_key(a)}
                         for r in roles for a in r.aliases],
        "role_stats": [row for r in roles for row in _stat_rows(r)],
        "role_skills": [{"role_slug": r.slug, "rank": i + 1, "skill": s}
                        for r in roles for i, s in enumerate(r.skills)],
        "role_items": [{"role_slug": r.slug, "list": name, "position": i, "text": text}
                       for r in roles for name in ROLE_LISTS
                       for i, text in enumerate(getattr(r, name))]
                      + [row for r in roles for row in _job_zone_rows(r)],
        "role_tools": [{"role_slug": r.slug, "position": i, "area": t.area,
                        "items": json.dumps(list(t.items)), "note": t.note}
                       for r in roles for i, t in enumerate(r.tools)],
        "market": [{"key": f.key, "label": f.label, "value": f.value, "source": f.source.id,
                    "as_of": f.as_of} for f in knowledge.market.values()],
        "faq": [{"id": e.id, "question": e.question, "answer": e.answer, "tags": " ".join(e.tags),
                 "source": e.source.id if e.source else None} for e in knowledge.faq],
        "role_cuts": [row for r in roles for row in _cut_rows(r)],
    }
    for name, (columns, pk) in table_columns().items():
        db.table(name).create(columns, pk=pk)
        db.table(name).insert_all(rows[name])
    db.table("faq").enable_fts(["question", "answer", "tags"], create_triggers=True)
    for table in ("role_aliases", "role_stats", "role_skills", "role_items", "role_tools",
                  "role_cuts"):
        db.table(table).create_index(["role_slug"])
    db.table("role_aliases").create_index(["key"])


def integrity_problem(conn: sqlite3.Connection, skip: frozenset[str] = frozenset()) -> str | None:
    """SQLite's first complaint about the database on ``conn`` (None when it reads cleanly).

    ``pragma quick_check`` reads every page; with ``skip``, each other table is checked
    on its own instead (``quick_check(table)``, SQLite 3.33+; older versions check all).
    Raises sqlite3.DatabaseError when the damage stops the check itself.
    """
    if skip:
        tables = [name for (name,) in conn.execute(
            "select name from sqlite_master where type = 'table'") if name not in skip]
        checks = [f"pragma quick_check('{name.replace(chr(39), chr(39) * 2)}')" for name in tables]
    else:
        checks = ["pragma quick_check"]
    for check in checks:
        (first,) = conn.execute(check).fetchone()
        if first != "ok":
            problem = " ".join(str(first).split())
            return problem if len(problem) <= PROBLEM_CHARS else problem[:PROBLEM_CHARS] + "…"
    return None


def _damage(conn: sqlite3.Connection) -> str | None:
    """Why the previous database on ``conn`` cannot simply be carried over, or None."""
    problem = integrity_problem(conn)
    if problem is not None:
        return f"SQLite's integrity check fails: {problem}"
    has_meta = conn.execute(
        "select 1 from sqlite_master where type = 'table' and name = 'meta'").fetchone()
    if not has_meta:
        return "it has no meta table, so it is not a careerbot knowledge base"
    row = conn.execute("select value from meta where key = 'schema_version'").fetchone()
    if row is None or row[0] != SCHEMA_VERSION:
        version = "no schema version" if row is None else f"schema version {row[0]!r}"
        return f"it was built with {version}; this careerbot uses {SCHEMA_VERSION!r}"
    return None


def _open_previous(old_path: Path) -> tuple[sqlite3.Connection | None, str | None]:
    """The previous database, read-locked until closed, or why it must be kept aside.

    Returns (connection, None) for a sound database, (None, None) when there is none and
    (None, why) when it is damaged, unreadable or of another schema version.

    The read transaction stays open so no other connection can commit to the old file
    between copying its tables and swapping in the new file (a write made then would
    go to the replaced file and be lost). Raises DatabaseLocked when a writer holds it,
    and BuildError when it cannot be read for a reason that is not damage (permissions,
    I/O): nothing is built over a file that may be sound.
    """
    if not old_path.exists():
        return None, None
    if old_path.stat().st_size == 0:
        return None, "the file is empty (0 bytes)"
    old: sqlite3.Connection | None = None
    try:
        old = sqlite3.connect(f"file:{old_path}?mode=ro", uri=True, timeout=BUSY_TIMEOUT_S,
                              isolation_level=None)
        old.execute("begin")
        old.execute("select count(*) from sqlite_master").fetchone()
        damage = _damage(old)
    except sqlite3.DatabaseError as exc:
        if old is not None:
            old.close()
        if _is_locked(exc):
            raise _locked(old_path) from exc
        if _is_damage(exc):
            return None, f"unreadable: {exc}"
        raise BuildError(f"cannot read the knowledge base {old_path} ({exc}); not rebuilding "
                         "over it") from exc
    if damage is not None:
        old.close()
        return None, damage
    return old, None


def _copy_preserved(old: sqlite3.Connection, db: sqlite_utils.Database) -> None:
    """Carry over every table the build does not own (overlays, audit, settings)."""
    rows = old.execute(
        "select name, sql from sqlite_master where type = 'table' and sql is not null"
    ).fetchall()
    for name, sql in rows:
        if not is_preserved(name):
            continue
        db.execute(sql)
        cursor = old.execute(f'select * from "{name}"')
        columns = [d[0] for d in cursor.description]
        placeholders = ", ".join("?" for _ in columns)
        quoted = ", ".join(f'"{c}"' for c in columns)
        db.conn.executemany(
            f'insert into "{name}" ({quoted}) values ({placeholders})', cursor.fetchall()
        )
    for table, sql in old.execute(
        "select tbl_name, sql from sqlite_master where type in ('index', 'trigger') "
        "and sql is not null"
    ).fetchall():
        if is_preserved(table):
            db.execute(sql)


@contextmanager
def _writers_paused(db_path: Path) -> Iterator[None]:
    """Hold the previous database's write lock from copying its overlays until the new
    file is in place, so no edit can commit in between to a file about to be replaced.

    Writers (``bot.knowledge.edits.session``) wait for the lock and, finding the file
    replaced once they hold it, start again on the new one. The lock is taken without
    writing anything, so the old file is left byte for byte as it was. An edit takes
    milliseconds, so a lock still held after ``BUSY_TIMEOUT_S`` belongs to another
    program, and the build refuses (DatabaseLocked) rather than rebuild over it.

    An empty (0-byte) file holds no edits to protect, and SQLite would write to it to take
    the lock (a journal for the first page), so it is not locked.
    """
    if not db_path.exists() or db_path.stat().st_size == 0:
        yield
        return
    lock: sqlite3.Connection | None = None
    try:
        lock = sqlite3.connect(db_path, timeout=BUSY_TIMEOUT_S, isolation_level=None)
        lock.execute("begin immediate")
    except sqlite3.DatabaseError as exc:
        if _is_locked(exc):
            if lock is not None:
                lock.close()
            raise _locked(db_path) from exc
        log.warning("could not lock %s against edits during the rebuild (%s)", db_path, exc)
        try:
            yield
        finally:
            # Closed only now: closing may tidy up (delete) files beside the database,
            # which belong to it and are kept aside with it if it is damaged.
            if lock is not None:
                lock.close()
        return
    try:
        yield
    finally:
        lock.execute("rollback")
        lock.close()


@dataclass(frozen=True)
class BuildResult:
    """What a build made: the knowledge, and the salvage report when the previous file was
    damaged and kept aside (None otherwise)."""

    knowledge: Knowledge
    salvage: SalvageReport | None = None


def build_database(knowledge_dir: Path, db_path: Path) -> Knowledge:
    """Validate ``knowledge_dir`` and atomically (re)build the database at ``db_path``.

    Raises KnowledgeError (and writes nothing) when the files have problems.
    """
    return build_with_report(knowledge_dir, db_path).knowledge


def build_with_report(knowledge_dir: Path, db_path: Path) -> BuildResult:
    """``build_database``, also returning the salvage report of a damaged previous file.

    A damaged previous file is read (from a scratch copy) before the new file is written,
    and kept aside only once the new file is complete, just before the swap: a build that
    fails leaves it exactly where and as it was.
    """
    knowledge_dir = Path(knowledge_dir)
    db_path = Path(db_path)
    knowledge = load_knowledge_dir(knowledge_dir)
    print_ = fingerprint(knowledge_dir)
    import sqlite_utils

    db_path.parent.mkdir(parents=True, exist_ok=True)
    report: SalvageReport | None = None
    with _writers_paused(db_path):
        old, damage = _open_previous(db_path)
        if damage is not None:
            log.warning("the knowledge base %s is damaged or unreadable (%s); it will be kept "
                        "aside and what can still be read salvaged", db_path, damage)
        scratch_dir = (tempfile.TemporaryDirectory(prefix=f".{db_path.name}.salvage-",
                                                   dir=db_path.parent)
                       if damage is not None else nullcontext(None))
        try:
            with scratch_dir as scratch:
                salvage = (read_salvage(db_path, is_preserved, Path(scratch))
                           if scratch is not None else None)
                fd, tmp_name = tempfile.mkstemp(prefix=f".{db_path.name}.", suffix=".tmp",
                                                dir=db_path.parent)
                os.close(fd)
                tmp = Path(tmp_name)
                try:
                    db = sqlite_utils.Database(tmp)
                    with db.conn:
                        write_knowledge(db, knowledge)
                        if old is not None:
                            _copy_preserved(old, db)
                        elif salvage is not None:
                            report = write_salvage(db.conn, salvage, db_path=db_path,
                                                   problem=str(damage))
                        _write_meta(db, print_, knowledge_dir)
                    db.close()
                    if report is not None:
                        report = replace(report, kept=keep_aside(db_path))
                    os.replace(tmp, db_path)
                except BaseException:
                    tmp.unlink(missing_ok=True)
                    raise
        finally:
            if old is not None:
                old.close()
    log.info("built knowledge base %s (%d roles)", db_path, len(knowledge.roles))
    if report is not None:
        log.error("%s", report.text())
    return BuildResult(knowledge, report)


def _write_meta(db: sqlite_utils.Database, print_: str, knowledge_dir: Path) -> None:
    db.table("meta").insert_all(
        [
            {"key": "fingerprint", "value": print_},
            {"key": "schema_version", "value": SCHEMA_VERSION},
            {"key": "built_at", "value": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())},
            {"key": "knowledge_dir", "value": str(knowledge_dir.resolve())},
        ],
        pk="key",
        replace=True,
    )


def stored_fingerprint(db_path: Path) -> str | None:
    """The fingerprint the database was built from, or None when it must be (re)built:
    missing, unreadable, damaged, or built for another schema version.

    The tables read at start are checked page by page (``integrity_problem``, about a
    millisecond), so a damaged file is found now, rebuilt and salvaged, rather than failing
    on a member's question; the build then decides what of the old file to keep.
    Raises DatabaseLocked when another program holds it locked past BUSY_TIMEOUT_S:
    a locked database is not a broken one, and must not be rebuilt over.
    """
    if not Path(db_path).exists():
        return None
    try:
        conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, timeout=BUSY_TIMEOUT_S)
        try:
            meta = dict(conn.execute(
                "select key, value from meta where key in ('fingerprint', 'schema_version')"))
            if (meta.get("schema_version") != SCHEMA_VERSION
                    or integrity_problem(conn, skip=UNCHECKED_AT_START) is not None):
                return None
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        if _is_locked(exc):
            raise _locked(db_path) from exc
        return None
    return meta.get("fingerprint")


def ensure_database(knowledge_dir: Path, db_path: Path) -> bool:
    """Build the database when it is missing, damaged or older than the knowledge files.

    Returns True when it (re)built. A damaged file is kept aside and what can be read of
    it salvaged (``build_with_report``). Whenever a previous database exists, it keeps
    serving if the rebuild cannot happen: the files have errors, the directory is
    read-only, the disk is full, or another program holds the database locked; the
    reason is logged. With no usable database at all the error propagates
    (KnowledgeError for the files, BuildError otherwise), since there is nothing to serve.
    """
    current = fingerprint(knowledge_dir)
    try:
        stored = stored_fingerprint(db_path)
    except DatabaseLocked as exc:
        log.warning("%s; not rebuilding it now", exc)
        return False
    if stored == current:
        return False
    try:
        build_database(knowledge_dir, db_path)
    except KnowledgeError as exc:
        if stored is None:
            raise
        log.error("knowledge files have errors; still serving the previous database:\n%s", exc)
        return False
    except (OSError, sqlite3.DatabaseError, BuildError) as exc:
        if stored is None:
            if isinstance(exc, BuildError):
                raise
            raise BuildError(f"cannot build the knowledge base {db_path}: {exc}") from exc
        log.error("cannot rebuild the knowledge base %s (%s); still serving the previous one",
                  db_path, exc)
        return False
    return True
