"""Moderators' overlays: the tables they are stored in and the per-server views they make.

A server's view of the knowledge is the global base (built from ``knowledge/``) with two
overlays on top, applied in this order:

1. scope ``"*"``: the bot owner's edits to the global base (``careerbot kb set`` without
   ``--guild``). They live here rather than in the files because the files are the
   reviewed source of truth and a rebuild must not lose them; every view, global or
   per-server, includes them. ``careerbot kb export`` turns them into a file to review.
2. scope ``"<guild id>"``: that server's moderators' edits, seen by that server only.

Overlays are small tables that the builder does not own, so ``build_database`` carries
them over to every rebuilt database (see ``build._copy_preserved``). They are created
lazily by the first write (``ensure_schema``); reading never creates anything, so a
refused edit leaves the database file exactly as it was.

Overlay rows are stored *sparsely* (one row per changed figure, alias or section), so a
figure the owner later corrects in the files still flows through to a server that only
edited a different figure of the same role.

``overlay_view`` builds a view from all of a scope's rows. A write transaction that plans
many changes (an import) needs the view after each one, and rebuilding it every time made
imports cost quadratically; ``LiveView`` builds it once and then re-reads only the rows a
write touched (one FAQ entry, one role), so a batch costs in proportion to its size.
"""

from __future__ import annotations

import bisect
import json
import logging
import sqlite3
import threading
from collections import OrderedDict, defaultdict
from collections.abc import Mapping
from dataclasses import fields as dataclass_fields
from dataclasses import replace
from typing import Any

from bot.knowledge.documents import role_document, set_stat, source_from_document, with_derived
from bot.knowledge.limits import list_items
from bot.knowledge.models import FaqEntry, Knowledge, Role, Source, ViewChanges
from bot.knowledge.validation import Checker, parse_role
from bot.text.names import alias_key, fold

log = logging.getLogger(__name__)

#: The scope of the owner's edits to the global base.
GLOBAL_SCOPE = "*"

SCHEMA: tuple[str, ...] = (
    # One changed figure (source = the snapshot's source id) or role section (source = '').
    """create table if not exists overlay_fields (
        guild_id text not null, role_slug text not null, source text not null default '',
        field text not null, value text,
        primary key (guild_id, role_slug, source, field))""",
    # An alias added to, or hidden from, a role in one scope.
    """create table if not exists overlay_aliases (
        guild_id text not null, role_slug text not null, key text not null,
        alias text not null, op text not null check (op in ('add', 'remove')),
        primary key (guild_id, role_slug, key))""",
    # A role added in one scope: its whole document, in the shape of a role file.
    """create table if not exists overlay_roles (
        guild_id text not null, slug text not null, document text not null,
        primary key (guild_id, slug))""",
    # A source added in one scope, so moderators' figures can cite it.
    """create table if not exists overlay_sources (
        guild_id text not null, id text not null, document text not null,
        primary key (guild_id, id))""",
    # FAQ entries written in one scope; ids come from overlay_counters and are never reused.
    """create table if not exists overlay_faq (
        id integer primary key, guild_id text not null, question text not null,
        answer text not null, tags text not null default '[]', source text)""",
    """create index if not exists overlay_faq_guild on overlay_faq (guild_id)""",
    # Which servers' rows touch a name or a role (``bot.knowledge.name_reach``): an
    # owner's global edit checks those servers' views, not every server's.
    """create index if not exists overlay_aliases_key on overlay_aliases (key)""",
    """create index if not exists overlay_aliases_role on overlay_aliases (role_slug, op, guild_id)""",
    """create index if not exists overlay_fields_role on overlay_fields (role_slug, guild_id)""",
    """create index if not exists overlay_fields_field on overlay_fields (field, source)""",
    """create table if not exists overlay_counters (name text primary key, value integer not null)""",
    # Per-server settings.
    """create table if not exists guild_settings (
        guild_id text primary key, prefix text, unasked integer)""",
    """create table if not exists guild_mod_roles (
        guild_id text not null, role_id text not null, primary key (guild_id, role_id))""",
    """create table if not exists guild_qa_channels (
        guild_id text not null, channel_id text not null, primary key (guild_id, channel_id))""",
    # Every change: who, where, when, what, before and after (JSON), and the raw rows
    # written (JSON), from which ``undo`` restores exactly what was there.
    """create table if not exists audit_log (
        id integer primary key, at text not null, guild_id text not null,
        actor_id text not null, actor_name text not null, via text not null,
        action text not null, target text not null, before text, after text,
        undo_of integer, parent_id integer, row_changes text not null default '[]')""",
    """create index if not exists audit_log_guild on audit_log (guild_id, id)""",
    """create index if not exists audit_log_parent on audit_log (parent_id)""",
)

OVERLAY_TABLES = ("overlay_fields", "overlay_aliases", "overlay_roles", "overlay_sources",
                  "overlay_faq")
#: First id of a moderator-written FAQ entry: far above the file-built entries' ids, so an
#: id names one entry across the global FAQ and every server's.
FAQ_FIRST_ID = 100_001


def ensure_schema(conn: sqlite3.Connection) -> None:
    """Create the overlay, settings and audit tables if missing (inside the caller's transaction)."""
    for statement in SCHEMA:
        conn.execute(statement)


#: The tables planning reads and writes besides the base: overlays, their counters and
#: server settings (not the audit log, which planning neither reads nor needs).
PLANNING_TABLES = (*OVERLAY_TABLES, "overlay_counters", "guild_settings", "guild_mod_roles",
                   "guild_qa_channels")


def copy_planning_tables(source: sqlite3.Connection, target: sqlite3.Connection) -> None:
    """Copy every row of ``PLANNING_TABLES`` that ``source`` has into ``target`` (whose
    schema ``ensure_schema`` made), so a batch can be planned on the copy while the file
    stays unlocked. Only columns both have are copied (an older file may lack some)."""
    present = present_tables(source)
    target.execute("begin")
    for table in PLANNING_TABLES:
        if table not in present:
            continue
        wanted = [r[1] for r in target.execute(f"pragma table_info({table})")]
        have = {r[1] for r in source.execute(f"pragma table_info({table})")}
        columns = ", ".join(c for c in wanted if c in have)
        marks = ", ".join("?" for c in wanted if c in have)
        target.executemany(f"insert into {table} ({columns}) values ({marks})",
                           source.execute(f"select {columns} from {table}"))
    target.execute("commit")


#: The tables of the last few connections read, with the schema version they were read at:
#: every server's view asks, and ``PRAGMA schema_version`` costs a third of listing them.
_PRESENT: OrderedDict[int, tuple[sqlite3.Connection, int, frozenset[str]]] = OrderedDict()
_PRESENT_KEPT = 8
_PRESENT_LOCK = threading.Lock()


def present_tables(conn: sqlite3.Connection) -> set[str]:
    (version,) = conn.execute("pragma schema_version").fetchone()
    with _PRESENT_LOCK:
        kept = _PRESENT.get(id(conn))
    if kept is not None and kept[0] is conn and kept[1] == version:
        return set(kept[2])
    names = frozenset(name for (name,) in conn.execute(
        "select name from sqlite_master where type = 'table'"))
    with _PRESENT_LOCK:
        _PRESENT[id(conn)] = (conn, version, names)
        while len(_PRESENT) > _PRESENT_KEPT:
            _PRESENT.popitem(last=False)
    return set(names)


def scopes_for(guild_id: str | int | None) -> tuple[str, ...]:
    """The overlay scopes a view applies, lowest first."""
    if guild_id is None or str(guild_id) == GLOBAL_SCOPE:
        return (GLOBAL_SCOPE,)
    return (GLOBAL_SCOPE, str(guild_id))


def edited_scopes(conn: sqlite3.Connection) -> frozenset[str]:
    """Every scope that has at least one overlay row (``"*"`` among them when the owner
    edited). One query, which the store runs once per data version: a server not listed
    sees exactly the global view, so the store hands it that very object and every cache
    keyed on the view (answers, chat catalogue, alias index) is shared with it."""
    tables = [t for t in OVERLAY_TABLES if t in present_tables(conn)]
    if not tables:
        return frozenset()
    union = " union ".join(f"select guild_id from {t}" for t in tables)  # constant names
    return frozenset(str(g) for (g,) in conn.execute(union))


def scope_is_edited(conn: sqlite3.Connection, scope: str) -> bool:
    """Whether ``scope`` has any overlay row (``edited_scopes`` for one scope: after a
    write, the store asks this of the scopes written rather than listing every one)."""
    present = present_tables(conn)
    return any(conn.execute(f"select 1 from {t} where guild_id = ? limit 1",  # constant names
                            (scope,)).fetchone() is not None
               for t in OVERLAY_TABLES if t in present)


def scope_rows(conn: sqlite3.Connection, table: str, scopes: tuple[str, ...],
               present: set[str] | None = None) -> list[sqlite3.Row]:
    """Rows of an overlay table for ``scopes``, the global scope's first."""
    if table not in (present if present is not None else present_tables(conn)):
        return []
    marks = ", ".join("?" for _ in scopes)
    cursor = conn.cursor()
    cursor.row_factory = sqlite3.Row
    cursor.execute(
        f"select * from {table} where guild_id in ({marks}) "  # table: a constant name
        f"order by case guild_id when '{GLOBAL_SCOPE}' then 0 else 1 end, rowid",
        scopes,
    )
    return cursor.fetchall()


def _overlay_rows(conn: sqlite3.Connection, scopes: tuple[str, ...],
                  present: set[str]) -> dict[str, list[sqlite3.Row]]:
    """Every overlay table's rows for ``scopes`` (``scope_rows``). One query first says
    which tables hold any, and only those are read: a server usually edited one kind of
    thing, and five reads cost about twice the probe and the one read."""
    rows: dict[str, list[sqlite3.Row]] = {table: [] for table in OVERLAY_TABLES}
    tables = [t for t in OVERLAY_TABLES if t in present]
    if not tables:
        return rows
    marks = ", ".join("?" for _ in scopes)
    probe = ", ".join(f"exists (select 1 from {t} where guild_id in ({marks}))"  # constant names
                      for t in tables)
    held = tuple(conn.execute(f"select {probe}", scopes * len(tables)).fetchone())
    for table, has in zip(tables, held, strict=True):
        if has:
            rows[table] = scope_rows(conn, table, scopes, present)
    return rows


def apply_role_overrides(doc: dict[str, Any], fields: list[sqlite3.Row],
                         aliases: list[sqlite3.Row]) -> dict[str, Any]:
    """Apply overlay rows (already in scope order) to a role document, returning a new one."""

    doc = json.loads(json.dumps(doc))  # a deep copy of plain data
    for row in fields:
        value = json.loads(row["value"]) if row["value"] is not None else None
        if not row["source"]:
            if value is None:
                doc.pop(row["field"], None)
            else:
                doc[row["field"]] = value
            continue
        stats = doc.setdefault("stats", [])
        entry = next((s for s in stats if s.get("source") == row["source"]), None)
        if entry is None:
            entry = {"source": row["source"]}
            stats.append(entry)
        set_stat(entry, row["field"], value)
    if aliases:
        doc["aliases"] = _with_aliases(list(doc.get("aliases") or []), aliases)
    return doc


def _with_aliases(current: list[str], aliases: list[sqlite3.Row]) -> list[str]:
    """A role's aliases with alias rows (already in scope order) added or removed."""

    for row in aliases:
        keys = [alias_key(a) for a in current]
        if row["op"] == "add" and row["key"] not in keys:
            current.append(row["alias"])
        elif row["op"] == "remove":
            current = [a for a, k in zip(current, keys, strict=True) if k != row["key"]]
    return current


def parse_role_document(doc: dict[str, Any], sources: dict[str, Source]) -> tuple[Role | None, list[str]]:
    """A Role from a document, with the problems the file validator finds in it."""
    check = Checker(str(doc.get("slug") or "role"))
    role = parse_role(doc, f"{doc.get('slug')}.yaml", sources, check)
    return role, check.problems


def _faq_entry(row: sqlite3.Row, sources: Mapping[str, Source]) -> FaqEntry:
    return FaqEntry(
        id=row["id"], question=row["question"], answer=row["answer"],
        tags=tuple(json.loads(row["tags"] or "[]")), guild_id=row["guild_id"],
        source=sources.get(row["source"]) if row["source"] else None,
    )


def _added_role(row: sqlite3.Row, sources: dict[str, Source]) -> Role | None:
    """The role an ``overlay_roles`` row adds, or None (logged) if it no longer validates."""
    role, problems = parse_role_document(json.loads(row["document"]), sources)
    if problems or role is None:
        log.warning("role %s added in %s no longer validates, so it is not shown: %s",
                    row["slug"], row["guild_id"], "; ".join(problems))
        return None
    return role


def _edited_role(role: Role, fields: list[sqlite3.Row], aliases: list[sqlite3.Row],
                 sources: dict[str, Source], scopes: tuple[str, ...]) -> Role:
    """``role`` with its overlay fields and aliases applied, or as it was (logged) if the
    edits no longer validate against it.

    Only aliases edited (the commonest edit): the aliases are checked as the role file's
    validator checks them and set on the role, rather than the role written out as a
    document and parsed back whole, which cost about 1.5 ms a role and was paid for every
    edited server when a view is built (an owner's global edit builds them all). The
    result is the same role (a test compares the two ways)."""
    if not fields:
        current = _with_aliases(list(role.aliases), aliases)
        kept = set(role.aliases)  # the base's aliases passed these checks when it was built
        added = [a for a in current if a not in kept]
        check = Checker(role.slug)
        checked = iter(check.texts({"aliases": added}, "aliases", ""))
        if len(current) > list_items("aliases"):
            check.fail("aliases", f"has {len(current):,} items; the limit is "
                                  f"{list_items('aliases'):,}")
        if check.problems:
            log.warning("edits to %s in %s no longer validate against the base, so they are "
                        "not shown: %s", role.slug, ",".join(scopes), "; ".join(check.problems))
            return role
        return replace(role, aliases=tuple(a if a in kept else next(checked) for a in current))
    doc = apply_role_overrides(role_document(role), fields, aliases)
    edited, problems = parse_role_document(doc, sources)
    if problems or edited is None:
        log.warning("edits to %s in %s no longer validate against the base, so they are "
                    "not shown: %s", role.slug, ",".join(scopes), "; ".join(problems))
        return role
    return with_derived(edited, role)


def overlay_view(conn: sqlite3.Connection, base: Knowledge, guild_id: str | None,
                 parent: Knowledge | None = None) -> Knowledge:
    """The knowledge as ``guild_id`` sees it (None: the global view with the owner's edits).

    This is the ``overlay`` callable of ``KnowledgeStore``. With no overlay rows it returns
    ``base`` itself, so a server nobody edited shares the global view's caches. Given
    ``parent`` (the global view, for a server's view), the result is linked to it
    (``share_parent``): it holds the parent's very objects for everything it did not
    change and says what it did, so what is derived from the parent can be reused.
    """
    present = present_tables(conn)
    scopes = scopes_for(guild_id)
    view_id = None if guild_id is None else str(guild_id)
    rows = _overlay_rows(conn, scopes, present)
    if not any(rows.values()):
        return base if view_id is None else replace(base, guild_id=view_id)

    sources = dict(base.sources)
    for row in rows["overlay_sources"]:
        source = source_from_document(json.loads(row["document"]))
        sources[source.id] = source
    source_changed = len(sources) != len(base.sources)

    # Edits were validated when made; if the base has since changed under them (a source
    # they cite was removed from the files), they are left out rather than shown with a
    # figure whose source is gone. The warning names them; the rows stay for a fix.
    roles = dict(base.roles)
    for row in rows["overlay_roles"]:
        role = _added_role(row, sources)
        if role is not None:
            roles[role.slug] = role

    fields: dict[str, list[sqlite3.Row]] = defaultdict(list)
    for row in rows["overlay_fields"]:
        fields[row["role_slug"]].append(row)
    aliases: dict[str, list[sqlite3.Row]] = defaultdict(list)
    for row in rows["overlay_aliases"]:
        aliases[row["role_slug"]].append(row)
    for slug in fields.keys() | aliases.keys():
        role = roles.get(slug)
        if role is None:
            continue  # an edit to a role the files no longer have: kept, shown again if it returns
        roles[slug] = _edited_role(role, fields[slug], aliases[slug], sources, scopes)

    # Without FAQ rows of its own a view keeps the base's tuple itself, so the FAQ index
    # made for it (``bot.core.chat.catalog.shared_faq_index``) serves every such view.
    faq = base.faq + tuple(_faq_entry(row, sources) for row in rows["overlay_faq"])
    sources = sources if source_changed else base.sources
    if parent is None:
        return Knowledge(roles=roles, sources=sources, market=base.market, faq=faq,
                         guild_id=view_id)
    touched = {row["slug"] for row in rows["overlay_roles"]} | fields.keys() | aliases.keys()
    changes = share_parent(roles, parent, touched)
    faq = parent.faq if faq == parent.faq else faq
    sources = parent.sources if sources == parent.sources else sources
    changes = replace(changes, faq=faq is not parent.faq, sources=sources is not parent.sources)
    return Knowledge(roles=roles, sources=sources, market=base.market, faq=faq,
                     guild_id=view_id, parent=parent, changes=changes)


#: A role's fields a reply shows besides its alias list (see ``ViewChanges.content``).
_SHOWN_FIELDS = tuple(f.name for f in dataclass_fields(Role) if f.name != "aliases")


def share_parent(roles: dict[str, Role], parent: Knowledge, touched: set[str]) -> ViewChanges:
    """What a view's ``roles`` change against ``parent``, the view it was made from; a
    role equal to the parent's is replaced (in ``roles``) by the parent's object, so
    the view holds the parent's very objects for everything it did not change.

    ``touched`` names every slug the overlay's rows concern (edited, added): a role no
    row concerns is the base's object in both views, so only these are compared, and the
    cost follows the rows, not the catalogue."""
    changed: set[str] = set()
    names: set[str] = set()
    content: set[str] = set()
    for slug in sorted(touched):
        mine, theirs = roles.get(slug), parent.roles.get(slug)
        if mine is theirs:
            continue
        if mine is None or theirs is None:
            changed.add(slug)
            names.add(slug)
            content.add(slug)
            continue
        named = (mine.name, mine.aliases) != (theirs.name, theirs.aliases)
        shown = mine.handle != theirs.handle or any(
            getattr(mine, name) != getattr(theirs, name) for name in _SHOWN_FIELDS)
        if not named and not shown:
            roles[slug] = theirs  # the same role: hold the parent's object
            continue
        changed.add(slug)
        if named:
            names.add(slug)
        if shown:
            content.add(slug)
    return ViewChanges(roles=frozenset(changed), names=frozenset(names),
                       content=frozenset(content))


def question_key(question: str) -> str:
    """How FAQ questions are compared for "already asked": case, accents and spacing ignored."""

    return fold(" ".join(question.split()))


#: Which column of an overlay table names the role a row belongs to.
_ROLE_COLUMN = {"overlay_fields": "role_slug", "overlay_aliases": "role_slug",
                "overlay_roles": "slug"}
#: Rows written since the view was last brought up to date beyond which rebuilding it
#: whole is cheaper than re-reading each (``undo`` of a large import writes many at once).
MAX_PENDING_ROWS = 64


class LiveView:
    """One scope's view, kept current as a transaction writes overlay rows.

    Built once with ``overlay_view``; after that ``touch`` notes each row written and the
    next ``knowledge`` re-reads only those: an FAQ entry by its id, a role (its added
    document, fields and aliases) by its slug. A new source may change which figures
    validate anywhere, so touching ``overlay_sources`` rebuilds the whole view. The result
    equals ``overlay_view`` on the same rows (a test checks this after mixed batches).
    """

    def __init__(self, conn: sqlite3.Connection, base: Knowledge, guild_id: str | None) -> None:
        self._conn = conn
        self._base = base
        self._guild_id = guild_id
        self._scopes = scopes_for(guild_id)
        self._pending: list[tuple[str, Mapping[str, Any], Mapping[str, Any] | None]] = []
        self._questions: dict[str, list[FaqEntry]] | None = None
        self._rebuild()

    def _rebuild(self) -> None:
        view = overlay_view(self._conn, self._base, self._guild_id)
        self._knowledge: Knowledge | None = view
        self._roles = view.roles
        self._roles_shared = True  # the dict is the built view's: copy before changing it
        self._sources = view.sources
        self._extra_faq = list(view.faq[len(self._base.faq):])  # sorted by _faq_order
        self._faq_by_id = {e.id: e for e in self._extra_faq}
        self._questions = None
        self._pending.clear()

    def touch(self, table: str, key: Mapping[str, Any], row: Mapping[str, Any] | None) -> None:
        """Note that ``table``'s row at ``key`` was written (``row``: its new value)."""
        if table in OVERLAY_TABLES:
            self._pending.append((table, key, row))

    @property
    def knowledge(self) -> Knowledge:
        if self._pending:
            self._catch_up()
        if self._knowledge is None:
            self._knowledge = Knowledge(
                roles=self._roles, sources=self._sources, market=self._base.market,
                faq=self._base.faq + tuple(self._extra_faq),
                guild_id=None if self._guild_id is None else str(self._guild_id))
            self._roles_shared = True
        return self._knowledge

    def faq_asking(self, question: str) -> list[int]:
        """The ids of this view's FAQ entries asking ``question`` (see ``question_key``),
        in the view's order."""
        if self._pending:
            self._catch_up()
        if self._questions is None:
            self._questions = defaultdict(list)
            for entry in self.knowledge.faq:
                self._questions[question_key(entry.question)].append(entry)
        position = {e.id: i for i, e in enumerate(self._base.faq)}
        found = self._questions.get(question_key(question), [])
        return [e.id for e in sorted(found, key=lambda e: (
            (0, position[e.id], 0) if e.guild_id is None else (1, *self._faq_order(e))))]

    # -- bringing the view up to date -------------------------------------------------------

    def _catch_up(self) -> None:
        pending, self._pending = self._pending, []
        tables = {table for table, _, _ in pending}
        if len(pending) > MAX_PENDING_ROWS or "overlay_sources" in tables:
            self._rebuild()
            return
        faq_ids = {int(key["id"]) for table, key, _ in pending if table == "overlay_faq"}
        slugs = {str(key[_ROLE_COLUMN[table]]) for table, key, _ in pending
                 if table in _ROLE_COLUMN}
        for entry_id in sorted(faq_ids):
            self._refresh_faq(entry_id)
        for slug in sorted(slugs):
            self._refresh_role(slug)
        self._knowledge = None

    def _faq_order(self, entry: FaqEntry) -> tuple[int, int]:
        """Where an overlay entry sits: the global scope's first, then by id (its rowid)."""
        return (0 if entry.guild_id == GLOBAL_SCOPE else 1, entry.id)

    def _rows(self, table: str, where: str, *params: Any) -> list[sqlite3.Row]:
        marks = ", ".join("?" for _ in self._scopes)
        cursor = self._conn.cursor()
        cursor.row_factory = sqlite3.Row
        cursor.execute(
            f"select * from {table} where guild_id in ({marks}) and {where} "  # constant names
            f"order by case guild_id when '{GLOBAL_SCOPE}' then 0 else 1 end, rowid",
            (*self._scopes, *params))
        return cursor.fetchall()

    def _refresh_faq(self, entry_id: int) -> None:
        old = self._faq_by_id.pop(entry_id, None)
        if old is not None:
            at = bisect.bisect_left(self._extra_faq, self._faq_order(old), key=self._faq_order)
            del self._extra_faq[at]
            if self._questions is not None:
                self._questions[question_key(old.question)].remove(old)
        rows = self._rows("overlay_faq", "id = ?", entry_id)
        if not rows:
            return
        new = _faq_entry(rows[-1], self._sources)
        bisect.insort(self._extra_faq, new, key=self._faq_order)
        self._faq_by_id[entry_id] = new
        if self._questions is not None:
            self._questions[question_key(new.question)].append(new)

    def _refresh_role(self, slug: str) -> None:
        """Recompute one role as ``overlay_view`` does: added document, then edits."""
        sources = dict(self._sources)
        role = self._base.roles.get(slug)
        for row in self._rows("overlay_roles", "slug = ?", slug):
            role = _added_role(row, sources) or role
        fields = self._rows("overlay_fields", "role_slug = ?", slug)
        aliases = self._rows("overlay_aliases", "role_slug = ?", slug)
        if role is not None and (fields or aliases):
            role = _edited_role(role, fields, aliases, sources, self._scopes)
        if self._roles_shared:
            self._roles = dict(self._roles)
            self._roles_shared = False
        if role is None:
            self._roles.pop(slug, None)
        else:
            self._roles[slug] = role
