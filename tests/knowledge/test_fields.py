"""The field table (``bot.knowledge.fields``): every field round-trips, and a new figure is
one entry (plus the template line that shows it), with no other module touched."""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.core.render import environment, unescape_for_terminal
from bot.core.reply import render_text
from bot.knowledge import fields
from bot.knowledge.build import build_database
from bot.knowledge.documents import role_document
from bot.knowledge.fields import Field
from bot.knowledge.overlay import GLOBAL_SCOPE
from bot.knowledge.store import KnowledgeStore
from bot.knowledge.transfer import import_changes
from bot.knowledge.validation import Checker, parse_role
from tests.conftest import KNOWLEDGE_DIR, role_file, write_role
from tests.moderation_support import MLOPS, World, moderator, source_id

PROBE = "field-probe"


def probe_value(f: Field, group_size: int) -> Any:
    """A value for ``f`` that the validators accept and that is not a default: salaries
    rising in table order (a range low to high, p25 <= median <= p75), a share of 100%
    split over its group (an experience mix adds up to about 100), counts, texts."""
    position = fields.FIELDS.index(f)
    if f.unit == "usd":
        return 100_000 + 1_000 * position
    if f.unit == "percent":
        return 100 / group_size if f.group else 12.5
    if f.unit == "count":
        return 37 + position
    return f"Probe text for {f.name}"


def probe_values() -> dict[str, Any]:
    sizes = {key: len(group) for key, group in fields.snapshot_layout().items()}
    return {f.name: probe_value(f, sizes[f.group or f.name]) for f in fields.stat_fields()} | \
        {f.name: probe_value(f, 1) for f in fields.role_text_fields()}


def probe_file(values: dict[str, Any]) -> dict[str, Any]:
    """A role file giving every field of the table a value."""
    snapshot: dict[str, Any] = {"source": source_id(), "as_of": "2026"}
    for f in fields.stat_fields():
        if f.group:
            snapshot.setdefault(f.group, {})[f.key] = values[f.name]
        else:
            snapshot[f.name] = values[f.name]
    return {"slug": PROBE, **{f.name: values[f.name] for f in fields.role_text_fields()},
            "stats": [snapshot]}


def knowledge_copy(target: Path) -> Path:
    shutil.copytree(KNOWLEDGE_DIR, target)
    return target


def same(a: Any, b: Any) -> bool:
    """Equal as the bot shows them: 25.0 read back from a REAL column is the 25 written."""
    return a == b and type(a) is not bool and type(b) is not bool


@pytest.fixture(scope="module")
def round_trip(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """The probe role written to a file, built, read back through the store, exported and
    parsed again as an import parses a role."""
    tmp = tmp_path_factory.mktemp("fields")
    values = probe_values()
    kb = knowledge_copy(tmp / "knowledge")
    write_role(kb, probe_file(values))
    db = tmp / "kb.db"
    build_database(kb, db)
    store = KnowledgeStore(db)
    try:
        knowledge = store.base_knowledge()
    finally:
        store.close()
    role = knowledge.roles[PROBE]
    exported = yaml.safe_load(yaml.safe_dump(role_document(role), sort_keys=False))
    check = Checker("export")
    imported = parse_role(exported, f"{PROBE}.yaml", knowledge.sources, check)
    assert not check.problems
    assert imported is not None
    reimport = import_changes({"roles": [exported]}, {}, knowledge, GLOBAL_SCOPE)
    yield {"values": values, "role": role, "exported": exported, "imported": imported,
           "reimport": reimport}


@pytest.mark.parametrize("name", [f.name for f in fields.FIELDS])
def test_every_field_round_trips_file_database_store_export_import(
        round_trip: dict[str, Any], name: str) -> None:
    f = fields.field(name)
    assert f is not None
    written = round_trip["values"][name]
    role, imported = round_trip["role"], round_trip["imported"]
    if f.scope == "stats":
        (snap,) = role.stats
        assert same(snap.figure(name), written), "file -> database -> store"
        node: Any = round_trip["exported"]["stats"][0]
        for part in name.split("."):
            node = node[part]
        assert same(node, written), "store -> export"
        assert same(imported.stats[0].figure(name), written), "export -> import"
    else:
        assert getattr(role, name) == written, "file -> database -> store"
        assert round_trip["exported"][name] == written, "store -> export"
        assert getattr(imported, name) == written, "export -> import"


def test_reimporting_the_exported_role_changes_nothing(round_trip: dict[str, Any]) -> None:
    assert round_trip["reimport"] == ([], [])


def test_the_probe_gives_every_field_a_value_that_is_not_a_default(
        round_trip: dict[str, Any]) -> None:
    """Guards the round trip itself: an unknown figure or empty text would pass it vacuously."""
    assert all(v not in (None, "", 0) for v in round_trip["values"].values())
    assert set(round_trip["values"]) == {f.name for f in fields.FIELDS}


# ---------------------------------------------------------------------------------------
# Adding a figure: one table entry (here registered at run time) and one template line

CONTRACT = Field("contract_pct", "percent", "contract share", short_names=("contract",))
#: The template line that shows it (as the README's "Adding a figure" writes it).
CONTRACT_LINE = ('{% if s.figure("contract_pct") is not none %}'
                 '- On contract: {{ s.figure("contract_pct") | pct }}{% endif %}')


@pytest.fixture
def contract_pct() -> Iterator[Field]:
    fields.register(CONTRACT)
    try:
        yield CONTRACT
    finally:
        fields.unregister(CONTRACT.name)


@pytest.fixture
def contract_world(contract_pct: Field, tmp_path: Path) -> Iterator[World]:
    kb = knowledge_copy(tmp_path / "knowledge")
    data = role_file(MLOPS, kb)
    data["stats"][0]["contract_pct"] = 18.5
    write_role(kb, data)
    db = tmp_path / "data" / "careerbot.db"
    build_database(kb, db)
    world = World(db)
    yield world
    world.close()


def shown(reply: Any) -> str:
    """A reply's text as a terminal shows it (without Discord's escapes)."""
    return unescape_for_terminal(render_text(reply))


def contract(world: World, guild: str | None = None) -> Any:
    snap = world.store.knowledge(guild).roles[MLOPS].snapshot(source_id())
    assert snap is not None
    return snap.figure("contract_pct")


def test_a_figure_added_to_the_table_is_built_stored_and_read_back(
        contract_world: World) -> None:
    conn = sqlite3.connect(contract_world.db)
    try:
        (stored,) = conn.execute("select contract_pct from role_stats where role_slug = ? "
                                 "and position = 0", (MLOPS,)).fetchone()
    finally:
        conn.close()
    assert stored == 18.5
    assert contract(contract_world) == 18.5


def test_a_moderator_sets_the_new_figure_and_an_out_of_range_value_is_refused(
        contract_world: World) -> None:
    m, actor = contract_world.moderation, moderator("42")
    date = role_file(MLOPS)["stats"][0]["as_of"]
    refused = shown(m.set(actor, "mlops", [("contract", "140")], source=source_id(),
                                date=date))
    assert "contract_pct" in refused and "not a percentage" in refused
    assert contract(contract_world, "42") == 18.5
    done = m.set(actor, "mlops", [("contract_pct", "22%")], source=source_id(), date=date)
    text = shown(done)
    assert done.kind == "answer", text
    assert "contract share" in text and "18.5% → 22%" in text  # its label and filter
    assert contract(contract_world, "42") == 22
    assert contract(contract_world) == 18.5  # another scope still reads the file's


def test_the_new_figure_is_exported_and_imported_elsewhere(contract_world: World) -> None:
    m = contract_world.moderation
    date = role_file(MLOPS)["stats"][0]["as_of"]
    assert m.set(moderator("42"), "mlops", [("contract", "22")], source=source_id(),
                 date=date).kind == "answer"
    exported = m.export(moderator("42"))
    assert exported.content is not None
    (entry,) = yaml.safe_load(exported.content)["roles"]
    assert entry["stats"][0]["contract_pct"] == 22
    preview = m.import_preview(moderator("43"), exported.content, "server-42.yaml")
    assert preview.ok, render_text(preview.reply)
    m.import_apply(moderator("43"), exported.content, "server-42.yaml", token=preview.token)
    assert contract(contract_world, "43") == 22


def test_the_new_figure_renders_through_its_template_line(contract_world: World) -> None:
    snap = contract_world.store.knowledge().roles[MLOPS].snapshot(source_id())
    assert environment().from_string(CONTRACT_LINE).render(s=snap) == "- On contract: 18%"
    other = contract_world.store.knowledge().roles["data-scientist"].stats[0]
    assert environment().from_string(CONTRACT_LINE).render(s=other) == ""


@pytest.mark.parametrize(("entry", "why"), [
    (Field("salary.p90", "usd", "90th percentile", short_names=("median",)), "median"),
    (Field("remote_pct", "percent", "remote again"), "remote_pct"),
    (Field("pay.base.low", "usd", "too deep"), "one mapping deep"),
    (Field("motto", "text", "motto", scope="role"), "Role model"),
])
def test_an_entry_that_cannot_work_is_refused(entry: Field, why: str) -> None:
    before = fields.FIELDS
    with pytest.raises(ValueError, match=why):
        fields.register(entry)
    assert before == fields.FIELDS


def test_a_database_built_before_the_entry_reads_the_new_figure_as_unknown(
        tmp_path: Path) -> None:
    """No schema bump is needed for a new entry: the files that use the figure change the
    fingerprint (so they rebuild), and until then the missing column reads as unknown."""
    db = tmp_path / "kb.db"
    build_database(KNOWLEDGE_DIR, db)
    fields.register(CONTRACT)
    store = KnowledgeStore(db)
    try:
        snap = store.base_knowledge().roles[MLOPS].snapshot(source_id())
        assert snap is not None
        assert snap.figure("contract_pct") is None
        assert snap.salary.median == role_file(MLOPS)["stats"][0]["salary"]["median"]
    finally:
        store.close()
        fields.unregister(CONTRACT.name)
