"""The layout's shortcut for a text that fits (``embeds._split``) gives exactly what
``split_message`` gives, for any text, and so the same pages for every real reply."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from bot.core.advisor import Advisor, Request
from bot.core.reply import split_message
from bot.discord_app import embeds
from tests.conftest import repo_advisor

#: Characters that matter to splitting: spaces of each kind, line breaks, fences, footers.
_ALPHABET = st.sampled_from([*"ab .,\n\t`#-", "```", "-# ", "\n\n", "  ", "\u3000", "é"])


@settings(max_examples=400, deadline=None)
@given(text=st.lists(_ALPHABET, max_size=120).map("".join),
       limit=st.integers(min_value=64, max_value=200))
@example(text="", limit=64)
@example(text="   ", limit=64)
@example(text="```py\ncode", limit=64)
@example(text="\n  indented", limit=64)
@example(text="x" * 64, limit=64)
@example(text="x" * 65, limit=64)
def test_the_shortcut_splits_as_split_message(text: str, limit: int) -> None:
    assert embeds._split(text, limit) == split_message(text, limit)


@pytest.fixture(scope="module")
def advisor(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Advisor]:
    with repo_advisor(Path(tmp_path_factory.mktemp("layout"))) as made:
        yield made


def test_every_compare_and_role_is_laid_out_as_before(advisor: Advisor,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    slugs = sorted(advisor.knowledge().roles)
    texts = [f"!compare {a} {b}" for a in slugs for b in slugs]
    texts += [f"!{c} {r}" for c in ("role", "salary", "skills", "path", "week") for r in slugs]
    replies = [advisor.handle(Request(text=t)) for t in texts]
    fast = [embeds._layout(r) for r in replies]  # the pages, not the per-reply cache
    monkeypatch.setattr(embeds, "_split", split_message)
    slow = [embeds._layout(r) for r in replies]
    assert fast == slow
    assert sum(len(pages) for pages in fast) >= len(texts)
    assert any(page.fields for pages in fast for page in pages)
