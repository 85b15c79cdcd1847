"""The ways-in vocabulary (``ways.yaml``): age and career change, and the future of a role.

Kept in its own file and loader so that the age and outlook stages own their words as
data, validated once at import with the same rules as the other vocabulary files (a bad
entry fails here, naming the file and the key, never at a member's message).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from bot.core.chat import lexicon
from bot.core.chat.vocabulary import _LOADER, HERE, VocabularyError, _phrases

#: The file and the lists it must hold.
FILE = HERE / "ways.yaml"
#: Lists of phrases; ``changers`` is a mapping (``Changer``), checked on its own.
KEYS = ("age_concern", "age_move", "age_before", "age_not_after", "age_range", "age_faq_tags",
        "outlook_words", "outlook_yield_facets", "outlook_layoffs", "outlook_ai", "outlook_yields",
        "changer_asks", "ai_markers", "occupation_changer")
#: The keys of one ``changers`` entry.
CHANGER_KEYS = ("phrases", "group", "label")


@dataclass(frozen=True)
class Changer:
    """Where a career changer comes from: the phrases that say so, the background group
    whose phrases find the roles whose road starts there, and the answer's name for it."""

    name: str
    phrases: tuple[str, ...]
    group: str
    label: str


@dataclass(frozen=True)
class WaysWords:
    """Every list of ``ways.yaml``, validated."""

    age_concern: tuple[str, ...]
    age_move: tuple[str, ...]
    age_before: tuple[str, ...]
    age_not_after: tuple[str, ...]
    age_min: int
    age_max: int
    age_faq_tags: tuple[str, ...]
    outlook_words: tuple[str, ...]
    outlook_yield_facets: tuple[str, ...]
    outlook_layoffs: tuple[str, ...]
    outlook_ai: tuple[str, ...]
    outlook_yields: tuple[str, ...]
    changer_asks: tuple[str, ...]
    ai_markers: tuple[str, ...]
    #: The one changers entry an occupation outside AI and data is read as.
    occupation_changer: tuple[str, ...]
    changers: tuple[Changer, ...]


def load(path: Path = FILE) -> WaysWords:
    """Read and check ``path``; raises ``VocabularyError`` naming the file and key."""
    try:
        data: Any = yaml.load(path.read_text(encoding="utf-8"), Loader=_LOADER)
    except (OSError, yaml.YAMLError) as exc:
        raise VocabularyError(f"{path.name}: cannot be read: {exc}") from exc
    if not isinstance(data, dict):
        raise VocabularyError(f"{path.name}: expected a mapping of lists at the top")
    for key in data:
        if key not in (*KEYS, "changers"):
            raise VocabularyError(f"{path.name}: {key}: unknown list (known: {', '.join(KEYS)})")
    lists = {}
    for key in KEYS:
        if key not in data:
            raise VocabularyError(f"{path.name}: {key}: missing list")
        lists[key] = _phrases(data[key], f"{path.name}: {key}")
    changers = _changers(data.get("changers"), f"{path.name}: changers")
    unknown = [f for f in lists["outlook_yield_facets"] if f not in lexicon.FACET_WORDS]
    if unknown:
        raise VocabularyError(f"{path.name}: outlook_yield_facets: {', '.join(unknown)}: no "
                              f"facet of that name in facets.yaml")
    if len(lists["occupation_changer"]) != 1 or \
            lists["occupation_changer"][0] not in {c.name for c in changers}:
        raise VocabularyError(f"{path.name}: occupation_changer: expected one name of the "
                              f"changers table")
    bounds = lists.pop("age_range")
    if len(bounds) != 2 or not all(b.isdigit() for b in bounds) or int(bounds[0]) > int(bounds[1]):
        raise VocabularyError(f"{path.name}: age_range: expected two whole numbers, low then high")
    return WaysWords(age_min=int(bounds[0]), age_max=int(bounds[1]), changers=changers, **lists)


def _changers(value: Any, where: str) -> tuple[Changer, ...]:
    """The ``changers`` table: each entry's phrases, a background group the vocabulary
    knows (``backgrounds.yaml``) and a label."""
    if not isinstance(value, dict) or not value:
        raise VocabularyError(f"{where}: expected a mapping of changer backgrounds")
    out = []
    for name, spec in value.items():
        at = f"{where}.{name}"
        if not isinstance(spec, dict) or set(spec) != set(CHANGER_KEYS):
            raise VocabularyError(f"{at}: needs exactly {', '.join(CHANGER_KEYS)}")
        group, label = spec["group"], spec["label"]
        if group not in lexicon.BACKGROUNDS:
            raise VocabularyError(f"{at}.group: {group!r} is no background group of "
                                  f"backgrounds.yaml (known: {', '.join(lexicon.BACKGROUNDS)})")
        if not isinstance(label, str) or not label.strip():
            raise VocabularyError(f"{at}.label: expected a non-empty text")
        out.append(Changer(str(name), _phrases(spec["phrases"], f"{at}.phrases"), group, label))
    return tuple(out)


WORDS = load()
