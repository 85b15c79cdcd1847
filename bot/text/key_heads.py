"""Key heads: the first letters of lookup keys, to rule a message's spans out before
looking them up (``bot/core/chat/heads.py`` says how the understanding uses them).

Heads are the first 1 to ``HEAD`` letters of each key (a shorter key whole). A role
index keeps the heads of its own keys (``RoleIndex.heads``), made with the index, so the
first question after a start does not walk every alias again to make them.
"""

from __future__ import annotations

import operator
from collections.abc import Iterable

#: How many leading letters of a key are kept.
HEAD = 3
_LONGEST_HEAD = operator.itemgetter(slice(None, HEAD))


def key_heads(keys: Iterable[str]) -> set[str]:
    """The first 1 to ``HEAD`` letters of each of ``keys``: each key's longest head,
    sliced in C (``map``), then the shorter heads from those few (a table of 15,000 keys
    has some thousands of distinct longest heads): the same set as slicing every key
    ``HEAD`` times, at a fraction of the cost."""
    longest = set(map(_LONGEST_HEAD, keys))
    shorter = {head[:n] for head in longest for n in range(1, HEAD)}
    return longest | shorter


def may_begin(heads: frozenset[str], key: str) -> bool:
    """Can a key beginning with ``key`` (a span's first word's key) be one whose heads
    are in ``heads``? Always for an empty ``key`` (a symbol: the span's key begins with
    the next word's)."""
    return not key or key[:HEAD] in heads
