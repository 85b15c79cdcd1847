"""Input hygiene: turn a raw chat message into plain, folded text and tokens.

Everything the chat pipeline understands comes from here, so nothing typed in Discord
markup can steer it: user, role and channel mentions, @everyone/@here, custom emoji,
timestamps, links (bare or masked) and markdown are removed before any word is read.
Unicode is folded (NFKC for full-width letters and ligatures, then combining marks
dropped) and zero-width characters are removed, so "ＭＬＯＰＳ", "mlöps" and "ml\u200bops"
all read as "mlops". Only the first ``MAX_CHARS`` characters are read. The output is
used for understanding only; the user's text is never echoed back.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

#: Longest stretch of a message that is read; the rest is ignored.
MAX_CHARS = 500
#: Raw characters looked at before cleaning (markup shrinks text, so allow some slack).
_RAW_WINDOW = MAX_CHARS * 4

_CODE_FENCE = re.compile(r"```(?:[a-z0-9_+-]*\n)?")
_MENTION = re.compile(r"<(?:@[!&]?|#)\d+>|</[^:>]{1,64}:\d+>|<a?:\w{1,64}:\d+>|<t:-?\d+(?::\w)?>")
_AT_ALL = re.compile(r"@(?:everyone|here)\b", re.IGNORECASE)
_BARE_ID = re.compile(r"@!?&?\d{15,21}\b")
_MASKED_LINK = re.compile(r"\[([^\]\n]{0,200})\]\(\s*<?[^)\s]*>?\s*\)")
_URL = re.compile(r"(?:https?://|www\.)\S+|\b(?:discord\.gg|discord(?:app)?\.com/invite)/\S+",
                  re.IGNORECASE)
_DOMAIN = re.compile(r"\b[\w-]+(?:\.[\w-]+)*\.(?:com|net|org|io|gg|ai|dev|xyz|co|example|app|me)"
                     r"(?:/\S*)?", re.IGNORECASE)
_MARKDOWN = re.compile(r"\|\||\*\*|__|~~|(?<!\w)[*_](?=\w)|(?<=\w)[*_](?!\w)|`")
#: One of these is in every text ``_MARKDOWN`` matches.
_MARKDOWN_CHARS = ("|", "*", "_", "~", "`")
_LINE_MARKS = re.compile(r"(?m)^\s*(?:>>>|>|-#|#{1,3}(?=\s))\s?")
_INVISIBLE = re.compile("[\u00ad\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff]")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_PUNCT_MAP = str.maketrans({
    "\u2018": "'", "\u2019": "'", "\u201b": "'", "\u2032": "'", "`": "'",
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u00ab": '"', "\u00bb": '"',
    "\u2013": "-", "\u2014": "-", "\u2212": "-", "\u2192": " to ", "\u00a0": " ",
})
#: "O*NET" (a source the answers cite) would lose its star to the markdown pass.
_ONET = re.compile(r"\bo\s?\*\s?net\b|\bo net\b")
_APOSTROPHE = re.compile(r"(?<=[a-z])'(?=[a-z])")
_TOKEN = re.compile(r"[a-z0-9]+|[$%#?+]")
_SPACES = re.compile(r"\s+")
_ARROW = re.compile(r"-+>|=+>|\u2192|\u27f6")
_HOMOGLYPHS = str.maketrans({
    # Cyrillic and Greek letters that look like Latin ones ("mlоps" with a Cyrillic o).
    "\u0430": "a", "\u0435": "e", "\u043e": "o", "\u0440": "p", "\u0441": "c",
    "\u0443": "y", "\u0445": "x", "\u0456": "i", "\u0455": "s", "\u0458": "j",
    "\u043a": "k", "\u043c": "m", "\u0442": "t", "\u043d": "h", "\u0432": "b",
    "\u03bf": "o", "\u03b1": "a", "\u03b5": "e", "\u03b9": "i", "\u03ba": "k",
    "\u03bd": "v", "\u03c1": "p", "\u03c4": "t", "\u03c5": "u", "\u03c7": "x",
})


@dataclass(frozen=True, slots=True)
class Cleaned:
    """A message ready to be understood.

    ``text`` is lowercase, folded and free of markup, mentions and links; ``tokens``
    are its words and numbers (apostrophes joined: "i'm" -> "im") plus the symbols
    ``$ % # ? +``, which carry meaning ("150k$", "remote %", "#1").
    """

    text: str
    tokens: tuple[str, ...]
    truncated: bool = False
    had_links: bool = False
    had_mentions: bool = False

    @property
    def is_question(self) -> bool:
        return "?" in self.tokens


def join_names(text: str) -> str:
    """Names whose punctuation would split them into words ("O*NET" -> "onet"), joined
    the way messages are read, so FAQ entries and messages agree on them."""
    return _ONET.sub("onet", text)


def fold_text(text: str) -> str:
    """Unicode-fold and lowercase: full-width to ASCII, accents and zero-widths removed."""
    if text.isascii():
        # The usual message: ASCII is its own NFKC and NFKD, has no combining marks,
        # zero-widths or look-alikes, and casefolds as it lowercases.
        return _CONTROL.sub(" ", text.translate(_PUNCT_MAP).lower())
    text = _INVISIBLE.sub("", text)
    text = unicodedata.normalize("NFKC", text)
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = text.translate(_PUNCT_MAP).casefold().translate(_HOMOGLYPHS)
    return _CONTROL.sub(" ", text)


def clean_message(raw: str, limit: int = MAX_CHARS) -> Cleaned:
    """Strip Discord markup, mentions and links, fold Unicode, bound the length, tokenise.

    Never raises for any string: every step is a regular expression or a Unicode
    normalisation over a bounded prefix of the input.
    """
    if not isinstance(raw, str):
        raw = str(raw)
    window = raw[:_RAW_WINDOW]
    text = fold_text(window)
    # Each pass runs only when the text has a character its pattern cannot match
    # without (most messages have no markup, so most passes are skipped): the result
    # is the same, each skipped pass would have changed nothing.
    had_mentions = bool(("<" in text and _MENTION.search(text))
                        or ("@" in text and (_AT_ALL.search(text) or _BARE_ID.search(text))))
    if "<" in text:
        text = _MENTION.sub(" ", text)
    if "@" in text:
        text = _AT_ALL.sub(" ", text)
        text = _BARE_ID.sub(" ", text)
    maybe_masked = "](" in text
    maybe_url = "/" in text or "www." in text  # every _URL alternative has one
    maybe_domain = "." in text
    had_links = bool((maybe_masked and _MASKED_LINK.search(text))
                     or (maybe_url and _URL.search(text))
                     or (maybe_domain and _DOMAIN.search(text)))
    if maybe_masked:
        text = _MASKED_LINK.sub(lambda m: f" {m.group(1)} " if not _URL.search(m.group(1)) else " ",
                                text)
    if maybe_url:
        text = _URL.sub(" ", text)
    if "." in text:
        text = _DOMAIN.sub(" ", text)
    if ">" in text or "\u2192" in text or "\u27f6" in text:
        text = _ARROW.sub(" to ", text)
    if "```" in text:
        text = _CODE_FENCE.sub(" ", text)
    if "net" in text:
        text = _ONET.sub("onet", text)
    if ">" in text or "#" in text:
        text = _LINE_MARKS.sub(" ", text)
    if any(mark in text for mark in _MARKDOWN_CHARS):
        text = _MARKDOWN.sub(" ", text)
    if "'" in text:
        text = _APOSTROPHE.sub("", text)
    text = _SPACES.sub(" ", text).strip()
    truncated = len(text) > limit or len(raw) > _RAW_WINDOW
    if len(text) > limit:
        cut = text[:limit]
        space = cut.rfind(" ")
        text = cut[:space] if space > limit // 2 else cut
    tokens = tuple(_TOKEN.findall(text))
    return Cleaned(text=text, tokens=tokens, truncated=truncated, had_links=had_links,
                   had_mentions=had_mentions)
