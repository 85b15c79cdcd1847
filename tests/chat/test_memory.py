"""Conversation memory (bounded, expiring, per user and channel).

The channel rate limiter's tests moved to tests/discord_app/test_unasked_limit.py with it."""

from __future__ import annotations

import tracemalloc
from dataclasses import replace

import pytest

from bot.core.chat.memory import (
    Conversation,
    ConversationMemory,
    Topic,
    conversation_key,
)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_conversation_expires_after_ttl_of_silence() -> None:
    clock = Clock()
    memory = ConversationMemory(ttl=60, clock=clock)
    key = conversation_key("u1", "c1", "g1")
    memory.put(key, Conversation(topic=Topic("figures", ("mlops-engineer",), ("salary",))))
    clock.now += 59
    assert memory.get(key) is not None
    memory.put(key, memory.get(key))  # talking again resets the clock
    clock.now += 59
    assert memory.get(key) is not None
    clock.now += 61
    assert memory.get(key) is None
    assert len(memory) == 0


def test_memory_is_per_user_channel_and_server() -> None:
    memory = ConversationMemory(clock=Clock())
    memory.put(conversation_key("u1", "c1", None), Conversation(my_salary=180000))
    assert memory.get(conversation_key("u2", "c1", None)) is None
    assert memory.get(conversation_key("u1", "c2", None)) is None
    assert memory.get(conversation_key("u1", "c1", "other-guild")) is None
    assert memory.get(conversation_key("u1", "c1", None)).my_salary == 180000


def test_memory_is_bounded_least_recently_used_first() -> None:
    memory = ConversationMemory(max_conversations=3, clock=Clock())
    keys = [conversation_key(f"u{i}", "c", None) for i in range(4)]
    for key in keys[:3]:
        memory.put(key, Conversation())
    memory.get(keys[0])
    memory.put(keys[0], Conversation())  # u0 is now the most recent
    memory.put(keys[3], Conversation())
    assert len(memory) == 3
    assert memory.get(keys[1]) is None
    assert memory.get(keys[0]) is not None


def test_ten_thousand_conversations_are_held_at_once_in_a_few_megabytes() -> None:
    # 10,000 members talking within the TTL all keep their follow-ups (the bound was
    # 5,000, when the 5,001st dropped the first). A Discord-sized conversation (ids of
    # 18-19 digits, a topic with a list) takes under 1 KB; 2 KB each is the budget.
    memory = ConversationMemory(clock=Clock())
    topic = Topic("list", ("mlops-engineer", "ai-engineer"), ("skills",),
                  list_kind="skills", list_items=("python", "kubernetes", "terraform", "sql"))
    keys = [conversation_key(str(312_456_789_012_345_678 + i), str(1_098_765_432_109_876_543 + i % 50),
                             "876543210987654321") for i in range(10_000)]
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for i, key in enumerate(keys):
            conv = Conversation(topic=topic).with_roles(["mlops-engineer"])
            memory.put(key, replace(conv, my_salary=150_000 + i))
        held = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert len(memory) == 10_000
    assert memory.get(keys[0]) is not None and memory.get(keys[-1]).my_salary == 159_999
    assert held < 10_000 * 2048, f"{held / 10_000:.0f} bytes per conversation"


def test_recent_roles_are_ordered_and_bounded() -> None:
    conv = Conversation().with_roles(["a", "b"]).with_roles(["c"]).with_roles(["a"])
    assert conv.recent_roles[:3] == ("a", "c", "b")
    many = Conversation().with_roles([str(i) for i in range(10)])
    assert len(many.recent_roles) <= 4


def test_invalid_limits_are_refused() -> None:
    with pytest.raises(ValueError):
        ConversationMemory(ttl=0)
