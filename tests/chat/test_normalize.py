"""Input hygiene: markup, mentions and links are gone and Unicode is folded before reading."""

from __future__ import annotations

import random

import pytest

from bot.core.chat.normalize import MAX_CHARS, clean_message


@pytest.mark.parametrize("raw, tokens", [
    ("<@123456789012345678> how much do mlops make", ["how", "much", "do", "mlops", "make"]),
    ("<@!123456789012345678> hi", ["hi"]),
    ("<@&987654321098765432> @here @everyone pm salary", ["pm", "salary"]),
    ("<#123456789012345678> remote?", ["remote", "?"]),
    ("<:blob:123456789012345678> <a:dance:123456789012345678> mlops", ["mlops"]),
    ("see https://evil.example.com/x?y=1 mlops", ["see", "mlops"]),
    ("[click here](https://bad.example/steal) pay", ["click", "here", "pay"]),
    ("**mlops** __salary__ ||spoiler|| ~~old~~ `code`", ["mlops", "salary", "spoiler", "old",
                                                       "code"]),
    ("> quoted\n# heading mlops", ["quoted", "heading", "mlops"]),
    ("ＭＬＯＰＳ　ｓａｌａｒｙ", ["mlops", "salary"]),
    ("mlöps sälary", ["mlops", "salary"]),
    ("ml\u200bops\u200d sal\u2060ary", ["mlops", "salary"]),
    ("ml\u043eps", ["mlops"]),  # Cyrillic o
    ("i'm an mlops engineer", ["im", "an", "mlops", "engineer"]),
    ("mlops -> pm", ["mlops", "to", "pm"]),
])
def test_clean_message_strips_markup_and_folds_unicode(raw: str, tokens: list[str]) -> None:
    assert list(clean_message(raw).tokens) == tokens


def test_links_and_mentions_are_flagged_and_never_kept() -> None:
    cleaned = clean_message("<@123456789012345678> read www.example.com and discord.gg/abc now")
    assert cleaned.had_mentions and cleaned.had_links
    assert "example" not in cleaned.text and "discord" not in cleaned.text and "<@" not in cleaned.text


def test_only_a_bounded_length_is_read() -> None:
    cleaned = clean_message("mlops salary " * 5000)
    assert len(cleaned.text) <= MAX_CHARS
    assert cleaned.truncated


def test_any_unicode_never_raises() -> None:
    rng = random.Random(1234)
    alphabet = [chr(c) for c in (*range(0, 0x250), *range(0x300, 0x370), *range(0x2000, 0x2070),
                                 *range(0xFF00, 0xFF70), *range(0x1F600, 0x1F650), 0xD7FF, 0xFFFD)]
    for _ in range(300):
        raw = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 80)))
        cleaned = clean_message(raw)
        assert isinstance(cleaned.text, str)
    clean_message("\ud800 lone surrogate")  # not encodable, still handled
