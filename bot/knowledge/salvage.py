"""Keep a damaged knowledge base aside and salvage the tables a rebuild cannot recreate.

Why: the base tables can be rebuilt from ``knowledge/`` at any time, but moderators'
overlays, server settings and the audit log exist only in the database file. When that
file is damaged (a failing disk, a crash while copying it, a hand edit gone wrong) or was
written by another schema version, a rebuild must not throw them away silently. So the
build (``bot.knowledge.build``) keeps the file aside, untouched, under a timestamped name
(``careerbot.db.damaged-20261203T052811Z``, with its -journal/-wal/-shm files), copies
into the new database whatever of those tables can still be read, and reports what was
kept, salvaged and lost. The bot never deletes a file it kept aside.

How the salvage reads a damaged file, always from a scratch copy, so nothing it does
writes to the file kept aside (taking the build's write lock does let SQLite roll back a
journal a crashed writer left, as any program opening the file would):

1. Header: SQLite refuses a file whose first 16 bytes are not its magic string ("file is
   not a database"). When the rest of the 100-byte header still looks like SQLite's, the
   magic string is restored; otherwise a whole header is written for each likely page
   size until the schema reads.
2. Truncation: SQLite calls a file shorter than its header says "malformed" and reads
   nothing. The copy is cut to its last whole page and its header told so; every page
   that survived reads again, and references to the missing ones read as damage.
3. Tables: each table the build does not own is read in rowid order. Where a damaged page
   stops the scan, the reader seeks past it (``rowid > ?``, stepping further each time a
   seek lands on a damaged page), narrows down where the readable rows resume, looks up the
   rowids in between one by one, and carries on; the rowids it could not read are reported.

What does not work here: when the schema itself (page 1 past the header, or the pages
of ``sqlite_master``) is damaged, SQLite cannot name any table, and nothing is salvaged.
The sqlite3 command line's ``.recover`` reads pages without the schema and may get more
out of the kept file; the log says how. Rows are salvaged as they read: a damaged page
that still decodes as valid records is indistinguishable from good data.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import struct
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

#: What follows the database's name when it is kept aside, then a UTC timestamp.
ASIDE_MARK = ".damaged-"
ASIDE_TIME_FORMAT = "%Y%m%dT%H%M%SZ"
#: SQLite's files beside a database; they belong to it and move aside with it.
COMPANION_SUFFIXES = ("-journal", "-wal", "-shm")

#: The first 16 bytes of every SQLite database file.
SQLITE_MAGIC = b"SQLite format 3\x00"
HEADER_SIZE = 100
#: Page sizes to try, most likely first, when the header's own is unreadable.
PAGE_SIZES = (4096, 1024, 2048, 8192, 16384, 32768, 65536, 512)
#: Header bytes 21-23: the payload fractions, fixed at 64, 32 and 32 in every SQLite file.
PAYLOAD_FRACTIONS = b"\x40\x20\x20"

MIN_ROWID = -(2**63)
MAX_ROWID = 2**63 - 1
#: Rowids looked up one by one where a damaged stretch of a table ends.
PROBE_STRETCH = 4096
#: Queries spent on one table's damaged stretches before the rest is given up as lost.
PROBE_BUDGET = 200_000


@dataclass(frozen=True)
class TableSalvage:
    """What could be read of one table: its definition, rows (rowid order) and what not."""

    name: str
    sql: str
    rows: tuple[tuple[Any, ...], ...]
    #: Rowid stretches that could not be read, e.g. "rowids 12-19" or "every row (why)".
    unreadable: tuple[str, ...] = ()


@dataclass(frozen=True)
class Salvage:
    """Everything read from a damaged file, ready to write into a new database."""

    tables: tuple[TableSalvage, ...] = ()
    #: Index and trigger definitions of the salvaged tables.
    definitions: tuple[str, ...] = ()
    #: What was done to the scratch copy before it would read (header, truncation).
    repairs: tuple[str, ...] = ()
    #: Why no table could be named at all, when that is so.
    schema_error: str | None = None


@dataclass(frozen=True)
class SalvageReport:
    """What a rebuild over a damaged file kept, salvaged and lost; ``text`` says it all."""

    db_path: Path
    problem: str
    kept: tuple[Path, ...]
    repairs: tuple[str, ...] = ()
    #: Table name -> rows copied into the new database.
    salvaged: dict[str, int] = field(default_factory=dict)
    #: Table name -> the stretches of it that were lost.
    partial: dict[str, tuple[str, ...]] = field(default_factory=dict)
    #: Tables (or, when the schema was unreadable, everything) that could not be read.
    lost: tuple[str, ...] = ()

    @property
    def aside(self) -> Path:
        return self.kept[0]

    def text(self) -> str:
        lines = [
            f"the knowledge base {self.db_path} was damaged or unreadable ({self.problem}); "
            "it was rebuilt from the knowledge files",
            f"  kept aside, untouched: {', '.join(str(p) for p in self.kept)}",
        ]
        if self.repairs:
            lines.append(f"  to read it, a scratch copy was repaired: {'; '.join(self.repairs)}")
        if self.salvaged:
            counts = ", ".join(f"{name} {_rows(n)}" for name, n in self.salvaged.items() if n)
            empty = [name for name, n in self.salvaged.items() if not n]
            if empty:
                counts += f"{', and ' if counts else ''}{len(empty)} empty table(s): {', '.join(empty)}"
            lines.append(f"  salvaged into the new database: {counts}")
        elif self.lost or self.partial:
            lines.append("  salvaged: nothing")
        else:
            lines.append("  salvaged: nothing: it held no moderators' edits, server settings or "
                         "audit log")
        for name, stretches in self.partial.items():
            lines.append(f"  partly lost: {name}: {'; '.join(stretches)} could not be read")
        if self.lost:
            lines.append(f"  lost: {'; '.join(self.lost)}")
        elif self.salvaged and not self.partial:
            lines.append("  lost: nothing that could be found in it")
        lines.append(
            f"  the bot never deletes the kept file: inspect it with `sqlite-utils tables "
            f"{self.aside} --counts`; the sqlite3 command line's `.recover` may read more of "
            "it; delete it yourself once you no longer need it"
        )
        return "\n".join(lines)


def _rows(n: int) -> str:
    return f"{n} row" if n == 1 else f"{n} rows"


# ---------------------------------------------------------------------------------------
# Keeping the file aside


def aside_path(db_path: Path, now: datetime | None = None, attempt: int = 1) -> Path:
    """Where ``db_path`` is kept aside: its name, ``.damaged-`` and the UTC time."""
    stamp = (now or datetime.now(UTC)).astimezone(UTC).strftime(ASIDE_TIME_FORMAT)
    suffix = "" if attempt == 1 else f"-{attempt}"
    return db_path.with_name(f"{db_path.name}{ASIDE_MARK}{stamp}{suffix}")


def _copy_new(source: Path, target: Path) -> None:
    """Copy to a path that must not exist yet (FileExistsError if it does)."""
    with open(source, "rb") as src, open(target, "xb") as dst:
        shutil.copyfileobj(src, dst)
    shutil.copystat(source, target)


def keep_aside(db_path: Path, now: datetime | None = None) -> tuple[Path, ...]:
    """Keep ``db_path`` under a new timestamped name, with its companion files moved beside
    it; returns the kept paths, the database first.

    The database is hard-linked (copied where links are not supported), so ``db_path``
    itself stays in place until the caller swaps the new file in: there is never a moment
    without a database. The companions are moved, not linked: a journal left beside the
    new database would be rolled back into it.
    """
    for attempt in range(1, 1000):
        aside = aside_path(db_path, now, attempt)
        try:
            os.link(db_path, aside)
        except FileExistsError:
            continue
        except OSError:
            try:
                _copy_new(db_path, aside)
            except FileExistsError:
                continue
        break
    else:  # pragma: no cover - a thousand damaged files within one second
        raise FileExistsError(f"cannot find a free name to keep {db_path} aside")
    kept = [aside]
    for suffix in COMPANION_SUFFIXES:
        companion = Path(f"{db_path}{suffix}")
        if companion.exists():
            target = Path(f"{aside}{suffix}")
            os.rename(companion, target)
            kept.append(target)
    return tuple(kept)


# ---------------------------------------------------------------------------------------
# Repairing a scratch copy so SQLite will read it


def _page_size(header: bytes) -> int | None:
    """The page size the header states, if it is a valid one."""
    (raw,) = struct.unpack(">H", header[16:18])
    size = 65536 if raw == 1 else raw
    return size if size in PAGE_SIZES else None


def _header(page_size: int) -> bytes:
    """A plain SQLite header for ``page_size``: UTF-8, schema format 4, no freelist, and a
    database size of 0 so SQLite takes the size from the file."""
    return struct.pack(
        ">16sHBBBBBBIIIIIIIIIIII20sII",
        SQLITE_MAGIC, 1 if page_size == 65536 else page_size,
        1, 1, 0, 64, 32, 32,       # file format versions, reserved bytes, payload fractions
        1, 0, 0, 0,                # change counter, size in pages, freelist trunk and count
        1, 4, 0, 0, 1, 0, 0, 0,    # schema cookie, format, cache, vacuum root, UTF-8, user, vacuum, app
        b"\x00" * 20, 0, 3_040_001,  # reserved, version-valid-for, SQLite version
    )


def _schema_reads(path: Path) -> bool:
    try:
        conn = sqlite3.connect(path)
        try:
            conn.execute("select count(*) from sqlite_master").fetchone()
        finally:
            conn.close()
    except sqlite3.DatabaseError:
        return False
    return True


def _cut_to_whole_pages(path: Path, page_size: int) -> str | None:
    """Make a truncated file end at its last whole page, and say so in its header.

    SQLite reads nothing of a file shorter than its header states ("malformed"). With the
    size corrected, every page that survived reads, and a reference to a page past the end
    is reported as damage, which the reader steps over. A partial last page is dropped:
    padding it with zeros instead would make its cells read back as made-up empty rows.
    """
    size = path.stat().st_size
    with open(path, "rb") as f:
        header = f.read(HEADER_SIZE)
    (stated,) = struct.unpack(">I", header[28:32])
    whole = size // page_size
    if whole == 0 or (size % page_size == 0 and stated in (0, whole)):
        return None  # nothing to cut (or nothing would be left: let SQLite say what is wrong)
    with open(path, "r+b") as f:
        f.truncate(whole * page_size)
        f.seek(28)
        f.write(struct.pack(">I", whole))
    return f"cut a truncated file to its {whole} whole page(s) of {page_size} bytes ({size} bytes)"


def repair_copy(path: Path) -> tuple[str, ...]:
    """Make a scratch copy of a damaged database readable where its header or length is
    the damage; returns what was done."""
    if path.stat().st_size < HEADER_SIZE:
        return ()
    with open(path, "rb") as f:
        header = f.read(HEADER_SIZE)
    repairs: list[str] = []
    page_size = _page_size(header)
    if header[:16] != SQLITE_MAGIC:
        if page_size is not None and header[21:24] == PAYLOAD_FRACTIONS:
            with open(path, "r+b") as f:
                f.write(SQLITE_MAGIC)
            repairs.append("restored the header's first 16 bytes (SQLite's magic string)")
        else:
            page_size = _rewrite_header(path, header)
            if page_size is None:
                return ()
            repairs.append(f"wrote a new file header (page size {page_size})")
    if page_size is not None and (cut := _cut_to_whole_pages(path, page_size)):
        repairs.append(cut)
    return tuple(repairs)


def _rewrite_header(path: Path, original: bytes) -> int | None:
    """Write a whole new header, trying each likely page size until the schema reads;
    restores the original bytes and returns None when none does."""
    size = path.stat().st_size
    for page_size in PAGE_SIZES:
        if size < page_size:
            continue
        with open(path, "r+b") as f:
            f.write(_header(page_size))
        if _schema_reads(path):
            return page_size
    with open(path, "r+b") as f:
        f.write(original)
    return None


# ---------------------------------------------------------------------------------------
# Reading what can be read


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


class _Reader:
    """Reads one rowid table row by row around damaged pages (see the module doc)."""

    def __init__(self, conn: sqlite3.Connection, table: str) -> None:
        self.conn = conn
        self.table = _quote(table)
        self.queries = 0
        #: Rows whose rowid came out of order: cells of a damaged page that decode as rows.
        self.dropped = 0

    def _keep(self, row: tuple[Any, ...], rows: list[tuple[Any, ...]]) -> None:
        if rows and row[0] <= rows[-1][0]:
            self.dropped += 1
        else:
            rows.append(row)

    def _query(self, sql: str, *params: object) -> list[tuple[Any, ...]]:
        self.queries += 1
        return self.conn.execute(sql, params).fetchall()

    def scan(self, after: int, rows: list[tuple[Any, ...]]) -> sqlite3.DatabaseError | None:
        """Append rows with rowid > ``after`` until the end (None) or a damaged page (its error)."""
        self.queries += 1
        try:
            for row in self.conn.execute(
                    f"select rowid, * from {self.table} where rowid > ? order by rowid", (after,)):
                self._keep(row, rows)
        except sqlite3.DatabaseError as exc:
            return exc
        return None

    def seek_ok(self, after: int) -> bool:
        """Can a seek to the first row past ``after`` be made without a damaged page?"""
        try:
            self._query(f"select rowid from {self.table} where rowid > ? order by rowid limit 1",
                        after)
        except sqlite3.DatabaseError:
            return False
        return True

    def probe(self, low: int, high: int, rows: list[tuple[Any, ...]]) -> None:
        """Look up every rowid in (low, high] on its own (the last PROBE_STRETCH of them)."""
        for rowid in range(max(low, high - PROBE_STRETCH) + 1, high + 1):
            try:
                found = self._query(f"select rowid, * from {self.table} where rowid = ?", rowid)
            except sqlite3.DatabaseError:
                continue
            for row in found:
                self._keep(row, rows)

    def resume_point(self, after: int) -> tuple[int, int] | None:
        """Past a damaged stretch that starts after ``after``: (last seek that failed, first
        that succeeded), at most PROBE_STRETCH apart; None when no later seek succeeds."""
        step, failed = 1, after
        while True:
            candidate = after + step
            if candidate >= MAX_ROWID or self.queries > PROBE_BUDGET:
                return None
            if self.seek_ok(candidate):
                break
            failed, step = candidate, step * 2
        ok = candidate
        while ok - failed > PROBE_STRETCH and self.queries <= PROBE_BUDGET:
            middle = failed + (ok - failed) // 2
            if self.seek_ok(middle):
                ok = middle
            else:
                failed = middle
        return failed, ok


def _stretch(first: int, last: int | None) -> str:
    """Words for the rowids ``first``..``last`` (None: to the end) that could not be read."""
    from_start = first == MIN_ROWID + 1
    if last is None:
        return "every row" if from_start else f"rowids from {first} on"
    if from_start:
        return f"rowids up to {last}"
    return f"rowid {first}" if first == last else f"rowids {first}-{last}"


def read_table(conn: sqlite3.Connection, name: str) -> tuple[list[tuple[Any, ...]], list[str]]:
    """Every readable row of table ``name`` (values without the rowid, in rowid order) and
    the rowid stretches that could not be read: each from just past the last row read
    before the damage to just before the first row read after it."""
    reader = _Reader(conn, name)
    rows: list[tuple[Any, ...]] = []
    lost: list[str] = []
    damaged_from: int | None = None  # first rowid of a damaged stretch still open

    def read_again(before: int) -> None:
        """Close the open stretch if rows were read since there were ``before`` of them."""
        nonlocal damaged_from
        if damaged_from is not None and len(rows) > before:
            if rows[before][0] > damaged_from:
                lost.append(_stretch(damaged_from, rows[before][0] - 1))
            damaged_from = None

    after = MIN_ROWID
    while True:
        before = len(rows)
        error = reader.scan(after, rows)
        read_again(before)
        if rows:
            after = max(after, rows[-1][0])
        if error is None:
            break
        if error.sqlite_errorcode & 0xFF == sqlite3.SQLITE_ERROR and "rowid" in str(error):
            return _read_plain(conn, name)  # a WITHOUT ROWID table: no seeking by rowid
        if damaged_from is None:
            damaged_from = after + 1
        resume = reader.resume_point(after)
        if resume is None:
            lost.append(_stretch(damaged_from, None) + f" ({error})")
            damaged_from = None
            break
        failed, ok = resume
        before = len(rows)
        reader.probe(failed, ok, rows)
        read_again(before)
        after = max(ok, rows[-1][0] if rows else ok)
    if damaged_from is not None:
        lost.append(_stretch(damaged_from, None))
    if reader.dropped:
        lost.append(f"{reader.dropped} row(s) out of rowid order on a damaged page (left out)")
    return [row[1:] for row in rows], lost


def _read_plain(conn: sqlite3.Connection, name: str) -> tuple[list[tuple[Any, ...]], list[str]]:
    rows: list[tuple[Any, ...]] = []
    try:
        for row in conn.execute(f"select * from {_quote(name)}"):
            rows.append(row)
    except sqlite3.DatabaseError as exc:
        return rows, [f"every row after the first {len(rows)} ({exc})"]
    return rows, []


def _copy_with_companions(db_path: Path, scratch: Path) -> None:
    shutil.copyfile(db_path, scratch)
    for suffix in ("-journal", "-wal"):
        companion = Path(f"{db_path}{suffix}")
        if companion.exists():
            shutil.copyfile(companion, Path(f"{scratch}{suffix}"))


def read_salvage(db_path: Path, preserved: Callable[[str], bool], scratch_dir: Path) -> Salvage:
    """Read every table ``preserved`` names (and its indexes and triggers) from a scratch
    copy of the damaged ``db_path`` made in ``scratch_dir``; ``db_path`` is only read."""
    scratch = scratch_dir / "salvage.db"
    _copy_with_companions(db_path, scratch)
    repairs = repair_copy(scratch)
    conn = sqlite3.connect(scratch, isolation_level=None)  # read-write: may roll back a journal
    try:
        try:
            schema = conn.execute(
                "select type, name, tbl_name, sql from sqlite_master where sql is not null "
                "order by rowid").fetchall()
        except sqlite3.DatabaseError as exc:
            return Salvage(repairs=repairs, schema_error=str(exc))
        tables = []
        for kind, name, _table, sql in schema:
            if kind == "table" and preserved(name):
                rows, lost = read_table(conn, name)
                tables.append(TableSalvage(name, sql, tuple(rows), tuple(lost)))
        definitions = tuple(sql for kind, _name, table, sql in schema
                            if kind in ("index", "trigger") and preserved(table))
        return Salvage(tuple(tables), definitions, repairs)
    finally:
        conn.close()


# ---------------------------------------------------------------------------------------
# Writing it into the new database


def _insert(conn: sqlite3.Connection, table: TableSalvage) -> tuple[int, list[str]]:
    """Insert the salvaged rows one by one, so a row the new table refuses (a damaged row
    breaking a constraint) is skipped and counted instead of failing the rest."""
    if not table.rows:
        return 0, []
    marks = ", ".join("?" for _ in table.rows[0])
    sql = f"insert into {_quote(table.name)} values ({marks})"
    inserted = refused = 0
    for row in table.rows:
        try:
            conn.execute(sql, row)
        except sqlite3.DatabaseError:
            refused += 1
        else:
            inserted += 1
    return inserted, [f"{refused} damaged row(s) the table's constraints refused"] if refused else []


def write_salvage(conn: sqlite3.Connection, salvage: Salvage, *, db_path: Path, problem: str,
                  kept: tuple[Path, ...] = ()) -> SalvageReport:
    """Create the salvaged tables (with their indexes and triggers) in the new database on
    ``conn``, inside the caller's transaction, and report the outcome. ``kept`` can be
    filled in later with ``dataclasses.replace`` once the file is actually kept aside."""
    salvaged: dict[str, int] = {}
    partial: dict[str, tuple[str, ...]] = {}
    lost: list[str] = []
    if salvage.schema_error is not None:
        lost.append("all moderators' edits, server settings and audit entries in it: its "
                    f"schema could not be read ({salvage.schema_error})")
    for table in salvage.tables:
        try:
            conn.execute(table.sql)
        except sqlite3.DatabaseError as exc:
            lost.append(f"{table.name} (its definition did not work in the new database: {exc})")
            continue
        inserted, refused = _insert(conn, table)
        stretches = (*table.unreadable, *refused)
        if inserted == 0 and table.unreadable:
            lost.append(f"{table.name} ({'; '.join(stretches)})")
            continue
        salvaged[table.name] = inserted
        if stretches:
            partial[table.name] = stretches
    for sql in salvage.definitions:
        try:
            conn.execute(sql)
        except sqlite3.DatabaseError as exc:
            lost.append(f"the definition {' '.join(sql.split())[:80]!r} ({exc})")
    return SalvageReport(db_path=db_path, problem=problem, kept=kept, repairs=salvage.repairs,
                         salvaged=salvaged, partial=partial, lost=tuple(lost))

