"""The O*NET importer, on a small O*NET-format folder written here.

The fixture is built so each ranking rule decides something: the expected orders below
are worked out by hand from the rows, not produced by the importer's code.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bot.cli import main
from bot.knowledge.derived import ONET_FILE
from bot.knowledge.files import load_knowledge_dir
from bot.knowledge.importers import ImportProblem
from bot.knowledge.importers import onet as onet_mod
from bot.knowledge.importers.onet import import_onet
from bot.knowledge.validation import KnowledgeError

ATTRIBUTION = ("Includes information from the O*NET 29.3 Database by the U.S. Department of "
               "Labor, Employment and Training Administration (USDOL/ETA). Used under the CC BY "
               "4.0 license.")
DS, CIRS, SD, STAT = "15-2051.00", "15-1221.00", "15-1252.00", "15-2041.00"
TITLES = {DS: "Data Scientists", CIRS: "Computer and Information Research Scientists",
          SD: "Software Developers", STAT: "Statisticians"}
# (code, technology, hot, in demand)
SKILLS = [
    (DS, "Python", "Y", "Y"), (DS, "Structured query language SQL", "Y", "Y"),
    (DS, "Microsoft Excel", "Y", "Y"), (DS, "PyTorch", "Y", "N"), (DS, "Tableau", "N", "Y"),
    (DS, "SAS", "N", "N"),
    (CIRS, "Python", "Y", "Y"), (CIRS, "PyTorch", "Y", "Y"), (CIRS, "Hugging Face", "N", "Y"),
    (CIRS, "C++", "Y", "N"), (CIRS, "Microsoft Excel", "N", "Y"),
    (STAT, "Microsoft Excel", "Y", "Y"), (STAT, "R", "Y", "Y"),
    (SD, "Git", "Y", "Y"), (SD, "Kubernetes", "Y", "Y"),
]
# (code, task id, text, type): DS has one Supplemental and one not-yet-rated task.
TASKS = [
    (DS, 1, "Clean raw data.", "Core"), (DS, 2, "Order supplies.", "Supplemental"),
    (DS, 3, "Fit and compare models.", "Core"), (DS, 4, "Explain results to managers.", ""),
    (DS, 5, "Read research papers.", "Core"), (DS, 6, "Build dashboards.", "Core"),
    (DS, 7, "Design surveys.", "Core"),
    (CIRS, 11, "Invent new algorithms.", "Core"), (CIRS, 12, "Publish findings.", "Core"),
    (STAT, 21, "Design experiments.", "Core"), (STAT, 22, "Check data quality.", "Core"),
    (SD, 31, "Write software.", ""),
]
# (code, related code, tier, index), deliberately out of order in the file.
RELATED = [
    (DS, SD, "Supplemental", 3), (DS, STAT, "Primary-Short", 1), (DS, CIRS, "Primary-Long", 2),
    (CIRS, SD, "Primary-Short", 2), (CIRS, DS, "Primary-Short", 1),
    (STAT, DS, "Primary-Short", 1), (SD, CIRS, "Primary-Long", 1),
]
CROSSWALK = {
    "roles": {
        "data-scientist": {"occupations": [DS], "why": "O*NET lists the title."},
        "machine-learning-engineer": {"occupations": [DS, CIRS], "why": "Listed under both.",
                                      "tasks": [3, 11]},
        "data-analyst": {"occupations": [STAT, DS], "why": "Analysis."},
        "mlops-engineer": {"occupations": [SD], "why": "DevOps for ML."},
    },
    "skill_names": {"Structured query language SQL": "SQL"},
}
# The reviewed relevance lists: Excel fits an analyst but not a data scientist; SAS is
# listed third for data scientists but O*NET flags it neither hot nor in demand.
RELEVANCE = {
    "roles": {
        "data-scientist": {"tools": ["Structured query language SQL", "Python", "SAS", "PyTorch",
                                     "Tableau"], "related": [STAT, SD]},
        "machine-learning-engineer": {"tools": ["Python", "PyTorch", "Hugging Face", "C++",
                                                "Structured query language SQL"],
                                      "related": [STAT, SD]},
        "data-analyst": {"tools": ["R", "Microsoft Excel", "Python"], "related": []},
        "mlops-engineer": {"tools": ["Kubernetes", "Git"], "related": [CIRS]},
    },
}
# Every task in the project's words (what the week shows), keyed by O*NET task id.
WORDS = {i: f"Ours: {text.lower()}" for _, i, text, _ in TASKS}
# Job Zones (code -> zone), as O*NET records them.
ZONES = {DS: 4, CIRS: 5, SD: 4, STAT: 5}


def write_onet(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)

    def table(name: str, header: list[str], rows: list[list[object]]) -> None:
        lines = ["\t".join(header), *("\t".join(str(c) for c in row) for row in rows)]
        (folder / name).write_text("\n".join(lines) + "\n", encoding="utf-8")

    (folder / "Read Me.txt").write_text("O*NET 29.3 Database\nMay 2025 Release\n",
                                        encoding="utf-8")
    table("Occupation Data.txt", ["O*NET-SOC Code", "Title", "Description"],
          [[c, t, "..."] for c, t in TITLES.items()])
    table("Technology Skills.txt", ["O*NET-SOC Code", "Title", "Example", "Commodity Code",
                                    "Commodity Title", "Hot Technology", "In Demand"],
          [[c, TITLES[c], ex, "1", "Software", h, d] for c, ex, h, d in SKILLS])
    table("Task Statements.tsv", ["O*NET-SOC Code", "Title", "Task ID", "Task", "Task Type",
                                  "Incumbents Responding", "Date", "Domain Source"],
          [[c, TITLES[c], i, text, kind, "", "", ""] for c, i, text, kind in TASKS])
    table("Related Occupations.txt", ["O*NET-SOC Code", "Title", "Related O*NET-SOC Code",
                                      "Related Title", "Relatedness Tier", "Index"],
          [[c, TITLES[c], r, TITLES[r], tier, i] for c, r, tier, i in RELATED])
    table("Job Zones.txt", ["O*NET-SOC Code", "Title", "Job Zone", "Date", "Domain Source"],
          [[c, TITLES[c], z, "08/2024", "Analyst"] for c, z in ZONES.items()])
    return folder


@pytest.fixture
def kb(kb_dir: Path) -> Path:
    (kb_dir / "mappings" / "onet-crosswalk.yaml").write_text(yaml.safe_dump(CROSSWALK),
                                                            encoding="utf-8")
    (kb_dir / "mappings" / "onet-relevance.yaml").write_text(yaml.safe_dump(RELEVANCE),
                                                            encoding="utf-8")
    (kb_dir / "mappings" / "onet-task-words.yaml").write_text(yaml.safe_dump({"tasks": WORDS}),
                                                             encoding="utf-8")
    return kb_dir


@pytest.fixture
def onet_dir(tmp_path: Path) -> Path:
    return write_onet(tmp_path / "onet")


def generated(kb: Path) -> dict:
    return yaml.safe_load((kb / ONET_FILE).read_text(encoding="utf-8"))


def test_skills_rank_hot_and_in_demand_first(kb: Path, onet_dir: Path) -> None:
    import_onet(onet_dir, kb)
    roles = generated(kb)["roles"]
    ds = [s["name"] for s in roles["data-scientist"]["skills"]]
    # Only the reviewed list's technologies (Excel, hot and in demand, is not on it): hot+
    # in-demand (SQL before Python, the list's order), in demand (Tableau), hot (PyTorch),
    # neither (SAS, third on the list). SQL is shown under its reviewed display name.
    assert ds == ["SQL", "Python", "Tableau", "PyTorch", "SAS"]
    mle = [s["name"] for s in roles["machine-learning-engineer"]["skills"]]
    # PyTorch is hot+in-demand in one of the two occupations, so it is in the top tier.
    assert mle == ["Python", "PyTorch", "SQL", "Hugging Face", "C++"]
    # The same O*NET spreadsheet the data scientist's list filters out fits an analyst.
    da = [s["name"] for s in roles["data-analyst"]["skills"]]
    assert da == ["R", "Microsoft Excel", "Python"]
    sql = roles["data-scientist"]["skills"][0]
    assert sql == {"name": "SQL", "onet": "Structured query language SQL", "hot": True,
                   "in_demand": True, "occupations": 1}


def test_only_the_top_skills_are_kept_and_the_rest_in_demand_listed(
        kb: Path, onet_dir: Path, monkeypatch) -> None:
    monkeypatch.setattr(onet_mod, "TOP_SKILLS", 3)
    import_onet(onet_dir, kb)
    ds = generated(kb)["roles"]["data-scientist"]
    assert [s["name"] for s in ds["skills"]] == ["SQL", "Python", "Tableau"]
    assert [s["name"] for s in ds["also_in_demand"]] == ["PyTorch"]  # SAS: not flagged


def test_tasks_are_core_in_onet_order_or_the_reviewed_picks(kb: Path, onet_dir: Path) -> None:
    import_onet(onet_dir, kb)
    roles = generated(kb)["roles"]
    texts = {slug: [t["onet"] for t in r["tasks"]] for slug, r in roles.items()}
    assert texts["data-scientist"] == ["Clean raw data.", "Fit and compare models.",
                                       "Explain results to managers.", "Read research papers.",
                                       "Build dashboards."]
    assert texts["machine-learning-engineer"] == ["Fit and compare models.",
                                                  "Invent new algorithms."]
    # Two occupations take turns, the first-listed first.
    assert texts["data-analyst"][:4] == ["Design experiments.", "Clean raw data.",
                                         "Check data quality.", "Fit and compare models."]


def test_related_occupations_closest_first_without_the_roles_own(kb: Path, onet_dir: Path) -> None:
    import_onet(onet_dir, kb)
    roles = generated(kb)["roles"]
    related = {slug: [r["title"] for r in info["related"]] for slug, info in roles.items()}
    # Closest tier first, among those the reviewed list keeps (it leaves out Computer and
    # Information Research Scientists for data scientists).
    assert related["data-scientist"] == ["Statisticians", "Software Developers"]
    assert related["machine-learning-engineer"] == ["Statisticians", "Software Developers"]
    assert related["data-analyst"] == []


def test_source_carries_the_attribution_and_version(kb: Path, onet_dir: Path) -> None:
    import_onet(onet_dir, kb)
    source = generated(kb)["source"]
    assert source["attribution"] == ATTRIBUTION
    assert (source["id"], source["name"], source["date"], source["licence"]) == (
        "onet-29.3", "O*NET 29.3", "2025-05", "CC BY 4.0")
    knowledge = load_knowledge_dir(kb)
    assert knowledge.sources["onet-29.3"].attribution == ATTRIBUTION


def test_merge_fills_only_what_a_role_file_lacks(kb: Path, onet_dir: Path) -> None:
    import_onet(onet_dir, kb)
    roles = load_knowledge_dir(kb).roles
    ds = roles["data-scientist"]
    assert ds.skills[:2] == ("SQL", "Python") and ds.skills_source.id == "onet-29.3"
    assert ds.week_tasks[0] == "Ours: clean raw data." and ds.week_source.id == "onet-29.3"
    assert ds.occupations == ("Data Scientists (15-2051.00)",)
    assert ds.related_source.id == "onet-29.3"
    # A seed role keeps its own skills and week, and gains related occupations.
    mlops = roles["mlops-engineer"]
    seed = yaml.safe_load((kb / "roles" / "mlops-engineer.yaml").read_text(encoding="utf-8"))
    assert list(mlops.skills) == seed["skills"]["top"]
    assert mlops.skills_source.id == "ai-market-pulse-2026"
    assert mlops.week_source.id == "ai-market-pulse-2026"
    assert mlops.related == ("Computer and Information Research Scientists",)
    assert mlops.related_source.id == "onet-29.3"


def test_a_second_run_changes_nothing(kb: Path, onet_dir: Path) -> None:
    first = import_onet(onet_dir, kb)
    before = (kb / ONET_FILE).read_bytes()
    second = import_onet(onet_dir, kb)
    assert [w.status for w in first.written] == ["updated"]  # the copy held the real import
    assert [w.status for w in second.written] == ["unchanged"]
    assert (kb / ONET_FILE).read_bytes() == before


def test_unknown_occupation_or_missing_table(kb: Path, onet_dir: Path) -> None:
    crosswalk = dict(CROSSWALK, roles={"data-scientist": {"occupations": ["15-9999.00"],
                                                          "why": "typo"}})
    (kb / "mappings" / "onet-crosswalk.yaml").write_text(yaml.safe_dump(crosswalk))
    before = (kb / ONET_FILE).read_bytes()
    with pytest.raises(ImportProblem, match=r"15-9999\.00"):
        import_onet(onet_dir, kb)
    assert (kb / ONET_FILE).read_bytes() == before
    (onet_dir / "Task Statements.tsv").unlink()
    (kb / "mappings" / "onet-crosswalk.yaml").write_text(yaml.safe_dump(CROSSWALK))
    with pytest.raises(ImportProblem, match="Task Statements"):
        import_onet(onet_dir, kb)


def test_crosswalk_is_validated(kb: Path) -> None:
    bad = {"roles": {"data-scientist": {"occupations": ["Data Scientists"]},
                     "ghost-role": {"occupations": [DS], "why": "x"}}}
    (kb / "mappings" / "onet-crosswalk.yaml").write_text(yaml.safe_dump(bad))
    with pytest.raises(KnowledgeError) as err:
        load_knowledge_dir(kb)
    text = "\n".join(err.value.problems)
    assert "'Data Scientists' is not an O*NET-SOC code" in text
    assert "roles.data-scientist.why: is required" in text
    assert "'ghost-role' has no role file" in text


def test_cli(kb: Path, onet_dir: Path, tmp_path: Path, monkeypatch, capsys) -> None:
    monkeypatch.setenv("CAREERBOT_KNOWLEDGE_DIR", str(kb))
    monkeypatch.setenv("CAREERBOT_DB", str(tmp_path / "cli.db"))
    assert main(["kb", "import-onet", str(onet_dir)]) == 0
    out = capsys.readouterr().out
    assert "O*NET 29.3 (2025-05)" in out and "updated: " in out
    assert main(["kb", "import-onet", str(tmp_path / "nowhere")]) == 2
    assert "is not a folder" in capsys.readouterr().err


# -- issue 13: the week in our words, Job Zones, reviewed relevance, career guidance ----


def test_tasks_are_shown_in_the_reviewed_words_with_onets_kept(kb: Path, onet_dir: Path) -> None:
    import_onet(onet_dir, kb)
    mle = generated(kb)["roles"]["machine-learning-engineer"]["tasks"]
    assert mle == [
        {"id": 3, "occupation": DS, "text": "Ours: fit and compare models.",
         "onet": "Fit and compare models."},
        {"id": 11, "occupation": CIRS, "text": "Ours: invent new algorithms.",
         "onet": "Invent new algorithms."},
    ]


def test_job_zones_recomputed_per_occupation(kb: Path, onet_dir: Path) -> None:
    import_onet(onet_dir, kb)
    roles = generated(kb)["roles"]
    zones = {slug: [(p["code"], p["zone"]) for p in r["preparation"]] for slug, r in roles.items()}
    assert zones == {"data-scientist": [(DS, 4)], "machine-learning-engineer": [(DS, 4), (CIRS, 5)],
                     "data-analyst": [(STAT, 5), (DS, 4)], "mlops-engineer": [(SD, 4)]}
    meanings = {p["zone"]: p["meaning"] for r in roles.values() for p in r["preparation"]}
    # What each zone means, per the open data's README (O*NET's Job Zone definitions).
    assert "bachelor's degree" in meanings[4] and "graduate school" in meanings[5]
    mle = load_knowledge_dir(kb).roles["machine-learning-engineer"]
    assert [(z.occupation, z.zone) for z in mle.job_zones] == [
        ("Data Scientists (15-2051.00)", 4),
        ("Computer and Information Research Scientists (15-1221.00)", 5)]
    assert mle.job_zone_source is not None and mle.job_zone_source.id == "onet-29.3"


@pytest.mark.parametrize(("edit", "message"), [
    (lambda r, w, z: r["roles"]["data-scientist"]["tools"].append("Cobol"),
     r"data-scientist: the relevance list names technologies .* do not list: Cobol"),
    (lambda r, w, z: r["roles"]["data-scientist"]["related"].append("11-2011.00"),
     r"data-scientist: .*related occupations O\*NET does not relate .*11-2011\.00"),
    (lambda r, w, z: w.pop(1),
     r"data-analyst: tasks \[1\] of 15-2041\.00, 15-2051\.00 have no reviewed words"),
    (lambda r, w, z: r["roles"].pop("data-analyst"),
     r"onet-relevance\.yaml has no entry for data-analyst"),
    (lambda r, w, z: z.pop(STAT), r"no Job Zone 1-5 for 15-2041\.00"),
])
def test_a_stale_reviewed_list_stops_the_import(kb: Path, onet_dir: Path, edit, message: str) -> None:
    relevance = yaml.safe_load(yaml.safe_dump(RELEVANCE))
    words, zones = dict(WORDS), dict(ZONES)
    edit(relevance, words, zones)
    (kb / "mappings" / "onet-relevance.yaml").write_text(yaml.safe_dump(relevance))
    (kb / "mappings" / "onet-task-words.yaml").write_text(yaml.safe_dump({"tasks": words}))
    (onet_dir / "Job Zones.txt").write_text(
        "O*NET-SOC Code\tTitle\tJob Zone\n"
        + "".join(f"{c}\t{TITLES[c]}\t{z}\n" for c, z in zones.items()))
    before = (kb / ONET_FILE).read_bytes()
    with pytest.raises(ImportProblem, match=message):
        import_onet(onet_dir, kb)
    assert (kb / ONET_FILE).read_bytes() == before


@pytest.mark.parametrize(("name", "data", "expected"), [
    ("onet-relevance.yaml", {"roles": {"data-scientist": {"tools": [], "related": ["Stats"]}}},
     ["onet-relevance.yaml: roles.data-scientist.tools: must list at least one",
      "roles.data-scientist.related[0]: 'Stats' is not an O*NET-SOC code"]),
    ("onet-relevance.yaml", {"roles": {"ghost-role": {"tools": ["Python"]}}},
     ["onet-relevance.yaml: roles.ghost-role: 'ghost-role' has no role file"]),
    ("onet-relevance.yaml", {"roles": {"data-scientist": {"tools": ["R", "r"], "why": "x"}}},
     ["roles.data-scientist.tools[1]: 'r' is listed twice",
      "roles.data-scientist.why: is not a known field"]),
    ("onet-task-words.yaml", {"tasks": {"first": "Clean data.", 7: "Clean data in 5 steps.",
                                        8: ""}},
     ["onet-task-words.yaml: tasks.first: 'first' is not an O*NET task id",
      "tasks.7: has a figure", "tasks.8: must be the task in our words"]),
    ("career-guidance.yaml", {"roles": {"data-scientist": {"ladder": ["Data Scientist"],
                                                           "way_in": "Takes 3 years."}}},
     ["career-guidance.yaml: roles.data-scientist.ladder: must list at least two steps",
      "roles.data-scientist.way_in: 'Takes 3 years.' has a figure; guidance carries none"]),
    ("career-guidance.yaml", {"roles": {"ghost-role": {"ladder": ["A", "B"]}},
                              "extra": 1},
     ["career-guidance.yaml: extra: is not a known field",
      "career-guidance.yaml: roles.ghost-role: 'ghost-role' has no role file"]),
])
def test_loader_rejects_a_bad_reviewed_list_clearly(kb_dir: Path, name: str, data: dict,
                                                    expected: list[str]) -> None:
    (kb_dir / "mappings" / name).write_text(yaml.safe_dump(data), encoding="utf-8")
    with pytest.raises(KnowledgeError) as err:
        load_knowledge_dir(kb_dir)
    text = "\n".join(err.value.problems)
    for part in expected:
        assert part in text


def test_guidance_fills_only_roles_without_a_path_and_is_marked(kb_dir: Path) -> None:
    roles = load_knowledge_dir(kb_dir).roles
    guidance = yaml.safe_load((kb_dir / "mappings" / "career-guidance.yaml").read_text())["roles"]
    ds = roles["data-scientist"]
    assert ds.path_guidance
    assert list(ds.progression) == guidance["data-scientist"]["ladder"]
    assert list(ds.best_from) == guidance["data-scientist"]["comes_from"]
    # A seed role keeps its own (sourced) path and is not labelled guidance.
    mlops = roles["mlops-engineer"]
    seed = yaml.safe_load((kb_dir / "roles" / "mlops-engineer.yaml").read_text())
    assert list(mlops.progression) == seed["career"]["progression"] and not mlops.path_guidance
