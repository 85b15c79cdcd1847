"""Wiring: settings -> knowledge base -> advisor. Shared by every front end."""

from __future__ import annotations

from bot.core.advisor import Advisor
from bot.core.chat import ChatEngine
from bot.knowledge.build import ensure_database
from bot.knowledge.store import KnowledgeStore
from bot.settings import Settings


def create_advisor(settings: Settings) -> Advisor:
    """Build the database if missing or stale, then an Advisor reading it.

    The Advisor answers free-form questions through the chat engine (with per-user,
    per-channel memory), so ``careerbot chat`` and ``chat --jsonl`` take plain questions.

    Raises KnowledgeError when the files are invalid and no previous database exists,
    and StoreError when the database cannot be read.
    """
    ensure_database(settings.knowledge_dir, settings.db)
    store = KnowledgeStore(settings.db)
    store.knowledge()  # fail at start, not on the first message
    ChatEngine.warm()
    return Advisor(store, chat=ChatEngine())
