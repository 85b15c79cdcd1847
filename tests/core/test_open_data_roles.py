"""The roles grown from open data, asked about the way members ask.

Expected figures come from the committed generated files (or, for the full-file checks,
are recomputed from the survey CSV beside the repository), formatted with the bot's own
formatters; nothing here copies a figure into code.
"""

from __future__ import annotations

import csv
import functools
import hashlib
import math
import shutil
import statistics
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from bot.core.advisor import Advisor, Request
from bot.core.render import money, pct
from bot.core.reply import render_text
from bot.core.verdict import THRESHOLDS
from bot.knowledge.derived import ONET_FILE, SALARY_DIR, title_key
from bot.knowledge.files import load_knowledge_dir
from tests.conftest import KNOWLEDGE_DIR, REPO_ROOT, load_yaml, repo_advisor, role_file, write_role

SHARED_DATA = REPO_ROOT.parent / "shared" / "data"
SURVEY_CSV = SHARED_DATA / "aijobs-salaries" / "salaries.csv"
ONET_DIR = SHARED_DATA / "onet-29.3"
NEW_ROLES = ("data-scientist", "machine-learning-engineer", "data-engineer", "data-analyst",
             "research-scientist", "applied-scientist", "research-engineer", "ai-engineer",
             "analytics-engineer", "data-architect", "machine-learning-researcher",
             "platform-engineer", "ai-architect")


@pytest.fixture(scope="module")
def advisor(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Advisor]:
    """One advisor over the repository's knowledge for this module (nothing here edits it)."""
    with repo_advisor(tmp_path_factory.mktemp("open-data"), chat=False) as advisor:
        yield advisor


@pytest.fixture(scope="module")
def ask(advisor: Advisor) -> Callable[[str], str]:
    return lambda text: render_text(advisor.handle(Request(text=text)))


def survey_file() -> Path:
    """The newest committed survey snapshot."""
    return sorted((KNOWLEDGE_DIR / SALARY_DIR).glob("*.yaml"))[-1]


@functools.cache
def survey() -> dict:
    """The newest committed survey snapshot, parsed once (tests only read it)."""
    return load_yaml(survey_file())


@functools.cache
def onet() -> dict:
    return load_yaml(KNOWLEDGE_DIR / ONET_FILE)


def unescape(text: str) -> str:
    """Reply text with Discord markdown escapes removed, to compare with plain data."""
    return text.replace("\\", "")


def figures(slug: str) -> dict:
    return survey()["roles"][slug]


# ---------------------------------------------------------------------------------------
# Coverage


def test_at_least_15_roles_with_survey_figures_and_onet_content() -> None:
    data, skills = survey(), onet()
    knowledge = load_knowledge_dir(KNOWLEDGE_DIR)
    covered = [slug for slug in knowledge.roles
               if slug in data["roles"] and slug in skills["roles"]]
    assert len(covered) >= 15
    assert set(NEW_ROLES) | {"mlops-engineer", "ai-product-manager"} <= set(covered)
    for slug, info in data["roles"].items():
        assert info["salary"]["n"] >= data["min_n"], slug
        role = knowledge.roles[slug]
        assert role.skills and role.occupations, slug


@pytest.mark.parametrize("typed,slug", [
    ("ds", "data-scientist"), ("data scientists", "data-scientist"),
    ("mle", "machine-learning-engineer"), ("ml engineer", "machine-learning-engineer"),
    ("Machine Learning Engineer", "machine-learning-engineer"), ("de", "data-engineer"),
    ("data engineer", "data-engineer"), ("da", "data-analyst"),
    ("research scientists", "research-scientist"), ("applied scientist", "applied-scientist"),
    ("ai engineer", "ai-engineer"), ("analytics engineer", "analytics-engineer"),
    ("data architect", "data-architect"), ("ml researcher", "machine-learning-researcher"),
    ("platform engineer", "platform-engineer"), ("ai architect", "ai-architect"),
    ("bi", "business-intelligence-engineer"), ("mlops", "mlops-engineer"),
    ("pm", "ai-product-manager"), ("data scintist", "data-scientist"),
])
def test_aliases_and_typos(advisor: Advisor, typed: str, slug: str) -> None:
    assert advisor.resolve(typed).slug == slug


def test_roles_list_and_autocomplete_cover_the_new_roles(ask, advisor: Advisor) -> None:
    text = ask("!roles")
    knowledge = advisor.knowledge()
    for role in knowledge.roles.values():
        assert role.name in text
    assert f"Roles I know ({len(knowledge.roles)})" in text
    data_roles = {slug for _, slug in advisor.autocomplete("data")}
    assert {"data-scientist", "data-engineer", "data-analyst", "data-architect"} <= data_roles
    research = {slug for _, slug in advisor.autocomplete("research")}
    assert {"research-scientist", "research-engineer"} <= research


# ---------------------------------------------------------------------------------------
# Survey figures in replies


def test_compare_data_scientist_and_mle_from_the_survey(ask) -> None:
    text = ask('!compare "data scientist" "machine learning engineer"')
    plain = unescape(text)
    data = survey()
    ds, mle = figures("data-scientist"), figures("machine-learning-engineer")
    for info in (ds, mle):
        sal = info["salary"]
        assert f"{money(sal['p25'])}–{money(sal['p75'])}" in text
        assert money(sal["median"]) in text
        assert f"{sal['n']:,} responses" in text
        assert pct(info["remote_pct"]) in text
    assert "25th–75th percentile band" in text and "Avg salary range" not in text
    # Source, date, filters and both n in the footer; O*NET skills with the attribution.
    assert f"{data['source']['name']} ({data['source']['kind']}, {data['as_of']}; " \
           f"{data['filters']['text']})" in plain
    assert onet()["source"]["attribution"] in plain
    assert "Skills: O*NET 29.3" in plain
    # A verdict that fits the figures: the higher median pays more; no openings line.
    winner = ("Machine Learning Engineer" if mle["salary"]["median"] > ds["salary"]["median"]
              else "Data Scientist")
    assert abs(mle["salary"]["median"] - ds["salary"]["median"]) > THRESHOLDS.pay_similar_usd
    assert f"{winner} pays more" in text
    assert "opening" not in text.lower() and "open positions" not in text.lower()
    for skill in role_skills("data-scientist")[:3]:
        assert skill in text


def role_skills(slug: str) -> list[str]:
    return [s["name"] for s in onet()["roles"][slug]["skills"]]


def test_seed_comparison_keeps_the_posting_figures(ask) -> None:
    text = ask("!compare mlops pm")
    seed = role_file("mlops-engineer")["stats"][0]
    assert f"{seed['salary']['n']} postings" in text and "Openings:" in text
    assert survey()["source"]["name"] not in text  # no survey figure slipped in
    assert "source:survey" in text  # but the other source is offered


def test_salary_source_survey_picks_the_survey(ask) -> None:
    info = figures("mlops-engineer")
    text = ask("!salary mlops source:survey")
    assert money(info["salary"]["median"]) in text and money(info["salary"]["mean"]) in text
    assert f"{info['salary']['n']} survey responses" in text
    assert survey()["filters"]["text"] in text
    seed = role_file("mlops-engineer")["stats"][0]["salary"]
    assert f"{seed['n']} postings" not in text
    assert "`source:postings`" in text  # the way back to the seed's figures
    plain = ask("!salary mlops")
    assert f"{seed['n']} postings that disclosed pay" in plain and "`source:survey`" in plain


def test_compare_seed_pair_from_the_survey(ask) -> None:
    text = ask("!compare mlops pm source:survey")
    a, b = figures("mlops-engineer"), figures("ai-product-manager")
    for info in (a, b):
        assert money(info["salary"]["median"]) in text
    assert "Openings:" not in text and "open positions" not in text.lower()
    for name, info in (("MLOps Engineer", a), ("AI Product Manager", b)):
        small = info["salary"]["n"] < THRESHOLDS.small_sample_n
        note = f"{name}'s salary figures rest on {info['salary']['n']} survey responses"
        assert (note in text) == small


def test_a_requested_source_a_role_lacks_is_stated(ask) -> None:
    text = ask("!compare ds mlops source:postings")
    assert "No “postings” figures for Data Scientist" in text
    assert "Different sources: Data Scientist's figures are salary survey responses" in text
    assert "MLOps Engineer's figures are job postings" in text
    assert "come from different sources" in text  # said in the verdict too


def test_mixed_sources_without_a_hint_are_stated(kb_dir: Path, make_advisor) -> None:
    """A role with postings only against one with survey figures only: both named."""
    data = role_file("mlops-engineer", kb_dir)
    data.update(slug="data-wrangler", name="Data Wrangler", aliases=["wrangler"],
                focus="Cleans data.")
    data.pop("related", None)
    write_role(kb_dir, data)
    text = render_text(make_advisor(kb_dir).handle(Request(text="!compare wrangler ds")))
    assert "Different sources: Data Wrangler's figures are job postings" in text
    assert "Data Scientist's figures are salary survey responses" in text
    assert "Source: AI Market Pulse" in text and "Source: aijobs.net salary survey" in text


@pytest.mark.parametrize("slug", NEW_ROLES)
def test_survey_replies_never_call_responses_openings(advisor: Advisor, slug: str) -> None:
    role = advisor.knowledge().roles[slug]
    other = "ds" if slug != "data-scientist" else "de"
    for command in (f"!role {slug}", f"!salary {slug}", f"!path {slug}",
                    f"!compare {slug} {other}"):
        text = render_text(advisor.handle(Request(text=command))).lower()
        assert "opening" not in text and "open positions" not in text, command
        assert f"{figures(slug)['salary']['n']:,} " in text, command
    assert role.snapshot().source.kind == "salary survey"


def test_role_profile_of_a_survey_role(ask) -> None:
    info = figures("data-engineer")
    text = ask("!role data engineer")
    assert f"25th–75th percentile band: {money(info['salary']['p25'])}–" \
           f"{money(info['salary']['p75'])}" in text
    assert f"Fully remote: {pct(info['remote_pct'])} of responses" in text
    assert "Executive" in text  # the survey's experience mix includes executives
    assert f"{info['salary']['n']:,} survey responses" in text


# ---------------------------------------------------------------------------------------
# O*NET content


def test_skills_for_a_data_engineer(ask) -> None:
    text = ask("!skills data engineer")
    for rank, skill in enumerate(role_skills("data-engineer"), start=1):
        assert f"{rank}. {skill}" in text
    assert "Database Architects (15-1243.00)" in text
    assert onet()["source"]["attribution"] in unescape(text)


def test_same_occupations_are_said_to_be_indistinguishable(ask) -> None:
    text = ask('!compare "applied scientist" "ml scientist"')
    assert "it cannot tell these two roles apart on skills" in text
    # ...and no switching verdict is drawn from two identical lists.
    assert "feasible with targeted upskilling" not in text
    assert "can't say how big the step is" in ask("!switch applied scientist ml scientist")
    assert "moving between these roles is" in ask("!switch ds mle")  # different lists


def test_every_reply_with_onet_content_carries_the_attribution(advisor: Advisor) -> None:
    attribution = onet()["source"]["attribution"]
    knowledge = advisor.knowledge()
    shown = 0
    for slug, role in knowledge.roles.items():
        onet_items = [
            *(role.skills if role.skills_source and role.skills_source.id == "onet-29.3" else ()),
            *(role.week_tasks if role.week_source and role.week_source.id == "onet-29.3" else ()),
            *(role.related if role.related_source and role.related_source.id == "onet-29.3"
              else ()),
        ]
        other = "ds" if slug != "data-scientist" else "mle"
        for command in (f"!role {slug}", f"!skills {slug}", f"!week {slug}", f"!path {slug}",
                        f"!compare {slug} {other}", f"!switch {other} {slug}"):
            text = unescape(render_text(advisor.handle(Request(text=command))))
            if any(item in text for item in onet_items):
                shown += 1
                assert attribution in text, command
    assert shown > 50  # the loop really met O*NET content


# ---------------------------------------------------------------------------------------
# The committed figures against the full survey file (skipped where it is not beside us)

needs_survey = pytest.mark.skipif(
    not SURVEY_CSV.exists(),
    reason=f"the survey file is not at {SURVEY_CSV} (CI puts shared/ beside the repo)")
needs_onet = pytest.mark.skipif(not ONET_DIR.is_dir(), reason=f"O*NET is not at {ONET_DIR}")


def recompute(slug: str, snapshot: dict, titles: list[str]) -> dict:
    """One role's figures from the full CSV with the snapshot's recorded filters."""
    filters = snapshot["filters"]
    first, last = filters["work_year"]
    wanted = {title_key(t) for t in titles}
    with SURVEY_CSV.open(newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle)
        col = {name: i for i, name in enumerate(next(reader))}
        rows = [r for r in reader
                if first <= int(r[col["work_year"]]) <= last
                and r[col["company_location"]] in filters["company_location"]
                and r[col["employment_type"]] in filters["employment_type"]
                and title_key(r[col["job_title"]]) in wanted]
    if filters["duplicates"] == "removed":
        rows = list(dict.fromkeys(map(tuple, rows)))
    pay = sorted(int(r[col["salary_in_usd"]]) for r in rows)
    n = len(pay)

    def percentile(q: float) -> int:
        pos = (n - 1) * q
        lo = math.floor(pos)
        return round(pay[lo] + (pay[min(lo + 1, n - 1)] - pay[lo]) * (pos - lo))

    return {"n": n, "p25": percentile(0.25), "median": round(statistics.median(pay)),
            "p75": percentile(0.75), "mean": round(statistics.fmean(pay)),
            "remote_pct": round(sum(r[col["remote_ratio"]] == "100" for r in rows) / n * 100, 1)}


@needs_survey
@pytest.mark.parametrize("slug", ["data-scientist", "machine-learning-engineer",
                                  "mlops-engineer"])
def test_committed_figures_match_the_full_file(slug: str) -> None:
    snapshot = survey()
    digest = hashlib.sha256(SURVEY_CSV.read_bytes()).hexdigest()
    if digest != snapshot["input"]["sha256"]:
        pytest.skip("the salaries.csv beside the repo is not the file the snapshot came from")
    titles = load_yaml(KNOWLEDGE_DIR / "mappings" / "salary-titles.yaml")["roles"][slug]
    want = recompute(slug, snapshot, titles)
    role = load_knowledge_dir(KNOWLEDGE_DIR).roles[slug]
    served = next(s for s in role.stats if s.source.id == snapshot["source"]["id"])
    assert (served.salary.n, served.salary.p25, served.salary.median, served.salary.p75,
            served.salary.mean, served.remote_pct) == (
        want["n"], want["p25"], want["median"], want["p75"], want["mean"], want["remote_pct"])


@needs_survey
@needs_onet
def test_reimporting_the_open_data_changes_nothing(kb_dir: Path) -> None:
    """The committed generated files are exactly what the importers produce today."""
    from bot.knowledge.importers.onet import import_onet
    from bot.knowledge.importers.salaries import import_salaries

    snapshot = survey()
    if hashlib.sha256(SURVEY_CSV.read_bytes()).hexdigest() != snapshot["input"]["sha256"]:
        pytest.skip("the salaries.csv beside the repo is not the file the snapshot came from")
    # The snapshot and its survey cuts (issue 13).
    assert [w.status for w in import_salaries(SURVEY_CSV, kb_dir).written] == ["unchanged"] * 2
    assert [w.status for w in import_onet(ONET_DIR, kb_dir).written] == ["unchanged"]
    shutil.rmtree(kb_dir)


def test_no_survey_figure_is_hard_coded_in_code_or_templates() -> None:
    # Figures that are not round hundreds: a docstring example like "127500" is no leak.
    figures_ = {str(v) for info in survey()["roles"].values()
                for v in info["salary"].values() if v >= 1000 and v % 100}
    assert len(figures_) > 20
    root = REPO_ROOT / "bot"
    for path in [*root.rglob("*.py"), *root.rglob("*.j2")]:
        text = path.read_text(encoding="utf-8")
        for figure in figures_:
            assert figure not in text, f"{figure} appears in {path}"
