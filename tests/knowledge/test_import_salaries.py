"""The salary-survey importer, on small CSV files in the survey's format written here.

Expected figures are recomputed in this file straight from the CSV rows (csv module,
hand-written filters, the linear-interpolation percentile formula), not through the
importer's functions, so a bug in its filtering, mapping or maths shows up as a mismatch.
"""

from __future__ import annotations

import csv
import math
import random
import shutil
import statistics
from pathlib import Path

import pytest
import yaml

from bot.cli import main
from bot.knowledge.derived import SALARY_DIR
from bot.knowledge.files import load_knowledge_dir
from bot.knowledge.importers import ImportProblem
from bot.knowledge.importers.salaries import DEFAULT_MIN_N, Filters, import_salaries
from bot.knowledge.validation import KnowledgeError

COLUMNS = ["work_year", "experience_level", "employment_type", "job_title", "salary",
           "salary_currency", "salary_in_usd", "employee_residence", "remote_ratio",
           "company_location", "company_size"]
MAPPING = {
    "data-scientist": ["Data Scientist", "Lead Data Scientist"],
    "machine-learning-engineer": ["Machine Learning Engineer"],
    "mlops-engineer": ["MLOps Engineer", "Machine Learning Platform Engineer"],
}
#: Titles and how many rows of each the fixture holds (before filters).
TITLES = {"Data Scientist": 70, "Lead Data Scientist": 8, "data  scientist": 3,
          "Machine Learning Engineer": 60, "machine learning engineer": 4,
          "MLOps Engineer": 9, "Machine Learning Platform Engineer": 6, "Software Engineer": 30}
LEVELS = {"EN": "entry", "MI": "mid", "SE": "senior", "EX": "executive"}


def write_csv(path: Path, seed: int, *, duplicates: int = 25) -> Path:
    """A survey-format CSV: several countries, employment types and years, some repeats."""
    rng = random.Random(seed)
    rows = []
    for title, count in TITLES.items():
        for _ in range(count):
            pay = rng.randrange(40_000, 420_000, 50)
            rows.append({
                "work_year": rng.choice(["2022", "2023", "2024", "2024", "2025"]),
                "experience_level": rng.choice(["EN", "MI", "MI", "SE", "SE", "SE", "EX"]),
                "employment_type": rng.choice(["FT"] * 6 + ["PT", "CT"]),
                "job_title": title, "salary": str(pay), "salary_currency": "USD",
                "salary_in_usd": str(pay), "employee_residence": "US",
                "remote_ratio": rng.choice(["0", "0", "50", "100"]),
                "company_location": rng.choice(["US"] * 5 + ["GB", "CA"]),
                "company_size": rng.choice("SML"),
            })
    rows += [dict(r) for r in rng.sample(rows, duplicates)]  # exact repeats, as in the survey
    rng.shuffle(rows)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    return path


def expected(path: Path, titles: list[str], *, since: int, until: int,
             dedupe: bool = True) -> dict:
    """The figures for one role, recomputed from the raw CSV without the importer."""
    with path.open(newline="", encoding="utf-8") as handle:
        raw = list(csv.reader(handle))
    col = {name: i for i, name in enumerate(raw[0])}
    wanted = {" ".join(t.split()).lower() for t in titles}
    rows = [r for r in raw[1:]
            if since <= int(r[col["work_year"]]) <= until
            and r[col["company_location"]] == "US" and r[col["employment_type"]] == "FT"
            and " ".join(r[col["job_title"]].split()).lower() in wanted]
    if dedupe:
        rows = list(dict.fromkeys(tuple(r) for r in rows))
    pay = sorted(int(r[col["salary_in_usd"]]) for r in rows)
    n = len(pay)

    def percentile(q: float) -> int:  # linear interpolation between order statistics
        pos = (n - 1) * q
        lo = math.floor(pos)
        hi = min(lo + 1, n - 1)
        return round(pay[lo] + (pay[hi] - pay[lo]) * (pos - lo))

    levels = [LEVELS[r[col["experience_level"]]] for r in rows]
    return {
        "n": n, "p25": percentile(0.25), "median": round(statistics.median(pay)),
        "p75": percentile(0.75), "mean": round(sum(pay) / n),
        "remote_pct": round(sum(r[col["remote_ratio"]] == "100" for r in rows) / n * 100, 1),
        "experience": {lv: round(levels.count(lv) / n * 100, 1)
                       for lv in ("senior", "mid", "entry", "executive")},
    }


@pytest.fixture
def kb(kb_dir: Path) -> Path:
    """A private knowledge copy with the test mapping and no survey snapshots yet."""
    shutil.rmtree(kb_dir / SALARY_DIR, ignore_errors=True)
    (kb_dir / "mappings" / "salary-titles.yaml").write_text(
        yaml.safe_dump({"roles": MAPPING}), encoding="utf-8")
    return kb_dir


def snapshot_file(kb: Path, date: str) -> Path:
    return kb / SALARY_DIR / f"{date}.yaml"


def test_figures_match_an_independent_recomputation(kb: Path, tmp_path: Path) -> None:
    data_file = write_csv(tmp_path / "salaries.csv", seed=1)
    import_salaries(data_file, kb, date="2025-01-19", min_n=2)
    written = yaml.safe_load(snapshot_file(kb, "2025-01-19").read_text(encoding="utf-8"))
    assert written["filters"]["work_year"] == [2024, 2025]  # latest year and the one before
    for slug, titles in MAPPING.items():
        want = expected(data_file, titles, since=2024, until=2025)
        got = written["roles"][slug]
        assert got["salary"] == {k: want[k] for k in ("p25", "median", "p75", "mean", "n")}, slug
        assert got["remote_pct"] == want["remote_pct"]
        assert got["experience"] == want["experience"]
    # ...and the knowledge base serves exactly those figures, after the role's own ones.
    role = load_knowledge_dir(kb).roles["data-scientist"]
    (snap,) = role.stats
    want = expected(data_file, MAPPING["data-scientist"], since=2024, until=2025)
    assert (snap.salary.median, snap.salary.p25, snap.salary.n) == (
        want["median"], want["p25"], want["n"])
    assert snap.source.name == "aijobs.net salary survey" and snap.as_of == "2025-01-19"
    assert snap.filters == "US companies, full-time, 2024–2025, exact duplicates removed"
    assert not snap.source.counts_are_openings and snap.open_positions is None


def test_duplicates_can_be_kept_and_filters_say_so(kb: Path, tmp_path: Path) -> None:
    data_file = write_csv(tmp_path / "salaries.csv", seed=2, duplicates=60)
    import_salaries(data_file, kb, date="2025-01-19", min_n=5,
                    filters=Filters(drop_duplicates=False, since=2023))
    written = yaml.safe_load(snapshot_file(kb, "2025-01-19").read_text(encoding="utf-8"))
    assert written["filters"]["text"] == "US companies, full-time, 2023–2025, duplicates kept"
    kept = expected(data_file, MAPPING["data-scientist"], since=2023, until=2025, dedupe=False)
    dropped = expected(data_file, MAPPING["data-scientist"], since=2023, until=2025)
    assert kept["n"] > dropped["n"]  # the fixture has repeats among these rows
    assert written["roles"]["data-scientist"]["salary"]["n"] == kept["n"]


def test_titles_map_through_the_reviewed_mapping(kb: Path, tmp_path: Path) -> None:
    data_file = write_csv(tmp_path / "salaries.csv", seed=3)
    report = import_salaries(data_file, kb, date="2025-01-19", min_n=2)
    roles = yaml.safe_load(snapshot_file(kb, "2025-01-19").read_text(encoding="utf-8"))["roles"]
    # Case and spacing do not matter; both MLOps titles count for MLOps Engineer.
    assert {"Data Scientist", "Lead Data Scientist"} <= set(roles["data-scientist"]["titles"])
    assert set(roles["mlops-engineer"]["titles"]) <= {"MLOps Engineer",
                                                       "Machine Learning Platform Engineer"}
    assert "Machine Learning Platform Engineer" in roles["mlops-engineer"]["titles"]
    for slug, info in roles.items():
        assert sum(info["titles"].values()) == info["salary"]["n"], slug
    # A title nobody mapped counts for no role, and the report names it for reviewers.
    assert not any("Software Engineer" in info["titles"] for info in roles.values())
    assert "Software Engineer" in report.text


def test_below_the_minimum_n_nothing_is_published_and_the_report_says_why(
        kb: Path, tmp_path: Path) -> None:
    data_file = write_csv(tmp_path / "salaries.csv", seed=4)
    mlops_n = expected(data_file, MAPPING["mlops-engineer"], since=2024, until=2025)["n"]
    assert 0 < mlops_n < DEFAULT_MIN_N
    report = import_salaries(data_file, kb, date="2025-01-19")
    written = yaml.safe_load(snapshot_file(kb, "2025-01-19").read_text(encoding="utf-8"))
    assert "mlops-engineer" not in written["roles"]
    reason = f"{mlops_n} responses, below the minimum of {DEFAULT_MIN_N}"
    assert written["withheld"]["mlops-engineer"] == {"n": mlops_n, "reason": reason}
    assert written["min_n"] == DEFAULT_MIN_N
    assert "withheld" in report.text and reason in report.text
    assert "data-scientist" in written["roles"]
    # The seed's posting figures are all MLOps Engineer keeps.
    mlops = load_knowledge_dir(kb).roles["mlops-engineer"]
    assert [s.source.kind for s in mlops.stats] == ["job postings"]


def test_a_second_run_changes_nothing(kb: Path, tmp_path: Path) -> None:
    data_file = write_csv(tmp_path / "salaries.csv", seed=5)
    first = import_salaries(data_file, kb, date="2025-01-19")
    target = snapshot_file(kb, "2025-01-19")
    before = target.read_bytes()
    mtime = target.stat().st_mtime_ns
    # No --date needed again: the file's checksum finds the snapshot it produced.
    second = import_salaries(data_file, kb)
    # The snapshot, then its survey cuts (tests/knowledge/test_survey_cuts.py).
    assert [w.status for w in first.written] == ["new", "new"]
    assert [w.status for w in second.written] == ["unchanged", "unchanged"]
    assert target.read_bytes() == before and target.stat().st_mtime_ns == mtime
    assert sorted(p.name for p in (kb / SALARY_DIR).iterdir() if p.is_file()) == \
        ["2025-01-19.yaml"]


def test_a_newer_file_adds_a_dated_snapshot_and_keeps_the_old_one(
        kb: Path, tmp_path: Path) -> None:
    old_file = write_csv(tmp_path / "old.csv", seed=6)
    new_file = write_csv(tmp_path / "new.csv", seed=7)
    import_salaries(old_file, kb, date="2025-01-19")
    old_bytes = snapshot_file(kb, "2025-01-19").read_bytes()
    with pytest.raises(ImportProblem, match="--date"):
        import_salaries(new_file, kb)  # a file never seen needs its date
    report = import_salaries(new_file, kb, date="2025-07-01")
    assert snapshot_file(kb, "2025-01-19").read_bytes() == old_bytes
    assert "earlier snapshots kept: 2025-01-19" in report.text
    role = load_knowledge_dir(kb).roles["data-scientist"]
    assert [s.as_of for s in role.stats] == ["2025-07-01", "2025-01-19"]  # newest first
    assert role.snapshot().source.id == "aijobs-salary-survey-2025-07-01"
    want = expected(new_file, MAPPING["data-scientist"], since=2024, until=2025)
    assert role.snapshot().salary.median == want["median"]


def test_the_seed_posting_snapshot_stays_primary(kb: Path, tmp_path: Path) -> None:
    import_salaries(write_csv(tmp_path / "s.csv", seed=8), kb, date="2025-01-19", min_n=3)
    mlops = load_knowledge_dir(kb).roles["mlops-engineer"]
    assert [s.source.kind for s in mlops.stats] == ["job postings", "salary survey"]
    assert mlops.snapshot().source.id == "ai-market-pulse-2026"


def test_reviewed_mapping_is_validated(kb: Path) -> None:
    path = kb / "mappings" / "salary-titles.yaml"
    path.write_text(yaml.safe_dump({"roles": {"data-scientist": ["Data Scientist"],
                                              "no-such-role": ["Wizard"],
                                              "mlops-engineer": ["data scientist"]}}))
    with pytest.raises(KnowledgeError) as err:
        load_knowledge_dir(kb)
    text = "\n".join(err.value.problems)
    assert "salary-titles.yaml: roles.no-such-role: 'no-such-role' has no role file" in text
    assert "'data scientist' is already mapped to data-scientist" in text


def test_not_a_survey_file(kb: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(ImportProblem, match="salary_in_usd"):
        import_salaries(bad, kb, date="2025-01-19")
    assert not (kb / SALARY_DIR).exists()


def test_cli_prints_the_report_and_fails_cleanly(kb: Path, tmp_path: Path, monkeypatch,
                                                 capsys) -> None:
    monkeypatch.setenv("CAREERBOT_KNOWLEDGE_DIR", str(kb))
    monkeypatch.setenv("CAREERBOT_DB", str(tmp_path / "cli.db"))
    data_file = write_csv(tmp_path / "salaries.csv", seed=9)
    assert main(["kb", "import-salaries", str(data_file)]) == 2
    assert "pass --date" in capsys.readouterr().err
    assert main(["kb", "import-salaries", str(data_file), "--date", "2025-01-19",
                 "--min-n", "3", "--since", "2023"]) == 0
    out = capsys.readouterr().out
    assert "filters: US companies, full-time, 2023–2025, exact duplicates removed" in out
    assert "new: " in out and "minimum n = 3" in out
    assert main(["kb", "import-salaries", str(data_file), "--min-n", "3",
                 "--since", "2023"]) == 0
    assert "unchanged: " in capsys.readouterr().out


def test_an_import_makes_the_database_rebuild(kb: Path, tmp_path: Path) -> None:
    from bot.knowledge.build import ensure_database
    from bot.knowledge.store import KnowledgeStore

    db = tmp_path / "kb.db"
    assert ensure_database(kb, db)
    assert not ensure_database(kb, db)  # nothing changed
    import_salaries(write_csv(tmp_path / "s.csv", seed=10), kb, date="2025-01-19", min_n=3)
    assert ensure_database(kb, db)  # generated files are part of the fingerprint
    store = KnowledgeStore(db)
    try:
        role = store.knowledge().roles["data-scientist"]
        assert role.snapshot().source.id == "aijobs-salary-survey-2025-01-19"
        assert role.occupations  # O*NET fields survive the database round trip
    finally:
        store.close()
