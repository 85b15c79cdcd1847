"""The words for the salary survey's cuts, read from ``cut_words.yaml`` and validated.

Commands (``!salary ds level:entry``) and chat (``bot.core.chat.pay_cuts``) share one
vocabulary, so "uk", "gb" and "britain" mean the same cell everywhere, and replies name
a cell the same way ("entry level", "UK companies", "work year 2023", "fully remote").
The file is data, reviewed like the mappings; this module checks its shape once, when
first used, and fails loudly naming the problem (a broken vocabulary is a bug in the
release, never a member's fault).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from bot.knowledge.models import CUT_DIMENSIONS, Role, SurveyCut

WORDS_FILE = Path(__file__).with_name("cut_words.yaml")


@dataclass(frozen=True, slots=True)
class CutWords:
    """The validated vocabulary: value -> label, and word -> value, per dimension."""

    level_labels: dict[str, str]
    level_words: dict[str, str]
    country_names: dict[str, str]
    country_companies: dict[str, str]
    country_words: dict[str, str]
    #: What a member types for a country, as errors list it: its first word ("uk" for GB).
    country_typed: dict[str, str]
    remote_labels: dict[str, str]
    remote_words: dict[str, str]
    trend_words: frozenset[str]
    chat: dict[str, Any]


def _fail(problem: str) -> None:
    raise ValueError(f"{WORDS_FILE.name}: {problem}")


def _valued(data: Any, key: str, fields: tuple[str, ...]) -> dict[str, dict[str, Any]]:
    block = data.get(key)
    if not isinstance(block, dict) or not block:
        _fail(f"{key} must be a mapping of value to {', '.join(fields)} and words")
    for value, entry in block.items():
        if not isinstance(entry, dict) or not all(isinstance(entry.get(f), str) for f in fields):
            _fail(f"{key}.{value} needs {', '.join(fields)}")
        words = entry.get("words")
        if not isinstance(words, list) or not all(isinstance(w, str) and w == w.lower()
                                                  for w in words):
            _fail(f"{key}.{value}.words must be a list of lowercase words")
    return {str(k): v for k, v in block.items()}


def _word_index(block: dict[str, dict[str, Any]], key: str) -> dict[str, str]:
    index: dict[str, str] = {}
    for value, entry in block.items():
        for word in [value.lower(), *entry["words"]]:
            if index.get(word, value) != value:
                _fail(f"{key}: {word!r} names both {index[word]} and {value}")
            index[word] = value
    return index


#: The chat block's lists of phrases (each a list of lowercase strings).
CHAT_LISTS = ("country_short_words", "country_after_cue", "country_cues", "country_pair_joins",
              "trend_phrases", "trend_not_phrases", "forecast_phrases", "remote_phrases")


def _check_chat(chat: dict[str, Any]) -> None:
    for key in CHAT_LISTS:
        phrases = chat.get(key)
        if not isinstance(phrases, list) or not all(isinstance(p, str) and p == p.lower()
                                                    for p in phrases):
            _fail(f"chat.{key} must be a list of lowercase phrases")
    names = chat.get("dimension_names")
    if not isinstance(names, dict) or set(names) != set(CUT_DIMENSIONS) \
            or not all(isinstance(v, str) and v for v in names.values()):
        _fail(f"chat.dimension_names must name each of {', '.join(CUT_DIMENSIONS)}")


@functools.cache
def words() -> CutWords:
    """The vocabulary (read once per process)."""
    data = yaml.safe_load(WORDS_FILE.read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        _fail("must be a mapping")
    levels = _valued(data, "levels", ("label",))
    countries = _valued(data, "countries", ("name", "companies"))
    remote = _valued(data, "remote", ("label",))
    trend = data.get("trend_words")
    chat = data.get("chat")
    if not isinstance(trend, list) or not isinstance(chat, dict):
        _fail("trend_words must be a list and chat a mapping")
    _check_chat(chat)
    return CutWords(
        level_labels={v: e["label"] for v, e in levels.items()},
        level_words=_word_index(levels, "levels"),
        country_names={v: e["name"] for v, e in countries.items()},
        country_companies={v: e["companies"] for v, e in countries.items()},
        country_words=_word_index(countries, "countries"),
        country_typed={v: (e["words"] or [v.lower()])[0] for v, e in countries.items()},
        remote_labels={v: e["label"] for v, e in remote.items()},
        remote_words=_word_index(remote, "remote"),
        trend_words=frozenset(str(w) for w in trend),
        chat=chat,
    )


def value_of(dimension: str, word: str) -> str | None:
    """The cut value a typed word names ("uk" -> "GB", "junior" -> "entry"), or None.

    Years are themselves ("2023"); ``trend`` words give "trend" for the year dimension.
    """
    w = words()
    key = " ".join(word.strip().lower().replace("_", " ").split())
    if dimension == "level":
        return w.level_words.get(key) or w.level_words.get(key.replace(" ", "-"))
    if dimension == "country":
        return w.country_words.get(key)
    if dimension == "remote":
        return w.remote_words.get(key) or w.remote_words.get(key.replace(" ", "-"))
    if dimension == "year":
        if key in w.trend_words:
            return "trend"
        return key if key.isdigit() and len(key) == 4 else None
    raise KeyError(dimension)


def label(dimension: str, value: str) -> str:
    """How a reply names one cell's cut: "entry level", "UK companies", "2023", "on-site"."""
    w = words()
    if dimension == "level":
        return w.level_labels.get(value, value)
    if dimension == "country":
        return w.country_companies.get(value, f"companies in {value}")
    if dimension == "remote":
        return w.remote_labels.get(value, value)
    return f"work year {value}" if dimension == "year" else value


def place(value: str) -> str:
    """A country as a sentence names it: "the UK", "Canada" (the code when unknown)."""
    return words().country_names.get(value, value)


def named(dimension: str, value: str) -> str:
    """How a chat sentence names a cut so that it reads back what was asked: "companies in
    Canada" for "salary in canada" (the label, "Canadian companies", drops the country's
    name); the label for the other dimensions ("entry level", "work year 2023")."""
    if dimension == "country":
        return f"companies in {place(value)}"
    return label(dimension, value)


def dimension_name(dimension: str) -> str:
    """What a reply's Cut line calls a dimension: "experience level", "company country"."""
    return str(words().chat["dimension_names"][dimension])


def valid_values(role: Role | None, dimension: str) -> list[str]:
    """What a member may type for a dimension, as an error lists it."""
    if dimension == "level":
        return list(words().level_labels)
    if dimension == "remote":
        return ["yes (fully remote)", "no (on-site)"]
    cells = role.cuts(dimension) if role is not None else ()
    if dimension == "country":
        typed = words().country_typed
        return [f"{typed.get(c.value, c.value.lower())} ({place(c.value)})" for c in cells]
    return [c.value for c in cells] + ["trend"]


def cell_text(cut: SurveyCut) -> str:
    """One cell's cut, for a reply's line: "entry level", "UK companies", "work year 2023"."""
    assert cut.dimension in CUT_DIMENSIONS
    return label(cut.dimension, cut.value)


#: The ``!salary`` options that pick a cut, in the order they are read.
CUT_OPTIONS = ("level", "country", "year", "remote")
#: The most characters of a typed value an error quotes.
SHOWN_VALUE_CHARS = 24


@dataclass(frozen=True, slots=True)
class CutLookup:
    """What one role holds for one asked cut; ``state`` says which reply fits:

    - ``cell``: a published cell (``cell``);
    - ``trend``: the year-by-year cells (``cells``, published and withheld);
    - ``withheld``: the cell exists but is below the minimum n (``cell`` has n and reason);
    - ``absent``: the value is understood but the survey cuts do not hold it (a country
      not in the data, a year outside the full years): ``cells`` is what they do hold;
    - ``no_cuts``: the role has no survey cuts at all;
    - ``invalid``: the typed value is not one the vocabulary knows (``typed``).
    """

    state: str
    role: Role
    dimension: str
    value: str | None = None
    typed: str = ""
    cell: SurveyCut | None = None
    cells: tuple[SurveyCut, ...] = ()

    @property
    def published(self) -> tuple[SurveyCut, ...]:
        return tuple(c for c in self.cells if c.published)

    @property
    def label(self) -> str:
        return label(self.dimension, self.value) if self.value and self.value != "trend" else ""

    @property
    def valid(self) -> list[str]:
        return valid_values(self.role, self.dimension)

    @property
    def shown_typed(self) -> str:
        typed = " ".join(self.typed.split())
        return typed if len(typed) <= SHOWN_VALUE_CHARS else typed[:SHOWN_VALUE_CHARS] + "…"


def lookup(role: Role, dimension: str, value: str | None, typed: str = "") -> CutLookup:
    """The cell (or cells) ``role`` holds for ``value`` of ``dimension`` (already read with
    ``value_of``; None when the typed word was not understood)."""
    cells = role.cuts(dimension)
    if value is None:
        return CutLookup("invalid", role, dimension, typed=typed, cells=cells)
    if not cells:
        return CutLookup("no_cuts", role, dimension, value, typed)
    if dimension == "year" and value == "trend":
        return CutLookup("trend", role, dimension, value, typed, cells=cells)
    cell = role.cut(dimension, value)
    if cell is None:
        return CutLookup("absent", role, dimension, value, typed, cells=cells)
    return CutLookup("cell" if cell.published else "withheld", role, dimension, value, typed,
                     cell=cell, cells=cells)
