"""A busy server: 1,000 commands from 50 members in one burst, on the real discord.py client.

Every command within the cooldown must be answered exactly once, a member past it must
be told to slow down once in the window and the rest of their commands dropped (logged
at debug), each channel's replies must come in the order its messages were sent,
chatter must get no reply, and nothing may be logged at warning level or above. The
cooldown clock is frozen for the burst, so "5 per 10 seconds" means exactly the first
five commands of each member, however long the burst takes on a slow machine.
"""

from __future__ import annotations

import asyncio
import logging
import types
from collections import Counter, defaultdict

import pytest

from bot.core.advisor import Advisor
from bot.discord_app.client import COOLDOWN_RATE
from tests.e2e.careerbot_fixtures import MESSAGES, embed_text, start_careerbot
from tests.e2e.conftest import RunBot
from tests.fake_discord import FakeChannel, FakeDiscord, FakeMember, FakeUser
from tests.fake_discord import models as fake_models

MEMBERS = 50
PER_MEMBER = 20
CHANNELS = 5
COMMANDS = (
    "!compare mlops pm", "!role pm", "!salary mlops", "!skills mlops pm", "!path pm",
    "!week mlops", "!switch mlops pm", "!roles", "!help compare", "!compare mlosp pm",
    '!compare "ML Ops" vs "AI PM"', "!salary ai product manager", "!compare xyzzy pm",
)
CHATTER = ("good morning", "anyone here use mlflow?", "lol")
SLOW_DOWN = "Slow down"
DROPPED = "dropped a message over the cooldown"


@pytest.fixture
def frozen_cooldown_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    """discord.py times cooldowns by each message's snowflake; the fake mints them from
    time.time(), held still here so the whole burst falls in one instant."""
    now = fake_models.time.time()
    monkeypatch.setattr(fake_models, "time", types.SimpleNamespace(time=lambda: now))


async def test_a_burst_of_1000_commands_from_50_members(
        fake_discord: FakeDiscord, run_bot: RunBot, advisor: Advisor,
        frozen_cooldown_clock: None, caplog: pytest.LogCaptureFixture) -> None:
    guild = fake_discord.guild
    channels = [FakeChannel(name=f"busy-{i}", guild_id=guild.id,
                            parent_id=guild.text_channel.parent_id, position=i + 1)
                for i in range(CHANNELS)]
    members = [FakeMember(FakeUser(username=f"member{i}")) for i in range(MEMBERS)]
    guild.channels += channels
    guild.members += members
    caplog.set_level(logging.DEBUG, logger="careerbot.discord")
    bot = await start_careerbot(fake_discord, run_bot, advisor)

    # Round-robin over members, as a busy server interleaves them; each member keeps to
    # one channel, so a channel carries ten members' commands mixed together.
    sent: dict[int, tuple[int, int]] = {}  # message id -> (member, channel)
    order: dict[int, list[int]] = defaultdict(list)  # channel -> message ids as sent
    chatter: set[int] = set()
    start = fake_discord.mark()
    for k in range(PER_MEMBER):
        for i, member in enumerate(members):
            channel = channels[i % CHANNELS]
            msg = await fake_discord.send_message(
                channel.id, author=member, content=COMMANDS[(i + k) % len(COMMANDS)])
            sent[int(msg["id"])] = (i, channel.id)
            order[channel.id].append(int(msg["id"]))
        if k % 5 == 0:
            msg = await fake_discord.send_message(channels[k % CHANNELS].id, author=members[0],
                                                  content=CHATTER[k % len(CHATTER)])
            chatter.add(int(msg["id"]))
    assert len(sent) == MEMBERS * PER_MEMBER == 1000

    # Each member: COOLDOWN_RATE answers and one "slow down" note; the rest dropped.
    expected_replies = MEMBERS * (COOLDOWN_RATE + 1)
    replies = await fake_discord.wait_for_requests("POST", MESSAGES, count=expected_replies,
                                                   since=start, timeout=120)
    for _ in range(12_000):  # a budget against a hang: every surplus command is dropped
        if sum(DROPPED in r.getMessage() for r in caplog.records) >= len(sent) - expected_replies:
            break
        await asyncio.sleep(0.01)
    await fake_discord.expect_no_requests("POST", MESSAGES, within=0.3,
                                          since=fake_discord.mark())
    assert sum(DROPPED in r.getMessage() for r in caplog.records) == len(sent) - expected_replies
    assert len(fake_discord.find_requests("POST", MESSAGES, since=start)) == expected_replies

    answered = Counter(int(r.json["message_reference"]["message_id"]) for r in replies)
    first = {member: sorted(m for m, (i, _) in sent.items() if i == member)[:COOLDOWN_RATE + 1]
             for member in range(MEMBERS)}
    assert set(answered) == {m for ids in first.values() for m in ids}, \
        "a command within the cooldown went unanswered, one past it answered, or chatter answered"
    assert max(answered.values()) == 1, "a command was answered twice"
    assert not chatter & set(answered)

    # In order within each channel.
    for channel_id, ids in order.items():
        got = [int(r.json["message_reference"]["message_id"]) for r in replies
               if int(r.path.split("/")[2]) == channel_id]
        assert got == [i for i in ids if i in answered], f"channel {channel_id}: out of order"

    # Cooldowns: each member's first five commands answered, the sixth told to slow down.
    by_member: dict[int, list[str]] = defaultdict(list)
    by_id = {int(r.json["message_reference"]["message_id"]): embed_text(r.json) for r in replies}
    for message_id in sorted(answered):
        by_member[sent[message_id][0]].append(by_id[message_id])
    for member, texts in by_member.items():
        slowed = [SLOW_DOWN in t for t in texts]
        expected = [False] * COOLDOWN_RATE + [True]
        assert slowed == expected, (member, [t[:60] for t in texts])
        assert all(t.strip() for t in texts)

    assert len(bot.turns) == 0  # every channel's turn was given back
    assert not fake_discord.internal_errors
    unexpected = [f"{r.levelname} {r.name}: {r.getMessage()}" for r in caplog.records
                  if r.levelno >= logging.WARNING]
    assert not unexpected, "\n".join(unexpected[:20])
    assert "Traceback" not in caplog.text
