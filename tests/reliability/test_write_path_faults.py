"""The write path tells the truth when the file fails under it.

An edit either succeeds and says so, or fails, changes nothing and says why in SQLite's
own words: during rebuilds with writers running, with the disk full, and with the file
deleted (even between the existence check and the open, where ``sqlite3.connect`` would
create an empty database).
"""

from __future__ import annotations

import contextlib
import importlib
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.core.reply import render_text
from bot.knowledge import edits
from bot.knowledge.build import build_database
from bot.knowledge.changes import Change, EditError, MissingDatabase
from tests.conftest import KNOWLEDGE_DIR, REPO_ROOT
from tests.moderation_support import World, build, moderator, owner, store_for


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return build(tmp_path)


def faq_add(question: str, answer: str = "Yes.") -> Change:
    return Change("faq.add", {"question": question, "answer": answer})


def faq_questions(db: Path, guild: str | None = "42") -> set[str]:
    store = store_for(db)
    try:
        return {e.question for e in store.knowledge(guild).faq}
    finally:
        store.close()


def intercept_opens(monkeypatch: pytest.MonkeyPatch, db: Path,
                    before: Callable[[int], None] = lambda n: None,
                    after: Callable[[sqlite3.Connection], None] = lambda c: None) -> list[int]:
    """Call ``before(n)`` ahead of the n-th ``sqlite3.connect`` of the database file and
    ``after(conn)`` on the connection it returns; the list counts the opens."""
    real = sqlite3.connect
    opens = [0]

    def connect(database: object, *args: object, **kwargs: object) -> sqlite3.Connection:
        ours = db.name in str(database)
        if ours:
            before(opens[0])
            opens[0] += 1
        conn = real(database, *args, **kwargs)  # type: ignore[arg-type]
        if ours:
            after(conn)
        return conn

    monkeypatch.setattr(sqlite3, "connect", connect)
    return opens


# -- the file deleted --------------------------------------------------------------------------


def _edit(db: Path) -> object:
    return edits.apply_change(db, moderator(), faq_add("Is the file still there?"))


def _import(db: Path) -> object:
    return edits.apply_changes(db, moderator(), [faq_add("Is the file still there?")],
                               target="x.yaml")


def _preview(db: Path) -> object:
    return edits.preview_changes(db, moderator(), [faq_add("Is the file still there?")])


OPERATIONS = pytest.mark.parametrize("operation", [_edit, _import, _preview],
                                     ids=["edit", "import", "preview"])


@OPERATIONS
def test_a_write_after_the_file_was_deleted_says_to_build_it(
        db: Path, operation: Callable[[Path], object]) -> None:
    db.unlink()
    with pytest.raises(MissingDatabase, match="run `careerbot kb build`"):
        operation(db)
    assert not db.exists()


@OPERATIONS
@pytest.mark.parametrize("nth", [0], ids=["write-open"])
def test_a_file_deleted_between_the_check_and_the_open_is_missing_not_recreated(
        db: Path, monkeypatch: pytest.MonkeyPatch, operation: Callable[[Path], object],
        nth: int) -> None:
    """The file is opened once, to write (open 0), and the moderator's permission read in
    that transaction (before, it was read through an open of its own first); the file
    disappears just before the open."""

    def delete(n: int) -> None:
        if n == nth and db.exists():
            db.unlink()

    opens = intercept_opens(monkeypatch, db, before=delete)
    with pytest.raises(MissingDatabase, match="run `careerbot kb build`"):
        operation(db)
    assert opens[0] > nth  # the file really went at that moment
    assert not db.exists()  # and no empty database was created in its place


def test_a_moderator_is_told_the_database_is_missing_not_that_something_went_wrong(
        db: Path) -> None:
    """What Discord and the command line show: the core's reply names the fix."""
    world = World(db)
    db.unlink()
    reply = world.moderation.faq_add(moderator(), "Is the file still there?", "No.")
    world.close()
    assert reply.kind == "error"
    assert "does not exist" in render_text(reply) and "kb build" in render_text(reply)


# -- the disk full -----------------------------------------------------------------------------


def fill_the_disk(monkeypatch: pytest.MonkeyPatch, db: Path) -> None:
    """Every new connection to the file may not grow it by a single page (SQLITE_FULL)."""

    def no_room(conn: sqlite3.Connection) -> None:
        (pages,) = conn.execute("pragma page_count").fetchone()
        conn.execute(f"pragma max_page_count = {pages}")

    intercept_opens(monkeypatch, db, after=no_room)


@pytest.mark.parametrize("size", [1, 200], ids=["edit", "import"])
def test_a_full_disk_is_reported_as_such_and_changes_nothing(
        db: Path, monkeypatch: pytest.MonkeyPatch, size: int) -> None:
    edits.apply_change(db, moderator(), faq_add("Does the overlay exist yet?"))
    before = db.read_bytes()
    fill_the_disk(monkeypatch, db)
    changes = [faq_add(f"Question {i} of a file too big for the disk?", "A long answer. " * 120)
               for i in range(size)]
    with pytest.raises((EditError, sqlite3.Error)) as info:
        if size == 1:
            edits.apply_change(db, moderator(), changes[0])
        else:
            edits.apply_changes(db, moderator(), changes, target="big.yaml")
    message = str(info.value)
    assert "full" in message, message
    assert "cannot rollback" not in message
    assert isinstance(info.value, EditError)  # a refusal the front ends show, not a crash
    assert db.read_bytes() == before
    assert sorted(p.name for p in db.parent.iterdir()) == [db.name]  # no journal left


# -- a commit whose journal vanished ------------------------------------------------------------


def test_a_commit_that_fails_after_the_data_was_written_is_reported_as_made(
        db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A connection left on a file a rebuild replaced can take the new file's journal for
    a crashed writer's and delete it mid-transaction; the writer's COMMIT then writes its
    data and fails deleting the journal (a disk I/O error). The moderator must hear that
    the edit was made, because it was."""
    real_record = edits._record
    journal = Path(f"{db}-journal")

    def record_then_lose_the_journal(*args: object, **kwargs: object) -> object:
        entry = real_record(*args, **kwargs)  # type: ignore[arg-type]
        if journal.exists():
            journal.unlink()
        return entry

    monkeypatch.setattr(edits, "_record", record_then_lose_the_journal)
    entry = edits.apply_change(db, moderator(), faq_add("Was this really saved?"))
    assert isinstance(entry, edits.AuditEntry)
    assert "Was this really saved?" in faq_questions(db)
    with sqlite3.connect(db) as conn:
        assert conn.execute("pragma integrity_check").fetchone() == ("ok",)
    conn.close()


# -- rebuilds and writers at once ---------------------------------------------------------------


def _open_handles(path: Path) -> int:
    """How many file descriptors of this process have ``path`` open."""
    target = str(path.resolve())
    count = 0
    for fd in os.listdir("/proc/self/fd"):
        try:
            count += os.readlink(f"/proc/self/fd/{fd}") == target
        except OSError:
            continue
    return count


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="needs /proc to see open files")
def test_a_writer_waiting_through_a_rebuild_leaves_the_new_files_writer_alone(db: Path) -> None:
    """The rebuild's sequence by hand: hold the old file's write lock, swap in a new file,
    release. A writer that waited on the old file must not touch the journal of another
    writer already at work on the new one (it used to delete it, and that writer's commit
    failed with a disk I/O error)."""
    journal = Path(f"{db}-journal")
    hold = sqlite3.connect(db, isolation_level=None)
    hold.execute("begin immediate")  # what build._writers_paused does
    waiting = _open_handles(db)
    result: list[object] = []

    def edit() -> None:
        try:
            result.append(edits.apply_change(db, owner(), faq_add("Written during a rebuild?")))
        except Exception as exc:  # asserted on below
            result.append(exc)

    writer = threading.Thread(target=edit)
    writer.start()
    other = None
    try:
        for _ in range(3000):  # until the writer has the old file open (a budget, not a test)
            if _open_handles(db) > waiting:
                break
            time.sleep(0.01)
        new = db.with_name("rebuilt.db")
        shutil.copyfile(db, new)
        os.replace(new, db)
        # A writer on the new file, far enough into a large transaction that its journal
        # is synced (a tiny cache spills pages early), as a writer is while it commits.
        other = sqlite3.connect(db, isolation_level=None, timeout=30)
        other.execute("pragma cache_size = 1")
        other.execute("begin immediate")
        other.execute("create table written_meanwhile (x)")
        other.executemany("insert into written_meanwhile values (?)",
                          [(str(i) * 300,) for i in range(300)])
        assert journal.read_bytes()[:4] == bytes.fromhex("d9d505f9")  # a complete journal
        hold.execute("rollback")
        hold.close()
        for _ in range(100):  # give the waiting writer every chance to misbehave
            if not journal.exists():
                break
            time.sleep(0.01)
        assert journal.exists(), "the waiting writer deleted another writer's journal"
        other.execute("commit")
    finally:
        if other is not None:
            other.close()
        writer.join(timeout=60)
    (outcome,) = result
    assert isinstance(outcome, edits.AuditEntry), outcome
    with sqlite3.connect(db) as conn:
        assert conn.execute("select count(*) from written_meanwhile").fetchone() == (300,)
        assert conn.execute("pragma integrity_check").fetchone() == ("ok",)
    conn.close()
    assert "Written during a rebuild?" in faq_questions(db, None)


WRITER = """
import json, sys
from pathlib import Path
from bot.knowledge.permissions import Actor
from bot.knowledge import edits
from bot.knowledge.changes import Change, EditError

db, name, count = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3])
actor = Actor(user_id=name, name=name, guild_id=name, manage_guild=True)
for i in range(count):
    question = f"Asked by writer {name}, number {i}?"
    change = Change("faq.add", {"question": question, "answer": "Yes."})
    try:
        if i % 5 == 4:
            edits.apply_changes(db, actor, [change], target="one.yaml")
        else:
            edits.apply_change(db, actor, change)
        outcome = "applied"
    except EditError as exc:
        outcome = f"refused: {exc}"
    except Exception as exc:
        outcome = f"error: {type(exc).__name__}: {exc}"
    print(json.dumps([name, question, outcome]), flush=True)
"""

REBUILDER = """
import sys
from pathlib import Path
from bot.knowledge.build import BuildError, build_database

db, kb, stop = Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3])
while not stop.exists():
    try:
        build_database(kb, db)
        print("rebuilt", flush=True)
    except BuildError:
        pass
"""


def test_edits_during_rebuilds_are_in_the_file_exactly_when_reported_applied(
        tmp_path: Path) -> None:
    """Writer processes edit (and import) while another process rebuilds over and over:
    every edit reported as applied is in the final file, every other one is not, and a
    failure is always one the write path explains (never a bare disk I/O error)."""
    db = tmp_path / "data" / "careerbot.db"
    build_database(KNOWLEDGE_DIR, db)
    stop = tmp_path / "stop"
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT), "PYTHONDONTWRITEBYTECODE": "1"}
    rebuilder = subprocess.Popen([sys.executable, "-c", REBUILDER, str(db), str(KNOWLEDGE_DIR),
                                  str(stop)], env=env, stdout=subprocess.PIPE, text=True)
    try:
        writers = [subprocess.Popen([sys.executable, "-c", WRITER, str(db), str(100 + w), "60"],
                                    env=env, stdout=subprocess.PIPE, text=True)
                   for w in range(3)]
        outputs = [w.communicate(timeout=300)[0] for w in writers]
    finally:
        stop.touch()
        rebuilds = rebuilder.communicate(timeout=120)[0].split()
    assert rebuilds.count("rebuilt") >= 1
    outcomes = [json.loads(line) for out in outputs for line in out.splitlines()]
    assert len(outcomes) == 180
    conn = sqlite3.connect(db)
    try:
        assert conn.execute("pragma integrity_check").fetchone() == ("ok",)
        present = {q for (q,) in conn.execute("select question from overlay_faq")}
    finally:
        conn.close()
    errors = [o for o in outcomes if o[2].startswith("error")]
    assert not errors, errors
    wrong = [o for o in outcomes if (o[2] == "applied") != (o[1] in present)]
    assert not wrong, wrong
    assert sum(o[2] == "applied" for o in outcomes) > 0


# -- another program holding the lock ------------------------------------------------------------


def test_a_writer_kept_waiting_too_long_is_told_the_knowledge_base_is_busy(
        db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Past the wait, a clear refusal that changed nothing (before: SQLite's bare
    "database is locked")."""
    for module in ("bot.knowledge.connections", "bot.knowledge.edits"):  # where it is, was
        with contextlib.suppress(ImportError):
            monkeypatch.setattr(importlib.import_module(module), "BUSY_TIMEOUT_SECONDS", 0.2,
                                raising=False)
    before = db.read_bytes()
    holder = sqlite3.connect(db, isolation_level=None)
    holder.execute("begin exclusive")
    try:
        with pytest.raises(EditError, match="busy with another change; nothing was changed"):
            edits.apply_change(db, owner(), faq_add("Can I get the lock?"))
    finally:
        holder.execute("rollback")
        holder.close()
    assert db.read_bytes() == before
