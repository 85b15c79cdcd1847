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

from bot.core.chat.vocabulary import _LOADER, HERE, VocabularyError, _phrases

#: The file and the lists it must hold.
FILE = HERE / "ways.yaml"
KEYS = ("age_concern", "age_move", "age_before", "age_not_after", "age_range", "age_faq_tags",
        "outlook_words", "outlook_layoffs", "outlook_ai", "outlook_yields")


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
    outlook_layoffs: tuple[str, ...]
    outlook_ai: tuple[str, ...]
    outlook_yields: tuple[str, ...]


def load(path: Path = FILE) -> WaysWords:
    """Read and check ``path``; raises ``VocabularyError`` naming the file and key."""
    try:
        data: Any = yaml.load(path.read_text(encoding="utf-8"), Loader=_LOADER)
    except (OSError, yaml.YAMLError) as exc:
        raise VocabularyError(f"{path.name}: cannot be read: {exc}") from exc
    if not isinstance(data, dict):
        raise VocabularyError(f"{path.name}: expected a mapping of lists at the top")
    for key in data:
        if key not in KEYS:
            raise VocabularyError(f"{path.name}: {key}: unknown list (known: {', '.join(KEYS)})")
    lists = {}
    for key in KEYS:
        if key not in data:
            raise VocabularyError(f"{path.name}: {key}: missing list")
        lists[key] = _phrases(data[key], f"{path.name}: {key}")
    bounds = lists.pop("age_range")
    if len(bounds) != 2 or not all(b.isdigit() for b in bounds) or int(bounds[0]) > int(bounds[1]):
        raise VocabularyError(f"{path.name}: age_range: expected two whole numbers, low then high")
    return WaysWords(age_min=int(bounds[0]), age_max=int(bounds[1]), **lists)


WORDS = load()
