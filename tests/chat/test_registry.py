"""The intent registry and the planning stages: one decision, in named stages, over an
Understanding nobody can change; a role named with an unclear question gets suggestions,
the profile only when an overview is asked."""

from __future__ import annotations

from dataclasses import FrozenInstanceError

import pytest

from bot.core.advisor import Advisor
from bot.core.chat import registry
from bot.core.chat.catalog import Catalog
from bot.core.chat.intents import understand
from bot.core.chat.normalize import clean_message
from bot.core.render import environment
from bot.knowledge.files import load_knowledge_dir
from tests.chat.conftest import sayer, text
from tests.conftest import KNOWLEDGE_DIR

CATALOG = Catalog.build(load_knowledge_dir(KNOWLEDGE_DIR))


def test_an_understanding_cannot_change_once_made() -> None:
    u = understand(clean_message("how much do mlops engineers make in remote jobs?"), CATALOG)
    with pytest.raises(FrozenInstanceError):
        u.background = "devops engineer"
    with pytest.raises(AttributeError):
        u.roles.append(u.roles[0])  # type: ignore[attr-defined]
    with pytest.raises(TypeError):
        u.scores["salary"] = 0  # type: ignore[index]


def test_every_intent_has_a_builder_and_an_existing_template() -> None:
    env = environment()
    for name, intent in registry.INTENTS.items():
        assert intent.name == name and callable(intent.builder)
        env.get_template(f"chat/{intent.template}")  # raises when missing
        if intent.signals is not None:
            from bot.core.chat import lexicon
            assert intent.signals in lexicon.FACET_WORDS, name


def test_the_stages_are_named_in_order_with_the_detail_hook_before_suggestions() -> None:
    names = [s.name for s in registry.STAGES]
    assert names[:2] == ["server_faq", "faq"] and names[-1] == "redirect"
    assert names.index("not_held") < names.index("question") < names.index("detail") \
        < names.index("suggest")


def _reply(chat: Advisor, message: str) -> tuple[str, str]:
    reply = sayer(chat, user=message)(message)
    return reply.kind, text(reply)


@pytest.mark.parametrize("message", [
    "mlops engineer inference costs, does that matter?",
    "analytics engineer vibes wrt stakeholders",
])
def test_a_detail_the_knowledge_holds_is_answered_from_its_own_sentence(
        chat: Advisor, message: str) -> None:
    # These read as unclear to the question stage; the detail stage finds the sentence.
    kind, body = _reply(chat, message)
    assert kind == "answer" and "What I hold on" in body and "Key figures" not in body, body


@pytest.mark.parametrize("message", [
    "data engineers and the board of directors",
    "research engineers and their meetings with product folks",
])
def test_an_unclear_question_about_a_role_gets_suggestions_not_the_profile(
        chat: Advisor, message: str) -> None:
    reply = sayer(chat, user=message)(message)
    body = text(reply)
    # The suggest intent: unclear ("not sure what you'd like to know") or, when the
    # message asks a particular thing nothing held answers, saying so (a decline).
    assert (reply.kind, "not sure what you'd like to know" in body) in (("help", True), (
        "decline", False)), body
    assert "not sure what you'd like to know" in body or "I don't hold anything that answers" \
        in body
    assert 2 <= len(reply.suggestions) <= 3
    assert "Key figures" not in body and "$" not in body


@pytest.mark.parametrize("message", [
    "tell me about data engineers", "what is an mlops engineer", "what does a data analyst do",
    "what do applied scientists do at work", "mlops?", "explain the ai pm role",
])
def test_an_overview_question_gets_the_profile(chat: Advisor, message: str) -> None:
    kind, body = _reply(chat, message)
    assert kind == "answer" and "Key figures" in body, body


# -- a new intent is one registry entry, one builder, one template, one vocabulary entry --

PIPELINE = __import__("pathlib").Path(registry.__file__).parent


def test_the_worked_example_intent_lives_in_exactly_four_places() -> None:
    """README, "Architecture": ``also_called`` was added as one registry entry, one builder,
    one template and one vocabulary entry; no other part of the pipeline names it."""
    where = {p.relative_to(PIPELINE.parent).as_posix()
             for p in [*PIPELINE.rglob("*.py"), *PIPELINE.rglob("*.yaml"),
                       *(PIPELINE.parent / "templates" / "chat").glob("*.j2")]
             if "also_called" in p.name or "also_called" in p.read_text(encoding="utf-8")}
    assert where == {"chat/registry.py", "chat/answers.py", "chat/vocabulary/facets.yaml",
                     "templates/chat/also_called.j2"}
    intent = registry.INTENTS["also_called"]
    assert intent.signals == "also_called" and intent.template == "also_called.j2"


@pytest.mark.parametrize(("message", "slug", "title"), [
    ("what else is an mlops engineer called?", "mlops-engineer", "ml platform engineer"),
    ("other names for ai pm", "ai-product-manager", "ml product manager"),
    ("what other job titles does a data analyst go by", "data-analyst", "business data analyst"),
    ("machine learning engineer, also known as?", "machine-learning-engineer",
     "machine learning software engineer"),
])
def test_the_worked_example_answers_several_phrasings(chat: Advisor, message: str, slug: str,
                                                      title: str) -> None:
    reply = sayer(chat, user=message)(message)
    assert reply.kind == "answer" and reply.roles == (slug,)
    assert title in text(reply) and "not from a data source" in text(reply)
