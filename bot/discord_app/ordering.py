"""Answer each channel's commands in the order they were sent.

discord.py runs every message as its own task, and replies take different paths (an
answer is sent by the command, a "slow down" note by the error handler), so in a busy
channel a later message's answer could overtake an earlier one's. Each prefix command
therefore takes its channel's turn before it runs and keeps it until its reply (or its
error reply) is sent. Turns are handed out first come, first served: a message's task
asks for its turn before its first await, so the queue is in arrival order. A turn is
not re-entrant: code inside a command must not ``bot.invoke`` another context for the
same channel (``ctx.invoke`` and subcommands are fine: they do not take a turn).

Why not discord.py's ``max_concurrency(1, per=BucketType.channel, wait=True)``: it is
per command, so a command and a plain question (or two commands) would not share a
channel's slot; it is taken after the checks and given back before the error handler
replies, so a "slow down" note would still race; and its semaphore is not first come,
first served (a message arriving as the slot is handed over takes it, and the waiter
queues again at the back). With ``wait=False`` it rejects instead of queueing.

A turn is a plain object with ``__aenter__``/``__aexit__`` rather than an
``asynccontextmanager`` around an ``asyncio.Lock``: every prefix command and question
takes one, and the generator-based manager plus a new lock per message cost more than
the rest of the bookkeeping. A free channel is entered with one dict lookup; only a
message that must wait gets a future, queued in arrival order.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from collections.abc import Hashable
from types import TracebackType

#: Per channel with a turn taken: the futures of the messages waiting for it, in order.
Waiting = dict[Hashable, deque[asyncio.Future[None]]]


class ChannelTurns:
    """One first-come, first-served turn per channel, kept only while someone holds or
    waits for it."""

    def __init__(self) -> None:
        self._waiting: Waiting = {}

    def turn(self, channel: Hashable) -> Turn:
        """``async with turns.turn(channel):`` runs its body in the channel's turn."""
        return Turn(self._waiting, channel)

    def __len__(self) -> int:
        """Channels with a command running or waiting (for tests: none leak)."""
        return len(self._waiting)


class Turn:
    """Taking and giving back one channel's turn (see ``ChannelTurns.turn``)."""

    __slots__ = ("_channel", "_waiting")

    def __init__(self, waiting: Waiting, channel: Hashable) -> None:
        self._waiting = waiting
        self._channel = channel

    async def __aenter__(self) -> None:
        queue = self._waiting.get(self._channel)
        if queue is None:  # free: take it without waiting
            self._waiting[self._channel] = deque()
            return
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        queue.append(waiter)
        try:
            await waiter
        except asyncio.CancelledError:
            if waiter.done() and not waiter.cancelled():
                _hand_over(self._waiting, self._channel)  # handed the turn as cancelled
            else:
                with contextlib.suppress(ValueError):  # a hand-over may have skipped it
                    queue.remove(waiter)
            raise

    async def __aexit__(self, exc_type: type[BaseException] | None,
                        exc: BaseException | None, tb: TracebackType | None) -> None:
        _hand_over(self._waiting, self._channel)


def _hand_over(waiting: Waiting, channel: Hashable) -> None:
    """Give ``channel``'s turn to its first live waiter, or free the channel."""
    queue = waiting[channel]
    while queue:
        waiter = queue.popleft()
        if not waiter.done():
            waiter.set_result(None)
            return
    del waiting[channel]
