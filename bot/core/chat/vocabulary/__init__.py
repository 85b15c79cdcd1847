"""The chat's vocabulary as data: what signals each facet, backgrounds, skill synonyms,
field names, decline topics and out-of-scope requests, in the YAML files of this folder.

They are code-owned (the understanding is tuned to them and the question sets test
them), so they live beside the code rather than in ``knowledge/``, which moderators
edit. ``load`` reads and validates them once; a bad entry fails with the file and key
named, never later at a member's message. ``lexicon`` exposes the result under the names
the scanners use, so adding a phrasing is a line in a YAML file, with no code change.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

#: libyaml's safe loader when PyYAML has it (about ten times faster at start-up).
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
#: The folder of the shipped vocabulary files.
HERE = Path(__file__).resolve().parent
#: The files, each with the top-level keys it may hold.
FILES: dict[str, tuple[str, ...]] = {
    "facets.yaml": ("facets",),
    "backgrounds.yaml": ("backgrounds", "newcomer_phrases", "opening_followers"),
    "skills.yaml": ("synonyms", "tech", "categories"),
    "fields.yaml": ("fields",),
    "not_held.yaml": ("topics", "degree_words", "degree_need", "course_words", "course_ask",
                      "remote_pay", "level_pay_words", "company_types", "companies",
                      "company_words"),
    "out_of_scope.yaml": ("requests",),
    "occupations.yaml": ("occupations", "suffixes"),
}
#: A facet's name: an intent's name or one the planner knows; ``registry.check_facets``
#: checks each is one of them.
_FACET_NAME = re.compile(r"^[a-z][a-z_]{1,39}$")
#: Facet weights outside this range are a typo (see facets.yaml's header).
MAX_WEIGHT = 10


class VocabularyError(ValueError):
    """A vocabulary file that cannot be used; the message names the file and key."""


@dataclass(frozen=True)
class Vocabulary:
    """Every table, validated."""

    facets: dict[str, dict[str, int]]
    backgrounds: dict[str, tuple[str, ...]]
    newcomer_phrases: tuple[str, ...]
    opening_followers: frozenset[str]
    skill_synonyms: dict[str, str]
    tech_words: frozenset[str]
    skill_categories: dict[str, tuple[tuple[str, ...], frozenset[str]]]
    field_names: dict[str, tuple[str, ...]]
    not_held: dict[str, tuple[str, ...]]
    lists: dict[str, tuple[str, ...]]
    out_of_scope: tuple[str, ...]
    occupations: frozenset[str]
    occupation_suffixes: tuple[str, ...]


def _phrase(value: Any, where: str) -> str:
    """One phrase: lower case, single-spaced tokens, as normalize produces them."""
    if not isinstance(value, str) or not value.strip():
        raise VocabularyError(f"{where}: expected a non-empty phrase, got {value!r}")
    if value != " ".join(value.split()) or value != value.casefold():
        raise VocabularyError(f"{where}: {value!r} must be lower case with single spaces "
                              f"(write it as the cleaned message would read)")
    return value


def _phrases(value: Any, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not value:
        raise VocabularyError(f"{where}: expected a non-empty list of phrases")
    return tuple(_phrase(v, f"{where}[{i}]") for i, v in enumerate(value))


def _mapping(value: Any, where: str) -> Mapping[Any, Any]:
    if not isinstance(value, dict) or not value:
        raise VocabularyError(f"{where}: expected a mapping")
    return value


def _read(paths: Iterable[Path]) -> dict[str, dict[str, Any]]:
    """Each known key with its value from every file that has it, later files last."""
    merged: dict[str, dict[str, Any]] = {}
    for path in paths:
        try:
            data = yaml.load(path.read_text(encoding="utf-8"), Loader=_LOADER)
        except (OSError, yaml.YAMLError) as exc:
            raise VocabularyError(f"{path.name}: cannot be read: {exc}") from exc
        if not isinstance(data, dict):
            raise VocabularyError(f"{path.name}: expected a mapping of tables at the top")
        allowed = {k for keys in FILES.values() for k in keys}
        for key, value in data.items():
            if key not in allowed:
                raise VocabularyError(f"{path.name}: {key}: unknown table "
                                      f"(known: {', '.join(sorted(allowed))})")
            merged.setdefault(key, {})[path.name] = value
    return merged


def _facets(value: Any, where: str) -> dict[str, dict[str, int]]:
    out: dict[str, dict[str, int]] = {}
    for facet, table in _mapping(value, where).items():
        at = f"{where}.{facet}"
        if not isinstance(facet, str) or not _FACET_NAME.match(facet):
            raise VocabularyError(f"{at}: a facet name is lower-case letters and underscores")
        out[facet] = {}
        for phrase, weight in _mapping(table, at).items():
            _phrase(phrase, f"{at}.{phrase}")
            if isinstance(weight, bool) or not isinstance(weight, int) \
                    or not 0 <= weight <= MAX_WEIGHT:
                raise VocabularyError(f"{at}.{phrase}: weight must be a whole number "
                                      f"from 0 to {MAX_WEIGHT}, got {weight!r}")
            out[facet][phrase] = weight
    return out


def _groups(value: Any, where: str) -> dict[str, tuple[str, ...]]:
    return {str(k): _phrases(v, f"{where}.{k}") for k, v in _mapping(value, where).items()}


def _synonyms(value: Any, where: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for spelling, key in _mapping(value, where).items():
        for item in (spelling, key):
            if not isinstance(item, str) or not item.isalnum() or item != item.casefold():
                raise VocabularyError(f"{where}.{spelling}: {item!r} must be an alias key "
                                      f"(lower case letters and digits)")
        out[spelling] = key
    return out


def _categories(value: Any, where: str) -> dict[str, tuple[tuple[str, ...], frozenset[str]]]:
    out: dict[str, tuple[tuple[str, ...], frozenset[str]]] = {}
    for category, spec in _mapping(value, where).items():
        at = f"{where}.{category}"
        spec = _mapping(spec, at)
        if set(spec) != {"phrases", "members"}:
            raise VocabularyError(f"{at}: needs exactly 'phrases' and 'members'")
        out[str(category)] = (_phrases(spec["phrases"], f"{at}.phrases"),
                              frozenset(_phrases(spec["members"], f"{at}.members")))
    return out


#: How each table is checked; mappings of lists merge by adding phrases.
_CHECKS: dict[str, Callable[[Any, str], Any]] = {
    "facets": _facets, "backgrounds": _groups, "synonyms": _synonyms,
    "categories": _categories, "fields": _groups, "topics": _groups,
}


def _checked(raw: dict[str, dict[str, Any]], key: str) -> Any:
    """Table ``key`` from every file that has it, each checked under its own file's name,
    later files adding phrases (and changing weights) to earlier ones."""
    check = _CHECKS.get(key)
    merged: Any = None
    for name, value in raw[key].items():
        where = f"{name}: {key}"
        if check is None:
            items = _phrases(value, where)
            merged = (*(merged or ()), *(p for p in items if p not in (merged or ())))
            continue
        table = check(value, where)
        merged = merged or {}
        for k, v in table.items():
            old = merged.get(k)
            if isinstance(v, dict) and isinstance(old, dict):
                merged[k] = {**old, **v}
            elif isinstance(v, tuple) and isinstance(old, tuple) and all(
                    isinstance(x, str) for x in v):
                merged[k] = (*old, *(x for x in v if x not in old))
            else:
                merged[k] = v
    return merged


def load(*extra: Path) -> Vocabulary:
    """The shipped vocabulary plus the files or folders in ``extra`` (later entries add
    phrases and may change a weight), validated; raises ``VocabularyError``."""
    paths = [HERE / name for name in FILES]
    for item in extra:
        paths.extend(sorted(item.glob("*.yaml")) if item.is_dir() else [item])
    raw = _read(paths)
    for name, keys in FILES.items():
        for key in keys:
            if key not in raw:
                raise VocabularyError(f"{name}: {key}: missing table")
    lists = {key: _checked(raw, key) for key in FILES["not_held.yaml"][1:]}
    return Vocabulary(
        facets=_checked(raw, "facets"), backgrounds=_checked(raw, "backgrounds"),
        newcomer_phrases=_checked(raw, "newcomer_phrases"),
        opening_followers=frozenset(_checked(raw, "opening_followers")),
        skill_synonyms=_checked(raw, "synonyms"),
        tech_words=frozenset(_checked(raw, "tech")),
        skill_categories=_checked(raw, "categories"), field_names=_checked(raw, "fields"),
        not_held=_checked(raw, "topics"), lists=lists,
        out_of_scope=_checked(raw, "requests"),
        occupations=frozenset(_checked(raw, "occupations")),
        occupation_suffixes=_checked(raw, "suffixes"))
