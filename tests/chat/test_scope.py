"""What the bot does not cover is said so: occupations outside AI and data, on either side
of a comparison or asked alone, and requests outside careers advice mid-conversation."""

from __future__ import annotations

import pytest

from bot.core.advisor import Advisor
from bot.knowledge.files import load_knowledge_dir
from tests.chat.conftest import sayer, text
from tests.conftest import KNOWLEDGE_DIR

ROLES = load_knowledge_dir(KNOWLEDGE_DIR).roles


@pytest.mark.parametrize(("message", "named"), [
    ("how much do actuaries make?", "actuaries"),
    ("what do librarians earn", "librarians"),
    ("how do i become a dentist", "dentist"),
    ("is being an electrician remote friendly?", "electrician"),
])
def test_an_occupation_asked_alone_is_declined_by_name(chat: Advisor, message: str,
                                                       named: str) -> None:
    reply = sayer(chat, user=message)(message)
    body = text(reply)
    assert reply.kind == "decline" and named in body and "$" not in body, body


@pytest.mark.parametrize(("message", "named", "covered"), [
    ("pharmacist vs data analyst, who earns more?", "pharmacist", "data-analyst"),
    ("data analyst or pharmacist, which pays more", "pharmacist", "data-analyst"),
    ("are economists paid more than data scientists?", "economists", "data-scientist"),
])
def test_an_occupation_on_one_side_of_a_comparison_is_named(chat: Advisor, message: str,
                                                            named: str, covered: str) -> None:
    reply = sayer(chat, user=message)(message)
    body = text(reply)
    assert reply.kind == "decline" and named in body and ROLES[covered].name in body, body


def test_an_unknown_word_with_an_occupations_ending_is_declined_without_echo(
        chat: Advisor) -> None:
    reply = sayer(chat)("how much do zymurgists make")
    assert reply.kind == "decline" and "zymurgist" not in text(reply)


def test_a_nationality_before_a_role_is_not_an_occupation(chat: Advisor) -> None:
    reply = sayer(chat)("how much do canadian data scientists make")
    assert reply.kind == "answer" and "Data Scientist" in text(reply)


@pytest.mark.parametrize(("first", "then"), [
    ("how much do mlops engineers make?", "can you help with my cover letter"),
    ("what does a data analyst do", "ok and how do i write an awesome cover letter for a ds job"),
    ("data engineer skills?", "could you review my resume please"),
    ("what about ai pms", "how do i tell my manager i want fewer meetings"),
])
def test_an_off_topic_request_mid_conversation_gets_a_redirect(chat: Advisor, first: str,
                                                               then: str) -> None:
    say = sayer(chat, user=first)
    say(first)
    reply = say(then)
    body = text(reply)
    assert reply.kind == "help" and "outside what I can help with" in body, body
    assert "$" not in body and "-# Source" not in body


def test_a_clear_question_beside_an_out_of_scope_word_is_answered(chat: Advisor) -> None:
    body = text(sayer(chat)("what skills should i put on my resume as a data engineer"))
    assert ROLES["data-engineer"].skills[0] in body, body


@pytest.mark.parametrize(("message", "slug", "route"), [
    ("which jobs lead into AI product management?", "ai-product-manager", "product manager"),
    ("what roles lead to mlops engineer?", "mlops-engineer", "DevOps engineer"),
    ("what backgrounds lead into ai product manager roles", "ai-product-manager",
     "product manager"),
])
def test_which_jobs_lead_into_a_role_asks_the_way_in(chat: Advisor, message: str, slug: str,
                                                     route: str) -> None:
    body = text(sayer(chat, user=message)(message))
    assert f"shortest road into **{ROLES[slug].name}**" in body and route in body, body


def test_what_a_role_leads_to_is_still_its_path(chat: Advisor) -> None:
    body = text(sayer(chat)("what does mlops lead to?"))
    assert ROLES["mlops-engineer"].leads_to[0] in body and "shortest road" not in body, body


@pytest.mark.parametrize("message", [
    "what separates great ai pms from average ones",
    "how do great data engineers differ from average engineers",
    "what makes a data scientist better than the average candidate",
])
def test_average_describing_people_is_no_salary_question(chat: Advisor, message: str) -> None:
    body = text(sayer(chat, user=message)(message))
    first = body.split("\n")[0]
    assert not any(w in first for w in ("Average salary", "Mean salary", "median salary:")), body


def test_average_pay_is_still_a_salary_question(chat: Advisor) -> None:
    body = text(sayer(chat)("average salary for mlops"))
    assert "Average salary range for **MLOps Engineer**" in body, body
