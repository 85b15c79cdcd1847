"""The verdict for a pair of roles, computed from their figures.

Every threshold lives in ``THRESHOLDS`` so the wording's judgement calls ("pay
similarly", "feasible with targeted upskilling") are made in one place. This module
returns facts (which role leads on what, by how much); the templates word them. A fact
whose figures are missing for either role is simply not produced, so a verdict never
prints a blank.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from bot.knowledge.models import Role, StatSnapshot


@dataclass(frozen=True, slots=True)
class Thresholds:
    #: Average-range midpoints (or medians) closer than this "pay similarly" (USD). When
    #: the midpoints are this close but the medians are further apart than this, the
    #: verdict says both (``Verdict.median_lead``) rather than "pay shouldn't decide".
    pay_similar_usd: float = 5000
    #: One role has "more openings" when it has at least this many times the other's.
    openings_ratio: float = 1.25
    #: Remote shares closer than this (percentage points) are "about the same".
    remote_gap_pts: float = 3.0
    #: Entry-level shares closer than this are "about the same".
    entry_gap_pts: float = 2.0
    #: Below this entry share for both, "both lean experienced".
    experienced_entry_pct: float = 10.0
    #: Share of top skills shared at or above which switching is "feasible with targeted upskilling".
    overlap_easy: float = 0.75
    #: At or above this (and below overlap_easy) switching is "doable with real study".
    overlap_medium: float = 0.4
    #: Salary figures resting on fewer postings or responses than this get a "rough" warning.
    small_sample_n: int = 50


THRESHOLDS = Thresholds()


@dataclass(frozen=True, slots=True)
class Lead:
    """Role ``winner`` is ahead of ``other`` on one figure."""

    winner: Role
    other: Role
    winner_value: float
    other_value: float

    @property
    def gap(self) -> float:
        return abs(self.winner_value - self.other_value)


@dataclass(frozen=True, slots=True)
class SkillOverlap:
    shared: tuple[str, ...]
    only_a: tuple[str, ...]
    only_b: tuple[str, ...]
    size: int
    #: Both lists come from an occupational database (O*NET) and are the same: the roles
    #: map to the same occupations, so the overlap says nothing about the switch.
    indistinct: bool = False

    @property
    def ratio(self) -> float:
        return len(self.shared) / self.size if self.size else 0.0

    @property
    def pct(self) -> float:
        return self.ratio * 100

    @property
    def ease(self) -> str:
        """easy, medium or hard: which switching note the templates show."""
        if self.ratio >= THRESHOLDS.overlap_easy:
            return "easy"
        if self.ratio >= THRESHOLDS.overlap_medium:
            return "medium"
        return "hard"


@dataclass(frozen=True, slots=True)
class Verdict:
    """The facts a verdict is worded from; None means not computable from the figures."""

    a: Role
    b: Role
    pay_basis: str | None = None  # "average range midpoint" or "median"
    pay_similar: bool | None = None
    pay_lead: Lead | None = None
    #: Pay is similar by average-range midpoint but the medians differ by more than
    #: ``pay_similar_usd``: which role's median is higher, and by how much.
    median_lead: Lead | None = None
    openings_similar: bool | None = None
    openings_lead: Lead | None = None
    remote_similar: bool | None = None
    remote_lead: Lead | None = None
    entry_similar: bool | None = None
    entry_lead: Lead | None = None
    both_experienced: bool = False
    skills: SkillOverlap | None = None
    notes: tuple[str, ...] = field(default=())


def _lead(a: Role, b: Role, va: float, vb: float) -> Lead:
    return Lead(a, b, va, vb) if va >= vb else Lead(b, a, vb, va)


def skill_overlap(a: Role, b: Role) -> SkillOverlap | None:
    """Top skills shared and unique, compared case-insensitively, in each role's rank order."""
    if not a.skills or not b.skills:
        return None
    b_keys = {s.casefold() for s in b.skills}
    a_keys = {s.casefold() for s in a.skills}
    shared = tuple(sorted((s for s in a.skills if s.casefold() in b_keys), key=str.casefold))
    occupational = all(r.skills_source is not None and r.skills_source.describes_occupations
                       for r in (a, b))
    return SkillOverlap(
        shared=shared,
        only_a=tuple(s for s in a.skills if s.casefold() not in b_keys),
        only_b=tuple(s for s in b.skills if s.casefold() not in a_keys),
        size=min(len(a.skills), len(b.skills)),
        indistinct=occupational and a_keys == b_keys,
    )


def same_items(x: Sequence[str], y: Sequence[str]) -> bool:
    """Whether two lists hold the same items in any order, as the templates compared
    them with ``(x | sort | list) == (y | sort | list)`` (jinja sorts ignoring case).

    A function because the template form sorted four lists per compare, about 5 µs.
    """
    return sorted(x, key=str.lower) == sorted(y, key=str.lower)


def compute(a: Role, sa: StatSnapshot | None, b: Role, sb: StatSnapshot | None) -> Verdict:
    """Compare two roles' snapshots; only figures both have are compared."""
    t = THRESHOLDS
    facts: dict = {"a": a, "b": b, "skills": skill_overlap(a, b)}
    if sa is None or sb is None:
        return Verdict(**facts)
    pay_a = sa.salary.avg_midpoint
    pay_b = sb.salary.avg_midpoint
    basis = "average range midpoint"
    if pay_a is None or pay_b is None:
        pay_a, pay_b, basis = sa.salary.median, sb.salary.median, "median"
    if pay_a is not None and pay_b is not None:
        facts["pay_basis"] = basis
        facts["pay_similar"] = abs(pay_a - pay_b) <= t.pay_similar_usd
        if not facts["pay_similar"]:
            facts["pay_lead"] = _lead(a, b, pay_a, pay_b)
        ma, mb = sa.salary.median, sb.salary.median
        if (facts["pay_similar"] and basis != "median" and ma is not None and mb is not None
                and abs(ma - mb) > t.pay_similar_usd):
            facts["median_lead"] = _lead(a, b, ma, mb)
    if (
        sa.open_positions is not None and sb.open_positions is not None
        and sa.source.counts_are_openings and sb.source.counts_are_openings
    ):
        lo, hi = sorted((sa.open_positions, sb.open_positions))
        facts["openings_similar"] = hi < lo * t.openings_ratio
        if not facts["openings_similar"]:
            facts["openings_lead"] = _lead(a, b, sa.open_positions, sb.open_positions)
    if sa.remote_pct is not None and sb.remote_pct is not None:
        facts["remote_similar"] = abs(sa.remote_pct - sb.remote_pct) < t.remote_gap_pts
        if not facts["remote_similar"]:
            facts["remote_lead"] = _lead(a, b, sa.remote_pct, sb.remote_pct)
    ea, eb = sa.experience.entry, sb.experience.entry
    if ea is not None and eb is not None:
        facts["entry_similar"] = abs(ea - eb) < t.entry_gap_pts
        if not facts["entry_similar"]:
            facts["entry_lead"] = _lead(a, b, ea, eb)
        facts["both_experienced"] = ea < t.experienced_entry_pct and eb < t.experienced_entry_pct
    return Verdict(**facts)
