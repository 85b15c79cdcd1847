"""Details answered from the knowledge's own sentences (issue 12, item 3).

Retrieval is checked on the labelled detail questions (passages_questions.yaml) and on
groups of paraphrases per passage; the answer end to end through the Advisor: the best
passage with its source, or below the threshold what the bot can answer for that role,
never the generic profile.
"""

from __future__ import annotations

import logging
import socket
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.core.advisor import Advisor, Request
from bot.core.chat import ChatEngine
from bot.core.chat import passages as passages_mod
from bot.core.chat.passages import (
    MIN_SCORE,
    PassageIndex,
    Query,
    answer_detail,
    answers_from,
    load_model,
)
from bot.core.chat.planner import Plan
from bot.core.reply import Reply, render_text
from bot.knowledge import edits
from bot.knowledge.changes import Change
from bot.knowledge.models import Knowledge
from tests.conftest import repo_knowledge
from tests.moderation_support import MLOPS, build, moderator, store_for

QUESTIONS = Path(__file__).with_name("passages_questions.yaml")


@pytest.fixture(scope="module")
def labelled() -> dict[str, Any]:
    return yaml.safe_load(QUESTIONS.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def knowledge(tmp_path_factory: pytest.TempPathFactory) -> Knowledge:
    return repo_knowledge(tmp_path_factory.mktemp("detail"))


@pytest.fixture(scope="module")
def index(knowledge: Knowledge) -> PassageIndex:
    return PassageIndex.build(knowledge)


def query(knowledge: Knowledge, text: str) -> Query:
    u, _ = ChatEngine().understand(text, knowledge)
    return Query.from_tokens(u.tokens, (i for m in u.roles for i in range(m.start, m.end)))


def is_right(text: str, field: str, expect: list[dict[str, str]]) -> bool:
    return any(field == e["field"] and e["phrase"].casefold() in text.casefold() for e in expect)


def ask(advisor: Advisor, text: str, **kwargs: Any) -> Reply | None:
    kwargs.setdefault("user_id", f"u-{text}")
    return advisor.handle(Request(text=text, **kwargs))


def said(advisor: Advisor, text: str, **kwargs: Any) -> str:
    reply = ask(advisor, text, **kwargs)
    assert reply is not None
    return render_text(reply)


# -- the labelled set ----------------------------------------------------------------------


def test_questions_are_labelled_with_passages_that_exist(labelled: dict[str, Any],
                                                         index: PassageIndex) -> None:
    """A label that matches no passage would make a miss look like a hit or vice versa."""
    for q in [*labelled["questions"], *labelled["check"]]:
        for e in q["expect"]:
            assert any(p.role in (q["role"], None) and p.field == e["field"]
                       and e["phrase"].casefold() in p.text.casefold()
                       for p in index.passages), (q["q"], e)
    assert len(labelled["questions"]) >= 40 and len(labelled["unanswered"]) >= 5


@pytest.mark.parametrize("part, top1_bar, top2_bar", [("questions", 0.75, 0.85),
                                                      ("check", 0.7, 0.8)])
def test_the_combined_search_finds_the_labelled_passage(
        labelled: dict[str, Any], knowledge: Knowledge, index: PassageIndex,
        part: str, top1_bar: float, top2_bar: float) -> None:
    top1 = top2 = 0
    misses = []
    for q in labelled[part]:
        matches = index.search(query(knowledge, q["q"]), [q["role"]], method="both")
        hits = [is_right(m.passage.text, m.passage.field, q["expect"]) for m in matches[:2]]
        top1 += bool(hits and hits[0])
        top2 += any(hits)
        if not any(hits):
            misses.append(q["q"])
    n = len(labelled[part])
    assert top1 / n >= top1_bar and top2 / n >= top2_bar, (top1, top2, n, misses)


def test_unanswerable_questions_fall_below_the_threshold(
        labelled: dict[str, Any], knowledge: Knowledge, index: PassageIndex) -> None:
    for q in labelled["unanswered"]:
        matches = index.search(query(knowledge, q["q"]), [q["role"]])
        assert answers_from(matches) == [], (q["q"], matches[:1])


# Several phrasings of one need, sharing few words with the passages that answer it (any
# of the phrases). The static embeddings miss some synonyms ("executives" for
# "leadership"), so each group asks that at least two of its three phrasings find one.
PARAPHRASES = [
    (MLOPS, ("Meet data scientists", "feature teams", "working with data scientists"), [
        "which teams does an mlops engineer deal with",
        "who do mlops engineers meet with",
        "does an mlops engineer work with data scientists",
    ]),
    (MLOPS, ("major cost centre", "inference becomes a major cost"), [
        "do inference costs matter to an mlops engineer",
        "should an mlops engineer worry about what inference costs",
        "is inference spend something mlops engineers deal with",
    ]),
    (MLOPS, ("Usual progression", "ML Platform Lead roles", "Leads on to"), [
        "what's the most senior job an mlops engineer can grow into",
        "how far up can an mlops engineer be promoted",
        "how high does the mlops ladder go",
    ]),
    (MLOPS, ("MLflow", "experiment tracking"), [
        "which experiment trackers would an mlops engineer use",
        "what do mlops people track experiments with",
        "do mlops engineers use kubeflow or mlflow",
    ]),
    (MLOPS, ("MLOps is DevOps for", "It can be."), [
        "is mlops just devops renamed",
        "isnt mlops the same as devops",
        "how is mlops different from devops",
    ]),
    ("ai-product-manager", ("Present the AI roadmap to leadership",), [
        "do ai pms talk to leadership",
        "does an ai product manager pitch the roadmap to the bosses",
        "does an ai pm present to executives",
    ]),
    ("ai-product-manager", ("Run user research",), [
        "do ai pms talk to customers",
        "does an ai product manager do user interviews",
        "do ai pms research how users react",
    ]),
]


@pytest.mark.parametrize("role, phrases, questions", PARAPHRASES,
                         ids=[p[1][0] for p in PARAPHRASES])
def test_paraphrases_of_one_need_find_the_same_passage(
        knowledge: Knowledge, index: PassageIndex, role: str, phrases: tuple[str, ...],
        questions: list[str]) -> None:
    found = []
    for text in questions:
        shown = answers_from(index.search(query(knowledge, text), [role]))
        if any(phrase in m.passage.text for m in shown for phrase in phrases):
            found.append(text)
    assert len(found) >= 2, (phrases, found)


def test_without_the_model_search_is_lexical_and_still_answers(
        knowledge: Knowledge, index: PassageIndex, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(passages_mod, "load_model", lambda: None)
    matches = index.search(query(knowledge, "do mlops engineers write terraform"), [MLOPS])
    assert matches and "Terraform" in matches[0].passage.text
    assert matches[0].cosine == 0.0 and matches[0].score == matches[0].coverage >= MIN_SCORE


def test_the_model_loads_from_its_wheel_without_the_network(
        monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("wordllama")

    def no_network(*args: object, **kwargs: object) -> None:
        raise OSError("no network in this test")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    monkeypatch.setattr(passages_mod, "_model", None)
    monkeypatch.setattr(passages_mod, "_model_failed", False)
    root = logging.getLogger()
    before = (list(root.handlers), root.level)
    model = load_model()
    assert model is not None
    assert model.embed(["which teams"], norm=True).shape == (1, 256)
    # wordllama configures logging when imported; the bot's logging is left as it was.
    assert (list(root.handlers), root.level) == before


# -- the answer through the Advisor ----------------------------------------------------------


@pytest.mark.parametrize("text, expected", [
    ("which teams does an mlops engineer deal with", "feature teams"),
    ("do inference costs matter to an mlops engineer", "major cost"),
    ("who do mlops engineers meet with", "Meet data scientists"),
    ("do ai pms talk to customers", "Run user research"),
    ("does a data scientist clean raw data", "Clean and reshape raw data"),
])
def test_a_detail_question_gets_the_passage_with_its_source_not_the_profile(
        chat: Advisor, text: str, expected: str) -> None:
    reply = ask(chat, text)
    assert reply is not None and reply.kind == "answer"
    out = render_text(reply)
    assert expected in out
    assert "Key figures" not in out  # the profile's line
    assert "-# Source:" in out or "general guidance, not from a data source" in out


def test_onet_passages_carry_onets_attribution(chat: Advisor) -> None:
    out = said(chat, "does a data scientist clean raw data")
    assert "O*NET 29.3 Database" in out.replace("\\*", "*") and "CC BY 4.0" in out


@pytest.mark.parametrize("text, role_name", [
    ("which experiment trackers would i use as an mle", "Machine Learning Engineer"),
    ("do analytics engineers get a company car", "Analytics Engineer"),
    ("do mlops engineers get free lunch", "MLOps Engineer"),
    ("do research scientists get free snacks", "Research Scientist"),
    ("what is the dress code for ai engineers", "AI Engineer"),
])
def test_a_weak_match_is_never_an_answer_the_bot_says_what_it_can_answer(
        chat: Advisor, text: str, role_name: str) -> None:
    reply = ask(chat, text)
    assert reply is not None and reply.kind == "decline"
    out = render_text(reply)
    assert f"I don't hold anything that answers that about **{role_name}**" in out
    assert "I can answer questions like these" in out and "Key figures" not in out \
        and "> " not in out
    assert 2 <= len(reply.suggestions) <= 3


@pytest.mark.parametrize("text", [
    "tell me about mlops", "what does an mlops engineer do", "what is an ai pm", "mlops?",
    "explain the data analyst role",
])
def test_overview_questions_still_get_the_profile(chat: Advisor, text: str) -> None:
    out = said(chat, text)
    assert "What I hold on" not in out and "I don't hold anything that answers" not in out


def test_two_roles_get_one_passage_each_in_the_order_named(chat: Advisor) -> None:
    """Today's planner makes a question naming two roles a comparison; the answer still
    serves two (for the intent registry), one passage each, or says which it lacks."""
    engine = ChatEngine()
    knowledge = chat.knowledge()
    u, _ = engine.understand("do data scientists or mlops engineers make charts", knowledge)
    plan = Plan("overview", roles=("data-scientist", MLOPS))
    built = answer_detail(u, plan, engine.catalog(knowledge), "!")
    assert built is not None
    out = render_text(built.reply)
    assert out.index("**Data Scientist**") < out.index("**MLOps Engineer**")
    assert "Make charts and visualisations" in out
    assert built.topic is not None and built.topic.roles == ("data-scientist", MLOPS)


def test_an_unasked_message_never_gets_the_what_i_can_answer_offer(chat: Advisor) -> None:
    for text in ("do mlops engineers get free lunch?", "what is the dress code for ai engineers?"):
        reply = chat.listen(Request(text=text, user_id="u9", channel_id="qa", addressed=False))
        assert reply is None or "I don't hold anything that answers" not in render_text(reply)


def test_knowledge_text_is_shown_as_data_never_run_or_pinging(tmp_path: Path) -> None:
    db = build(tmp_path)
    hostile = ("Deals with the feature teams {{ 7*7 }} @everyone <@123> **loud** "
               "{% raw %}x{% endraw %} daily.")
    edits.apply_change(db, moderator("42"), Change("role.set", {
        "role": MLOPS, "field": "summary", "value": hostile}))
    store = store_for(db)
    question = "which teams does an mlops engineer deal with"
    try:
        advisor = Advisor(store, chat=ChatEngine())
        out = said(advisor, question, guild_id="42")
        elsewhere = said(advisor, question, guild_id="43")
    finally:
        store.close()
    assert "Deals with the feature teams" in out
    assert "{{ 7\\*7 }}" in out and "49" not in out and "{% raw %}" in out  # shown, not run
    assert "@everyone" not in out.replace("@\u200beveryone", "")  # escaped: never a ping
    assert "<@123>" not in out and "\\*\\*loud\\*\\*" in out
    assert "Deals with the feature teams" not in elsewhere


def test_the_index_is_built_once_per_knowledge_view(knowledge: Knowledge) -> None:
    first = passages_mod.index_for(knowledge)
    assert passages_mod.index_for(knowledge) is first
