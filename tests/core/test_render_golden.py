"""Golden output: every command for every role and pair of the real roles, and questions
about every role by each of its names, render exactly as recorded.

Rendering is tuned for speed (``bot.core.render``: the environment, ``finalize``, the
templates); none of that may change a word. Each reply (every part: title, lead,
sections, fields, footer, suggestions, kind, roles) is compared by a digest with the one
recorded in ``render_golden.json``. When the wording or the knowledge changes on purpose,
record again and review the diff of the answers you meant to change::

    .venv/bin/python -m tests.core.test_render_golden --update
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.core.advisor import Advisor, Request
from bot.core.reply import Reply
from tests.conftest import repo_advisor

GOLDEN = Path(__file__).with_name("render_golden.json")

#: One role's commands (``{r}``: its slug) and a pair's (``{a}``, ``{b}``).
ONE_ROLE = ("!role {r}", "!salary {r}", "!skills {r}", "!path {r}", "!week {r}",
            "!salary {r} level:senior", "!salary {r} remote:yes", "!salary {r} trend")
PAIR = ("!compare {a} {b}", "!salary {a} {b}", "!skills {a} {b}", "!switch {a} {b}")
OTHER = ("!help", "!roles", *(f"!help {c}" for c in ("compare", "role", "salary", "skills",
                                                     "path", "week", "switch", "ask", "roles")))
QUESTIONS = ("how much do {r} jobs pay?", "what skills do I need for {r}?",
             "how do I get into {r}?", "is {r} a good career?",
             "what does a {r} do all week?", "how many open {r} jobs are there?")


def digest(reply: Reply) -> str:
    """The reply's every text part (the chart, data for a picture, left out)."""
    text = repr(dataclasses.replace(reply, chart=None))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:20]


def cases(advisor: Advisor) -> Iterator[tuple[str, Request]]:
    knowledge = advisor.knowledge()
    slugs = sorted(knowledge.roles)
    for text in OTHER:
        yield text, Request(text=text)
    for r in slugs:
        for template in ONE_ROLE:
            yield template.format(r=r), Request(text=template.format(r=r))
    for a in slugs:
        for b in slugs:
            for template in PAIR:
                yield template.format(a=a, b=b), Request(text=template.format(a=a, b=b))
    for n, slug in enumerate(slugs):
        role = knowledge.roles[slug]
        for name in dict.fromkeys((role.name, *role.aliases)):
            for template in QUESTIONS:
                text = template.format(r=name)
                # A member of their own per question: no follow-up reads an earlier one.
                yield f"ask: {text}", Request(text=text, addressed=True,
                                             user_id=f"golden-{n}-{len(text)}-{name}")


def replies(advisor: Advisor) -> dict[str, str]:
    """Each case's digest, composed afresh (the advisor's remembered answers emptied)."""
    out: dict[str, str] = {}
    for label, request in cases(advisor):
        advisor._view(advisor.knowledge()).replies.clear()
        out[label] = digest(advisor.handle(request))
    return out


@pytest.fixture(scope="module")
def advisor(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Advisor]:
    with repo_advisor(tmp_path_factory.mktemp("golden")) as made:
        yield made


def test_every_command_and_question_renders_as_recorded(advisor: Advisor) -> None:
    recorded = json.loads(GOLDEN.read_text(encoding="utf-8"))
    now = replies(advisor)
    assert len(now) > 1500  # every role, pair and name: not a handful
    changed = sorted(k for k in now.keys() & recorded.keys() if now[k] != recorded[k])
    assert not changed, f"{len(changed)} replies changed, e.g. {changed[:5]}"
    assert now.keys() == recorded.keys(), "cases added or gone: record again (see module doc)"


def _update() -> None:
    with tempfile.TemporaryDirectory() as folder, repo_advisor(Path(folder)) as made:
        recorded = replies(made)
    GOLDEN.write_text(json.dumps(recorded, indent=0, sort_keys=True) + "\n", encoding="utf-8")
    print(f"recorded {len(recorded)} replies in {GOLDEN}")


if __name__ == "__main__":
    if sys.argv[1:] != ["--update"]:
        sys.exit(__doc__)
    _update()
