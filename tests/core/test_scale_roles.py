"""Cost that grows with what a message touches, not with the catalogue (issue 16).

No timings are asserted: the catalogue test has a budget that only a quadratic build
(or a hang) exceeds, and the rest count the work done.
"""

from __future__ import annotations

import threading
from typing import Any

import pytest

from bot.core.chat.catalog import Catalog
from bot.core.names import alias_key
from bot.knowledge import models
from bot.knowledge.models import Knowledge, Role

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
    catalog = Catalog(knowledge=knowledge, index=None)  # type: ignore[arg-type]
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
