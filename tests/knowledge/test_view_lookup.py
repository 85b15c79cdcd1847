"""A server's layered role index tells whether names its parent resolved resolve the same
there (``LayeredIndex.keeps``) without working them out again (issue 16: messages
rotating over 1,000 edited servers, where each server's first ask of an answer the global
view holds used to resolve every name it read once more).

``keeps`` must say exactly what resolving each name on a full index of the server's roles
would: checked over random alias sets and edits (near-miss names, plurals, keys moved
between roles), and over the real catalogue's names with a server's alias close to them.
"""

from __future__ import annotations

import threading

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.text.names import LayeredIndex, Match, Resolved, RoleIndex
from tests.knowledge.test_shared_views import edited_roles, layered


def truth(full: RoleIndex, resolved: Resolved) -> bool:
    return all(full.resolve(text) == match for text, match in resolved.names)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(edited_roles(), st.lists(st.sampled_from(["s", "es", " engineers", " pms", "x"]),
                                max_size=3))
def test_keeps_says_what_a_full_index_would(case: tuple[list, list, list[str]],
                                            tails: list[str]) -> None:
    before, after, queries = case
    index, full = layered(before, after)
    assert isinstance(index, LayeredIndex)
    parent = index._parent
    texts = [*queries, *(q + t for q in queries for t in tails)]
    for text in texts:  # one name at a time
        one = Resolved.of([(text, parent.resolve(text))])
        assert index.keeps(one) is truth(full, one), text
    together = Resolved.of([(text, parent.resolve(text)) for text in texts])
    assert index.keeps(together) is truth(full, together)


def _pair() -> tuple[LayeredIndex, RoleIndex]:
    before = [("mlops", ["mlops engineer", "ml ops", "mlops"]),
              ("pm", ["ai product manager", "ai pm", "pm"])]
    after = [("mlops", ["mlops engineer", "ml ops", "mlops", "bench alias 7"]),
             ("pm", ["ai product manager", "ai pm", "pm"])]
    index, full = layered(before, after)
    assert isinstance(index, LayeredIndex)
    return index, full


def test_exact_names_far_from_the_servers_keys_are_not_resolved_again() -> None:
    """The bench's edit (an alias of its own): names decided by their keys, and inexact
    ones no own key comes close to, stand without any lookup on the server's index."""
    index, full = _pair()
    parent = index._parent
    texts = ("mlops", "pm", "ai product manager", "mlops pm", "mlosp", "manager mlops", "ai")
    resolved = Resolved.of([(t, parent.resolve(t)) for t in texts])
    looked_up: list[str] = []
    resolve = index.resolve

    def counted(text: str) -> Match:
        looked_up.append(text)
        return resolve(text)

    index.resolve = counted  # type: ignore[method-assign]
    assert index.keeps(resolved) is True is truth(full, resolved)
    assert looked_up == []


def test_a_name_the_server_changed_is_worked_out_and_told_apart() -> None:
    """The server's own alias, a typo of it, and a plural of it: each resolves otherwise
    on the server, and ``keeps`` says so (after resolving it there)."""
    index, full = _pair()
    parent = index._parent
    for text in ("bench alias 7", "bench alais 7", "bench alias 7s"):
        resolved = Resolved.of([("mlops", parent.resolve("mlops")), (text, parent.resolve(text))])
        assert index.keeps(resolved) is truth(full, resolved) is False, text


# -- the views that keep their derived state ---------------------------------------------

def test_a_view_touched_again_in_a_row_keeps_the_order_of_use() -> None:
    """A message reads several things derived from its view: touching the view touched
    last moves nothing (no lock), and the least recently used view still goes first."""
    from bot.knowledge.files import load_knowledge_dir
    from bot.knowledge.models import Knowledge, _Prepared
    from tests.conftest import KNOWLEDGE_DIR

    base = load_knowledge_dir(KNOWLEDGE_DIR)
    prepared = _Prepared(2)
    a, b, c = (Knowledge(roles=base.roles, sources=base.sources, market=base.market,
                         guild_id=g) for g in "abc")
    for view in (a, b, a, a, a):
        view._derived["k"] = "state"
        prepared.touch(view)
    prepared._lock = None  # type: ignore[assignment]  # a touch in a row takes no lock
    prepared.touch(a)
    prepared._lock = threading.Lock()
    c._derived["k"] = "state"
    prepared.touch(c)  # b is the least recent: it goes, a keeps its state
    assert b._derived == {} and a._derived and c._derived and len(prepared) == 2
    prepared.touch(b)
    assert a._derived == {} and c._derived
