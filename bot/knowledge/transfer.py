"""Export a scope's knowledge to YAML or JSON, and turn an imported document into changes.

The document has the knowledge files' shape, so moderators can read and edit it like a
role file::

    format: careerbot/1
    sources:   [ ...entries as in sources.yaml: new sources to cite ]
    new_roles: [ ...whole role documents, as in roles/<slug>.yaml: roles to add ]
    roles:     [ ...role documents, complete or partial: edits to roles that exist ]
               (or a mapping from role names to such documents: {mlops: {focus: ...}})
    faq:       [ {id, question, answer, tags, source} ]

Import semantics (so that re-importing an export changes nothing):

- ``roles``: each entry names an existing role by ``slug`` (or ``role``): its slug, name or
  one of its aliases, exactly as commands accept them; only the fields it lists are
  compared. A section (``focus``, ``skills``, ``career`` ...) replaces the role's section;
  ``aliases`` is the complete list (names missing from it are removed); each ``stats``
  entry names its ``source`` and sets only the figures it lists (``null`` clears one).
- ``new_roles``: a role whose slug already exists is accepted only if identical.
- ``faq``: an ``id`` of this scope's entry edits it; an entry with no ``id`` (or an id not
  found here) is added unless an entry already asks the same question.
- ``sources``: new ids are added; existing ids must be identical.

``import_changes`` checks the whole document first and reports every problem with its
field path (``roles[0].stats[0].remote_pct: 140 is not a percentage``) and, for YAML,
its line; broken YAML or JSON is reported by line. Only a clean document yields changes,
which then go through ``edits.preview_changes`` / ``edits.apply_changes``.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Mapping
from typing import Any

import yaml

from bot.knowledge.actions import (
    Action,
    Alias,
    FaqAdd,
    FaqEdit,
    RoleAdd,
    SetFigures,
    SetSection,
    SourceAdd,
)
from bot.knowledge.changes import PathChecker, Problem, same_value, utc_now
from bot.knowledge.documents import (
    SECTION_FIELDS,
    STAT_FIELDS,
    faq_document,
    role_document,
    set_stat,
    snapshot_document,
    source_document,
    stat_value,
)
from bot.knowledge.fields import snapshot_layout
from bot.knowledge.limits import MAX_IMPORT_BYTES
from bot.knowledge.models import Knowledge, Source
from bot.knowledge.overlay import GLOBAL_SCOPE, scope_rows
from bot.knowledge.role_index import role_index
from bot.knowledge.safe_parse import InputRefused, load_json, load_yaml
from bot.knowledge.validation import (
    ROLE_KEYS,
    SLUG_RE,
    key_label,
    parse_faq,
    parse_role,
    parse_sources,
    parse_stats,
    shown,
)
from bot.text.names import alias_key, fold

FORMAT = "careerbot/1"
TOP_KEYS = ("format", "scope", "guild", "exported_at", "sources", "new_roles", "roles", "faq")
FORMATS = ("yaml", "json")


# ---------------------------------------------------------------------------------------
# Export


def _partial_role(knowledge: Knowledge, slug: str, fields: list[sqlite3.Row],
                  aliases: list[sqlite3.Row]) -> dict[str, Any]:
    """The fields one scope changed on a role, with their current values."""
    role = knowledge.roles[slug]
    full = role_document(role)
    doc: dict[str, Any] = {"slug": slug}
    for row in fields:
        if not row["source"]:
            doc[row["field"]] = full.get(row["field"])
    if aliases:
        doc["aliases"] = full.get("aliases", [])
    stats: dict[str, dict[str, Any]] = {}
    for row in fields:
        if row["source"]:
            snap = role.snapshot(row["source"])
            entry = stats.setdefault(row["source"], {"source": row["source"],
                                                     "as_of": snap.as_of if snap else None})
            if row["field"] != "as_of":
                set_stat(entry, row["field"], stat_value(snap, row["field"]), keep_none=True)
    if stats:
        doc["stats"] = list(stats.values())
    return doc


def export_document(conn: sqlite3.Connection, base: Knowledge, knowledge: Knowledge, scope: str,
                    *, merged: bool) -> dict[str, Any]:
    """The scope's overlay (what its moderators changed) or its whole merged view."""
    doc: dict[str, Any] = {"format": FORMAT, "scope": "merged" if merged else "overlay",
                           "guild": None if scope == GLOBAL_SCOPE else scope,
                           "exported_at": utc_now()}
    if merged:
        doc["sources"] = [source_document(s) for s in knowledge.sources.values()]
        doc["new_roles"] = [role_document(r) for s, r in knowledge.roles.items()
                            if s not in base.roles]
        doc["roles"] = [role_document(r) for s, r in knowledge.roles.items() if s in base.roles]
        doc["faq"] = [faq_document(e) for e in knowledge.faq]
        return doc
    only = (scope,)
    added = [r["slug"] for r in scope_rows(conn, "overlay_roles", only)]
    doc["sources"] = [json.loads(r["document"]) for r in scope_rows(conn, "overlay_sources", only)]
    doc["new_roles"] = [role_document(knowledge.roles[s]) for s in added if s in knowledge.roles]
    fields: dict[str, list[sqlite3.Row]] = {}
    for row in scope_rows(conn, "overlay_fields", only):
        fields.setdefault(row["role_slug"], []).append(row)
    aliases: dict[str, list[sqlite3.Row]] = {}
    for row in scope_rows(conn, "overlay_aliases", only):
        aliases.setdefault(row["role_slug"], []).append(row)
    doc["roles"] = [
        _partial_role(knowledge, slug, fields.get(slug, []), aliases.get(slug, []))
        for slug in sorted(fields.keys() | aliases.keys())
        if slug in knowledge.roles and slug not in added
    ]
    doc["faq"] = [faq_document(e) for e in knowledge.faq if e.guild_id == scope]
    return doc


def dump_document(doc: dict[str, Any], fmt: str) -> str:
    if fmt == "json":
        return json.dumps(doc, ensure_ascii=False, indent=2) + "\n"
    header = ("# careerbot knowledge export. Edit and import it back with `kb import`;\n"
              "# see the README's Moderation section for what each list means.\n")
    return header + yaml.safe_dump(doc, sort_keys=False, allow_unicode=True, width=100)


# ---------------------------------------------------------------------------------------
# Reading a document


def _line_map(node: yaml.Node, path: str, out: dict[str, int]) -> None:
    """Each field path's line. Keys that are not plain short text are skipped: no known
    field has such a name, and a long one would be copied into every path below it."""
    out.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if not isinstance(key, yaml.ScalarNode) or key_label(key.value) != key.value:
                continue
            child = f"{path}.{key.value}" if path else str(key.value)
            out[child] = key.start_mark.line + 1
            _line_map(value, child, out)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _line_map(item, f"{path}[{i}]", out)


def size_text(size: int) -> str:
    """A file size as people read it: 840 bytes, 12 KB, 3.2 MB."""
    if size >= 1_000_000:
        return f"{size / 1_000_000:.1f}".removesuffix(".0") + " MB"
    if size >= 1_000:
        return f"{size / 1_000:.0f} KB"
    return f"{size:,} bytes"


def _too_large(size: int) -> Problem:
    return Problem("", f"the file is {size_text(size)}; imports are limited to "
                   f"{size_text(MAX_IMPORT_BYTES)}")


def parse_document(text: bytes | str, filename: str, *,
                   yaml_loader: type | None = None) -> tuple[Any, dict[str, int], list[Problem]]:
    """The data of an uploaded file, a map from field paths to YAML lines, and problems.

    The file's size, nesting and numbers are bounded (``bot.knowledge.limits``) before a
    parser can recurse or convert, so no file can crash the bot; ``yaml_loader`` picks the
    YAML loader (libyaml's by default when available; tests run both).
    """
    if isinstance(text, bytes):
        if len(text) > MAX_IMPORT_BYTES:
            return None, {}, [_too_large(len(text))]
        try:
            text = text.decode("utf-8-sig")
        except UnicodeDecodeError:
            return None, {}, [Problem("", "the file is not UTF-8 text")]
    else:
        size = len(text.encode("utf-8", "surrogatepass"))
        if size > MAX_IMPORT_BYTES:
            return None, {}, [_too_large(size)]
    if filename.lower().endswith(".json"):
        try:
            return load_json(text), {}, []
        except InputRefused as exc:
            return None, {}, [Problem("", exc.message, line=exc.line)]
        except json.JSONDecodeError as exc:
            return None, {}, [Problem("", f"not valid JSON: {exc.msg} (column {exc.colno})",
                                      line=exc.lineno)]
    try:
        data, node = load_yaml(text, loader=yaml_loader)
    except InputRefused as exc:
        return None, {}, [Problem("", exc.message, line=exc.line)]
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or "cannot be parsed"
        return None, {}, [Problem("", f"not valid YAML: {problem}",
                                  line=mark.line + 1 if mark is not None else None)]
    lines: dict[str, int] = {}
    if node is not None:
        _line_map(node, "", lines)
    return data, lines, []


def with_line(problem: Problem, lines: Mapping[str, int]) -> Problem:
    """The problem with the line of its field (or of the nearest enclosing one)."""
    if problem.line is not None or not lines:
        return problem
    path = problem.path
    while path:
        if path in lines:
            return Problem(problem.path, problem.message, lines[path])
        cut = max(path.rfind("."), path.rfind("["))
        path = path[:cut] if cut > 0 else ""
    return problem


# ---------------------------------------------------------------------------------------
# Turning a document into changes


def _items(doc: dict[str, Any], key: str, problems: list[Problem]) -> list[Any]:
    value = doc.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        problems.append(Problem(key, "must be a list"))
        return []
    return value


def _source_changes(doc: dict, knowledge: Knowledge, sources: dict[str, Source],
                    problems: list[Problem]) -> list[Action]:
    changes: list[Action] = []
    for i, item in enumerate(_items(doc, "sources", problems)):
        where = f"sources[{i}]"
        check = PathChecker(rename={"sources[0]": where})
        parsed = parse_sources({"sources": [item]}, check)
        if check.items or not parsed:
            problems += check.items
            continue
        (source,) = parsed.values()
        existing = knowledge.sources.get(source.id)
        if existing is None:
            changes.append(SourceAdd(source_document(source), origin=where))
            sources[source.id] = source
        elif existing != source:
            problems.append(Problem(f"{where}.id", f"{source.id!r} already exists with different "
                                    "details; an existing source can't be changed by import"))
    return changes


def _new_role_changes(doc: dict, knowledge: Knowledge, sources: dict[str, Source],
                      problems: list[Problem]) -> tuple[list[Action], set[str]]:
    changes: list[Action] = []
    added: set[str] = set()
    for i, item in enumerate(_items(doc, "new_roles", problems)):
        where = f"new_roles[{i}]"
        slug = item.get("slug") if isinstance(item, dict) else None
        if not isinstance(item, dict):
            problems.append(Problem(where, "must be a mapping of role fields"))
            continue
        if not isinstance(slug, str) or not SLUG_RE.match(slug):
            problems.append(Problem(f"{where}.slug", f"{shown(slug)} must be lowercase words joined by "
                                    "hyphens, like data-engineer"))
            continue
        check = PathChecker(prefix=where)
        role = parse_role(item, f"{slug}.yaml", sources, check)
        if check.items or role is None:
            problems += check.items
            continue
        document = role_document(role)
        if slug in knowledge.roles:
            if role_document(knowledge.roles[slug]) != document:
                problems.append(Problem(f"{where}.slug", f"{slug!r} already exists; put changes "
                                        "to it under roles"))
            continue
        if slug in added:
            problems.append(Problem(f"{where}.slug", f"{slug!r} is listed twice"))
            continue
        changes.append(RoleAdd(document, origin=where))
        added.add(slug)
    return changes, added


def _stats_changes(slug: str, entries: Any, where: str, knowledge: Knowledge,
                   sources: dict[str, Source], problems: list[Problem]) -> list[Action]:
    role = knowledge.roles[slug]
    if not isinstance(entries, list):
        problems.append(Problem(f"{where}.stats", "must be a list of snapshots"))
        return []
    changes: list[Action] = []
    for j, entry in enumerate(entries):
        at = f"{where}.stats[{j}]"
        if not isinstance(entry, dict):
            problems.append(Problem(at, "must be a mapping"))
            continue
        source_id = entry.get("source")
        if not isinstance(source_id, str) or source_id not in sources:
            problems.append(Problem(f"{at}.source", f"{shown(source_id)} is not a known source"))
            continue
        odd = [key for key in entry if not isinstance(key, str)]
        if odd:  # YAML keys may be numbers, dates or null: no figure is named so
            problems += [Problem(f"{at}.{key_label(key)}", "is not a known field") for key in odd]
            continue
        snap = role.snapshot(source_id)
        merged = snapshot_document(snap) if snap is not None else {"source": source_id}
        given: dict[str, Any] = {}
        groups = {k for k, fs in snapshot_layout().items() if fs[0].group}
        for key, value in entry.items():
            if key in groups and isinstance(value, dict):
                for sub, sub_value in value.items():
                    given[f"{key}.{key_label(sub)}"] = sub_value
            elif key not in ("source", "as_of"):
                given[key] = value
        for name, value in given.items():
            if name in STAT_FIELDS:
                set_stat(merged, name, value)
            else:
                set_stat(merged, name, value, keep_none=True)  # reported as unknown below
        if (raw := entry.get("as_of")) is not None:
            # a number (2026) reads as its text; anything else is left for the validator
            merged["as_of"] = str(raw) if isinstance(raw, int | str) else raw
        elif snap is None:
            problems.append(Problem(f"{at}.as_of", "is required for figures from a new source"))
            continue
        check = PathChecker(rename={"stats[0]": at})
        parse_stats([merged], sources, check)
        if check.items:
            problems += check.items
            continue
        values = {n: stat_value(merged, n) for n in given
                  if not same_value(stat_value(merged, n), stat_value(snap, n))}
        as_of = merged["as_of"]
        if values or snap is None or as_of != snap.as_of:
            changes.append(SetFigures(slug, source_id, as_of, values, origin=at))
    return changes


def _alias_changes(slug: str, value: Any, where: str, knowledge: Knowledge,
                   problems: list[Problem]) -> list[Action]:
    role = knowledge.roles[slug]
    check = PathChecker(prefix=where)
    wanted = check.texts({"aliases": value}, "aliases", "")
    if check.items:
        problems += check.items
        return []
    have = {alias_key(a): a for a in role.aliases}
    want = {alias_key(a): (i, a) for i, a in enumerate(wanted)}
    changes: list[Action] = [Alias("remove", slug, alias, origin=f"{where}.aliases")
                             for key, alias in have.items() if key not in want]
    changes += [Alias("add", slug, alias, origin=f"{where}.aliases[{i}]")
                for key, (i, alias) in want.items() if key not in have]
    return changes


#: Keys an entry of ``roles`` may name its role with (``role: mle`` reads as ``slug: mle``).
ROLE_NAME_KEYS = ("slug", "role")


def role_resolver(knowledge: Knowledge) -> Callable[[Any], str | None]:
    """The slug of the role a name names exactly (slug, name or alias, as every command
    accepts them; ``kb set`` resolves the same way), else None: an import never guesses."""
    index = role_index(knowledge)

    def resolve(name: Any) -> str | None:
        if not isinstance(name, str):
            return None
        if name in knowledge.roles:
            return name
        match = index.resolve(name)
        return match.slug if match.ok and match.exact else None

    return resolve


def _role_entries(doc: dict, problems: list[Problem]) -> list[tuple[str, Any, Any]]:
    """(path, role name, entry) for each entry of ``roles``: a list of entries naming their
    role with ``slug`` (or ``role``), or a mapping from role names to entries."""
    value = doc.get("roles")
    if isinstance(value, dict):
        return [(f"roles.{key_label(name)}", name, item) for name, item in value.items()]
    out = []
    for i, item in enumerate(_items(doc, "roles", problems)):
        name = next((item[k] for k in ROLE_NAME_KEYS if k in item), None) \
            if isinstance(item, dict) else None
        out.append((f"roles[{i}]", name, item))
    return out


def _role_changes(doc: dict, knowledge: Knowledge, sources: dict[str, Source], added: set[str],
                  problems: list[Problem]) -> list[Action]:
    changes: list[Action] = []
    resolve = role_resolver(knowledge)
    for where, name, item in _role_entries(doc, problems):
        if not isinstance(item, dict):
            problems.append(Problem(where, "must be a mapping of role fields"))
            continue
        named_by = [k for k in ROLE_NAME_KEYS if k in item]
        for key in item:
            if key not in ROLE_KEYS and key not in named_by:
                problems.append(Problem(f"{where}.{key_label(key)}", "is not a known field"))
        if len(named_by) > 1 or (named_by and where.startswith("roles.")):
            problems.append(Problem(f"{where}.{named_by[-1]}", "name the role once: with slug, "
                                    "with role, or as the key of its entry"))
            continue
        at = f"{where}.{named_by[0]}" if named_by else where
        if name is None:
            problems.append(Problem(at, "names no role: add slug: with the role's slug, name "
                                    "or an alias, e.g. slug: mlops-engineer"))
            continue
        slug = resolve(name)
        if slug is None:
            hint = " (it is added under new_roles; put all of it there)" if name in added else \
                "; add new roles under new_roles"
            problems.append(Problem(at, f"{shown(name)} is not a role here{hint}"))
            continue
        current = role_document(knowledge.roles[slug])
        sections = [k for k in SECTION_FIELDS if k in item]
        if sections:
            merged = {**current, **{k: item[k] for k in sections}}
            merged = {k: v for k, v in merged.items() if v is not None}
            check = PathChecker(prefix=where)
            parsed = parse_role(merged, f"{slug}.yaml", sources, check)
            if check.items or parsed is None:
                problems += check.items
            else:
                new = role_document(parsed)
                changes += [SetSection(slug, k, new.get(k), origin=f"{where}.{k}")
                            for k in sections if new.get(k) != current.get(k)]
        if "aliases" in item:
            changes += _alias_changes(slug, item["aliases"], where, knowledge, problems)
        if "stats" in item:
            changes += _stats_changes(slug, item["stats"], where, knowledge, sources, problems)
    return changes


def _faq_changes(doc: dict, knowledge: Knowledge, scope: str, sources: dict[str, Source],
                 problems: list[Problem]) -> list[Action]:
    changes: list[Action] = []
    by_id = {e.id: e for e in knowledge.faq}
    by_question = {fold(e.question): e for e in knowledge.faq}
    for i, item in enumerate(_items(doc, "faq", problems)):
        where = f"faq[{i}]"
        if not isinstance(item, dict):
            problems.append(Problem(where, "must be a mapping"))
            continue
        fields = {k: v for k, v in item.items() if k != "id"}
        check = PathChecker(rename={"faq[0]": where})
        parsed = parse_faq({"faq": [fields]}, sources, check)
        entry_id = item.get("id")
        if entry_id is not None and (isinstance(entry_id, bool) or not isinstance(entry_id, int)):
            check.fail(f"{where}.id", f"{shown(entry_id)} is not an entry number")
        if check.items or not parsed:
            problems += check.items
            continue
        entry = parsed[0]
        source_id = entry.source.id if entry.source else None
        existing = by_id.get(entry_id) if entry_id is not None else None
        if existing is None:
            existing = by_question.get(fold(entry.question))
        if existing is None:
            changes.append(FaqAdd(entry.question, entry.answer, list(entry.tags), source_id,
                                  origin=where))
            continue
        same = (existing.question, existing.answer, tuple(existing.tags),
                existing.source.id if existing.source else None) == \
            (entry.question, entry.answer, entry.tags, source_id)
        if same:
            continue
        if existing.guild_id != scope:
            problems.append(Problem(where, f"FAQ entry {existing.id} is shared with every server "
                                    "and can't be changed here; ask a different question to add "
                                    "your own entry"))
            continue
        changes.append(FaqEdit(existing.id, entry.question, entry.answer, list(entry.tags),
                               source_id, origin=where))
    return changes


def import_changes(data: Any, lines: Mapping[str, int], knowledge: Knowledge,
                   scope: str) -> tuple[list[Action], list[Problem]]:
    """The changes a parsed document asks of ``knowledge`` (``scope``'s view), or every
    problem with it. Nothing is written here."""
    problems: list[Problem] = []
    if not isinstance(data, dict):
        problems.append(Problem("", "the file must be a mapping with sources, new_roles, roles "
                                "and faq lists"))
        return [], [with_line(p, lines) for p in problems]
    for key in data:
        if key not in TOP_KEYS:
            problems.append(Problem(key_label(key), "is not a known field (expected "
                                    + ", ".join(TOP_KEYS) + ")"))
    if data.get("format") not in (None, FORMAT):
        problems.append(Problem("format", f"{shown(data['format'])} is not {FORMAT!r}"))
    sources = dict(knowledge.sources)
    changes = _source_changes(data, knowledge, sources, problems)
    added_changes, added = _new_role_changes(data, knowledge, sources, problems)
    changes += added_changes
    changes += _role_changes(data, knowledge, sources, added, problems)
    changes += _faq_changes(data, knowledge, scope, sources, problems)
    problems = [with_line(p, lines) for p in problems]
    return ([] if problems else changes), problems
