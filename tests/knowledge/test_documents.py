"""Roles as documents: the shape of the files, round-tripping through the files' validator."""

from __future__ import annotations

from bot.knowledge.documents import (
    role_document,
    set_stat,
    snapshot_document,
    stat_value,
    with_derived,
)
from bot.knowledge.files import load_knowledge_dir
from bot.knowledge.validation import Checker, parse_role
from tests.conftest import KNOWLEDGE_DIR, role_file


def test_every_role_round_trips_through_its_document() -> None:
    knowledge = load_knowledge_dir(KNOWLEDGE_DIR)
    for role in knowledge.roles.values():
        check = Checker(role.slug)
        again = parse_role(role_document(role), f"{role.slug}.yaml", knowledge.sources, check)
        assert check.problems == []
        assert again is not None and with_derived(again, role) == role


def test_a_document_reads_like_the_file() -> None:
    knowledge = load_knowledge_dir(KNOWLEDGE_DIR)
    for slug, role in knowledge.roles.items():
        doc, raw = role_document(role), role_file(slug)
        assert doc["aliases"] == raw["aliases"]
        assert doc["name"] == raw["name"]
        for i, snapshot in enumerate(raw.get("stats") or []):  # the file's own snapshots first
            assert doc["stats"][i]["salary"] == snapshot["salary"]
            assert doc["stats"][i]["source"] == snapshot["source"]


def test_figures_by_dotted_name() -> None:
    knowledge = load_knowledge_dir(KNOWLEDGE_DIR)
    snap = next(iter(knowledge.roles.values())).stats[0]
    doc = snapshot_document(snap)
    assert stat_value(doc, "salary.median") == stat_value(snap, "salary.median") == snap.salary.median
    set_stat(doc, "salary.median", None)
    assert "median" not in doc["salary"]
    set_stat(doc, "experience.senior", None, keep_none=True)
    assert doc["experience"]["senior"] is None
