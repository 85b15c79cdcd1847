"""Where a text may be cut without breaking what a reader sees as one character.

Discord limits count code points (Python's ``len``), but a reader sees grapheme clusters:
an ``e`` with its combining accent, a family emoji made of several emoji joined by
zero-width joiners, a flag made of two regional indicators. A cut inside one of those
shows a broken character on both sides, so every cut in replies (message splitting,
embed paging, shortened titles) asks :func:`is_boundary` first.

This is a small approximation of Unicode's extended grapheme clusters (UAX #29) written
for the cases that reach careerbot, without a dependency: combining marks, variation
selectors, emoji modifiers and tags, zero-width joiner sequences, regional-indicator
pairs, Hangul conjoining vowels and finals, and CR LF. Python strings hold code points,
so any index is already a code point boundary; these rules only add preferences on top.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable

ELLIPSIS = "…"
ZWJ = "\u200d"

#: Code point ranges that continue the character before them (never start a cut).
_EXTENDING_RANGES = (
    (0x1160, 0x11FF),    # Hangul conjoining vowels and finals
    (0xD7B0, 0xD7FF),    # Hangul Jamo Extended-B
    (0xFE00, 0xFE0F),    # variation selectors (text or emoji presentation)
    (0x1F3FB, 0x1F3FF),  # emoji skin-tone modifiers
    (0xE0020, 0xE007F),  # emoji tag sequences (subdivision flags)
    (0xE0100, 0xE01EF),  # variation selectors supplement
)
_REGIONAL_INDICATORS = (0x1F1E6, 0x1F1FF)


def _extends(ch: str) -> bool:
    """Whether ``ch`` belongs to the character before it."""
    if ch == ZWJ or unicodedata.category(ch) in ("Mn", "Me", "Mc"):
        return True
    code = ord(ch)
    return any(low <= code <= high for low, high in _EXTENDING_RANGES)


def _regional(ch: str) -> bool:
    return _REGIONAL_INDICATORS[0] <= ord(ch) <= _REGIONAL_INDICATORS[1]


def is_boundary(text: str, i: int) -> bool:
    """Whether cutting ``text`` before index ``i`` leaves every character whole.

    The ends of the text are boundaries. Inside, a cut is refused before a combining mark
    (or any other extending code point), after a zero-width joiner, between CR and LF, and
    between the two regional indicators of one flag.
    """
    if i <= 0 or i >= len(text):
        return True
    before, ch = text[i - 1], text[i]
    if before == "\r" and ch == "\n":
        return False
    if before == ZWJ or _extends(ch):
        return False
    if _regional(before) and _regional(ch):
        run = 0
        j = i - 1
        while j >= 0 and _regional(text[j]):
            run += 1
            j -= 1
        return run % 2 == 0  # indicators pair up from the start of the run
    return True


def last_boundary(text: str, low: int, high: int,
                  avoid: Callable[[int], bool] | None = None) -> int | None:
    """The largest ``i`` with ``low < i <= high`` where ``text`` may be cut, or None.

    A good cut is a grapheme boundary, is not right after a backslash (so a Discord
    markdown escape such as ``\\*`` stays with the character it escapes) and is not one
    ``avoid`` rejects. The scan walks back from ``high``, so it stops at the first good
    position, usually ``high`` itself.
    """
    for i in range(min(high, len(text)), low, -1):
        if text[i - 1] == "\\" or not is_boundary(text, i):
            continue
        if avoid is not None and avoid(i):
            continue
        return i
    return None


def shorten_at(text: str, limit: int, ellipsis: str = ELLIPSIS) -> int:
    """Where to cut ``text`` so that ``text[:cut].rstrip() + ellipsis`` fits ``limit``.

    Prefers the last space when it keeps at least half the room (a name ends on a whole
    word), then the last grapheme boundary, then a code point (a single character longer
    than the limit). The result is always at least 1 and at most ``limit - len(ellipsis)``
    for a ``text`` longer than ``limit``; shorter text is not cut (``len(text)``).
    """
    if len(text) <= limit:
        return len(text)
    room = max(1, limit - len(ellipsis))
    space = text.rfind(" ", 0, room + 1)
    if space > room // 2:
        return space
    return last_boundary(text, 0, room) or room


def shorten(text: str, limit: int, ellipsis: str = ELLIPSIS) -> str:
    """``text`` if it fits ``limit``, else its start with a visible ellipsis.

    Only for what Discord cannot page (an embed title, a field name): everything else is
    split so nothing is lost.
    """
    if len(text) <= limit:
        return text
    return text[: shorten_at(text, limit, ellipsis)].rstrip() + ellipsis
