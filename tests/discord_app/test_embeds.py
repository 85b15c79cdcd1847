"""Replies become embeds within every Discord limit, with nothing lost."""

from __future__ import annotations

import random

from bot.core.reply import Field, Reply, Section
from bot.discord_app.embeds import (
    DESCRIPTION_LIMIT,
    EMBED_TOTAL_LIMIT,
    FIELD_COUNT_LIMIT,
    FIELD_NAME_LIMIT,
    FIELD_VALUE_LIMIT,
    FOOTER_LIMIT,
    TITLE_LIMIT,
    reply_pages,
)


def check_limits(embed) -> None:
    assert len(embed.title or "") <= TITLE_LIMIT
    assert len(embed.description or "") <= DESCRIPTION_LIMIT
    assert len(embed.fields) <= FIELD_COUNT_LIMIT
    for f in embed.fields:
        assert 0 < len(f.name) <= FIELD_NAME_LIMIT
        assert 0 < len(f.value) <= FIELD_VALUE_LIMIT
    assert len(embed.footer.text or "") <= FOOTER_LIMIT
    assert len(embed) <= EMBED_TOTAL_LIMIT


def all_words(pages) -> list[str]:
    words = []
    for e in pages:
        words += (e.description or "").split()
        for f in e.fields:
            words += f.value.replace("```", " ").split()
    return words


def test_compare_reply_is_one_embed(ask_reply) -> None:
    pages = reply_pages(ask_reply("!compare mlops pm"))
    assert len(pages) == 1
    check_limits(pages[0])
    assert pages[0].footer.text.startswith("Source: AI Market Pulse")


def test_huge_replies_are_paged_without_loss() -> None:
    rng = random.Random(3)
    sections = tuple(
        Section(f"Heading {i} " + "h" * rng.randint(0, 300),
                " ".join(f"w{i}_{j}" for j in range(rng.randint(10, 900))))
        for i in range(40)
    )
    fields = tuple(Field(f"f{i}", "value " * rng.randint(1, 300)) for i in range(10))
    reply = Reply(title="T" * 400, lead="lead " * 1500, sections=sections, fields=fields,
                  footer="source " * 600, suggestions=tuple(f"!cmd {i}" for i in range(50)))
    pages = reply_pages(reply)
    assert len(pages) > 1
    for page in pages:
        check_limits(page)
    words = all_words(pages)
    for section in sections:
        for word in section.body.split():
            assert word in words
    assert words.count("lead") == 1500


def test_error_replies_are_red() -> None:
    [embed] = reply_pages(Reply(title="Oops", lead="x", kind="error"))
    assert embed.colour.value == 0xE74C3C


def test_footers_show_no_markdown_escapes() -> None:
    [embed] = reply_pages(Reply(title="t", lead="x", footer=r"-# Skills: O\*NET 29.3 (a\_b)"))
    assert embed.footer.text == "Skills: O*NET 29.3 (a_b)"
