"""Read and validate the human-edited knowledge files.

Validation collects every problem at once and names the file and the field, so a
reviewer fixing a pull request sees all of them in one run instead of one per build.
Nothing here writes anything: ``careerbot kb validate`` and the builder share it.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from bot.knowledge.limits import (
    MAX_COUNT,
    MAX_PERCENT,
    MAX_SALARY,
    MAX_YEAR,
    MIN_YEAR,
    item_chars,
    list_items,
    text_chars,
)
from bot.knowledge.models import (
    EXPERIENCE_LEVELS,
    Experience,
    FaqEntry,
    Knowledge,
    MarketFact,
    Role,
    Salary,
    Source,
    StatSnapshot,
    ToolGroup,
)
from bot.knowledge.safe_parse import InputRefused, load_yaml

SLUG_RE = re.compile(r"\A[a-z0-9]+(?:-[a-z0-9]+)*\Z")
DATE_RE = re.compile(r"\A[0-9]{4}(?:-[0-9]{2}(?:-[0-9]{2})?)?\Z")
#: How far an experience mix may stray from 100% (rounding in the sources).
EXPERIENCE_SUM_TOLERANCE = 3.0
SALARY_FIELDS = ("avg_low", "avg_high", "median", "p25", "p75", "mean")
#: Characters no text may hold: NUL, and lone surrogates (half of a UTF-16 pair, which
#: is not Unicode at all and cannot be encoded to store or send).
_BAD_CHAR = re.compile("[\x00\ud800-\udfff]")
#: How much of a value a problem message quotes.
_SHOWN_CHARS = 60


class KnowledgeError(Exception):
    """Raised with every validation problem found; each names its file and field."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("\n".join(problems))


def shown(value: Any) -> str:
    """A value as a problem message quotes it: short, printable, and never failing (a
    number of thousands of digits cannot even be converted to text)."""
    if isinstance(value, bool) or value is None:
        return repr(value)
    if isinstance(value, int):
        if value.bit_length() > 100:  # about 30 digits
            return f"a number of about {int(value.bit_length() * 0.30103) + 1:,} digits"
        return str(value)
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, str):
        return repr(value if len(value) <= _SHOWN_CHARS else value[:_SHOWN_CHARS] + "…")
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list | tuple):
        return "a list"
    return f"a value of type {type(value).__name__}"


def key_label(key: Any) -> str:
    """A mapping key as a field path shows it: itself if it is plain text, else quoted."""
    if isinstance(key, str) and len(key) <= _SHOWN_CHARS and not _BAD_CHAR.search(key):
        return key
    return shown(key)


def text_problem(value: str, limit: int) -> str | None:
    """Why ``value`` (whitespace already collapsed) cannot be stored as a text, or None."""
    bad = _BAD_CHAR.search(value)
    if bad is not None:
        char = bad.group()
        what = "a NUL character" if char == "\x00" else \
            f"a lone surrogate (U+{ord(char):04X}), which is not valid Unicode"
        return f"contains {what}; text must be valid Unicode without NUL characters"
    if len(value) > limit:
        return f"is {len(value):,} characters; the limit is {limit:,}"
    return None


def date_problem(value: str) -> str | None:
    """Why ``value`` is not a date (YYYY, YYYY-MM or YYYY-MM-DD that exists), or None."""
    if not DATE_RE.match(value):
        return f"{shown(value)} is not a date (YYYY, YYYY-MM or YYYY-MM-DD)"
    parts = [int(p) for p in value.split("-")]
    if not MIN_YEAR <= parts[0] <= MAX_YEAR:
        return f"{value!r} is not a date from {MIN_YEAR} to {MAX_YEAR}"
    try:
        date(parts[0], *[*parts[1:], 1, 1][:2])
    except ValueError:
        return f"{value!r} is not a date that exists"
    return None


@dataclass
class _Checker:
    """Collects problems for one file while values are converted.

    Every limit comes from ``bot.knowledge.limits``, by the field's path, so the files,
    moderators' edits and imports are held to the same ones.
    """

    file: str
    problems: list[str] = field(default_factory=list)

    def fail(self, where: str, message: str) -> None:
        self.problems.append(f"{self.file}: {where}: {message}" if where else f"{self.file}: {message}")

    def text(self, data: dict, key: str, where: str, *, required: bool = False) -> str:
        value = data.get(key)
        name = _join(where, key)
        if value is None:
            if required:
                self.fail(name, "is required")
            return ""
        if not isinstance(value, str) or (required and not value.strip()):
            self.fail(name, f"{shown(value)} is not a non-empty text")
            return ""
        text = " ".join(value.split())
        if problem := text_problem(text, text_chars(name)):
            self.fail(name, problem)
            return ""
        return text

    def texts(self, data: dict, key: str, where: str) -> tuple[str, ...]:
        value = data.get(key)
        if value is None:
            return ()
        name = _join(where, key)
        if not isinstance(value, list):
            self.fail(name, "must be a list of texts")
            return ()
        most = list_items(name)
        if len(value) > most:
            self.fail(name, f"has {len(value):,} items; the limit is {most:,}")
            return ()
        limit = item_chars(name)
        out = []
        for i, item in enumerate(value):
            if not isinstance(item, str | int | float) or isinstance(item, bool) or \
                    (isinstance(item, int) and item.bit_length() > 64) or not str(item).strip():
                self.fail(f"{name}[{i}]", f"{shown(item)} is not a non-empty text")
                continue
            text = " ".join(str(item).split())
            if problem := text_problem(text, limit):
                self.fail(f"{name}[{i}]", problem)
                continue
            out.append(text)
        return tuple(out)

    def number(self, data: dict, key: str, where: str, *, kind: str) -> float | None:
        """Check a figure: ``kind`` is count, money or pct. Figures are finite and within
        the ranges of ``bot.knowledge.limits``."""
        if key not in data or data[key] is None:
            return None
        value = data[key]
        name = _join(where, key)
        if isinstance(value, bool) or not isinstance(value, int | float):
            self.fail(name, f"{shown(value)} is not a number")
            return None
        if isinstance(value, float) and not math.isfinite(value):
            self.fail(name, f"{shown(value)} is not a finite number")
            return None
        if kind == "pct" and not 0 <= value <= MAX_PERCENT:
            self.fail(name, f"{shown(value)} is not a percentage (0 to {MAX_PERCENT})")
            return None
        if kind == "count" and (value < 0 or value != int(value)):
            self.fail(name, f"{shown(value)} is not a whole number of zero or more")
            return None
        if kind == "count" and value > MAX_COUNT:
            self.fail(name, f"{shown(value)} is above the limit for a count, {MAX_COUNT:,}")
            return None
        if kind == "money" and value <= 0:
            self.fail(name, f"{shown(value)} is not a positive salary")
            return None
        if kind == "money" and value > MAX_SALARY:
            self.fail(name, f"{shown(value)} is above the limit for a salary, {MAX_SALARY:,} "
                      "a year")
            return None
        return value

    def date(self, data: dict, key: str, where: str) -> str:
        value = data.get(key)
        name = _join(where, key)
        if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() <= 64:
            value = str(value)
        elif isinstance(value, date):
            value = value.isoformat()  # a date object from a loader that makes them
        if not isinstance(value, str) or not value:
            self.fail(name, f"{shown(value)} is not a date (YYYY, YYYY-MM or YYYY-MM-DD)")
            return ""
        if problem := date_problem(value):
            self.fail(name, problem)
            return ""
        return value

    def unknown_keys(self, data: dict, allowed: Iterable[str], where: str) -> None:
        for key in data:
            if key not in allowed:
                self.fail(_join(where, key_label(key)), "is not a known field")


def _join(where: str, key: str) -> str:
    return f"{where}.{key}" if where else key


def _load_yaml(path: Path, label: str, problems: list[str]) -> Any:
    """A knowledge file's data, through the same bounded loader imports use (libyaml's
    when PyYAML was built with it: the generated files are large enough to matter)."""
    try:
        data, _ = load_yaml(path.read_text(encoding="utf-8"), allow_aliases=True)
        return data
    except InputRefused as exc:
        where = f"line {exc.line}: " if exc.line is not None else ""
        problems.append(f"{label}: {where}{exc.message}")
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark is not None else "YAML"
        problem = getattr(exc, "problem", None) or "cannot be parsed"
        problems.append(f"{label}: {where}: {problem}")
    except (OSError, UnicodeDecodeError) as exc:
        problems.append(f"{label}: cannot be read ({exc})")
    return None


def knowledge_files(directory: Path) -> list[Path]:
    """Every file the database is built from, in a stable order."""
    return sorted(p for p in directory.rglob("*") if p.suffix in (".yaml", ".yml") and p.is_file())


def fingerprint(directory: Path) -> str:
    """A hash of the knowledge files' names and contents: the database is stale when it changes."""
    digest = hashlib.sha256()
    for path in knowledge_files(directory):
        digest.update(path.relative_to(directory).as_posix().encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()


# ---------------------------------------------------------------------------------------
# Sources and market


def _parse_sources(data: Any, check: _Checker) -> dict[str, Source]:
    if not isinstance(data, dict) or not isinstance(data.get("sources"), list):
        check.fail("sources", "must be a list")
        return {}
    sources: dict[str, Source] = {}
    for i, item in enumerate(data["sources"]):
        where = f"sources[{i}]"
        if not isinstance(item, dict):
            check.fail(where, "must be a mapping")
            continue
        check.unknown_keys(
            item, ("id", "name", "kind", "date", "note", "url", "licence", "attribution"), where
        )
        sid = check.text(item, "id", where, required=True)
        if sid and sid in sources:
            check.fail(f"{where}.id", f"{sid!r} is listed twice")
        source = Source(
            id=sid,
            name=check.text(item, "name", where, required=True),
            kind=check.text(item, "kind", where, required=True),
            date=check.date(item, "date", where),
            note=check.text(item, "note", where),
            url=check.text(item, "url", where),
            licence=check.text(item, "licence", where),
            attribution=check.text(item, "attribution", where),
        )
        if sid:
            sources[sid] = source
    return sources


def _source_ref(data: dict, where: str, sources: dict[str, Source], check: _Checker) -> Source | None:
    sid = check.text(data, "source", where, required=True)
    if sid and sid not in sources:
        check.fail(_join(where, "source"), f"{sid!r} is not a source listed in sources.yaml")
        return None
    return sources.get(sid)


def _parse_market(data: Any, sources: dict[str, Source], check: _Checker) -> dict[str, MarketFact]:
    if data is None:
        return {}
    if not isinstance(data, dict) or not isinstance(data.get("market"), list):
        check.fail("market", "must be a list")
        return {}
    facts: dict[str, MarketFact] = {}
    for i, item in enumerate(data["market"]):
        where = f"market[{i}]"
        if not isinstance(item, dict):
            check.fail(where, "must be a mapping")
            continue
        check.unknown_keys(item, ("key", "label", "value", "source", "as_of"), where)
        key = check.text(item, "key", where, required=True)
        value = check.number(item, "value", where, kind="count")
        source = _source_ref(item, where, sources, check)
        if value is None:
            check.fail(_join(where, "value"), "is required")
        if key and value is not None and source is not None:
            facts[key] = MarketFact(
                key=key,
                label=check.text(item, "label", where, required=True),
                value=value,
                source=source,
                as_of=check.date(item, "as_of", where),
            )
    return facts


# ---------------------------------------------------------------------------------------
# Roles

ROLE_KEYS = (
    "slug", "name", "aliases", "focus", "summary", "stats", "skills", "tools", "career",
    "getting_in", "week", "market", "postings", "metros", "related",
)


def _parse_salary(data: Any, where: str, check: _Checker) -> Salary:
    if data is None:
        return Salary()
    if not isinstance(data, dict):
        check.fail(where, "must be a mapping")
        return Salary()
    check.unknown_keys(data, (*SALARY_FIELDS, "n"), where)
    values = {k: check.number(data, k, where, kind="money") for k in SALARY_FIELDS}
    n = check.number(data, "n", where, kind="count")
    low, high = values["avg_low"], values["avg_high"]
    if (low is None) != (high is None):
        check.fail(where, "avg_low and avg_high go together")
    if low is not None and high is not None and low > high:
        check.fail(f"{where}.avg_low", f"{low} is above avg_high {high}")
    if values["p25"] is not None and values["p75"] is not None and values["p25"] > values["p75"]:
        check.fail(f"{where}.p25", f"{values['p25']} is above p75 {values['p75']}")
    if values["median"] is not None and values["p75"] is not None and values["median"] > values["p75"]:
        check.fail(f"{where}.median", f"{values['median']} is above p75 {values['p75']}")
    return Salary(**{k: int(v) if v is not None else None for k, v in values.items()},
                  n=int(n) if n is not None else None)


def _parse_experience(data: Any, where: str, check: _Checker) -> Experience:
    if data is None:
        return Experience()
    if not isinstance(data, dict):
        check.fail(where, "must be a mapping")
        return Experience()
    check.unknown_keys(data, EXPERIENCE_LEVELS, where)
    values = {k: check.number(data, k, where, kind="pct") for k in EXPERIENCE_LEVELS}
    known = [v for v in values.values() if v is not None]
    if known and abs(sum(known) - 100) > EXPERIENCE_SUM_TOLERANCE:
        check.fail(where, f"shares add up to {sum(known):g}%, not about 100%")
    return Experience(**values)


def _parse_stats(data: Any, sources: dict[str, Source], check: _Checker) -> tuple[StatSnapshot, ...]:
    if data is None:
        return ()
    if not isinstance(data, list):
        check.fail("stats", "must be a list of snapshots")
        return ()
    snapshots = []
    for i, item in enumerate(data):
        where = f"stats[{i}]"
        if not isinstance(item, dict):
            check.fail(where, "must be a mapping")
            continue
        check.unknown_keys(
            item,
            ("source", "as_of", "open_positions", "salary", "remote_pct", "experience", "filters"),
            where,
        )
        source = _source_ref(item, where, sources, check)
        as_of = check.date(item, "as_of", where)
        positions = check.number(item, "open_positions", where, kind="count")
        if positions is not None and source is not None and not source.counts_are_openings:
            check.fail(f"{where}.open_positions", f"source {source.id!r} counts responses, not openings")
        snapshot = StatSnapshot(
            source=source or Source("", "", "", ""),
            as_of=as_of,
            open_positions=int(positions) if positions is not None else None,
            salary=_parse_salary(item.get("salary"), f"{where}.salary", check),
            remote_pct=check.number(item, "remote_pct", where, kind="pct"),
            experience=_parse_experience(item.get("experience"), f"{where}.experience", check),
            filters=check.text(item, "filters", where),
        )
        snapshots.append(snapshot)
    return tuple(snapshots)


def _section(data: dict, key: str, allowed: tuple[str, ...], check: _Checker) -> dict:
    value = data.get(key)
    if value is None:
        return {}
    if not isinstance(value, dict):
        check.fail(key, "must be a mapping")
        return {}
    check.unknown_keys(value, allowed, key)
    return value


def parse_role(data: Any, label: str, sources: dict[str, Source], check: _Checker) -> Role | None:
    """Turn one role file's data into a Role, recording every problem in ``check``."""
    if not isinstance(data, dict):
        check.fail("", "must be a mapping of role fields")
        return None
    check.unknown_keys(data, ROLE_KEYS, "")
    slug = check.text(data, "slug", "", required=True)
    if slug and not SLUG_RE.match(slug):
        check.fail("slug", f"{slug!r} must be lowercase words joined by hyphens")
    expected = Path(label).stem
    if slug and slug != expected:
        check.fail("slug", f"{slug!r} does not match the file name {expected!r}")
    skills = _section(data, "skills", ("source", "top"), check)
    skills_source = _source_ref(skills, "skills", sources, check) if skills else None
    career = _section(data, "career", ("progression", "leads_to", "ceiling"), check)
    getting_in = _section(data, "getting_in", ("best_from", "summary", "steps"), check)
    week = _section(data, "week", ("tasks", "summary", "source"), check)
    week_source = _source_ref(week, "week", sources, check) if week.get("source") else None
    postings = _section(data, "postings", ("good", "red_flags"), check)
    related = _section(data, "related", ("source", "roles"), check)
    related_source = _source_ref(related, "related", sources, check) if related else None
    tools = []
    raw_tools = data.get("tools") or []
    if not isinstance(raw_tools, list):
        check.fail("tools", "must be a list")
        raw_tools = []
    for i, item in enumerate(raw_tools):
        where = f"tools[{i}]"
        if not isinstance(item, dict):
            check.fail(where, "must be a mapping")
            continue
        check.unknown_keys(item, ("area", "items", "note"), where)
        tools.append(
            ToolGroup(
                area=check.text(item, "area", where, required=True),
                items=check.texts(item, "items", where),
                note=check.text(item, "note", where),
            )
        )
    aliases = check.texts(data, "aliases", "")
    return Role(
        slug=slug,
        name=check.text(data, "name", "", required=True),
        aliases=aliases,
        focus=check.text(data, "focus", ""),
        summary=check.text(data, "summary", ""),
        stats=_parse_stats(data.get("stats"), sources, check),
        skills=check.texts(skills, "top", "skills"),
        skills_source=skills_source,
        tools=tuple(tools),
        progression=check.texts(career, "progression", "career"),
        leads_to=check.texts(career, "leads_to", "career"),
        ceiling=check.text(career, "ceiling", "career"),
        best_from=check.texts(getting_in, "best_from", "getting_in"),
        getting_in=check.text(getting_in, "summary", "getting_in"),
        getting_in_steps=check.texts(getting_in, "steps", "getting_in"),
        week_tasks=check.texts(week, "tasks", "week"),
        week_summary=check.text(week, "summary", "week"),
        week_source=week_source,
        market=check.text(data, "market", ""),
        postings_good=check.text(postings, "good", "postings"),
        red_flags=check.texts(postings, "red_flags", "postings"),
        metros=check.texts(data, "metros", ""),
        related=check.texts(related, "roles", "related"),
        related_source=related_source,
    )


# ---------------------------------------------------------------------------------------
# FAQ


def _parse_faq(data: Any, sources: dict[str, Source], check: _Checker) -> list[FaqEntry]:
    if data is None:
        return []
    if not isinstance(data, dict) or not isinstance(data.get("faq"), list):
        check.fail("faq", "must be a list")
        return []
    entries = []
    for i, item in enumerate(data["faq"]):
        where = f"faq[{i}]"
        if not isinstance(item, dict):
            check.fail(where, "must be a mapping")
            continue
        check.unknown_keys(item, ("question", "answer", "tags", "source"), where)
        source = _source_ref(item, where, sources, check) if item.get("source") else None
        entries.append(
            FaqEntry(
                id=0,
                question=check.text(item, "question", where, required=True),
                answer=check.text(item, "answer", where, required=True),
                tags=check.texts(item, "tags", where),
                source=source,
            )
        )
    return entries


# ---------------------------------------------------------------------------------------
# The whole directory


def load_knowledge_dir(directory: Path) -> Knowledge:
    """Read and validate every knowledge file; raise KnowledgeError listing all problems."""
    directory = Path(directory)
    problems: list[str] = []

    def label(path: Path) -> str:
        return f"{directory.name}/{path.relative_to(directory).as_posix()}"

    sources_path = directory / "sources.yaml"
    sources: dict[str, Source] = {}
    if not sources_path.exists():
        problems.append(f"{label(sources_path)}: file is missing")
    else:
        check = _Checker(label(sources_path))
        sources = _parse_sources(_load_yaml(sources_path, check.file, check.problems), check)
        problems += check.problems

    from bot.knowledge import derived as derived_mod  # local import: it builds on this module

    derived = _load_derived(directory, label, sources, problems)
    from bot.knowledge import survey_cuts  # the survey's cuts, beside its snapshots

    cuts = survey_cuts.load_cuts(directory, label, sources, problems)

    market: dict[str, MarketFact] = {}
    market_path = directory / "market.yaml"
    if market_path.exists():
        check = _Checker(label(market_path))
        market = _parse_market(_load_yaml(market_path, check.file, check.problems), sources, check)
        problems += check.problems

    faq: list[FaqEntry] = []
    for path in sorted((directory / "faq").glob("*.y*ml")) if (directory / "faq").is_dir() else []:
        check = _Checker(label(path))
        faq += _parse_faq(_load_yaml(path, check.file, check.problems), sources, check)
        problems += check.problems

    roles: dict[str, Role] = {}
    alias_owner: dict[str, tuple[str, str]] = {}
    role_files = sorted((directory / "roles").glob("*.y*ml")) if (directory / "roles").is_dir() else []
    if not role_files:
        problems.append(f"{label(directory / 'roles')}: no role files found")
    from bot.core.names import alias_key  # local import: names depends on nothing here

    for path in role_files:
        check = _Checker(label(path))
        data = _load_yaml(path, check.file, check.problems)
        role = None if check.problems else parse_role(data, path.name, sources, check)
        if role is not None and role.slug:
            if role.slug in roles:
                check.fail("slug", f"{role.slug!r} is used by another role file")
            for i, alias in enumerate((role.name, role.slug, *role.aliases)):
                key = alias_key(alias)
                owner = alias_owner.get(key)
                if owner and owner[0] != role.slug:
                    where = "name" if i == 0 else ("slug" if i == 1 else f"aliases[{i - 2}]")
                    check.fail(where, f"{alias!r} is already used by {owner[1]}")
                else:
                    alias_owner[key] = (role.slug, check.file)
            roles[role.slug] = role
        problems += check.problems

    _check_role_refs(directory, label, roles, derived, problems)
    survey_cuts.check_roles(directory, cuts, roles, problems)
    if problems:
        raise KnowledgeError(problems)
    roles = survey_cuts.apply(derived_mod.apply(roles, derived), cuts)
    faq_entries = tuple(
        FaqEntry(id=i + 1, question=e.question, answer=e.answer, tags=e.tags, source=e.source)
        for i, e in enumerate(faq)
    )
    return Knowledge(roles=roles, sources=sources, market=market, faq=faq_entries)


# ---------------------------------------------------------------------------------------
# Derived knowledge: the open-data mappings and the importers' output (see derived.py)


def _load_derived(directory: Path, label: Callable[[Path], str], sources: dict[str, Source],
                  problems: list[str]) -> Any:
    """Read ``generated/`` and add its sources to ``sources`` (ids must stay unique)."""
    from bot.knowledge import derived as d

    found = d.Derived()

    def add_source(source: Source | None, check: _Checker) -> None:
        if source is None:
            return
        if source.id in sources:
            check.fail("source.id", f"{source.id!r} is already defined elsewhere")
            return
        sources[source.id] = source
        found.sources[source.id] = source

    salary_dir = directory / d.SALARY_DIR
    for path in sorted(salary_dir.glob("*.y*ml")) if salary_dir.is_dir() else []:
        check = _Checker(label(path))
        data = _load_yaml(path, check.file, check.problems)
        if not check.problems:
            source, stats = d.parse_salary_snapshot(data, check, sources)
            add_source(source, check)
            for slug, snapshot in stats.items():
                found.stats.setdefault(slug, []).append(snapshot)
        problems += check.problems
    onet_path = directory / d.ONET_FILE
    if onet_path.exists():
        check = _Checker(label(onet_path))
        data = _load_yaml(onet_path, check.file, check.problems)
        if not check.problems:
            source, onet = d.parse_onet(data, check)
            add_source(source, check)
            found.onet_source, found.onet = source, onet
        problems += check.problems
    return found


def _check_role_refs(directory: Path, label: Callable[[Path], str], roles: dict[str, Role],
                     derived: Any, problems: list[str]) -> None:
    """Mappings and generated files may only name roles that have a role file."""
    from bot.knowledge import derived as d

    def unknown(check: _Checker, where: str, slugs: Iterable[str]) -> None:
        for slug in slugs:
            if slug not in roles:
                check.fail(f"{where}.{slug}", f"{slug!r} has no role file in roles/")

    for rel, parse in ((d.TITLES_FILE, d.parse_title_mapping), (d.CROSSWALK_FILE, d.parse_crosswalk)):
        path = directory / rel
        if not path.exists():
            continue
        check = _Checker(label(path))
        data = _load_yaml(path, check.file, check.problems)
        if not check.problems:
            unknown(check, "roles", parse(data, check).roles)
        problems += check.problems
    for where, slugs in (("salary survey snapshots", derived.stats), ("O*NET import", derived.onet)):
        missing = sorted(s for s in slugs if s not in roles)
        if missing:
            problems.append(f"{directory.name}/generated: {where} name roles without a role "
                            f"file: {', '.join(missing)}")


def read_title_mapping(directory: Path) -> Any:
    """The reviewed survey-title mapping, validated (raises KnowledgeError)."""
    from bot.knowledge import derived as d

    return _read_mapping(directory, d.TITLES_FILE, d.parse_title_mapping)


def read_crosswalk(directory: Path) -> Any:
    """The reviewed O*NET crosswalk, validated (raises KnowledgeError)."""
    from bot.knowledge import derived as d

    return _read_mapping(directory, d.CROSSWALK_FILE, d.parse_crosswalk)


def _read_mapping(directory: Path, rel: Path, parse: Callable[[Any, _Checker], Any]) -> Any:
    path = Path(directory) / rel
    check = _Checker(f"{Path(directory).name}/{rel.as_posix()}")
    if not path.exists():
        raise KnowledgeError([f"{check.file}: file is missing"])
    data = _load_yaml(path, check.file, check.problems)
    result = parse(data, check) if not check.problems else None
    if check.problems:
        raise KnowledgeError(check.problems)
    return result
