"""The database build is atomic, rebuilds when files change, keeps non-base tables, and keeps
a damaged file aside."""

from __future__ import annotations

import os
import sqlite3
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
import sqlite_utils
import yaml

from bot.knowledge import build as build_mod
from bot.knowledge.build import build_database, ensure_database, stored_fingerprint
from bot.knowledge.files import fingerprint
from bot.knowledge.salvage import SalvageReport, keep_aside, read_table
from bot.knowledge.store import KnowledgeStore
from bot.knowledge.validation import KnowledgeError
from tests.conftest import load_yaml


def set_remote(kb_dir: Path, value: object) -> None:
    path = kb_dir / "roles" / "mlops-engineer.yaml"
    data = load_yaml(path)
    data["stats"][0]["remote_pct"] = value
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")


def test_build_round_trips_the_files(kb_dir: Path, db_path: Path) -> None:
    knowledge = build_database(kb_dir, db_path)
    loaded = KnowledgeStore(db_path).knowledge()
    assert loaded.roles == knowledge.roles
    assert loaded.market == knowledge.market
    assert stored_fingerprint(db_path) == fingerprint(kb_dir)


def test_failed_build_leaves_previous_database(kb_dir: Path, db_path: Path) -> None:
    build_database(kb_dir, db_path)
    before = db_path.read_bytes()
    set_remote(kb_dir, 109)
    with pytest.raises(KnowledgeError):
        build_database(kb_dir, db_path)
    assert db_path.read_bytes() == before
    assert [p.name for p in db_path.parent.iterdir()] == [db_path.name]


def test_crash_during_build_leaves_previous_database(kb_dir: Path, db_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    build_database(kb_dir, db_path)
    before = db_path.read_bytes()
    set_remote(kb_dir, 12)

    def explode(db: sqlite_utils.Database, knowledge: object) -> None:
        db["roles"].create({"slug": str}, pk="slug")
        raise OSError("disk full")

    monkeypatch.setattr(build_mod, "write_knowledge", explode)
    with pytest.raises(OSError):
        build_database(kb_dir, db_path)
    assert db_path.read_bytes() == before
    assert [p.name for p in db_path.parent.iterdir()] == [db_path.name]


def test_rebuilds_when_files_change(kb_dir: Path, db_path: Path) -> None:
    assert ensure_database(kb_dir, db_path) is True
    assert ensure_database(kb_dir, db_path) is False
    set_remote(kb_dir, 12)
    store = KnowledgeStore(db_path)
    assert store.knowledge().roles["mlops-engineer"].stats[0].remote_pct != 12
    assert ensure_database(kb_dir, db_path) is True
    store.close()
    assert KnowledgeStore(db_path).knowledge().roles["mlops-engineer"].stats[0].remote_pct == 12


def test_broken_files_keep_serving_previous(kb_dir: Path, db_path: Path) -> None:
    ensure_database(kb_dir, db_path)
    set_remote(kb_dir, 140)
    assert ensure_database(kb_dir, db_path) is False
    assert KnowledgeStore(db_path).knowledge().roles["mlops-engineer"].stats[0].remote_pct != 140


def test_broken_files_and_no_database_raise(kb_dir: Path, db_path: Path) -> None:
    set_remote(kb_dir, 140)
    with pytest.raises(KnowledgeError):
        ensure_database(kb_dir, db_path)
    assert not db_path.exists()


def test_rebuild_keeps_tables_it_does_not_own(kb_dir: Path, db_path: Path) -> None:
    build_database(kb_dir, db_path)
    db = sqlite_utils.Database(db_path)
    db["audit_log"].insert({"id": 1, "actor": "mod", "action": "set"}, pk="id")
    db["audit_log"].create_index(["actor"])
    db.close()
    set_remote(kb_dir, 11)
    build_database(kb_dir, db_path)
    conn = sqlite3.connect(db_path)
    assert conn.execute("select actor, action from audit_log").fetchall() == [("mod", "set")]
    indexes = [r[1] for r in conn.execute("pragma index_list(audit_log)")]
    assert indexes
    conn.close()


def test_store_sees_another_connections_writes(kb_dir: Path, db_path: Path) -> None:
    build_database(kb_dir, db_path)
    store = KnowledgeStore(db_path)
    first = store.knowledge()
    assert store.knowledge() is first  # cached while nothing changes
    with sqlite3.connect(db_path) as other:
        other.execute("update role_stats set remote_pct = 10 where role_slug = 'mlops-engineer'")
    assert store.knowledge().roles["mlops-engineer"].stats[0].remote_pct == 10


def test_faq_is_searchable_with_fts(kb_dir: Path, db_path: Path) -> None:
    (kb_dir / "faq").mkdir(exist_ok=True)
    (kb_dir / "faq" / "test.yaml").write_text(yaml.safe_dump({"faq": [{
        "question": "Is a certificate needed?", "answer": "Projects matter more.",
        "tags": ["getting-in"]}]}))
    build_database(kb_dir, db_path)
    db = sqlite_utils.Database(db_path)
    hits = list(db["faq"].search("certificate"))
    assert hits and hits[0]["answer"] == "Projects matter more."


# -- keeping a damaged file aside (the salvage itself: tests/knowledge/test_salvage.py) ------


AT = datetime(2026, 12, 3, 5, 28, 11, tzinfo=UTC)


def test_keep_aside_names_the_file_by_utc_time_and_never_overwrites(db_path: Path) -> None:
    db_path.parent.mkdir()
    db_path.write_bytes(b"damaged")
    Path(f"{db_path}-journal").write_bytes(b"its journal")
    first = keep_aside(db_path, AT)
    assert [p.name for p in first] == ["careerbot.db.damaged-20261203T052811Z",
                                       "careerbot.db.damaged-20261203T052811Z-journal"]
    assert first[1].read_bytes() == b"its journal"
    assert db_path.read_bytes() == b"damaged"  # still in place until the new file replaces it
    assert not Path(f"{db_path}-journal").exists()
    second = keep_aside(db_path, AT.astimezone(timezone(timedelta(hours=-5))))  # same instant
    assert [p.name for p in second] == ["careerbot.db.damaged-20261203T052811Z-2"]
    assert first[0].read_bytes() == second[0].read_bytes() == b"damaged"


def test_keep_aside_copies_where_hard_links_are_not_supported(
        db_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    db_path.parent.mkdir()
    db_path.write_bytes(b"damaged")

    def no_links(*args: object) -> None:
        raise OSError(1, "Operation not permitted")

    monkeypatch.setattr(os, "link", no_links)
    (aside,) = keep_aside(db_path, AT)
    assert aside.read_bytes() == db_path.read_bytes() == b"damaged"
    assert aside.stat().st_ino != db_path.stat().st_ino


def test_read_table_reads_a_table_without_rowids(tmp_path: Path) -> None:
    conn = sqlite3.connect(tmp_path / "t.db")
    conn.execute("create table pairs (a text primary key, b text) without rowid")
    conn.executemany("insert into pairs values (?, ?)", [("x", "1"), ("y", "2")])
    conn.commit()
    assert read_table(conn, "pairs") == ([("x", "1"), ("y", "2")], [])
    conn.close()


def test_salvage_report_says_what_was_kept_salvaged_and_lost(tmp_path: Path) -> None:
    aside = tmp_path / "careerbot.db.damaged-20261203T052811Z"
    report = SalvageReport(
        db_path=tmp_path / "careerbot.db", problem="unreadable: file is not a database",
        kept=(aside,), repairs=("restored the header's first 16 bytes",),
        salvaged={"overlay_fields": 3, "guild_settings": 0, "audit_log": 40},
        partial={"audit_log": ("rowids 12-19",)}, lost=("overlay_faq (every row)",))
    text = report.text()
    assert "file is not a database" in text
    assert f"kept aside, untouched: {aside}" in text
    assert "restored the header's first 16 bytes" in text
    assert "overlay_fields 3 rows, audit_log 40 rows, and 1 empty table(s): guild_settings" in text
    assert "partly lost: audit_log: rowids 12-19 could not be read" in text
    assert "lost: overlay_faq (every row)" in text
    assert f"sqlite-utils tables {aside} --counts" in text and "never deletes" in text


def test_the_start_check_reads_a_sound_database_cleanly(kb_dir: Path, db_path: Path) -> None:
    build_database(kb_dir, db_path)
    conn = sqlite3.connect(db_path)
    assert build_mod.integrity_problem(conn) is None
    assert build_mod.integrity_problem(conn, skip=build_mod.UNCHECKED_AT_START) is None
    conn.close()
