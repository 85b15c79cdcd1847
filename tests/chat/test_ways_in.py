"""Ways in, read from real questions (issue 12, "getting in, age, future, backgrounds"):
the Job Zone O*NET records beside an open-data role's way in (issue 13), age and career
change, the future of a role, and career changers who name no role.

Each capability is tested with several phrasings written here (not the dev set's), so a
pass comes from the mechanism (a vocabulary table, a stage, a builder), not one phrase.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.core.advisor import Advisor
from bot.knowledge.files import load_knowledge_dir
from tests.chat.conftest import chat_advisor, sayer, text
from tests.conftest import KNOWLEDGE_DIR

KNOWLEDGE = load_knowledge_dir(KNOWLEDGE_DIR)
ROLES = KNOWLEDGE.roles
ATTRIBUTION = "Used under the CC BY 4.0 license"


@pytest.fixture(scope="module")
def chat(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Advisor]:
    """One advisor for the module (building the database once keeps the file quick)."""
    db: Path = tmp_path_factory.mktemp("ways") / "chat.db"
    advisor, store = chat_advisor(KNOWLEDGE_DIR, db)
    yield advisor
    store.close()


def ask(chat: Advisor, message: str) -> tuple[str, str]:
    """The reply's text and kind, asked by a fresh member (no memory between cases)."""
    reply = sayer(chat, user=f"ways:{message}")(message)
    return text(reply), reply.kind


def zone_words(slug: str) -> list[str]:
    """What a Job Zone line for the role must show: each zone and each occupation."""
    return [*(f"Job Zone {z.zone}" for z in ROLES[slug].job_zones),
            *(z.occupation for z in ROLES[slug].job_zones)]


# -- the Job Zone beside the way in ------------------------------------------------------

@pytest.mark.parametrize(("message", "slug"), [
    ("how would i go about becoming a data engineer", "data-engineer"),
    ("whats the way into analytics engineering", "analytics-engineer"),
    ("steps to break into research science?", "research-scientist"),
    ("how do people get into bi engineering", "business-intelligence-engineer"),
    ("where do i start if i want to be an ai architect", "ai-architect"),
])
def test_an_open_data_roles_way_in_names_its_job_zone(chat: Advisor, message: str,
                                                      slug: str) -> None:
    body, kind = ask(chat, message)
    assert kind == "answer", body
    assert ROLES[slug].name in body, body
    for word in zone_words(slug):
        assert word in body, (word, body)
    meaning = ROLES[slug].job_zones[0].meaning
    assert meaning in body, body
    assert ATTRIBUTION in body, body  # O*NET's attribution, in the footer


@pytest.mark.parametrize(("message", "slug"), [
    ("could a data analyst realistically become a data scientist?", "data-scientist"),
    ("moving from data engineer to data architect, how hard", "data-architect"),
    ("i want to go from bi engineer to analytics engineer", "analytics-engineer"),
])
def test_a_switch_names_the_job_zone_of_the_role_moved_to(chat: Advisor, message: str,
                                                          slug: str) -> None:
    body, kind = ask(chat, message)
    assert kind == "answer", body
    for word in zone_words(slug):
        assert word in body, (word, body)
    assert ATTRIBUTION in body, body


@pytest.mark.parametrize("message", ["how do i get into mlops", "how to become an ai pm"])
def test_a_seed_roles_sourced_way_in_is_left_as_it_is(chat: Advisor, message: str) -> None:
    """The seed roles' way in comes from their own source; the Job Zone line is for the
    roles whose way in is general guidance (``answers.job_zone_roles``)."""
    body, _ = ask(chat, message)
    assert "shortest road" in body and "Job Zone" not in body, body
