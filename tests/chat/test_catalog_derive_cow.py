"""``catalog.derive`` copies nothing it does not change (issue 16: messages rotating over
1,000 edited servers). A server's catalogue shares its parent's tables until its edit
changes one, and an edit that only adds or drops name words patches the parent's role
tokens and vocabulary instead of copying them; so a derived catalogue is a few KiB and
every prepared view keeps one (``CATALOG_VIEWS``). Each derived catalogue here also
equals the one built whole (``assert_same``), and the parent is never written to.
"""

from __future__ import annotations

import copy
import gc
import tracemalloc
from dataclasses import replace

from bot.core.chat.catalog import Catalog, derive
from bot.knowledge.models import CATALOG_VIEWS, PREPARED_VIEWS, Knowledge, Role
from tests.chat.test_catalog_derive import FIRST, MLOPS, _check, _view, base  # noqa: F401

TABLES = ("skill_names", "skill_aliases", "metros", "steps", "field_aliases", "head_roles")


def _alias(slug: str, alias: str) -> object:
    def edit(roles: dict[str, Role]) -> None:
        roles[slug] = replace(roles[slug], aliases=(*roles[slug].aliases, alias))
    return edit


def _tables(cat: Catalog) -> dict[str, object]:
    return {name: copy.deepcopy(getattr(cat, name)) for name in TABLES} | {
        "role_tokens": set(cat.role_tokens), "vocabulary": set(cat.vocabulary)}


def test_an_alias_of_its_own_shares_every_table(base: Knowledge) -> None:  # noqa: F811
    """The bench's edit: new name words only ("bench", "alias", "7")."""
    view = _view(base, _alias(MLOPS, "bench alias 7"))  # type: ignore[arg-type]
    parent = Catalog.build(base)
    derived = derive(parent, view, [MLOPS])
    for name in TABLES:
        assert getattr(derived, name) is getattr(parent, name), name
    for word in ("bench", "alias"):
        assert word in derived.role_tokens and word in derived.vocabulary, word
        assert word not in parent.role_tokens, word
    assert "bench" in derived.targets and "bench" not in parent.targets
    _check(base, view, [MLOPS])  # equal to the catalogue built whole


def test_a_word_the_edit_drops_leaves_the_tokens_not_the_parents(base: Knowledge) -> None:  # noqa: F811
    """A role renamed so one of its words is no role's any more: the word goes from the
    derived tokens, stays in the parent's, and the lexicon's words stay known."""
    role = base.roles[MLOPS]
    words = set(role.name.lower().split())
    others = {w for r in base.roles.values() if r.slug != MLOPS
              for n in (r.name, r.slug.replace("-", " "), *r.aliases) for w in n.lower().split()}
    only_mine = sorted(w for w in words if w not in others and w not in role.slug.split("-")
                       and not any(w in a.lower().split() for a in role.aliases))

    def rename(roles: dict[str, Role]) -> None:
        roles[MLOPS] = replace(roles[MLOPS], name="Model Shipping Zzyzx")

    view = _view(base, rename)
    parent = Catalog.build(base)
    before = _tables(parent)
    derived = derive(parent, view, [MLOPS])
    assert "zzyzx" in derived.role_tokens and "zzyzx" not in parent.role_tokens
    for word in only_mine:
        assert word not in derived.role_tokens and word in parent.role_tokens, word
    assert _tables(parent) == before  # the parent's tables are as they were
    _check(base, view, [MLOPS])


def test_a_changed_table_is_a_copy_and_the_parent_is_untouched(base: Knowledge) -> None:  # noqa: F811
    """Skills edited on the first role to name them: the skill tables change, so the
    derived catalogue has its own copies; the parent's stay as built."""
    def edit(roles: dict[str, Role]) -> None:
        roles[FIRST] = replace(roles[FIRST], skills=("Quantum Basket Weaving", "SQL"))

    view = _view(base, edit)
    parent = Catalog.build(base)
    before = _tables(parent)
    derived = derive(parent, view, [FIRST])
    assert derived.skill_names is not parent.skill_names
    assert derived.skill_names != parent.skill_names
    assert _tables(parent) == before
    _check(base, view, [FIRST])


def test_a_derived_catalogue_is_small_and_every_prepared_view_keeps_one(
        base: Knowledge) -> None:  # noqa: F811
    """Held memory of 50 catalogues derived with an alias each: about 6 KiB apiece
    (tracemalloc), 100 KiB when derive copied every table; the bound is generous."""
    parent = Catalog.build(base)
    parent.steps, parent.step_keys(), parent._merge_state()  # made once, shared by all
    views = [_view(base, _alias(MLOPS, f"bench alias {g}"), str(g))  # type: ignore[arg-type]
             for g in range(50)]
    gc.collect()
    tracemalloc.start()
    try:
        cats = [derive(parent, view, [MLOPS]) for view in views]
        gc.collect()
        held, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(cats) == 50
    assert held / len(cats) < 30 * 1024, held / len(cats)
    assert CATALOG_VIEWS == PREPARED_VIEWS
