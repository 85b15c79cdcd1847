"""``Understanding.any`` by one n-gram set per message: the same answers as a whole-word
regex search per phrase set (what it replaced), for every phrase set the pipeline asks
about, over the development questions and awkward texts."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from bot.core.chat import intents
from bot.core.chat.intents import Understanding
from bot.core.chat.normalize import clean_message
from bot.core.request import Request
from tests.chat.conftest import chat_advisor
from tests.conftest import KNOWLEDGE_DIR, load_yaml

HERE = Path(__file__).parent


def regex_any(text: str, phrases: Any) -> bool:
    """The reference: any phrase as whole space-separated words of ``text``."""
    alternatives = "|".join(re.escape(p) for p in sorted(phrases, key=len, reverse=True) if p)
    pattern = re.compile(rf"(?:^| )(?:{alternatives or '(?!)'})(?= |$)")
    return pattern.search(text) is not None


def questions() -> list[str]:
    said: list[str] = []
    for item in load_yaml(HERE / "questions.yaml"):
        if "say" in item:
            said.append(item["say"])
        for turn in item.get("turns") or ():
            said.append(turn["say"])
    return said


def test_any_agrees_with_a_regex_search_on_every_phrase_set_asked(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every ``any`` call the pipeline makes over the development questions, checked
    against the regex: the same answer, and both answers (found, not found) occur."""
    advisor, _store = chat_advisor(KNOWLEDGE_DIR, tmp_path / "kb.db")
    original = Understanding.any
    outcomes: list[bool] = []

    def checked(self: Understanding, phrases: Any) -> bool:
        got = original(self, phrases)
        if isinstance(phrases, (tuple, frozenset)):
            assert got == regex_any(self.text, phrases), (self.text, phrases)
            outcomes.append(got)
        return got

    monkeypatch.setattr(Understanding, "any", checked)
    texts = questions()
    assert len(texts) > 100
    for i, text in enumerate(texts):
        advisor.handle(Request(text=text, user_id=str(i), channel_id="c"))
    assert len(outcomes) > 1000
    assert True in outcomes and False in outcomes


@pytest.mark.parametrize("text", [
    "", " ", "how much", "how  much", " how much ", "much how", "how muchness",
    "what is the ai job market like", "ai", "ai job market", "the market for ai jobs",
    "in total how many", "a b c d e f g h i j k", "remote vs onsite ? $ 150k",
])
@pytest.mark.parametrize("phrases", [
    ("how much",), ("much",), ("how",), ("",), (), frozenset({"ai job market", "market"}),
    ("a b c d e f g",), ("j k",), ("?", "$"), ("remote vs", "vs remote"), (" how",),
    ("how ",), ("how  much",), intents._MARKET_TOTAL_WORDS,
])
def test_any_agrees_with_the_regex_on_awkward_texts(text: str, phrases: Any) -> None:
    """Spaces at the ends and doubled, empty phrases, phrases longer than the text."""
    u = Understanding(cleaned=clean_message(text), tokens=tuple(text.split()), text=text)
    assert u.any(phrases) == regex_any(text, phrases)
    sealed = Understanding(cleaned=clean_message(text), tokens=tuple(text.split()),
                           text=text).seal()
    assert sealed.any(phrases) == regex_any(text, phrases)
    assert sealed.any(phrases) == regex_any(text, phrases)  # from the kept n-grams


def test_one_ngram_set_per_message(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """The message's n-grams are made once however many phrase sets are asked (a regex
    search per phrase set before: seen failing, there was no n-gram set)."""
    made: list[str] = []
    grams = intents._Grams

    class Counted(grams):  # type: ignore[misc,valid-type]
        __slots__ = ()

        def __init__(self, text: str) -> None:
            made.append(text)
            super().__init__(text)

    monkeypatch.setattr(intents, "_Grams", Counted)
    advisor, _store = chat_advisor(KNOWLEDGE_DIR, tmp_path / "kb.db")
    for text in ("how much do mlops engineers make?", "what skills for an ai pm",
                 "is the ai job market growing in total?"):
        made.clear()
        advisor.handle(Request(text=text, user_id="u", channel_id="c"))
        assert made, text
        assert len(made) <= 2, made  # the message's, and a ``with_roles`` copy at most
