"""KnowledgeStore's views: shared for servers nobody edited, evicted one at a time, and
one data-version check per message (issue 16, item 2)."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.knowledge.overlay import ensure_schema, overlay_view
from bot.knowledge.store import KnowledgeStore
from tests.conftest import REPO_ROOT
from tests.moderation_support import MLOPS, build


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return build(tmp_path)


@pytest.fixture
def store(db: Path) -> Iterator[KnowledgeStore]:
    s = KnowledgeStore(db, overlay=overlay_view)
    yield s
    s.close()


def add_aliases(db: Path, guilds: list[str]) -> None:
    """One alias row per server, written by another connection (as a moderator's edit is)."""
    with sqlite3.connect(db) as conn:
        ensure_schema(conn)
        conn.executemany(
            "insert into overlay_aliases (guild_id, role_slug, key, alias, op) "
            "values (?, ?, ?, ?, 'add')",
            [(g, MLOPS, f"alias{g}", f"alias{g}") for g in guilds])
    conn.close()


class CountingConnection:
    """Wraps the store's connection and counts ``PRAGMA data_version`` statements."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn
        self.version_checks = 0

    def execute(self, sql: str, *args: Any) -> sqlite3.Cursor:
        if "data_version" in sql.lower():
            self.version_checks += 1
        return self._conn.execute(sql, *args)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._conn, name)


def count_checks(store: KnowledgeStore) -> CountingConnection:
    store.knowledge()
    counting = CountingConnection(store.connect())
    store._conn = counting  # type: ignore[assignment]
    return counting


def test_a_server_with_no_edits_gets_the_global_view_object(store: KnowledgeStore) -> None:
    glob = store.knowledge()
    assert store.knowledge("1") is glob
    assert store.knowledge(2) is glob
    assert store.knowledge("1") is store.knowledge("3")


def test_an_edited_server_gets_its_own_view_and_the_others_keep_sharing(
        db: Path, store: KnowledgeStore) -> None:
    before = store.knowledge()
    add_aliases(db, ["7"])
    glob = store.knowledge()
    assert glob is not before  # the data changed: a new global view
    edited = store.knowledge("7")
    assert edited is not glob
    assert "alias7" in edited.roles[MLOPS].aliases
    assert "alias7" not in glob.roles[MLOPS].aliases
    assert store.knowledge("8") is glob
    assert store.knowledge("7") is edited  # kept until the data changes


def test_owner_edits_show_in_the_shared_view(db: Path, store: KnowledgeStore) -> None:
    add_aliases(db, ["*"])
    assert "alias*" in store.knowledge("12345").roles[MLOPS].aliases
    assert store.knowledge("12345") is store.knowledge()


def test_the_edited_scopes_are_listed_once_per_data_version(
        db: Path, store: KnowledgeStore, monkeypatch: pytest.MonkeyPatch) -> None:
    add_aliases(db, ["1", "2"])
    calls = []
    listing = store._scopes_fn
    assert listing is not None

    def counted(conn: sqlite3.Connection) -> frozenset[str]:
        calls.append(1)
        return listing(conn)

    monkeypatch.setattr(store, "_scopes_fn", counted)
    for guild in range(200):
        store.knowledge(str(guild))
    assert len(calls) == 1
    add_aliases(db, ["3"])
    assert "alias3" in store.knowledge("3").roles[MLOPS].aliases
    assert len(calls) == 2


def test_touching_one_more_view_than_the_bound_evicts_only_the_least_recent(db: Path) -> None:
    bound = 10
    guilds = [str(g) for g in range(100)]
    add_aliases(db, guilds)
    store = KnowledgeStore(db, overlay=overlay_view, max_views=bound)
    try:
        views = {g: store.knowledge(g) for g in guilds[:bound]}
        store.knowledge(guilds[0])  # now the most recent: guild 1 is the least recent
        store.knowledge(guilds[bound])  # one more than the bound
        for g in [guilds[0], *guilds[2:bound]]:
            assert store.knowledge(g) is views[g], f"server {g}'s view was rebuilt"
        assert store.knowledge(guilds[1]) is not views[guilds[1]]
    finally:
        store.close()


def test_one_data_version_check_inside_one_check(db: Path, store: KnowledgeStore) -> None:
    add_aliases(db, ["5"])
    counting = count_checks(store)
    with store.one_check():
        store.version()
        store.knowledge("5")
        store.knowledge("6")
        store.version()
        store.knowledge()
    assert counting.version_checks == 1
    store.knowledge("5")  # outside a block every read checks
    assert counting.version_checks == 2


def test_a_local_write_inside_one_check_is_seen_at_once(db: Path, store: KnowledgeStore) -> None:
    with store.one_check():
        assert store.knowledge("9") is store.knowledge()
        add_aliases(db, ["9"])
        store.invalidate()  # what Moderation does after its write
        assert "alias9" in store.knowledge("9").roles[MLOPS].aliases


def test_an_edit_in_another_process_shows_on_the_next_check(db: Path, store: KnowledgeStore) -> None:
    with store.one_check():
        assert "model ops" not in store.knowledge("42").roles[MLOPS].aliases
    env = {**os.environ, "CAREERBOT_DB": str(db)}
    env.pop("CAREERBOT_KNOWLEDGE_DIR", None)
    result = subprocess.run(
        [sys.executable, "-m", "bot", "kb", "alias", "add", "mlops", "model ops", "--guild", "42"],
        cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    with store.one_check():
        assert "model ops" in store.knowledge("42").roles[MLOPS].aliases
        assert "model ops" not in store.knowledge("43").roles[MLOPS].aliases
