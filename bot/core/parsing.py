"""Turn a command's text into a command name, role phrases and options.

People type ``!compare "MLOps Engineer" vs "AI Product Manager"``, ``!COMPARE mlops, pm``
or ``!compare ai product manager mlops``: quotes, separators (vs, commas, "and", "to")
and unquoted multi-word names must all work. Splitting an unquoted run of words into
two roles needs the role index, so ``split_roles`` takes a resolver.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from bot.core import cut_words

#: Longest command text read; the rest is ignored (a role name is never this long).
MAX_COMMAND_CHARS = 500

_QUOTES = str.maketrans({"“": '"', "”": '"', "„": '"', "‘": "'", "’": "'", "«": '"', "»": '"'})
_TOKEN = re.compile(r'"([^"]*)"?|\'([^\']*)\'|(,)|([^\s,]+)')
SEPARATORS = frozenset({"vs", "vs.", "v", "v.", "versus", "and", "&", "or", "to", "into", "->",
                        "→", "with", "|", "/"})
_LEADING_WORDS = frozenset({"from", "between"})
_OPTION = re.compile(r"^([a-z]+):(\S+)$")
#: Bare words that stand for an option after a role (``!salary de trend``): word ->
#: (option, value). Commands without that option drop it like any option they don't take.
BARE_OPTIONS = {word: ("year", "trend") for word in cut_words.words().trend_words}


@dataclass(frozen=True, slots=True)
class ParsedCommand:
    """``name`` as typed (lowercased); ``segments`` are the role phrases in order."""

    name: str
    segments: tuple[str, ...]
    options: dict[str, str] = field(default_factory=dict)
    #: True when the segments came from explicit quotes or separators.
    explicit: bool = False


def parse_command(text: str, prefix: str) -> ParsedCommand | None:
    """Parse ``text`` if it starts with ``prefix``; None when it is not a command."""
    text = text.strip()[:MAX_COMMAND_CHARS]
    if not prefix or not text.startswith(prefix):
        return None
    body = text[len(prefix):].translate(_QUOTES).strip()
    if not body:
        return None
    name, _, rest = body.partition(" ")
    name = name.strip().lower()
    if not re.fullmatch(r"[a-z][a-z0-9_-]*", name):
        return None
    segments: list[str] = []
    current: list[str] = []
    options: dict[str, str] = {}
    explicit = False

    def flush() -> None:
        if current:
            segments.append(" ".join(current))
            current.clear()

    for m in _TOKEN.finditer(rest):
        quoted = m.group(1) if m.group(1) is not None else m.group(2)
        if quoted is not None:
            flush()
            if quoted.strip():
                segments.append(" ".join(quoted.split()))
            explicit = True
        elif m.group(3):
            flush()
            explicit = True
        else:
            word = m.group(4)
            option = _OPTION.match(word.lower())
            if option:
                options[option.group(1)] = option.group(2)
            elif word.lower() in BARE_OPTIONS and (current or segments):
                key, value = BARE_OPTIONS[word.lower()]
                options.setdefault(key, value)
            elif word.lower() in SEPARATORS:
                flush()
                explicit = True
            elif word.lower() in _LEADING_WORDS and not current and not segments:
                continue
            else:
                current.append(word)
    flush()
    return ParsedCommand(name=name, segments=tuple(segments), options=options, explicit=explicit)


Resolver = Callable[[str], float]


def split_roles(segment: str, scorer: Resolver) -> tuple[str, str] | None:
    """Best split of an unquoted run of words into two role phrases.

    ``scorer`` rates how well a phrase names a role (100 exact, lower for typos, 0 none).
    Every split point is tried and the one whose weaker half scores best wins, so
    "ai product manager mlops" splits after "manager".
    """
    words = segment.split()
    best_key: tuple[float, float, int] | None = None
    best_i = 0
    for i in range(1, len(words)):
        left, right = " ".join(words[:i]), " ".join(words[i:])
        sl, sr = scorer(left), scorer(right)
        key = (min(sl, sr), sl + sr, -abs(len(words) - 2 * i))
        if best_key is None or key > best_key:
            best_key, best_i = key, i
    if best_key is None or best_key[0] <= 0:
        return None
    return " ".join(words[:best_i]), " ".join(words[best_i:])
