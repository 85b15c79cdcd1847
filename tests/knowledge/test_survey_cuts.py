"""The salary survey's cuts (level, country, work year, remote), recomputed independently.

Every cell the importer writes is recomputed here from the raw CSV with the csv module,
hand-written filters, ``dict.fromkeys`` for the duplicate rule and ``statistics`` for the
figures, never through the importer's own functions; then the committed cells are
checked the same way against the full survey file beside the repository (skipped when
it is not there), and the loader's validation and the database round trip are checked.
"""

from __future__ import annotations

import csv
import shutil
import sqlite3
import statistics
from collections import defaultdict
from pathlib import Path

import pytest
import yaml

from bot.knowledge.build import build_database
from bot.knowledge.derived import SALARY_DIR
from bot.knowledge.files import load_knowledge_dir
from bot.knowledge.importers.salaries import Filters, import_salaries
from bot.knowledge.store import read_knowledge
from bot.knowledge.survey_cuts import CUTS_DIR
from bot.knowledge.validation import KnowledgeError
from tests.conftest import KNOWLEDGE_DIR, REPO_ROOT
from tests.knowledge.test_import_salaries import MAPPING, write_csv

LEVELS = {"EN": "entry", "MI": "mid", "SE": "senior", "EX": "executive"}
MIN_N = 5
#: Where the full survey file is: beside the checkout (/work/main -> /work/shared) or
#: beside the folder of worktrees (/work/wt/<name> -> /work/shared).
SURVEY_CSV = next((p for p in (REPO_ROOT.parent / "shared", REPO_ROOT.parent.parent / "shared")
                   if p.is_dir()), REPO_ROOT.parent / "shared") \
    / "data" / "aijobs-salaries" / "salaries.csv"


@pytest.fixture
def kb(kb_dir: Path) -> Path:
    """A private knowledge copy with the test mapping and no survey snapshots yet."""
    shutil.rmtree(kb_dir / SALARY_DIR, ignore_errors=True)
    (kb_dir / "mappings" / "salary-titles.yaml").write_text(
        yaml.safe_dump({"roles": MAPPING}), encoding="utf-8")
    return kb_dir


def raw_rows(path: Path) -> tuple[dict[str, int], list[list[str]]]:
    with path.open(newline="", encoding="utf-8-sig") as handle:
        raw = list(csv.reader(handle))
    return {name: i for i, name in enumerate(raw[0])}, raw[1:]


def figures(pay: list[int]) -> dict:
    q1, _, q3 = statistics.quantiles(pay, n=4, method="inclusive")
    return {"n": len(pay), "p25": round(q1), "median": round(statistics.median(pay)),
            "p75": round(q3), "mean": round(statistics.fmean(pay))}


def recompute(path: Path, mapping: dict[str, list[str]], *, min_n: int, latest_full: int,
              dedupe: bool = True, since: int = 2024, until: int = 2025) -> dict:
    """dimension -> slug -> value -> cell, as the cuts file should hold it."""
    col, rows = raw_rows(path)
    title_of = {" ".join(t.split()).casefold(): slug for slug, ts in mapping.items() for t in ts}

    def slug(r: list[str]) -> str | None:
        return title_of.get(" ".join(r[col["job_title"]].split()).casefold())

    def year(r: list[str]) -> int:
        return int(r[col["work_year"]])

    ft = [r for r in rows if r[col["employment_type"]] == "FT"]
    us = [r for r in ft if r[col["company_location"]] == "US"]
    plans = {
        "level": ([r for r in us if since <= year(r) <= until],
                  lambda r: LEVELS[r[col["experience_level"]]]),
        "country": ([r for r in ft if since <= year(r) <= until],
                    lambda r: r[col["company_location"]]),
        "year": ([r for r in us if 2022 <= year(r) <= latest_full], lambda r: str(year(r))),
        "remote": ([r for r in us if since <= year(r) <= until],
                   lambda r: {"100": "remote", "0": "onsite"}.get(r[col["remote_ratio"]])),
    }
    out: dict = {}
    for dim, (kept, key) in plans.items():
        if dedupe:
            kept = [list(r) for r in dict.fromkeys(tuple(r) for r in kept)]
        pay: dict = defaultdict(lambda: defaultdict(list))
        for r in kept:
            if slug(r) is not None and key(r) is not None:
                pay[slug(r)][key(r)].append(int(r[col["salary_in_usd"]]))
        out[dim] = {}
        for s in mapping:
            out[dim][s] = {}
            for value, got in pay[s].items():
                out[dim][s][value] = figures(got) if len(got) >= min_n else {"n": len(got)}
    return out


def cuts_file(kb: Path, date: str = "2025-01-19") -> dict:
    return yaml.safe_load((kb / CUTS_DIR / f"{date}.yaml").read_text(encoding="utf-8"))


def check_cells(written: dict, want: dict, min_n: int) -> int:
    """Compare every written cell with the recomputation; returns how many were compared."""
    compared = 0
    for dim, by_slug in want.items():
        for slug, cells in by_slug.items():
            got = written["roles"][slug][dim]
            for value, cell in got.items():
                expect = cells.get(str(value), {"n": 0})
                if cell["n"] >= min_n:
                    assert {k: cell[k] for k in expect} == expect, (dim, slug, value)
                    assert "withheld" not in cell
                else:
                    assert cell["n"] == expect["n"], (dim, slug, value)
                    assert "withheld" in cell and "median" not in cell, (dim, slug, value)
                compared += 1
    return compared


@pytest.mark.parametrize("dedupe", [True, False])
def test_every_cell_matches_an_independent_recomputation(kb: Path, tmp_path: Path,
                                                         dedupe: bool) -> None:
    data_file = write_csv(tmp_path / "salaries.csv", seed=11, duplicates=40)
    import_salaries(data_file, kb, date="2025-01-19", min_n=MIN_N,
                    filters=Filters(drop_duplicates=dedupe))
    written = cuts_file(kb)
    want = recompute(data_file, MAPPING, min_n=MIN_N, latest_full=2024, dedupe=dedupe)
    assert written["min_n"] == MIN_N
    assert written["dimensions"]["level"]["values"] == ["entry", "mid", "senior", "executive"]
    assert written["dimensions"]["year"]["values"] == ["2022", "2023", "2024"]
    assert written["dimensions"]["remote"]["values"] == ["remote", "onsite"]
    # A country is listed when at least one role clears the minimum there.
    countries = {v for by_slug in want["country"].values() for v, c in by_slug.items()
                 if c["n"] >= MIN_N}
    assert set(written["dimensions"]["country"]["values"]) == countries
    assert check_cells(written, want, MIN_N) == 3 * (4 + len(countries) + 3 + 2)
    published = sum(1 for r in written["roles"].values() for cells in r.values()
                    for c in cells.values() if "withheld" not in c)
    withheld = sum(1 for r in written["roles"].values() for cells in r.values()
                   for c in cells.values() if "withheld" in c)
    assert published and withheld  # the fixture exercises both sides of the minimum


def test_the_duplicate_rule_changes_the_counts(kb: Path, tmp_path: Path) -> None:
    data_file = write_csv(tmp_path / "salaries.csv", seed=11, duplicates=40)
    import_salaries(data_file, kb, date="2025-01-19", min_n=MIN_N)
    kept = recompute(data_file, MAPPING, min_n=MIN_N, latest_full=2024, dedupe=False)
    removed = cuts_file(kb)
    total_removed = sum(c["n"] for r in removed["roles"].values() for c in r["year"].values())
    total_kept = sum(c["n"] for r in kept["year"].values() for c in r.values())
    assert total_kept > total_removed
    assert removed["dimensions"]["year"]["filters"] == \
        "US companies, full-time, exact duplicates removed"
    assert removed["dimensions"]["country"]["filters"] == \
        "full-time, 2024–2025, exact duplicates removed"


def test_filters_other_than_the_cut_still_apply(kb: Path, tmp_path: Path) -> None:
    """Contract and part-time rows never count, and the level cut keeps US companies only."""
    data_file = write_csv(tmp_path / "salaries.csv", seed=3)
    import_salaries(data_file, kb, date="2025-01-19", min_n=2)
    col, rows = raw_rows(data_file)
    written = cuts_file(kb)
    for slug, titles in MAPPING.items():
        keys = {" ".join(t.split()).casefold() for t in titles}
        mine = [r for r in rows if " ".join(r[col["job_title"]].split()).casefold() in keys]
        any_employment = {tuple(r) for r in mine
                          if int(r[col["work_year"]]) >= 2024 and r[col["company_location"]] == "US"}
        level_n = sum(c["n"] for c in written["roles"][slug]["level"].values())
        assert level_n < len(any_employment)  # the fixture has PT and CT rows for each role


def test_a_rerun_reproduces_the_cuts_file_byte_for_byte(kb: Path, tmp_path: Path) -> None:
    data_file = write_csv(tmp_path / "salaries.csv", seed=5)
    import_salaries(data_file, kb, date="2025-01-19", min_n=MIN_N)
    path = kb / CUTS_DIR / "2025-01-19.yaml"
    before = path.read_bytes()
    report = import_salaries(data_file, kb, min_n=MIN_N)
    assert path.read_bytes() == before
    assert [w.status for w in report.written] == ["unchanged", "unchanged"]


def test_the_loader_reads_cells_and_withheld_cells(kb: Path, tmp_path: Path) -> None:
    data_file = write_csv(tmp_path / "salaries.csv", seed=11, duplicates=40)
    import_salaries(data_file, kb, date="2025-01-19", min_n=MIN_N)
    written = cuts_file(kb)
    role = load_knowledge_dir(kb).roles["data-scientist"]
    for dim in ("level", "country", "year", "remote"):
        cells = role.cuts(dim)
        assert [c.value for c in cells] == [str(v) for v in written["dimensions"][dim]["values"]]
        for cell in cells:
            raw = written["roles"]["data-scientist"][dim][cell.value]
            assert cell.n == raw["n"] and cell.min_n == MIN_N
            assert cell.source.id == "aijobs-salary-survey-2025-01-19"
            assert cell.filters == written["dimensions"][dim]["filters"]
            if cell.published:
                assert (cell.salary.median, cell.salary.p25, cell.salary.p75, cell.salary.n) == \
                    (raw["median"], raw["p25"], raw["p75"], raw["n"])
            else:
                assert cell.salary.is_empty and cell.withheld == raw["withheld"]


@pytest.mark.parametrize(("edit", "complaint"), [
    (lambda d: d["roles"]["data-scientist"]["country"]["US"].update(n=1), "below the minimum"),
    (lambda d: d.update(source="no-such-source"), "not the source of a salary survey"),
    (lambda d: d["roles"]["data-scientist"]["country"]["US"].update(p25=10**9), "p25"),
    (lambda d: d["roles"].update({"no-such-role": {}}), "without a role file"),
    (lambda d: d["roles"]["data-scientist"]["country"]["US"].pop("median"), "needs median"),
])
def test_the_loader_refuses_cells_that_break_the_rules(kb: Path, tmp_path: Path, edit,
                                                       complaint: str) -> None:
    data_file = write_csv(tmp_path / "salaries.csv", seed=11, duplicates=40)
    import_salaries(data_file, kb, date="2025-01-19", min_n=MIN_N)
    data = cuts_file(kb)
    assert "withheld" not in data["roles"]["data-scientist"]["country"]["US"]
    edit(data)
    (kb / CUTS_DIR / "2025-01-19.yaml").write_text(yaml.safe_dump(data), encoding="utf-8")
    with pytest.raises(KnowledgeError) as err:
        load_knowledge_dir(kb)
    assert complaint in str(err.value)


def test_a_withheld_cell_at_the_minimum_is_refused(kb: Path, tmp_path: Path) -> None:
    data_file = write_csv(tmp_path / "salaries.csv", seed=11, duplicates=40)
    import_salaries(data_file, kb, date="2025-01-19", min_n=MIN_N)
    data = cuts_file(kb)
    data["roles"]["data-scientist"]["country"]["US"] = {"n": MIN_N, "withheld": "because"}
    (kb / CUTS_DIR / "2025-01-19.yaml").write_text(yaml.safe_dump(data), encoding="utf-8")
    with pytest.raises(KnowledgeError, match="cannot be withheld"):
        load_knowledge_dir(kb)


def test_the_database_round_trip_keeps_every_cell(tmp_path: Path) -> None:
    knowledge = load_knowledge_dir(KNOWLEDGE_DIR)
    db = tmp_path / "kb.db"
    build_database(KNOWLEDGE_DIR, db)
    conn = sqlite3.connect(db)
    conn.row_factory = sqlite3.Row
    try:
        read = read_knowledge(conn)
    finally:
        conn.close()
    assert sum(len(r.survey_cuts) for r in knowledge.roles.values()) > 100
    for slug, role in knowledge.roles.items():
        assert read.roles[slug].survey_cuts == role.survey_cuts, slug


# ---------------------------------------------------------------------------------------
# The committed cells, against the full survey file


needs_survey = pytest.mark.skipif(not SURVEY_CSV.is_file(),
                                  reason=f"the survey file is not at {SURVEY_CSV}")


@needs_survey
@pytest.mark.parametrize(("slug", "dim", "value"), [
    ("data-scientist", "level", "entry"),
    ("machine-learning-engineer", "country", "GB"),
    ("data-engineer", "year", "2023"),
    ("data-engineer", "year", "2024"),
    ("data-analyst", "remote", "onsite"),
    ("mlops-engineer", "country", "CA"),  # withheld: below the minimum
])
def test_committed_cells_match_the_full_survey_file(slug: str, dim: str, value: str) -> None:
    committed = sorted((KNOWLEDGE_DIR / CUTS_DIR).glob("*.yaml"))[-1]
    written = yaml.safe_load(committed.read_text(encoding="utf-8"))
    mapping = yaml.safe_load((KNOWLEDGE_DIR / "mappings" / "salary-titles.yaml")
                             .read_text(encoding="utf-8"))["roles"]
    want = recompute(SURVEY_CSV, {slug: mapping[slug]}, min_n=written["min_n"], latest_full=2024)
    cell = written["roles"][slug][dim][value]
    expect = want[dim][slug].get(value, {"n": 0})
    if cell["n"] >= written["min_n"]:
        assert {k: cell[k] for k in expect} == expect
    else:
        assert cell["n"] == expect["n"] and "withheld" in cell
