"""The shared cooldown with 10,000 active members (issue 16, item 4): discord.py scans
every bucket on every message to drop expired ones; careerbot's mapping sweeps once per
``COOLDOWN_SWEEP_SECONDS``, and still limits and forgets as discord.py's does."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from discord.ext import commands

from bot.discord_app.client import (
    COOLDOWN_RATE,
    COOLDOWN_SECONDS,
    COOLDOWN_SWEEP_SECONDS,
    SweptCooldownMapping,
)

MEMBERS = 10_000


def _message(member: int) -> Any:
    return SimpleNamespace(author=SimpleNamespace(id=member))


def _mapping() -> SweptCooldownMapping:
    return SweptCooldownMapping(commands.Cooldown(COOLDOWN_RATE, COOLDOWN_SECONDS),
                                commands.BucketType.user)


def test_ten_thousand_active_members_cost_one_sweep_per_period(
        monkeypatch: pytest.MonkeyPatch) -> None:
    scanned: list[int] = []
    sweep = commands.CooldownMapping._verify_cache_integrity

    def counted(self: commands.CooldownMapping, current: float | None = None) -> None:
        scanned.append(len(self._cache))
        sweep(self, current)

    monkeypatch.setattr(commands.CooldownMapping, "_verify_cache_integrity", counted)
    mapping = _mapping()
    now = 1_000.0
    for member in range(MEMBERS):  # everyone sends within one second
        assert mapping.update_rate_limit(_message(member), now + member / MEMBERS) is None
    # One full scan (the first message's), not one per message over a growing cache.
    assert scanned == [0]
    assert len(mapping._cache) == MEMBERS


def test_the_cooldown_still_limits_and_forgets() -> None:
    mapping = _mapping()
    now = 5_000.0
    for _ in range(COOLDOWN_RATE):
        assert mapping.update_rate_limit(_message(1), now) is None
    assert mapping.update_rate_limit(_message(1), now) is not None  # over the rate
    assert mapping.update_rate_limit(_message(2), now) is None  # someone else is not
    # After the window the member may send again, though their bucket was not swept yet.
    later = now + COOLDOWN_SECONDS + 0.5
    assert later < now + COOLDOWN_SWEEP_SECONDS + COOLDOWN_SECONDS
    assert mapping.update_rate_limit(_message(1), later) is None
    # A sweep period on, the buckets of members silent for a window are dropped.
    mapping.update_rate_limit(_message(3), later + COOLDOWN_SWEEP_SECONDS + COOLDOWN_SECONDS)
    assert set(mapping._cache) == {3}
    assert isinstance(mapping.copy(), SweptCooldownMapping)
