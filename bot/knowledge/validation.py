"""Validation of knowledge documents: the one set of checks every way in shares.

The loader (``files.py``), the open-data readers (``derived.py``), moderators' edits
(``planners.py``, ``changes.py``, ``overlay.py``) and imports (``transfer.py``) all check
a role, a snapshot, a source or an FAQ entry with the parsers here, so a value refused in
a file is refused in an edit too. Each parser collects every problem through a
``Checker`` (naming the file and the field) instead of stopping at the first, so a
reviewer sees all of them in one run. Nothing here reads files or writes anything.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from bot.knowledge.fields import Field, role_text_fields, snapshot_from_values, snapshot_layout
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
    FaqEntry,
    MarketFact,
    Role,
    Source,
    StatSnapshot,
    ToolGroup,
)

SLUG_RE = re.compile(r"\A[a-z0-9]+(?:-[a-z0-9]+)*\Z")
DATE_RE = re.compile(r"\A[0-9]{4}(?:-[0-9]{2}(?:-[0-9]{2})?)?\Z")
#: How far an experience mix may stray from 100% (rounding in the sources).
EXPERIENCE_SUM_TOLERANCE = 3.0
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
class Checker:
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


# ---------------------------------------------------------------------------------------
# Sources and market


def parse_sources(data: Any, check: Checker) -> dict[str, Source]:
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


def _source_ref(data: dict, where: str, sources: dict[str, Source], check: Checker) -> Source | None:
    sid = check.text(data, "source", where, required=True)
    if sid and sid not in sources:
        check.fail(_join(where, "source"), f"{sid!r} is not a source listed in sources.yaml")
        return None
    return sources.get(sid)


def parse_market(data: Any, sources: dict[str, Source], check: Checker) -> dict[str, MarketFact]:
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


def _salary_rules(values: dict[str, Any], where: str, check: Checker) -> None:
    """What one salary figure says about another: a range has both ends, low to high."""
    low, high = values.get("avg_low"), values.get("avg_high")
    if (low is None) != (high is None):
        check.fail(where, "avg_low and avg_high go together")
    if low is not None and high is not None and low > high:
        check.fail(f"{where}.avg_low", f"{low} is above avg_high {high}")
    p25, median, p75 = values.get("p25"), values.get("median"), values.get("p75")
    if p25 is not None and p75 is not None and p25 > p75:
        check.fail(f"{where}.p25", f"{p25} is above p75 {p75}")
    if median is not None and p75 is not None and median > p75:
        check.fail(f"{where}.median", f"{median} is above p75 {p75}")


def _experience_rules(values: dict[str, Any], where: str, check: Checker) -> None:
    """The shares of an experience mix add up to about 100%."""
    known = [v for v in values.values() if v is not None]
    if known and abs(sum(known) - 100) > EXPERIENCE_SUM_TOLERANCE:
        check.fail(where, f"shares add up to {sum(known):g}%, not about 100%")


#: Rules across the figures of one group of a snapshot (``salary``, ``experience``),
#: checked after each of its figures passed on its own (``bot.knowledge.fields``); they
#: get the group's values by key (``median``).
GROUP_RULES: dict[str, Callable[[dict[str, Any], str, Checker], None]] = {
    "salary": _salary_rules,
    "experience": _experience_rules,
}


def check_field(f: Field, data: dict, where: str, check: Checker) -> Any:
    """One field of the table, checked by its unit; None (or "" for a text) if absent or refused."""
    if f.is_text:
        return check.text(data, f.key, where, required=f.required)
    return check.number(data, f.key, where, kind=f.check_kind)


def parse_stats(data: Any, sources: dict[str, Source], check: Checker) -> tuple[StatSnapshot, ...]:
    """A role's statistics snapshots, each figure checked as the field table says."""
    if data is None:
        return ()
    if not isinstance(data, list):
        check.fail("stats", "must be a list of snapshots")
        return ()
    layout = snapshot_layout()
    snapshots = []
    for i, item in enumerate(data):
        where = f"stats[{i}]"
        if not isinstance(item, dict):
            check.fail(where, "must be a mapping")
            continue
        check.unknown_keys(item, ("source", "as_of", *layout), where)
        source = _source_ref(item, where, sources, check)
        as_of = check.date(item, "as_of", where)
        values: dict[str, Any] = {}
        for key, group in layout.items():
            if group[0].group:
                inner, at = item.get(key), f"{where}.{key}"
                if inner is None:
                    continue
                if not isinstance(inner, dict):
                    check.fail(at, "must be a mapping")
                    continue
                check.unknown_keys(inner, [f.key for f in group], at)
                got = {f.key: check.text(inner, f.key, at) if f.is_text else
                       check.number(inner, f.key, at, kind=f.check_kind) for f in group}
                values.update({f.name: got[f.key] for f in group})
                if rules := GROUP_RULES.get(key):
                    rules(got, at, check)
                continue
            (f,) = group
            value = values[f.name] = check_field(f, item, where, check)
            if f.openings_only and value is not None and source is not None and \
                    not source.counts_are_openings:
                check.fail(f"{where}.{f.name}", f"source {source.id!r} counts responses, not openings")
        snapshots.append(snapshot_from_values(source or Source("", "", "", ""), as_of, values))
    return tuple(snapshots)


def _section(data: dict, key: str, allowed: tuple[str, ...], check: Checker) -> dict:
    value = data.get(key)
    if value is None:
        return {}
    if not isinstance(value, dict):
        check.fail(key, "must be a mapping")
        return {}
    check.unknown_keys(value, allowed, key)
    return value


def parse_role(data: Any, label: str, sources: dict[str, Source], check: Checker) -> Role | None:
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
    # The field table's one-line texts (name, focus, summary, market).
    texts: dict[str, Any] = {f.name: check_field(f, data, "", check) for f in role_text_fields()}
    return Role(
        slug=slug,
        aliases=aliases,
        stats=parse_stats(data.get("stats"), sources, check),
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
        postings_good=check.text(postings, "good", "postings"),
        red_flags=check.texts(postings, "red_flags", "postings"),
        metros=check.texts(data, "metros", ""),
        related=check.texts(related, "roles", "related"),
        related_source=related_source,
        **texts,
    )


# ---------------------------------------------------------------------------------------
# FAQ


def parse_faq(data: Any, sources: dict[str, Source], check: Checker) -> list[FaqEntry]:
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
