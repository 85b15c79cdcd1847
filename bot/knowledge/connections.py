"""Connections of the write path: they never create the file, never touch a replaced one,
and report a commit truthfully.

Three hazards shape this module:

- ``sqlite3.connect`` creates an empty database when the file is missing. The write path
  opens with ``mode=rw`` (``mode=ro`` to read), so an edit after the file was deleted, even
  a moment after the existence check, is ``MissingDatabase`` ("run `careerbot kb build`")
  and never leaves an empty file behind.
- A rebuild (``build.build_database``) swaps in a new file with ``os.replace`` while
  holding the old file's write lock. A connection opened before the swap still points at
  the old file, but SQLite finds a journal by *path*: each time it takes a lock it checks
  for a "hot" journal, and on the old file it would take the new file's live journal for
  a crashed writer's, play it back into the old file and delete it. That writer's COMMIT
  then fails with "disk I/O error" (SQLITE_IOERR_DELETE_NOENT) although its data was
  written, and until then it had no journal to recover from. So writers wait for locks in
  Python, not in SQLite's busy handler, and check before every attempt that the path
  still names the file they opened (``FileConnection.begin``).
- When COMMIT itself fails, whether the change was made depends on how far it got.
  ``FileConnection.commit`` looks for the transaction's last audit row in the file and
  reports success only if it is there; otherwise the error propagates and the change is
  known not to have been made (SQLite rolls back an unfinished commit from its journal).
"""

from __future__ import annotations

import logging
import os
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bot.knowledge.changes import Busy, EditError, MissingDatabase

log = logging.getLogger(__name__)

#: How long a writer waits for another writer's transaction before giving up. Imports
#: hold the write lock only to write rows they planned beforehand (a fraction of a second
#: for thousands of entries), so an edit arriving meanwhile waits rather than fails.
BUSY_TIMEOUT_SECONDS = 10.0
#: How often a writer starts again after finding the file replaced by a rebuild.
MAX_REOPENS = 5
#: Pauses between attempts to take a lock, growing to the last and staying there.
LOCK_POLL_SECONDS = (0.001, 0.002, 0.005, 0.01, 0.02)

#: The audit row that marks a transaction: (id, at, actor_id, action, row_changes).
AuditMarker = tuple[int, str, str, str, str]


class Replaced(Exception):
    """The path no longer names the file this connection has open (a rebuild swapped it
    in, or it was deleted); nothing was done, and the caller starts again."""


def file_id(db_path: Path) -> tuple[int, int] | None:
    """Which file the path names now (device, inode), or None if there is none."""
    try:
        st = os.stat(db_path)
    except OSError:
        return None
    return (st.st_dev, st.st_ino)


def missing(db_path: Path) -> MissingDatabase:
    return MissingDatabase(f"the knowledge base {db_path} does not exist; run `careerbot kb build`")


def require_database(db_path: Path) -> None:
    if file_id(db_path) is None:
        raise missing(db_path)


def needs_recovery(exc: sqlite3.Error) -> bool:
    """A read-only connection met a journal left by a writer that was killed: only a
    read-write connection can roll it back (SQLite does so on its first read)."""
    return getattr(exc, "sqlite_errorcode", None) == sqlite3.SQLITE_READONLY_ROLLBACK


def is_busy(exc: sqlite3.Error) -> bool:
    code = getattr(exc, "sqlite_errorcode", None)
    return code is not None and code & 0xFF in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)


def rollback_quietly(conn: sqlite3.Connection) -> None:
    """Roll back if a transaction is still open, never raising.

    SQLite rolls the whole transaction back by itself after some errors (a full disk, an
    I/O error); a ROLLBACK then fails with "cannot rollback - no transaction is active",
    which must not replace the error that explains what happened.
    """
    if not conn.in_transaction:
        return
    try:
        conn.execute("rollback")
    except sqlite3.Error:
        log.warning("rolling back after a failed write also failed", exc_info=True)


class FileConnection:
    """A connection to the file ``db_path`` named when it was opened."""

    def __init__(self, db_path: Path, *, readonly: bool = False) -> None:
        self.db_path = Path(db_path)
        for _ in range(MAX_REOPENS):
            before = file_id(self.db_path)
            if before is None:
                raise missing(self.db_path)
            uri = self.db_path.resolve().as_uri() + ("?mode=ro" if readonly else "?mode=rw")
            try:
                conn = sqlite3.connect(uri, uri=True, timeout=0, isolation_level=None)
            except sqlite3.OperationalError as exc:
                if file_id(self.db_path) is None:
                    raise missing(self.db_path) from exc
                raise
            if file_id(self.db_path) == before:
                self.conn = conn
                self.file_id = before
                conn.row_factory = sqlite3.Row
                return
            conn.close()  # replaced while opening: which file it has is unknown
        raise rebuilding(self.db_path)

    def close(self) -> None:
        self.conn.close()

    def still_current(self) -> bool:
        return file_id(self.db_path) == self.file_id

    def begin(self, *, immediate: bool) -> None:
        """Start a transaction holding the read lock, or with ``immediate`` the write lock,
        waiting up to BUSY_TIMEOUT_SECONDS for other writers; Replaced if the file at the
        path changes meanwhile (see the module doc for why SQLite must not wait itself)."""
        conn = self.conn
        conn.execute("pragma busy_timeout = 0")
        deadline = time.monotonic() + BUSY_TIMEOUT_SECONDS
        attempt = 0
        while True:
            if not self.still_current():
                raise Replaced
            try:
                conn.execute("begin immediate" if immediate else "begin")
                conn.execute("select count(*) from main.sqlite_master").fetchone()  # the read lock
                break
            except sqlite3.OperationalError as exc:
                rollback_quietly(conn)
                if not is_busy(exc):
                    if not self.still_current():
                        raise Replaced from exc
                    raise
                if time.monotonic() >= deadline:
                    raise Busy("the knowledge base is busy with another change; nothing was "
                               "changed, try again in a moment") from exc
                time.sleep(LOCK_POLL_SECONDS[min(attempt, len(LOCK_POLL_SECONDS) - 1)])
                attempt += 1
        if not self.still_current():
            rollback_quietly(conn)
            raise Replaced
        # Once the lock is held, SQLite may wait by itself: only COMMIT waits now (for
        # readers to finish), on the file this connection holds locked.
        conn.execute(f"pragma busy_timeout = {int(BUSY_TIMEOUT_SECONDS * 1000)}")

    def commit(self, marker: AuditMarker | None) -> None:
        """COMMIT; if it fails but ``marker`` (the transaction's last audit row) is in the
        file, the change was made and that is what the caller reports."""
        try:
            self.conn.execute("commit")
        except sqlite3.DatabaseError as exc:
            rollback_quietly(self.conn)
            if marker is not None and audit_row_present(self.db_path, marker):
                log.warning("COMMIT of audit entry %s reported %r, but the change is in the "
                            "knowledge base: it is reported as made", marker[0], exc)
                return
            raise


def open_reader(db_path: Path) -> FileConnection:
    """A connection for reading: read-only, unless the file must first be recovered from
    a killed writer's journal (``needs_recovery``), which a read-write one does."""
    for readonly in (True, False):
        fc = FileConnection(db_path, readonly=readonly)
        try:
            fc.conn.execute(f"pragma busy_timeout = {int(BUSY_TIMEOUT_SECONDS * 1000)}")
            fc.conn.execute("select count(*) from sqlite_master").fetchone()
            return fc
        except sqlite3.OperationalError as exc:
            fc.close()
            if not (readonly and needs_recovery(exc)):
                raise
    raise AssertionError("unreachable")


def rebuilding(db_path: Path) -> EditError:
    return EditError(f"the knowledge base {db_path} keeps being rebuilt; nothing was changed, "
                     "try again")


def audit_row_present(db_path: Path, marker: AuditMarker) -> bool:
    """Is the audit row ``marker`` in the file at ``db_path``? (False if it cannot be read.)"""
    try:
        reader = open_reader(db_path)
    except (EditError, sqlite3.Error):
        log.warning("cannot tell whether audit entry %s was committed", marker[0], exc_info=True)
        return False
    try:
        row = reader.conn.execute(
            "select 1 from audit_log where id = ? and at = ? and actor_id = ? and action = ? "
            "and row_changes = ?", marker).fetchone()
        return row is not None
    except sqlite3.Error:
        log.warning("cannot tell whether audit entry %s was committed", marker[0], exc_info=True)
        return False
    finally:
        reader.close()


@contextmanager
def locked(db_path: Path) -> Iterator[FileConnection]:
    """A connection holding the write lock on the file now at ``db_path``, closed after the
    block (which commits or rolls back itself). A rebuild holds the old file's lock until
    the new file is in place; a writer that was waiting on the old file starts again."""
    for _ in range(MAX_REOPENS):
        fc = FileConnection(db_path)
        try:
            fc.begin(immediate=True)
        except Replaced:
            fc.close()
            continue
        except BaseException:
            fc.close()
            raise
        try:
            yield fc
        finally:
            rollback_quietly(fc.conn)
            fc.close()
        return
    raise rebuilding(db_path)
