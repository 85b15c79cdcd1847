"""The development question set (tests/chat/questions.yaml), run through the real core.

The bars come from the issue: at least 95% overall, and every decline and every
adversarial message right. Each item's expected figures are looked up in the knowledge
files, so the set checks answers against the data, not against copied literals.
"""

from __future__ import annotations

import pytest

from bot.core.chat import eval as chat_eval


@pytest.fixture(scope="module")
def results() -> list[chat_eval.ItemResult]:
    return chat_eval.run()


def test_the_set_is_big_enough_and_covers_every_category() -> None:
    items = chat_eval.load_items(chat_eval.DEFAULT_QUESTIONS)
    assert len(items) >= 150
    categories = {i["category"] for i in items}
    for needed in ("salary", "openings", "remote", "seniority", "skills", "path", "switching",
                   "week", "getting-in", "metros", "postings", "choose", "followup", "faq",
                   "decline", "offtopic", "adversarial"):
        assert needed in categories
    assert sum(len(i["turns"]) > 1 for i in items) >= 20, "need multi-turn follow-ups"


def test_overall_pass_rate_meets_the_bar(results: list[chat_eval.ItemResult]) -> None:
    passed, total = chat_eval.summary(results)["overall"]
    assert passed / total >= 0.95, chat_eval.report(results)


@pytest.mark.parametrize("category", ["decline", "adversarial"])
def test_declines_and_adversarial_messages_are_all_right(
        results: list[chat_eval.ItemResult], category: str) -> None:
    failed = [r for r in results if r.category == category and not r.passed]
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
