"""Passages: every sentence or bullet of the knowledge's prose, tagged with role, field and
source, built from a knowledge view so a server's edits show in that server's only."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.knowledge import edits
from bot.knowledge.changes import Change
from bot.knowledge.models import Knowledge
from bot.knowledge.passages import FIELD_TOPICS, FIELDS, Passage, build_passages, sentences
from tests.conftest import KNOWLEDGE_DIR, load_yaml, repo_knowledge, role_file
from tests.moderation_support import MLOPS, PM, build, moderator, store_for


@pytest.fixture(scope="module")
def knowledge(tmp_path_factory: pytest.TempPathFactory) -> Knowledge:
    return repo_knowledge(tmp_path_factory.mktemp("passages"))


def of(passages: tuple[Passage, ...], role: str | None, field: str | None = None) -> list[Passage]:
    return [p for p in passages if p.role == role and (field is None or p.field == field)]


def texts(passages: list[Passage]) -> str:
    return "\n".join(p.text for p in passages)


@pytest.mark.parametrize("slug", [MLOPS, PM])
def test_every_prose_field_of_a_written_role_becomes_passages(knowledge: Knowledge,
                                                               slug: str) -> None:
    passages = build_passages(knowledge)
    data = role_file(slug)
    for field in ("focus", "summary", "tools", "week", "path", "getting_in", "market",
                  "postings", "red_flags"):
        assert of(passages, slug, field), f"{slug} has no {field} passage"
    # Every bullet is its own passage, as written.
    bullets = [*data["week"]["tasks"], *data["getting_in"]["steps"], *data["postings"]["red_flags"]]
    shown = {p.text for p in of(passages, slug)}
    for bullet in bullets:
        assert " ".join(bullet.split()) in shown
    # Every sentence of the prose paragraphs is one passage.
    for paragraph in (data["summary"], data["market"], data["getting_in"]["summary"],
                      data["postings"]["good"]):
        for sentence in sentences(paragraph):
            assert sentence in shown
    for group in data["tools"]:
        assert any(p.text.startswith(f"{group['area']}: {group['items'][0]}")
                   for p in of(passages, slug, "tools"))
        if "note" in group:
            assert any(sentences(group["note"])[0] == p.text for p in of(passages, slug, "tools"))
    assert texts(of(passages, slug, "path")).count(data["career"]["progression"][-1]) >= 1


def test_written_prose_cites_the_postings_source_and_onet_tasks_cite_onet(
        knowledge: Knowledge) -> None:
    passages = build_passages(knowledge)
    for p in of(passages, MLOPS):
        if p.field != "faq":
            assert p.source is not None and p.source.id == "ai-market-pulse-2026", p
    tasks = of(passages, "data-scientist", "tasks")
    assert len(tasks) == len(knowledge.roles["data-scientist"].week_tasks) > 0
    assert all(p.source is not None and p.source.describes_occupations and p.source.attribution
               for p in tasks)
    # A hand-written focus with no data source behind it says so (source None).
    (focus,) = of(passages, "data-scientist", "focus")
    assert focus.source is None and focus.text == knowledge.roles["data-scientist"].focus


def test_every_faq_entry_is_a_passage_tagged_with_its_one_role(knowledge: Knowledge) -> None:
    faq = [p for p in build_passages(knowledge) if p.field == "faq"]
    assert len(faq) == len(knowledge.faq) > 0
    assert {p.context for p in faq} == {e.question for e in knowledge.faq}
    by_question = {p.context: p for p in faq}
    assert by_question["Do AI product managers need to code?"].role == PM
    assert by_question["What sets a strong MLOps engineer apart?"].role == MLOPS
    assert by_question["How reliable are the salary numbers?"].role is None


def test_every_field_has_its_topic_words() -> None:
    assert set(FIELD_TOPICS) == set(FIELDS)


def test_sentences_split_at_sentence_ends_only() -> None:
    assert sentences("Learn serving. Then pipelines!  Then tracking?") == [
        "Learn serving.", "Then pipelines!", "Then tracking?"]
    assert sentences("Use v2.1 of the tool, e.g. with k8s.") == [
        "Use v2.1 of the tool, e.g. with k8s."]
    assert sentences("   ") == []


def test_a_server_edit_shows_in_that_servers_passages_only(tmp_path: Path) -> None:
    db = build(tmp_path)
    new = "Hiring for this role doubled in the Lisbon meetup group last spring."
    edits.apply_change(db, moderator("42"), Change("role.set", {
        "role": MLOPS, "field": "market", "value": new}))
    store = store_for(db)
    try:
        mine = of(build_passages(store.knowledge("42")), MLOPS, "market")
        other = of(build_passages(store.knowledge("43")), MLOPS, "market")
        base = of(build_passages(store.knowledge()), MLOPS, "market")
    finally:
        store.close()
    assert [p.text for p in mine] == [new]
    assert new not in texts(other) and new not in texts(base)
    assert texts(other) == texts(base) != ""


def test_a_role_with_only_a_name_has_no_passages_and_nothing_breaks(knowledge: Knowledge) -> None:
    from dataclasses import replace

    from bot.knowledge.models import Role

    bare = Role(slug="bare", name="Bare Role")
    view = replace(knowledge, roles={**knowledge.roles, "bare": bare}, faq=())
    assert of(build_passages(view), "bare") == []


def test_onet_tool_list_cites_onet_not_the_role_file(knowledge: Knowledge) -> None:
    generated = load_yaml(KNOWLEDGE_DIR / "generated" / "onet.yaml")
    tools = of(build_passages(knowledge), "data-analyst", "tools")
    assert tools and all(p.source is not None and p.source.id == generated["source"]["id"]
                         for p in tools)
