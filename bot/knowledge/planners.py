"""Planning each kind of change: validate it against the current view, say what it writes.

A planner takes one typed action (``bot.knowledge.actions``), reads through the
``Session`` (inside the write transaction, so what it checks is what it writes over) and
returns a ``Plan`` or raises ``ChangeError`` naming every problem by field, or
``NoChange``. ``@plans(ActionClass)`` registers it; ``plan_change`` dispatches on the
action's class. Figures, sections, sources and FAQ entries are checked
by the knowledge files' own validators, so a moderator's edit obeys the rules a pull
request does; names are checked against every view the change reaches (in the global
scope, by looking at the servers whose own rows can make a difference: ``name_reach``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

from bot.knowledge.actions import (
    Action,
    Alias,
    FaqAdd,
    FaqEdit,
    FaqRemove,
    ModRole,
    QaChannel,
    RoleAdd,
    RoleRemove,
    SetFigures,
    SetPrefix,
    SetSection,
    SetUnasked,
    SourceAdd,
    as_action,
)
from bot.knowledge.changes import (
    Change,
    ChangeError,
    NoChange,
    PathChecker,
    Plan,
    Problem,
    RowChange,
    Session,
    dumps,
    same_value,
)
from bot.knowledge.documents import (
    SECTION_FIELDS,
    STAT_FIELDS,
    role_document,
    set_stat,
    snapshot_document,
    source_document,
    stat_value,
)
from bot.knowledge.guild_settings import read_guild_settings
from bot.knowledge.limits import MAX_ID, item_chars, list_items
from bot.knowledge.models import Knowledge, Role
from bot.knowledge.name_reach import owners, servers_to_check, shared_sources
from bot.knowledge.overlay import FAQ_FIRST_ID, GLOBAL_SCOPE
from bot.knowledge.validation import (
    SLUG_RE,
    key_label,
    parse_faq,
    parse_role,
    parse_sources,
    parse_stats,
    shown,
    text_problem,
)
from bot.text.names import alias_key

MAX_PREFIX_CHARS = 5
_PREFIX_FORBIDDEN = re.compile(r"[\s`@#<>*_~|\\]")
_SNOWFLAKE = re.compile(r"\A[0-9]{1,20}\Z")
_ENTRY_ID = re.compile(r"\A#?([0-9]{1,19})\Z")


def parse_entry_id(value: Any) -> int | None:
    """A history or FAQ entry number as typed ("12", "#12" or 12), or None when it is not
    one SQLite could hold (1 to ``MAX_ID``): looking up a larger one would overflow."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        number = value
    elif isinstance(value, str) and (match := _ENTRY_ID.match(value.strip())):
        number = int(match.group(1))
    else:
        return None
    return number if 1 <= number <= MAX_ID else None


def entry_id_problem(value: Any, field: str, what: str) -> Problem:
    """The refusal for an entry number that ``parse_entry_id`` could not read."""
    return Problem(field, f"{shown(value)} is not {what}: entry numbers are whole numbers "
                   f"from 1 to {MAX_ID:,}")


# ---------------------------------------------------------------------------------------
# Planning: one function per action

#: The planner of each action class (``plans`` fills it).
PLANNERS: dict[type[Action], Callable[[Session, Any], Plan]] = {}
P = TypeVar("P", bound=Callable[[Session, Any], Plan])


def plans(*classes: type[Action]) -> Callable[[P], P]:
    """Register the decorated function as the planner of ``classes``."""

    def mark(planner: P) -> P:
        for cls in classes:
            PLANNERS[cls] = planner
        return planner

    return mark


def _role(s: Session, slug: Any, path: str = "role") -> Role:
    role = s.view().roles.get(slug) if isinstance(slug, str) else None
    if role is None:
        raise ChangeError([Problem(path, f"{shown(slug)} is not a role here")])
    return role


def name_owners(knowledge: Knowledge) -> dict[str, set[str]]:
    """Every name key (names, slugs, aliases) and the roles answering to it."""
    owners: dict[str, set[str]] = {}
    for role in knowledge.roles.values():
        for name in (role.name, role.slug, *role.aliases):
            if key := alias_key(name):
                owners.setdefault(key, set()).add(role.slug)
    return owners


def _name_clashes(s: Session, slug: str, names: Sequence[tuple[str, str]]) -> list[Problem]:
    """Problems for names (path, name) that another role already answers to in any view
    this scope reaches.

    In the global scope that is every server's view, but only the servers whose own rows
    could make them differ from the global view are looked at (``name_reach``); any other
    server has exactly the global view's problems, each said "on server" it."""
    problems: list[Problem] = []

    def note(found: Sequence[Problem]) -> None:
        problems.extend(p for p in found if p not in problems)

    if s.scope != GLOBAL_SCOPE:
        note(_clashes_in(s.view(), slug, names, ""))
        return problems
    view = s.view()
    here = _clashes_in(view, slug, names, "")
    note(here)
    keys = {alias_key(name) for _, name in names}
    reach = servers_to_check(s.conn, keys, owners(keys, s.base, view) - {slug},
                             shared_sources(s.conn, s.base, view))
    for guild in s.guild_scopes() if here else sorted(reach):
        where = f" on server {guild}"
        note(_clashes_in(s.view(guild), slug, names, where) if guild in reach else
             [Problem(p.path, p.message + where) for p in here])
    return problems


def _clashes_in(knowledge: Knowledge, slug: str, names: Sequence[tuple[str, str]],
                where: str) -> list[Problem]:
    """Problems for names (path, name) that a role other than ``slug`` answers to in
    ``knowledge`` (``where``: the server it is, said after each)."""
    owned = name_owners(knowledge)
    problems: list[Problem] = []
    for path, name in names:
        others = owned.get(alias_key(name), set()) - {slug}
        if others:
            used_by = ", ".join(sorted(knowledge.roles[o].name for o in others))
            problem = Problem(path, f"{name!r} is already used by {used_by}{where}")
            if problem not in problems:
                problems.append(problem)
    return problems


def ambiguous_names(knowledge: Knowledge) -> set[tuple[str, frozenset[str]]]:
    """Name keys that more than one role answers to."""
    return {(k, frozenset(v)) for k, v in name_owners(knowledge).items() if len(v) > 1}


@plans(SetFigures)
def plan_figure_set(s: Session, a: SetFigures) -> Plan:
    role = _role(s, a.role)
    view = s.view()
    problems: list[Problem] = []
    source_id = a.source
    if not isinstance(source_id, str) or source_id not in view.sources:
        known = ", ".join(sorted(view.sources))
        problems.append(Problem("source", f"{shown(source_id)} is not a known source (known: {known})"))
    values = a.values or {}
    if not isinstance(values, Mapping):
        raise ChangeError([Problem("values", "must map figure names to values")])
    for name in values:
        if name not in STAT_FIELDS:
            problems.append(Problem(key_label(name), "is not a figure; figures are "
                                    + ", ".join(STAT_FIELDS)))
    as_of = a.as_of
    if problems:
        raise ChangeError(problems)
    snap = role.snapshot(source_id)
    doc = snapshot_document(snap) if snap is not None else {"source": source_id}
    if as_of is not None:
        doc["as_of"] = str(as_of)
    elif snap is None:
        raise ChangeError([Problem("as_of", "a date is required for figures from a new source")])
    for name, value in values.items():
        set_stat(doc, name, value)
    check = PathChecker(rename={"stats[0]": ""})
    parse_stats([doc], view.sources, check)
    if check.items:
        raise ChangeError(check.items)
    before = {name: stat_value(snap, name) for name in values}
    before["as_of"] = snap.as_of if snap is not None else None
    after = {name: stat_value(doc, name) for name in values}
    after["as_of"] = doc["as_of"]
    before["source"] = after["source"] = source_id
    changed = [n for n in (*values, "as_of") if not same_value(before[n], after[n])]
    if not changed:
        raise NoChange("same_value", after)
    rows = tuple(
        s.row_change("overlay_fields",
                     {"guild_id": s.scope, "role_slug": role.slug, "source": source_id, "field": n},
                     {"value": dumps(after[n])})
        for n in changed
    )
    return Plan("figure.set", role.slug, before, after, rows)


@plans(SetSection)
def plan_role_set(s: Session, a: SetSection) -> Plan:
    role = _role(s, a.role)
    name = a.field
    if name not in SECTION_FIELDS:
        raise ChangeError([Problem(key_label(name), "is not a field that can be set; fields are "
                                   + ", ".join(SECTION_FIELDS) + " and the figures")])
    value = a.value
    doc = role_document(role)
    before = doc.get(name)
    if value is None:
        doc.pop(name, None)
    else:
        doc[name] = value
    check = PathChecker()
    parsed = parse_role(doc, f"{role.slug}.yaml", s.view().sources, check)
    if check.items or parsed is None:  # None comes with items; the test narrows the type
        raise ChangeError(check.items)
    after = role_document(parsed).get(name)
    if after == before:
        raise NoChange("same_value", after)
    if name == "name" and (clashes := _name_clashes(s, role.slug, [("name", parsed.name)])):
        raise ChangeError(clashes)
    row = s.row_change("overlay_fields",
                       {"guild_id": s.scope, "role_slug": role.slug, "source": "", "field": name},
                       {"value": None if after is None else dumps(after)})
    return Plan("role.set", role.slug, {name: before}, {name: after}, (row,))


def _alias_text(a: Alias) -> tuple[str, str]:
    alias: Any = a.alias
    if not isinstance(alias, str) or not alias.strip():
        raise ChangeError([Problem("alias", "is required")])
    alias = " ".join(alias.split())
    if problem := text_problem(alias, item_chars("aliases")):
        raise ChangeError([Problem("alias", problem)])
    key = alias_key(alias)
    if not key:
        raise ChangeError([Problem("alias", f"{alias!r} has no letters or digits")])
    return alias, key


@plans(Alias)
def plan_alias(s: Session, a: Alias) -> Plan:
    if a.op == "remove":
        return plan_alias_remove(s, a)
    if a.op != "add":
        raise ChangeError([Problem("", f"{shown(a.op)} is not add or remove")])
    return plan_alias_add(s, a)


def plan_alias_add(s: Session, a: Alias) -> Plan:
    role = _role(s, a.role)
    alias, key = _alias_text(a)
    if key in {alias_key(n) for n in (role.name, role.slug, *role.aliases)}:
        raise NoChange("alias_exists", alias)
    most = list_items("aliases")
    if len(role.aliases) >= most:
        raise ChangeError([Problem("alias", f"{role.name} already has {len(role.aliases)} "
                                   f"aliases; the limit is {most}")])
    if clashes := _name_clashes(s, role.slug, [("alias", alias)]):
        raise ChangeError(clashes)
    row = s.row_change("overlay_aliases", {"guild_id": s.scope, "role_slug": role.slug, "key": key},
                       {"alias": alias, "op": "add"})
    return Plan("alias.add", role.slug, None, alias, (row,))


def plan_alias_remove(s: Session, a: Alias) -> Plan:
    role = _role(s, a.role)
    alias, key = _alias_text(a)
    if key in (alias_key(role.name), alias_key(role.slug)):
        raise ChangeError([Problem("alias", f"{alias!r} is the role's name or slug, which always "
                                   "works and cannot be removed")])
    current = next((a for a in role.aliases if alias_key(a) == key), None)
    if current is None:
        raise ChangeError([Problem("alias", f"{alias!r} is not an alias of {role.name}")])
    row = s.row_change("overlay_aliases", {"guild_id": s.scope, "role_slug": role.slug, "key": key},
                       {"alias": current, "op": "remove"})
    return Plan("alias.remove", role.slug, current, None, (row,))


def _faq_fields(s: Session, item: dict[str, Any], exclude_id: int | None = None) -> dict[str, Any]:
    """Validate one FAQ entry's fields as the files' validator does; the normalised fields."""
    item = {k: v for k, v in item.items() if v not in (None, "", [], ())}
    check = PathChecker(rename={"faq[0]": ""})
    entries = parse_faq({"faq": [item]}, s.view().sources, check)
    problems = list(check.items)
    if not problems:
        entry = entries[0]
        other = next((i for i in s.faq_asking(entry.question) if i != exclude_id), None)
        if other is not None:
            problems.append(Problem("question", f"FAQ entry {other} already asks this"))
    if problems:
        raise ChangeError(problems)
    return {"question": entry.question, "answer": entry.answer, "tags": list(entry.tags),
            "source": entry.source.id if entry.source else None}


def _faq_row(s: Session, entry_id: Any) -> dict[str, Any]:
    number = parse_entry_id(entry_id)
    if number is None:
        raise ChangeError([entry_id_problem(entry_id, "id", "an FAQ entry number")])
    row = s.read("overlay_faq", {"id": number})
    if row is None or row["guild_id"] != s.scope:
        if any(e.id == number for e in s.view().faq):
            raise ChangeError([Problem("id", f"FAQ entry {number} is not one of this server's own "
                                       "entries (it comes from the shared knowledge base), so it "
                                       "can't be changed here")])
        raise ChangeError([Problem("id", f"there is no FAQ entry {number} here")])
    return row


def _faq_public(row: Mapping[str, Any]) -> dict[str, Any]:
    return {"question": row["question"], "answer": row["answer"],
            "tags": json.loads(row["tags"] or "[]"), "source": row["source"]}


def _next_faq_id(s: Session) -> int:
    (highest,) = s.conn.execute("select max(id) from overlay_faq").fetchone()
    counter = s.conn.execute("select value from overlay_counters where name = 'faq'").fetchone()
    number = max(FAQ_FIRST_ID, (highest or 0) + 1, (counter[0] if counter else 0) + 1)
    s.conn.execute("insert or replace into overlay_counters (name, value) values ('faq', ?)",
                   (number,))
    return number


@plans(FaqAdd)
def plan_faq_add(s: Session, a: FaqAdd) -> Plan:
    fields = _faq_fields(s, {"question": a.question, "answer": a.answer, "tags": a.tags,
                             "source": a.source})
    number = _next_faq_id(s)
    row = s.row_change("overlay_faq", {"id": number},
                       {"guild_id": s.scope, **fields, "tags": dumps(fields["tags"])})
    return Plan("faq.add", f"faq {number}", None, fields, (row,))


@plans(FaqEdit)
def plan_faq_edit(s: Session, a: FaqEdit) -> Plan:
    row = _faq_row(s, a.id)
    old = _faq_public(row)
    given = {"question": a.question, "answer": a.answer, "tags": a.tags, "source": a.source}
    merged = {**old, **{k: v for k, v in given.items() if v is not None}}
    fields = _faq_fields(s, merged, exclude_id=row["id"])
    changed = [k for k in fields if fields[k] != old[k]]
    if not changed:
        raise NoChange("same_value", fields)
    change = s.row_change("overlay_faq", {"id": row["id"]},
                          {"guild_id": s.scope, **fields, "tags": dumps(fields["tags"])})
    return Plan("faq.edit", f"faq {row['id']}", {k: old[k] for k in changed},
                {k: fields[k] for k in changed}, (change,))


@plans(FaqRemove)
def plan_faq_remove(s: Session, a: FaqRemove) -> Plan:
    row = _faq_row(s, a.id)
    change = s.row_change("overlay_faq", {"id": row["id"]}, None)
    return Plan("faq.remove", f"faq {row['id']}", _faq_public(row), None, (change,))


@plans(RoleAdd)
def plan_role_add(s: Session, a: RoleAdd) -> Plan:
    doc: Any = a.document
    if not isinstance(doc, Mapping):
        raise ChangeError([Problem("", "a role must be a mapping of role fields")])
    slug = doc.get("slug")
    if not isinstance(slug, str) or not SLUG_RE.match(slug):
        raise ChangeError([Problem("slug", f"{shown(slug)} must be lowercase words joined by hyphens, "
                                   "like data-engineer")])
    if slug in s.view().roles:
        raise ChangeError([Problem("slug", f"{slug!r} is already a role here")])
    check = PathChecker()
    role = parse_role(dict(doc), f"{slug}.yaml", s.view().sources, check)
    if check.items or role is None:
        raise ChangeError(check.items)
    names = [("name", role.name), ("slug", role.slug),
             *((f"aliases[{i}]", a) for i, a in enumerate(role.aliases))]
    if clashes := _name_clashes(s, slug, names):
        raise ChangeError(clashes)
    row = s.row_change("overlay_roles", {"guild_id": s.scope, "slug": slug},
                       {"document": dumps(role_document(role))})
    return Plan("role.add", slug, None, {"name": role.name}, (row,))


@plans(RoleRemove)
def plan_role_remove(s: Session, a: RoleRemove) -> Plan:
    slug: Any = a.role
    row = s.read("overlay_roles", {"guild_id": s.scope, "slug": slug}) if isinstance(slug, str) \
        else None
    if row is None or not isinstance(slug, str):  # (the second test only narrows the type)
        if isinstance(slug, str) and slug in s.view().roles:
            raise ChangeError([Problem("role", f"{shown(slug)} was not added here; only roles added by "
                                       "this server's moderators can be removed")])
        raise ChangeError([Problem("role", f"{shown(slug)} is not a role here")])
    name = json.loads(row["document"]).get("name")
    change = s.row_change("overlay_roles", {"guild_id": s.scope, "slug": slug}, None)
    return Plan("role.remove", slug, {"name": name}, None, (change,))


@plans(SourceAdd)
def plan_source_add(s: Session, a: SourceAdd) -> Plan:
    doc: Any = a.document
    if not isinstance(doc, Mapping):
        raise ChangeError([Problem("", "a source must be a mapping of source fields")])
    check = PathChecker(rename={"sources[0]": ""})
    parsed = parse_sources({"sources": [dict(doc)]}, check)
    if check.items or not parsed:
        raise ChangeError(check.items)
    (source,) = parsed.values()
    if source.id in s.view().sources:
        raise ChangeError([Problem("id", f"{source.id!r} is already a source here")])
    row = s.row_change("overlay_sources", {"guild_id": s.scope, "id": source.id},
                       {"document": dumps(source_document(source))})
    return Plan("source.add", source.id, None, {"name": source.name, "date": source.date}, (row,))


def _server_only(s: Session) -> str:
    if s.scope == GLOBAL_SCOPE:
        raise ChangeError([Problem("", "settings belong to a server; name one")])
    return s.scope


def _settings_row(s: Session, prefix: Any = ..., unasked: Any = ...) -> tuple[dict, RowChange]:
    gid = _server_only(s)
    current = read_guild_settings(s.conn, gid)
    after = {"prefix": current.prefix if prefix is ... else prefix,
             "unasked": int(current.unasked) if unasked is ... else int(unasked)}
    return ({"prefix": current.prefix, "unasked": current.unasked},
            s.row_change("guild_settings", {"guild_id": gid}, after))


@plans(SetPrefix)
def plan_config_prefix(s: Session, a: SetPrefix) -> Plan:
    prefix: Any = a.prefix
    if prefix is not None and (not isinstance(prefix, str) or not 1 <= len(prefix) <= MAX_PREFIX_CHARS
                               or _PREFIX_FORBIDDEN.search(prefix)
                               or text_problem(prefix, MAX_PREFIX_CHARS)):
        raise ChangeError([Problem("prefix", f"{shown(prefix)} must be 1 to {MAX_PREFIX_CHARS} "
                                   "characters with no spaces, mentions or markdown")])
    before, row = _settings_row(s, prefix=prefix)
    if before["prefix"] == prefix:
        raise NoChange("same_value", prefix)
    return Plan("config.prefix", s.scope, before["prefix"], prefix, (row,))


@plans(SetUnasked)
def plan_config_unasked(s: Session, a: SetUnasked) -> Plan:
    on: Any = a.on
    if not isinstance(on, bool):
        raise ChangeError([Problem("on", "must be on or off")])
    before, row = _settings_row(s, unasked=on)
    if before["unasked"] == on:
        raise NoChange("same_value", on)
    return Plan("config.unasked", s.scope, before["unasked"], on, (row,))


def _plan_id_set(s: Session, action: str, table: str, column: str, op: str, value: Any) -> Plan:
    """Add or remove one id of a server's set (moderator roles, Q&A channels)."""
    if op not in ("add", "remove"):
        raise ChangeError([Problem("", f"{shown(op)} is not add or remove")])
    adding = op == "add"
    gid = _server_only(s)
    value = str(value or "")
    if not _SNOWFLAKE.match(value):
        raise ChangeError([Problem(column, f"{shown(value)} is not a Discord id")])
    key = {"guild_id": gid, column: value}
    exists = s.read(table, key) is not None
    if exists == adding:
        raise NoChange("already" if adding else "absent", value)
    row = s.row_change(table, key, {} if adding else None)
    return Plan(action, gid, None if adding else value, value if adding else None, (row,))


@plans(ModRole)
def plan_modrole(s: Session, a: ModRole) -> Plan:
    return _plan_id_set(s, a.action, "guild_mod_roles", "role_id", a.op, a.role_id)


@plans(QaChannel)
def plan_channel(s: Session, a: QaChannel) -> Plan:
    return _plan_id_set(s, a.action, "guild_qa_channels", "channel_id", a.op, a.channel_id)


def plan_change(s: Session, change: Action | Change) -> Plan:
    """The plan of ``change`` (typed, or its untyped form, turned typed here)."""
    action = as_action(change)
    planner = PLANNERS.get(type(action))
    if planner is None:
        raise ChangeError([Problem("action", f"{shown(action.action)} is not a known change")])
    return planner(s, action)

