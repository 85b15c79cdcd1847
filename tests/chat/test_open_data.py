"""Free-form questions about the roles imported from open data (salary survey and O*NET).

Figures are read from the knowledge files through the loader and formatted with the
renderer's filters, so these tests check answers against the data, not copied literals.
"""

from __future__ import annotations

import itertools

import pytest

from bot.core.advisor import Advisor
from bot.core.markup import clean
from bot.core.render import count, money, pct
from bot.core.reply import render_text
from bot.knowledge.files import load_knowledge_dir
from bot.knowledge.models import Role, StatSnapshot
from tests.chat.conftest import chat_advisor
from tests.chat.conftest import sayer as conftest_sayer
from tests.conftest import KNOWLEDGE_DIR

KNOWLEDGE = load_knowledge_dir(KNOWLEDGE_DIR)
ROLES = KNOWLEDGE.roles


@pytest.fixture(scope="module")
def chat(tmp_path_factory: pytest.TempPathFactory) -> Advisor:
    """One advisor for the module (building the database per test is slow); every test
    talks as its own users, so conversations never leak between tests."""
    advisor, store = chat_advisor(KNOWLEDGE_DIR, tmp_path_factory.mktemp("open") / "chat.db")
    yield advisor
    store.close()


_conversations = itertools.count()


def sayer(advisor: Advisor, user: str = "u"):
    """A fresh conversation (its own user) on the shared advisor."""
    return conftest_sayer(advisor, user=f"{user}-{next(_conversations)}")


def survey(role: Role) -> StatSnapshot:
    return next(s for s in role.stats if s.source.kind == "salary survey")


def ask(chat: Advisor, *messages: str) -> list[str]:
    say = sayer(chat)
    return [render_text(say(m)) for m in messages]


# -- every role, generic questions ---------------------------------------------------------


@pytest.mark.parametrize("slug", sorted(ROLES))
def test_every_role_answers_salary_skills_and_week_with_its_source(chat: Advisor,
                                                                   slug: str) -> None:
    role = ROLES[slug]
    snap = role.snapshot()
    say = sayer(chat, user=slug)
    salary = say(f"how much does a {role.name.lower()} make?")
    text = render_text(salary)
    assert salary.kind == "answer"
    assert money(snap.salary.median) in text and count(snap.salary.n) in text
    assert clean(snap.source.name) in text
    if not snap.source.counts_are_openings:
        assert "survey responses" in text and "postings" not in text.split("-# ")[0]
    skills = render_text(sayer(chat, user=slug + "-s")(f"what skills does a {role.name} need?"))
    assert role.skills[0] in skills and clean(role.skills_source.name) in skills
    week = render_text(sayer(chat, user=slug + "-w")(f"what does a {role.name} do all week"))
    assert role.week_tasks[0].rstrip(".") in week


def test_survey_responses_are_never_called_openings(chat: Advisor) -> None:
    role = ROLES["data-engineer"]
    reply = sayer(chat)("how many data engineer jobs are open right now")
    text = render_text(reply)
    assert reply.kind == "decline"
    assert count(survey(role).salary.n) not in text


# -- naming a source -------------------------------------------------------------------------


def test_asking_for_the_survey_reads_the_survey_snapshot(chat: Advisor) -> None:
    snap = survey(ROLES["mlops-engineer"])
    text = ask(chat, "according to the survey, how much do mlops engineers make")[0]
    assert money(snap.salary.median) in text and count(snap.salary.n) in text
    assert money(ROLES["mlops-engineer"].stats[0].salary.median) not in text


def test_a_source_the_role_lacks_is_declined_with_what_is_held(chat: Advisor) -> None:
    reply = sayer(chat)("data scientist salary in the job postings data")
    text = render_text(reply)
    assert reply.kind == "decline"
    assert clean(survey(ROLES["data-scientist"]).source.name) in text


def test_one_role_source_by_source(chat: Advisor) -> None:
    role = ROLES["ai-product-manager"]
    text = ask(chat, "ai pm salary in the survey vs the postings")[0]
    for snap in role.stats:
        assert money(snap.salary.median) in text and clean(snap.source.name) in text


def test_a_figure_missing_from_the_usual_source_comes_from_the_other(chat: Advisor) -> None:
    role = ROLES["mlops-engineer"]
    assert role.stats[0].salary.mean is None
    reply = sayer(chat)("mean salary for mlops engineers")
    text = render_text(reply)
    assert reply.kind == "decline"  # the usual source does not hold it ...
    assert money(survey(role).salary.mean) in text  # ... and the survey's is offered as such
    assert clean(survey(role).source.name) in text


# -- survey figures ------------------------------------------------------------------------------


def test_average_and_range_mean_what_a_survey_holds(chat: Advisor) -> None:
    snap = ROLES["ai-engineer"].snapshot()
    average, band = ask(chat, "avg salary for ai engineers", "ai engineer pay range?")
    assert money(snap.salary.mean) in average
    assert money(snap.salary.p25) in band and money(snap.salary.p75) in band


def test_executive_share(chat: Advisor) -> None:
    snap = ROLES["platform-engineer"].snapshot()
    text = ask(chat, "what share of platform engineers are exec level")[0]
    assert f"**{pct(snap.experience.executive)}**" in text


def test_rankings_from_the_bottom(chat: Advisor) -> None:
    text = ask(chat, "which role pays the least according to the survey")[0]
    lowest = min((r for r in ROLES.values()), key=lambda r: survey(r).salary.median)
    assert text.startswith("Lowest") and lowest.name in text.split("\n")[0]


# -- O*NET: paths, skills -----------------------------------------------------------------------


def test_a_path_without_a_progression_gives_related_occupations(chat: Advisor) -> None:
    role = ROLES["data-scientist"]
    # Since issue 13 every role holds a (guidance) ladder: ask for the related occupations.
    first, second = ask(chat, "what jobs are related to data scientists", "number 2 on that list?")
    assert role.related[0] in first and clean(role.related_source.name) in first
    assert role.related[1] in second


def test_skill_names_after_a_vendor_word(chat: Advisor) -> None:
    role = ROLES["data-architect"]
    rank = role.skills.index("Apache Spark") + 1
    text = ask(chat, "is spark useful for a data architect")[0]
    assert "Apache Spark" in text and f"number {rank}" in text and "postings" not in text


def test_kinds_of_skill(chat: Advisor) -> None:
    role = ROLES["data-engineer"]
    text = ask(chat, "what cloud do data engineers use")[0]
    for cloud in ("AWS", "Azure"):
        assert f"**{cloud}** (number {role.skills.index(cloud) + 1})" in text


def test_which_roles_have_a_skill(chat: Advisor) -> None:
    text = ask(chat, "which roles use tableau")[0].split("\n")[0]
    having = [r for r in ROLES.values() if "Tableau" in r.skills]
    assert f"{len(having)} roles" in text
    assert not [r.name for r in ROLES.values() if "Tableau" not in r.skills and r.name in text]


# -- understanding ---------------------------------------------------------------------------


def test_a_bare_title_names_the_one_role_only_in_a_follow_up(chat: Advisor) -> None:
    analyst = ROLES["data-analyst"].snapshot()
    _, follow_up = ask(chat, "data scientist salary", "and for analysts?")
    assert money(analyst.salary.median) in follow_up
    cold = sayer(chat, user="cold")("how much do analysts make")
    assert money(analyst.salary.median) not in render_text(cold)


def test_half_a_comparison_is_declined(chat: Advisor) -> None:
    reply = sayer(chat)("cloud engineer vs data engineer salary")
    text = render_text(reply)
    assert reply.kind == "decline" and "cloud engineer" in text
    assert money(ROLES["data-engineer"].snapshot().salary.median) in text


def test_an_faq_entry_about_one_role_does_not_answer_for_others(chat: Advisor) -> None:
    text = ask(chat, "compare all the data roles")[0]
    assert "DevOps" not in text
    for slug in ("data-analyst", "data-engineer", "data-scientist", "data-architect"):
        assert ROLES[slug].name in text


def test_where_the_figures_come_from(chat: Advisor) -> None:
    text = ask(chat, "where do you get your numbers from")[0]
    for source in KNOWLEDGE.sources.values():
        if any(s.source.id == source.id for r in ROLES.values() for s in r.stats):
            assert clean(source.name) in text


def test_a_stated_role_and_two_destinations(chat: Advisor) -> None:
    """No sourced route is held into either (only general guidance), so the closer one is
    judged by shared top skills."""
    analyst = ROLES["data-analyst"]
    shared = {slug: len({s.casefold() for s in analyst.skills}
                        & {s.casefold() for s in ROLES[slug].skills})
              for slug in ("data-scientist", "data-engineer")}
    closer = max(shared, key=shared.get)
    text = ask(chat, "im a data analyst, should i go for data science or data engineering")[0]
    assert f"**{ROLES[closer].name}** the closer move" in text
    assert f"{shared[closer]} of {len(analyst.skills)}" in text


def test_a_title_before_a_role_is_not_the_members_role(chat: Advisor) -> None:
    reply = sayer(chat)("i'm a sre, mlops or pm")
    assert "you're an MLOps Engineer" not in render_text(reply)


# "do remote data analysts earn less" moved to tests/chat/test_pay_cuts.py: the survey's
# remote cut now answers it (issue 13).
@pytest.mark.parametrize("message", ["best bootcamp for data analysts",
                                     "best certification for data analysts"])
def test_things_no_source_covers_are_declined(chat: Advisor, message: str) -> None:
    assert sayer(chat)(message).kind == "decline"
