"""Degree questions in chat, and the FAQ entries for what members ask most (issue 13).

Several phrasings per capability: the answer must come from the mechanism (the Job Zone
of the role named, the FAQ entry's words), not from one phrase.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from bot.core.chat.catalog import Catalog
from bot.core.chat.engine import faq_terms
from bot.core.chat.faq import FaqIndex
from bot.core.chat.intents import understand
from bot.core.chat.normalize import clean_message
from bot.knowledge.files import load_knowledge_dir
from bot.knowledge.models import FaqEntry
from tests.conftest import KNOWLEDGE_DIR

KNOWLEDGE = load_knowledge_dir(KNOWLEDGE_DIR)
CATALOG = Catalog.build(KNOWLEDGE)
INDEX = FaqIndex(KNOWLEDGE.faq)


def best(text: str) -> FaqEntry | None:
    hit = INDEX.best(faq_terms(understand(clean_message(text), CATALOG)))
    return hit.entry if hit else None


@pytest.mark.parametrize("question, phrasings", [
    ("Do I need a degree to work in AI or data?",
     ["do i need a degree to get into data", "is a college degree required for ai jobs",
      "can i work in data without a degree"]),
    ("Do I need a PhD or a master's for AI jobs?",
     ["do i need a phd to work in ai research", "is a masters required for ai jobs",
      "is a phd necessary for research jobs"]),
    ("How much maths do I need for data and AI roles?",
     ["how much maths and statistics do i need", "do i need calculus and linear algebra",
      "how much statistics and math do data jobs need"]),
    ("Are certificates or certifications worth it?",
     ["are aws certifications worth it", "is a certificate worth it",
      "do certs help"]),
    ("Will AI replace data and AI jobs?",
     ["will ai replace data jobs", "will automation make ai jobs obsolete",
      "are ai jobs safe from automation"]),
    ("Is it too late to switch careers at forty-five?",
     ["is 45 too old to switch into tech", "am i too old to change career",
      "is it too late for a career change at 50"]),
    ("Is an ML platform or ML infrastructure engineer the same as MLOps?",
     ["is ml infra the same as mlops", "are ml platform teams the same as mlops"]),
    ("Can you help with interviews, visas or specific companies?",
     ["can you help me prepare for interviews", "can you help with visa sponsorship",
      "help with my resume"]),
    ("What is the difference between MLOps and DevOps?",
     ["what's the difference between devops and mlops", "mlops vs devops difference"]),
])
def test_each_new_faq_entry_is_found_by_several_phrasings(question: str,
                                                          phrasings: list[str]) -> None:
    for text in phrasings:
        entry = best(text)
        assert entry is not None and entry.question == question, (text, entry)


@pytest.mark.parametrize("text", [
    "is ml infrastructure engineer the same as mlops",
    "ml platform engineer vs mlops difference",
    "are ml platform engineers and mlops engineers the same thing",
])
def test_two_titles_of_one_job_are_said_to_be_one_job(ask: Callable[[str], str],
                                                      text: str) -> None:
    # Both titles are aliases of MLOps Engineer (the mapping treats them as one job), so
    # the chat says so instead of profiling the role or comparing it with itself.
    out = ask(text)
    assert "same job" in out and "MLOps Engineer" in out and "Key figures" not in out, out


def test_new_faq_entries_name_their_basis_and_hold_no_digits() -> None:
    mine = [e for e in KNOWLEDGE.faq if e.question.startswith((
        "Do I need a degree", "Do I need a PhD", "How much maths", "Are certificates",
        "Will AI replace", "Is it too late", "Is an ML platform", "Can you help"))]
    assert len(mine) == 8
    for entry in mine:
        assert not any(ch.isdigit() for ch in entry.answer), entry.question
        assert ("Basis:" in entry.answer or "general guidance, not from a data source"
                in entry.answer or "What I can answer" in entry.answer), entry.question


@pytest.mark.parametrize("text, role", [
    ("what degree does a data engineer need", "Data Engineer"),
    ("do i need a phd to be a research scientist", "Research Scientist"),
    ("do you need a masters for data analyst jobs", "Data Analyst"),
    ("is a degree required for ai engineers?", "AI Engineer"),
    ("what qualifications... what degree do bi engineers need", "Business Intelligence Engineer"),
])
def test_degree_questions_about_a_role_get_its_job_zones(ask: Callable[[str], str], text: str,
                                                         role: str) -> None:
    reply = ask(text)
    zones = next(r for r in KNOWLEDGE.roles.values() if r.name == role).job_zones
    assert role in reply and "don't hold degree" not in reply
    for zone in zones:
        assert f"Job Zone {zone.zone}, {zone.meaning}" in reply
    assert "not one employer's rule" in reply


def test_phd_answer_says_whether_graduate_school_is_the_usual_preparation(
        ask: Callable[[str], str]) -> None:
    assert "Job Zone 5, where most people have graduate school" in ask(
        "do i need a phd for machine learning research")
    assert "does not put this occupation in Job Zone 5" in ask("do i need a phd for data architect")


@pytest.mark.parametrize("text, role", [
    ("will ai replace data analysts", "Data Analyst"),
    ("is data engineering going to be automated by ai", "Data Engineer"),
    ("will mlops engineers be replaced by ai?", "MLOps Engineer"),
    ("are research scientists going to be obsolete", "Research Scientist"),
])
def test_will_ai_replace_a_role_says_no_forecast_and_what_is_held(
        ask: Callable[[str], str], text: str, role: str) -> None:
    reply = ask(text)
    held = next(r for r in KNOWLEDGE.roles.values() if r.name == role)
    snap = held.stats[0]
    assert "I hold no forecast" in reply and role in reply
    # What is held is dated, with its source and n.
    assert snap.as_of in reply and snap.source.name in reply
    assert f"{snap.salary.n:,}" in reply


@pytest.mark.parametrize("text, role", [
    ("how much math do i need for data science", "data-scientist"),
    ("do data scientists need a lot of maths", "data-scientist"),
    ("is calculus needed for ml engineers", "machine-learning-engineer"),
    ("how much maths does a research scientist need", "research-scientist"),
])
def test_maths_questions_say_no_measure_and_show_modelling_tasks(
        ask: Callable[[str], str], text: str, role: str) -> None:
    reply = ask(text)
    held = KNOWLEDGE.roles[role]
    assert f"No source I hold measures how much maths {held.name}" in reply
    assert "not among the top" not in reply
    shown = [t for t in held.week_tasks if t in reply]
    assert shown and all(any(w in t.casefold() for w in ("model", "statistic", "mathemat",
                                                          "algorithm", "predict", "analy"))
                         for t in shown)
    assert all(f"Job Zone {z.zone} for {z.occupation}" in reply for z in held.job_zones)
    assert "general guidance, not from a data source" in reply
