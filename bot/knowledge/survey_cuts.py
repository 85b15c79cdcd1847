"""Load and validate the salary survey's cuts (``generated/salary-survey/cuts/<date>.yaml``).

The importer (``bot.knowledge.importers.salary_cuts``) writes one cuts file per survey
snapshot; this module reads them like every other knowledge file: every problem named
by file and field, figures within the shared limits, a published cell at or above the
file's minimum n and a withheld one below it with its reason, and a source that a
snapshot defines. ``apply`` then sets each role's ``survey_cuts``, newest snapshot
first. Kept apart from ``derived.py`` so the cuts are one addition, read in one place.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from bot.knowledge.derived import SALARY_DIR
from bot.knowledge.models import CUT_DIMENSIONS, Role, Salary, Source, SurveyCut

CUTS_DIR = SALARY_DIR / "cuts"
CUT_FILE_KEYS = ("source", "as_of", "input", "min_n", "dimensions", "roles")
CELL_FIGURES = ("p25", "median", "p75", "mean")


def parse_cuts(data: Any, check: Any, sources: dict[str, Source]) -> dict[str, list[SurveyCut]]:
    """One cuts file: slug -> its cells (published and withheld), in the file's order."""
    if not isinstance(data, dict):
        check.fail("", "must be a mapping")
        return {}
    check.unknown_keys(data, CUT_FILE_KEYS, "")
    sid = check.text(data, "source", "", required=True)
    source = sources.get(sid)
    if sid and source is None:
        check.fail("source", f"{sid!r} is not the source of a salary survey snapshot")
    as_of = check.date(data, "as_of", "")
    min_n = check.number(data, "min_n", "", kind="count")
    if min_n is None or min_n < 2:
        check.fail("min_n", "is required: the fewest responses a cell is published for (2 or more)")
    dims = data.get("dimensions")
    if not isinstance(dims, dict):
        check.fail("dimensions", "must be a mapping of dimension to its filters and values")
        dims = {}
    filters: dict[str, str] = {}
    values: dict[str, list[str]] = {}
    for dim, entry in dims.items():
        where = f"dimensions.{dim}"
        if dim not in CUT_DIMENSIONS:
            check.fail(where, f"is not a dimension ({', '.join(CUT_DIMENSIONS)})")
            continue
        if not isinstance(entry, dict):
            check.fail(where, "must be a mapping with about, filters and values")
            continue
        check.unknown_keys(entry, ("about", "filters", "values"), where)
        filters[dim] = check.text(entry, "filters", where, required=True)
        values[dim] = [str(v) for v in check.texts(entry, "values", where)]
    roles = data.get("roles")
    if not isinstance(roles, dict):
        check.fail("roles", "must be a mapping of role slug to its cells")
        return {}
    if source is None or min_n is None or check.problems:
        return {}
    out: dict[str, list[SurveyCut]] = {}
    for slug, by_dim in roles.items():
        where = f"roles.{slug}"
        if not isinstance(by_dim, dict):
            check.fail(where, "must be a mapping of dimension to cells")
            continue
        check.unknown_keys(by_dim, tuple(values), where)
        cells: list[SurveyCut] = []
        for dim, listed in values.items():
            got = by_dim.get(dim) or {}
            if not isinstance(got, dict):
                check.fail(f"{where}.{dim}", "must be a mapping of value to a cell")
                continue
            check.unknown_keys({str(k): v for k, v in got.items()}, listed, f"{where}.{dim}")
            for value in listed:
                cell = got.get(value, got.get(int(value)) if value.isdigit() else None)
                if cell is None:
                    continue
                cut = _parse_cell(cell, f"{where}.{dim}.{value}", check, dim, value, source,
                                  as_of, filters[dim], int(min_n))
                if cut is not None:
                    cells.append(cut)
        out[str(slug)] = cells
    return out


def _parse_cell(cell: Any, where: str, check: Any, dim: str, value: str, source: Source,
                as_of: str, filters: str, min_n: int) -> SurveyCut | None:
    if not isinstance(cell, dict):
        check.fail(where, "must be a mapping")
        return None
    check.unknown_keys(cell, ("n", "withheld", *CELL_FIGURES), where)
    n = check.number(cell, "n", where, kind="count")
    if n is None:
        check.fail(f"{where}.n", "is required: every cell shows its sample size")
        return None
    base = SurveyCut(dimension=dim, value=value, source=source, as_of=as_of, filters=filters,
                     n=int(n), min_n=min_n)
    if "withheld" in cell:
        reason = check.text(cell, "withheld", where, required=True)
        if any(k in cell for k in CELL_FIGURES):
            check.fail(where, "a withheld cell has no figures")
        if n >= min_n:
            check.fail(f"{where}.n", f"{int(n)} is not below the minimum of {min_n}, so the "
                       "cell cannot be withheld")
        return dataclasses.replace(base, withheld=reason) if reason else None
    figures = {k: check.number(cell, k, where, kind="money") for k in CELL_FIGURES}
    missing = [k for k, v in figures.items() if v is None]
    if missing:
        check.fail(where, f"needs {', '.join(missing)} (or withheld with the reason)")
        return None
    if n < min_n:
        check.fail(f"{where}.n", f"{int(n)} is below the minimum of {min_n}; the cell must "
                   "be withheld")
        return None
    p25, median, p75 = figures["p25"], figures["median"], figures["p75"]
    if not p25 <= median <= p75:
        check.fail(where, "needs p25 <= median <= p75")
        return None
    return dataclasses.replace(base, salary=Salary(
        p25=int(p25), median=int(median), p75=int(p75),
        mean=int(figures["mean"]), n=int(n)))


def check_roles(directory: Path, cuts: dict[str, list[SurveyCut]], roles: dict[str, Role],
                problems: list[str]) -> None:
    """Cuts may only name roles that have a role file."""
    missing = sorted(s for s in cuts if s not in roles)
    if missing:
        problems.append(f"{directory.name}/{CUTS_DIR.as_posix()}: survey cuts name roles "
                        f"without a role file: {', '.join(missing)}")


def apply(roles: dict[str, Role], cuts: dict[str, list[SurveyCut]]) -> dict[str, Role]:
    """The roles with their survey cuts set (roles without cuts are returned as they were)."""
    return {slug: dataclasses.replace(role, survey_cuts=tuple(cuts[slug]))
            if cuts.get(slug) else role for slug, role in roles.items()}
