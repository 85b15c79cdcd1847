"""A remembered answer is laid out into pages once (issue 16, item 1): the advisor gives
the same Reply object again, and its embeds are built from the kept layout."""

from __future__ import annotations

from typing import Any

import pytest

from bot.core.reply import Reply, Section
from bot.discord_app import embeds


def test_the_same_reply_is_laid_out_once_and_its_embeds_are_new(
        monkeypatch: pytest.MonkeyPatch) -> None:
    splits: list[int] = []
    split = embeds.split_message

    def counted(text: str, limit: int) -> Any:
        splits.append(limit)
        return split(text, limit)

    monkeypatch.setattr(embeds, "split_message", counted)
    reply = Reply(title="T", lead="lead " * 1500, sections=(Section("S", "body " * 400),),
                  footer="-# Source: a survey")
    first = embeds.reply_pages(reply)
    laid_out = len(splits)
    assert laid_out > 0 and len(first) > 1
    first[0].set_image(url="attachment://salary.png")  # a sender changes its embeds
    again = embeds.reply_pages(reply)
    assert len(splits) == laid_out  # no second layout
    assert [e.to_dict() for e in again][1:] == [e.to_dict() for e in first][1:]
    assert "image" not in again[0].to_dict() and again[0] is not first[0]
    # An equal but different reply object is laid out again (it is not the same answer).
    other = Reply(title="T", lead="lead " * 1500, sections=(Section("S", "body " * 400),),
                  footer="-# Source: a survey")
    assert [e.to_dict() for e in embeds.reply_pages(other)] == [e.to_dict() for e in again]
    assert len(splits) > laid_out
