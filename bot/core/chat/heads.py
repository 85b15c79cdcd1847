"""Key heads: the first letters of lookup keys, to rule message spans out before looking up.

The understanding scans every span of a message against the role index, the career
steps and the skills, and nearly every span names nothing. A span's key begins with
its first word's key, so when no key of the table begins with those letters, no span
from that word can be found there, and the lookups (several dict probes and method
calls a span) are skipped. Only a cheap necessary condition is tested: every span
that could be found is still looked up exactly as before, so no answer changes.

Heads are the first 1 to ``HEAD`` letters of each key (a shorter key whole): at most
36 + 36**2 + 36**3 strings for keys of letters and digits, however many roles, skills
or servers there are. One ``KeyHeads`` per kind of table keeps the union of the heads
of every table it was shown; a superset rules out less but never wrongly, so every
server's view shares one bounded set and memory does not grow with servers. Each
owner (a role index, a catalogue) is read once, remembered weakly.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable, Iterable

from bot.text.key_heads import HEAD, key_heads, may_begin

__all__ = ["HEAD", "KeyHeads", "may_begin"]


class KeyHeads:
    """The heads of every key of the tables shown so far (see the module docstring)."""

    def __init__(self) -> None:
        self.heads: frozenset[str] = frozenset()
        #: id(owner) -> owner, for the owners whose keys are in ``heads``.
        self._read: weakref.WeakValueDictionary[int, object] = weakref.WeakValueDictionary()
        self._lock = threading.RLock()

    def of(self, owner: object, keys: Callable[[], Iterable[str]]) -> frozenset[str]:
        """The heads, including those of ``keys()`` (the keys ``owner`` can find), which
        is called only the first time ``owner`` is shown."""
        if self._read.get(id(owner)) is owner:
            return self.heads
        with self._lock:
            added = key_heads(keys()) - self.heads
            if added:
                self.heads = self.heads | added
            # After the heads: a reader that finds the owner read finds its heads too.
            self._read[id(owner)] = owner
        return self.heads

    def seen(self, owner: object) -> bool:
        """Are ``owner``'s keys among the heads already?"""
        return self._read.get(id(owner)) is owner
