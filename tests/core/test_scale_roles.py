"""Cost that grows with what a message touches, not with the catalogue (issue 16).

No timings are asserted: the catalogue test has a budget that only a quadratic build
(or a hang) exceeds, and the rest count the work done.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from bench import kbgen
from bot.app import create_advisor
from bot.core.advisor import Advisor, Request
from bot.core.chat.catalog import Catalog
from bot.core.commands import CLOSE_ROLES, LIST_ALL_ROLES_UP_TO
from bot.knowledge import models
from bot.knowledge.build import build_database
from bot.knowledge.models import Knowledge, Role
from bot.settings import Settings
from bot.text.names import RoleIndex, alias_key
from tests.conftest import REPO_ROOT

#: Roles that all lead to one step: the shape that made the catalogue build quadratic.
MANY_ROLES = 100_000
#: Far beyond the linear steps (a fraction of a second here); quadratic ones take minutes.
HANG_BUDGET_S = 60.0


def _knowledge(n: int, **extra: Any) -> Knowledge:
    roles = {f"r{i}": Role(slug=f"r{i}", name=f"Role {i:05d}", leads_to=("Head of Data",),
                           **extra) for i in range(n)}
    return Knowledge(roles=roles, sources={}, market={})


def test_the_catalogue_lists_a_shared_step_once_per_role_in_linear_time() -> None:
    knowledge = _knowledge(MANY_ROLES, progression=("Junior", "Head of Data"))
    # No role is named like a step here (the build skips a step named exactly like a role).
    catalog = Catalog(knowledge=knowledge, index=RoleIndex(()))
    stepped: set[tuple[str, str]] = set()
    done = threading.Event()

    def add_all() -> None:  # the build's step pass, over every role
        for role in knowledge.roles.values():
            catalog._add_steps(role, stepped)
        done.set()

    threading.Thread(target=add_all, daemon=True).start()
    assert done.wait(HANG_BUDGET_S), f"the steps of {MANY_ROLES} roles took over {HANG_BUDGET_S} s"
    entries = catalog.steps[alias_key("Head of Data")]
    # Each role once, from its progression (position 1), not again from "leads to".
    assert len(entries) == MANY_ROLES
    assert {slug for slug, _, _ in entries} == set(knowledge.roles)
    assert {pos for _, pos, _ in entries} == {1}


def test_a_full_build_lists_each_role_once_under_a_shared_step() -> None:
    knowledge = _knowledge(300)
    catalog = Catalog.build(knowledge)
    assert [slug for slug, _, _ in catalog.steps[alias_key("Head of Data")]] == list(knowledge.roles)


def test_a_step_only_in_leads_to_is_listed_once_per_role() -> None:
    roles = {"a": Role(slug="a", name="A", leads_to=("Lead", "lead")),
             "b": Role(slug="b", name="B", progression=("Lead",), leads_to=("Lead",))}
    catalog = Catalog.build(Knowledge(roles=roles, sources={}, market={}))
    assert catalog.steps[alias_key("Lead")] == [("a", -1, "Lead"), ("b", 0, "Lead")]


def test_roles_are_sorted_once_per_view(monkeypatch: pytest.MonkeyPatch) -> None:
    sorts: list[int] = []

    def counting(items: Any, **kwargs: Any) -> list[Any]:
        out = sorted(items, **kwargs)
        sorts.append(len(out))
        return out

    monkeypatch.setattr(models, "sorted", counting, raising=False)
    knowledge = _knowledge(50)
    first = knowledge.role_list()
    assert [r.name for r in first] == sorted(r.name for r in knowledge.roles.values())
    first.reverse()  # a caller changing its list changes nobody else's
    for _ in range(5):
        assert [r.slug for r in knowledge.role_list()] == [f"r{i}" for i in range(50)]
    assert sorts == [50]


# -- the unknown-role reply -------------------------------------------------------------


@pytest.fixture(scope="module")
def big_advisor(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Advisor]:
    """An advisor over 10x the real roles (170), generated as the bench does."""
    tmp = tmp_path_factory.mktemp("big-kb")
    kbgen.generate(REPO_ROOT / "knowledge", tmp / "knowledge", multiple=10)
    build_database(tmp / "knowledge", tmp / "big.db")
    advisor = create_advisor(Settings(_env_file=None, db=tmp / "big.db",
                                      knowledge_dir=tmp / "knowledge"))
    yield advisor
    advisor.store.close()


def _names(text: str) -> list[str]:
    return [n.strip().rstrip(".") for n in re.split(r",| and ", text) if n.strip()]


@pytest.mark.parametrize(("text", "typed", "close"), [
    ("!role speech sientist engineer", "speech sientist engineer", "Speech Research Scientist"),
    ("!role edge ai pltform", "edge ai pltform", "Edge AI Platform Engineer"),
    ("!compare pm genai pm", "genai pm", "Generative AI Product Manager"),
])
def test_an_unknown_role_in_a_large_catalogue_names_a_few_close_roles(
        big_advisor: Advisor, text: str, typed: str, close: str) -> None:
    total = len(big_advisor.knowledge().roles)
    assert total > LIST_ALL_ROLES_UP_TO
    reply = big_advisor.handle(Request(text=text))
    assert reply.kind == "error" and f"“{typed}”" in reply.lead
    [section] = reply.sections
    assert section.heading == "Close roles"
    first, rest = section.body.split("\n")
    names = _names(first)
    assert close in names and 1 <= len(names) <= CLOSE_ROLES
    assert rest == f"{total - len(names):,} more: `!roles` lists them all."
    assert len(section.body) < 600  # not the whole catalogue


def test_an_unknown_role_like_none_points_to_the_list(big_advisor: Advisor) -> None:
    reply = big_advisor.handle(Request(text="!role xyzzy"))
    [section] = reply.sections
    total = len(big_advisor.knowledge().roles)
    assert (section.heading, section.body) == ("Roles I know",
                                               f"{total} roles: `!roles` lists them all.")
    assert reply.suggestions[-1] == "!roles"


def test_a_small_catalogue_still_lists_every_role(advisor: Advisor) -> None:
    reply = advisor.handle(Request(text="!role speech sientist engineer"))
    [section] = reply.sections
    assert section.heading == "Roles I know"
    assert sorted(_names(section.body)) == sorted(r.name for r in advisor.knowledge().roles.values())
