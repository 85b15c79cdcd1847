"""Helpers shared by the moderation tests: a built database, stores with overlays, actors.

Figures are read from the knowledge files (``role_file``), never copied into tests.
"""

from __future__ import annotations

from pathlib import Path

from bot.core.advisor import Advisor, Request
from bot.core.moderation import Moderation
from bot.core.reply import render_text
from bot.knowledge.build import build_database
from bot.knowledge.overlay import overlay_view
from bot.knowledge.permissions import Actor
from bot.knowledge.store import KnowledgeStore
from tests.conftest import KNOWLEDGE_DIR, role_file

MLOPS = "mlops-engineer"
PM = "ai-product-manager"


def mlops_stats() -> dict:
    """The MLOps Engineer's first snapshot, as the file states it."""
    return role_file(MLOPS)["stats"][0]


def source_id() -> str:
    return mlops_stats()["source"]


def build(tmp_path: Path, knowledge_dir: Path = KNOWLEDGE_DIR) -> Path:
    db = tmp_path / "data" / "careerbot.db"
    build_database(knowledge_dir, db)
    return db


def store_for(db: Path) -> KnowledgeStore:
    return KnowledgeStore(db, overlay=overlay_view)


def moderator(guild: str = "42", name: str = "Mo", user: str = "100") -> Actor:
    return Actor(user_id=user, name=name, guild_id=guild, manage_guild=True)


def member(guild: str = "42", roles: frozenset[str] = frozenset()) -> Actor:
    return Actor(user_id="200", name="Member", guild_id=guild, role_ids=roles)


def owner(guild: str | None = None) -> Actor:
    return Actor(user_id="1", name="Owner", guild_id=guild, is_owner=True, via="cli")


class World:
    """A database, a store over it, the advisor and moderation on top: one bot."""

    def __init__(self, db: Path) -> None:
        self.db = db
        self.store = store_for(db)
        self.advisor = Advisor(self.store)
        self.moderation = Moderation(self.store)

    def ask(self, text: str, guild: str | None = None) -> str:
        return render_text(self.advisor.handle(Request(text=text, guild_id=guild)))

    def close(self) -> None:
        self.store.close()
