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
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Hashable


class ChannelTurns:
    """One FIFO lock per channel, kept only while someone holds or waits for it."""

    def __init__(self) -> None:
        self._locks: dict[Hashable, tuple[asyncio.Lock, int]] = {}

    @contextlib.asynccontextmanager
    async def turn(self, channel: Hashable) -> AsyncIterator[None]:
        lock, users = self._locks.get(channel, (None, 0))
        if lock is None:
            lock = asyncio.Lock()
        self._locks[channel] = (lock, users + 1)
        try:
            async with lock:
                yield
        finally:
            lock, users = self._locks[channel]
            if users <= 1:
                del self._locks[channel]
            else:
                self._locks[channel] = (lock, users - 1)

    def __len__(self) -> int:
        """Channels with a command running or waiting (for tests: none leak)."""
        return len(self._locks)
