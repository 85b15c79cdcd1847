"""Role-name resolution: aliases, normalisation and typo tolerance.

Matching compares *keys*: the text folded to lowercase ASCII letters and digits, so
"ML-Ops", "ml ops" and "mlops" are one key. Short inputs must match exactly: "pm" is two
letters from "ml", and a fuzzy match there would answer about the wrong role, which is
worse than asking. Longer inputs may be misspelt ("mlosp"), in which case the answer
says which role was assumed.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from rapidfuzz import fuzz
from rapidfuzz.distance import OSA

#: Inputs with keys this short or shorter never match fuzzily.
EXACT_ONLY_MAX_LEN = 3
#: Similarity (0-100) at which a misspelt name is taken as meant, with a note.
ACCEPT_SCORE = 80.0
#: Similarity at which a name is offered as "did you mean" without answering.
SUGGEST_SCORE = 65.0
#: Two different roles scoring within this margin make a match ambiguous.
AMBIGUITY_MARGIN = 4.0

_KEY_STRIP = re.compile(r"[^a-z0-9]+")
# Words that describe a person doing the role rather than naming it.
_PLURAL_TAILS = ("engineers", "managers", "scientists", "analysts", "architects", "researchers",
                 "developers", "specialists", "leads", "designers", "consultants", "pms")


def fold(text: str) -> str:
    """Lowercase ASCII-ish form: full-width letters and accents folded, for matching only."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return text.casefold()


def alias_key(text: str) -> str:
    """The comparison key of a name: folded, with spaces and punctuation removed."""
    return _KEY_STRIP.sub("", fold(text))


def _singular_keys(key: str) -> list[str]:
    """Keys to try for a plural such as "mlops engineers" or "ai pms"."""
    out = []
    for tail in _PLURAL_TAILS:
        if key.endswith(tail):
            out.append(key[:-1])
    if key.endswith("s") and len(key) > 4 and not out:
        out.append(key[:-1])
    return out


@dataclass(frozen=True, slots=True)
class Match:
    """The outcome of resolving one name.

    ``slug`` is set when the name was resolved (``exact`` False means it was a typo and
    the reply should say which role was assumed). ``suggestions`` lists slugs the user
    may have meant when nothing was resolved.
    """

    query: str
    slug: str | None
    score: float
    exact: bool
    suggestions: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return self.slug is not None


class RoleIndex:
    """Alias keys of every role, built once per knowledge view and reused per message."""

    def __init__(self, names: Iterable[tuple[str, Iterable[str]]]) -> None:
        """``names`` pairs a slug with every name it answers to (name, slug, aliases)."""
        self._exact: dict[str, str] = {}
        for slug, aliases in names:
            for alias in aliases:
                key = alias_key(alias)
                if key:
                    self._exact.setdefault(key, slug)
        self._keys = list(self._exact)

    def exact(self, text: str) -> str | None:
        key = alias_key(text)
        slug = self._exact.get(key)
        if slug is None:
            for candidate in _singular_keys(key):
                if slug := self._exact.get(candidate):
                    break
        return slug

    def resolve(self, text: str) -> Match:
        """Resolve a name: exact alias first, then a guarded fuzzy match."""
        key = alias_key(text)
        if not key:
            return Match(text, None, 0.0, False)
        slug = self.exact(text)
        if slug is not None:
            return Match(text, slug, 100.0, True)
        if len(key) <= EXACT_ONLY_MAX_LEN:
            return Match(text, None, 0.0, False)
        best: dict[str, float] = {}
        for candidate in self._keys:
            if len(candidate) <= EXACT_ONLY_MAX_LEN:
                continue  # a long input is never a typo of "pm" or "ds"
            score = max(
                fuzz.ratio(key, candidate),
                OSA.normalized_similarity(key, candidate) * 100,
            )
            slug = self._exact[candidate]
            if score > best.get(slug, 0.0):
                best[slug] = score
        ranked = sorted(best.items(), key=lambda kv: kv[1], reverse=True)
        if not ranked or ranked[0][1] < SUGGEST_SCORE:
            return Match(text, None, ranked[0][1] if ranked else 0.0, False)
        top_slug, top_score = ranked[0]
        close = [s for s, sc in ranked[1:] if top_score - sc < AMBIGUITY_MARGIN and sc >= SUGGEST_SCORE]
        if top_score >= ACCEPT_SCORE and not close:
            return Match(text, top_slug, top_score, False)
        suggestions = tuple([top_slug, *close][:3])
        return Match(text, None, top_score, False, suggestions)

    def autocomplete(self, text: str, names: dict[str, str], limit: int = 25) -> list[str]:
        """Slugs for an autocomplete box: prefix and substring matches first, then fuzzy."""
        key = alias_key(text)
        if not key:
            return sorted(names, key=lambda s: names[s].lower())[:limit]
        scored: dict[str, float] = {}
        for alias_k, slug in self._exact.items():
            if alias_k.startswith(key):
                score = 300 - len(alias_k)
            elif key in alias_k:
                score = 200 - len(alias_k)
            else:
                score = fuzz.partial_ratio(key, alias_k) if len(key) > EXACT_ONLY_MAX_LEN else 0
                if score < SUGGEST_SCORE:
                    continue
            scored[slug] = max(scored.get(slug, 0), score)
        ranked = sorted(scored, key=lambda s: (-scored[s], names[s].lower()))
        return ranked[:limit]
