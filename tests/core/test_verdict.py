"""The verdict is computed from the figures, for any pair, and turns when they turn."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest

from bot.core.advisor import Advisor, Request
from bot.core.reply import render_text
from bot.core.verdict import THRESHOLDS
from tests.conftest import role_file, write_role


def third_role(**stats_overrides: object) -> dict:
    """A test-only role built from the MLOps file with other figures (not seed data)."""
    data = copy.deepcopy(role_file("mlops-engineer"))
    data.update(slug="data-wrangler", name="Data Wrangler",
                aliases=["wrangler", "data wrangling engineer"],
                focus="Cleans and shapes data for analysts.")
    data["skills"] = {"source": data["skills"]["source"],
                      "top": ["SQL", "Python", "Airflow", "dbt", "Spark", "AWS", "Tableau", "Excel"]}
    stats = data["stats"][0]
    stats.update(stats_overrides)
    return data


def answer(advisor: Advisor, text: str) -> str:
    return render_text(advisor.handle(Request(text=text)))


@pytest.fixture
def wrangler_kb(kb_dir: Path) -> Path:
    write_role(kb_dir, third_role(
        open_positions=400,
        salary={"avg_low": 90000, "avg_high": 130000, "median": 110000, "p75": 140000, "n": 52},
        remote_pct=30,
        experience={"senior": 20, "mid": 50, "entry": 30},
    ))
    return kb_dir


def test_pay_gap_names_the_better_paid_role(make_advisor, wrangler_kb: Path) -> None:
    text = answer(make_advisor(wrangler_kb), "!compare mlops wrangler")
    mlops = role_file("mlops-engineer")["stats"][0]["salary"]
    midpoint = (mlops["avg_low"] + mlops["avg_high"]) / 2
    assert "MLOps Engineer pays more" in text
    assert "pay similarly" not in text
    gap = midpoint - (90000 + 130000) / 2
    assert gap > THRESHOLDS.pay_similar_usd
    from bot.core.render import money
    assert money(gap) in text


def test_openings_remote_and_entry_turn_with_the_figures(make_advisor, wrangler_kb: Path) -> None:
    text = answer(make_advisor(wrangler_kb), "!compare mlops wrangler")
    mlops = role_file("mlops-engineer")["stats"][0]
    assert f"Choose Data Wrangler if you want more open positions (400 vs {mlops['open_positions']}" in text
    assert "Data Wrangler is more often fully remote (30%" in text
    assert "Data Wrangler is a little more open to newcomers (30% entry-level" in text
    assert "both lean experienced" not in text


def test_low_overlap_is_a_retraining(make_advisor, wrangler_kb: Path) -> None:
    text = answer(make_advisor(wrangler_kb), "!compare wrangler pm")
    assert "Shared top skills (2 of 8): AWS and Python" in text
    assert "a substantial retraining" in text
    assert "feasible with targeted upskilling" not in text


def test_similar_pay_when_within_threshold(make_advisor, kb_dir: Path) -> None:
    mlops = role_file("mlops-engineer")["stats"][0]["salary"]
    shifted = {k: v + THRESHOLDS.pay_similar_usd // 2 if k != "n" else v for k, v in mlops.items()}
    write_role(kb_dir, third_role(salary=shifted))
    text = answer(make_advisor(kb_dir), "!compare mlops wrangler")
    assert "pay similarly" in text


def test_missing_figures_are_skipped_not_blank(make_advisor, kb_dir: Path) -> None:
    data = third_role()
    data["stats"] = [{"source": data["stats"][0]["source"], "as_of": "2026",
                      "salary": {"median": 120000, "n": 10}}]
    write_role(kb_dir, data)
    text = answer(make_advisor(kb_dir), "!compare mlops wrangler")
    assert "Openings" not in text
    assert "Remote:" not in text
    assert "Seniority" not in text
    assert "None" not in text
    assert "Median salary" in text
    # The table still shows the role that has the figure, with a dash for the other.
    assert "—" in text
    assert "MLOps Engineer pays more" in text  # medians compared when ranges are missing
    assert "(median)" in text


def test_role_without_any_stats(make_advisor, kb_dir: Path) -> None:
    data = third_role()
    del data["stats"]
    write_role(kb_dir, data)
    advisor = make_advisor(kb_dir)
    text = answer(advisor, "!compare wrangler pm")
    assert "Data Wrangler vs AI Product Manager" in text
    assert "None" not in text and "Pay:" not in text
    salary = answer(advisor, "!salary wrangler")
    assert "I don't have salary figures for Data Wrangler" in salary


def test_same_role_twice(ask_reply) -> None:
    reply = ask_reply("!compare mlops ml-ops")
    assert reply.kind == "error"
    assert "same role" in reply.title
