"""One "slow down" note per member per cooldown window, on the real discord.py client.

Issue 10 (defect 6): every command over the cooldown got its own "slow down" reply, so a
burst of a thousand commands brought a thousand notes. Now the first message a member
sends over the cooldown is answered with the note, the rest of that window's messages
(commands or plain questions) get nothing, and the next window starts afresh.

discord.py times cooldowns by each message's snowflake, which the fake mints from
``time.time()``; the ``clock`` fixture holds that still and moves it on demand, so a
"window" passes without the test waiting for it. Before any "no more replies" check the
test waits (within a generous budget) until the bot has handled every message, by a reply
or by a logged drop, so a late reply cannot slip past the check.
"""

from __future__ import annotations

import asyncio
import logging
import types

import pytest

from bot.discord_app.client import COOLDOWN_RATE, COOLDOWN_SECONDS, CareerBot
from bot.discord_app.cooldown_notes import CooldownNotes
from tests.e2e.careerbot_fixtures import MESSAGES, embed_text
from tests.fake_discord import FakeDiscord, FakeMember
from tests.fake_discord import models as fake_models

BURST = 50
SLOW_DOWN = "Slow down"
DROPPED = "dropped a message over the cooldown"


class Clock:
    """The fake's snowflake clock, held still and moved by hand."""

    def __init__(self, now: float) -> None:
        self.now = now

    def time(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    clock = Clock(fake_models.time.time())
    monkeypatch.setattr(fake_models, "time", types.SimpleNamespace(time=clock.time))
    return clock


@pytest.fixture
def debug_log(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.DEBUG, logger="careerbot.discord")
    return caplog


def drops(caplog: pytest.LogCaptureFixture) -> int:
    """Messages the bot has dropped over the cooldown so far (it logs each at debug)."""
    return sum(DROPPED in r.getMessage() for r in caplog.records)


async def settle(fake_discord: FakeDiscord, caplog: pytest.LogCaptureFixture, start: int,
                 dropped_before: int, count: int, budget: float = 60.0) -> None:
    """Wait until the bot has handled ``count`` messages sent since ``start``: replied to
    them or dropped them. A budget against a hang, not a timing."""

    async def handled() -> None:
        while len(fake_discord.find_requests("POST", MESSAGES, since=start)) + \
                drops(caplog) - dropped_before < count:
            await asyncio.sleep(0.01)

    await asyncio.wait_for(handled(), budget)


async def burst(fake_discord: FakeDiscord, member: FakeMember, contents: list[str]) -> int:
    """Send ``contents`` as ``member``; returns the mark before the first message."""
    start = fake_discord.mark()
    for content in contents:
        await fake_discord.send_message(author=member, content=content)
    return start


def replies_to(fake_discord: FakeDiscord, start: int, member: FakeMember) -> list[str]:
    """Texts of the bot's replies since ``start`` to messages ``member`` sent."""
    sent_by = {int(m["id"]) for m in fake_discord.messages.values()
               if int(m["author"]["id"]) == member.user.id}
    return [embed_text(r.json) for r in fake_discord.find_requests("POST", MESSAGES, since=start)
            if int(r.json["message_reference"]["message_id"]) in sent_by]


async def test_a_burst_of_50_commands_gets_one_note_per_window(
        fake_discord: FakeDiscord, careerbot: CareerBot, clock: Clock,
        debug_log: pytest.LogCaptureFixture) -> None:
    alice = fake_discord.alice
    start = await burst(fake_discord, alice, ["!roles"] * BURST)
    await settle(fake_discord, debug_log, start, 0, BURST)
    texts = replies_to(fake_discord, start, alice)
    assert sum("Roles I know" in t for t in texts) == COOLDOWN_RATE
    assert sum(SLOW_DOWN in t for t in texts) == 1
    assert len(texts) == COOLDOWN_RATE + 1
    assert "Try again in" in texts[-1]
    assert drops(debug_log) == BURST - COOLDOWN_RATE - 1

    # The window passes: five more answers and one more note, no more.
    clock.advance(COOLDOWN_SECONDS + 1)
    dropped_before = drops(debug_log)
    start = await burst(fake_discord, alice, ["!salary mlops"] * BURST)
    await settle(fake_discord, debug_log, start, dropped_before, BURST)
    texts = replies_to(fake_discord, start, alice)
    assert sum(SLOW_DOWN in t for t in texts) == 1
    assert len(texts) == COOLDOWN_RATE + 1
    await fake_discord.expect_no_requests("POST", MESSAGES, within=0.2, since=fake_discord.mark())
    assert len(fake_discord.find_requests("POST", MESSAGES, since=start)) == COOLDOWN_RATE + 1


async def test_another_member_is_unaffected(
        fake_discord: FakeDiscord, careerbot: CareerBot, clock: Clock,
        debug_log: pytest.LogCaptureFixture) -> None:
    alice, mod = fake_discord.alice, fake_discord.mod
    start = await burst(fake_discord, alice, ["!roles"] * BURST)
    await settle(fake_discord, debug_log, start, 0, BURST)
    # In alice's window, mod is answered, and told to slow down once in a window of his own.
    dropped_before = drops(debug_log)
    mod_start = await burst(fake_discord, mod, ["!roles"] * (COOLDOWN_RATE + 3))
    await settle(fake_discord, debug_log, mod_start, dropped_before, COOLDOWN_RATE + 3)
    mod_texts = replies_to(fake_discord, mod_start, mod)
    assert sum("Roles I know" in t for t in mod_texts) == COOLDOWN_RATE
    assert sum(SLOW_DOWN in t for t in mod_texts) == 1
    assert len(mod_texts) == COOLDOWN_RATE + 1
    assert sum(SLOW_DOWN in t for t in replies_to(fake_discord, start, alice)) == 1


async def test_commands_and_questions_share_one_note(
        fake_discord: FakeDiscord, careerbot: CareerBot, clock: Clock,
        debug_log: pytest.LogCaptureFixture) -> None:
    me = fake_discord.bot_user.id
    alice = fake_discord.alice
    contents = ["!roles", f"<@{me}> how much do mlops engineers make?"] * (BURST // 2)
    start = await burst(fake_discord, alice, contents)
    await settle(fake_discord, debug_log, start, 0, BURST)
    texts = replies_to(fake_discord, start, alice)
    assert sum(SLOW_DOWN in t for t in texts) == 1
    assert len(texts) == COOLDOWN_RATE + 1


async def test_a_slash_command_over_the_cooldown_is_still_answered_privately(
        fake_discord: FakeDiscord, careerbot: CareerBot, clock: Clock,
        debug_log: pytest.LogCaptureFixture) -> None:
    """Discord shows "the application did not respond" for an unanswered interaction, so
    a slash command gets its (ephemeral, seen by the member alone) note every time."""
    alice = fake_discord.alice
    start = await burst(fake_discord, alice, ["!roles"] * (COOLDOWN_RATE + 2))
    await settle(fake_discord, debug_log, start, 0, COOLDOWN_RATE + 2)
    for _ in range(2):
        inter = await fake_discord.send_slash_command("roles", user=alice)
        callback = await fake_discord.wait_for_interaction_response(inter)
        assert SLOW_DOWN in embed_text(callback["data"])
        assert callback["data"]["flags"] & 64


# -- the bookkeeping on its own ----------------------------------------------------------


def test_one_note_per_window_then_a_fresh_one() -> None:
    notes = CooldownNotes()
    assert notes.should_note("alice", now=100.0, retry_after=4.0)
    assert not notes.should_note("alice", now=101.0, retry_after=3.0)
    assert not notes.should_note("alice", now=103.9, retry_after=0.1)
    assert notes.should_note("bob", now=103.9, retry_after=6.0)
    assert notes.should_note("alice", now=104.0, retry_after=10.0)  # the window ended
    assert not notes.should_note("alice", now=110.0, retry_after=4.0)


def test_memory_is_bounded_and_ended_windows_are_dropped() -> None:
    notes = CooldownNotes(max_members=100)
    for member in range(1_000):
        assert notes.should_note(member, now=0.0, retry_after=10.0)
        assert len(notes) <= 100
    assert len(notes) == 100
    assert notes.should_note("late", now=10.0, retry_after=10.0)
    assert len(notes) == 1  # every earlier window had ended
