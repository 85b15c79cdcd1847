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
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA

from bot.text.key_heads import key_heads

#: Inputs with keys this short or shorter never match fuzzily.
EXACT_ONLY_MAX_LEN = 3
#: Similarity (0-100) at which a misspelt name is taken as meant, with a note.
ACCEPT_SCORE = 80.0
#: Similarity at which a name is offered as "did you mean" without answering.
SUGGEST_SCORE = 65.0
#: Two different roles scoring within this margin make a match ambiguous.
AMBIGUITY_MARGIN = 4.0

#: Candidates for a fuzzy match: aliases whose indel ratio reaches SUGGEST_SCORE (less a
#: hair for rounding). The score also takes the OSA similarity, but that never exceeds
#: the indel ratio: an OSA alignment with a insertions/deletions and b substitutions or
#: transpositions gives an indel alignment of at most a + 2b, and b(M - m) <= a * m for
#: strings of lengths M >= m, so no alias reaching SUGGEST_SCORE is left out.
_CANDIDATE_RATIO = SUGGEST_SCORE - 0.01

_KEY_STRIP = re.compile(r"[^a-z0-9]+")
# Words that describe a person doing the role rather than naming it.
_PLURAL_TAILS = ("engineers", "managers", "scientists", "analysts", "architects", "researchers",
                 "developers", "specialists", "leads", "designers", "consultants", "pms")


def fold(text: str) -> str:
    """Lowercase ASCII-ish form: full-width letters and accents folded, for matching only."""
    if text.isascii():
        return text.lower()  # the common case, and the same result
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return text.casefold()


@lru_cache(maxsize=65536)
def alias_key(text: str) -> str:
    """The comparison key of a name: folded, with spaces and punctuation removed."""
    return _KEY_STRIP.sub("", fold(text))


def _singular_keys(key: str) -> list[str]:
    """Keys to try for a plural such as "mlops engineers" or "ai pms"."""
    # Every way a plural is read drops the last letter, so there is one key at most; one
    # C-level ``endswith`` over the tails (a Python loop over them was ~3 µs a name, run
    # for every name not found exactly, several times a command).
    if key.endswith(_PLURAL_TAILS) or (key.endswith("s") and len(key) > 4):
        return [key[:-1]]
    return []


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


@dataclass(frozen=True, slots=True)
class Resolved:
    """Names resolved through one index, prepared so that a layered index over it
    (``LayeredIndex.keeps``) can tell whether they all resolve the same there without
    working any of them out again: one set test for the names decided by their keys
    alone, and a check against the few keys a server changed for the rest.

    ``names``: each text with its match. ``keys``: every key those matches depend on
    exactly (each text's key and the singular key tried for a plural). ``fuzzy``: (text,
    key, match) of the names whose match is not exact and whose key is long enough to
    fuzz, which a changed key close enough to theirs could change."""

    names: tuple[tuple[str, Match], ...]
    keys: frozenset[str]
    fuzzy: tuple[tuple[str, str, Match], ...]

    @classmethod
    def of(cls, names: Iterable[tuple[str, Match]]) -> Resolved:
        names = tuple(names)
        keys: set[str] = set()
        fuzzy: list[tuple[str, str, Match]] = []
        for text, match in names:
            key = alias_key(text)
            keys.add(key)
            keys.update(_singular_keys(key))
            if not match.exact and len(key) > EXACT_ONLY_MAX_LEN:
                fuzzy.append((text, key, match))
        return cls(names, frozenset(keys), tuple(fuzzy))


class RoleIndex:
    """Alias keys of every role, built once per knowledge view and reused per message.

    Everything a lookup needs is prepared here, once: the exact-key table, the list of
    keys long enough to fuzz, and the keys of each role in order. A fuzzy lookup then
    runs in rapidfuzz's C loop (``process.extract`` over the prepared list) instead of a
    Python loop over every alias, and each distinct text is resolved only once per view
    (people repeat the same names all day).
    """

    #: Distinct texts remembered per index; the memo is emptied when it fills up.
    MEMO_SIZE = 4096

    def __init__(self, names: Iterable[tuple[str, Iterable[str]]]) -> None:
        """``names`` pairs a slug with every name it answers to (name, slug, aliases)."""
        self._exact: dict[str, str] = {}
        #: Each role's place in the order given: a key two roles share is the first's,
        #: and a tie between two roles' fuzzy scores goes to the first.
        self._order: dict[str, int] = {}
        #: The roles (in order) of each key more than one role answers to, so a view
        #: that changes the first one's names knows who holds the key next.
        self._holders: dict[str, list[str]] = {}
        for slug, aliases in names:
            self._order.setdefault(slug, len(self._order))
            for alias in aliases:
                key = alias_key(alias)
                if key:
                    owner = self._exact.setdefault(key, slug)
                    if owner != slug:
                        held = self._holders.setdefault(key, [owner])
                        if slug not in held:
                            held.append(slug)
        self._keys = list(self._exact)
        #: The heads of every key (``bot/text/key_heads.py``), for scans that rule spans
        #: out before looking them up; made here, with the keys, once per index.
        self.heads: frozenset[str] = frozenset(key_heads(self._keys))
        # A long input is never a typo of "pm" or "ds": short keys never fuzz.
        self._fuzzy_keys = [k for k in self._keys if len(k) > EXACT_ONLY_MAX_LEN]
        self._memo: dict[str, Match] = {}
        #: For each long key no role reaches SUGGEST_SCORE on: the key nearest to it (by
        #: indel ratio), whose score it reports. A server's ``LayeredIndex`` takes such a
        #: no-match from here unless its own keys could score higher (``_below_from_parent``).
        self._nearest: dict[str, str] = {}

    def _owner(self, key: str) -> str | None:
        """The role a key names exactly, or None."""
        return self._exact.get(key)

    def holders(self, key: str) -> list[str]:
        """Every role answering to ``key``, in order (the first is its owner)."""
        held = self._holders.get(key)
        if held is not None:
            return held
        owner = self._exact.get(key)
        return [] if owner is None else [owner]

    def _rank(self, slug: str) -> int:
        return self._order.get(slug, len(self._order))

    def exact(self, text: str) -> str | None:
        key = alias_key(text)
        slug = self._owner(key)
        if slug is None:
            for candidate in _singular_keys(key):
                if slug := self._owner(candidate):
                    break
        return slug

    def resolve(self, text: str) -> Match:
        """Resolve a name: exact alias first, then a guarded fuzzy match."""
        match = self._memo.get(text)
        if match is None:
            match = self._resolve(text)
            if len(self._memo) >= self.MEMO_SIZE:
                self._memo.clear()
            self._memo[text] = match
        return match

    def _resolve(self, text: str) -> Match:
        key = alias_key(text)
        if not key:
            return Match(text, None, 0.0, False)
        slug = self.exact(text)
        if slug is not None:
            return Match(text, slug, 100.0, True)
        if len(key) <= EXACT_ONLY_MAX_LEN:
            return Match(text, None, 0.0, False)
        best = self._fuzzy_scores(key)
        if not best:
            return Match(text, None, self._best_below_suggest(key), False)
        # Best score first; a tie goes to the role whose aliases come first (the roles'
        # keys are listed role by role, so that is the role listed first).
        ranked = sorted(best.items(), key=lambda kv: (-kv[1], self._rank(kv[0])))
        top_slug, top_score = ranked[0]
        close = [s for s, sc in ranked[1:] if top_score - sc < AMBIGUITY_MARGIN and sc >= SUGGEST_SCORE]
        if top_score >= ACCEPT_SCORE and not close:
            return Match(text, top_slug, top_score, False)
        suggestions = tuple([top_slug, *close][:3])
        return Match(text, None, top_score, False, suggestions)

    def _fuzzy_scores(self, key: str) -> dict[str, float]:
        """Each role's best score for ``key``, for the roles that reach SUGGEST_SCORE."""
        keys = self._fuzzy_keys
        # One pass of rapidfuzz's C loop picks the candidates (see _CANDIDATE_RATIO for
        # why no alias reaching SUGGEST_SCORE is missed); each candidate's score is then
        # computed exactly as comparing the two keys alone would.
        best: dict[str, float] = {}
        for candidate, _, _ in process.extract(key, keys, scorer=fuzz.ratio, limit=None,
                                               score_cutoff=_CANDIDATE_RATIO):
            score = _similarity(key, candidate)
            if score < SUGGEST_SCORE:
                continue
            slug = self._exact[candidate]
            if score > best.get(slug, 0.0):
                best[slug] = score
        return best

    def _best_below_suggest(self, key: str) -> float:
        """The best score of any alias when none reaches SUGGEST_SCORE (0 with no aliases)."""
        best = process.extractOne(key, self._fuzzy_keys, scorer=fuzz.ratio)
        if not best:
            return 0.0
        if len(self._nearest) >= self.MEMO_SIZE:
            self._nearest.clear()
        self._nearest[key] = best[0]
        return _similarity(key, best[0])

    def _items(self) -> Iterable[tuple[str, str]]:
        """Every (key, role) pair, for autocomplete."""
        return self._exact.items()

    def _all_keys(self) -> list[str]:
        return self._keys

    def autocomplete(self, text: str, names: dict[str, str], limit: int = 25) -> list[str]:
        """Slugs for an autocomplete box: prefix and substring matches first, then fuzzy."""
        key = alias_key(text)
        if not key:
            return sorted(names, key=lambda s: names[s].lower())[:limit]
        scored: dict[str, float] = {}
        for alias_k, slug in self._items():
            score: float
            if alias_k.startswith(key):
                score = 300 - len(alias_k)
            elif key in alias_k:
                score = 200 - len(alias_k)
            else:
                continue
            scored[slug] = max(scored.get(slug, 0), score)
        if len(key) > EXACT_ONLY_MAX_LEN:
            for alias_k, _, _ in process.extract(key, self._all_keys(), scorer=fuzz.partial_ratio,
                                                 limit=None, score_cutoff=SUGGEST_SCORE - 0.01):
                if alias_k.startswith(key) or key in alias_k:
                    continue  # scored above as a prefix or substring
                score = fuzz.partial_ratio(key, alias_k)
                if score < SUGGEST_SCORE:
                    continue
                owner = self._owner(alias_k)
                if owner is not None:
                    scored[owner] = max(scored.get(owner, 0), score)
        ranked = sorted(scored, key=lambda s: (-scored[s], names[s].lower(), s))
        return ranked[:limit]


class LayeredIndex(RoleIndex):
    """A server's role index: its parent view's index plus the few names its overlay
    changed, answering exactly as a ``RoleIndex`` built from all of the server's roles
    would (a property test compares the two over many typed names).

    Building a full index per edited server cost about 170 µs and a copy of every key;
    this one holds only ``_own``, the keys whose role differs from the parent's (None: a
    key the server removed). An exact lookup reads ``_own``, then the parent. A name
    none of those keys could change (not one of them, and none of them close enough to
    be a fuzzy candidate) is resolved by the parent, whose memo every server shares;
    only the rest is worked out here, with the parent's prepared key list.
    """

    def __init__(self, parent: RoleIndex, changed: Mapping[str, tuple[Iterable[str] | None,
                                                                      Iterable[str] | None]],
                 added: Iterable[str] = ()) -> None:
        """``changed`` maps each slug whose names differ to (its names in the parent,
        its names here), None where it has none (added, removed); ``added`` lists the
        slugs the parent lacks in this view's order (they follow the parent's roles)."""
        self._parent = parent
        self._added = {slug: len(parent._order) + i for i, slug in enumerate(added)}
        mine = {slug: {k for k in map(alias_key, new or ()) if k}
                for slug, (_, new) in changed.items()}
        # Only a key some role gained or lost can change hands: every other key has the
        # same roles, in the same order, as in the parent.
        touched: set[str] = set()
        for slug, (old, _) in changed.items():
            touched |= {k for k in map(alias_key, old or ()) if k} ^ mine[slug]
        self._own: dict[str, str | None] = {}
        for key in touched:
            holders = [next((h for h in parent.holders(key) if h not in changed), None)]
            holders += [slug for slug, keys in mine.items() if key in keys]
            present = [h for h in holders if h is not None]
            owner = min(present, key=self._rank) if present else None
            if owner != parent._owner(key):
                self._own[key] = owner
        #: The own keys long enough to fuzz: all (to know when the parent's answer
        #: stands) and those naming a role here, with it (to score).
        self._own_long = [k for k in self._own if len(k) > EXACT_ONLY_MAX_LEN]
        self._own_fuzzy = [(k, slug) for k, slug in self._own.items()
                           if slug is not None and len(k) > EXACT_ONLY_MAX_LEN]
        self._memo = {}
        self._keys_here: list[str] | None = None
        #: The parent's heads and those of the keys changed here (a removed key's too:
        #: a superset rules out less, never wrongly).
        self.heads = parent.heads | key_heads(self._own)

    def _owner(self, key: str) -> str | None:
        if key in self._own:
            return self._own[key]
        return self._parent._owner(key)

    def holders(self, key: str) -> list[str]:
        raise NotImplementedError("a layered index is not layered on")

    def _rank(self, slug: str) -> int:
        rank = self._parent._order.get(slug)
        return rank if rank is not None else self._added.get(slug, 1 << 30)

    def resolve(self, text: str) -> Match:
        shared = self._from_parent(text)
        if shared is not None:
            return shared
        return super().resolve(text)

    def _from_parent(self, text: str) -> Match | None:
        """The parent's match for ``text`` when none of this view's own keys can change
        it, else None (worked out here)."""
        if not self._own:
            return self._parent.resolve(text)
        key = alias_key(text)
        if key in self._own or (key[:-1] in self._own and _singular_keys(key)):
            return None
        match = self._parent.resolve(text)
        if match.exact or len(key) <= EXACT_ONLY_MAX_LEN or self._stands(key, match):
            return match
        return None

    def _stands(self, key: str, match: Match) -> bool:
        """Whether the parent's inexact ``match`` for a long ``key`` (neither it nor its
        singular one of this view's own keys) is this view's too."""
        if not match.ok and not match.suggestions:
            return self._below_from_parent(key, match) is not None
        # A fuzzy answer changes only if a key added, moved or removed here is a candidate.
        return all(fuzz.ratio(key, own) < _CANDIDATE_RATIO for own in self._own_long)

    def keeps(self, resolved: Resolved) -> bool:
        """Does every name of ``resolved``, resolved by this index's parent, resolve the
        same here? What ``resolve`` of each would say, without working any of them out
        again where this view's own keys cannot change it: a name decided by its keys
        alone (exact, or too short to fuzz) stands when none of those keys is one of this
        view's own (one set test for all of them), an inexact one when no own key is
        close enough to it (``_stands``); only the others are resolved here. This is the
        check every server runs on its first ask of an answer the global view holds."""
        own = self._own
        if not own:
            return True
        if not resolved.keys.isdisjoint(own):
            return all(self.resolve(text) == match for text, match in resolved.names)
        for text, key, match in resolved.fuzzy:
            if not self._stands(key, match) and self.resolve(text) != match:
                return False
        return True

    def _below_from_parent(self, key: str, match: Match) -> Match | None:
        """The parent's no-match for ``key`` (no role reaching SUGGEST_SCORE; its score is
        its nearest key's) when it stands here: that key is not one this view changed and
        none of the view's own keys scores higher (``_best_below_suggest`` would take the
        same score). Else None, worked out here. Before, every such name (split_roles tries
        several a compare) was worked out again by each server, about 20 us each."""
        nearest = self._parent._nearest.get(key)
        if nearest is None or nearest in self._own:
            return None
        for own, _ in self._own_fuzzy:
            if _similarity(key, own) > match.score:
                return None
        return match

    def _fuzzy_scores(self, key: str) -> dict[str, float]:
        best: dict[str, float] = {}
        parent = self._parent
        for candidate, _, _ in process.extract(key, parent._fuzzy_keys, scorer=fuzz.ratio,
                                               limit=None, score_cutoff=_CANDIDATE_RATIO):
            if candidate in self._own:
                continue
            score = _similarity(key, candidate)
            if score >= SUGGEST_SCORE:
                slug = parent._exact[candidate]
                if score > best.get(slug, 0.0):
                    best[slug] = score
        for candidate, slug in self._own_fuzzy:
            score = _similarity(key, candidate)
            if score >= SUGGEST_SCORE and score > best.get(slug, 0.0):
                best[slug] = score
        return best

    def _best_below_suggest(self, key: str) -> float:
        best = 0.0
        for candidate, _, _ in process.extract(key, self._parent._fuzzy_keys, scorer=fuzz.ratio,
                                               limit=len(self._own) + 1):
            if candidate not in self._own:
                best = _similarity(key, candidate)
                break
        for candidate, _ in self._own_fuzzy:
            best = max(best, _similarity(key, candidate))
        return best

    def _items(self) -> Iterable[tuple[str, str]]:
        for key, slug in self._parent._exact.items():
            owner = self._own.get(key, slug)
            if owner is not None:
                yield key, owner
        for key, owner in self._own.items():
            if owner is not None and key not in self._parent._exact:
                yield key, owner

    def _all_keys(self) -> list[str]:
        if self._keys_here is None:
            self._keys_here = [k for k, _ in self._items()]
        return self._keys_here


def _similarity(key: str, candidate: str) -> float:
    """How alike two keys are (0-100): the better of indel ratio and OSA (transpositions)."""
    return max(fuzz.ratio(key, candidate), OSA.normalized_similarity(key, candidate) * 100)
