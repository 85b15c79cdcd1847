"""A first question's catalogue reads what the message touches (issue 16, 100x roles).

The field-name and head tables are made only when something reads them whole: a field
name ("research science") is looked up key by key through the role index's names, and
must answer exactly as the whole table would; the years of the view's figures are read
only when a message names a year. Counted, never timed.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from bench import kbgen
from bot.core.advisor import Advisor, Request
from bot.core.chat import catalog as catalog_module
from bot.core.chat.catalog import Catalog
from bot.knowledge.files import load_knowledge_dir
from bot.knowledge.models import Knowledge, Role
from bot.knowledge.role_index import role_index
from bot.text.names import alias_key
from tests.conftest import KNOWLEDGE_DIR


@pytest.fixture(scope="module")
def tenfold(tmp_path_factory: pytest.TempPathFactory) -> Knowledge:
    out = tmp_path_factory.mktemp("kb10") / "kb"
    kbgen.generate(KNOWLEDGE_DIR, out, multiple=10)
    return load_knowledge_dir(out)


def _asked_keys(merged: Catalog, knowledge: Knowledge) -> list[str]:
    """Every field key the roles give (unique or shared), near misses and other keys."""
    keys = {k for r in knowledge.roles.values() for k in catalog_module._name_keys(r.name)[0]}
    keys |= set(merged.field_aliases)
    near = {k[:-1] for k in keys} | {"x" + k for k in keys} | {k + "s" for k in keys}
    others = {alias_key(r.name) for r in knowledge.roles.values()}
    return sorted(keys | near | others | {"", "engineering", "science", "dataengineer"})


@pytest.mark.parametrize("scale", ["base", "tenfold"])
def test_field_names_looked_up_one_by_one_answer_as_the_table(
        scale: str, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    knowledge = (load_knowledge_dir(KNOWLEDGE_DIR) if scale == "base"
                 else request.getfixturevalue("tenfold"))
    fast = Catalog.build(knowledge, role_index(knowledge))
    merged = Catalog.build_by_parts(knowledge, role_index(knowledge))
    assert fast._field_aliases is None and fast._head_roles is None
    named: list[str] = []
    keys = catalog_module._name_keys

    def counted(name: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
        named.append(name)
        return keys(name)

    monkeypatch.setattr(catalog_module, "_name_keys", counted)
    asked = _asked_keys(merged, knowledge)
    answered = [fast.field_alias(k) for k in asked]
    assert answered == [merged.field_alias(k) for k in asked]
    assert sum(a is not None for a in answered) >= len(knowledge.roles) // 2
    # Each lookup read only the few names that could give its key, not every role's.
    assert len(named) <= 3 * len(asked)
    assert fast._field_aliases is None and fast._head_roles is None
    # Read whole, the tables are the merge's.
    assert fast.head_roles == merged.head_roles
    assert fast.field_aliases == merged.field_aliases


def test_names_the_lookup_cannot_read_make_the_tables_at_once() -> None:
    """An accented name (its alias key is not its words joined) or a layered index:
    the tables are made with the catalogue, as before."""
    base = load_knowledge_dir(KNOWLEDGE_DIR)
    roles = dict(base.roles)
    roles["x-role"] = Role(slug="x-role", name="Ingénieur Données Engineer")
    knowledge = Knowledge(roles=roles, sources=base.sources, market=base.market)
    fast = Catalog.build(knowledge)
    assert fast._field_aliases is not None and fast._head_roles is not None
    assert fast.field_aliases == Catalog.build_by_parts(knowledge).field_aliases


def test_a_field_name_shared_by_two_roles_names_neither() -> None:
    base = load_knowledge_dir(KNOWLEDGE_DIR)
    first = next(iter(base.roles.values()))
    roles = {"a-role": replace(first, slug="a-role", name="Quantum Engineer", aliases=()),
             "b-role": replace(first, slug="b-role", name="Quantum Engineer", aliases=()),
             "c-role": replace(first, slug="c-role", name="Photon Engineer", aliases=())}
    knowledge = Knowledge(roles=roles, sources=base.sources, market=base.market)
    fast = Catalog.build(knowledge)
    assert fast._field_aliases is None
    assert fast.field_alias("quantumengineering") is None
    assert fast.field_alias("photonengineering") == "c-role"
    assert fast.field_aliases == {"photonengineering": "c-role"}


def test_the_figures_years_are_read_only_when_a_message_names_a_year(
        advisor: Advisor, monkeypatch: pytest.MonkeyPatch) -> None:
    read: list[int] = []
    years = catalog_module._source_years

    def counted(knowledge: Knowledge) -> frozenset[str]:
        read.append(len(knowledge.roles))
        return years(knowledge)

    monkeypatch.setattr(catalog_module, "_source_years", counted)
    for text in ("what does an mlops engineer earn?", "how remote is data engineering"):
        advisor.handle(Request(text=text, user_id="u1", channel_id="c"))
    assert read == []
    reply = advisor.handle(Request(text="what did an mlops engineer earn in 2019?",
                                   user_id="u2", channel_id="c"))
    assert read == [len(advisor.knowledge().roles)]
    assert reply is not None
