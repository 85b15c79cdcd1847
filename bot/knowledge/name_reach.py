"""Which servers' views a name change in the global scope must be checked in.

An owner's edit to the global scope shows in every server's view. A new name (an alias,
a role's name, an added role) must not be one another role already answers to in any
view (``planners._name_clashes``), and an undo must not make one name mean two roles in
any (``edits.undo``). Building every edited server's view to look cost about 0.2 ms a
server: an owner's alias took 1.8 s with 10,000 edited servers, and its undo 3 s.

A server's view differs from the global one, in which roles answer to a name, only
through that server's own rows. Given the name keys ``keys`` a change is about, the roles
``others`` that answer to one of them in the base or the global view (a server's rows on
them could rename them, or, failing their checks, bring back the base's role), and the
roles ``edited`` whose global rows an undo writes, a server can differ only if it has:

- an alias row (added or hidden) with one of ``keys``, on any role;
- a role's name set (a name row of ``overlay_fields``) to one of ``keys``;
- any alias or field row on one of ``others``, or a field row on one of ``edited``;
- an added role (``overlay_roles``) answering to one of ``keys``, or with the slug of one
  of ``others`` or ``edited``;
- a source of its own with the id of one the base or the global scope has or cites
  (``shared_sources``): it stands in for that one in its view, which can change whether a
  role's edits still validate there (a server's sources with ids of their own cannot);
- on an ``edited`` role, enough alias rows that the role's aliases, with the global ones,
  could pass the limit (``list_items("aliases")``) before or after: past it, the server's
  view shows the base's role.

Every other server sees, for those names, exactly the roles the global view sees (its own
alias rows on an ``edited`` role are about other names, and stay as they are), so its
result is the global view's. ``servers_to_check`` finds the servers with such rows by
indexed queries (the overlay indexes in ``overlay.SCHEMA``): a check costs what the
change touches, not the number of servers (a test counts the views built).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Collection, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from bot.knowledge.limits import list_items
from bot.knowledge.models import Knowledge, Role
from bot.knowledge.overlay import GLOBAL_SCOPE
from bot.text.names import alias_key

if TYPE_CHECKING:
    from bot.knowledge.changes import RowChange

#: Section fields that set a name a role answers to (``overlay_fields`` rows, source "").
NAME_FIELDS: tuple[str, ...] = ("name",)
#: Which column of an overlay table names the role a row belongs to.
ROLE_COLUMN = {"overlay_fields": "role_slug", "overlay_aliases": "role_slug",
               "overlay_roles": "slug"}


def role_keys(role: Role) -> set[str]:
    """The name keys a role answers to: its name, slug and aliases."""
    return {k for k in (alias_key(n) for n in (role.name, role.slug, *role.aliases)) if k}


def owners(keys: Collection[str], *views: Knowledge) -> set[str]:
    """Slugs of the roles answering to one of ``keys`` in any of ``views``."""
    wanted = set(keys)
    return {slug for view in views for slug, role in view.roles.items()
            if role_keys(role) & wanted}


def document_keys(document: str) -> set[str] | None:
    """The name keys of an added role's stored document (None: it cannot be read, so
    which names it holds is unknown)."""
    try:
        doc = json.loads(document)
    except ValueError:
        return None
    if not isinstance(doc, dict):
        return None
    aliases = doc.get("aliases")
    names = [doc.get("name"), doc.get("slug"), *(aliases if isinstance(aliases, list) else [])]
    return {k for k in (alias_key(str(n)) for n in names if n is not None) if k}


def _value_key(value: str | None) -> str | None:
    """The name key of a stored name field value (JSON), None if it holds no name."""
    if value is None:
        return None
    try:
        name = json.loads(value)
    except ValueError:
        return None
    return alias_key(name) if isinstance(name, str) else None


def _marks(values: Sequence[Any]) -> str:
    return ", ".join("?" for _ in values)


def shared_sources(conn: sqlite3.Connection, base: Knowledge, view: Knowledge) -> set[str]:
    """Ids of the sources the base and the global view (``view``) have, and of those the
    global scope's rows cite (a row may cite one the files have since dropped)."""
    found = {*base.sources, *view.sources}
    for table, column in (("overlay_fields", "value"), ("overlay_roles", "document")):
        for (text,) in conn.execute(f"select {column} from {table} "  # constant names
                                    "where guild_id = ?", (GLOBAL_SCOPE,)):
            found |= _cited(text)
    found.update(s for (s,) in conn.execute(
        "select distinct source from overlay_fields where guild_id = ? and source != ''",
        (GLOBAL_SCOPE,)))
    return found


def _cited(text: str | None) -> set[str]:
    """Every text under a "source" key in a stored JSON value."""
    try:
        value = json.loads(text) if text is not None else None
    except ValueError:
        return set()
    found: set[str] = set()
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            if isinstance(item.get("source"), str):
                found.add(item["source"])
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return found


def servers_to_check(conn: sqlite3.Connection, keys: Collection[str], others: Collection[str],
                     sources: Collection[str], edited: Mapping[str, int] | None = None
                     ) -> set[str]:
    """The servers whose views may differ from the global view in which roles answer to
    ``keys`` (see the module doc); ``sources`` is ``shared_sources``. ``edited`` maps
    each role an undo writes to an upper bound of its alias count in the global scope,
    before or after."""
    edited = edited or {}
    key_list, other_list, edited_list = sorted(set(keys)), sorted(set(others)), sorted(edited)
    found: set[str] = set()

    def add(sql: str, *params: Any) -> None:
        """Servers ``sql`` finds (its last parameter: the global scope, left out)."""
        found.update(str(g) for (g,) in conn.execute(sql, (*params, GLOBAL_SCOPE)))

    if key_list:
        add(f"select distinct guild_id from overlay_aliases where key in ({_marks(key_list)}) "
            "and guild_id != ?", *key_list)
        wanted = set(key_list)
        for guild, value in conn.execute(
                f"select guild_id, value from overlay_fields where field in "
                f"({_marks(NAME_FIELDS)}) and source = '' and guild_id != ?",
                (*NAME_FIELDS, GLOBAL_SCOPE)):
            if _value_key(value) in wanted:
                found.add(str(guild))
    if other_list:
        add(f"select distinct guild_id from overlay_aliases where role_slug in "
            f"({_marks(other_list)}) and guild_id != ?", *other_list)
    if other_list or edited_list:
        slugs = sorted({*other_list, *edited_list})
        add(f"select distinct guild_id from overlay_fields where role_slug in ({_marks(slugs)}) "
            "and guild_id != ?", *slugs)
    most = list_items("aliases")
    for slug, bound in edited.items():
        add("select guild_id from overlay_aliases where role_slug = ? and op = 'add' "
            "group by guild_id having count(*) > ? and guild_id != ?", slug, most - bound)
        if bound > most:  # the global aliases alone may pass the limit: a hidden one counts
            add("select distinct guild_id from overlay_aliases where role_slug = ? and "
                "op = 'remove' and guild_id != ?", slug)
    slugs_named = {*other_list, *edited_list}
    wanted = set(key_list)
    for guild, slug, document in conn.execute(
            "select guild_id, slug, document from overlay_roles where guild_id != ?",
            (GLOBAL_SCOPE,)):
        named = document_keys(document)
        if slug in slugs_named or named is None or named & wanted:
            found.add(str(guild))
    source_list = sorted(set(sources))
    if source_list:
        add(f"select distinct guild_id from overlay_sources where id in ({_marks(source_list)}) "
            "and guild_id != ?", *source_list)
    return found


def _row_keys(table: str, row: Mapping[str, Any]) -> set[str]:
    """The name keys one stored overlay row holds."""
    if table == "overlay_aliases":
        return {str(row["key"])}
    if table == "overlay_fields" and row.get("field") in NAME_FIELDS and not row.get("source"):
        key = _value_key(row.get("value"))
        return {key} if key else set()
    if table == "overlay_roles":
        return document_keys(str(row.get("document"))) or set()
    return set()


def _global_rows(conn: sqlite3.Connection, slugs: Sequence[str]) -> Iterable[tuple[str, dict]]:
    """The global scope's alias, field and added-role rows on ``slugs``."""
    for table, column in ROLE_COLUMN.items():
        cursor = conn.execute(f"select * from {table} where guild_id = ? "  # constant names
                              f"and {column} in ({_marks(slugs)})", (GLOBAL_SCOPE, *slugs))
        names = [d[0] for d in cursor.description]
        for values in cursor:
            yield table, dict(zip(names, values, strict=True))


def undo_reach(conn: sqlite3.Connection, base: Knowledge, view: Knowledge,
               changes: Sequence[RowChange]) -> set[str] | None:
    """The servers whose views an undo writing ``changes`` in the global scope must be
    checked in, ``view`` being the global view before it; None when it writes a source,
    which may change which figures of any role validate anywhere (every server then)."""
    slugs: set[str] = set()
    keys: set[str] = set()
    adds: dict[str, int] = {}
    for change in changes:
        if change.table == "overlay_sources":
            return None
        column = ROLE_COLUMN.get(change.table)
        if column is None:
            continue
        slug = str(change.key[column])
        slugs.add(slug)
        for row in (change.before, change.after):
            if row:
                keys |= _row_keys(change.table, row)
                adds[slug] = adds.get(slug, 0) + _alias_count(change.table, row)
    if not slugs:
        return set()
    for table, row in _global_rows(conn, sorted(slugs)):
        keys |= _row_keys(table, row)
        slug = str(row[ROLE_COLUMN[table]])
        adds[slug] = adds.get(slug, 0) + _alias_count(table, row)
    for slug in slugs:  # every name the role may answer to, the base's included
        for knowledge in (base, view):
            if (role := knowledge.roles.get(slug)) is not None:
                keys |= role_keys(role)
                adds[slug] = adds.get(slug, 0) + len(role.aliases)
    others = owners(keys, base, view) - slugs
    return servers_to_check(conn, keys, others, shared_sources(conn, base, view),
                            {slug: adds.get(slug, 0) for slug in slugs})


def _alias_count(table: str, row: Mapping[str, Any]) -> int:
    """How many aliases one stored row can add to its role's list."""
    if table == "overlay_aliases":
        return 1 if row.get("op") == "add" else 0
    if table == "overlay_roles":
        try:
            aliases = json.loads(str(row.get("document"))).get("aliases")
        except (ValueError, AttributeError):
            return 0
        return len(aliases) if isinstance(aliases, list) else 0
    return 0
