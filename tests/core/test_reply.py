"""Replies split into Discord-sized messages without losing or cutting words."""

from __future__ import annotations

import random

import pytest

from bot.core.reply import MESSAGE_LIMIT, split_message


def words_of(chunks: list[str]) -> list[str]:
    return " ".join(chunks).replace("```", " ").split()


def test_short_text_is_one_message() -> None:
    assert split_message("hello world") == ["hello world"]


def test_long_text_splits_on_word_boundaries() -> None:
    rng = random.Random(7)
    words = ["".join(rng.choice("abcdefgh") for _ in range(rng.randint(1, 12))) for _ in range(2000)]
    text = " ".join(words)
    chunks = split_message(text)
    assert len(chunks) > 1
    assert all(len(c) <= MESSAGE_LIMIT for c in chunks)
    assert words_of(chunks) == words


def test_prefers_paragraph_breaks() -> None:
    para = ("word " * 300).strip()
    chunks = split_message(f"{para}\n\n{para}")
    assert chunks == [para, para]


def test_code_blocks_are_closed_and_reopened() -> None:
    body = "\n".join(f"row {i} " + "x" * 40 for i in range(100))
    chunks = split_message(f"intro\n```\n{body}\n```\noutro")
    assert len(chunks) > 1
    for chunk in chunks:
        assert len(chunk) <= MESSAGE_LIMIT
        assert chunk.count("```") % 2 == 0
    assert [w for w in words_of(chunks) if w.startswith("row")] == ["row" for _ in range(100)]


def test_only_a_giant_word_is_cut() -> None:
    chunks = split_message("a" * 4500)
    assert [len(c) for c in chunks] == [2000, 2000, 500]


@pytest.mark.parametrize("limit", [100, 500])
def test_custom_limits(limit: int) -> None:
    text = " ".join(f"w{i}" for i in range(1000))
    chunks = split_message(text, limit)
    assert all(len(c) <= limit for c in chunks)
    assert words_of(chunks) == text.split()


def test_every_command_reply_fits_discord(ask) -> None:
    from tests.conftest import KNOWLEDGE_DIR  # noqa: F401  (the repository's knowledge)

    for command in ("!compare mlops pm", "!role mlops", "!role pm", "!skills pm", "!help"):
        chunks = split_message(ask(command))
        assert all(0 < len(c) <= MESSAGE_LIMIT for c in chunks)


def test_the_seed_comparison_is_one_message(ask) -> None:
    """The answer people ask for most fits one Discord message, sources included."""
    assert len(split_message(ask("!compare mlops pm"))) == 1
