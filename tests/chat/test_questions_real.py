"""The real-question set (issue 12, item 6), run through the real core.

tests/chat/questions_real.yaml holds questions people asked online about these careers,
each with its source address and the kind of question it is; what a good answer must
contain comes from the knowledge files. Unlike the committed sets (95% bars) this set
measures how well the chat reads questions it was not written around, so its bar is a
ratchet: today's measured pass rate, raised as the chat improves.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.core.chat import eval as chat_eval
from bot.core.reply import Reply

#: The set's pass rate, rounded down to the percent: 62/127 at first (2026-12-03), 125/127
#: after issue 12's work. Issue 12's target was 0.85; this bar is a ratchet: raise it
#: whenever the rate rises, never lower it to make a change pass.
BAR = 0.98
#: The held-out third, committed after its one run (56/63 at commit 51266d6): that first
#: result is its bar.
HELD_OUT = Path(__file__).with_name("questions_real_heldout.yaml")
HELD_OUT_BAR = 0.88


@pytest.fixture(scope="module")
def results() -> list[chat_eval.ItemResult]:
    return chat_eval.run(chat_eval.REAL_QUESTIONS)


def test_every_item_names_its_source_and_kind() -> None:
    items = chat_eval.load_items(chat_eval.REAL_QUESTIONS)
    assert len(items) >= 85
    for item in items:
        assert re.match(r"https?://\S+$", item["source"]), item
        assert item["kind_of_question"] in chat_eval.KINDS_OF_QUESTION, item
    assert {i["kind_of_question"] for i in items} == set(chat_eval.KINDS_OF_QUESTION)
    assert sum(len(i["turns"]) > 1 for i in items) >= 2, "need off-topic asks mid-chat"
    assert any(i["needs"] == "13" for i in items)


def test_the_real_set_is_reported_apart_from_the_committed_sets() -> None:
    assert chat_eval.REAL_QUESTIONS not in chat_eval.COMMITTED_SETS


def test_pass_rate_meets_the_ratchet(results: list[chat_eval.ItemResult]) -> None:
    passed, total = chat_eval.summary(results)["overall"]
    assert passed / total >= BAR, chat_eval.report(results)


def test_the_held_out_third_keeps_its_first_result() -> None:
    held = chat_eval.run(HELD_OUT)
    passed, total = chat_eval.summary(held)["overall"]
    assert total == 63 and passed / total >= HELD_OUT_BAR, chat_eval.report(held)


def test_no_answer_invents_a_figure_or_overflows(results: list[chat_eval.ItemResult]) -> None:
    for r in results:
        for t in r.turns:
            assert len(t.text) <= 2000, t.say
            assert not [p for p in t.problems if "not in the knowledge base" in p], (t.say, t.text)


def test_the_report_groups_by_kind_and_counts_needs_apart(
        results: list[chat_eval.ItemResult]) -> None:
    text = chat_eval.report(results)
    assert "| kind of question | passed | rate |" in text
    for kind in chat_eval.KINDS_OF_QUESTION:
        assert f"| {kind} |" in text
    assert "Needing issue 13's knowledge:" in text and "Not needing it:" in text
    by_kind = chat_eval.summary(results, by="kind_of_question")
    assert by_kind["overall"] == chat_eval.summary(results)["overall"]


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "set.yaml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("item, complaint", [
    ("- category: salary\n  kind_of_question: salary\n  say: ds pay\n", "no source"),
    ("- category: salary\n  kind_of_question: salary\n  source: reddit\n  say: ds pay\n",
     "no source"),
    ("- category: salary\n  kind_of_question: pay\n  source: https://x.org/q\n  say: ds pay\n",
     "kind_of_question 'pay'"),
    ("- category: salary\n  source: https://x.org/q\n  say: ds pay\n", "kind_of_question ''"),
])
def test_a_real_item_without_source_or_known_kind_is_refused(
        tmp_path: Path, item: str, complaint: str) -> None:
    with pytest.raises(ValueError, match=complaint):
        chat_eval.load_items(_write(tmp_path, item))


def test_items_without_a_kind_still_load_as_before(tmp_path: Path) -> None:
    """The committed sets name no source or kind and stay valid."""
    items = chat_eval.load_items(_write(tmp_path, "- category: salary\n  say: ds pay\n"))
    assert items[0]["kind_of_question"] == "" and items[0]["source"] == ""
    assert items[0]["turns"] == [{"say": "ds pay"}]


def test_item_keys_are_not_checks(tmp_path: Path) -> None:
    items = chat_eval.load_items(_write(
        tmp_path, "- category: salary\n  kind_of_question: salary\n  source: https://x.org/q\n"
                  "  needs: 13\n  say: ds pay\n  says: [median]\n"))
    assert items[0]["turns"] == [{"say": "ds pay", "says": ["median"]}]
    assert items[0]["needs"] == "13"


@pytest.mark.parametrize("text, passes", [
    ("Entry level: median $95K (n=40).", True),
    ("entry-level figures\nmedian $95K", False),   # the figure is not on the cut's line
    ("Only 6% of responses are entry level.", False),
])
def test_matches_needs_the_pattern_in_the_answer(text: str, passes: bool) -> None:
    facts = chat_eval.FactBook(chat_eval.DEFAULT_KNOWLEDGE)
    turn = {"say": "x", "matches": [r"entry[^\n]{0,100}\$\d"]}
    reply = Reply(title="", lead=text, footer="-# Source: x")
    problems = chat_eval.check(turn, reply, text, facts, {"$95K", "6%"}, set())
    assert (not problems) is passes, problems


def test_cells_an_importer_adds_count_as_known_figures(tmp_path: Path) -> None:
    """Issue 13's cuts (level, country, year) live in generated files the loader may not
    expose field by field; their figures must still pass the invented-figure check, and a
    number in no file must still fail it."""
    generated = tmp_path / "generated" / "salary-survey"
    generated.mkdir(parents=True)
    (generated / "2025-01-19.yaml").write_text(
        "roles:\n"
        "  data-analyst:\n"
        "    salary: {median: 102100, n: 2047}\n"
        "    by_level:\n"
        "      entry: {salary: {p25: 60000, median: 71234, p75: 90000, n: 41}}\n"
        "      senior: {salary: {median: 150000, n: 300}, remote_pct: 31.25}\n"
        "    experience: {entry: 40.2, senior: 20.0}\n"
        "    titles: {Data Analyst: 2047}\n", encoding="utf-8")
    allowed = chat_eval.generated_figures(tmp_path / "generated")
    for figure in ("$71.2K", "$60K", "$150K", "$102.1K", "31%", "31.2%", "40%", "40.2%",
                   "$78.8K"):   # 150000 - 71234, a gap between two medians of the role
        assert figure in allowed, figure
    for figure in ("$999K", "$2.05M", "$41", "2047%"):
        assert figure not in allowed, figure
    assert chat_eval.generated_figures(chat_eval.DEFAULT_KNOWLEDGE / "generated") <= (
        chat_eval.FactBook(chat_eval.DEFAULT_KNOWLEDGE).allowed_figures())
