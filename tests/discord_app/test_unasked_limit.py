"""The per-channel limit on unasked answers: discord.py's cooldown buckets, one per channel.

Moved here with the limiter from tests/chat/test_memory.py, when the core's hand-written
``ChannelRateLimiter`` gave way to discord.py's ``CooldownMapping``; the assertions are
the same, the clock is the messages' own time.
"""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest

from bot.discord_app.cogs.conversation import UnaskedSlot, unasked_buckets

START = dt.datetime(2026, 1, 1, 12, 0, tzinfo=dt.UTC)


def message_in(channel_id: str, seconds: float = 0.0) -> SimpleNamespace:
    """What the bucket reads of a message: its channel, and when it was sent."""
    return SimpleNamespace(channel=SimpleNamespace(id=channel_id),
                           created_at=START + dt.timedelta(seconds=seconds))


def test_rate_limiter_allows_a_burst_then_waits_for_the_window() -> None:
    buckets = unasked_buckets(limit=2, window=30)

    def allow(channel: str, at: float = 0.0) -> bool:
        return UnaskedSlot(buckets, message_in(channel, at)).allow(channel)

    def remaining(channel: str, at: float) -> int:
        now = message_in(channel, at).created_at.timestamp()
        return buckets.get_bucket(message_in(channel, at), now).get_tokens(now)

    assert allow("c1") and allow("c1")
    assert not allow("c1")
    assert allow("c2"), "channels are limited separately"
    assert remaining("c1", 31) == 2
    assert allow("c1", 31)


def test_invalid_limits_are_refused() -> None:
    with pytest.raises(ValueError):
        unasked_buckets(limit=0)
    with pytest.raises(ValueError):
        unasked_buckets(window=0)
