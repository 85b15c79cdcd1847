"""Short conversational memory, per (server, channel, user), bounded and expiring.

A follow-up such as "and remote?" or "what's number 2 on that list?" needs what the
last answer was about; "is that above the median for my role?" needs what the user said
about themselves. That is all that is kept: the subject of the last answer, the last
list shown, and a stated role, salary or background. A conversation is forgotten after
``ttl`` seconds of silence, and at most ``max_conversations`` are held (least recently
used dropped first), so memory stays small however many people talk. The clock is
injectable so tests can move time.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field, replace

#: Forget a conversation after this many seconds without a message.
DEFAULT_TTL = 10 * 60
#: Conversations held at once.
DEFAULT_MAX_CONVERSATIONS = 5000
#: Roles remembered in a conversation, most recent first.
MAX_RECENT_ROLES = 4

Key = tuple[str, str, str]


@dataclass(frozen=True, slots=True)
class Topic:
    """What one answer was about, so a follow-up can reuse it."""

    intent: str
    roles: tuple[str, ...] = ()
    facets: tuple[str, ...] = ()
    metric: str | None = None
    #: The list the answer showed (skills, progression, metros), for "number 2 on that list".
    list_kind: str | None = None
    list_items: tuple[str, ...] = ()
    list_role: str | None = None
    criterion: str | None = None
    #: The list position the answer showed ("number 3"), for "and for mlops?".
    ordinal: int | None = None
    #: The source the member asked for ("survey"), kept for follow-ups on the same roles.
    source: str | None = None


@dataclass(frozen=True, slots=True)
class Conversation:
    """Everything remembered about one user in one channel."""

    topic: Topic | None = None
    recent_roles: tuple[str, ...] = ()
    my_role: str | None = None
    my_step: tuple[str, int, str] | None = None
    my_salary: int | None = None
    background: str | None = None
    background_text: str | None = None
    turns: int = 0
    updated: float = field(default=0.0, compare=False)

    def with_roles(self, slugs: tuple[str, ...] | list[str]) -> Conversation:
        """Record roles just discussed, most recent first, without repeats."""
        recent = list(self.recent_roles)
        for slug in reversed(list(slugs)):
            if slug in recent:
                recent.remove(slug)
            recent.insert(0, slug)
        return replace(self, recent_roles=tuple(recent[:MAX_RECENT_ROLES]))


def conversation_key(user_id: str, channel_id: str, guild_id: str | None) -> Key:
    return (str(guild_id or "-"), str(channel_id), str(user_id))


class ConversationMemory:
    """Bounded, expiring store of Conversations; safe to share between threads."""

    def __init__(self, ttl: float = DEFAULT_TTL, max_conversations: int = DEFAULT_MAX_CONVERSATIONS,
                 clock: Callable[[], float] = time.monotonic) -> None:
        if ttl <= 0 or max_conversations <= 0:
            raise ValueError("ttl and max_conversations must be positive")
        self.ttl = ttl
        self.max_conversations = max_conversations
        self.clock = clock
        self._items: OrderedDict[Key, Conversation] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._items)

    def get(self, key: Key) -> Conversation | None:
        """The live conversation for ``key``, or None when there is none or it expired."""
        now = self.clock()
        with self._lock:
            conv = self._items.get(key)
            if conv is None:
                return None
            if now - conv.updated > self.ttl:
                del self._items[key]
                return None
            return conv

    def put(self, key: Key, conv: Conversation) -> None:
        now = self.clock()
        with self._lock:
            self._items[key] = replace(conv, updated=now, turns=conv.turns + 1)
            self._items.move_to_end(key)
            self._prune(now)

    def _prune(self, now: float) -> None:
        while len(self._items) > self.max_conversations:
            self._items.popitem(last=False)
        # Drop expired conversations from the old end; the rest are newer.
        while self._items:
            key, conv = next(iter(self._items.items()))
            if now - conv.updated <= self.ttl:
                break
            del self._items[key]

