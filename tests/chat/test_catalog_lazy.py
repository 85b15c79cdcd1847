"""The chat catalogue built from whole-view passes, with per-role parts worked out on use
(issue 16: a first question's cost grows with what it touches, not with the roles).

``Catalog.build`` must equal ``Catalog.build_by_parts`` (every role's parts merged in
role order, as the catalogue was always built) on the real knowledge, on a generated
knowledge ten times its size and on edge cases of the fast passes; and the committed
question sets must get the same answers through either.
"""

from __future__ import annotations

import itertools
from dataclasses import fields, replace
from pathlib import Path

import pytest

from bench import kbgen
from bot.core.advisor import Advisor, Request
from bot.core.chat import ChatEngine
from bot.core.chat import catalog as catalog_module
from bot.core.chat import eval as chat_eval
from bot.core.chat.catalog import Catalog
from bot.knowledge.build import build_database
from bot.knowledge.files import load_knowledge_dir
from bot.knowledge.models import Knowledge, Role, ToolGroup
from bot.knowledge.store import KnowledgeStore
from tests.conftest import KNOWLEDGE_DIR

QUESTION_SETS = [chat_eval.DEFAULT_QUESTIONS, chat_eval.OPEN_DATA_QUESTIONS,
                 chat_eval.REAL_QUESTIONS]


def assert_same_tables(fast: Catalog, merged: Catalog) -> None:
    """Every table equal; per-role tables compared whole and in the view's order (the
    merged tables are looked up, never walked in order); the step keys the fast build
    makes apart from the steps equal the steps' keys."""
    assert fast.step_keys() == frozenset(merged.steps)
    for f in fields(Catalog):
        if f.name in ("knowledge", "index", "_entry_roles", "_state", "_order", "_step_keys"):
            continue
        name = {"_steps": "steps", "_targets": "targets", "_field_aliases": "field_aliases",
                "_head_roles": "head_roles"}.get(f.name, f.name)
        a, b = getattr(fast, name), getattr(merged, name)
        if name in ("role_skills", "role_words"):
            a, b = dict(a), dict(b)
            assert list(a) == list(b), f"{name} order"
        assert a == b, name


@pytest.fixture(scope="module")
def base() -> Knowledge:
    return load_knowledge_dir(KNOWLEDGE_DIR)


def test_the_fast_build_equals_the_merge_of_every_roles_parts(base: Knowledge) -> None:
    assert_same_tables(Catalog.build(base), Catalog.build_by_parts(base))


def test_the_same_at_ten_times_the_roles(tmp_path: Path) -> None:
    kbgen.generate(KNOWLEDGE_DIR, tmp_path / "kb", multiple=10)
    knowledge = load_knowledge_dir(tmp_path / "kb")
    assert len(knowledge.roles) == 10 * len(load_knowledge_dir(KNOWLEDGE_DIR).roles)
    fast, merged = Catalog.build(knowledge), Catalog.build_by_parts(knowledge)
    # Words looked up one by one in the names (before any walk splits them) are known
    # exactly when the merged sets hold them: every role token, halves and joins of
    # them, other spellings, the lexicon's words and words no role has.
    tokens = sorted(merged.role_tokens)
    asked = [*tokens, *(t[:-1] for t in tokens), *(t.upper() for t in tokens[:50]),
             *(f"{a} {b}" for a, b in itertools.pairwise(tokens[:50])),
             *(a + b for a, b in itertools.pairwise(tokens[:50])),
             "", " ", "data-engineer", "pizza", "ingénieur", "salary", "kubernetes", "zzzzz"]
    for word in asked:
        assert (word in fast.role_tokens) == (word in merged.role_tokens), word
        assert (word in fast.vocabulary) == (word in merged.vocabulary), word
    assert fast.role_tokens._set is None  # type: ignore[attr-defined]  # none was split
    assert_same_tables(fast, merged)


@pytest.mark.parametrize(("accented", "phrase"), [(False, False), (False, True),
                                                  (True, False), (True, True)])
def test_the_same_for_names_and_items_the_fast_passes_treat_apart(
        base: Knowledge, accented: bool, phrase: bool) -> None:
    roles = dict(base.roles)
    first = next(iter(roles))
    # The first role lists as tools a long phrase (not a skill there) that a later role
    # lists as a skill, "pyspark" that the later one spells "PySpark", and "Microsoft
    # Spark", whose short name "spark" is also Apache Spark's (a later role's skill);
    # a seven-word alias; a metro spelt two ways; names with accents (then the names are
    # read word by word, not as ASCII bytes). With the phrase the skills are merged in
    # order; without it only the keys two strings give are settled by order.
    long_item = "When to use ML at all"
    items = (long_item, "pyspark", "Microsoft Spark") if phrase else ("pyspark", "Microsoft Spark")
    roles[first] = replace(roles[first], tools=(ToolGroup(area="Judgement", items=items),),
                           metros=("sao paulo",))
    name = "Ingénieur Données Spécialisé" if accented else "Data Wrangling Specialist"
    roles["x-role"] = Role(slug="x-role", name=name,
                           aliases=("one two three four five six seven", "a-b c/d"),
                           skills=(long_item, "PySpark", "Apache Spark"),
                           metros=("Sao Paulo", "Remote"), leads_to=("Head of Data",))
    knowledge = Knowledge(roles=roles, sources=base.sources, market=base.market)
    fast, merged = Catalog.build(knowledge), Catalog.build_by_parts(knowledge)
    assert_same_tables(fast, merged)
    assert fast.skill_names[catalog_module.alias_key(long_item)] == long_item
    assert fast.skill_names["pyspark"] == "pyspark"
    assert fast.skill_aliases["spark"] == "microsoftspark"
    assert fast.max_alias_words == 6
    assert {"seven", "a", "b", "c", "d"} <= fast.role_tokens
    if accented:
        assert {"ing", "nieur", "donn", "es"} <= fast.role_tokens  # split as _WORD splits


def test_a_first_question_about_one_role_reads_no_roles_texts(
        advisor: Advisor, monkeypatch: pytest.MonkeyPatch) -> None:
    """The words of every role's texts are read only by an answer that ranks all roles
    (who fits "someone who loves ..."), not by a figure question about one role."""
    read: list[str] = []
    words = catalog_module._role_words

    def counted(role: Role) -> set[str]:
        read.append(role.slug)
        return words(role)

    monkeypatch.setattr(catalog_module, "_role_words", counted)
    catalog_module._PARTS.clear()
    for text in ("what does an mlops engineer earn?", "how remote is data engineering",
                 "skills for a data analyst"):
        advisor.handle(Request(text=text, user_id="u1", channel_id="c"))
    assert read == []
    advisor.handle(Request(text="which role suits someone who loves building infrastructure",
                           user_id="u2", channel_id="c"))
    assert sorted(read) == sorted(advisor.knowledge().roles)


@pytest.mark.parametrize("questions", QUESTION_SETS, ids=lambda p: p.stem)
def test_the_question_sets_get_the_same_answers_either_way(
        questions: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    db = tmp_path / "eval.db"
    build_database(KNOWLEDGE_DIR, db)

    def answers() -> list[str]:
        store = KnowledgeStore(db)
        try:
            results = chat_eval.run(questions, advisor=Advisor(store, chat=ChatEngine()))
        finally:
            store.close()
        return [turn.text for item in results for turn in item.turns]

    fast = answers()
    monkeypatch.setattr(Catalog, "build", Catalog.build_by_parts)
    merged = answers()
    assert len(fast) >= 100
    assert fast == merged
