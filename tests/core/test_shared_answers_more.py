"""``!roles`` reads every role but shows only part of each (``CommandSpec.shows``: name,
first three aliases, handle), so a server's view shares the global view's list where its
overlay left those parts alone, and composes its own where it did not (issue 16, item 2:
messages rotating over many edited servers; before, any edited role made ``!roles`` every
server's own, about 7x a warm server's cost in the rotation).

Every answer checked here is also compared byte for byte with one composed fresh on the
server's view (``fresh``), whichever way it was obtained.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.core.advisor import Advisor, Request, _Composed
from bot.core.commands import find_command, roles_shown
from bot.core.moderation import Moderation
from bot.core.reply import render_text
from bot.knowledge.models import Knowledge
from bot.text.names import LayeredIndex, Match
from tests.core.test_shared_answers import GUILD, fresh, remembered
from tests.knowledge.test_shared_views import edited_roles, layered
from tests.moderation_support import MLOPS, PM, build, moderator, source_id, store_for

Edit = Callable[[Moderation], object]


def _aliases(m: Moderation, slug: str) -> tuple[str, ...]:
    return m.store.knowledge(None).roles[slug].aliases


#: Per edit: whether the server's ``!roles`` is the global view's (shared) or its own.
EDITS: dict[str, tuple[Edit, bool]] = {
    # An alias appended after the first three: the list reads the same.
    "alias past the third": (
        lambda m: m.alias(moderator(GUILD), "add", MLOPS, "bench alias"), True),
    "two aliases past the third": (
        lambda m: (m.alias(moderator(GUILD), "add", MLOPS, "bench alias"),
                   m.alias(moderator(GUILD), "add", PM, "product lead for ai")), True),
    # A figure: the role's object differs, nothing the list shows does.
    "figure": (lambda m: m.set(moderator(GUILD), MLOPS, [("remote", "61")],
                               source=source_id(), date="2026-01"), True),
    # A short one-word alias becomes the role's handle (a name the list may suggest).
    "new handle": (lambda m: m.alias(moderator(GUILD), "add", MLOPS, "o"), False),
    # One of the first three aliases removed: the shown aliases change.
    "shown alias removed": (
        lambda m: m.alias(moderator(GUILD), "remove", PM, _aliases(m, PM)[0]), False),
    # A role added: the list is longer.
    "role added": (lambda m: m.role_add(moderator(GUILD), "prompt-engineer", "Prompt Engineer",
                                        focus="Writes prompts.", aliases="pe"), False),
}


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("shared-answers-more")


@pytest.fixture
def edited(folder: Path, request: pytest.FixtureRequest) -> Iterator[Advisor]:
    db = build(folder / request.param.replace(" ", "-"))
    store = store_for(db)
    edit, _ = EDITS[request.param]
    edit(Moderation(store))
    advisor = Advisor(store_for(db))
    yield advisor
    advisor.store.close()
    store.close()


@pytest.mark.parametrize("edited", list(EDITS), indirect=True)
@pytest.mark.parametrize("global_first", [True, False])
def test_the_roles_list_is_shared_exactly_where_what_it_shows_is_unchanged(
        edited: Advisor, global_first: bool, request: pytest.FixtureRequest) -> None:
    advisor = edited
    glob, view = advisor.knowledge(None), advisor.knowledge(GUILD)
    assert view.parent is glob and view.changes is not None and view.changes.roles
    expect_shared = EDITS[request.node.callspec.params["edited"]][1]
    for text in ("!roles", "!list"):
        if global_first:
            advisor.handle(Request(text=text))
        got = advisor.handle(Request(text=text, guild_id=GUILD))
        assert render_text(got) == fresh(advisor, view, text), text
        if not global_first:
            # The answer a server composed first is offered to the global view only where
            # it is the global view's own, too.
            theirs = advisor.handle(Request(text=text))
            assert render_text(theirs) == fresh(advisor, glob, text), text
        mine, theirs_kept = remembered(advisor, view, text), remembered(advisor, glob, text)
        assert mine is not None and theirs_kept is not None
        assert (mine is theirs_kept) is expect_shared, text


@pytest.mark.parametrize("edited", ["figure", "shown alias removed"], indirect=True)
def test_the_declared_parts_decide_and_nothing_else(edited: Advisor,
                                                    request: pytest.FixtureRequest) -> None:
    """``holds_in`` of an answer reading every role: with no declaration (an unknown
    role's list) any changed role keeps it apart; with one, only the declared parts."""
    advisor = edited
    glob, view = advisor.knowledge(None), advisor.knowledge(GUILD)
    assert view.changes is not None
    spec = find_command("roles")
    assert spec is not None and spec.shows is roles_shown
    reply = advisor.handle(Request(text="!roles"))
    index = advisor.index(view)
    undeclared = _Composed(reply, (), True)
    declared = _Composed(reply, (), True, roles_shown)
    assert not undeclared.holds_in(index, view.changes, (glob, view))
    same = request.node.callspec.params["edited"] == "figure"
    assert declared.holds_in(index, view.changes, (glob, view)) is same
    assert declared.holds_in(index, view.changes, (view, glob)) is same


@pytest.mark.parametrize("edited", ["alias past the third", "new handle"], indirect=True)
def test_a_servers_roles_list_compares_its_changed_roles_once(
        edited: Advisor, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest) -> None:
    """Regression (the 1,000-server rotation: ``!roles`` was the costliest command over a
    warm server's, about 2x): every ask of the global view's list on a server compared
    what it shows of each changed role again; the verdict is kept with the server's view
    (``_View.shown``), whether the list is shared or the server's own, and every answer
    is still the server's exactly."""
    from bot.knowledge.models import Role

    advisor = edited
    view = advisor.knowledge(GUILD)
    advisor.handle(Request(text="!roles"))
    shown: list[str] = []
    handle = Role.handle

    def counted(role: Role) -> str:
        shown.append(role.slug)
        return handle.fget(role)  # type: ignore[attr-defined,no-any-return]

    monkeypatch.setattr(Role, "handle", property(counted))
    got = [render_text(advisor.handle(Request(text="!roles", guild_id=GUILD)))
           for _ in range(3)]
    compared = len(shown)
    monkeypatch.undo()
    assert got == [fresh(advisor, view, "!roles")] * 3
    if EDITS[request.node.callspec.params["edited"]][1]:  # shared: compared on the first ask
        assert compared == 2 * len(view.changes.roles)  # type: ignore[union-attr]
    else:  # the server's own list: composed once (each role's handle), then remembered
        assert compared <= 2 * len(view.changes.roles) + len(view.roles)  # type: ignore[union-attr]
    assert advisor._view(view).shown


# -- a name no role answers to, on a server's layered index -------------------------------

@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(edited_roles(), st.lists(st.text(alphabet="abcdemlxyz", min_size=4, max_size=14),
                                min_size=1, max_size=6))
def test_a_no_match_taken_from_the_parent_is_the_full_indexs(
        case: tuple[list, list, list[str]], far: list[str]) -> None:
    """The parent resolves first (the global view composed the answer), then the server's
    layered index must answer exactly as a full index of its roles, no-match score too."""
    before, after, queries = case
    index, full = layered(before, after)
    for query in [*queries, *far]:
        index._parent.resolve(query)  # type: ignore[attr-defined]
        assert index.resolve(query) == full.resolve(query), query


def test_a_no_match_far_from_the_servers_own_keys_is_not_worked_out_again() -> None:
    """The bench's edit (one alias of its own): a phrase ``split_roles`` tries that names
    no role ("manager mlops") is the parent's answer, with no fuzzy pass here;
    one close to the server's own alias is worked out here and scores it."""
    before = [("mlops", ["mlops engineer", "ml ops"]), ("pm", ["ai product manager", "ai pm"])]
    after = [("mlops", ["mlops engineer", "ml ops", "bench alias 7"]),
             ("pm", ["ai product manager", "ai pm"])]
    index, full = layered(before, after)
    assert isinstance(index, LayeredIndex)
    worked: list[str] = []
    own_pass = index._resolve

    def counted(text: str) -> Match:
        worked.append(text)
        return own_pass(text)

    index._resolve = counted  # type: ignore[method-assign]
    for query in ("manager mlops", "zzzz qqqq", "bench aliasxx 99"):
        parents = index._parent.resolve(query)  # type: ignore[attr-defined]
        assert not parents.ok and not parents.suggestions, query
        assert index.resolve(query) == full.resolve(query), query
    assert worked == ["bench aliasxx 99"]


@pytest.mark.parametrize("edited", ["alias past the third"], indirect=True)
def test_a_servers_view_keeps_the_parents_prepared_state_at_hand(
        edited: Advisor, monkeypatch: pytest.MonkeyPatch) -> None:
    """A server's command looks in the global view's answers without looking that view's
    prepared state up through the LRU again (``Knowledge.kept``, a plain lookup); it was a
    ``Knowledge.derived`` call (an LRU touch under a lock) per message."""
    advisor = edited
    glob = advisor.knowledge(None)
    advisor.handle(Request(text="!role pm", guild_id=GUILD))  # the server's view prepared
    advisor.handle(Request(text="!week mlops"))
    looked_up: list[str] = []
    derived = Knowledge.derived

    def counted(self: Knowledge, name: str, build: Callable[[Knowledge], object]) -> object:
        if self is glob:
            looked_up.append(name)
        return derived(self, name, build)

    monkeypatch.setattr(Knowledge, "derived", counted)
    got = advisor.handle(Request(text="!week mlops", guild_id=GUILD))
    monkeypatch.undo()
    assert "advisor.view" not in looked_up
    assert render_text(got) == fresh(advisor, advisor.knowledge(GUILD), "!week mlops")
    assert remembered(advisor, advisor.knowledge(GUILD), "!week mlops") is \
        remembered(advisor, glob, "!week mlops")
