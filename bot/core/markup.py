"""Make untrusted text safe to show on Discord.

Values from knowledge files, moderators and users pass through here before they reach
a reply: markdown is escaped so a value cannot restyle the answer or hide a link, and
mentions are broken with a zero-width space so nothing pings even if a front end
forgets its AllowedMentions. Template syntax in values is inert because values are
never rendered as templates, only inserted into them.
"""

from __future__ import annotations

import re
from functools import lru_cache

ZWSP = "\u200b"
_MENTION = re.compile(r"@(everyone|here)|<(@[!&]?|#)(\d+)>|@(?=[!&]?\d{15,21})")
_MARKDOWN = re.compile(r"([\\*_~`|>\[\]])")
_LINE_START = re.compile(r"(?m)^(\s*)([#\-+]|\d+\.)(?=\s)")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def escape_mentions(text: str) -> str:
    """Break @everyone, @here, and user/role/channel mentions so they cannot ping."""

    def _break(m: re.Match[str]) -> str:
        if m.group(1):
            return f"@{ZWSP}{m.group(1)}"
        if m.group(2):
            return f"<{m.group(2)}{ZWSP}{m.group(3)}>"
        return f"@{ZWSP}"

    return _MENTION.sub(_break, text)


def escape_markdown(text: str) -> str:
    """Escape Discord markdown so the text shows literally."""
    text = _MARKDOWN.sub(r"\\\1", text)
    return _LINE_START.sub(r"\1\\\2", text)


#: Values up to this long are remembered once escaped: the same role names, skills and
#: sentences fill every answer, and escaping them again each time was most of the cost
#: of rendering one. Longer values (rare, mostly pasted text) are escaped every time.
_REMEMBER_CHARS = 1024


def clean(text: str) -> str:
    """Escape a value for the body of a reply: no control characters, markdown or mentions."""
    if len(text) > _REMEMBER_CHARS:
        return _clean(text)
    return _clean_remembered(text)


def _clean(text: str) -> str:
    return escape_mentions(escape_markdown(_CONTROL.sub("", text)))


_clean_remembered = lru_cache(maxsize=4096)(_clean)


def clean_code(text: str) -> str:
    """Escape a value shown inside a code block: backticks and mentions only."""
    if len(text) > _REMEMBER_CHARS:
        return _clean_code(text)
    return _clean_code_remembered(text)


def _clean_code(text: str) -> str:
    return escape_mentions(_CONTROL.sub("", text).replace("`", "'"))


_clean_code_remembered = lru_cache(maxsize=4096)(_clean_code)
