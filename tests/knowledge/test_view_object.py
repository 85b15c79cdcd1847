"""One view object: what the core derives from a knowledge view lives on the view.

The role index, the chat catalogue, the FAQ and passage indexes and the advisor's
prepared answers are built once per view (``Knowledge.derived``), shared by every part
that needs them, dropped with the view when the data changes, and kept for a bounded
number of views at once (``PREPARED``).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.core.advisor import Advisor
from bot.core.chat import ChatEngine
from bot.core.chat.passages import index_for
from bot.knowledge.files import load_knowledge_dir
from bot.knowledge.models import PREPARED, Knowledge, _Prepared
from bot.knowledge.role_index import role_index
from tests.conftest import KNOWLEDGE_DIR

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def knowledge() -> Knowledge:
    return load_knowledge_dir(KNOWLEDGE_DIR)


def _view(knowledge: Knowledge) -> Knowledge:
    """A fresh view with the same data (as a rebuild or an edit elsewhere would make)."""
    return Knowledge(roles=dict(knowledge.roles), sources=knowledge.sources,
                     market=knowledge.market, faq=knowledge.faq, guild_id=knowledge.guild_id)


def test_derived_state_is_built_once_per_view_and_shared(knowledge: Knowledge) -> None:
    view = _view(knowledge)
    built: list[str] = []

    def build(k: Knowledge) -> str:
        built.append("x")
        return f"made for {len(k.roles)} roles"

    first = view.derived("test.thing", build)
    assert view.derived("test.thing", build) is first and built == ["x"]
    # The role index is one object for commands, the chat catalogue and moderation.
    assert role_index(view) is role_index(view)
    engine = ChatEngine()
    assert engine.catalog(view).index is role_index(view)
    assert engine.catalog(view) is ChatEngine().catalog(view)  # not per engine instance
    assert index_for(view) is index_for(view)


def test_a_new_view_never_meets_an_old_views_state(knowledge: Knowledge) -> None:
    old, new = _view(knowledge), _view(knowledge)
    assert ChatEngine().catalog(old) is not ChatEngine().catalog(new)
    assert role_index(old) is not role_index(new)
    assert Advisor._view(old) is not Advisor._view(new)


def test_only_the_most_recent_views_keep_their_state(knowledge: Knowledge) -> None:
    prepared = _Prepared(3)
    views = [_view(knowledge) for _ in range(4)]
    for v in views:
        v._derived["k"] = "state"
        prepared.touch(v)
    # The least recently used of four (the bound is three) lost its state, only it.
    assert views[0]._derived == {} and all(v._derived for v in views[1:])
    prepared.touch(views[1])  # now the most recent; views[2] is the least recent
    views[0]._derived["k"] = "state"
    prepared.touch(views[0])
    assert views[2]._derived == {} and views[1]._derived and views[3]._derived
    assert len(prepared) == 3
    assert PREPARED.size >= 2


def test_no_cache_in_the_core_keys_on_a_views_id() -> None:
    keyed = re.compile(r"\[id\((knowledge|view|k)\)\]|\.get\(id\((knowledge|view|k)\)\)")
    found = [str(p.relative_to(REPO)) for p in (REPO / "bot").rglob("*.py")
             if keyed.search(p.read_text(encoding="utf-8"))]
    assert found == []
