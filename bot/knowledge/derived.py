"""Knowledge derived from open data: the reviewed mappings and the importers' output.

Why the importers write files of their own (``knowledge/generated/``) instead of
editing ``knowledge/roles/<slug>.yaml``:

- The role files are written and reviewed by people, with comments and a layout chosen
  for reading. A YAML round-trip would rewrite all of that; an importer that never
  touches them cannot damage the seed's prose or its primary (posting) figures.
- Each import is one self-describing file: its source (name, date, licence,
  attribution), the input's checksum, the filters, the minimum sample size, the figures
  per role, and the roles withheld with the reason. A pull request shows exactly what
  an import changed, and deleting a snapshot is deleting a file.
- Idempotency is trivial to state and test: the same input produces the same bytes.

The database is still built only from ``knowledge/``: ``load_knowledge_dir`` reads these
files, validates them like every other knowledge file, and merges them into the roles
(``apply``). The rules of the merge, in one place:

- Salary-survey snapshots are added *after* a role file's own statistics, newest first,
  so the seed's posting snapshot stays primary where it exists.
- O*NET skills, tasks and related occupations fill a role's skills, week and related
  list only where the role file has none; the role's O*NET occupations are always set.

Layout (all paths relative to the knowledge directory):

- ``mappings/salary-titles.yaml``: reviewed survey job title -> role slug.
- ``mappings/onet-crosswalk.yaml``: reviewed role slug -> O*NET occupation codes (with
  the reason), plus display names for O*NET technology names.
- ``generated/salary-survey/<date>.yaml``: one per imported survey snapshot.
- ``generated/onet.yaml``: the current O*NET import.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.knowledge.fields import snapshot_layout
from bot.knowledge.models import JobZone, Role, Source, StatSnapshot, ToolGroup
from bot.knowledge.validation import parse_stats

TITLES_FILE = Path("mappings") / "salary-titles.yaml"
CROSSWALK_FILE = Path("mappings") / "onet-crosswalk.yaml"
SALARY_DIR = Path("generated") / "salary-survey"
ONET_FILE = Path("generated") / "onet.yaml"

SOC_RE = re.compile(r"^\d{2}-\d{4}\.\d{2}$")
#: Heading of the tools group listing O*NET's other in-demand technologies for a role.
ALSO_IN_DEMAND_AREA = "Also flagged hot or in demand"


def title_key(title: str) -> str:
    """How survey job titles are compared with the mapping: case and spacing ignored."""
    return " ".join(title.split()).casefold()


# ---------------------------------------------------------------------------------------
# Mappings


@dataclass(frozen=True, slots=True)
class TitleMapping:
    """Survey job titles per role slug, as reviewed in ``mappings/salary-titles.yaml``."""

    roles: dict[str, tuple[str, ...]]

    def by_title(self) -> dict[str, str]:
        """title key -> slug."""
        return {title_key(t): slug for slug, titles in self.roles.items() for t in titles}


@dataclass(frozen=True, slots=True)
class CrosswalkEntry:
    """One role's O*NET occupations, the reviewer's reason, and optional task picks."""

    codes: tuple[str, ...]
    why: str
    tasks: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class Crosswalk:
    roles: dict[str, CrosswalkEntry]
    skill_names: dict[str, str] = field(default_factory=dict)


def parse_title_mapping(data: Any, check: Any) -> TitleMapping:
    """Validate the title mapping; a title listed for two roles is an error."""
    if not isinstance(data, dict) or not isinstance(data.get("roles"), dict):
        check.fail("roles", "must be a mapping of role slug to a list of job titles")
        return TitleMapping({})
    check.unknown_keys(data, ("roles",), "")
    roles: dict[str, tuple[str, ...]] = {}
    owner: dict[str, str] = {}
    for slug, titles in data["roles"].items():
        where = f"roles.{slug}"
        if not isinstance(titles, list) or not titles:
            check.fail(where, "must be a non-empty list of job titles")
            continue
        kept = []
        for i, title in enumerate(titles):
            if not isinstance(title, str) or not title.strip():
                check.fail(f"{where}[{i}]", f"{title!r} is not a job title")
                continue
            key = title_key(title)
            if key in owner:
                check.fail(f"{where}[{i}]", f"{title!r} is already mapped to {owner[key]}")
                continue
            owner[key] = str(slug)
            kept.append(" ".join(title.split()))
        roles[str(slug)] = tuple(kept)
    return TitleMapping(roles)


def parse_crosswalk(data: Any, check: Any) -> Crosswalk:
    """Validate the O*NET crosswalk: codes look like SOC codes and every role says why."""
    if not isinstance(data, dict) or not isinstance(data.get("roles"), dict):
        check.fail("roles", "must be a mapping of role slug to its O*NET occupations")
        return Crosswalk({})
    check.unknown_keys(data, ("roles", "skill_names"), "")
    roles: dict[str, CrosswalkEntry] = {}
    for slug, entry in data["roles"].items():
        where = f"roles.{slug}"
        if not isinstance(entry, dict):
            check.fail(where, "must be a mapping with occupations and why")
            continue
        check.unknown_keys(entry, ("occupations", "why", "tasks"), where)
        codes = check.texts(entry, "occupations", where)
        if not codes:
            check.fail(f"{where}.occupations", "must list at least one O*NET-SOC code")
        for i, code in enumerate(codes):
            if not SOC_RE.match(code):
                check.fail(f"{where}.occupations[{i}]", f"{code!r} is not an O*NET-SOC code like 15-2051.00")
        tasks = entry.get("tasks") or []
        if not isinstance(tasks, list) or not all(
            isinstance(t, int) and not isinstance(t, bool) for t in tasks
        ):
            check.fail(f"{where}.tasks", "must be a list of O*NET task ids")
            tasks = []
        roles[str(slug)] = CrosswalkEntry(
            codes=codes, why=check.text(entry, "why", where, required=True), tasks=tuple(tasks)
        )
    names = data.get("skill_names") or {}
    if not isinstance(names, dict) or not all(
        isinstance(k, str) and isinstance(v, str) and v.strip() for k, v in names.items()
    ):
        check.fail("skill_names", "must map O*NET technology names to display names")
        names = {}
    return Crosswalk(roles, {k: " ".join(v.split()) for k, v in names.items()})


# ---------------------------------------------------------------------------------------
# Generated files

SOURCE_KEYS = ("id", "name", "kind", "date", "note", "url", "licence", "attribution")


@dataclass
class Derived:
    """Everything read from ``generated/``: extra sources and per-role additions."""

    sources: dict[str, Source] = field(default_factory=dict)
    #: slug -> survey snapshots (unsorted; ``apply`` orders them newest first).
    stats: dict[str, list[StatSnapshot]] = field(default_factory=dict)
    onet_source: Source | None = None
    #: slug -> the O*NET additions for the role.
    onet: dict[str, OnetRole] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class OnetRole:
    occupations: tuple[str, ...]
    skills: tuple[str, ...]
    also_in_demand: tuple[str, ...]
    tasks: tuple[str, ...]
    related: tuple[str, ...]
    job_zones: tuple[JobZone, ...] = ()


def _parse_source_block(data: Any, check: Any) -> Source | None:
    if not isinstance(data, dict):
        check.fail("source", "must be a mapping naming the source of this import")
        return None
    check.unknown_keys(data, SOURCE_KEYS, "source")
    source = Source(
        id=check.text(data, "id", "source", required=True),
        name=check.text(data, "name", "source", required=True),
        kind=check.text(data, "kind", "source", required=True),
        date=check.date(data, "date", "source"),
        note=check.text(data, "note", "source"),
        url=check.text(data, "url", "source"),
        licence=check.text(data, "licence", "source", required=True),
        attribution=check.text(data, "attribution", "source"),
    )
    return source if source.id else None


def survey_keys() -> tuple[str, ...]:
    """The keys of a role's entry in an imported survey snapshot that hold figures: the
    field table's snapshot keys, without the filters (the file states them once) and what
    only job postings count (a survey counts responses)."""
    return tuple(key for key, fields in snapshot_layout().items()
                 if not any(f.is_text or f.openings_only for f in fields))


def parse_salary_snapshot(
    data: Any, check: Any, sources: dict[str, Source]
) -> tuple[Source | None, dict[str, StatSnapshot]]:
    """One imported survey snapshot: its source and each published role's figures."""

    if not isinstance(data, dict):
        check.fail("", "must be a mapping")
        return None, {}
    check.unknown_keys(
        data, ("source", "as_of", "input", "filters", "min_n", "rows", "roles", "withheld"), ""
    )
    source = _parse_source_block(data.get("source"), check)
    if source is None:
        return None, {}
    known = {**sources, source.id: source}
    filters = data.get("filters")
    if not isinstance(filters, dict) or not isinstance(filters.get("text"), str):
        check.fail("filters.text", "is required: the filters as replies state them")
        filters = {"text": ""}
    roles = data.get("roles")
    if not isinstance(roles, dict):
        check.fail("roles", "must be a mapping of role slug to figures")
        return source, {}
    out: dict[str, StatSnapshot] = {}
    figures = survey_keys()
    for slug, entry in roles.items():
        if not isinstance(entry, dict):
            check.fail(f"roles.{slug}", "must be a mapping")
            continue
        check.unknown_keys(entry, (*figures, "titles"), f"roles.{slug}")
        item = {
            "source": source.id, "as_of": data.get("as_of"), "filters": filters["text"],
            **{k: entry[k] for k in figures if k in entry},
        }
        sub = type(check)(check.file)
        (snapshot,) = parse_stats([item], known, sub) or (None,)
        check.problems += [p.replace("stats[0]", f"roles.{slug}") for p in sub.problems]
        if snapshot is not None and not sub.problems:
            if snapshot.salary.n is None:
                check.fail(f"roles.{slug}.salary.n", "is required: every figure shows its sample size")
            out[str(slug)] = snapshot
    return source, out


def parse_onet(data: Any, check: Any) -> tuple[Source | None, dict[str, OnetRole]]:
    """The O*NET import: its source (with the attribution) and each role's additions."""
    if not isinstance(data, dict):
        check.fail("", "must be a mapping")
        return None, {}
    check.unknown_keys(data, ("source", "input", "method", "roles"), "")
    source = _parse_source_block(data.get("source"), check)
    if source is not None and not source.attribution:
        check.fail("source.attribution", "is required: O*NET content must carry its attribution")
    roles = data.get("roles")
    if not isinstance(roles, dict):
        check.fail("roles", "must be a mapping of role slug to O*NET content")
        return source, {}
    out: dict[str, OnetRole] = {}
    for slug, entry in roles.items():
        where = f"roles.{slug}"
        if not isinstance(entry, dict):
            check.fail(where, "must be a mapping")
            continue
        check.unknown_keys(
            entry, ("occupations", "skills", "also_in_demand", "tasks", "related", "preparation"),
            where,
        )

        def names(key: str, text_key: str, where: str = where, entry: dict = entry) -> tuple[str, ...]:
            items = entry.get(key) or []
            if not isinstance(items, list):
                check.fail(f"{where}.{key}", "must be a list")
                return ()
            got = []
            for i, item in enumerate(items):
                value = item.get(text_key) if isinstance(item, dict) else item
                if not isinstance(value, str) or not value.strip():
                    check.fail(f"{where}.{key}[{i}]", f"needs a non-empty {text_key}")
                    continue
                got.append(" ".join(value.split()))
            return tuple(got)

        occupations = tuple(
            f"{o['title']} ({o['code']})"
            for o in entry.get("occupations") or []
            if isinstance(o, dict) and o.get("title") and o.get("code")
        )
        if not occupations:
            check.fail(f"{where}.occupations", "must list the occupations the content comes from")
        out[str(slug)] = OnetRole(
            occupations=occupations,
            skills=names("skills", "name"),
            also_in_demand=names("also_in_demand", "name"),
            tasks=names("tasks", "text"),
            related=names("related", "title"),
            job_zones=_job_zones(entry.get("preparation"), f"{where}.preparation", check),
        )
    return source, out


def _job_zones(items: Any, where: str, check: Any) -> tuple[JobZone, ...]:
    """Each occupation's O*NET Job Zone (1-5) with its meaning, as the importer wrote it."""
    if items is None:
        return ()
    if not isinstance(items, list):
        check.fail(where, "must be a list")
        return ()
    out = []
    for i, item in enumerate(items):
        at = f"{where}[{i}]"
        if not isinstance(item, dict):
            check.fail(at, "must be a mapping with code, title, zone and meaning")
            continue
        check.unknown_keys(item, ("code", "title", "zone", "meaning"), at)
        zone = item.get("zone")
        if isinstance(zone, bool) or not isinstance(zone, int) or not 1 <= zone <= 5:
            check.fail(f"{at}.zone", f"{zone!r} is not an O*NET Job Zone (1 to 5)")
            continue
        code = check.text(item, "code", at, required=True)
        title = check.text(item, "title", at, required=True)
        meaning = check.text(item, "meaning", at, required=True)
        if code and title and meaning:
            out.append(JobZone(occupation=f"{title} ({code})", zone=zone, meaning=meaning))
    return tuple(out)


def apply(roles: dict[str, Role], derived: Derived) -> dict[str, Role]:
    """Merge the derived data into the roles (see the module docstring for the rules)."""
    merged: dict[str, Role] = {}
    for slug, role in roles.items():
        changes: dict[str, Any] = {}
        survey = sorted(derived.stats.get(slug, ()), key=lambda s: (s.as_of, s.source.id),
                        reverse=True)
        if survey:
            changes["stats"] = (*role.stats, *survey)
        onet = derived.onet.get(slug)
        if onet is not None and derived.onet_source is not None:
            src = derived.onet_source
            changes["occupations"] = onet.occupations
            if onet.job_zones:
                changes.update(job_zones=onet.job_zones, job_zone_source=src)
            if not role.skills and onet.skills:
                changes.update(skills=onet.skills, skills_source=src)
                if not role.tools and onet.also_in_demand:
                    changes["tools"] = (ToolGroup(
                        area=ALSO_IN_DEMAND_AREA, items=onet.also_in_demand,
                        note=("Other technologies O*NET flags as hot or in demand for these occupations, "
                              "from a reviewed list of what fits the role"),
                    ),)
            if not role.week_tasks and onet.tasks:
                changes.update(week_tasks=onet.tasks, week_source=src)
            if not role.related and onet.related:
                changes.update(related=onet.related, related_source=src)
        merged[slug] = dataclasses.replace(role, **changes) if changes else role
    return merged
