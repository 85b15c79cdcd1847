"""Views are rebuilt only for the scope a write touched (issue 16, item 3).

A server's edit leaves every other server's view, the global view and the base as they
were (the same objects, so every cache keyed on them stays warm); the owner's global edit
rebuilds the views but not the base; a change the audit log does not account for, or a
rebuilt file, reloads everything as before. Each edit still shows in the next answer.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.core.moderation import Moderation
from bot.knowledge import store as store_module
from bot.knowledge.build import build_database
from bot.knowledge.documents import role_document, with_derived
from bot.knowledge.overlay import (
    _edited_role,
    apply_role_overrides,
    ensure_schema,
    parse_role_document,
)
from bot.text.names import alias_key
from tests.conftest import KNOWLEDGE_DIR
from tests.moderation_support import MLOPS, World, build, moderator, owner, store_for


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    w = World(build(tmp_path))
    yield w
    w.close()


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts the store's loads of the base (``read_knowledge``)."""
    loaded: list[int] = []
    original = store_module.read_knowledge

    def counted(conn: sqlite3.Connection) -> Any:
        loaded.append(1)
        return original(conn)

    monkeypatch.setattr(store_module, "read_knowledge", counted)
    return loaded


def _alias(world: World, guild: str | None, alias: str) -> None:
    actor = owner() if guild is None else moderator(guild)
    reply = world.moderation.alias(actor, "add", MLOPS, alias)
    assert reply.kind == "answer", reply.lead


def test_a_servers_edit_keeps_every_other_view_and_the_base(world: World,
                                                            reads: list[int]) -> None:
    _alias(world, "1", "alias one")
    _alias(world, "2", "alias two")
    store = world.store
    before = {g: store.knowledge(g) for g in ("1", "2", "3")}
    glob, base = store.knowledge(), store.base_knowledge()
    loads = len(reads)
    _alias(world, "1", "alias one more")
    assert store.knowledge("2") is before["2"]  # untouched server: its view kept
    assert store.knowledge("3") is before["3"] is glob  # unedited: still the global view
    assert store.knowledge() is glob and store.base_knowledge() is base
    assert len(reads) == loads  # the base was not read again
    changed = store.knowledge("1")
    assert changed is not before["1"]
    assert "alias one more" in changed.roles[MLOPS].aliases
    assert "mlops" in world.ask("!role alias one more", guild="1").lower()


def test_a_first_edit_gives_a_server_its_view_and_undoing_it_returns_the_global_one(
        world: World) -> None:
    store = world.store
    assert store.knowledge("7") is store.knowledge()
    _alias(world, "7", "seven")
    assert store.knowledge("7") is not store.knowledge()
    assert "seven" in store.knowledge("7").roles[MLOPS].aliases
    assert "seven" not in store.knowledge().roles[MLOPS].aliases
    entry = world.store.read(lambda c: c.execute("select max(id) from audit_log").fetchone()[0])
    assert world.moderation.undo(moderator("7"), entry).kind == "answer"
    assert store.knowledge("7") is store.knowledge()


def test_an_owners_global_edit_reaches_every_view_without_reading_the_base(
        world: World, reads: list[int]) -> None:
    _alias(world, "1", "alias one")
    store = world.store
    old = {g: store.knowledge(g) for g in (None, "1", "2")}
    base = store.base_knowledge()
    loads = len(reads)
    _alias(world, None, "everywhere alias")
    for guild in (None, "1", "2"):
        view = store.knowledge(guild)
        assert view is not old[guild]
        assert "everywhere alias" in view.roles[MLOPS].aliases
    assert "alias one" in store.knowledge("1").roles[MLOPS].aliases
    assert store.base_knowledge() is base and len(reads) == loads


def test_an_edit_by_another_process_drops_only_its_servers_view(world: World,
                                                                 reads: list[int]) -> None:
    _alias(world, "2", "alias two")
    store = world.store
    kept = store.knowledge("2")
    other = store_for(world.db)  # another process's store and moderation
    try:
        assert Moderation(other).alias(moderator("1"), "add", MLOPS, "from elsewhere").kind \
            == "answer"
    finally:
        other.close()
    loads = len(reads)
    assert "from elsewhere" in store.knowledge("1").roles[MLOPS].aliases
    assert store.knowledge("2") is kept and len(reads) == loads


def test_a_change_outside_the_audit_log_still_reloads_everything(world: World,
                                                                 reads: list[int]) -> None:
    store = world.store
    glob = store.knowledge()
    loads = len(reads)
    with sqlite3.connect(world.db) as conn:
        ensure_schema(conn)
        conn.execute("insert into overlay_aliases (guild_id, role_slug, key, alias, op) "
                     "values ('5', ?, 'sneaky', 'sneaky', 'add')", (MLOPS,))
    conn.close()
    assert "sneaky" in store.knowledge("5").roles[MLOPS].aliases
    assert store.knowledge() is not glob and len(reads) == loads + 1


def test_a_rebuilt_file_reloads_the_base(world: World, reads: list[int]) -> None:
    _alias(world, "1", "alias one")
    store = world.store
    base = store.base_knowledge()
    build_database(KNOWLEDGE_DIR, world.db)  # carries the overlays over to a new file
    assert store.base_knowledge() is not base
    assert "alias one" in store.knowledge("1").roles[MLOPS].aliases


def _slow_edited_role(role: Any, aliases: list[dict[str, str]], sources: Any) -> Any:
    """The role as the whole-document path makes it: written out, edited, parsed back."""
    doc = apply_role_overrides(role_document(role), [], aliases)  # type: ignore[arg-type]
    parsed, problems = parse_role_document(doc, sources)
    assert not problems and parsed is not None
    return with_derived(parsed, role)


def test_alias_only_edits_make_the_same_role_as_the_whole_document_path(world: World) -> None:
    base = world.store.base_knowledge()
    for role in base.roles.values():
        first = role.aliases[0] if role.aliases else role.name
        rows = [
            {"op": "add", "key": alias_key("  spaced   out  alias "), "alias": "  spaced   out  alias "},
            {"op": "add", "key": alias_key(first.upper()), "alias": first.upper()},  # already there
            {"op": "remove", "key": alias_key(first), "alias": first},
            {"op": "add", "key": "another", "alias": "Another"},
        ]
        fast = _edited_role(role, [], rows, base.sources, ("*", "1"))  # type: ignore[arg-type]
        assert fast == _slow_edited_role(role, rows, base.sources), role.slug
        assert "spaced out alias" in fast.aliases and first not in fast.aliases


def test_an_alias_edit_that_no_longer_validates_is_left_out(world: World,
                                                            caplog: pytest.LogCaptureFixture) -> None:
    role = world.store.base_knowledge().roles[MLOPS]
    rows = [{"op": "add", "key": "x", "alias": "x" * 10_000}]
    assert _edited_role(role, [], rows, {}, ("1",)) is role  # type: ignore[arg-type]
    assert "no longer validate" in caplog.text
