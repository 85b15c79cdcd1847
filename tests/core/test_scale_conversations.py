"""With 10,000 members talking at once, every follow-up within the time limit finds its
context (issue 16, item 4), through the real advisor and chat engine on a moved clock."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.core.advisor import Advisor, Request
from bot.core.chat import ChatEngine
from bot.core.chat.memory import DEFAULT_MAX_CONVERSATIONS, DEFAULT_TTL, ConversationMemory
from bot.knowledge.build import build_database
from bot.knowledge.overlay import overlay_view
from bot.knowledge.store import KnowledgeStore
from tests.conftest import KNOWLEDGE_DIR

MEMBERS = 10_000
#: Simulated seconds between two messages: 10,000 first messages take 500 s, so each
#: member's follow-up comes 500 s (under the 600 s limit) after their first message.
STEP_S = 0.05


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def talk(tmp_path: Path) -> Iterator[tuple[Advisor, Clock]]:
    clock = Clock()
    build_database(KNOWLEDGE_DIR, tmp_path / "kb.db")
    store = KnowledgeStore(tmp_path / "kb.db", overlay=overlay_view)
    yield Advisor(store, chat=ChatEngine(ConversationMemory(clock=clock))), clock
    store.close()


def _ask(advisor: Advisor, member: int, text: str) -> tuple[str, ...]:
    reply = advisor.handle(Request(text=text, user_id=str(312_456_789_012_345_678 + member),
                                   channel_id=str(1_098_765_432_109_876_543 + member % 50),
                                   guild_id="876543210987654321"))
    return reply.roles


def test_every_follow_up_within_the_limit_finds_its_context(talk: tuple[Advisor, Clock]) -> None:
    advisor, clock = talk
    assert MEMBERS <= DEFAULT_MAX_CONVERSATIONS and MEMBERS * STEP_S < DEFAULT_TTL
    slugs = sorted(advisor.knowledge().roles)
    role = {m: slugs[m % len(slugs)] for m in range(MEMBERS)}
    for member in range(MEMBERS):
        assert _ask(advisor, member, f"!salary {role[member]}") == (role[member],)
        clock.now += STEP_S
    lost = []
    for member in range(MEMBERS):
        if _ask(advisor, member, "and remote?") != (role[member],):
            lost.append(member)
        clock.now += STEP_S
    assert not lost, f"{len(lost)} of {MEMBERS} follow-ups lost their context, first {lost[:5]}"
    # Past the limit of silence the context is gone, as it should be.
    clock.now += DEFAULT_TTL + 1
    assert _ask(advisor, 0, "and remote?") == ()
