"""The per-message data-version check skips ``PRAGMA data_version`` while the database
file is quiet (issue 16: a PRAGMA and a stat per message), and never serves stale data:
an edit by another connection, a file rebuilt in its place, a write whose modification
time is put back, and a database in WAL mode are all seen at the next check."""

from __future__ import annotations

import os
import shutil
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.knowledge.overlay import overlay_view
from bot.knowledge.store import QUIET_SECONDS, KnowledgeStore
from tests.knowledge.test_store import add_aliases, count_checks
from tests.moderation_support import MLOPS, build

LONG_AGO = 3600.0


def age(path: Path, seconds: float = LONG_AGO) -> None:
    """Make the file look last written ``seconds`` ago (its ctime stays now: the check
    reads both times, so this only helps once a check has run after it)."""
    then = time.time() - seconds
    os.utime(path, (then, then))


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return build(tmp_path)


@pytest.fixture
def store(db: Path) -> Iterator[KnowledgeStore]:
    s = KnowledgeStore(db, overlay=overlay_view)
    yield s
    s.close()


def quiet(store: KnowledgeStore, db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The file's last write (mtime and ctime) well before the clock the store reads."""
    age(db)
    real = time.time
    monkeypatch.setattr(time, "time", lambda: real() + 2 * LONG_AGO)


def test_a_quiet_file_is_checked_by_its_stat_alone(
        db: Path, store: KnowledgeStore, monkeypatch: pytest.MonkeyPatch) -> None:
    """Seen failing before the change: every message ran the PRAGMA (5 of 5)."""
    quiet(store, db, monkeypatch)
    counting = count_checks(store)
    for _ in range(5):
        with store.one_check():
            store.knowledge("5")
    assert counting.version_checks <= 1


def test_a_recently_written_file_runs_the_pragma_every_time(
        db: Path, store: KnowledgeStore) -> None:
    """Written within ``QUIET_SECONDS``: a commit in the same clock tick could keep its
    modification time, so the stat cannot vouch for it."""
    assert QUIET_SECONDS >= 2.0
    counting = count_checks(store)
    for _ in range(3):
        with store.one_check():
            store.knowledge("5")
    assert counting.version_checks == 3


def test_an_edit_by_another_connection_to_a_quiet_file_is_seen_at_the_next_check(
        db: Path, store: KnowledgeStore, monkeypatch: pytest.MonkeyPatch) -> None:
    quiet(store, db, monkeypatch)
    for _ in range(2):
        with store.one_check():
            assert "alias7" not in store.knowledge("7").roles[MLOPS].aliases
    add_aliases(db, ["7"])
    with store.one_check():
        assert "alias7" in store.knowledge("7").roles[MLOPS].aliases


def test_an_edit_whose_mtime_is_put_back_is_still_seen(
        db: Path, store: KnowledgeStore, monkeypatch: pytest.MonkeyPatch) -> None:
    """Putting the modification time back changes the inode's ctime, which the stamp
    holds too. (The tables exist beforehand, so the write need not grow the file.)"""
    add_aliases(db, ["1"])
    quiet(store, db, monkeypatch)
    with store.one_check():
        store.knowledge("8")
    before = os.stat(db)
    add_aliases(db, ["8"])
    os.utime(db, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert os.stat(db).st_size == before.st_size
    with store.one_check():
        assert "alias8" in store.knowledge("8").roles[MLOPS].aliases


def test_a_file_rebuilt_in_place_of_a_quiet_one_is_read_at_the_next_check(
        db: Path, store: KnowledgeStore, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    quiet(store, db, monkeypatch)
    with store.one_check():
        store.knowledge()
    other = tmp_path / "rebuilt.db"
    shutil.copy(db, other)
    add_aliases(other, ["9"])
    age(other)  # as old as the file it replaces
    os.replace(other, db)
    with store.one_check():
        assert "alias9" in store.knowledge("9").roles[MLOPS].aliases


def test_a_database_in_wal_mode_always_runs_the_pragma(
        db: Path, store: KnowledgeStore, monkeypatch: pytest.MonkeyPatch) -> None:
    """In WAL mode a commit writes the -wal file, not the database file."""
    with sqlite3.connect(db) as conn:
        conn.execute("pragma journal_mode=wal")
    conn.close()
    quiet(store, db, monkeypatch)
    counting = count_checks(store)
    for _ in range(3):
        with store.one_check():
            store.knowledge("4")
    assert counting.version_checks == 3
    add_aliases(db, ["4"])
    with store.one_check():
        assert "alias4" in store.knowledge("4").roles[MLOPS].aliases
