"""The one write path: permission, validation, audit, conflicts, undo, and what rebuilds keep."""

from __future__ import annotations

import contextlib
import json
import sqlite3
import threading
from pathlib import Path

import pytest
import yaml

from bot.knowledge import edits
from bot.knowledge.build import build_database
from bot.knowledge.changes import Change, ChangeError, Conflict, NoChange, PermissionDenied
from bot.knowledge.permissions import Actor
from tests.conftest import load_yaml, role_file
from tests.moderation_support import (
    MLOPS,
    PM,
    build,
    member,
    mlops_stats,
    moderator,
    owner,
    source_id,
    store_for,
)


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return build(tmp_path)


def set_median(value: int, **data: object) -> Change:
    return Change("figure.set", {"role": MLOPS, "source": source_id(),
                                 "as_of": mlops_stats()["as_of"],
                                 "values": {"salary.median": value}, **data})


def median(db: Path, guild: str | None) -> float | None:
    store = store_for(db)
    try:
        return store.knowledge(guild).roles[MLOPS].snapshot(source_id()).salary.median
    finally:
        store.close()


def audit_rows(db: Path) -> list[sqlite3.Row]:
    conn = sqlite3.connect(db)
    conn.row_factory = sqlite3.Row
    try:
        return conn.execute("select * from audit_log order by id").fetchall()
    finally:
        conn.close()


# -- permission ------------------------------------------------------------------------


@pytest.mark.parametrize("actor", [
    member("42"),                                      # no Manage Server, no moderator role
    member("42", roles=frozenset({"999"})),            # a role, but not a moderator role
    Actor("3", "Mod elsewhere", guild_id=None, manage_guild=True),  # global base: owner only
])
def test_refused_edit_leaves_the_database_byte_for_byte(db: Path, actor: Actor) -> None:
    before = db.read_bytes()
    with pytest.raises(PermissionDenied):
        edits.apply_change(db, actor, set_median(mlops_stats()["salary"]["median"] + 7000))
    assert db.read_bytes() == before
    assert sorted(p.name for p in db.parent.iterdir()) == [db.name]  # no journal left behind


def test_configured_moderator_role_may_edit_and_only_in_its_server(db: Path) -> None:
    edits.apply_change(db, moderator("42"), Change("config.modrole.add", {"role_id": "555"}))
    helper = member("42", roles=frozenset({"555"}))
    new = mlops_stats()["salary"]["median"] + 7000
    edits.apply_change(db, helper, set_median(new))
    assert median(db, "42") == new
    with pytest.raises(PermissionDenied):  # the same role id means nothing in server 43
        edits.apply_change(db, member("43", roles=frozenset({"555"})), set_median(new))


def test_moderators_cannot_change_server_settings(db: Path) -> None:
    edits.apply_change(db, moderator("42"), Change("config.modrole.add", {"role_id": "555"}))
    helper = member("42", roles=frozenset({"555"}))
    with pytest.raises(PermissionDenied) as info:
        edits.apply_change(db, helper, Change("config.modrole.add", {"role_id": "556"}))
    assert info.value.reason == "needs_manage_server"


# -- validation, with nothing written ----------------------------------------------------


@pytest.mark.parametrize(("values", "field", "words"), [
    ({"remote_pct": 140}, "remote_pct", "not a percentage"),
    ({"salary.median": -5}, "salary.median", "not a positive salary"),
    ({"salary.avg_low": 10**7}, "salary.avg_low", "above avg_high"),
    ({"experience.senior": 90}, "experience", "not about 100%"),
    ({"salary.median": "lots"}, "salary.median", "not a number"),
    ({"bonus": 3}, "bonus", "is not a figure"),
])
def test_invalid_figures_are_refused_naming_the_field(db: Path, values: dict, field: str,
                                                      words: str) -> None:
    before = db.read_bytes()
    change = Change("figure.set", {"role": MLOPS, "source": source_id(), "as_of": "2026-03",
                                   "values": values})
    with pytest.raises(ChangeError) as info:
        edits.apply_change(db, moderator(), change)
    assert any(p.path == field and words in p.message for p in info.value.problems), \
        info.value.problems
    assert db.read_bytes() == before  # the transaction was rolled back, schema and all


def test_unknown_source_and_bad_date_are_refused(db: Path) -> None:
    with pytest.raises(ChangeError) as info:
        edits.apply_change(db, moderator(), set_median(1, source="made-up"))
    assert info.value.problems[0].path == "source"
    with pytest.raises(ChangeError) as info:
        edits.apply_change(db, moderator(), set_median(mlops_stats()["salary"]["median"] + 1,
                                                       as_of="last spring"))
    assert "not a date" in str(info.value)


def test_setting_the_same_value_records_nothing(db: Path) -> None:
    with pytest.raises(NoChange):
        edits.apply_change(db, moderator(), set_median(mlops_stats()["salary"]["median"]))
    assert edits.history(db, "42") == []


def test_an_alias_another_role_uses_is_refused(db: Path) -> None:
    pm_alias = role_file(PM)["aliases"][0]
    with pytest.raises(ChangeError) as info:
        edits.apply_change(db, moderator(), Change("alias.add", {"role": MLOPS, "alias": pm_alias}))
    assert "already used by AI Product Manager" in str(info.value)


def test_an_owner_alias_is_checked_against_every_server(db: Path) -> None:
    edits.apply_change(db, moderator("42"), Change("alias.add", {"role": MLOPS, "alias": "modelops"}))
    with pytest.raises(ChangeError) as info:
        edits.apply_change(db, owner(), Change("alias.add", {"role": PM, "alias": "ModelOps"}))
    assert "on server 42" in str(info.value)


def test_alias_add_and_remove_change_only_that_server(db: Path) -> None:
    alias = role_file(MLOPS)["aliases"][1]
    edits.apply_change(db, moderator("42"), Change("alias.remove", {"role": MLOPS, "alias": alias}))
    edits.apply_change(db, moderator("42"), Change("alias.add", {"role": MLOPS, "alias": "modelops"}))
    store = store_for(db)
    here, there = store.knowledge("42").roles[MLOPS], store.knowledge("43").roles[MLOPS]
    assert "modelops" in here.aliases and alias not in here.aliases
    assert "modelops" not in there.aliases and alias in there.aliases
    store.close()


# -- audit --------------------------------------------------------------------------------


def test_every_change_is_audited_with_actor_time_before_and_after(db: Path) -> None:
    old = mlops_stats()["salary"]["median"]
    entry = edits.apply_change(db, moderator(name="Alice", user="7"), set_median(old + 7000))
    (row,) = audit_rows(db)
    assert row["id"] == entry.id
    assert (row["actor_id"], row["actor_name"], row["guild_id"], row["action"], row["target"]) == \
        ("7", "Alice", "42", "figure.set", MLOPS)
    assert json.loads(row["before"])["salary.median"] == old
    assert json.loads(row["after"])["salary.median"] == old + 7000
    assert row["at"].endswith("Z") and row["at"][:4].isdigit()


# -- concurrency --------------------------------------------------------------------------


def _race(db: Path, changes: list[tuple[Actor, Change, dict | None]]) -> list[object]:
    """Run the changes at the same moment from separate threads (separate connections)."""
    barrier = threading.Barrier(len(changes))
    results: list[object] = [None] * len(changes)

    def run(i: int, actor: Actor, change: Change, expected: dict | None) -> None:
        barrier.wait()
        try:
            results[i] = edits.apply_change(db, actor, change, expected=expected)
        except Exception as exc:  # collected and asserted on below
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i, *c)) for i, c in enumerate(changes)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def test_concurrent_edits_with_the_value_seen_never_overwrite_silently(db: Path) -> None:
    seen = mlops_stats()["salary"]["median"]
    alice, bob = moderator(name="Alice", user="1"), moderator(name="Bob", user="2")
    results = _race(db, [(alice, set_median(seen + 1000), {"salary.median": seen}),
                         (bob, set_median(seen + 2000), {"salary.median": seen})])
    (won,) = [r for r in results if isinstance(r, edits.AuditEntry)]
    (lost,) = [r for r in results if isinstance(r, Conflict)]
    assert lost.current == won.after["salary.median"]      # names the value now stored
    assert lost.by is not None and lost.by.id == won.id    # and who stored it
    # The loser re-applies against what is there now: both edits are in the history.
    loser = bob if won.actor_name == "Alice" else alice
    retry = edits.apply_change(db, loser, set_median(seen + 3000),
                               expected={"salary.median": lost.current})
    rows = audit_rows(db)
    assert [r["actor_name"] for r in rows] == [won.actor_name, loser.name]
    assert json.loads(rows[1]["before"])["salary.median"] == won.after["salary.median"]
    assert median(db, "42") == retry.after["salary.median"] == seen + 3000


def test_concurrent_edits_without_expectation_are_serialised_and_both_audited(db: Path) -> None:
    seen = mlops_stats()["salary"]["median"]
    results = _race(db, [(moderator(name="Alice", user="1"), set_median(seen + 1000), None),
                         (moderator(name="Bob", user="2"), set_median(seen + 2000), None)])
    assert all(isinstance(r, edits.AuditEntry) for r in results), results
    first, second = audit_rows(db)
    # The later edit records the earlier one's value as its "before": nothing vanished unseen.
    assert json.loads(second["before"])["salary.median"] == json.loads(first["after"])["salary.median"]
    assert median(db, "42") == json.loads(second["after"])["salary.median"]


# -- undo ---------------------------------------------------------------------------------


def test_undo_restores_and_is_audited(db: Path) -> None:
    old = mlops_stats()["salary"]["median"]
    entry = edits.apply_change(db, moderator(), set_median(old + 7000))
    undone = edits.undo(db, moderator(name="Other", user="9"), entry.id)
    assert median(db, "42") == old
    assert undone.undo_of == entry.id and undone.actor_name == "Other"
    with pytest.raises(Conflict) as info:
        edits.undo(db, moderator(), entry.id)
    assert info.value.by is not None and info.value.by.undo_of == entry.id  # already undone
    edits.undo(db, moderator(), undone.id)  # undoing the undo is a redo
    assert median(db, "42") == old + 7000


def test_undo_refuses_when_the_value_was_changed_again(db: Path) -> None:
    old = mlops_stats()["salary"]["median"]
    first = edits.apply_change(db, moderator(), set_median(old + 1000))
    later = edits.apply_change(db, moderator(name="Later"), set_median(old + 2000))
    with pytest.raises(Conflict) as info:
        edits.undo(db, moderator(), first.id)
    assert info.value.by is not None and info.value.by.id == later.id
    assert median(db, "42") == old + 2000


def test_undo_is_scoped_to_the_server(db: Path) -> None:
    entry = edits.apply_change(db, moderator("42"), set_median(mlops_stats()["salary"]["median"] + 1))
    with pytest.raises(ChangeError):
        edits.undo(db, moderator("43"), entry.id)


# -- FAQ, roles and sources -----------------------------------------------------------------


def test_faq_entries_belong_to_their_server(db: Path) -> None:
    added = edits.apply_change(db, moderator("42"), Change("faq.add", {
        "question": "Is a bootcamp enough?", "answer": "Rarely on its own.", "tags": ["education"]}))
    entry_id = int(added.target.split()[1])
    store = store_for(db)
    assert [e.question for e in store.knowledge("42").faq if e.guild_id == "42"] == \
        ["Is a bootcamp enough?"]
    assert all(e.guild_id != "42" for e in store.knowledge("43").faq)
    with pytest.raises(ChangeError):
        edits.apply_change(db, moderator("43"), Change("faq.remove", {"id": entry_id}))
    edits.apply_change(db, moderator("42"), Change("faq.edit", {"id": entry_id,
                                                               "answer": "Sometimes, with a portfolio."}))
    assert [e.answer for e in store.knowledge("42").faq if e.id == entry_id] == \
        ["Sometimes, with a portfolio."]
    edits.apply_change(db, moderator("42"), Change("faq.remove", {"id": entry_id}))
    assert all(e.id != entry_id for e in store.knowledge("42").faq)
    store.close()


def test_faq_ids_are_never_reused(db: Path) -> None:
    add = Change("faq.add", {"question": "First?", "answer": "Yes."})
    first = edits.apply_change(db, moderator("42"), add)
    edits.undo(db, moderator("42"), first.id)
    second = edits.apply_change(db, moderator("43"), add)
    assert first.target != second.target


def test_added_roles_and_sources_stay_in_their_server(db: Path) -> None:
    edits.apply_change(db, moderator("42"), Change("source.add", {"document": {
        "id": "club-survey-2026", "name": "Club survey", "kind": "survey", "date": "2026-02"}}))
    edits.apply_change(db, moderator("42"), Change("role.add", {"document": {
        "slug": "prompt-engineer", "name": "Prompt Engineer", "aliases": ["prompter"],
        "focus": "Writes and tests prompts.",
        "stats": [{"source": "club-survey-2026", "as_of": "2026-02", "remote_pct": 40}]}}))
    store = store_for(db)
    assert store.knowledge("42").roles["prompt-engineer"].stats[0].source.name == "Club survey"
    assert "prompt-engineer" not in store.knowledge("43").roles
    assert "club-survey-2026" not in store.knowledge("43").sources
    store.close()
    with pytest.raises(ChangeError) as info:  # a role from the files can't be removed per server
        edits.apply_change(db, moderator("42"), Change("role.remove", {"role": MLOPS}))
    assert "only roles added by this server's moderators" in str(info.value)


# -- rebuilds ---------------------------------------------------------------------------------


def test_rebuilding_the_base_keeps_every_overlay_and_base_changes_flow_through(
        db: Path, kb_dir: Path) -> None:
    build_database(kb_dir, db)
    new_median = mlops_stats()["salary"]["median"] + 7000
    edits.apply_change(db, moderator("42"), set_median(new_median))
    edits.apply_change(db, owner(), Change("alias.add", {"role": MLOPS, "alias": "modelops"}))
    store = store_for(db)
    assert store.knowledge("42").roles[MLOPS].snapshot().salary.median == new_median
    # The owner corrects a different figure in the files and rebuilds.
    path = kb_dir / "roles" / f"{MLOPS}.yaml"
    data = load_yaml(path)
    data["stats"][0]["remote_pct"] = data["stats"][0]["remote_pct"] + 1
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    build_database(kb_dir, db)
    view = store.knowledge("42").roles[MLOPS]   # the same store notices the new file
    assert view.snapshot().salary.median == new_median                   # the server's edit kept
    assert view.snapshot().remote_pct == data["stats"][0]["remote_pct"]  # the base's fix shows
    assert "modelops" in store.knowledge(None).roles[MLOPS].aliases           # the owner's edit kept
    assert len(edits.history(db, None)) == 2                             # and the audit log
    store.close()


def test_edits_citing_a_source_that_is_gone_are_not_shown_unsourced(
        db: Path, caplog: pytest.LogCaptureFixture) -> None:
    edits.apply_change(db, owner(), Change("source.add", {"document": {
        "id": "owner-notes", "name": "Owner notes", "kind": "survey", "date": "2026"}}))
    edits.apply_change(db, owner(), Change("figure.set", {
        "role": MLOPS, "source": "owner-notes", "as_of": "2026", "values": {"remote_pct": 50}}))
    store = store_for(db)
    assert store.knowledge("42").roles[MLOPS].snapshot("owner-notes").remote_pct == 50
    # The source disappears under the edit (here by hand; a source dropped from the files
    # does the same): the figure citing it must not be shown without a source.
    conn = sqlite3.connect(db)
    with conn:
        conn.execute("delete from overlay_sources where id = 'owner-notes'")
    conn.close()
    role = store.knowledge("42").roles[MLOPS]
    assert all(s.source.id and s.source.name for s in role.stats)
    assert role == store.base_knowledge().roles[MLOPS]
    assert "no longer validate" in caplog.text
    store.close()


def test_an_edit_racing_a_rebuild_is_not_lost(db: Path, kb_dir: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    from bot.knowledge import build as build_mod

    new = mlops_stats()["salary"]["median"] + 7000
    real_copy = build_mod._copy_preserved
    results: list[object] = []
    threads: list[threading.Thread] = []

    def edit() -> None:
        try:
            results.append(edits.apply_change(db, moderator(), set_median(new)))
        except Exception as exc:  # asserted on below
            results.append(exc)

    def copy_then_edit(old_path: Path, new_db: object) -> None:
        real_copy(old_path, new_db)
        # A moderator's edit arrives after the overlays were copied, before the swap.
        threads.append(threading.Thread(target=edit))
        threads[0].start()
        threads[0].join(timeout=0.5)  # without the rebuild's lock it would commit now

    monkeypatch.setattr(build_mod, "_copy_preserved", copy_then_edit)
    build_database(kb_dir, db)
    threads[0].join()
    assert [type(r) for r in results] == [edits.AuditEntry], results
    assert median(db, "42") == new
    assert [e.action for e in edits.history(db, "42")] == ["figure.set"]


def test_an_edited_role_keeps_what_the_files_cannot_say(db: Path) -> None:
    """Derived data (O*NET occupations, survey snapshots) survives a moderator's edit."""
    store = store_for(db)
    base = store.base_knowledge()
    role = next(r for r in base.roles.values() if r.occupations and len(r.stats) > 1)
    edits.apply_change(db, moderator(), Change("role.set", {
        "role": role.slug, "field": "focus", "value": "Edited by the server's moderators."}))
    edited = store.knowledge("42").roles[role.slug]
    assert edited.focus == "Edited by the server's moderators."
    assert edited.occupations == role.occupations
    assert edited.stats == role.stats and edited.skills == role.skills
    store.close()


# -- imports: cost and the write lock -----------------------------------------------------------


def faq_import(n: int, prefix: str = "Imported") -> list[Change]:
    """An import's changes: ``n`` new FAQ entries, each with its own question."""
    return [Change("faq.add", {"question": f"{prefix} question number {i}?",
                               "answer": f"Answer {i}.", "tags": ["imported"]}, f"faq[{i}]")
            for i in range(n)]


def count_view_builds(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Count calls of overlay_view, the full build of a server's view."""
    from bot.knowledge import changes as changes_mod
    from bot.knowledge import overlay

    calls = [0]
    real = overlay.overlay_view

    def counting(*args: object, **kwargs: object) -> object:
        calls[0] += 1
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(overlay, "overlay_view", counting)
    # The write path once imported it by name; count those calls too, wherever it lives.
    monkeypatch.setattr(changes_mod, "overlay_view", counting, raising=False)
    return calls


def import_with_preview(db: Path, actor: Actor, changes: list[Change]) -> edits.AuditEntry:
    preview = edits.preview_changes(db, actor, changes)
    assert not preview.problems and len(preview.plans) == len(changes)
    return edits.apply_changes(db, actor, changes, target="faq.yaml", token=preview.token)


def test_an_import_builds_the_view_a_fixed_number_of_times_whatever_its_size(
        db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Linear cost without timing anything: the full view build (the expensive step) must
    not be repeated per change, so a 200-entry import builds it as often as a 20-entry one."""
    builds = count_view_builds(monkeypatch)
    import_with_preview(db, moderator("42"), faq_import(20))
    small = builds[0]
    builds[0] = 0
    entry = import_with_preview(db, moderator("43"), faq_import(200))
    assert len(entry.children) == 200
    assert builds[0] == small <= 4, (small, builds[0])


def test_views_kept_current_row_by_row_equal_a_fresh_build(db: Path) -> None:
    """The incrementally updated views a batch plans against are exactly what building
    them from scratch gives, after every kind of change, in a server and globally."""
    from bot.knowledge.changes import Session
    from bot.knowledge.overlay import GLOBAL_SCOPE, ensure_schema, overlay_view
    from bot.knowledge.planners import plan_change
    from bot.knowledge.store import read_knowledge

    src = source_id()
    server_changes = [
        *faq_import(3, "Server"),
        Change("faq.edit", {"id": 100_001, "answer": "Edited."}),
        Change("faq.remove", {"id": 100_002}),
        Change("alias.add", {"role": MLOPS, "alias": "model ops"}),
        Change("alias.remove", {"role": MLOPS, "alias": "model ops"}),
        set_median(mlops_stats()["salary"]["median"] + 1000),
        Change("role.set", {"role": PM, "field": "focus", "value": "Decides what to build."}),
        Change("source.add", {"document": {"id": "club-2026", "name": "Club survey",
                                           "kind": "survey", "date": "2026-02"}}),
        Change("figure.set", {"role": MLOPS, "source": "club-2026", "as_of": "2026-02",
                              "values": {"remote_pct": 40}}),
        Change("role.add", {"document": {
            "slug": "prompt-engineer", "name": "Prompt Engineer", "aliases": ["prompter"],
            "focus": "Writes and tests prompts.",
            "stats": [{"source": src, "as_of": mlops_stats()["as_of"], "remote_pct": 40}]}}),
        Change("alias.add", {"role": "prompt-engineer", "alias": "prompt writer"}),
        Change("role.remove", {"role": "prompt-engineer"}),
    ]
    global_changes = [
        *faq_import(2, "Global"),
        Change("alias.add", {"role": PM, "alias": "product lead"}),
        Change("role.set", {"role": MLOPS, "field": "focus", "value": "Runs models in production."}),
    ]
    conn = sqlite3.connect(db, isolation_level=None)
    conn.row_factory = sqlite3.Row
    conn.execute("begin immediate")
    try:
        ensure_schema(conn)
        for scope, batch, scopes in (("42", server_changes, ["42"]),
                                     (GLOBAL_SCOPE, global_changes, [GLOBAL_SCOPE, "42"])):
            s = Session(conn, scope)
            s.affected_views()  # built before the first write, as a batch does
            for change in batch:
                for row in plan_change(s, change).rows:
                    s.write(row)
                base = read_knowledge(conn)
                for view in scopes:
                    fresh = overlay_view(conn, base, None if view == GLOBAL_SCOPE else view)
                    assert s.view(view) == fresh, (scope, view, change.action)
    finally:
        conn.execute("rollback")
        conn.close()


def test_a_preview_plans_exactly_what_the_apply_writes(db: Path) -> None:
    changes = [*faq_import(5), Change("alias.add", {"role": MLOPS, "alias": "model ops"}),
               set_median(mlops_stats()["salary"]["median"] + 500)]
    preview = edits.preview_changes(db, moderator(), changes)
    entry = edits.apply_changes(db, moderator(), changes, target="x.yaml", token=preview.token)
    assert [(p.action, p.target, p.before, p.after) for p in preview.plans] == \
        [(c.action, c.target, c.before, c.after) for c in entry.children]


def _pause_planning_at(monkeypatch: pytest.MonkeyPatch, n: int) -> tuple[threading.Event,
                                                                         threading.Event]:
    """Make the ``n``-th planned change (once) wait until released: the moment an import
    is halfway through planning."""
    paused, release = threading.Event(), threading.Event()
    real = edits.plan_change
    calls = [0]

    def plan(s: object, change: Change) -> object:
        calls[0] += 1
        if calls[0] == n:
            paused.set()
            assert release.wait(timeout=60)
        return real(s, change)  # type: ignore[arg-type]

    monkeypatch.setattr(edits, "plan_change", plan)
    return paused, release


def _in_thread(fn: object, *args: object, **kwargs: object) -> tuple[threading.Thread, list]:
    result: list = []

    def run() -> None:
        try:
            result.append(fn(*args, **kwargs))  # type: ignore[operator]
        except Exception as exc:  # asserted on by the caller
            result.append(exc)

    thread = threading.Thread(target=run)
    thread.start()
    return thread, result


def test_another_servers_edit_during_an_import_is_not_refused(
        db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An import holds no lock while it plans: another server's edit then goes through at
    once (before, it waited for the whole import and failed with "database is locked"),
    and the import, finding the file changed, plans again and still applies everything."""
    import importlib

    # How long the other edit would wait for the lock (a module of its own, formerly edits').
    for module in ("bot.knowledge.connections", "bot.knowledge.edits"):
        with contextlib.suppress(ImportError):
            monkeypatch.setattr(importlib.import_module(module), "BUSY_TIMEOUT_SECONDS", 1.0,
                                raising=False)
    paused, release = _pause_planning_at(monkeypatch, 100)
    thread, result = _in_thread(edits.apply_changes, db, moderator("42"), faq_import(200),
                                target="big.yaml")
    try:
        assert paused.wait(timeout=60)
        other = edits.apply_change(db, moderator("43", name="Other"), set_median(123_456))
    finally:
        release.set()
        thread.join(timeout=120)
    assert isinstance(other, edits.AuditEntry)
    (imported,) = result
    assert isinstance(imported, edits.AuditEntry), imported
    assert len(imported.children) == 200
    assert median(db, "43") == 123_456
    store = store_for(db)
    assert sum(e.guild_id == "42" for e in store.knowledge("42").faq) == 200
    store.close()


def test_an_import_planned_before_a_clashing_edit_is_refused_not_written_stale(
        db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """If the same server adds one of the import's questions while the import plans, the
    import sees it when it checks the file before writing, and is refused as a whole."""
    paused, release = _pause_planning_at(monkeypatch, 100)
    thread, result = _in_thread(edits.apply_changes, db, moderator("42"), faq_import(200),
                                target="big.yaml")
    try:
        assert paused.wait(timeout=60)
        edits.apply_change(db, moderator("42", name="Other"), faq_import(151)[150])
    finally:
        release.set()
        thread.join(timeout=120)
    (outcome,) = result
    assert isinstance(outcome, ChangeError), outcome
    assert "faq[150].question" in str(outcome) and "already asks this" in str(outcome)
    assert [e.action for e in edits.history(db, "42")] == ["faq.add"]


def test_undoing_a_large_import_removes_every_entry_it_added(db: Path) -> None:
    """Undo writes every row back in one session: its views are rebuilt once, not per row."""
    entry = import_with_preview(db, moderator("42"), faq_import(200))
    store = store_for(db)
    assert sum(e.guild_id == "42" for e in store.knowledge("42").faq) == 200
    edits.undo(db, moderator("42"), entry.id)
    assert not any(e.guild_id == "42" for e in store.knowledge("42").faq)
    store.close()


# -- rows written through sqlite-utils ---------------------------------------------------------


def test_rows_are_written_in_order_so_a_row_written_twice_keeps_its_last_value(db: Path) -> None:
    from bot.knowledge.changes import RowChange, read_row, store_rows
    from bot.knowledge.overlay import ensure_schema

    key = {"guild_id": "42", "role_slug": MLOPS, "key": "model ops"}
    row = {**key, "alias": "model ops", "op": "add"}
    conn = sqlite3.connect(db, isolation_level=None)
    try:
        conn.execute("begin immediate")
        ensure_schema(conn)  # as every write path session does first
        store_rows(conn, [RowChange("overlay_aliases", key, None, row),
                          RowChange("overlay_aliases", key, row, {**row, "op": "remove"})])
        assert read_row(conn, "overlay_aliases", key) == {**row, "op": "remove"}
        store_rows(conn, [RowChange("overlay_aliases", key, row, None),
                          RowChange("overlay_aliases", key, None, row)])
        assert read_row(conn, "overlay_aliases", key) == row
        store_rows(conn, [RowChange("overlay_aliases", key, None, row),
                          RowChange("overlay_aliases", key, row, None)])
        assert read_row(conn, "overlay_aliases", key) is None
        assert conn.in_transaction  # sqlite-utils never commits the caller's transaction
    finally:
        conn.execute("rollback")
        conn.close()


def test_a_failure_inside_the_batch_write_leaves_the_file_as_it_was(
        db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The batch's rows reach the file through sqlite-utils inside the one BEGIN IMMEDIATE:
    rows written before a failure are rolled back with it."""
    import sqlite_utils.db

    before = db.read_bytes()
    real = sqlite_utils.db.Table.insert_all
    written: list[int] = []

    def fail_halfway(self: sqlite_utils.db.Table, records: object, **kwargs: object) -> object:
        rows = list(records)  # type: ignore[call-overload]
        real(self, rows[:2], **kwargs)  # type: ignore[arg-type]
        written.append(len(rows[:2]))
        raise OSError("disk full")

    monkeypatch.setattr(sqlite_utils.db.Table, "insert_all", fail_halfway)
    with pytest.raises(OSError, match="disk full"):
        edits.apply_changes(db, moderator("42"), faq_import(5), target="faq.yaml")
    assert written == [2]  # rows were written before the failure
    assert db.read_bytes() == before
    monkeypatch.undo()
    entry = edits.apply_changes(db, moderator("42"), faq_import(5), target="faq.yaml")
    assert len(entry.children) == 5
