"""The salary survey's rows turned into figures: the filters, the duplicate rule and the
statistics, shared by the snapshot importer (``salaries.py``) and its cuts
(``salary_cuts.py``) so that both count the same rows the same way.
"""

from __future__ import annotations

import statistics
from collections import Counter
from dataclasses import dataclass
from typing import Any

from bot.knowledge.importers import ImportProblem

EXPERIENCE_CODES = {"EN": "entry", "MI": "mid", "SE": "senior", "EX": "executive"}
EMPLOYMENT_WORDS = {"FT": "full-time", "PT": "part-time", "CT": "contract", "FL": "freelance"}


@dataclass(frozen=True, slots=True)
class Filters:
    """Which rows count. Empty country/employment tuples mean "any"."""

    countries: tuple[str, ...] = ("US",)
    employment: tuple[str, ...] = ("FT",)
    #: First and last work year; None: the latest year in the file minus one / the latest.
    since: int | None = None
    until: int | None = None
    #: Remove rows that repeat another row in every column (see the module docstring).
    drop_duplicates: bool = True

    def resolved(self, latest_year: int) -> Filters:
        until = self.until if self.until is not None else latest_year
        since = self.since if self.since is not None else until - 1
        if since > until:
            raise ImportProblem(f"--since {since} is after --until {until}")
        return Filters(tuple(c.upper() for c in self.countries),
                       tuple(e.upper() for e in self.employment), since, until,
                       self.drop_duplicates)

    def text(self, omit: str | None = None) -> str:
        """The filters as replies state them: "US companies, full-time, 2024–2025".

        ``omit`` leaves out the part a survey cut names itself ("country" or "year"), so a
        cell's reply says "UK companies" once rather than beside "companies anywhere"."""
        where = (f"{_and(list(self.countries))} companies" if self.countries
                 else "companies anywhere")
        parts = [] if omit == "country" else [where]
        if self.employment:
            parts.append(_and([EMPLOYMENT_WORDS.get(e, e) for e in self.employment], "or"))
        if omit != "year":
            parts.append(str(self.since) if self.since == self.until
                         else f"{self.since}–{self.until}")
        parts.append("exact duplicates removed" if self.drop_duplicates else "duplicates kept")
        return ", ".join(parts)

    def keeps(self, row: dict[str, str]) -> bool:
        year = int(row["work_year"])
        return (
            (self.since is None or year >= self.since)
            and (self.until is None or year <= self.until)
            and (not self.countries or row["company_location"].strip().upper() in self.countries)
            and (not self.employment or row["employment_type"].strip().upper() in self.employment)
        )


def _and(items: list[str], conj: str = "and") -> str:
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} {conj} {items[-1]}"


@dataclass(frozen=True, slots=True)
class RoleFigures:
    """One role's computed figures from the filtered responses."""

    slug: str
    n: int
    p25: int
    median: int
    p75: int
    mean: int
    remote_pct: float
    experience: dict[str, float]
    titles: dict[str, int]

    def as_yaml(self) -> dict[str, Any]:
        return {
            "salary": {"p25": self.p25, "median": self.median, "p75": self.p75,
                       "mean": self.mean, "n": self.n},
            "remote_pct": self.remote_pct,
            "experience": self.experience,
            "titles": self.titles,
        }


def compute(slug: str, rows: list[dict[str, str]]) -> RoleFigures:
    """The figures for one role from its (already filtered) rows; needs at least 2 rows."""
    pay = [int(r["salary_in_usd"]) for r in rows]
    n = len(pay)
    q1, _, q3 = statistics.quantiles(pay, n=4, method="inclusive")
    levels = Counter(EXPERIENCE_CODES.get(r["experience_level"].strip().upper(), "")
                     for r in rows)
    titles = Counter(" ".join(r["job_title"].split()) for r in rows)
    return RoleFigures(
        slug=slug,
        n=n,
        p25=round(q1),
        median=round(statistics.median(pay)),
        p75=round(q3),
        mean=round(statistics.fmean(pay)),
        remote_pct=_share(sum(1 for r in rows if r["remote_ratio"].strip() == "100"), n),
        experience={level: _share(levels[level], n)
                    for level in ("senior", "mid", "entry", "executive")},
        titles=dict(sorted(titles.items(), key=lambda kv: (-kv[1], kv[0]))),
    )


def _share(count: int, total: int) -> float:
    return round(count / total * 100, 1)


def distinct(rows: list[dict[str, str]]) -> list[dict[str, str]]:
    """The rows without exact repeats (every column equal), first occurrence kept."""
    seen: set[tuple[str, ...]] = set()
    out = []
    for row in rows:
        key = tuple(row.values())
        if key not in seen:
            seen.add(key)
            out.append(row)
    return out
