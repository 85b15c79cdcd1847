"""A server's view shares what its overlay does not change (issue 16, item 2).

The view knows the global view it was made from and what it changed; its role index is
the parent's plus the keys it changed (``LayeredIndex``), and must answer exactly as a
full index of the server's roles: checked here over random alias sets and edits, and
over the real knowledge with every name, typos of them and a typo of a server's alias.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.core.chat.passages import index_for
from bot.core.chat.server_faq import ServerFaq
from bot.core.moderation import Moderation
from bot.knowledge.models import Knowledge
from bot.knowledge.role_index import _full_index, role_index
from bot.text.names import LayeredIndex, RoleIndex
from tests.moderation_support import MLOPS, PM, build, moderator, source_id, store_for
from tests.text.test_names_prepared import variant

GUILD = "7"

# -- random roles and edits -------------------------------------------------------------

words = st.text(alphabet="abcdeml ", min_size=1, max_size=12)


@st.composite
def edited_roles(draw: st.DrawFn) -> tuple[list[tuple[str, list[str]]],
                                           list[tuple[str, list[str]]], list[str]]:
    """Roles (slug, names) whose names are near misses of one word, the same roles after
    a few edits (aliases added, removed or moved, roles renamed, added or removed), and
    names to look up."""
    base = draw(st.text(alphabet="abcdeml", min_size=4, max_size=9))
    count = draw(st.integers(2, 6))
    before = [(f"r{i}", draw(st.lists(variant(base), min_size=1, max_size=4)))
              for i in range(count)]
    after = [(slug, list(names)) for slug, names in before]
    for _ in range(draw(st.integers(1, 4))):
        op = draw(st.sampled_from(["add", "remove", "rename", "new", "drop"]))
        i = draw(st.integers(0, len(after) - 1))
        names = after[i][1]
        if op == "add":
            names.append(draw(st.one_of(variant(base), words)))
        elif op == "remove" and len(names) > 1:
            names.pop(draw(st.integers(0, len(names) - 1)))
        elif op == "rename":
            names[0] = draw(variant(base))
        elif op == "new":
            after.append((f"n{len(after)}", draw(st.lists(variant(base), min_size=1, max_size=3))))
        elif op == "drop" and len(after) > 1:
            after.pop(i)
    queries = draw(st.lists(st.one_of(variant(base), words), min_size=1, max_size=8))
    queries += [n for _, names in after for n in names][:6]
    return before, after, queries


def layered(before: list[tuple[str, list[str]]],
            after: list[tuple[str, list[str]]]) -> tuple[RoleIndex, RoleIndex]:
    """The layered index of ``after`` over a full index of ``before``, and a full index of
    ``after`` (each role's names list includes its slug, as views' indexes do)."""
    def named(roles: list[tuple[str, list[str]]]) -> dict[str, tuple[str, ...]]:
        return {slug: (*names, slug) for slug, names in roles}

    old, new = named(before), named(after)
    parent = RoleIndex(old.items())
    changed = {slug: (old.get(slug), new.get(slug)) for slug in old.keys() | new.keys()
               if old.get(slug) != new.get(slug)}
    added = [slug for slug in new if slug not in old]
    return LayeredIndex(parent, changed, added), RoleIndex(new.items())


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(edited_roles())
def test_a_layered_index_answers_as_a_full_one(case: tuple[list, list, list[str]]) -> None:
    before, after, queries = case
    index, full = layered(before, after)
    # Every key the server's index can find has its heads there (scans rule spans out
    # by them): the full index's heads, perhaps with some of removed keys besides.
    assert full.heads <= index.heads
    names = {slug: f"{names[0]} {slug}" for slug, names in after}
    for query in queries:
        assert index.exact(query) == full.exact(query), query
        assert index.resolve(query) == full.resolve(query), query
        assert index.resolve(query) == full.resolve(query), query  # and from the memo
        assert index.autocomplete(query, names) == full.autocomplete(query, names), query


def test_a_key_moved_to_a_later_role_and_back() -> None:
    """A key two roles share belongs to the first; a server removing it from the first
    hands it to the next holder, and a server adding it to a later role changes nothing."""
    before = [("a", ["shared name", "alpha"]), ("b", ["shared name", "beta"])]
    moved = [("a", ["alpha"]), ("b", ["shared name", "beta"])]
    index, full = layered(before, moved)
    assert index.exact("shared name") == full.exact("shared name") == "b"
    again, full = layered(before, [("a", ["shared name", "alpha"]),
                                   ("b", ["shared name", "beta", "alpha"])])
    assert again.exact("alpha") == full.exact("alpha") == "a"


# -- the real knowledge ------------------------------------------------------------------


@pytest.fixture
def moderated(tmp_path: Path) -> tuple[Moderation, Path]:
    db = build(tmp_path)
    return Moderation(store_for(db)), db


def view_after(moderated: tuple[Moderation, Path], *edits: str, guild: str = GUILD) -> Knowledge:
    moderation, db = moderated
    for edit in edits:
        if edit == "alias":
            reply = moderation.alias(moderator(guild), "add", MLOPS, "bench alias 7")
        elif edit == "alias removed":
            reply = moderation.alias(moderator(guild), "remove", PM, "ai pm")
        elif edit == "figure":
            reply = moderation.set(moderator(guild), MLOPS, [("remote", "61")],
                                   source=source_id(), date="2026-01")
        elif edit == "role":
            reply = moderation.role_add(moderator(guild), "prompt-engineer", "Prompt Engineer",
                                        focus="Writes prompts.", aliases="pe, prompter")
        elif edit == "faq":
            reply = moderation.faq_add(moderator(guild), "Is a bootcamp enough?", "Rarely.")
        assert reply.kind != "error", reply
    return store_for(db).knowledge(guild)


def typed_names(view: Knowledge) -> list[str]:
    """Every name of every role, and typos of each: a letter dropped, two swapped, one doubled."""
    out = ["bench alais 7", "bench alias", "benchalias7s", "xyzzy", "mlops engineers", "ai pms"]
    for role in (*view.roles.values(), *(view.parent.roles.values() if view.parent else ())):
        for name in (role.name, role.slug, *role.aliases):
            out.append(name)
            if len(name) > 4:
                out += [name[1:], name[:2] + name[3] + name[2] + name[4:], name + name[-1]]
    return out


@pytest.mark.parametrize("edits", [("alias",), ("alias removed",), ("role",),
                                   ("alias", "alias removed", "role", "figure")])
def test_a_servers_role_index_is_layered_and_answers_as_a_full_one(
        moderated: tuple[Moderation, Path], edits: tuple[str, ...]) -> None:
    view = view_after(moderated, *edits)
    index = role_index(view)
    assert isinstance(index, LayeredIndex)
    full = _full_index(view)
    names = {slug: role.name for slug, role in view.roles.items()}
    for text in typed_names(view):
        assert index.resolve(text) == full.resolve(text), text
        assert index.exact(text) == full.exact(text), text
    for text in ("ml", "mlo", "bench", "prompt", "pm", "ai p"):
        assert index.autocomplete(text, names) == full.autocomplete(text, names), text


def test_what_a_view_changed_and_what_it_shares(moderated: tuple[Moderation, Path]) -> None:
    view = view_after(moderated, "alias")
    glob = view.parent
    assert glob is not None and view.changes is not None
    assert view.changes.roles == view.changes.names == {MLOPS}
    assert not view.changes.content and not view.changes.faq
    assert all(view.roles[s] is glob.roles[s] for s in view.roles if s != MLOPS)
    assert view.faq is glob.faq and view.sources is glob.sources
    # An alias-only edit changes no passage: the global view's index serves the server.
    assert index_for(view) is index_for(glob)
    assert ServerFaq._entries(view) == ()

    figures = view_after(moderated, "figure", guild="8")
    assert figures.changes is not None and figures.changes.content == {MLOPS}
    assert not figures.changes.names
    assert role_index(figures) is role_index(figures.parent)  # type: ignore[arg-type]
    assert index_for(figures) is not index_for(glob)

    faq = view_after(moderated, "faq", guild="9")
    assert faq.changes is not None and faq.changes.faq and faq.faq is not faq.parent.faq  # type: ignore[union-attr]
    assert [e.entry.question for e in ServerFaq._entries(faq)] == ["Is a bootcamp enough?"]


def test_a_view_out_of_the_catalogue_bound_keeps_its_other_state(
        moderated: tuple[Moderation, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    """Catalogues (the one large piece) are kept for fewer views than the rest: a view
    whose catalogue was dropped still has its role index and answers."""
    from bot.core.advisor import Advisor
    from bot.core.chat import ChatEngine
    from bot.knowledge.models import CATALOGS

    monkeypatch.setattr(CATALOGS, "size", 3)  # the global view and two servers
    moderation, db = moderated
    for guild in ("7", "8", "9"):
        assert moderation.alias(moderator(guild), "add", MLOPS, f"alias {guild}").kind != "error"
    store = store_for(db)
    views = [store.knowledge(g) for g in ("7", "8", "9")]
    for view in views:
        ChatEngine.catalog(view)
        Advisor._view(view)
    first, *rest = views
    assert "chat.catalog" not in first._derived
    assert {"role_index", "advisor.view"} <= first._derived.keys()
    assert all("chat.catalog" in v._derived for v in rest)
