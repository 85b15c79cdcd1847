"""An owner's global edit and its undo with many edited servers (issue 16).

The write path checks a global name against only the servers whose own rows could make
their views differ (``bot.knowledge.name_reach``). These tests pin that (1) the work does
not grow with the number of servers (views built, counted), (2) refusals are what the
exhaustive check over every server's view gives, compared on random overlays, and (3) a
collision on one server among many is still refused and names that server.
"""

from __future__ import annotations

import json
import random
import shutil
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, ClassVar

import pytest

from bot.knowledge import changes as changes_module
from bot.knowledge import edits
from bot.knowledge.changes import Change, ChangeError, Problem, RowChange, Session
from bot.knowledge.limits import list_items
from bot.knowledge.models import Knowledge
from bot.knowledge.overlay import GLOBAL_SCOPE, LiveView, edited_scopes, ensure_schema, overlay_view
from bot.knowledge.planners import _name_clashes, ambiguous_names, name_owners
from bot.knowledge.store import KnowledgeStore, read_knowledge
from bot.text.names import alias_key
from tests.moderation_support import MLOPS, PM, build, moderator, owner


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build(tmp_path_factory.mktemp("global-edit"))


@pytest.fixture
def db(built: Path, tmp_path: Path) -> Path:
    path = tmp_path / "careerbot.db"
    shutil.copy(built, path)
    return path


def edit_servers(db: Path, servers: int, role: str = MLOPS) -> None:
    """One alias of its own on ``role`` for each of servers 0..servers-1, as the bench does."""
    with sqlite3.connect(db) as conn:
        ensure_schema(conn)
        conn.executemany(
            "insert into overlay_aliases (guild_id, role_slug, key, alias, op) "
            "values (?, ?, ?, ?, 'add')",
            [(str(g), role, alias_key(f"own alias {g}"), f"own alias {g}") for g in range(servers)])
    conn.close()


def last_entry(db: Path) -> int:
    with sqlite3.connect(db) as conn:
        (entry,) = conn.execute("select max(id) from audit_log").fetchone()
    conn.close()
    return int(entry)


# -- cost: what the edit touches, not the number of servers ------------------------------


class CountingView(LiveView):
    built: ClassVar[list[str | None]] = []

    def __init__(self, conn: sqlite3.Connection, base: Knowledge, guild_id: str | None) -> None:
        CountingView.built.append(guild_id)
        super().__init__(conn, base, guild_id)


def views_built(db: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[int, int]:
    """Views the write path builds for an owner's global alias, then for its undo."""
    monkeypatch.setattr(changes_module, "LiveView", CountingView)
    CountingView.built = []
    edits.apply_change(db, owner(), Change("alias.add", {"role": MLOPS, "alias": "global ops"}))
    edit = len(CountingView.built)
    CountingView.built = []
    edits.undo(db, owner(), last_entry(db))
    return edit, len(CountingView.built)


def test_a_global_alias_and_its_undo_build_as_many_views_with_200_servers_as_with_2(
        built: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    counts = {}
    for servers in (2, 200):
        db = tmp_path / f"{servers}.db"
        shutil.copy(built, db)
        edit_servers(db, servers)
        counts[servers] = views_built(db, monkeypatch)
    assert counts[2] == counts[200], counts
    assert counts[200][0] <= 2 and counts[200][1] <= 2, counts  # the global view, not one a server


def test_a_global_edit_keeps_the_stores_list_of_edited_servers(db: Path) -> None:
    """After an owner's edit, the store asks only whether the scopes written are edited,
    rather than listing every server's rows again at the next message."""
    edit_servers(db, 50)
    listed: list[int] = []

    def scopes(conn: sqlite3.Connection) -> frozenset[str]:
        listed.append(1)
        return edited_scopes(conn)

    store = KnowledgeStore(db, overlay=overlay_view, scopes=scopes)
    try:
        assert "own alias 7" in store.knowledge("7").roles[MLOPS].aliases
        edits.apply_change(db, owner(), Change("alias.add", {"role": MLOPS, "alias": "global ops"}))
        store.invalidate()
        for guild in ("7", "8", "12345"):  # edited servers, and one nobody edited
            assert "global ops" in store.knowledge(guild).roles[MLOPS].aliases
        assert "own alias 7" in store.knowledge("7").roles[MLOPS].aliases
        assert store.knowledge("12345") is store.knowledge(None)
        edits.undo(db, owner(), last_entry(db))
        store.invalidate()
        assert "global ops" not in store.knowledge("8").roles[MLOPS].aliases
        assert len(listed) == 1
    finally:
        store.close()


# -- refusals: a collision on one server among many ---------------------------------------


def test_a_global_alias_colliding_on_one_server_among_many_is_refused_naming_it(db: Path) -> None:
    edit_servers(db, 300)
    edits.apply_change(db, moderator("137"), Change("alias.add", {"role": MLOPS, "alias": "modelops"}))
    before = db.read_bytes()
    with pytest.raises(ChangeError) as info:
        edits.apply_change(db, owner(), Change("alias.add", {"role": PM, "alias": "Model Ops"}))
    assert [str(p) for p in info.value.problems] == \
        ["alias: 'Model Ops' is already used by MLOps Engineer on server 137"]
    assert db.read_bytes() == before
    # the role the server's alias belongs to may take it globally
    edits.apply_change(db, owner(), Change("alias.add", {"role": MLOPS, "alias": "Model Ops"}))


def test_a_global_name_a_server_gave_another_role_is_refused(db: Path) -> None:
    edit_servers(db, 100)
    edits.apply_change(db, moderator("61"), Change("role.set", {"role": PM, "field": "name",
                                                                 "value": "Model Steward"}))
    with pytest.raises(ChangeError) as info:
        edits.apply_change(db, owner(), Change("alias.add", {"role": MLOPS, "alias": "model steward"}))
    assert "already used by Model Steward on server 61" in str(info.value)
    with pytest.raises(ChangeError) as info:
        edits.apply_change(db, owner(), Change("role.add", {"slug": "model-steward", "document": {
            "slug": "model-steward", "name": "Model Stewards", "focus": "Looks after models."}}))
    assert "on server 61" in str(info.value)


def test_undoing_a_global_change_refused_when_one_server_among_many_would_be_ambiguous(
        db: Path) -> None:
    edit_servers(db, 200)
    edits.apply_change(db, owner(), Change("alias.add", {"role": MLOPS, "alias": "ml platform"}))
    edits.apply_change(db, owner(), Change("alias.remove", {"role": MLOPS, "alias": "ml platform"}))
    removed = last_entry(db)
    # with the global alias gone, server 150 gives the name to another role
    edits.apply_change(db, moderator("150"), Change("alias.add", {"role": PM, "alias": "ML Platform"}))
    before = db.read_bytes()
    with pytest.raises(ChangeError) as info:
        edits.undo(db, owner(), removed)
    assert "would make the name 'mlplatform' mean both" in str(info.value)
    assert db.read_bytes() == before


def test_a_global_alias_clashing_everywhere_lists_every_server_as_before(db: Path) -> None:
    edit_servers(db, 30)
    pm_alias = read_base(db).roles[PM].aliases[0]
    with pytest.raises(ChangeError) as info:
        edits.apply_change(db, owner(), Change("alias.add", {"role": MLOPS, "alias": pm_alias}))
    problems = [str(p) for p in info.value.problems]
    used = f"alias: {pm_alias!r} is already used by AI Product Manager"
    assert problems == [used, *(f"{used} on server {g}" for g in sorted(str(g) for g in range(30)))]


def read_base(db: Path) -> Knowledge:
    conn = sqlite3.connect(db)
    conn.row_factory = sqlite3.Row
    try:
        return read_knowledge(conn)
    finally:
        conn.close()


# -- the same answers as looking at every server's view ------------------------------------


def exhaustive_clashes(s: Session, slug: str, names: Sequence[tuple[str, str]]) -> list[Problem]:
    """The check as it was: every view a global change reaches, built and looked at."""
    problems: list[Problem] = []
    for knowledge in s.affected_views():
        owners = name_owners(knowledge)
        for path, name in names:
            others = owners.get(alias_key(name), set()) - {slug}
            if others:
                where = f" on server {knowledge.guild_id}" if knowledge.guild_id else ""
                used_by = ", ".join(sorted(knowledge.roles[o].name for o in others))
                problem = Problem(path, f"{name!r} is already used by {used_by}{where}")
                if problem not in problems:
                    problems.append(problem)
    return problems


def first_ambiguity(conn: sqlite3.Connection, writes: Sequence[RowChange],
                    scopes: Sequence[str] | None) -> tuple[str, Any] | None:
    """What undo's check finds writing ``writes`` globally, over ``scopes`` (None: the
    scopes ``edits._undo_scopes`` picks); the writes are rolled back after."""
    conn.execute("savepoint probe")
    try:
        s = Session(conn, GLOBAL_SCOPE, scratch=True)
        if scopes is None:
            scopes = edits._undo_scopes(s, [w.inverted() for w in writes])
        known = [ambiguous_names(s.view(scope)) for scope in scopes]
        for write in writes:
            s.write(write)
        for scope, before in zip(scopes, known, strict=True):
            if new := ambiguous_names(s.view(scope)) - before:
                return scope, sorted(new)[0]
        return None
    finally:
        conn.execute("rollback to probe")
        conn.execute("release probe")


class Overlays:
    """Random overlay rows for many servers: aliases added and hidden, names set, roles
    added, sources, figures, a role near the alias limit, on a pool of shared names."""

    def __init__(self, conn: sqlite3.Connection, base: Knowledge, seed: int) -> None:
        self.conn = conn
        self.rng = random.Random(seed)
        self.slugs = sorted(base.roles)
        self.base = base
        taken = sorted({n for r in base.roles.values() for n in (r.name, *r.aliases)})
        self.pool = [*self.rng.sample(taken, 12), *(f"shared name {i}" for i in range(8))]

    def alias(self, guild: str, role: str, name: str, op: str = "add") -> None:
        self.conn.execute("insert or replace into overlay_aliases values (?, ?, ?, ?, ?)",
                          (guild, role, alias_key(name), name, op))

    def fill(self, servers: int) -> None:
        rng = self.rng
        for g in range(servers):
            guild = str(g)
            self.alias(guild, MLOPS, f"own alias {g}")
            for _ in range(rng.randrange(3)):
                kind = rng.choice(["alias", "alias", "hide", "name", "role", "field", "source"])
                role = rng.choice(self.slugs)
                if kind == "alias":
                    self.alias(guild, role, rng.choice(self.pool))
                elif kind == "hide" and self.base.roles[role].aliases:
                    self.alias(guild, role, rng.choice(self.base.roles[role].aliases), "remove")
                elif kind == "name":
                    self.conn.execute("insert or replace into overlay_fields values "
                                      "(?, ?, '', 'name', ?)",
                                      (guild, role, json.dumps(rng.choice(self.pool))))
                elif kind == "role":
                    name = rng.choice(self.pool)
                    self.conn.execute("insert or replace into overlay_roles values (?, ?, ?)", (
                        guild, f"added-{g}", json.dumps({
                            "slug": f"added-{g}", "name": f"Added {g}", "focus": "Added.",
                            "aliases": [name]})))
                elif kind == "field":
                    self.conn.execute("insert or replace into overlay_fields values "
                                      "(?, ?, '', 'focus', ?)", (guild, role, json.dumps("Edited.")))
                elif kind == "source":
                    self.conn.execute("insert or replace into overlay_sources values (?, ?, ?)", (
                        guild, f"club-{g}", json.dumps({"id": f"club-{g}", "name": "Club",
                                                        "kind": "survey", "date": "2026-02"})))
        # one server at the alias limit on a role, so a global alias pushes it past
        crowded = self.rng.choice(self.slugs)
        room = list_items("aliases") - len(self.base.roles[crowded].aliases)
        for i in range(room):
            self.alias(str(servers - 1), crowded, f"crowd {i}")
        for _ in range(4):
            self.alias(GLOBAL_SCOPE, rng.choice(self.slugs), rng.choice(self.pool),
                       rng.choice(["add", "remove"]))

    def global_writes(self) -> list[RowChange]:
        """A few random global writes, as an undo would make them."""
        writes = []
        for _ in range(self.rng.randrange(1, 4)):
            role, name = self.rng.choice(self.slugs), self.rng.choice(self.pool)
            kind = self.rng.choice(["alias", "hide", "name"])
            if kind == "name":
                key = {"guild_id": GLOBAL_SCOPE, "role_slug": role, "source": "", "field": "name"}
                table, after = "overlay_fields", {**key, "value": json.dumps(name)}
            else:
                key = {"guild_id": GLOBAL_SCOPE, "role_slug": role, "key": alias_key(name)}
                table = "overlay_aliases"
                after = {**key, "alias": name, "op": "add" if kind == "alias" else "remove"}
            before = changes_module.read_row(self.conn, table, key)
            writes.append(RowChange(table, key, before, self.rng.choice([after, None])))
        return writes


@contextmanager
def rolled_back(db: Path) -> Iterator[sqlite3.Connection]:
    """A connection inside one write transaction, rolled back afterwards: each test's
    overlays are written where the write path reads them and leave nothing behind."""
    conn = sqlite3.connect(db, isolation_level=None)
    conn.row_factory = sqlite3.Row
    conn.execute("begin immediate")
    try:
        ensure_schema(conn)
        yield conn
    finally:
        conn.execute("rollback")
        conn.close()


@pytest.fixture
def random_world(db: Path) -> Iterator[tuple[sqlite3.Connection, Overlays]]:
    with rolled_back(db) as conn:
        yield conn, Overlays(conn, read_knowledge(conn), seed=16)


def test_global_name_checks_find_what_checking_every_view_finds(
        random_world: tuple[sqlite3.Connection, Overlays]) -> None:
    conn, world = random_world
    world.fill(80)
    names = [*world.pool, "nobody's name"]
    refused = 0
    for role in world.slugs:
        for name in names:
            fast = _name_clashes(Session(conn, GLOBAL_SCOPE), role, [("alias", name)])
            full = exhaustive_clashes(Session(conn, GLOBAL_SCOPE), role, [("alias", name)])
            assert fast == full, (role, name)
            refused += bool(full)
    assert 0 < refused < len(world.slugs) * len(names)  # both outcomes were compared
    for name in names[:6]:  # a role's name and an added role's names at once
        listed = [("name", name), ("slug", "brand-new"), ("aliases[0]", names[-2])]
        assert _name_clashes(Session(conn, GLOBAL_SCOPE), "brand-new", listed) == \
            exhaustive_clashes(Session(conn, GLOBAL_SCOPE), "brand-new", listed)


def test_undo_checks_find_what_checking_every_view_finds(
        random_world: tuple[sqlite3.Connection, Overlays]) -> None:
    conn, world = random_world
    world.fill(60)
    found = 0
    for _ in range(120):
        writes = world.global_writes()
        every = [GLOBAL_SCOPE, *Session(conn, GLOBAL_SCOPE).guild_scopes()]
        full = first_ambiguity(conn, writes, every)
        assert first_ambiguity(conn, writes, None) == full, writes
        found += full is not None and full[0] != GLOBAL_SCOPE
    assert found  # some undos were refused for a server's view alone


# -- the rarer ways a server's view differs: each needs its own rule of name_reach --------


@pytest.fixture
def world(db: Path) -> Iterator[tuple[sqlite3.Connection, Overlays]]:
    with rolled_back(db) as conn:
        overlays = Overlays(conn, read_knowledge(conn), seed=0)
        for g in range(40):  # servers that must not matter
            overlays.alias(str(g), MLOPS, f"own alias {g}")
        yield conn, overlays


def crowd(world: Overlays, guild: str, role: str, aliases: int) -> None:
    for i in range(aliases):
        world.alias(guild, role, f"crowd {i}")


def test_a_server_past_the_alias_limit_sees_the_base_role_in_a_global_check(
        world: tuple[sqlite3.Connection, Overlays]) -> None:
    """Server 77 has more aliases on the PM than the limit allows (the files added some
    since), so its view shows the base's PM, with the alias the owner hid."""
    conn, overlays = world
    hidden = overlays.base.roles[PM].aliases[0]
    overlays.alias(GLOBAL_SCOPE, PM, hidden, "remove")
    crowd(overlays, "77", PM, list_items("aliases") + 2 - len(overlays.base.roles[PM].aliases))
    fast = _name_clashes(Session(conn, GLOBAL_SCOPE), MLOPS, [("alias", hidden)])
    assert fast == exhaustive_clashes(Session(conn, GLOBAL_SCOPE), MLOPS, [("alias", hidden)])
    assert [p.message for p in fast] == [f"{hidden!r} is already used by AI Product Manager "
                                         "on server 77"]


def test_an_undo_pushing_a_servers_role_past_the_alias_limit_is_checked_there(
        world: tuple[sqlite3.Connection, Overlays]) -> None:
    """Server 88 is at the limit on the PM; an undo giving the PM one more alias globally
    makes its view show the base's PM, whose hidden alias the MLOps Engineer now has."""
    conn, overlays = world
    hidden = overlays.base.roles[PM].aliases[0]
    overlays.alias(GLOBAL_SCOPE, PM, hidden, "remove")
    overlays.alias(GLOBAL_SCOPE, MLOPS, hidden)
    crowd(overlays, "88", PM, list_items("aliases") + 1 - len(overlays.base.roles[PM].aliases))
    key = {"guild_id": GLOBAL_SCOPE, "role_slug": PM, "key": "onealiasmore"}
    writes = [RowChange("overlay_aliases", key, None, {**key, "alias": "one alias more", "op": "add"})]
    every = [GLOBAL_SCOPE, *Session(conn, GLOBAL_SCOPE).guild_scopes()]
    found = first_ambiguity(conn, writes, every)
    assert found is not None and found[0] == "88"
    assert first_ambiguity(conn, writes, None) == found


def test_an_undo_bringing_back_a_global_role_past_the_limit_is_checked_where_its_aliases_clash(
        world: tuple[sqlite3.Connection, Overlays]) -> None:
    """The PM has more global aliases than the limit, so every view shows the base's PM;
    server 99 gave one of them to the MLOps Engineer. Undoing one global alias brings the
    PM's aliases back: in server 99 that name means both."""
    conn, overlays = world
    extra = list_items("aliases") + 1 - len(overlays.base.roles[PM].aliases)
    for i in range(extra):
        overlays.alias(GLOBAL_SCOPE, PM, f"global alias {i}")
    overlays.alias("99", MLOPS, "global alias 5")
    key = {"guild_id": GLOBAL_SCOPE, "role_slug": PM, "key": alias_key("global alias 0")}
    writes = [RowChange("overlay_aliases", key,
                        {**key, "alias": "global alias 0", "op": "add"}, None)]
    every = [GLOBAL_SCOPE, *Session(conn, GLOBAL_SCOPE).guild_scopes()]
    found = first_ambiguity(conn, writes, every)
    assert found is not None and found[0] == "99"
    assert first_ambiguity(conn, writes, None) == found


def test_only_a_server_standing_in_for_a_shared_source_is_checked(
        db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Servers' own sources (new ids) change no role of the global view; one with the id
    of a base source replaces it in that server's view, so that server is looked at."""
    shared = next(iter(read_base(db).sources))
    with sqlite3.connect(db) as conn:
        ensure_schema(conn)
        conn.executemany("insert into overlay_sources values (?, ?, ?)", [
            (str(g), f"club-{g}", json.dumps({"id": f"club-{g}", "name": "Club", "kind": "survey",
                                               "date": "2026-02"})) for g in range(60)])
        conn.execute("insert into overlay_sources values ('7', ?, ?)", (shared, json.dumps(
            {"id": shared, "name": "Ours", "kind": "survey", "date": "2026-02"})))
    conn.close()
    monkeypatch.setattr(changes_module, "LiveView", CountingView)
    CountingView.built = []
    edits.apply_change(db, owner(), Change("alias.add", {"role": MLOPS, "alias": "global ops"}))
    assert sorted(CountingView.built, key=str) == ["7", None]
