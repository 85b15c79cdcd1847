"""A server's view takes the answers already composed for the global view only where they
are exactly its own (issue 16, item 2: a view shares everything its overlay does not change).

Property-style: for each kind of edit a server can make (an alias added, with and without
a new shortest name; an alias removed; a figure; a role added; an FAQ entry; a source),
every command of a varied set is asked on the global view, then on the server's view.
Each answer the server's view gives (shared or its own) must be byte-identical to the one
composed fresh on that view, and the sharing must happen where nothing it read changed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from bot.core.advisor import Advisor, Request, _Composed
from bot.core.commands import find_command, roles_shown
from bot.core.moderation import Moderation
from bot.core.parsing import parse_command
from bot.core.reply import render_text
from bot.knowledge.models import Knowledge
from tests.moderation_support import MLOPS, PM, build, moderator, source_id, store_for

GUILD = "7"
#: Commands as members type them: names, typos, splits, options, unknown and repeated roles.
COMMANDS = (
    "!compare mlops pm", "!compare MLOps Engineer vs AI Product Manager", '!compare "ML Ops" "ai pm"',
    "!compare ai product manager mlops", "!compare mlosp pm", "!role pm", "!role mlops engineer",
    "!salary mlops", "!salary mlops pm", "!salary mlops level:entry", "!skills mlops pm",
    "!skills ai pm", "!path pm", "!week mlops", "!switch mlops pm", "!switch from pm to mlops",
    "!roles", "!help", "!help compare", "!vs mlops, pm", "!pay ai product manager",
    "!compare xyzzy pm", "!role quantum barista", "!compare mlops mlops", "!role ds",
    "!role data scientist", "!role opsy", "!role bench alias", "!role bench alais",
    "!compare bench alias pm", "!role prompt engineer", "!role prompt engneer", "!week pe",
    "!compare pm prompt engineer", "!role mlops source:extra-survey", "!salary ml platform",
)

Edit = Callable[[Moderation], None]


def _ok(reply: object) -> None:
    assert getattr(reply, "kind", "") != "error", render_text(reply)  # type: ignore[arg-type]


EDITS: dict[str, Edit] = {
    # A multi-word alias: the shortest one-word name (the handle replies print) is unchanged.
    "alias": lambda m: _ok(m.alias(moderator(GUILD), "add", MLOPS, "bench alias")),
    # A short one-word alias: it becomes the handle, so replies naming the role change.
    "alias, new handle": lambda m: _ok(m.alias(moderator(GUILD), "add", MLOPS, "opsy")),
    "alias removed": lambda m: _ok(m.alias(moderator(GUILD), "remove", PM, "ai pm")),
    "figure": lambda m: _ok(m.set(moderator(GUILD), MLOPS, [("remote", "61")],
                                  source=source_id(), date="2026-01")),
    "role added": lambda m: _ok(m.role_add(moderator(GUILD), "prompt-engineer", "Prompt Engineer",
                                           focus="Writes prompts.", aliases="pe, prompter")),
    "faq entry": lambda m: _ok(m.faq_add(moderator(GUILD), "Is a bootcamp enough?", "Rarely.")),
    "source": lambda m: _ok(m.source_add(moderator(GUILD), "extra-survey", "Extra survey",
                                         "salary survey", "2026-01")),
}


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("shared-answers")


@pytest.fixture
def edited(folder: Path, request: pytest.FixtureRequest) -> Iterator[Advisor]:
    db = build(folder / request.param.replace(" ", "-").replace(",", ""))
    store = store_for(db)
    EDITS[request.param](Moderation(store))
    advisor = Advisor(store_for(db))
    yield advisor
    advisor.store.close()
    store.close()


def fresh(advisor: Advisor, view: Knowledge, text: str) -> str:
    """The reply composed on ``view`` itself, from nothing any other view remembers."""
    parsed = parse_command(text, "!")
    assert parsed is not None
    spec = find_command(parsed.name)
    assert spec is not None
    options = {k: v for k, v in parsed.options.items() if k in spec.options}
    return render_text(advisor._answer(spec, parsed, view, "!", options))


def remembered(advisor: Advisor, view: Knowledge, text: str) -> _Composed | None:
    parsed = parse_command(text, "!")
    assert parsed is not None
    spec = find_command(parsed.name)
    assert spec is not None
    options = {k: v for k, v in parsed.options.items() if k in spec.options}
    key = (spec.name, parsed.segments, parsed.explicit, tuple(sorted(options.items())), "!")
    return advisor._remembered(view, key)  # the answer the view gives from memory


@pytest.mark.parametrize("edited", list(EDITS), indirect=True)
def test_every_shared_answer_is_the_one_the_server_would_compose(
        edited: Advisor, request: pytest.FixtureRequest) -> None:
    advisor = edited
    glob, view = advisor.knowledge(None), advisor.knowledge(GUILD)
    assert view is not glob and view.parent is glob and view.changes is not None
    for text in COMMANDS:  # the global view composes first, as it usually has
        advisor.handle(Request(text=text))
    shared = []
    for text in COMMANDS:
        got = render_text(advisor.handle(Request(text=text, guild_id=GUILD)))
        assert got == fresh(advisor, view, text), text
        composed, theirs = remembered(advisor, view, text), remembered(advisor, glob, text)
        if composed is not None and composed is theirs:
            shared.append(text)
    must, never = EXPECTED[request.node.callspec.params["edited"]]
    assert set(must) <= set(shared), set(must) - set(shared)
    assert not set(never) & set(shared), set(never) & set(shared)
    # An answer reading every role is shared only where no role changed in what it shows
    # of each (``!roles``: name, first three aliases, handle; see test_shared_answers_more).
    assert ("!roles" in shared) == all(
        slug in glob.roles and slug in view.roles
        and roles_shown(glob.roles[slug]) == roles_shown(view.roles[slug])
        for slug in view.changes.roles)


#: Per edit: answers the server must take from the global view, and answers it must not.
EXPECTED: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "alias": (("!help", "!compare mlops pm", "!compare mlosp pm", "!role mlops engineer",
               "!salary mlops level:entry", "!role pm"),
              ("!role bench alias", "!compare bench alias pm", "!role bench alais")),
    "alias, new handle": (("!help", "!role pm", "!path pm", "!skills ai pm"),
                          ("!compare mlops pm", "!week mlops", "!role opsy")),
    "alias removed": (("!help", "!compare mlops pm", "!week mlops"),
                      ('!compare "ML Ops" "ai pm"', "!skills ai pm")),
    "figure": (("!help", "!role pm", "!path pm", "!skills ai pm"),
               ("!compare mlops pm", "!salary mlops", "!week mlops", "!compare mlosp pm")),
    "role added": (("!help", "!compare mlops pm", "!role pm", "!week mlops"),
                   ("!role prompt engineer", "!week pe", "!compare pm prompt engineer",
                    "!role prompt engneer", "!compare xyzzy pm")),
    "faq entry": (COMMANDS, ()),
    "source": (COMMANDS, ()),
}


@pytest.mark.parametrize("edited", ["alias"], indirect=True)
def test_an_alias_of_its_own_shares_the_figures_of_that_role(edited: Advisor) -> None:
    """The bench's edit (one alias per server): a compare of the edited role is not composed
    again, though the role's object differs, while a name only this server has is its own."""
    advisor = edited
    glob, view = advisor.knowledge(None), advisor.knowledge(GUILD)
    assert view.changes is not None and view.changes.names == {MLOPS}
    assert not view.changes.content
    for text in ("!compare mlops pm", "!role bench alias"):
        advisor.handle(Request(text=text))
        advisor.handle(Request(text=text, guild_id=GUILD))
    assert remembered(advisor, view, "!compare mlops pm") is remembered(advisor, glob,
                                                                         "!compare mlops pm")
    own = remembered(advisor, view, "!role bench alias")
    assert own is not None and own.reply.kind == "answer"
    assert remembered(advisor, glob, "!role bench alias").reply.kind != "answer"  # type: ignore[union-attr]


@pytest.mark.parametrize("edited", ["alias"], indirect=True)
def test_an_answer_a_server_composes_first_is_offered_to_the_others(edited: Advisor) -> None:
    advisor = edited
    glob = advisor.knowledge(None)
    first = advisor.handle(Request(text="!skills mlops pm", guild_id=GUILD))
    assert remembered(advisor, glob, "!skills mlops pm") is not None
    assert advisor.handle(Request(text="!skills mlops pm")) is first
    mine = advisor.handle(Request(text="!role bench alias", guild_id=GUILD))
    assert mine.kind == "answer"
    assert remembered(advisor, glob, "!role bench alias") is None  # it names a role only here
