"""Channel turns: first come, first served per channel; independent across channels."""

from __future__ import annotations

import asyncio

import pytest

from bot.discord_app.ordering import ChannelTurns

#: Seconds before a test that should finish at once is called hung.
HANG = 5.0


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


async def test_a_message_arriving_at_the_hand_over_queues_behind_the_one_waiting() -> None:
    # Why the turns are not discord.py's max_concurrency(1, per=channel, wait=True): its
    # semaphore lets a newcomer take the slot between a release and the woken waiter
    # running, and the waiter then queues again at the back (seen on discord.py 2.7.1:
    # the order came out holder, late, early). asyncio.Lock hands the turn to the waiter.
    turns = ChannelTurns()
    done: list[str] = []

    async def command(name: str) -> None:
        async with turns.turn("a"):
            done.append(name)

    async def holder() -> None:
        async with turns.turn("a"):
            done.append("holder")
            await asyncio.sleep(0.02)
        await command("late")  # arrives in the same step as the hand-over

    first = asyncio.create_task(holder())
    await asyncio.sleep(0.005)
    waiting = asyncio.create_task(command("early"))
    await asyncio.gather(first, waiting)
    assert done == ["holder", "early", "late"]
    assert len(turns) == 0


class _Queue:
    """A channel held by "holder" until ``release`` is set, with commands queued behind."""

    def __init__(self) -> None:
        self.turns = ChannelTurns()
        self.done: list[str] = []
        self.release = asyncio.Event()

    async def command(self, name: str) -> None:
        async with self.turns.turn("a"):
            self.done.append(name)
            if name == "holder":
                await self.release.wait()

    async def start(self, *names: str) -> list[asyncio.Task[None]]:
        """The holder's task, then one per name queued behind it, in that order."""
        tasks = [asyncio.create_task(self.command("holder"))]
        await asyncio.sleep(0)
        tasks += [asyncio.create_task(self.command(name)) for name in names]
        await asyncio.sleep(0)
        return tasks


async def test_a_waiter_cancelled_while_waiting_leaves_the_queue() -> None:
    q = _Queue()
    holder, cancelled, last = await q.start("cancelled", "last")
    cancelled.cancel()
    await asyncio.sleep(0)
    q.release.set()
    await asyncio.wait_for(asyncio.gather(holder, last), HANG)
    assert cancelled.cancelled()
    assert q.done == ["holder", "last"]
    assert len(q.turns) == 0


async def test_a_waiter_cancelled_as_it_is_handed_the_turn_passes_it_on() -> None:
    q = _Queue()
    holder, handed, last = await q.start("handed", "last")
    q.release.set()
    while not holder.done():  # the holder leaves and hands its turn to "handed"...
        await asyncio.sleep(0)
    handed.cancel()  # ...which is cancelled before it runs again
    await asyncio.wait_for(last, HANG)  # a lost turn would leave it waiting for ever
    assert handed.cancelled()
    assert q.done == ["holder", "last"]
    assert len(q.turns) == 0
