"""Role names: every title the reviewed mappings treat as one job names that role in chat,
and exact multi-word names are read as written, even two in one comparison."""

from __future__ import annotations

import pytest
import yaml

from bot.core.chat import ChatEngine
from bot.knowledge.files import load_knowledge_dir
from tests.conftest import KNOWLEDGE_DIR

KNOWLEDGE = load_knowledge_dir(KNOWLEDGE_DIR)
ENGINE = ChatEngine()
MAPPED = [(slug, title) for slug, titles in yaml.safe_load(
    (KNOWLEDGE_DIR / "mappings" / "salary-titles.yaml").read_text(encoding="utf-8"))["roles"].items()
    for title in titles]


def roles_in(message: str) -> list[str]:
    u, _ = ENGINE.understand(message, KNOWLEDGE)
    return u.role_slugs


@pytest.mark.parametrize(("slug", "title"), MAPPED, ids=[t for _, t in MAPPED])
def test_every_title_the_mapping_calls_one_job_names_that_role(slug: str, title: str) -> None:
    assert roles_in(f"how much does a {title} make?") == [slug]
    assert roles_in(f"{title.lower()} salary") == [slug]


@pytest.mark.parametrize(("message", "expected"), [
    ("ml infrastructure vs data engineer, which pays more", ["mlops-engineer", "data-engineer"]),
    ("machine learning researcher or research engineer?",
     ["machine-learning-researcher", "research-engineer"]),
    ("research scientist vs machine learning scientist pay",
     ["research-scientist", "machine-learning-scientist"]),
    ("data analytics engineer or data analyst", ["analytics-engineer", "data-analyst"]),
    ("machine-learning operations vs ai product manager", ["mlops-engineer", "ai-product-manager"]),
])
def test_two_multi_word_names_in_one_comparison_are_read_as_written(
        message: str, expected: list[str]) -> None:
    assert roles_in(message) == expected
