"""The database missing, read-only, locked by another writer or corrupt; the files broken.

Each fault must end in one clear line and a non-zero exit at start (never a traceback)
or in a friendly answer, and whatever can still be read keeps being served. The
``careerbot ask`` tests run the real command in a subprocess, as an owner would; the
in-process tests check that a running store keeps answering from what it loaded.

Read-only files: root ignores file permissions, so when the suite runs as root the
subprocess drops the two capabilities that let it (CAP_DAC_OVERRIDE and
CAP_DAC_READ_SEARCH) and meets the permission bits like any other user.
"""

from __future__ import annotations

import ctypes
import logging
import os
import re
import shutil
import sqlite3
import stat
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import yaml

from bot.core.advisor import Advisor, Request
from bot.core.render import money
from bot.core.reply import render_text
from bot.knowledge import build as build_mod
from bot.knowledge import edits
from bot.knowledge.build import BuildError, DatabaseLocked, build_database, ensure_database
from bot.knowledge.changes import Change
from bot.knowledge.store import KnowledgeStore
from tests.conftest import REPO_ROOT, role_file
from tests.moderation_support import owner

SLUG = "mlops-engineer"
OLD_MEDIAN = money(role_file(SLUG)["stats"][0]["salary"]["median"])
NEW_MEDIAN_VALUE = 171717
NEW_MEDIAN = money(NEW_MEDIAN_VALUE)
QUESTION = "!salary mlops"


def set_median(kb_dir: Path, value: object) -> None:
    path = kb_dir / "roles" / f"{SLUG}.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["stats"][0]["salary"]["median"] = value
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")


def break_files(kb_dir: Path) -> None:
    set_median(kb_dir, "a lot")


def add_overlay(db: Path) -> None:
    """A table the build does not own, as moderators' edits are: it must survive."""
    with sqlite3.connect(db) as conn:
        conn.execute("create table if not exists overlay_edits (guild text, note text)")
        conn.execute("insert into overlay_edits values ('42', 'keep me')")
    conn.close()


def overlay_rows(db: Path) -> list[tuple[str, str]]:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return conn.execute("select guild, note from overlay_edits").fetchall()
    finally:
        conn.close()


def _drop_dac_capabilities() -> None:
    libc = ctypes.CDLL(None, use_errno=True)
    for capability in (1, 2):  # CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH
        if libc.prctl(24, capability, 0, 0, 0) != 0:  # PR_CAPBSET_DROP
            raise OSError(ctypes.get_errno(), "cannot drop capability")


def careerbot(tmp_path: Path, *args: str, db: Path, kb_dir: Path,
              honour_permissions: bool = False) -> subprocess.CompletedProcess[str]:
    """Run ``careerbot`` from this checkout, as its owner would, in a clean environment."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CAREERBOT_", "DISCORD_"))}
    env.update(CAREERBOT_DB=str(db), CAREERBOT_KNOWLEDGE_DIR=str(kb_dir),
               PYTHONPATH=str(REPO_ROOT), PYTHONDONTWRITEBYTECODE="1")
    preexec = _drop_dac_capabilities if honour_permissions and os.geteuid() == 0 else None
    try:
        return subprocess.run([sys.executable, "-m", "bot", *args], env=env, cwd=tmp_path,
                              capture_output=True, text=True, timeout=60, preexec_fn=preexec)
    except subprocess.SubprocessError as exc:
        if preexec is None:
            raise
        pytest.skip(f"running as root and cannot give up the file-permission override: {exc}")


def assert_one_clear_line(result: subprocess.CompletedProcess[str], *words: str) -> None:
    """A non-zero exit with a ``careerbot: ...`` line saying what is wrong (log lines
    before it are fine; a traceback is not)."""
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("careerbot: ")]
    assert len(errors) == 1, result.stderr
    for word in words:
        assert word in result.stderr, result.stderr


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "data" / "careerbot.db"


@pytest.fixture
def read_only(tmp_path: Path) -> Iterator[Callable[[Path], None]]:
    """Make paths read-only (file 0444, directory 0555); restored at teardown."""
    changed: list[tuple[Path, int]] = []

    def make(path: Path) -> None:
        changed.append((path, stat.S_IMODE(path.stat().st_mode)))
        path.chmod(0o555 if path.is_dir() else 0o444)

    yield make
    for path, mode in reversed(changed):
        path.chmod(mode)


@pytest.fixture
def exclusive_lock(db: Path) -> Iterator[Callable[[], sqlite3.Connection]]:
    """Another writer holding the database locked (BEGIN EXCLUSIVE) until teardown."""
    held: list[sqlite3.Connection] = []

    def hold() -> sqlite3.Connection:
        conn = sqlite3.connect(db, isolation_level=None)
        conn.execute("begin exclusive")
        held.append(conn)
        return conn

    yield hold
    for conn in held:
        conn.rollback()
        conn.close()


# ---------------------------------------------------------------------------------------
# At start: `careerbot ask`


def test_missing_database_is_built_and_answers(tmp_path: Path, kb_dir: Path, db: Path) -> None:
    result = careerbot(tmp_path, "ask", QUESTION, db=db, kb_dir=kb_dir)
    assert result.returncode == 0, result.stderr
    assert OLD_MEDIAN in result.stdout
    assert db.exists()


def test_missing_database_and_broken_files_is_one_clear_error(
        tmp_path: Path, kb_dir: Path, db: Path) -> None:
    break_files(kb_dir)
    result = careerbot(tmp_path, "ask", QUESTION, db=db, kb_dir=kb_dir)
    assert_one_clear_line(result, "knowledge files have errors",
                          f"roles/{SLUG}.yaml: stats[0].salary.median")
    assert not db.exists()


def test_corrupt_database_is_rebuilt_from_the_files(tmp_path: Path, kb_dir: Path,
                                                     db: Path) -> None:
    db.parent.mkdir()
    garbage = b"this is not a database" * 500
    db.write_bytes(garbage)
    result = careerbot(tmp_path, "ask", QUESTION, db=db, kb_dir=kb_dir)
    assert result.returncode == 0, result.stderr
    assert OLD_MEDIAN in result.stdout
    assert "unreadable" in result.stderr and "Traceback" not in result.stderr
    assert kept_aside(db).read_bytes() == garbage  # kept, never silently replaced


def test_corrupt_database_and_broken_files_is_one_clear_error(
        tmp_path: Path, kb_dir: Path, db: Path) -> None:
    db.parent.mkdir()
    garbage = b"\x00garbage" * 1000
    db.write_bytes(garbage)
    break_files(kb_dir)
    result = careerbot(tmp_path, "ask", QUESTION, db=db, kb_dir=kb_dir)
    assert_one_clear_line(result, "knowledge files have errors")
    assert db.read_bytes() == garbage  # nothing was written over it
    assert sorted(p.name for p in db.parent.iterdir()) == [db.name]  # nor kept aside yet


def kept_aside(db: Path) -> Path:
    """The one file a damaged database was kept aside as (``<name>.damaged-<UTC time>``)."""
    aside = [p for p in db.parent.iterdir()
             if re.fullmatch(re.escape(db.name) + r"\.damaged-\d{8}T\d{6}Z", p.name)]
    assert len(aside) == 1, sorted(p.name for p in db.parent.iterdir())
    return aside[0]


def edited_then_damaged(kb_dir: Path, db: Path) -> bytes:
    """A database with the owner's edit of the median (seen by every view, so by
    ``careerbot ask``) whose header is then corrupted; returns the damaged bytes."""
    build_database(kb_dir, db)
    edits.apply_change(db, owner(), Change("figure.set", {
        "role": SLUG, "source": role_file(SLUG)["stats"][0]["source"],
        "as_of": role_file(SLUG)["stats"][0]["as_of"],
        "values": {"salary.median": NEW_MEDIAN_VALUE}}))
    with open(db, "r+b") as f:
        f.write(b"\xff" * 16)  # "file is not a database"
    return db.read_bytes()


def test_damaged_database_at_start_keeps_the_edits_and_says_where_the_file_went(
        tmp_path: Path, kb_dir: Path, db: Path) -> None:
    damaged = edited_then_damaged(kb_dir, db)
    result = careerbot(tmp_path, "ask", QUESTION, db=db, kb_dir=kb_dir)
    assert result.returncode == 0, result.stderr
    assert NEW_MEDIAN in result.stdout  # the owner's edit was salvaged, not lost
    aside = kept_aside(db)
    assert aside.read_bytes() == damaged
    errors = [line for line in result.stderr.splitlines() if " ERROR " in line]
    assert len(errors) == 1 and "was damaged or unreadable" in errors[0], result.stderr
    assert f"kept aside, untouched: {aside}" in result.stderr
    assert "Traceback" not in result.stderr


def test_kb_build_over_a_damaged_database_prints_what_was_kept_and_salvaged(
        tmp_path: Path, kb_dir: Path, db: Path) -> None:
    damaged = edited_then_damaged(kb_dir, db)
    result = careerbot(tmp_path, "kb", "build", db=db, kb_dir=kb_dir)
    assert result.returncode == 0, result.stderr
    aside = kept_aside(db)
    assert aside.read_bytes() == damaged
    out = result.stdout
    assert out.startswith(f"built {db}: ")
    assert f"kept aside, untouched: {aside}" in out
    assert "salvaged into the new database: overlay_fields 1 row" in out
    assert "audit_log 1 row" in out
    assert f"sqlite-utils tables {aside} --counts" in out
    assert [e.action for e in edits.history(db, None)] == ["figure.set"]
    assert "Traceback" not in result.stderr


def test_a_hot_journal_left_by_a_crash_is_rolled_back_not_taken_for_damage(
        tmp_path: Path, kb_dir: Path, db: Path) -> None:
    """A writer that died mid-transaction leaves a journal SQLite must roll back; the file
    is sound, so it is rebuilt as usual: nothing kept aside, the edits kept, the unfinished
    write gone."""
    build_database(kb_dir, db)
    add_overlay(db)
    crashed = tmp_path / "crashed"
    crashed.mkdir()
    writer = sqlite3.connect(db, isolation_level=None)
    writer.execute("pragma cache_size = 1")  # spill to the file mid-transaction, as big writes do
    writer.execute("begin immediate")
    writer.executemany("insert into overlay_edits values ('42', ?)",
                       [(f"unfinished {i}" * 20,) for i in range(500)])
    # Copying the file and its journal now is what a crash leaves: no lock, a hot journal.
    shutil.copyfile(db, crashed / db.name)
    shutil.copyfile(Path(f"{db}-journal"), crashed / f"{db.name}-journal")
    writer.execute("rollback")
    writer.close()
    db = crashed / db.name
    assert ensure_database(kb_dir, db) is True  # the journal stops the read-only check
    assert sorted(p.name for p in db.parent.iterdir()) == [db.name]
    assert overlay_rows(db) == [("42", "keep me")]
    assert ensure_database(kb_dir, db) is False


def test_broken_files_keep_the_previous_database_answering(tmp_path: Path, kb_dir: Path,
                                                           db: Path) -> None:
    build_database(kb_dir, db)
    break_files(kb_dir)
    result = careerbot(tmp_path, "ask", QUESTION, db=db, kb_dir=kb_dir)
    assert result.returncode == 0, result.stderr
    assert OLD_MEDIAN in result.stdout
    assert "still serving the previous database" in result.stderr
    assert "Traceback" not in result.stderr


def test_locked_database_is_one_clear_error_and_left_alone(
        tmp_path: Path, kb_dir: Path, db: Path,
        exclusive_lock: Callable[[], sqlite3.Connection]) -> None:
    build_database(kb_dir, db)
    add_overlay(db)
    inode = db.stat().st_ino
    set_median(kb_dir, NEW_MEDIAN_VALUE)  # stale: a rebuild is due, but must not happen now
    exclusive_lock()
    result = careerbot(tmp_path, "ask", QUESTION, db=db, kb_dir=kb_dir)
    assert_one_clear_line(result, "locked")
    assert db.stat().st_ino == inode  # not rebuilt over another writer's lock


def test_kb_build_refuses_while_another_writer_holds_the_lock(
        tmp_path: Path, kb_dir: Path, db: Path,
        exclusive_lock: Callable[[], sqlite3.Connection]) -> None:
    build_database(kb_dir, db)
    add_overlay(db)
    inode = db.stat().st_ino
    set_median(kb_dir, NEW_MEDIAN_VALUE)
    exclusive_lock()
    result = careerbot(tmp_path, "kb", "build", db=db, kb_dir=kb_dir)
    assert_one_clear_line(result, "locked by another program")
    assert db.stat().st_ino == inode
    assert sorted(p.name for p in db.parent.iterdir()) == [db.name]  # no temp file left


def test_read_only_database_file_still_answers(tmp_path: Path, kb_dir: Path, db: Path,
                                               read_only: Callable[[Path], None]) -> None:
    build_database(kb_dir, db)
    read_only(db)
    result = careerbot(tmp_path, "ask", QUESTION, db=db, kb_dir=kb_dir, honour_permissions=True)
    assert result.returncode == 0, result.stderr
    assert OLD_MEDIAN in result.stdout


def test_read_only_directory_still_answers(tmp_path: Path, kb_dir: Path, db: Path,
                                           read_only: Callable[[Path], None]) -> None:
    build_database(kb_dir, db)
    read_only(db)
    read_only(db.parent)
    result = careerbot(tmp_path, "ask", QUESTION, db=db, kb_dir=kb_dir, honour_permissions=True)
    assert result.returncode == 0, result.stderr
    assert OLD_MEDIAN in result.stdout


def test_read_only_directory_with_changed_files_keeps_serving(
        tmp_path: Path, kb_dir: Path, db: Path, read_only: Callable[[Path], None]) -> None:
    build_database(kb_dir, db)
    set_median(kb_dir, NEW_MEDIAN_VALUE)
    read_only(db.parent)
    result = careerbot(tmp_path, "ask", QUESTION, db=db, kb_dir=kb_dir, honour_permissions=True)
    assert result.returncode == 0, result.stderr
    assert OLD_MEDIAN in result.stdout and NEW_MEDIAN not in result.stdout
    assert "cannot rebuild" in result.stderr and "Traceback" not in result.stderr


def test_read_only_directory_without_database_is_one_clear_error(
        tmp_path: Path, kb_dir: Path, db: Path, read_only: Callable[[Path], None]) -> None:
    db.parent.mkdir()
    read_only(db.parent)
    result = careerbot(tmp_path, "ask", QUESTION, db=db, kb_dir=kb_dir, honour_permissions=True)
    assert_one_clear_line(result, "cannot build the knowledge base", "Permission denied")
    kb_build = careerbot(tmp_path, "kb", "build", db=db, kb_dir=kb_dir, honour_permissions=True)
    assert_one_clear_line(kb_build, "cannot build the knowledge base", "Permission denied")


# ---------------------------------------------------------------------------------------
# While running: the store keeps serving what it loaded


def answer(advisor: Advisor) -> str:
    return render_text(advisor.handle(Request(text=QUESTION)))


def _replace_with_garbage(db: Path) -> None:
    junk = db.with_name("junk")
    junk.write_bytes(b"not a database at all" * 300)
    os.replace(junk, db)


def _corrupt_in_place(db: Path) -> None:
    with open(db, "r+b") as f:
        f.write(b"\xff" * 4096)


@pytest.mark.parametrize("fault", [_replace_with_garbage, _corrupt_in_place, Path.unlink],
                         ids=["replaced-by-garbage", "corrupted-in-place", "deleted"])
def test_running_store_keeps_serving_when_the_file_goes_bad(
        kb_dir: Path, db: Path, fault: Callable[[Path], object]) -> None:
    build_database(kb_dir, db)
    advisor = Advisor(KnowledgeStore(db))
    assert OLD_MEDIAN in answer(advisor)
    fault(db)
    for _ in range(2):  # and again: a failed reload must not poison the next message
        text = answer(advisor)
        assert OLD_MEDIAN in text and "Something went wrong" not in text
    assert advisor.autocomplete("mlo")[0] == ("MLOps Engineer", SLUG)
    advisor.store.close()


def test_running_store_keeps_serving_while_another_writer_holds_the_lock(
        kb_dir: Path, db: Path, exclusive_lock: Callable[[], sqlite3.Connection]) -> None:
    build_database(kb_dir, db)
    advisor = Advisor(KnowledgeStore(db))
    assert OLD_MEDIAN in answer(advisor)
    exclusive_lock()
    assert OLD_MEDIAN in answer(advisor)  # after the store's busy timeout, from memory
    advisor.store.close()


def test_broken_files_leave_the_running_store_serving(kb_dir: Path, db: Path,
                                                      caplog: pytest.LogCaptureFixture) -> None:
    ensure_database(kb_dir, db)
    advisor = Advisor(KnowledgeStore(db))
    before = db.read_bytes()
    break_files(kb_dir)
    with caplog.at_level(logging.ERROR):
        assert ensure_database(kb_dir, db) is False
    assert "still serving the previous database" in caplog.text
    assert db.read_bytes() == before
    assert OLD_MEDIAN in answer(advisor)
    advisor.store.close()


def test_rebuild_waits_for_the_lock_and_keeps_other_tables(
        kb_dir: Path, db: Path, exclusive_lock: Callable[[], sqlite3.Connection],
        monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    monkeypatch.setattr(build_mod, "BUSY_TIMEOUT_S", 0.1)
    build_database(kb_dir, db)
    add_overlay(db)
    store = KnowledgeStore(db)
    advisor = Advisor(store)
    set_median(kb_dir, NEW_MEDIAN_VALUE)
    writer = exclusive_lock()

    with caplog.at_level(logging.WARNING):
        assert ensure_database(kb_dir, db) is False  # locked: not rebuilt over the writer
    assert "locked by another program" in caplog.text
    with pytest.raises(DatabaseLocked):
        build_database(kb_dir, db)
    assert sorted(p.name for p in db.parent.iterdir()) == [db.name]

    writer.rollback()
    assert ensure_database(kb_dir, db) is True
    assert overlay_rows(db) == [("42", "keep me")]
    store.close()  # a fresh store reads the rebuilt file
    assert NEW_MEDIAN in answer(advisor)
    store.close()


def test_unwritable_directory_keeps_the_previous_database(
        kb_dir: Path, db: Path, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    """The in-process view of a read-only directory (whatever user runs the suite)."""
    build_database(kb_dir, db)
    set_median(kb_dir, NEW_MEDIAN_VALUE)

    def denied(*args: object, **kwargs: object) -> tuple[int, str]:
        raise PermissionError(13, "Permission denied", str(db.parent))

    monkeypatch.setattr(build_mod.tempfile, "mkstemp", denied)
    with caplog.at_level(logging.ERROR):
        assert ensure_database(kb_dir, db) is False
    assert "cannot rebuild" in caplog.text
    advisor = Advisor(KnowledgeStore(db))
    assert OLD_MEDIAN in answer(advisor)
    advisor.store.close()

    db.unlink()
    with pytest.raises(BuildError, match="Permission denied"):
        ensure_database(kb_dir, db)
