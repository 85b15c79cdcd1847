"""At most one "slow down" note per member per cooldown window.

A member over the cooldown used to get a note for every command and question, so a
burst of a thousand commands brought a thousand notes: noise in the channel and a
thousand API calls, the very load the cooldown is there to shed. The first time a
member is held back in a window they are told, with the wait; after that, until the
window ends, further commands and questions are dropped without a reply.

The window a note covers is the one the cooldown reports: it ends ``retry_after``
seconds after the held-back message, when the member may be answered again. Times are
the messages' own timestamps (Discord's snowflakes), the clock discord.py's cooldowns
use, so the two always agree, also in tests that hold that clock still or move it.

Memory is bounded: an entry lives until its window ends, expired entries are dropped
as new ones arrive, and past ``MAX_MEMBERS`` the oldest is dropped (at worst that
member could get a second note in the same window).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable

#: Members held back at once whose note is remembered (far above any real burst).
MAX_MEMBERS = 10_000


class CooldownNotes:
    """Decides, per member, whether a held-back message gets a "slow down" note."""

    def __init__(self, max_members: int = MAX_MEMBERS) -> None:
        if max_members < 1:
            raise ValueError("max_members must be at least 1")
        self.max_members = max_members
        #: member -> when their current window ends; in insertion order, oldest first.
        self._until: OrderedDict[Hashable, float] = OrderedDict()

    def should_note(self, member: Hashable, now: float, retry_after: float) -> bool:
        """True when ``member``, held back at ``now`` for ``retry_after`` seconds, has not
        been told in this window yet; the note then counts as sent."""
        self._expire(now)
        until = self._until.get(member)
        if until is not None and now < until:
            return False
        self._until.pop(member, None)
        while len(self._until) >= self.max_members:
            self._until.popitem(last=False)
        self._until[member] = now + max(retry_after, 0.0)
        return True

    def _expire(self, now: float) -> None:
        """Drop the windows that have ended, from the oldest, stopping at a live one.

        Windows are at most one cooldown long, so insertion order is close to expiry
        order; an ended entry behind a live one goes on a later call or by the cap.
        """
        while self._until:
            member, until = next(iter(self._until.items()))
            if until > now:
                break
            del self._until[member]

    def __len__(self) -> int:
        """Members with a live window (for tests: memory stays bounded)."""
        return len(self._until)
