"""``catalog.derive``: an edited view's chat catalogue made from its parent's by replacing
only the changed roles equals the catalogue built whole on that view (issue 16).

Views are made as ``overlay_view`` makes them: the base's roles in their order, an edited
role in its place, an added role at the end, a removed one left out.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import fields, replace
from typing import Any

import pytest

from bot.core.chat import catalog as catalog_module
from bot.core.chat.catalog import Catalog, derive
from bot.knowledge.files import load_knowledge_dir
from bot.knowledge.models import Knowledge, Role, ToolGroup
from bot.knowledge.role_index import role_index
from tests.conftest import KNOWLEDGE_DIR

MLOPS = "mlops-engineer"
FIRST = "ai-architect"  # first in the base's order: the first to name Python, AWS, Azure ...
#: Fields that are not the catalogue's content (the view, its index, caches filled on use).
NOT_CONTENT = ("knowledge", "index", "_entry_roles", "_order", "_step_keys")


@pytest.fixture(scope="module")
def base() -> Knowledge:
    return load_knowledge_dir(KNOWLEDGE_DIR)


def _view(base: Knowledge, edit: Callable[[dict[str, Role]], None], guild: str = "7") -> Knowledge:
    roles = dict(base.roles)
    edit(roles)
    return Knowledge(roles=roles, sources=base.sources, market=base.market, faq=base.faq,
                     guild_id=guild)


def assert_same(derived: Catalog, built: Catalog) -> None:
    """Every content field equal; lazy tables compared whole. The merged tables are
    looked up, never walked in order, so their key order may differ; the lists they hold
    (a step's roles) are compared in order, and per-role tables follow the view's order."""
    assert derived.step_keys() == built.step_keys()
    for f in fields(Catalog):
        if f.name in NOT_CONTENT:
            continue
        a, b = getattr(derived, f.name), getattr(built, f.name)
        if f.name in ("_steps", "_targets", "_field_aliases", "_head_roles"):
            a, b = getattr(derived, f.name[1:]), getattr(built, f.name[1:])
        if f.name in ("role_skills", "role_words"):
            a, b = dict(a), dict(b)
            assert list(a) == list(b), f"{f.name} order"
        elif f.name == "_state":  # made on first use by a whole build
            a, b = derived._merge_state(), built._merge_state()
        assert a == b, f.name
    assert list(derived.knowledge.roles) == list(built.knowledge.roles)


def _check(base: Knowledge, view: Knowledge, changed: Iterable[str]) -> Catalog:
    parent = Catalog.build(base)
    derived = derive(parent, view, changed)
    catalog_module._PARTS.clear()  # the whole build from nothing, sharing no parts
    assert_same(derived, Catalog.build(view))
    return derived


def test_an_added_alias(base: Knowledge) -> None:
    view = _view(base, lambda roles: roles.update(
        {MLOPS: replace(roles[MLOPS], aliases=(*roles[MLOPS].aliases, "Pipeline Wrangler"))}))
    derived = _check(base, view, [MLOPS])
    assert "wrangler" in derived.role_tokens and "wrangler" in derived.vocabulary


def test_an_alias_that_names_a_step_hides_the_step(base: Knowledge) -> None:
    # "Head of Data" is a step on the data architect's ladder; as an alias of a role it is
    # that role's name, and the step lookup leaves it out (the index is the view's).
    view = _view(base, lambda roles: roles.update(
        {MLOPS: replace(roles[MLOPS], aliases=(*roles[MLOPS].aliases, "Head of Data"))}))
    parent = Catalog.build(base)
    assert parent.step_entries("headofdata")
    derived = derive(parent, view, [MLOPS])
    assert derived.step_entries("headofdata") is None
    assert_same(derived, Catalog.build(view))


def test_a_figure_edit_that_changes_the_primary_source(base: Knowledge) -> None:
    role = base.roles[MLOPS]
    moved = replace(role, stats=(*role.stats[1:], role.stats[0]))
    assert moved.snapshot() != role.snapshot()
    view = _view(base, lambda roles: roles.update({MLOPS: moved}))
    derived = _check(base, view, [MLOPS])
    assert derived.default_pair != Catalog.build(base).default_pair


def test_skills_edited_on_the_first_role_to_name_them(base: Knowledge) -> None:
    # The first role drops Python and spells AWS differently: the display of "python"
    # passes to the next role naming it, that of "aws" stays with the first role.
    role = base.roles[FIRST]
    skills = tuple("aws" if s == "AWS" else s for s in role.skills if s != "Python")
    tools = (*role.tools, ToolGroup(area="Streaming", items=("Apache Flinkish",), note=""))
    view = _view(base, lambda roles: roles.update(
        {FIRST: replace(role, skills=(*skills, "Apache Beamish"), tools=tools)}))
    derived = _check(base, view, [FIRST])
    assert derived.skill_names["aws"] == "aws"
    assert derived.skill_aliases["flinkish"] == "apacheflinkish"
    assert derived.skill_aliases["beamish"] == "apachebeamish"


def test_an_added_role(base: Knowledge) -> None:
    new = replace(base.roles[MLOPS], slug="pipeline-wrangler", name="Pipeline Wrangler",
                  aliases=("wrangler",), metros=("Lisbon", "Remote"),
                  progression=("Head of Data", "Chief Wrangler"),
                  skills=("Python", "Apache Nifi"))
    view = _view(base, lambda roles: roles.update({new.slug: new}))
    derived = _check(base, view, [new.slug])
    assert derived.head_roles.get("wrangler") == new.slug
    assert [s for s, _, _ in derived.steps["headofdata"]][-1] == new.slug


def test_a_removed_role(base: Knowledge) -> None:
    view = _view(base, lambda roles: roles.pop(FIRST))
    derived = _check(base, view, [FIRST])
    assert derived.skill_names["python"] == "Python"
    assert FIRST not in derived.role_skills


def test_a_renamed_role_and_several_changes_at_once(base: Knowledge) -> None:
    def edit(roles: dict[str, Role]) -> None:
        roles["data-analyst"] = replace(roles["data-analyst"], name="Data Analytics Specialist",
                                        leads_to=("Head of Data", "Head of Data"))
        roles.pop("platform-engineer")
        roles["quant-analyst"] = Role(slug="quant-analyst", name="Quant Analyst",
                                      skills=("SQL", "kdb+"), leads_to=("Head of Data",))

    view = _view(base, edit)
    _check(base, view, ["data-analyst", "platform-engineer", "quant-analyst"])


def test_derive_reads_only_the_changed_roles(base: Knowledge,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    parent = Catalog.build(base)
    parent._positions()
    parent._merge_state()  # once per parent: the pass over its roles' parts
    view = _view(base, lambda roles: roles.update(
        {MLOPS: replace(roles[MLOPS], aliases=(*roles[MLOPS].aliases, "Pipeline Wrangler"))}))
    role_index(view)
    asked: list[str] = []
    parts = catalog_module._role_parts

    def counted(role: Role) -> Any:
        asked.append(role.slug)
        return parts(role)

    monkeypatch.setattr(catalog_module, "_role_parts", counted)
    derived = derive(parent, view, [MLOPS])
    assert sorted(asked) == [MLOPS, MLOPS]  # its parts in the parent's view and in this one
    monkeypatch.undo()
    assert_same(derived, Catalog.build(view))


def test_a_view_in_another_order_is_built_whole(base: Knowledge) -> None:
    # An added role that is not at the end: derive does not guess, it builds.
    new = replace(base.roles[MLOPS], slug="aaa-first", name="Aaa First", aliases=())
    roles = {new.slug: new, **base.roles}
    view = Knowledge(roles=roles, sources=base.sources, market=base.market, faq=base.faq)
    _check(base, view, [new.slug])
