"""The committed question sets, run through the real core.

tests/chat/questions.yaml is the development set written from the seed document;
tests/chat/questions_open_data.yaml covers the roles imported from open data (the
aijobs.net salary survey and O*NET). The bars come from the issues: at least 95%
overall, and every decline and every adversarial message right, for each set. Each
item's expected figures are looked up in the knowledge files, so the sets check answers
against the data, not against copied literals.
"""

from __future__ import annotations

import re

import pytest

from bot.core.chat import eval as chat_eval
from bot.knowledge.files import load_knowledge_dir

SETS = {"dev": chat_eval.DEFAULT_QUESTIONS, "open_data": chat_eval.OPEN_DATA_QUESTIONS}


@pytest.fixture(scope="module", params=sorted(SETS))
def results(request: pytest.FixtureRequest) -> list[chat_eval.ItemResult]:
    return chat_eval.run(SETS[request.param])


def test_the_dev_set_is_big_enough_and_covers_every_category() -> None:
    items = chat_eval.load_items(chat_eval.DEFAULT_QUESTIONS)
    assert len(items) >= 150
    categories = {i["category"] for i in items}
    for needed in ("salary", "openings", "remote", "seniority", "skills", "path", "switching",
                   "week", "getting-in", "metros", "postings", "choose", "followup", "faq",
                   "decline", "offtopic", "adversarial"):
        assert needed in categories
    assert sum(len(i["turns"]) > 1 for i in items) >= 20, "need multi-turn follow-ups"


def test_the_open_data_set_covers_every_imported_role() -> None:
    """At least 40 questions about the new roles (the issue), and each of them asked about."""
    items = chat_eval.load_items(chat_eval.OPEN_DATA_QUESTIONS)
    assert len(items) >= 50
    knowledge = load_knowledge_dir(chat_eval.DEFAULT_KNOWLEDGE)
    survey_only = {slug for slug, role in knowledge.roles.items()
                   if role.stats and not any(s.source.counts_are_openings for s in role.stats)}
    assert len(survey_only) >= 15
    text = "\n".join(str(i) for i in items)
    asked = {slug for slug in survey_only if re.search(rf"\b{re.escape(slug)}\b", text)}
    assert asked == survey_only, f"no question about {sorted(survey_only - asked)}"
    categories = {i["category"] for i in items}
    for needed in ("salary", "remote", "seniority", "skills", "week", "path", "compare",
                   "survey-source", "followup", "decline", "adversarial"):
        assert needed in categories
    assert sum(len(i["turns"]) > 1 for i in items) >= 5, "need multi-turn follow-ups"


def test_overall_pass_rate_meets_the_bar(results: list[chat_eval.ItemResult]) -> None:
    passed, total = chat_eval.summary(results)["overall"]
    assert passed / total >= 0.95, chat_eval.report(results)


@pytest.mark.parametrize("category", ["decline", "adversarial"])
def test_declines_and_adversarial_messages_are_all_right(
        results: list[chat_eval.ItemResult], category: str) -> None:
    in_category = [r for r in results if r.category == category]
    assert in_category, f"the set has no {category} items"
    failed = [r for r in in_category if not r.passed]
    assert not failed, chat_eval.report(failed)


def test_every_answer_fits_one_message_and_invents_no_figure(
        results: list[chat_eval.ItemResult]) -> None:
    for r in results:
        for t in r.turns:
            assert len(t.text) <= 2000, t.say
            assert not [p for p in t.problems if "not in the knowledge base" in p], (t.say, t.text)


def test_the_checker_catches_an_invented_figure() -> None:
    """The invented-figure check itself must be able to fail."""
    from bot.core.reply import Reply

    facts = chat_eval.FactBook(chat_eval.DEFAULT_KNOWLEDGE)
    allowed = facts.allowed_figures()
    reply = Reply(title="", lead="MLOps pays $999K", footer="-# Source: x")
    problems = chat_eval.check({"say": "x"}, reply, "MLOps pays $999K", facts, allowed, set())
    assert any("not in the knowledge base" in p for p in problems)
    assert facts.text("mlops-engineer.salary.median") in allowed


def test_figure_references_can_name_a_source() -> None:
    """"<slug>@survey" reads the role's survey snapshot, not its first-listed one."""
    facts = chat_eval.FactBook(chat_eval.DEFAULT_KNOWLEDGE)
    role = facts.knowledge.roles["mlops-engineer"]
    survey = next(s for s in role.stats if s.source.kind == "salary survey")
    assert facts.value("mlops-engineer@survey.salary.n")[0] == survey.salary.n
    assert facts.value("mlops-engineer.salary.n")[0] == role.stats[0].salary.n
    with pytest.raises(KeyError):
        facts.value("data-scientist@postings.salary.median")


def test_eval_runs_the_committed_sets_or_the_ones_named(
        tmp_path, capsys: pytest.CaptureFixture[str]) -> None:
    assert set(chat_eval.COMMITTED_SETS) == set(SETS.values())
    mine = tmp_path / "mine.yaml"
    mine.write_text("- category: salary\n  say: research scientist salary\n"
                    "  figures: [research-scientist.salary.median]\n"
                    "- category: decline\n  say: how much do nurses make\n  decline: true\n",
                    encoding="utf-8")
    assert chat_eval.main(["--questions", str(mine), "--questions", str(mine)]) == 0
    out = capsys.readouterr().out
    assert out.count("| **overall** | 2/2 | 100% |") == 2 and str(mine) in out
