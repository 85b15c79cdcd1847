"""Roles, sources and FAQ entries as plain documents shaped like the knowledge files.

Moderators' overlays, ``kb show``, export and import all speak this one shape, so a role
exported from a server reads like ``knowledge/roles/<slug>.yaml`` and is checked by the
very validators the files are (``bot.knowledge.files``): the rules for a figure cannot
differ between a pull request and a moderator's edit.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

from bot.knowledge.fields import Names, field, role_text_fields, stat_fields
from bot.knowledge.models import FaqEntry, Role, Source, StatSnapshot

#: Role fields an overlay may replace as a whole (everything but slug, aliases and stats).
SECTION_FIELDS = ("name", "focus", "summary", "skills", "tools", "career", "getting_in", "week",
                  "market", "postings", "metros", "related")
#: Section fields that are one line of text, settable with ``kb set ROLE FIELD TEXT``
#: (the field table's role texts, ``bot.knowledge.fields``).
TEXT_FIELDS: Sequence[str] = Names(role_text_fields)
#: Figures of a statistics snapshot, as dotted paths into its document (the field table's).
STAT_FIELDS: Sequence[str] = Names(stat_fields)
#: Role fields the files' shape cannot hold (derived from open data at build time, see
#: ``bot.knowledge.derived``): an edited role keeps the base role's values.
DERIVED_FIELDS = ("occupations", "job_zones", "job_zone_source", "path_guidance", "survey_cuts")


def plain_number(value: Any) -> Any:
    """9.0 -> 9: figures read back from SQLite's REAL columns print as people wrote them."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def source_document(source: Source) -> dict[str, Any]:
    doc: dict[str, Any] = {"id": source.id, "name": source.name, "kind": source.kind,
                           "date": source.date}
    for key in ("note", "url", "licence", "attribution"):
        if value := getattr(source, key):
            doc[key] = value
    return doc


def source_from_document(doc: dict[str, Any]) -> Source:
    """A Source from a document already checked by ``files.parse_sources``."""
    return Source(**{k: str(doc.get(k) or "") for k in
                     ("id", "name", "kind", "date", "note", "url", "licence", "attribution")})


def stat_value(snapshot: StatSnapshot | dict | None, name: str) -> Any:
    """One figure (``salary.median``) of a snapshot or snapshot document; None if unknown."""
    if snapshot is None:
        return None
    if isinstance(snapshot, dict):
        node: Any = snapshot
        for part in name.split("."):
            node = node.get(part) if isinstance(node, dict) else None
        return plain_number(node)
    value = snapshot.figure(name)
    f = field(name)
    return (value or None) if f is not None and f.is_text else plain_number(value)


def set_stat(doc: dict[str, Any], field: str, value: Any, *, keep_none: bool = False) -> None:
    """Set a figure in a snapshot document; None removes it (or, with keep_none, writes null)."""
    if "." not in field:
        if value is None and not keep_none:
            doc.pop(field, None)
        else:
            doc[field] = value
        return
    group, key = field.split(".", 1)
    inner = doc.get(group)
    inner = dict(inner) if isinstance(inner, dict) else {}
    if value is None and not keep_none:
        inner.pop(key, None)
    else:
        inner[key] = value
    if inner:
        doc[group] = inner
    else:
        doc.pop(group, None)


def snapshot_document(snapshot: StatSnapshot) -> dict[str, Any]:
    doc: dict[str, Any] = {"source": snapshot.source.id, "as_of": snapshot.as_of}
    for f in stat_fields():
        value = stat_value(snapshot, f.name)
        if value is not None:
            set_stat(doc, f.name, value)
    return doc


def _put(doc: dict[str, Any], key: str, value: Any) -> None:
    """Add ``value`` unless it is empty, as the files leave empty fields out."""
    if value not in (None, "", (), [], {}):
        doc[key] = list(value) if isinstance(value, tuple) else value


def _section(**values: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in values.items():
        _put(out, key, value)
    return out


def role_document(role: Role) -> dict[str, Any]:
    """The role as it would be written in ``knowledge/roles/<slug>.yaml``."""
    doc: dict[str, Any] = {"slug": role.slug, "name": role.name}
    _put(doc, "aliases", role.aliases)
    _put(doc, "focus", role.focus)
    _put(doc, "summary", role.summary)
    _put(doc, "stats", [snapshot_document(s) for s in role.stats])
    if role.skills or role.skills_source:
        _put(doc, "skills", _section(source=role.skills_source.id if role.skills_source else None,
                                     top=role.skills))
    _put(doc, "tools", [_section(area=t.area, items=t.items, note=t.note) for t in role.tools])
    _put(doc, "career", _section(progression=role.progression, leads_to=role.leads_to,
                                 ceiling=role.ceiling))
    _put(doc, "getting_in", _section(best_from=role.best_from, summary=role.getting_in,
                                     steps=role.getting_in_steps))
    _put(doc, "week", _section(source=role.week_source.id if role.week_source else None,
                               tasks=role.week_tasks, summary=role.week_summary))
    _put(doc, "market", role.market)
    _put(doc, "postings", _section(good=role.postings_good, red_flags=role.red_flags))
    _put(doc, "metros", role.metros)
    if role.related or role.related_source:
        _put(doc, "related", _section(
            source=role.related_source.id if role.related_source else None, roles=role.related))
    return doc


def faq_document(entry: FaqEntry) -> dict[str, Any]:
    doc: dict[str, Any] = {"id": entry.id, "question": entry.question, "answer": entry.answer}
    _put(doc, "tags", entry.tags)
    if entry.source is not None:
        doc["source"] = entry.source.id
    return doc


def with_derived(role: Role, original: Role | None) -> Role:
    """``role`` (parsed from a document) with the derived fields of the role it edits."""
    if original is None:
        return role
    return dataclasses.replace(role, **{f: getattr(original, f) for f in DERIVED_FIELDS})
