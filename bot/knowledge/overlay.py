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
"""

from __future__ import annotations

import json
import logging
import sqlite3
from collections import defaultdict
from dataclasses import replace
from typing import Any

from bot.knowledge.documents import role_document, set_stat, source_from_document, with_derived
from bot.knowledge.files import _Checker, parse_role
from bot.knowledge.models import FaqEntry, Knowledge, Role, Source

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


def present_tables(conn: sqlite3.Connection) -> set[str]:
    return {name for (name,) in conn.execute("select name from sqlite_master where type = 'table'")}


def scopes_for(guild_id: str | int | None) -> tuple[str, ...]:
    """The overlay scopes a view applies, lowest first."""
    if guild_id is None or str(guild_id) == GLOBAL_SCOPE:
        return (GLOBAL_SCOPE,)
    return (GLOBAL_SCOPE, str(guild_id))


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


def apply_role_overrides(doc: dict[str, Any], fields: list[sqlite3.Row],
                         aliases: list[sqlite3.Row]) -> dict[str, Any]:
    """Apply overlay rows (already in scope order) to a role document, returning a new one."""
    from bot.core.names import alias_key

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
    for row in aliases:
        current = list(doc.get("aliases") or [])
        keys = [alias_key(a) for a in current]
        if row["op"] == "add" and row["key"] not in keys:
            current.append(row["alias"])
        elif row["op"] == "remove":
            current = [a for a, k in zip(current, keys, strict=True) if k != row["key"]]
        doc["aliases"] = current
    return doc


def parse_role_document(doc: dict[str, Any], sources: dict[str, Source]) -> tuple[Role | None, list[str]]:
    """A Role from a document, with the problems the file validator finds in it."""
    check = _Checker(str(doc.get("slug") or "role"))
    role = parse_role(doc, f"{doc.get('slug')}.yaml", sources, check)
    return role, check.problems


def overlay_view(conn: sqlite3.Connection, base: Knowledge, guild_id: str | None) -> Knowledge:
    """The knowledge as ``guild_id`` sees it (None: the global view with the owner's edits).

    This is the ``overlay`` callable of ``KnowledgeStore``. With no overlay rows it returns
    ``base`` itself, so a server nobody edited shares the global view's caches.
    """
    present = present_tables(conn)
    scopes = scopes_for(guild_id)
    view_id = None if guild_id is None else str(guild_id)
    rows = {table: scope_rows(conn, table, scopes, present) for table in OVERLAY_TABLES}
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
        role, problems = parse_role_document(json.loads(row["document"]), sources)
        if problems or role is None:
            log.warning("role %s added in %s no longer validates, so it is not shown: %s",
                        row["slug"], row["guild_id"], "; ".join(problems))
            continue
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
        doc = apply_role_overrides(role_document(role), fields[slug], aliases[slug])
        edited, problems = parse_role_document(doc, sources)
        if problems or edited is None:
            log.warning("edits to %s in %s no longer validate against the base, so they are "
                        "not shown: %s", slug, ",".join(scopes), "; ".join(problems))
            continue
        roles[slug] = with_derived(edited, role)

    faq = list(base.faq)
    for row in rows["overlay_faq"]:
        faq.append(FaqEntry(
            id=row["id"], question=row["question"], answer=row["answer"],
            tags=tuple(json.loads(row["tags"] or "[]")), guild_id=row["guild_id"],
            source=sources.get(row["source"]) if row["source"] else None,
        ))
    return Knowledge(roles=roles, sources=sources if source_changed else base.sources,
                     market=base.market, faq=tuple(faq), guild_id=view_id)
