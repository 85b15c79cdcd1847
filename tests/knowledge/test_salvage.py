"""A damaged database is kept aside and its edits salvaged, never silently built over.

Each test damages a real database file the way disks and people do (a corrupted header,
a truncated file, garbage pages, an empty file, a text file, a damaged meta table, another
schema version), after filling it through the public write path
(``bot.knowledge.edits.apply_change``) with every kind of table the build does not own:
a server's figure, the owner's alias, a server's FAQ entry and setting, and an audit log
long enough to span several pages. Then the bot starts (``ensure_database``) or the owner
runs a build, and the test checks that the damaged file was kept aside byte for byte, that
what could be read came back, and that the report says what was lost.

Only the existing public API is imported at module level (``build_with_report`` is looked
up when called), so these tests also run, and fail, against the code before the fix.
"""

from __future__ import annotations

import logging
import random
import re
import shutil
import sqlite3
from pathlib import Path

import pytest

from bot.knowledge import build as build_mod
from bot.knowledge import edits
from bot.knowledge.build import build_database, ensure_database
from bot.knowledge.changes import Change
from bot.knowledge.guild_settings import load_guild_settings
from tests.conftest import KNOWLEDGE_DIR
from tests.moderation_support import MLOPS, mlops_stats, moderator, owner, source_id, store_for

SERVER = "42"
BUSY_SERVER = "43"  # the server whose many edits fill the audit log's pages
BUSY_EDITS = 40
NEW_MEDIAN = mlops_stats()["salary"]["median"] + 7000
FAQ_QUESTION = "Is a degree needed to start in MLOps?"
EDITS_MADE = 4 + BUSY_EDITS
ASIDE_NAME = re.compile(r"^careerbot\.db\.damaged-\d{8}T\d{6}Z$")


def set_median(value: int) -> Change:
    return Change("figure.set", {"role": MLOPS, "source": source_id(),
                                 "as_of": mlops_stats()["as_of"], "values": {"salary.median": value}})


@pytest.fixture(scope="module")
def edited(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database holding moderators' edits of every kind, made through the write path."""
    db = tmp_path_factory.mktemp("edited") / "careerbot.db"
    build_database(KNOWLEDGE_DIR, db)
    edits.apply_change(db, moderator(SERVER), set_median(NEW_MEDIAN))
    edits.apply_change(db, owner(), Change("alias.add", {"role": MLOPS, "alias": "modelops"}))
    edits.apply_change(db, moderator(SERVER), Change("faq.add", {
        "question": FAQ_QUESTION, "answer": "Shipped projects matter more than a degree.",
        "tags": ["getting-in"], "source": None}))
    edits.apply_change(db, moderator(SERVER), Change("config.prefix", {"prefix": "?"}))
    base = mlops_stats()["salary"]["median"]
    for i in range(BUSY_EDITS):
        edits.apply_change(db, moderator(BUSY_SERVER), set_median(base + 100 + i))
    return db


@pytest.fixture
def db(edited: Path, tmp_path: Path) -> Path:
    """A private copy of the edited database, to damage."""
    target = tmp_path / "data" / "careerbot.db"
    target.parent.mkdir()
    shutil.copyfile(edited, target)
    return target


# -- reading and damaging the file -------------------------------------------------------------


def page_size(db: Path) -> int:
    size = int.from_bytes(db.read_bytes()[16:18], "big")
    return 65536 if size == 1 else size


def btree_pages(db: Path, table: str) -> list[int]:
    """The pages of ``table``'s b-tree, parsed from the file: each interior page before its
    children, leaves in rowid order (SQLite's file format, section 1.6)."""
    conn = sqlite3.connect(db)
    (root,) = conn.execute("select rootpage from sqlite_master where name = ?", (table,)).fetchone()
    conn.close()
    data, size = db.read_bytes(), page_size(db)

    def walk(number: int) -> list[int]:
        page = data[(number - 1) * size:number * size]
        at = 100 if number == 1 else 0
        if page[at] != 0x05:  # not an interior table page: a leaf
            return [number]
        cells = int.from_bytes(page[at + 3:at + 5], "big")
        pointers = [int.from_bytes(page[at + 12 + 2 * i:at + 14 + 2 * i], "big") for i in range(cells)]
        children = [int.from_bytes(page[p:p + 4], "big") for p in pointers]
        children.append(int.from_bytes(page[at + 8:at + 12], "big"))
        return [number, *(n for child in children for n in walk(child))]

    return walk(root)


def leaves(db: Path, table: str) -> list[int]:
    data, size = db.read_bytes(), page_size(db)
    return [n for n in btree_pages(db, table) if data[(n - 1) * size] == 0x0D]


def overwrite_pages(db: Path, pages: list[int], seed: int = 10) -> None:
    size = page_size(db)
    noise = random.Random(seed)
    with open(db, "r+b") as f:
        for number in pages:
            f.seek((number - 1) * size)
            f.write(noise.randbytes(size))


def overwrite(db: Path, offset: int, data: bytes) -> None:
    with open(db, "r+b") as f:
        f.seek(offset)
        f.write(data)


def audit_rows(db: Path) -> dict[int, tuple]:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return {row[0]: row for row in conn.execute("select * from audit_log order by id")}
    finally:
        conn.close()


# -- what must have survived -----------------------------------------------------------------


def assert_overlays_kept(db: Path) -> None:
    """Every moderators' edit and setting made in ``edited`` is in the database at ``db``."""
    store = store_for(db)
    try:
        assert store.knowledge(SERVER).roles[MLOPS].snapshot(source_id()).salary.median == NEW_MEDIAN
        assert "modelops" in store.knowledge(None).roles[MLOPS].aliases
        assert FAQ_QUESTION in [e.question for e in store.knowledge(SERVER).faq]
        assert store.knowledge(BUSY_SERVER).roles[MLOPS].snapshot(source_id()).salary.median == (
            mlops_stats()["salary"]["median"] + 100 + BUSY_EDITS - 1)
    finally:
        store.close()
    assert load_guild_settings(db, SERVER).prefix == "?"


def assert_everything_kept(db: Path) -> None:
    assert_overlays_kept(db)
    assert len(edits.history(db, None, limit=1000)) == EDITS_MADE


def kept_aside(db: Path) -> Path:
    """The one file the damaged database was kept aside as."""
    aside = [p for p in db.parent.iterdir() if ASIDE_NAME.match(p.name)]
    assert len(aside) == 1, sorted(p.name for p in db.parent.iterdir())
    return aside[0]


def assert_only_database_and_aside(db: Path) -> None:
    """No scratch copy, temporary file or journal is left behind."""
    names = sorted(p.name for p in db.parent.iterdir())
    assert names == sorted([db.name, kept_aside(db).name]), names


def start(db: Path, caplog: pytest.LogCaptureFixture) -> bool:
    """What every start of the bot does first."""
    with caplog.at_level(logging.WARNING):
        return ensure_database(KNOWLEDGE_DIR, db)


# -- each way a file can be unreadable ---------------------------------------------------------


def test_corrupted_header_at_start_keeps_the_file_aside_and_every_edit(
        db: Path, caplog: pytest.LogCaptureFixture) -> None:
    """The reported defect: the first 16 bytes overwritten, then a start."""
    conn = sqlite3.connect(db)
    (fields,) = conn.execute("select count(*) from overlay_fields").fetchone()
    conn.close()
    overwrite(db, 0, b"\xff" * 16)
    damaged = db.read_bytes()
    assert start(db, caplog) is True
    assert_everything_kept(db)
    aside = kept_aside(db)
    assert aside.read_bytes() == damaged
    assert_only_database_and_aside(db)
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1
    assert str(aside) in errors[0] and "sqlite-utils tables" in errors[0]
    assert f"overlay_fields {fields} rows" in errors[0] and f"audit_log {EDITS_MADE} rows" in errors[0]


def test_whole_header_overwritten_is_read_with_a_new_header(db: Path) -> None:
    overwrite(db, 0, b"\xab" * 100)
    damaged = db.read_bytes()
    report = build_mod.build_with_report(KNOWLEDGE_DIR, db).salvage
    assert report is not None
    assert any("new file header" in r for r in report.repairs)
    assert report.salvaged["audit_log"] == EDITS_MADE and not report.partial and not report.lost
    assert_everything_kept(db)
    assert kept_aside(db).read_bytes() == damaged


def test_truncated_file_salvages_the_pages_that_remain(db: Path) -> None:
    size = page_size(db)
    pages = db.stat().st_size // size
    assert leaves(db, "audit_log")[-1] == pages, "the last page should be the audit log's"
    original = audit_rows(db)
    with open(db, "r+b") as f:
        f.truncate((pages - 1) * size + size // 3)  # cut in the middle of the last page
    damaged = db.read_bytes()
    report = build_mod.build_with_report(KNOWLEDGE_DIR, db).salvage
    assert report is not None
    assert any("cut a truncated file" in r for r in report.repairs)
    assert_overlays_kept(db)  # on pages before the cut
    salvaged = audit_rows(db)
    assert 0 < len(salvaged) < len(original)
    assert all(original[i] == row for i, row in salvaged.items())  # nothing made up
    assert list(salvaged) == list(original)[:len(salvaged)]  # the rows before the cut
    assert "audit_log" in report.partial
    assert kept_aside(db).read_bytes() == damaged


def test_garbage_pages_in_a_base_table_at_start_rebuild_and_salvage(
        db: Path, caplog: pytest.LogCaptureFixture) -> None:
    """Today the fingerprint still reads, so the file was served and every question failed."""
    overwrite_pages(db, btree_pages(db, "role_items"))
    damaged = db.read_bytes()
    assert start(db, caplog) is True
    assert_everything_kept(db)
    assert kept_aside(db).read_bytes() == damaged
    store = store_for(db)
    assert store.knowledge().roles[MLOPS].progression  # role_items, rebuilt from the files
    store.close()


def test_damaged_audit_page_salvages_the_rows_on_both_sides(db: Path) -> None:
    audit_leaves = leaves(db, "audit_log")
    assert len(audit_leaves) >= 4
    original = audit_rows(db)
    overwrite_pages(db, [audit_leaves[len(audit_leaves) // 2]])
    report = build_mod.build_with_report(KNOWLEDGE_DIR, db).salvage
    assert report is not None
    assert_overlays_kept(db)
    salvaged = audit_rows(db)
    assert all(original[i] == row for i, row in salvaged.items())
    missing = sorted(set(original) - set(salvaged))
    assert missing and missing == list(range(missing[0], missing[-1] + 1))  # one page's stretch
    assert max(salvaged) == max(original) and min(salvaged) == min(original)  # both sides read
    assert report.partial == {"audit_log": (f"rowids {missing[0]}-{missing[-1]}",)}
    assert report.salvaged["audit_log"] == len(salvaged)


def test_read_table_steps_over_damaged_pages_and_names_what_it_lost(tmp_path: Path) -> None:
    """Two damaged leaves with a sound one between them, and a damaged last leaf: every row
    of the sound leaves is read, and each lost stretch is named exactly."""
    from bot.knowledge.salvage import read_table  # see the module doc

    db = tmp_path / "t.db"
    conn = sqlite3.connect(db)
    conn.execute("create table notes (id integer primary key, text text not null)")
    conn.executemany("insert into notes values (?, ?)", [(i, f"note {i} " * 12) for i in range(1, 2001)])
    conn.commit()
    conn.close()
    pages = leaves(db, "notes")
    assert len(pages) > 20
    overwrite_pages(db, [pages[5], pages[7], pages[-1]])
    conn = sqlite3.connect(db)
    rows, lost = read_table(conn, "notes")
    conn.close()
    ids = [row[0] for row in rows]
    assert all(text == f"note {i} " * 12 for i, text in rows)
    missing = sorted(set(range(1, 2001)) - set(ids))
    stretches: list[list[int]] = []
    for i in missing:
        if stretches and stretches[-1][-1] == i - 1:
            stretches[-1].append(i)
        else:
            stretches.append([i])
    assert len(stretches) == 3 and stretches[-1][-1] == 2000  # the leaf between was read
    first, second, tail = stretches
    assert lost[:2] == [f"rowids {first[0]}-{first[-1]}", f"rowids {second[0]}-{second[-1]}"]
    assert len(lost) == 3 and lost[2].startswith(f"rowids from {tail[0]} on (")


def test_zero_byte_file_is_kept_aside_and_rebuilt(db: Path, caplog: pytest.LogCaptureFixture) -> None:
    db.write_bytes(b"")
    assert start(db, caplog) is True
    assert kept_aside(db).stat().st_size == 0
    assert_only_database_and_aside(db)
    assert "empty (0 bytes)" in caplog.text and "held no moderators' edits" in caplog.text
    assert edits.history(db, None) == []
    store = store_for(db)
    assert MLOPS in store.knowledge().roles
    store.close()


def test_text_file_is_kept_aside_and_said_to_be_lost(db: Path) -> None:
    db.write_text("these are my notes, not a database\n" * 400)
    damaged = db.read_bytes()
    report = build_mod.build_with_report(KNOWLEDGE_DIR, db).salvage
    assert report is not None
    assert report.salvaged == {} and report.repairs == ()
    assert len(report.lost) == 1 and "schema could not be read" in report.lost[0]
    assert "salvaged: nothing" in report.text()
    assert kept_aside(db).read_bytes() == damaged
    assert_only_database_and_aside(db)


def test_damaged_meta_table_is_not_taken_for_a_missing_database(
        db: Path, caplog: pytest.LogCaptureFixture) -> None:
    overwrite_pages(db, btree_pages(db, "meta"))
    damaged = db.read_bytes()
    assert start(db, caplog) is True
    assert_everything_kept(db)
    assert kept_aside(db).read_bytes() == damaged
    assert build_mod.stored_fingerprint(db) is not None


def test_other_schema_version_is_kept_aside_for_the_version_that_wrote_it(
        db: Path, caplog: pytest.LogCaptureFixture) -> None:
    with sqlite3.connect(db) as conn:
        conn.execute("update meta set value = '0' where key = 'schema_version'")
    conn.close()
    before = db.read_bytes()
    assert start(db, caplog) is True
    assert_everything_kept(db)
    assert kept_aside(db).read_bytes() == before
    conn = sqlite3.connect(db)
    assert conn.execute("select value from meta where key = 'schema_version'").fetchone() == (
        build_mod.SCHEMA_VERSION,)
    conn.close()
    assert "schema version '0'" in caplog.text


# -- what the build does around it -------------------------------------------------------------


def test_a_wal_file_goes_aside_with_the_damaged_file(db: Path) -> None:
    """A -wal beside the new database would be read as the new database's own. (A hot
    -journal cannot be kept: SQLite rolls it back into the file as soon as the build opens
    it, as any program opening the file would; ``keep_aside`` moves one that is left.)"""
    overwrite(db, 0, b"\xff" * 16)
    wal = Path(f"{db}-wal")
    wal.write_bytes(b"a write-ahead log that belongs to the damaged file")
    report = build_mod.build_with_report(KNOWLEDGE_DIR, db).salvage
    assert report is not None
    aside = kept_aside(db)
    assert report.kept[:2] == (aside, Path(f"{aside}-wal"))
    assert Path(f"{aside}-wal").read_bytes() == b"a write-ahead log that belongs to the damaged file"
    assert not wal.exists() and not Path(f"{db}-shm").exists()
    assert_everything_kept(db)


def test_a_failed_build_leaves_the_damaged_file_where_and_as_it_was(
        db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    overwrite(db, 0, b"\xff" * 16)
    damaged = db.read_bytes()

    def disk_full(*args: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(build_mod, "write_knowledge", disk_full)
    with pytest.raises(OSError):
        build_database(KNOWLEDGE_DIR, db)
    assert db.read_bytes() == damaged
    assert sorted(p.name for p in db.parent.iterdir()) == [db.name]


def test_a_sound_database_is_rebuilt_without_being_kept_aside(db: Path) -> None:
    result = build_mod.build_with_report(KNOWLEDGE_DIR, db)
    assert result.salvage is None
    assert sorted(p.name for p in db.parent.iterdir()) == [db.name]
    assert_everything_kept(db)


def test_unreadable_for_another_reason_is_not_built_over(
        db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Only damage sets a file aside: an I/O or permission error refuses the build."""
    before = db.read_bytes()
    real_connect = sqlite3.connect

    def io_error(database: str, *args: object, **kwargs: object) -> sqlite3.Connection:
        if "mode=ro" in str(database):
            error = sqlite3.OperationalError("disk I/O error")
            error.sqlite_errorcode = sqlite3.SQLITE_IOERR_READ
            raise error
        return real_connect(database, *args, **kwargs)

    monkeypatch.setattr(build_mod.sqlite3, "connect", io_error)
    with pytest.raises(build_mod.BuildError, match="disk I/O error"):
        build_database(KNOWLEDGE_DIR, db)
    assert db.read_bytes() == before
    assert sorted(p.name for p in db.parent.iterdir()) == [db.name]
