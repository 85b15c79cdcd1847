"""Reading real questions: the mechanism behind each misreading, tested with several
phrasings written for these tests (not copied from the real-question set)."""

from __future__ import annotations

import pytest

from bot.core.advisor import Advisor
from bot.core.chat import ChatEngine
from bot.core.chat.compound import split_parts
from bot.core.chat.intents import Understanding
from bot.core.chat.normalize import clean_message
from bot.core.chat.passages import PassageIndex, Query
from bot.core.chat.planner import Plan
from bot.core.render import money
from bot.knowledge.files import load_knowledge_dir
from bot.knowledge.models import Knowledge
from tests.chat.conftest import sayer, text
from tests.conftest import KNOWLEDGE_DIR

KB: Knowledge = load_knowledge_dir(KNOWLEDGE_DIR)
ENGINE = ChatEngine()


def read(message: str) -> tuple[Understanding, Plan]:
    return ENGINE.understand(message, KB)


def median(slug: str) -> str:
    return str(money(KB.roles[slug].stats[0].salary.median))


# -- "should i <verb>" about one role is no choice; "doesn't <verb>" names no other role --

@pytest.mark.parametrize("message", [
    "should i worry a company wants mlops but doesn't have models in production yet?",
    "should i be nervous that the data engineer team doesn't have a warehouse yet?",
    "should i care that an ai pm opening doesn't mention shipped ai features?",
    "a startup wants an mlops engineer but doesn't run any models, should i apply?",
])
def test_one_role_with_should_i_is_not_a_choice_against_an_unnamed_role(message: str) -> None:
    u, plan = read(message)
    named = set(u.role_slugs)
    assert len(named) == 1, u.role_slugs
    assert plan.intent not in ("choose", "compare"), plan
    assert set(plan.roles) <= named, plan


@pytest.mark.parametrize("message", [
    "what skills does mlops need that ai pm doesn't?",
    "what does an mlops engineer need that a data engineer doesn't",
    "which skills do data scientists need that data analysts don't?",
])
def test_a_contrasting_doesnt_still_names_the_other_role(message: str) -> None:
    _, plan = read(message)
    assert len(plan.roles) == 2, plan


def test_the_worry_about_a_company_without_models_answers_from_the_knowledge(
        chat: Advisor) -> None:
    body = text(sayer(chat)(
        "should i worry a company wants mlops but doesn't have models in production yet?"))
    reply = sayer(chat, user="u2")(
        "should i worry a company wants mlops but doesn't have models in production yet?")
    assert "general DevOps" in body, body
    assert reply.roles == ("mlops-engineer",), reply.roles
    assert "**AI Product Manager**" not in body, body


# -- "how much of the job/week is X" asks a share of the work, not the pay -------------------

@pytest.mark.parametrize("message", [
    "how much of the job is meetings for a data scientist?",
    "how much of a data engineer's week goes to meetings",
    "how much of the time does an ml engineer spend coding?",
    "as an analytics engineer how much of the day is spent in sql",
    "how much of an ai pm's week is meetings?",
])
def test_how_much_of_the_work_is_the_week_not_the_salary(message: str) -> None:
    u, plan = read(message)
    assert u.score("salary") < 2, dict(u.scores)
    assert plan.intent in ("week", "detail"), plan


@pytest.mark.parametrize("message", [
    "how much do data scientists make",
    "how much does a data engineer earn?",
    "how much of a raise is normal for a senior ml engineer salary",
])
def test_how_much_with_pay_is_still_the_salary(message: str) -> None:
    u, _ = read(message)
    assert u.score("salary") >= 2, dict(u.scores)


def test_a_meetings_question_gets_the_work_not_the_median(chat: Advisor) -> None:
    body = text(sayer(chat)("i'm fine with coding but hate meetings. how much of the job is "
                            "meetings as a data scientist?"))
    assert median("data-scientist") not in body, body
    assert "O\\*NET" in body or "O*NET" in body, body


# -- a move towards a role is the way in ---------------------------------------------------

@pytest.mark.parametrize("message", [
    "how do i pivot from traditional pm to ai pm?",
    "how can i go from classic pm to ai pm",
    "moving from a regular product manager to ai product manager, how do i do it?",
])
def test_the_plain_form_of_a_title_is_where_the_member_starts(message: str) -> None:
    u, plan = read(message)
    assert u.to_role == "ai-product-manager" and u.from_role is None, (u.from_role, u.to_role)
    assert u.background == "product manager", u.background
    assert plan.intent in ("switch", "getting_in") and plan.roles == ("ai-product-manager",), plan


@pytest.mark.parametrize("message", [
    "i already write terraform and run kubernetes, how do i pivot to mlops?",
    "my day to day is sql dashboards, how would i switch to analytics engineering",
    "i spend my week writing python pipelines, how can i transition into data engineering?",
    "how do i pivot to ai pm long term?",
])
def test_what_the_member_does_now_is_not_a_week_question(message: str) -> None:
    _, plan = read(message)
    assert plan.intent in ("getting_in", "switch"), plan


@pytest.mark.parametrize("message", [
    "what does a typical week look like after switching to mlops?",
    "what does a data engineer do day to day?",
])
def test_a_week_question_stays_a_week_question(message: str) -> None:
    _, plan = read(message)
    assert plan.intent == "week", plan


@pytest.mark.parametrize(("message", "slug"), [
    ("i already write terraform and run kubernetes, how do i pivot to mlops without a pay cut?",
     "mlops-engineer"),
    ("im a backend dev, can i move to data engineering while keeping my salary?",
     "data-engineer"),
    ("how do i switch to data science without losing my income?", "data-scientist"),
])
def test_a_move_with_pay_answers_the_way_in_and_the_pay(chat: Advisor, message: str,
                                                        slug: str) -> None:
    body = text(sayer(chat)(message))
    assert median(slug) in body, body
    steps = KB.roles[slug].getting_in_steps
    assert steps and steps[0] in body, body


def test_a_condition_without_pay_is_not_a_part() -> None:
    for message in ("how do i get into mlops without a degree",
                    "which role pays well without a phd",
                    "can i become a data analyst with no experience"):
        assert split_parts(message) == [message]


# -- a comma list of facets is one part per facet ----------------------------------------

@pytest.mark.parametrize(("message", "parts"), [
    ("data engineer pay, skills, and career path?", 3),
    ("mlops engineer: pay, remote share, skills?", 3),
    ("ai pm salary, skills and remote share", 3),
    ("analytics engineer salary, skills", 2),
    ("what skills do ml, data and analytics engineers share", 1),
    ("i know python, sql and spark, which role fits", 1),
    ("how do ml, data and analytics engineers differ", 1),
])
def test_a_list_of_facets_is_a_part_each(message: str, parts: int) -> None:
    got = split_parts(clean_message(message).text)
    assert len(got) == parts, got


@pytest.mark.parametrize(("message", "slug"), [
    ("data engineer pay, skills and how to get hired?", "data-engineer"),
    ("mlops engineer: salary, skills, how do i get hired?", "mlops-engineer"),
    ("ai pm salary, skills and how to break in", "ai-product-manager"),
])
def test_salary_skills_and_the_way_in_are_all_answered(chat: Advisor, message: str,
                                                       slug: str) -> None:
    reply = sayer(chat)(message)
    body = text(reply)
    role = KB.roles[slug]
    assert median(slug) in body, body
    assert role.skills[0] in body, body
    assert role.getting_in_steps[0] in body, body
    assert "hiring metros" not in body, body


@pytest.mark.parametrize("message", [
    "how to get hired as a data scientist?",
    "how do i get hired in mlops",
    "tips for getting hired as an analytics engineer?",
])
def test_getting_hired_is_the_way_in(message: str) -> None:
    _, plan = read(message)
    assert plan.intent == "getting_in", plan


def test_where_they_get_hired_is_still_places() -> None:
    _, plan = read("where do data engineers get hired?")
    assert plan.intent == "metros", plan


# -- one particular of the work is a detail, not the week -----------------------------------

@pytest.mark.parametrize("message", [
    "which teams does an mlops engineer deal with day to day?",
    "who does an ai pm work with every week?",
    "what metrics does an ai pm track day to day",
    "on a normal day, which people does an mlops engineer talk to?",
])
def test_a_particular_of_the_week_goes_to_the_detail_stage(message: str) -> None:
    _, plan = read(message)
    assert plan.intent in ("detail", "suggest"), plan


@pytest.mark.parametrize("message", [
    "what does a typical week look like for an mlops engineer",
    "what tasks does a data engineer do daily",
    "what is a day in the life of an ai pm like",
    "what kind of work does an ml engineer do day to day",
])
def test_the_week_itself_is_still_the_week(message: str) -> None:
    _, plan = read(message)
    assert plan.intent == "week", plan


@pytest.mark.parametrize(("message", "phrase"), [
    ("which teams does an mlops engineer deal with day to day?", "Meet data scientists"),
    ("who do mlops engineers interact with during the week?", "Meet data scientists"),
    ("what separates great ai pms from average ones", "heuristic"),
    ("what distinguishes an excellent ai product manager?", "heuristic"),
    ("what makes an ai pm stand out", "heuristic"),
])
def test_paraphrases_meet_the_knowledge_sentence(chat: Advisor, message: str,
                                                 phrase: str) -> None:
    body = text(sayer(chat)(message))
    assert phrase in body, body


def test_a_question_word_meets_its_synonyms_and_counts_once() -> None:
    index = PassageIndex.build(KB)
    # No passage says "separates": it meets "sets ... apart" and "stand out".
    best = index.search(Query(("separates",), "separates"), ["ai-product-manager"],
                        method="lexical")
    assert best, "no passage met a synonym of 'separates'"
    assert all(m.coverage == 1.0 for m in best), [m.coverage for m in best]
    assert any("apart" in m.passage.text or "stand out" in m.passage.context.casefold()
               for m in best), [m.passage.text for m in best]
