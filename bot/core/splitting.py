"""Splitting a reply's text into Discord-sized messages (or embed fields), losing nothing.

Used for every text that may be longer than Discord allows: the terminal's messages and
the embeds' descriptions and field values (``bot.discord_app.embeds``). Any text, any
length, is split in a number of passes bounded by its length; see ``split_message``.
"""

from __future__ import annotations

import bisect
import re

from bot.core.text_cuts import is_boundary, last_boundary

#: Discord's limit for one message's content.
MESSAGE_LIMIT = 2000
#: Smallest limit ``split_message`` takes: room for a reopened fence with its language
#: tag, a closing fence, and some text.
MIN_SPLIT_LIMIT = 64

_FENCE = "```"
_CLOSE = "\n```"
#: A reopened fence repeats the opening fence's language tag when it looks like one.
_LANG = re.compile(r"[A-Za-z0-9_+#.-]{1,16}")
#: Punctuation after which text without spaces (Chinese, Japanese) reads naturally cut.
_CJK_BREAKS = frozenset("。！？；，、：」』）")


def split_message(text: str, limit: int = MESSAGE_LIMIT) -> list[str]:
    """Split text into chunks of at most ``limit`` characters for Discord.

    Where it cuts, best first: a paragraph break, a line break, a space, just after CJK
    punctuation (text without spaces), then any grapheme boundary (see
    :mod:`bot.core.text_cuts`), and only when one character is longer than the room, a
    code point. A code block cut across chunks is closed at the end of one chunk and
    reopened, with its language tag, at the start of the next, so both render as code.

    Invariant (the tests check it for generated text): every chunk is 1 to ``limit``
    characters and is not blank; removing from each chunk the fences added at its ends,
    the chunks are consecutive slices of ``text``, in order, separated only by whitespace
    (removed at the cut points and at both ends of the text). So joining them loses no
    character but whitespace. Every chunk but the last holds balanced fences; the last
    holds the text's own balance (an unclosed fence stays unclosed). A blank text gives
    no chunks.

    Termination: each pass emits ``text[pos:cut]`` with ``cut`` past the first
    non-whitespace character at or after ``pos``, and the next pass starts at or after
    ``cut``. So every pass consumes at least one character of input and the loop ends
    after at most ``len(text)`` passes, whatever the text. (The old loop could put back
    more than it took: a long line in a code block made it emit empty fences forever.)
    """
    if limit < MIN_SPLIT_LIMIT:
        raise ValueError(f"limit {limit} is too small to split sensibly (minimum {MIN_SPLIT_LIMIT})")
    return _Splitter(text, limit).chunks()


#: A footer line as ``render_text`` writes it (Discord's subtext).
_FOOTER_LINE = "-# "


#: Where the text a footer takes along may start, best first: (separator, characters of
#: it kept in the chunk before, e.g. the full stop of a sentence).
_FOOTER_COMPANY = (("\n\n", 0), ("\n", 0), (". ", 1), (" ", 0))


def _is_footer(chunk: str) -> bool:
    """Whether a chunk holds only footer lines."""
    return all(line.startswith(_FOOTER_LINE) for line in chunk.splitlines() if line.strip())


class _Splitter:
    """One run of ``split_message``; see its docstring for the invariant."""

    def __init__(self, text: str, limit: int) -> None:
        self.text = text
        self.limit = limit
        self.end = len(text.rstrip())
        # Fences as str.count sees them (non-overlapping, left to right): a cut never
        # falls inside one, so each chunk counts the same fences the whole text has.
        self.fences = [m.start() for m in re.finditer(_FENCE, text)]

    # -- fences ---------------------------------------------------------------------------

    def _fences_before(self, i: int) -> int:
        return bisect.bisect_left(self.fences, i)

    def _open_at(self, i: int) -> bool:
        """Whether a cut at ``i`` falls inside a code block."""
        return self._fences_before(i) % 2 == 1

    def _inside_fence(self, i: int) -> bool:
        k = bisect.bisect_left(self.fences, i) - 1
        return k >= 0 and self.fences[k] < i < self.fences[k] + len(_FENCE)

    def _reopen(self, pos: int) -> str:
        """The fence that starts a chunk at ``pos`` inside a code block, else ""."""
        if not self._open_at(pos):
            return ""
        start = self.fences[self._fences_before(pos) - 1] + len(_FENCE)
        line_end = self.text.find("\n", start)
        tag = self.text[start:line_end] if 0 <= line_end <= pos else ""
        return f"{_FENCE}{tag}\n" if _LANG.fullmatch(tag) else f"{_FENCE}\n"

    # -- cutting --------------------------------------------------------------------------

    def chunks(self) -> list[str]:
        text, limit = self.text, self.limit
        spans: list[list] = []  # [start, end, opener, closer] of each chunk
        pos = self._next_start(0)
        while pos < self.end:
            opener = self._reopen(pos)
            room = limit - len(opener)
            first = pos
            while text[first].isspace():
                first += 1
            if first - pos > room // 4:  # deep indentation would leave a chunk of blanks
                pos = first
            if self.end - pos <= room:
                spans.append([pos, self.end, opener, ""])
                break
            cut = self._cut(pos, first, pos + room)
            if self._open_at(cut) and len(text[pos:cut].rstrip()) + len(_CLOSE) > room:
                cut = self._cut(pos, first, pos + room - len(_CLOSE))
            closer = _CLOSE if self._open_at(cut) else ""
            spans.append([pos, pos + len(text[pos:cut].rstrip()), opener, closer])
            pos = self._next_start(cut)
        self._keep_footer_company(spans)
        return [opener + text[start:end] + closer for start, end, opener, closer in spans]

    def _keep_footer_company(self, spans: list[list]) -> None:
        """A last chunk that is only a footer (``-# `` lines: the sources of the figures)
        takes along the last paragraph of the chunk before it, else its last line, sentence
        or word, whichever is the longest that fits (see ``_FOOTER_COMPANY``):
        a footer alone in a message no longer reads as the source of anything.

        Only plain text moves (no fence in it or around it), so the invariant holds: the
        chunks are still consecutive slices of the text, cut at whitespace.
        """
        if len(spans) < 2:
            return
        prev, last = spans[-2], spans[-1]
        if last[2] or prev[3] or not _is_footer(self.text[last[0]:last[1]]):
            return
        body = self.text[prev[0]:prev[1]]
        for sep, keep in _FOOTER_COMPANY:
            at = body.rfind(sep)
            if at <= 0 or not body[:at + keep].strip():
                continue
            start = self._next_start(prev[0] + at + keep, keep_indent=False)
            if _FENCE in self.text[start:last[0]] or self._open_at(start):
                return
            if last[1] - start > self.limit:
                continue
            prev[1] = prev[0] + len(body[:at + keep].rstrip())
            last[0] = start
            return

    def _cut(self, pos: int, first: int, high: int) -> int:
        """Where to end the chunk starting at ``pos``: ``first < cut <= high``."""
        text = self.text
        window = text[pos:high]
        # A preferred break must keep a quarter of the room (and some text) in the chunk.
        shortest = max((high - pos) // 4, first - pos)
        for sep in ("\n\n", "\n"):
            at = window.rfind(sep)
            if at > shortest:
                return self._tidy(pos, first, high, pos + at)
        at = max(window.rfind(" "), window.rfind("\t"), window.rfind("\u3000"))
        if at > shortest:
            return self._tidy(pos, first, high, pos + at)
        at = max(window.rfind(mark) for mark in _CJK_BREAKS)  # cut just after it
        if at >= shortest and is_boundary(text, pos + at + 1):
            return self._tidy(pos, first, high, pos + at + 1)
        cut = last_boundary(text, first, high, avoid=self._inside_fence)
        if cut is None:  # one character longer than the room: cut between code points
            cut = next(i for i in range(high, first, -1) if not self._inside_fence(i))
        return self._tidy(pos, first, high, cut)

    def _tidy(self, pos: int, first: int, high: int, cut: int) -> int:
        """Move a cut that would leave an empty code block behind or ahead of it."""
        if not self._open_at(cut):
            return cut
        k = self._fences_before(cut) - 1  # the fence that opened this block
        after = self._next_start(cut, keep_indent=False)
        if k + 1 < len(self.fences) and self.fences[k + 1] == after and after + len(_FENCE) <= high:
            return after + len(_FENCE)  # the block closes right here: take its fence along
        opened = self.fences[k]
        body = self.text[opened + len(_FENCE):cut]
        code = body[body.find("\n") + 1:] if "\n" in body else ""
        if opened > first and opened >= pos and not code.strip():
            return opened  # nothing shown in the block yet: start it in the next chunk
        return cut

    def _next_start(self, cut: int, keep_indent: bool = True) -> int:
        """Where the chunk after a cut at ``cut`` starts: whitespace skipped, but the
        indentation of a new line kept (it matters in code blocks)."""
        text = self.text
        i = cut
        while i < len(text) and text[i].isspace():
            i += 1
        if not keep_indent or i >= self.end:
            return i
        j = i
        while j > cut and text[j - 1] in " \t":
            j -= 1
        return j if j == 0 or (j > cut and text[j - 1] == "\n") else i
