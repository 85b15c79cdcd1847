"""Fixtures for the chat tests: an advisor with the chat engine, and a bigger knowledge base.

``wide_kb`` adds roles the way the open-data import does: figures from a salary survey
(percentiles, mean, median and n, but no open positions and no average range), skills
from O*NET, more aliases. The chat pipeline must answer for any role and decline
cleanly where a figure is missing, never calling survey responses "openings".
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.core.advisor import Advisor, Request
from bot.core.chat import ChatEngine, ConversationMemory
from bot.core.reply import Reply, render_text
from bot.knowledge.build import build_database
from bot.knowledge.store import KnowledgeStore
from tests.conftest import KNOWLEDGE_DIR, write_role

SURVEY_SOURCE = {
    "id": "test-survey-2024",
    "name": "Test salary survey",
    "kind": "salary survey",
    "date": "2024",
    "note": "Survey responses, not job postings.",
    "attribution": "Test attribution line.",
}

SURVEY_ROLES: list[dict[str, Any]] = [
    {
        "slug": "prompt-engineer",
        "name": "Prompt Engineer",
        "aliases": ["prompt engineer", "prompt eng", "prompt engineers"],
        "focus": "Designs and tests the prompts LLM features run on.",
        "stats": [{"source": "test-survey-2024", "as_of": "2024",
                   "salary": {"p25": 121000, "median": 152000, "p75": 188000, "mean": 157000,
                              "n": 812},
                   "remote_pct": 31, "experience": {"senior": 51, "mid": 33, "entry": 12,
                                                    "executive": 4}}],
        "skills": {"source": "test-survey-2024", "top": ["Python", "SQL", "Evaluation",
                                                         "Writing", "AWS"]},
    },
    {
        "slug": "robotics-engineer",
        "name": "Robotics Engineer",
        "aliases": ["robotics engineer", "robotics eng"],
        "focus": "Builds the software that moves robots.",
        "stats": [{"source": "test-survey-2024", "as_of": "2024",
                   "salary": {"p25": 142000, "median": 181000, "p75": 226000, "mean": 186000,
                              "n": 530}}],
    },
    {
        "slug": "ux-researcher",
        "name": "UX Researcher",
        "aliases": ["ux researcher", "uxr"],
        "focus": "Studies how people use AI products.",
        "stats": [{"source": "test-survey-2024", "as_of": "2024",
                   "salary": {"median": 141000, "n": 44}}],
    },
]


def make_wide_kb(target: Path) -> Path:
    """A copy of the repository's knowledge plus three survey-only roles."""
    shutil.copytree(KNOWLEDGE_DIR, target)
    sources_path = target / "sources.yaml"
    data = yaml.safe_load(sources_path.read_text(encoding="utf-8"))
    data["sources"].append(SURVEY_SOURCE)
    sources_path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    for role in SURVEY_ROLES:
        write_role(target, role)
    return target


def chat_advisor(knowledge_dir: Path, db: Path, memory: ConversationMemory | None = None
                 ) -> tuple[Advisor, KnowledgeStore]:
    build_database(knowledge_dir, db)
    store = KnowledgeStore(db)
    return Advisor(store, chat=ChatEngine(memory)), store


@pytest.fixture
def chat(tmp_path: Path) -> Advisor:
    """An Advisor over the repository's knowledge with the chat engine plugged in."""
    advisor, store = chat_advisor(KNOWLEDGE_DIR, tmp_path / "chat.db")
    yield advisor
    store.close()


@pytest.fixture
def wide_chat(tmp_path: Path) -> Advisor:
    """An Advisor over the knowledge plus survey-only roles."""
    kb = make_wide_kb(tmp_path / "wide")
    advisor, store = chat_advisor(kb, tmp_path / "wide.db")
    yield advisor
    store.close()


Say = Callable[..., Reply]


def sayer(advisor: Advisor, user: str = "u1", channel: str = "c1") -> Callable[..., Reply]:
    """Send messages as one user in one channel; returns the Reply (text via .text)."""

    def say(text: str, **kwargs: Any) -> Reply:
        kwargs.setdefault("user_id", user)
        kwargs.setdefault("channel_id", channel)
        return advisor.handle(Request(text=text, **kwargs))

    return say


def text(reply: Reply) -> str:
    return render_text(reply)
