"""Shared fixtures: knowledge directories, built databases and advisors.

Tests never touch the checkout's own database: every fixture builds into tmp_path.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.core.advisor import Advisor, Request
from bot.core.chat import ChatEngine
from bot.core.reply import Reply, render_text
from bot.knowledge.build import build_database
from bot.knowledge.models import Knowledge
from bot.knowledge.overlay import overlay_view
from bot.knowledge.store import KnowledgeStore

REPO_ROOT = Path(__file__).resolve().parent.parent
KNOWLEDGE_DIR = REPO_ROOT / "knowledge"


def load_yaml(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def role_file(slug: str, knowledge_dir: Path = KNOWLEDGE_DIR) -> dict:
    """The raw data of one role file, for tests that check figures against the files."""
    return load_yaml(knowledge_dir / "roles" / f"{slug}.yaml")


@pytest.fixture
def kb_dir(tmp_path: Path) -> Path:
    """A private copy of the repository's knowledge directory, safe to edit."""
    target = tmp_path / "knowledge"
    shutil.copytree(KNOWLEDGE_DIR, target)
    return target


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "data" / "careerbot.db"


@contextmanager
def repo_advisor(folder: Path, *, chat: bool = True) -> Iterator[Advisor]:
    """An advisor over the repository's knowledge built into ``folder`` (a module's
    temporary folder), wired as ``careerbot`` wires it, or with commands only; for modules
    whose tests edit nothing, so one build serves the module."""
    db = folder / "kb.db"
    build_database(KNOWLEDGE_DIR, db)
    store = KnowledgeStore(db, overlay=overlay_view)
    try:
        yield Advisor(store, chat=ChatEngine() if chat else None)
    finally:
        store.close()


def repo_knowledge(folder: Path) -> Knowledge:
    """The global view of the repository's knowledge, built into ``folder``."""
    with repo_advisor(folder, chat=False) as advisor:
        return advisor.knowledge()


@pytest.fixture
def make_advisor(tmp_path: Path) -> Callable[[Path], Advisor]:
    """Build ``knowledge_dir`` into a fresh database and return an Advisor over it, wired
    as ``careerbot`` wires it (server overlays, the chat engine for plain questions)."""
    stores: list[KnowledgeStore] = []

    def make(knowledge_dir: Path = KNOWLEDGE_DIR, name: str = "kb.db") -> Advisor:
        db = tmp_path / "dbs" / name
        build_database(knowledge_dir, db)
        store = KnowledgeStore(db, overlay=overlay_view)
        stores.append(store)
        return Advisor(store, chat=ChatEngine())

    yield make
    for store in stores:
        store.close()


@pytest.fixture
def advisor(make_advisor: Callable[[Path], Advisor]) -> Advisor:
    """An Advisor over the repository's knowledge files."""
    return make_advisor(KNOWLEDGE_DIR)


@pytest.fixture
def ask(advisor: Advisor) -> Callable[[str], str]:
    """Send one message as a user would and get the text the bot would post."""

    def _ask(text: str, **kwargs: Any) -> str:
        return render_text(advisor.handle(Request(text=text, **kwargs)))

    return _ask


@pytest.fixture
def ask_reply(advisor: Advisor) -> Callable[[str], Reply]:
    def _ask(text: str, **kwargs: Any) -> Reply:
        return advisor.handle(Request(text=text, **kwargs))

    return _ask


def write_role(knowledge_dir: Path, data: dict) -> Path:
    """Write a role file into a (test) knowledge directory."""
    path = knowledge_dir / "roles" / f"{data['slug']}.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path
