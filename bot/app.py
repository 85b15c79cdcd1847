"""Wiring: settings -> knowledge base -> advisor (and moderation). Shared by every front end."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.core.advisor import Advisor
from bot.knowledge.build import ensure_database
from bot.knowledge.overlay import overlay_view
from bot.knowledge.store import KnowledgeStore

if TYPE_CHECKING:  # imported when first made: `careerbot ask` never moderates
    from bot.core.advisor import Request
    from bot.core.chat import ChatEngine
    from bot.core.moderation import Moderation
    from bot.core.reply import Reply
    from bot.knowledge.models import Knowledge
    from bot.settings import Settings


def open_store(settings: Settings) -> KnowledgeStore:
    """Build the database if missing or stale, then a store reading it with every server's
    overlay (moderators' edits) applied per view.

    Raises KnowledgeError when the files are invalid and no previous database exists,
    and StoreError when the database cannot be read.
    """
    ensure_database(settings.knowledge_dir, settings.db)
    store = KnowledgeStore(settings.db, overlay=overlay_view)
    store.knowledge()  # fail at start, not on the first message
    return store


class ChatOnFirstQuestion:
    """The chat engine for a one-shot command, made (and its pipeline imported, ~40 ms)
    only when a free-form message needs it, so `careerbot ask '!compare mlops pm'` never
    loads it. It has no ``note_command``: a process that answers one message and exits
    has no follow-up to carry a command's subject to."""

    def __init__(self) -> None:
        self.engine: ChatEngine | None = None

    def __call__(self, request: Request, knowledge: Knowledge) -> Reply | None:
        if self.engine is None:
            from bot.core.chat import ChatEngine

            self.engine = ChatEngine()
        return self.engine(request, knowledge)


def create_advisor(settings: Settings, store: KnowledgeStore | None = None, *,
                   one_shot: bool = False) -> Advisor:
    """An Advisor over ``store`` (by default, a new one from ``open_store``).

    The Advisor answers free-form questions through the chat engine (with per-user,
    per-channel memory), so ``careerbot chat``, ``chat --jsonl``, ``!ask`` and mentions
    take plain questions. The terminal's chat calls ``Advisor.warm()`` at start (the Discord
    bot compiles its templates in a worker thread once connected); a
    one-shot ``careerbot ask`` compiles only the templates its answer uses, and with
    ``one_shot`` makes the chat engine only for a free-form message (``ChatOnFirstQuestion``).
    """
    chat: ChatOnFirstQuestion | ChatEngine
    if one_shot:
        chat = ChatOnFirstQuestion()
    else:
        from bot.core.chat import ChatEngine

        chat = ChatEngine()
    return Advisor(store if store is not None else open_store(settings), chat=chat)


def create_moderation(settings: Settings, store: KnowledgeStore) -> Moderation:
    """Moderation over the same ``store`` as the advisor, so an edit shows in the very next
    answer (Moderation invalidates the store's cache after every change)."""
    from bot.core.moderation import Moderation

    return Moderation(store, default_prefix=settings.prefix)
