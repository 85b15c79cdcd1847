"""Channel turns: first come, first served per channel; independent across channels."""

from __future__ import annotations

import asyncio

import pytest

from bot.discord_app.ordering import ChannelTurns


async def test_turns_follow_arrival_order_within_a_channel() -> None:
    turns = ChannelTurns()
    done: list[tuple[str, int]] = []

    async def command(channel: str, n: int, delay: float) -> None:
        async with turns.turn(channel):
            await asyncio.sleep(delay)  # earlier commands are the slow ones
            done.append((channel, n))

    tasks = [asyncio.create_task(command("a", n, 0.01 * (5 - n))) for n in range(5)]
    tasks.append(asyncio.create_task(command("b", 0, 0)))
    await asyncio.gather(*tasks)
    assert [n for channel, n in done if channel == "a"] == [0, 1, 2, 3, 4]
    assert done.index(("b", 0)) < done.index(("a", 0))  # another channel does not wait
    assert len(turns) == 0


async def test_a_failing_command_gives_its_turn_back() -> None:
    turns = ChannelTurns()
    with pytest.raises(RuntimeError):
        async with turns.turn("a"):
            raise RuntimeError("boom")
    async with turns.turn("a"):
        assert len(turns) == 1
    assert len(turns) == 0
