"""What the chat pipeline knows about the words of one knowledge view.

Built once per Knowledge (roles can be added by moderators or new data, so nothing here
is hard-coded to the seed's two roles): the role alias index, the skills and tools each
role names, its career steps, hiring metros and a bag of words describing its work
(used to match "someone who loves infra" to a role), and the vocabulary typos are
corrected against.
"""

from __future__ import annotations

import bisect
import itertools
import re
import threading
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from functools import lru_cache
from operator import attrgetter
from typing import Any, TypeVar, cast

from cachetools import LRUCache
from rapidfuzz.distance import OSA

from bot.core.chat import lexicon
from bot.core.chat.faq import FaqIndex
from bot.knowledge.models import FaqEntry, Knowledge, Role
from bot.knowledge.role_index import role_index
from bot.text.names import RoleIndex, alias_key

_WORD = re.compile(r"[a-z0-9]+")
_V = TypeVar("_V")
_K = TypeVar("_K")
_MISSING = object()

# The field names, skill synonyms and technology words are vocabulary data
# (``vocabulary/*.yaml``, read through ``lexicon``); these names stay for importers.
FIELD_NAMES = lexicon.FIELD_NAMES
SKILL_SYNONYMS = lexicon.SKILL_SYNONYMS
TECH_WORDS = lexicon.TECH_WORDS


#: Vendor words skill names start with ("Apache Spark"); people type the rest.
_VENDORS = frozenset({"apache", "microsoft", "ibm", "oracle", "amazon", "google", "adobe"})
#: Rests of vendor names too generic to stand for the product ("Microsoft Office").
_GENERIC_SKILL_WORDS = frozenset({"office", "cloud", "access", "outlook", "statistics",
                                  "web", "services", "software", "active", "directory"})


@dataclass(frozen=True, slots=True)
class SkillRef:
    """A skill as one role lists it: rank in its top list (1-based) or a tool area."""

    name: str
    rank: int | None = None
    area: str | None = None


@dataclass
class Catalog:
    """Words of one knowledge view, for understanding messages about it.

    What every message looks up (the words that find a role, step, skill or metro
    mention, and the vocabulary) is made when the catalogue is built, from whole-view
    passes (``build``); what only some answers need is made on first use: a role's bag
    of work words and where it ranks each skill per role (``role_words``,
    ``role_skills``), the lists of a step's roles when a step is named (``steps``), the
    set of name words when typos are corrected (``targets``). So a first question about
    one role does not pay for every role's texts. ``derive`` makes an edited view's
    catalogue from its parent's by replacing only the changed roles."""

    knowledge: Knowledge
    index: RoleIndex
    #: alias key -> display name for every skill or tool any role names
    skill_names: dict[str, str] = field(default_factory=dict)
    #: role slug -> skill key -> where the role names it (worked out per role on first use)
    role_skills: Mapping[str, dict[str, SkillRef]] = field(init=False)
    #: alias key of a career step -> [(slug, position in progression or -1, display)], in
    #: role order. Steps named like a role are kept here; ``step_entries`` leaves them out
    #: (the index says which names are roles, and an alias edit can change that).
    _steps: dict[str, list[tuple[str, int, str]]] | None = field(default_factory=dict)
    #: metro key -> display name
    metros: dict[str, str] = field(default_factory=dict)
    #: role slug -> words describing its work (worked out per role on first use)
    role_words: Mapping[str, frozenset[str]] = field(init=False)
    #: every word the understanding knows, for typo correction and "is this a real word"
    vocabulary: AbstractSet[str] = frozenset()
    #: words typos may be corrected to
    _targets: tuple[str, ...] | None = ()
    #: tokens of role names and aliases
    role_tokens: AbstractSet[str] = frozenset()
    #: the words of 4 letters or more typos may be corrected to besides role tokens
    #: (skill names' and the lexicon's typo targets)
    _extra_targets: frozenset[str] = field(default=frozenset(), repr=False)
    max_alias_words: int = 1
    #: alias key of a field name ("researchscience") -> the one role it names; a key that
    #: is also a role's alias is the index's (``field_alias`` leaves it out). None: made
    #: on first use (``field_aliases``), ``field_alias`` looking keys up one by one.
    _field_aliases: dict[str, str] | None = field(default_factory=dict)
    #: a title head only one role's name ends with ("analysts") -> that role; None: made
    #: on first use (``head_roles``)
    _head_roles: dict[str, str] | None = field(default_factory=dict)
    #: a skill's short name -> its key ("spark" -> "apachespark", "excel" -> "microsoftexcel")
    skill_aliases: dict[str, str] = field(default_factory=dict)
    #: FAQ entry (question, tags) -> the roles it is about, worked out on first use
    _entry_roles: dict[tuple[str, tuple[str, ...]], frozenset[str]] = field(default_factory=dict)
    #: Two roles compared head to head by one source (the seed page is such a comparison):
    #: what "both roles" and "the other one" mean when nothing else says.
    default_pair: tuple[str, ...] = ()
    #: the keys of ``steps``, which every message looks up (the lists only when found)
    _step_keys: frozenset[str] | None = field(default=None, repr=False)
    #: What ``derive`` updates instead of merging every role again (``_merge_state``)
    _state: _MergeState | None = field(default=None, repr=False, compare=False)
    #: slug -> place in the view's order (``_positions``); not part of what is compared
    _order: dict[str, int] | None = field(default=None, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self.role_skills = _PerRole(self.knowledge.roles, attrgetter("refs"))
        self.role_words = _PerRole(self.knowledge.roles, attrgetter("words"))

    @classmethod
    def build(cls, knowledge: Knowledge, index: RoleIndex | None = None) -> Catalog:
        """The catalogue of ``knowledge`` from whole-view passes: each table is made from
        the view's distinct strings (skills, metros) or one pass over all names and
        steps, so the Python work per role is a few lookups and the rest runs in C (at
        1,700 roles a first question went from 186 ms to about 35 ms). Tables equal
        those of merging every role's parts in role order, the first role to name a
        skill, short name or metro giving its display (``build_by_parts``; a test
        compares the two)."""
        if index is None:
            index = role_index(knowledge)
        cat = cls(knowledge=knowledge, index=index)
        _make_room(len(knowledge.roles))
        roles = list(knowledge.roles.values())
        _add_skills(cat, roles)
        for metro in dict.fromkeys(itertools.chain.from_iterable(r.metros for r in roles)):
            cat.metros.setdefault(alias_key(metro), metro)
        # Steps: their keys now (every message looks them up), their lists when one is
        # found ("senior mlops engineer") or something reads ``steps``.
        cat._step_keys = _step_keys(roles)
        cat._steps = None if cat._step_keys is not None else _merged_steps(roles)
        # Field names and heads: looked up key by key in the role index's names and
        # made whole only when something reads the tables (see ``_field_role``).
        if type(index) is RoleIndex and _ascii_names(roles):
            cat._field_aliases = cat._head_roles = None
        else:
            cat.field_aliases, cat.head_roles = _name_tables(roles)
        tokens, longest = _name_words(roles)
        cat._finish_words(tokens, longest,
                          {w for name in cat.skill_names.values() for w in _skill_words(name)})
        cat.default_pair = _default_pair(knowledge)
        return cat

    @classmethod
    def build_by_parts(cls, knowledge: Knowledge, index: RoleIndex | None = None) -> Catalog:
        """The same catalogue merged from every role's parts in role order, with the
        state ``derive`` needs: the reference ``build`` is tested against."""
        if index is None:
            index = role_index(knowledge)
        cat = cls(knowledge=knowledge, index=index)
        state = cat._state = _MergeState()
        skill_names, skill_owner = cat.skill_names, state.skill_owner
        shorts, short_owner = cat.skill_aliases, state.short_owner
        metros, metro_owner = cat.metros, state.metro_owner
        steps, fields, heads = cat.steps, state.field_slugs, state.head_slugs
        for parts in _all_parts(knowledge.roles.values()):
            slug = parts.slug
            state.token_roles.update(parts.tokens)
            state.longest[parts.longest] += 1
            for key, name in parts.skills:
                if key not in skill_names:
                    skill_names[key] = name
                    skill_owner[key] = slug
            for short, key in parts.skill_aliases:
                if short not in shorts:
                    shorts[short] = key
                    short_owner[short] = slug
            for key, pos, display in parts.steps:
                steps.setdefault(key, []).append((slug, pos, display))
            for key, metro in parts.metros:
                if key not in metros:
                    metros[key] = metro
                    metro_owner[key] = slug
            for key in parts.fields:
                fields[key] = fields.get(key, frozenset()) | {slug}
            for key in parts.heads:
                heads[key] = heads.get(key, frozenset()) | {slug}
        state.skill_words.update(w for name in skill_names.values() for w in _skill_words(name))
        cat.field_aliases = _unique(fields)
        cat.head_roles = _unique(heads)
        cat._finish_words(frozenset(state.token_roles), max(state.longest, default=1),
                          state.skill_words.keys())
        cat.default_pair = _default_pair(knowledge)
        return cat

    def _merge_state(self) -> _MergeState:
        """Which role gave each first-wins entry and how many give each word or name, for
        ``derive``: made once per catalogue derived from (one pass over the roles' parts,
        which later builds of edited views share)."""
        if self._state is None:
            self._state = Catalog.build_by_parts(self.knowledge, self.index)._state
        assert self._state is not None
        return self._state

    def _finish_words(self, tokens: AbstractSet[str], longest: int,
                      skill_words: Iterable[str]) -> None:
        """Role tokens, alias length, typo targets and vocabulary. Names read lazily
        (``_NameTokens``) leave the vocabulary lazy too: a message's words are looked up
        in the names, and the typo targets are made when a word is to be corrected."""
        self.role_tokens = tokens
        self.max_alias_words = min(max(longest, 1), 6)
        self._extra_targets = frozenset(w for w in itertools.chain(skill_words,
                                                                   lexicon.TYPO_TARGETS)
                                        if len(w) >= 4)
        if isinstance(tokens, _NameTokens):
            self._targets = None
            self.vocabulary = _Vocabulary(tokens, self._extra_targets)
        else:
            targets = {w for w in tokens if len(w) >= 4} | self._extra_targets
            self._targets = tuple(sorted(targets))
            self.vocabulary = frozenset(targets | set(tokens) | _lexicon_words())

    @property
    def targets(self) -> tuple[str, ...]:
        """Words typos may be corrected to (made on first use when names are lazy)."""
        if self._targets is None:
            self._targets = tuple(sorted({w for w in self.role_tokens if len(w) >= 4}
                                         | self._extra_targets))
        return self._targets

    # -- building ----------------------------------------------------------------------

    def _add_steps(self, role: Role, stepped: set[tuple[str, str]]) -> None:
        """A role's career steps, a "leads to" step once per role (see ``_role_steps``),
        each added as one list append, so roles sharing a step keep the build linear
        (it was quadratic once: 17,000 roles, 32 s for a first question). ``stepped``
        gets the (step, role) pairs added."""
        for key, pos, display in _role_steps(role):
            self.steps.setdefault(key, []).append((role.slug, pos, display))
            stepped.add((key, role.slug))

    # -- use ---------------------------------------------------------------------------

    @property
    def steps(self) -> dict[str, list[tuple[str, int, str]]]:
        """Alias key of a career step -> [(slug, position in progression or -1, display)],
        in role order; steps named like a role are kept (``step_entries`` leaves them
        out: the index says which names are roles, and an alias edit can change that).
        Made on first use."""
        if self._steps is None:
            self._steps = _merged_steps(self.knowledge.roles.values())
        return self._steps

    @steps.setter
    def steps(self, steps: dict[str, list[tuple[str, int, str]]]) -> None:
        self._steps = steps
        self._step_keys = None

    def step_keys(self) -> frozenset[str]:
        if self._step_keys is None:
            self._step_keys = frozenset(self.steps)
        return self._step_keys

    def step_entries(self, key: str) -> list[tuple[str, int, str]] | None:
        """The roles with a career step of alias key ``key``; None for a step named like
        a role ("Data Engineer" on an analyst's ladder): that is the role, which the role
        scan finds, and as a step it would hide the role's own name."""
        if key not in self.step_keys():
            return None
        entries = self.steps.get(key)
        if entries and self.index.exact(key) is None:
            return entries
        return None

    @property
    def field_aliases(self) -> dict[str, str]:
        """Alias key of a field name -> the one role it names (made on first use)."""
        if self._field_aliases is None:
            self._field_aliases, heads = _name_tables(self.knowledge.roles.values())
            if self._head_roles is None:
                self._head_roles = heads
        return self._field_aliases

    @field_aliases.setter
    def field_aliases(self, table: dict[str, str]) -> None:
        self._field_aliases = table

    @property
    def head_roles(self) -> dict[str, str]:
        """A title head only one role's name ends with -> that role (made on first use:
        only a title standing alone, "what do analysts earn", looks one up)."""
        if self._head_roles is None:
            fields, self._head_roles = _name_tables(self.knowledge.roles.values())
            if self._field_aliases is None:
                self._field_aliases = fields
        return self._head_roles

    @head_roles.setter
    def head_roles(self, table: dict[str, str]) -> None:
        self._head_roles = table

    def field_alias(self, key: str) -> str | None:
        """The one role a field name's alias key names, unless a role answers to it."""
        table = self._field_aliases
        slug = table.get(key) if table is not None else self._field_role(key)
        if slug is not None and self.index.exact(key) is None:
            return slug
        return None

    def _field_role(self, key: str) -> str | None:
        """The one role whose name gives field-name key ``key``, found without the table:
        a role name "<words> <head>" gives "<words><field>" for each field of its head, so
        a key ending in a field's key names at most the roles whose name's alias key is
        the rest plus that head, which the role index lists (``holders``); each is
        checked with ``_name_keys``. Only for a plain ``RoleIndex`` over ASCII names
        (``build`` checks), where a name's alias key is its words joined."""
        fields = _field_heads()
        if not key.endswith(fields.suffixes):
            return None
        found: set[str] = set()
        roles = self.knowledge.roles
        for head, suffix in fields.pairs:
            if len(key) > len(suffix) and key.endswith(suffix):
                for slug in self.index.holders(key[:-len(suffix)] + head):
                    role = roles.get(slug)
                    if role is not None and key in _name_keys(role.name)[0]:
                        found.add(slug)
        return next(iter(found)) if len(found) == 1 else None

    def correct(self, token: str) -> str:
        """A likely intended word for a typo ("mlosp" -> "mlops"), else the token itself.

        Only unknown words of five letters or more are corrected, to a known word one
        edit away (two for long words) that starts with the same letter, so real words
        are never bent into keywords.
        """
        if len(token) < 5 or token in self.vocabulary or not token.isalpha():
            return token
        limit = 2 if len(token) >= 9 else 1
        best, best_d = token, limit + 1
        for target in self.targets:
            if target[0] != token[0] or abs(len(target) - len(token)) > limit:
                continue
            d = OSA.distance(token, target, score_cutoff=limit)
            if d < best_d:
                best, best_d = target, d
        return best

    def entry_roles(self, entry: FaqEntry) -> frozenset[str]:
        """The roles an FAQ entry is about: named in its question or its tags."""
        key = (entry.question, tuple(entry.tags))
        cached = self._entry_roles.get(key)
        if cached is not None:
            return cached
        found: set[str] = set()
        for tag in entry.tags:
            if slug := (self.index.exact(tag) if tag in self.knowledge.roles or len(tag) > 2
                        else None):
                found.add(slug)
        words = _WORD.findall(entry.question.casefold())
        for n in range(min(self.max_alias_words, len(words)), 0, -1):
            for i in range(len(words) - n + 1):
                phrase = " ".join(words[i:i + n])
                if n == 1 and len(phrase) <= 3:
                    continue
                if slug := self.index.exact(phrase):
                    found.add(slug)
        roles = frozenset(found)
        self._entry_roles[key] = roles
        return roles

    def role(self, slug: str) -> Role:
        return self.knowledge.roles[slug]

    def skill_key(self, phrase: str) -> str | None:
        """The skill key a phrase names, if any role lists that skill or tool."""
        key = alias_key(phrase)
        key = lexicon.SKILL_SYNONYMS.get(key, key)
        if key not in self.skill_names:
            key = self.skill_aliases.get(key, key)
        return key if key in self.skill_names else None

    def source_years(self) -> frozenset[str]:
        """The years ("2024") of every figure the view holds, for telling a question
        about another year: made the first time a message names a year (it read every
        role's snapshots on every message, about 1 ms at 1,700 roles)."""
        return self.knowledge.derived("chat.source_years", _source_years)

    def _positions(self) -> dict[str, int]:
        """Slug -> place in the view's role order, for ``derive`` (made on first use)."""
        if self._order is None:
            self._order = {slug: i for i, slug in enumerate(self.knowledge.roles)}
        return self._order


@dataclass
class _MergeState:
    """What ``derive`` keeps up to date besides the tables: which role gave each
    first-wins entry (skill names, short names, metros), and how many roles give each
    name token, alias length, field name and head (and how many skills each word)."""

    skill_owner: dict[str, str] = field(default_factory=dict)
    short_owner: dict[str, str] = field(default_factory=dict)
    metro_owner: dict[str, str] = field(default_factory=dict)
    token_roles: Counter[str] = field(default_factory=Counter)
    longest: Counter[int] = field(default_factory=Counter)
    skill_words: Counter[str] = field(default_factory=Counter)
    field_slugs: dict[str, frozenset[str]] = field(default_factory=dict)
    head_slugs: dict[str, frozenset[str]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class _Pos:
    """Where roles stand in a derived view's order: unchanged and edited roles where
    they stood in the parent, added ones after every parent role, in their own order."""

    parent: dict[str, int]
    added: dict[str, int]

    def __call__(self, slug: str) -> int:
        found = self.added.get(slug)
        return found if found is not None else self.parent[slug]


#: What each first-wins table takes from a role's parts: (key, value) in the role's order.
_SKILL_PAIRS: Callable[[_RoleParts], tuple[tuple[str, str], ...]] = attrgetter("skills")
_SHORT_PAIRS: Callable[[_RoleParts], tuple[tuple[str, str], ...]] = attrgetter("skill_aliases")
_METRO_PAIRS: Callable[[_RoleParts], tuple[tuple[str, str], ...]] = attrgetter("metros")

#: A derived catalogue is made only while the changed roles are at most this share of the
#: view's; beyond it merging everything again costs no more.
DERIVE_MAX_SHARE = 0.25


def derive(parent: Catalog, knowledge: Knowledge, changed: Iterable[str],
           index: RoleIndex | None = None) -> Catalog:
    """The catalogue of ``knowledge``, a view that differs from ``parent.knowledge`` only
    in the roles ``changed`` (edited content or names, added or removed slugs), made from
    the parent's by replacing those roles' parts: the work grows with the changed roles
    and the entries they touch, and a table is copied only when the edit changes it (the
    others are the parent's own objects; see the copy-on-write note in the body). It
    equals ``Catalog.build(knowledge)`` (tests compare every field).

    The view must keep the parent's role order with removed roles left out and added ones
    at the end, as ``overlay_view`` makes it; otherwise, or when many roles changed, the
    catalogue is built whole. A removed or edited role that was the first to name a skill
    or metro some other role also names costs a scan for the next one (rare). The first
    derive from a parent makes the parent's merge state once (``_merge_state``, a pass
    over its roles' parts); the parent is the global view's catalogue, which every
    edited server's view derives from."""
    if index is None:
        index = role_index(knowledge)
    old_roles, new_roles = parent.knowledge.roles, knowledge.roles
    changed = {s for s in changed if s in old_roles or s in new_roles}
    old = {s: _role_parts(old_roles[s]) for s in changed if s in old_roles}
    new = {s: _parts_after(old.get(s), new_roles[s]) for s in changed if s in new_roles}
    added = [s for s in new if s not in old]
    removed = [s for s in old if s not in new]
    tail = list(itertools.islice(reversed(new_roles), len(added)))
    if (len(changed) > DERIVE_MAX_SHARE * max(len(new_roles), 1)
            or set(tail) != set(added)
            or len(new_roles) != len(old_roles) - len(removed) + len(added)):
        return Catalog.build(knowledge, index)
    tail.reverse()
    pos = _Pos(parent._positions(), {s: len(old_roles) + i for i, s in enumerate(tail)})
    was = parent._merge_state()
    # Copy-on-write: every table starts as the parent's own object and is copied only when
    # a change to it is found (``_patched``); the merge state is not kept (``_merge_state``
    # makes it again if this catalogue is ever derived from). A derived catalogue copied
    # every table and the state before, about 100 KiB, which bounded how many were kept.
    cat = Catalog(knowledge=knowledge, index=index, default_pair=parent.default_pair)
    frozen = frozenset(changed)
    cat.role_skills = _PerRole(new_roles, attrgetter("refs"), parent.role_skills, frozen)
    cat.role_words = _PerRole(new_roles, attrgetter("words"), parent.role_words, frozen)

    def scan(pairs: Callable[[_RoleParts], tuple[tuple[str, str], ...]], key: str) -> str | None:
        for role in new_roles.values():
            if role.slug not in changed and any(k == key for k, _ in pairs(_role_parts(role))):
                return role.slug
        return None

    def firsts(values: dict[str, str], owners: dict[str, str],
               pairs: Callable[[_RoleParts], tuple[tuple[str, str], ...]]) -> dict[str, str]:
        """First-wins entries (skill names, short names, metros) for the changed roles:
        each key whose changed roles' values differ gets the first role naming it. The
        parent's ``values`` with those entries patched (the same object if none differ)."""
        if all(s in old and s in new and pairs(old[s]) is pairs(new[s]) for s in changed):
            return values  # every changed role gives the same entries (``_parts_after``)
        before = {s: _first_values(pairs(p)) for s, p in old.items()}
        after = {s: _first_values(pairs(p)) for s, p in new.items()}
        affected = {k for s in changed for d in (before.get(s, {}), after.get(s, {}))
                    for k in d if before.get(s, {}).get(k) != after.get(s, {}).get(k)}
        patch: dict[str, str | None] = {}
        for key in affected:
            owner = owners.get(key)
            best = owner if owner is None or owner not in changed else scan(pairs, key)
            for slug, got in after.items():
                if key in got and (best is None or pos(slug) < pos(best)):
                    best = slug
            if best is None:
                patch[key] = None
            else:
                got = after.get(best) or _first_values(pairs(_role_parts(new_roles[best])))
                patch[key] = got[key]
        return _patched(values, patch)

    # Skills (and the words their display names give), short names, metros.
    cat.skill_names = firsts(parent.skill_names, was.skill_owner, _SKILL_PAIRS)
    skill_words: Counter[str] = Counter()  # the change to ``was.skill_words``
    if cat.skill_names is not parent.skill_names:
        for key in parent.skill_names.keys() ^ cat.skill_names.keys() | {
                k for k, v in cat.skill_names.items() if parent.skill_names.get(k, v) != v}:
            before, now = parent.skill_names.get(key), cat.skill_names.get(key)
            skill_words.subtract(_skill_words(before) if before else ())
            skill_words.update(_skill_words(now) if now else ())
    cat.skill_aliases = firsts(parent.skill_aliases, was.short_owner, _SHORT_PAIRS)
    cat.metros = firsts(parent.metros, was.metro_owner, _METRO_PAIRS)

    # Steps: each touched step's list without the changed roles, theirs put back in order.
    steps_patch: dict[str, list[tuple[str, int, str]] | None] = {}
    # Only a key a changed role lists differently can move (same steps object: none).
    moved = [p for s in changed for p in (old.get(s), new.get(s)) if p is not None
             and not (s in old and s in new and old[s].steps is new[s].steps)]
    for key in {k for p in moved for k, _, _ in p.steps}:
        mine = [(pos(s), i, (s, at, shown_as)) for s, p in new.items()
                for i, (k, at, shown_as) in enumerate(p.steps) if k == key]
        had = [(s, at, shown_as) for s, p in old.items() for k, at, shown_as in p.steps if k == key]
        if [e for _, _, e in mine] == had:
            continue
        entries = [e for e in parent.steps.get(key, ()) if e[0] not in changed]
        for _, _, entry in sorted(mine):
            entries.insert(bisect.bisect_right(entries, pos(entry[0]), key=lambda e: pos(e[0])),
                           entry)
        steps_patch[key] = entries or None
    if steps_patch:
        cat.steps = _patched(parent.steps, steps_patch)
    else:
        cat.steps = parent.steps
        cat._step_keys = parent.step_keys()

    # Names: tokens, alias lengths, field names and heads (changes to the parent's counts).
    tokens: Counter[str] = Counter()
    longest: Counter[int] = Counter()
    slug_sets: tuple[dict[str, frozenset[str]], dict[str, frozenset[str]]] = ({}, {})
    for sign, parts_by_slug in ((-1, old), (1, new)):
        for slug, p in parts_by_slug.items():
            tokens.update(dict.fromkeys(p.tokens, sign))
            longest[p.longest] += sign
            for keys, had_sets, sets in ((p.fields, was.field_slugs, slug_sets[0]),
                                         (p.heads, was.head_slugs, slug_sets[1])):
                for key in keys:
                    holders = sets.get(key, had_sets.get(key, frozenset()))
                    sets[key] = holders | {slug} if sign > 0 else holders - {slug}
    unique: list[dict[str, str]] = []
    for table, sets in ((parent.field_aliases, slug_sets[0]), (parent.head_roles, slug_sets[1])):
        unique.append(_patched(table, {key: next(iter(holders)) if len(holders) == 1 else None
                                       for key, holders in sets.items()}))
    cat.field_aliases, cat.head_roles = unique
    lengths = {n for n, c in was.longest.items() if c + longest[n] > 0} | {
        n for n, c in longest.items() if c > 0 and was.longest[n] + c > 0}
    if not _keys_change(was.token_roles, tokens) and not _keys_change(was.skill_words,
                                                                      skill_words):
        cat.role_tokens, cat._targets = parent.role_tokens, parent._targets
        cat.vocabulary, cat._extra_targets = parent.vocabulary, parent._extra_targets
        cat.max_alias_words = min(max(lengths, default=1), 6)
    elif not _keys_change(was.skill_words, skill_words):
        # Only name tokens come or go (an alias of its own, "bench alias 7"): the parent's
        # token set and vocabulary with those few words patched, typo targets made on use.
        gone = frozenset(k for k, d in tokens.items() if d and was.token_roles[k] + d <= 0)
        new_words = frozenset(k for k, d in tokens.items()
                              if d > 0 and was.token_roles[k] <= 0 and was.token_roles[k] + d > 0)
        cat.role_tokens = _Patched(parent.role_tokens, new_words, gone)
        cat._extra_targets = parent._extra_targets
        cat._targets = None
        cat.vocabulary = _Patched(parent.vocabulary, new_words, gone - parent._extra_targets
                                  - _lexicon_words())
        cat.max_alias_words = min(max(lengths, default=1), 6)
    else:
        token_roles, words = was.token_roles.copy(), was.skill_words.copy()
        token_roles.update(tokens)
        words.update(skill_words)
        cat._finish_words(frozenset(k for k, c in token_roles.items() if c > 0),
                          max(lengths, default=1), [k for k, c in words.items() if c > 0])
    if any(s not in old or s not in new or _pair_facts(old_roles[s]) != _pair_facts(new_roles[s])
           for s in changed):
        cat.default_pair = _default_pair(knowledge)
    return cat


def _source_years(knowledge: Knowledge) -> frozenset[str]:
    return frozenset(snap.as_of[:4] for role in knowledge.roles.values() for snap in role.stats)


def _pair_facts(role: Role) -> tuple[str, str | None]:
    """What ``_default_pair`` reads of a role: its name (the order) and primary source."""
    snap = role.snapshot()
    return role.name, snap.source.id if snap is not None else None


def _first_values(pairs: tuple[tuple[str, str], ...]) -> dict[str, str]:
    found: dict[str, str] = {}
    for key, value in pairs:
        found.setdefault(key, value)
    return found


def _patched(table: dict[str, _V], patch: Mapping[str, _V | None]) -> dict[str, _V]:
    """``table`` with ``patch`` applied (None: the key goes), for ``derive``: ``table``
    itself when the patch changes nothing, so a derived catalogue shares its parent's."""
    if all(table.get(key) == value for key, value in patch.items()):
        return table
    out = dict(table)
    for key, value in patch.items():
        if value is None:
            out.pop(key, None)
        else:
            out[key] = value
    return out


class _Patched(AbstractSet[str]):
    """A set of words as its parent's (``base``) with a few ``added`` and ``gone``: what a
    derived catalogue's role tokens and vocabulary are when its edit only adds or drops
    name tokens, instead of a copy of the parent's whole set for each server."""

    __slots__ = ("_added", "_base", "_gone", "_len")

    def __init__(self, base: AbstractSet[str], added: frozenset[str],
                 gone: frozenset[str]) -> None:
        self._base = base
        self._gone = frozenset(w for w in gone if w in base)
        self._added = frozenset(w for w in added if w not in base)
        self._len = -1  # counted on first use: the parent's may be lazy (``_NameTokens``)

    def __contains__(self, word: object) -> bool:
        return word in self._added or (word in self._base and word not in self._gone)

    def __iter__(self) -> Iterator[str]:
        gone = self._gone
        yield from (w for w in self._base if w not in gone)
        yield from self._added

    def __len__(self) -> int:
        if self._len < 0:
            self._len = len(self._base) - len(self._gone) + len(self._added)
        return self._len


def _keys_change(counts: Counter[Any], change: Counter[Any]) -> bool:
    """Would adding ``change`` to ``counts`` (no count below zero) add or drop a key?"""
    return any(delta and (counts[key] + delta > 0) != (counts[key] > 0)
               for key, delta in change.items())


class _RoleParts:
    """What the catalogue takes from one role alone, worked out once per Role object.

    ``derive`` replaces a changed role's parts in its parent's tables, and
    ``build_by_parts`` merges every role's (in role order: the first role to name a
    skill wins); views share the parts of the roles their edits do not change. Skill
    keys are memoised per distinct string (1,700 roles list 112 distinct skills).
    ``refs`` and ``words`` (a role's ranked skills and the words of all its texts) are
    made only when an answer asks, for the view's tables ``role_skills``/``role_words``."""

    __slots__ = ("_refs", "_words", "fields", "heads", "longest", "metros", "role",
                 "skill_aliases", "skills", "slug", "steps", "tokens")

    def __init__(self, role: Role) -> None:
        self.role = role
        self.slug = role.slug
        self.tokens, self.longest = _role_name_words(role)
        skills: list[tuple[str, str]] = []
        shorts: list[tuple[str, str]] = []
        for skill in role.skills:
            key, short = _skill_item(skill)
            if key:
                skills.append((key, skill))
                shorts += short
        for group in role.tools:
            for item in group.items:
                key, short = _tool_item(item)
                if key:
                    skills.append((key, item))
                    shorts += short
        #: (skill key, display name) in the role's order: skills, then name-like tool items
        self.skills = tuple(skills)
        #: (short key, skill key): "spark" for "Apache Spark"
        self.skill_aliases = tuple(shorts)
        self.steps = _role_steps(role)
        self.metros = tuple((alias_key(m), m) for m in role.metros)
        self.fields, self.heads = _name_keys(role.name)
        self._refs: dict[str, SkillRef] | None = None
        self._words: frozenset[str] | None = None

    @classmethod
    def renamed(cls, parts: _RoleParts, role: Role) -> _RoleParts:
        """The parts of ``role``, which reads like ``parts.role`` in everything the parts
        take from a role but its aliases (``_WORK``): a server's alias of its own. Only
        the name words are worked out; the rest is ``parts``' own objects, so ``derive``
        sees at once (by identity) that the skills, steps and metros did not change."""
        made = cls.__new__(cls)
        made.role = role
        made.slug = role.slug
        made.tokens, made.longest = _role_name_words(role)
        made.skills, made.skill_aliases = parts.skills, parts.skill_aliases
        made.steps, made.metros = parts.steps, parts.metros
        made.fields, made.heads = parts.fields, parts.heads
        made._refs, made._words = parts._refs, parts._words
        return made

    @property
    def refs(self) -> dict[str, SkillRef]:
        """Skill key -> where the role names it (its first listing)."""
        if self._refs is None:
            refs: dict[str, SkillRef] = {}
            for rank, skill in enumerate(self.role.skills, start=1):
                key = _skill_item(skill)[0]
                if key and key not in refs:
                    refs[key] = SkillRef(skill, rank=rank)
            for group in self.role.tools:
                for item in group.items:
                    key = _tool_item(item)[0]
                    if key and key not in refs:
                        refs[key] = SkillRef(item, area=group.area)
            self._refs = refs
        return self._refs

    @property
    def words(self) -> frozenset[str]:
        """Words describing the role's work ("someone who loves infra" -> a role)."""
        if self._words is None:
            self._words = frozenset(_role_words(self.role))
        return self._words


class _PerRole(Mapping[str, _V]):
    """Role slug -> one lazy part of that role's ``_RoleParts``, for one view's roles:
    a lookup works out that role's part only (kept with the parts, which views share,
    and here, so an answer walking every role reads a dict, not the parts cache).

    A derived catalogue's (``derive``) reads the parent catalogue's for every role but
    the ``own`` ones (the slugs its view changed): those are the parent's Role objects,
    so their parts are the same, already worked out there, and not kept again per
    server."""

    def __init__(self, roles: Mapping[str, Role], part: Callable[[_RoleParts], _V],
                 shared: Mapping[str, _V] | None = None,
                 own: AbstractSet[str] = frozenset()) -> None:
        self._roles = roles
        self._part = part
        self._got: dict[str, _V] = {}
        self._shared = shared
        self._own = own

    def __getitem__(self, slug: str) -> _V:
        got = self._got.get(slug, _MISSING)
        if got is _MISSING:
            shared = self._shared
            if shared is not None and slug not in self._own:
                return shared[slug]
            got = self._got[slug] = self._part(_role_parts(self._roles[slug]))
        return cast(_V, got)

    def __iter__(self) -> Iterator[str]:
        return iter(self._roles)

    def __len__(self) -> int:
        return len(self._roles)


def _merged_steps(roles: Iterable[Role]) -> dict[str, list[tuple[str, int, str]]]:
    """Every role's steps (``_role_steps``) by step key, in role order."""
    steps: dict[str, list[tuple[str, int, str]]] = {}
    for role in roles:
        if role.progression or role.leads_to:
            slug = role.slug
            for key, pos, display in _role_steps(role):
                entries = steps.get(key)
                if entries is None:
                    steps[key] = [(slug, pos, display)]
                else:
                    entries.append((slug, pos, display))
    return steps


#: Every byte but ``alias_key``'s characters (lowercase letters, digits) and newline.
_NOT_KEY_BYTES = bytes(c for c in range(256) if not (48 <= c <= 57 or 97 <= c <= 122 or c == 10))


def _step_keys(roles: list[Role]) -> frozenset[str] | None:
    """The alias keys of every role's career steps, from all steps joined in one C pass
    (``alias_key`` of ASCII text is its lowercase letters and digits); None when the
    steps are not all plain ASCII lines (then they are merged at once)."""
    texts = [*_each(roles, "progression"), *_each(roles, "leads_to")]  # a set: any order
    if not texts:
        return frozenset()
    text = "\n".join(texts)
    if not text.isascii() or text.count("\n") != len(texts) - 1:
        return None
    data = text.lower().encode("ascii").translate(None, _NOT_KEY_BYTES)
    # Decoded once and split as text: a decode per distinct key cost twice as much.
    return frozenset(data.decode("ascii").split("\n"))


def _add_skills(cat: Catalog, roles: list[Role]) -> None:
    """Skill names and short names as merging every role in order gives them: what the
    roles list is read as two sets of distinct strings (skills; tool items, of which
    the name-like ones count), and only a key (or short name) that two different
    strings give is settled by finding which of them a role lists first."""
    skills = dict.fromkeys(itertools.chain.from_iterable(r.skills for r in roles))
    tools = dict.fromkeys(itertools.chain.from_iterable(
        g.items for r in roles for g in r.tools))
    if any(not _name_like(t) for t in tools if t in skills):
        # A phrase listed as a tool (not a skill there) and as a skill elsewhere: where
        # it first counts is not where it first appears, so merge in order.
        listed = itertools.chain.from_iterable(itertools.chain.from_iterable(
            itertools.chain[Iterable[str]]((r.skills,), (filter(_name_like, g.items)
                                                         for g in r.tools))
            for r in roles))
        for name in dict.fromkeys(listed):
            key, shorts = _skill_item(name)
            if key:
                cat.skill_names.setdefault(key, name)
                for short, of in shorts:
                    cat.skill_aliases.setdefault(short, of)
        return
    by_key: dict[str, list[str]] = {}
    by_short: dict[str, dict[str, list[str]]] = {}
    for name in itertools.chain(skills, (t for t in tools if t not in skills and _name_like(t))):
        key, shorts = _skill_item(name)
        if key:
            by_key.setdefault(key, []).append(name)
            for short, of in shorts:
                by_short.setdefault(short, {}).setdefault(of, []).append(name)
    for key, names in by_key.items():
        cat.skill_names[key] = names[0] if len(names) == 1 else _first_listed(roles, names)
    for short, keys in by_short.items():
        if len(keys) == 1:
            cat.skill_aliases[short] = next(iter(keys))
        else:
            first = _first_listed(roles, [n for names in keys.values() for n in names])
            cat.skill_aliases[short] = next(of for of, names in keys.items() if first in names)


def _first_listed(roles: Iterable[Role], names: list[str]) -> str:
    """Which of ``names`` the roles list first (skills, then name-like tool items)."""
    wanted = set(names)
    for role in roles:
        for name in role.skills:
            if name in wanted:
                return name
        for group in role.tools:
            for name in group.items:
                if name in wanted and _name_like(name):
                    return name
    raise ValueError(f"none of {names} is listed")


def _role_name_words(role: Role) -> tuple[frozenset[str], int]:
    """A role's name tokens (the words of its name, slug and aliases) and the most words
    any of those names has."""
    names = (role.name, role.slug.replace("-", " "), *role.aliases)
    return (frozenset(_WORD.findall(" ".join(names).casefold())),
            max(1, *map(_word_count, names)))


#: Everything ``_RoleParts`` reads of a role besides its slug and aliases (``_words``
#: included): two roles alike in these have the same parts but for the name words.
_WORK = attrgetter("name", "skills", "tools", "progression", "leads_to", "metros", "focus",
                   "summary", "week_summary", "week_tasks", "getting_in")


def _parts_after(before: _RoleParts | None, role: Role) -> _RoleParts:
    """The parts of ``role``, an edited version of ``before.role`` (None: an added role):
    made from ``before`` when the edit changed only aliases (``_RoleParts.renamed``)."""
    if before is not None and _WORK(before.role) == _WORK(role):
        # Kept as the role's parts, then read the one way a role's parts are read.
        _kept(_PARTS, role, lambda r: _RoleParts.renamed(before, r))
    return _role_parts(role)


def _role_steps(role: Role) -> tuple[tuple[str, int, str], ...]:
    """(step key, position in the progression or -1, display): the progression, then
    each "leads to" step the role has not listed yet."""
    steps = [(alias_key(step), pos, step) for pos, step in enumerate(role.progression)]
    seen = {key for key, _, _ in steps}
    for step in role.leads_to:
        key = alias_key(step)
        if key not in seen:
            steps.append((key, -1, step))
            seen.add(key)
    return tuple(steps)


@dataclass(frozen=True, slots=True)
class _FieldHeads:
    """``lexicon.FIELD_NAMES`` as (head, field key) pairs and the field keys as a tuple
    for one C-level ``endswith``: most keys a message gives end in no field's key."""

    table: object
    pairs: tuple[tuple[str, str], ...]
    suffixes: tuple[str, ...]
    #: No field name's alias key is empty (``field_key_suffixes``).
    every_name_keyed: bool = True


_FIELD_HEADS: list[_FieldHeads] = []


def _field_heads() -> _FieldHeads:
    """The pairs for the vocabulary in use (remade when ``lexicon.use`` swaps it)."""
    table = lexicon.FIELD_NAMES
    if _FIELD_HEADS and _FIELD_HEADS[0].table is table:
        return _FIELD_HEADS[0]
    pairs = tuple((head, key) for head, names in table.items() for name in names
                  if (key := alias_key(name)))
    made = _FieldHeads(table, pairs, tuple(key for _, key in pairs),
                       all(alias_key(name) for names in table.values() for name in names))
    _FIELD_HEADS[:] = [made]
    return made


def field_key_suffixes() -> tuple[str, ...] | None:
    """The endings every field-name key has (the alias key of one of the field names of
    ``lexicon.FIELD_NAMES``): ``Catalog.field_alias`` finds no role for a key ending in
    none of them, so a caller may skip asking. None when some field name has no key
    (a key with no such ending could then be one)."""
    heads = _field_heads()
    return heads.suffixes if heads.every_name_keyed else None


def _ascii_names(roles: list[Role]) -> bool:
    """Every role name plain ASCII (its alias key is then its ``_WORD`` words joined)."""
    return "".join(map(_NAME, roles)).isascii()


_NAME: Callable[[Role], str] = attrgetter("name")


def _each(items: Iterable[Any], attribute: str) -> Iterator[Any]:
    """Every element of each item's ``attribute`` (a tuple), in order, walked in C
    (``map`` and ``chain``): a generator per item was a Python frame step per role in
    each whole-view pass of ``Catalog.build``."""
    return itertools.chain.from_iterable(map(attrgetter(attribute), items))


def _name_tables(roles: Iterable[Role]) -> tuple[dict[str, str], dict[str, str]]:
    """The field-name and head tables: keys only one role's name gives, with it."""
    fields, heads = _name_slugs((r.slug, _name_keys(r.name)) for r in roles)
    return _unique(fields), _unique(heads)


def _name_keys(name: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """A role name's field-name keys ("research scientist" -> "researchscience") and its
    head forms ("analyst", "analysts"): the roles each names is merged in the build."""
    words = _WORD.findall(name.casefold())
    if not words:
        return (), ()
    head = words[-1]
    fields = tuple(alias_key(" ".join([*words[:-1], field_name]))
                   for field_name in lexicon.FIELD_NAMES.get(head, ()) if len(words) >= 2)
    return fields, (head, head + "s")


def _word_count(name: str) -> int:
    """How many words ``_WORD`` finds in ``name``: a plain ASCII name of letters, digits
    and spaces (most aliases) is counted by splitting, without the regular expression."""
    if name.isascii() and name.replace(" ", "").isalnum():
        return len(name.split())
    return len(_WORD.findall(name.casefold()))


@lru_cache(maxsize=65536)
def _skill_item(name: str) -> tuple[str, tuple[tuple[str, str], ...]]:
    """A listed skill's key and short names, once per distinct name."""
    key = alias_key(name)
    return key, tuple(_skill_shorts(name, key)) if key else ()


@lru_cache(maxsize=65536)
def _name_like(item: str) -> bool:
    """Tool items can be phrases ("when to use ML ..."); only name-like ones (up to three
    words) are skills a question can name."""
    return len(item.split()) <= 3


@lru_cache(maxsize=65536)
def _tool_item(item: str) -> tuple[str, tuple[tuple[str, str], ...]]:
    """A tool item as a skill, when it is name-like (see ``_name_like``)."""
    return _skill_item(item) if _name_like(item) else ("", ())


#: ASCII bytes -> themselves for ``_WORD``'s characters, a space for every other byte.
_WORD_BYTES = bytes(c if 48 <= c <= 57 or 97 <= c <= 122 else 32 for c in range(256))
#: A line (one name) of at least n words, for n up to the longest alias scanned for.
_LINE_OF = {n: re.compile(rb"(?m)^[^a-z0-9\n]*(?:[a-z0-9]+[^a-z0-9\n]+){%d}[a-z0-9]" % (n - 1))
            for n in range(2, 7)}


def _name_words(roles: list[Role]) -> tuple[AbstractSet[str], int]:
    """The words of every role's name, slug and aliases, and the most words one of them
    has (counted up to 6, all the role scan uses): one pass over all the names joined,
    in C for the usual ASCII names instead of a regular expression per name."""
    names = list(itertools.chain.from_iterable((r.name, r.slug, *r.aliases) for r in roles))
    text = "\n".join(names).casefold()
    if not text.isascii() or text.count("\n") != len(names) - 1:
        return (frozenset(_WORD.findall(text)),
                max((_word_count(n) for n in names), default=1))
    data = text.encode("ascii")
    longest = next((n for n in range(6, 1, -1) if _LINE_OF[n].search(data)), 1)
    return _NameTokens(b" " + data.translate(_WORD_BYTES) + b" "), longest


class _NameTokens(AbstractSet[str]):
    """The words of every role's names (``_WORD``'s runs), read from the names' text:
    a word is looked up with one search of the text (as " word ", every other byte
    made a space), remembered; the set is made only when something walks it (typo
    targets). Splitting 1,700 roles' names into words cost about a third of a first
    question's catalogue."""

    def __init__(self, spaced: bytes) -> None:
        self._spaced = spaced
        self._set: frozenset[str] | None = None
        self._seen: dict[str, bool] = {}

    def __contains__(self, word: object) -> bool:
        if self._set is not None:
            return word in self._set
        if not isinstance(word, str):
            return False
        found = self._seen.get(word)
        if found is None:
            # Words are runs of [a-z0-9]: anything else is no word of the names.
            found = (word.isascii() and word.isalnum() and word == word.lower()
                     and f" {word} ".encode("ascii") in self._spaced)
            if len(self._seen) >= NAME_WORDS_REMEMBERED:
                return word in self._words()  # many words asked: split the names once
            self._seen[word] = found
        return found

    def _words(self) -> frozenset[str]:
        if self._set is None:
            self._set = frozenset(w.decode("ascii") for w in set(self._spaced.split()))
        return self._set

    def __iter__(self) -> Iterator[str]:
        return iter(self._words())

    def __len__(self) -> int:
        return len(self._words())


#: Words looked up in a view's names (and remembered) before they are split into a set.
NAME_WORDS_REMEMBERED = 4096


class _Vocabulary(AbstractSet[str]):
    """Every word the understanding knows: the lexicon's, the typo targets (skill names'
    words, the lexicon's targets) and the role names' words, looked up in each."""

    def __init__(self, names: _NameTokens, extra: frozenset[str]) -> None:
        self._names = names
        self._extra = extra

    def __contains__(self, word: object) -> bool:
        return word in _lexicon_words() or word in self._extra or word in self._names

    def _words(self) -> frozenset[str]:
        return frozenset(_lexicon_words() | self._extra | set(self._names))

    def __iter__(self) -> Iterator[str]:
        return iter(self._words())

    def __len__(self) -> int:
        return len(self._words())


def _name_slugs(named: Iterable[tuple[str, tuple[tuple[str, ...], tuple[str, ...]]]]
                ) -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    """Field-name keys and heads (``_name_keys``) -> the roles whose names give them."""
    fields: dict[str, set[str]] = {}
    heads: dict[str, set[str]] = {}
    for slug, (field_keys, head_keys) in named:
        for key in field_keys:
            fields.setdefault(key, set()).add(slug)
        for key in head_keys:
            heads.setdefault(key, set()).add(slug)
    return fields, heads


def _unique(holders: Mapping[str, AbstractSet[str]]) -> dict[str, str]:
    """The keys only one role gives, with that role."""
    return {key: next(iter(slugs)) for key, slugs in holders.items() if len(slugs) == 1}


@lru_cache(maxsize=65536)
def _skill_words(name: str) -> frozenset[str]:
    """The words of a skill's display name that typos may be corrected to."""
    return frozenset(w for w in _WORD.findall(name.casefold()) if len(w) >= 4)


#: Roles whose parts are kept beyond those of the view being built (least
#: recently used dropped one at a time): room for the edited roles of recently used
#: views. Every build touches the roles a view shares with the base, so those stay; the
#: parts of an edited role (about 20 KB) go soon after its view does, which keeps 10,000
#: edited servers from holding 10,000 of them (220 MB, measured).
ROLE_PARTS_MARGIN = 256
_PARTS: LRUCache[int, tuple[Role, _RoleParts]] = LRUCache(maxsize=ROLE_PARTS_MARGIN)
_PARTS_LOCK = threading.Lock()


def _make_room(roles: int) -> None:
    """Size the parts kept for a view of ``roles`` roles and the margin: grown to fit it,
    and shrunk (emptied) when the views are now much smaller (another, smaller base),
    so a process never keeps room for a catalogue it no longer builds."""
    global _PARTS
    wanted = roles + ROLE_PARTS_MARGIN
    with _PARTS_LOCK:
        if _PARTS.maxsize < wanted:
            bigger: LRUCache[int, tuple[Role, _RoleParts]] = LRUCache(maxsize=wanted)
            bigger.update(_PARTS)
            _PARTS = bigger
        elif _PARTS.maxsize > 2 * wanted:
            _PARTS = LRUCache(maxsize=wanted)


def _kept(cache: LRUCache[int, tuple[_K, _V]], held: _K, make: Callable[[_K], _V]) -> _V:
    """What ``make`` gives for ``held``, kept in ``cache`` by the object's identity (the
    entry holds the object, so its id is never reused while the entry lives); made
    outside the lock, since making it can take milliseconds."""
    with _PARTS_LOCK:
        kept = cache.get(id(held))
    if kept is not None and kept[0] is held:
        return kept[1]
    made = make(held)
    with _PARTS_LOCK:
        cache[id(held)] = (held, made)
    return made


def _role_parts(role: Role) -> _RoleParts:
    return _kept(_PARTS, role, _RoleParts)


def _all_parts(roles: Iterable[Role]) -> list[_RoleParts]:
    """Every role's parts, as ``_role_parts`` one by one but under one lock for the
    lookups and one for the additions."""
    roles = list(roles)
    with _PARTS_LOCK:
        found = [_PARTS.get(id(role)) for role in roles]
    out: list[_RoleParts] = []
    made: list[tuple[Role, _RoleParts]] = []
    for role, cached in zip(roles, found, strict=True):
        if cached is not None and cached[0] is role:
            out.append(cached[1])
        else:
            parts = _RoleParts(role)
            made.append((role, parts))
            out.append(parts)
    with _PARTS_LOCK:
        for role, parts in made:
            _PARTS[id(role)] = (role, parts)
    return out


def _skill_shorts(name: str, key: str) -> list[tuple[str, str]]:
    """ "Apache Spark" is also "spark": names after a vendor word, when distinctive."""
    words = _WORD.findall(name.casefold())
    if len(words) < 2 or words[0] not in _VENDORS:
        return []
    rest = words[1:]
    return [(alias_key(short), key) for short in (" ".join(rest), rest[0] if len(rest) > 1 else "")
            if len(short) >= 3 and short not in _GENERIC_SKILL_WORDS]


@lru_cache(maxsize=1)
def _lexicon_words() -> frozenset[str]:
    """The vocabulary's words that come from the lexicon, not the knowledge: the same for
    every view, so made once (it was remade with each catalogue)."""
    facet_words = {w for table in lexicon.FACET_WORDS.values() for phrase in table
                   for w in phrase.split()}
    return frozenset(
        facet_words | lexicon.STOPWORDS | lexicon.GREETINGS
        | lexicon.THANKS | lexicon.TITLE_HEADS | lexicon.SOLO_TITLES | lexicon.DOMAIN_WORDS
        | lexicon.COMMON_WORDS | lexicon.TITLE_MODIFIERS | lexicon.STANDALONE_TITLES
        | {w for p in lexicon.PLACES for w in p.split()}
        | {w for c in lexicon.COMPANIES for w in c.split()}
        | {w for t in lexicon.TECH_WORDS for w in t.split()}
        | {w for group in lexicon.BACKGROUNDS.values() for p in group for w in p.split()}
        | {w for group in lexicon.INTERESTS.values() for w in group}
    )


#: FAQ indexes kept, each with the entries it indexes (see ``shared_faq_index``).
FAQ_INDEXES_KEPT = 64
_FAQ_INDEXES: LRUCache[int, tuple[tuple[FaqEntry, ...], FaqIndex]] = \
    LRUCache(maxsize=FAQ_INDEXES_KEPT)


def shared_faq_index(entries: tuple[FaqEntry, ...]) -> FaqIndex:
    """The FAQ index over ``entries``, one per tuple of entries: every view without FAQ
    edits of its own holds the base's tuple itself, so they share one index (an FTS5
    table, about 7 ms to make) instead of making one per server."""
    return _kept(_FAQ_INDEXES, entries, FaqIndex)


def _default_pair(knowledge: Knowledge) -> tuple[str, ...]:
    """The roles of the one source that covers exactly two roles as their primary figures,
    in name order (as ``role_list`` lists them): only those two are sorted."""
    if len(knowledge.roles) == 2:
        return tuple(r.slug for r in knowledge.role_list())
    primary = [(snap.source.id, role) for role in knowledge.roles.values()
               if (snap := role.snapshot()) is not None]
    pairs = [source for source, n in Counter(s for s, _ in primary).items() if n == 2]
    if len(pairs) != 1:
        return ()
    two = sorted((role for source, role in primary if source == pairs[0]),
                 key=lambda role: role.name.lower())
    return tuple(role.slug for role in two)


def _role_words(role: Role) -> set[str]:
    texts = [role.name, role.focus, role.summary, role.week_summary, *role.week_tasks,
             *role.skills, role.getting_in]
    for group in role.tools:
        texts.append(group.area)
        texts.extend(group.items)
        texts.append(group.note)
    words: set[str] = set()
    for text in texts:
        words.update(_WORD.findall(text.casefold()))
    return words
