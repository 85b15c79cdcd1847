"""What the chat pipeline knows about the words of one knowledge view.

Built once per Knowledge (roles can be added by moderators or new data, so nothing here
is hard-coded to the seed's two roles): the role alias index, the skills and tools each
role names, its career steps, hiring metros and a bag of words describing its work
(used to match "someone who loves infra" to a role), and the vocabulary typos are
corrected against.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field
from functools import lru_cache

from cachetools import LRUCache
from rapidfuzz.distance import OSA

from bot.core.chat import lexicon
from bot.core.chat.faq import FaqIndex
from bot.knowledge.models import FaqEntry, Knowledge, Role
from bot.knowledge.role_index import role_index
from bot.text.names import RoleIndex, alias_key

_WORD = re.compile(r"[a-z0-9]+")

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
    """Words of one knowledge view, for understanding messages about it."""

    knowledge: Knowledge
    index: RoleIndex
    #: alias key -> display name for every skill or tool any role names
    skill_names: dict[str, str] = field(default_factory=dict)
    #: role slug -> skill key -> where the role names it
    role_skills: dict[str, dict[str, SkillRef]] = field(default_factory=dict)
    #: alias key of a career step -> [(slug, position in progression or -1, display)]
    steps: dict[str, list[tuple[str, int, str]]] = field(default_factory=dict)
    #: metro key -> display name
    metros: dict[str, str] = field(default_factory=dict)
    #: role slug -> words describing its work
    role_words: dict[str, frozenset[str]] = field(default_factory=dict)
    #: every word the understanding knows, for typo correction and "is this a real word"
    vocabulary: frozenset[str] = frozenset()
    #: words typos may be corrected to
    targets: tuple[str, ...] = ()
    #: tokens of role names and aliases
    role_tokens: frozenset[str] = frozenset()
    max_alias_words: int = 1
    #: alias key of a field name ("researchscience") -> the one role it names
    field_aliases: dict[str, str] = field(default_factory=dict)
    #: a title head only one role's name ends with ("analysts") -> that role
    head_roles: dict[str, str] = field(default_factory=dict)
    #: a skill's short name -> its key ("spark" -> "apachespark", "excel" -> "microsoftexcel")
    skill_aliases: dict[str, str] = field(default_factory=dict)
    #: FAQ entry (question, tags) -> the roles it is about, worked out on first use
    _entry_roles: dict[tuple[str, tuple[str, ...]], frozenset[str]] = field(default_factory=dict)
    #: Two roles compared head to head by one source (the seed page is such a comparison):
    #: what "both roles" and "the other one" mean when nothing else says.
    default_pair: tuple[str, ...] = ()

    @classmethod
    def build(cls, knowledge: Knowledge, index: RoleIndex | None = None) -> Catalog:
        if index is None:
            index = role_index(knowledge)
        cat = cls(knowledge=knowledge, index=index)
        role_tokens: set[str] = set()
        longest = 1
        stepped: set[tuple[str, str]] = set()  # (step key, role slug) pairs listed in steps
        _make_room(len(knowledge.roles))
        for role in knowledge.roles.values():
            parts = _role_parts(role)
            role_tokens.update(parts.tokens)
            longest = max(longest, parts.longest)
            for key, name in parts.skills:
                cat.skill_names.setdefault(key, name)
            for short, key in parts.skill_aliases:
                cat.skill_aliases.setdefault(short, key)
            cat.role_skills[role.slug] = parts.refs
            cat._add_steps(role, stepped)
            for metro in role.metros:
                cat.metros.setdefault(alias_key(metro), metro)
            cat.role_words[role.slug] = parts.words
        cat.role_tokens = frozenset(role_tokens)
        cat._add_field_names()
        cat.default_pair = _default_pair(knowledge)
        cat.max_alias_words = min(longest, 6)
        skill_tokens = {w for name in cat.skill_names.values() for w in _WORD.findall(name.casefold())
                        if len(w) >= 4}
        targets = {w for w in role_tokens | skill_tokens | lexicon.TYPO_TARGETS if len(w) >= 4}
        cat.targets = tuple(sorted(targets))
        cat.vocabulary = frozenset(targets | role_tokens | _lexicon_words())
        return cat

    # -- building ----------------------------------------------------------------------


    def _add_field_names(self) -> None:
        """Field names and bare heads that name exactly one role, from the role names."""
        fields: dict[str, set[str]] = {}
        heads: dict[str, set[str]] = {}
        for role in self.knowledge.roles.values():
            words = _WORD.findall(role.name.casefold())
            if not words:
                continue
            head = words[-1]
            for form in (head, head + "s"):
                heads.setdefault(form, set()).add(role.slug)
            for name in lexicon.FIELD_NAMES.get(head, ()):
                if len(words) >= 2:
                    fields.setdefault(alias_key(" ".join([*words[:-1], name])), set()).add(role.slug)
        self.field_aliases = {key: next(iter(slugs)) for key, slugs in fields.items()
                              if len(slugs) == 1 and self.index.exact(key) is None}
        self.head_roles = {word: next(iter(slugs)) for word, slugs in heads.items()
                           if len(slugs) == 1}

    def _add_steps(self, role: Role, stepped: set[tuple[str, str]]) -> None:
        """A role's career steps; a "leads to" step once per role. ``stepped`` holds the
        (step, role) pairs listed so far, so the check is a set lookup rather than a scan
        of the step's entries, which made the build quadratic when many roles lead to the
        same step (17,000 roles: 32 s for a first question). A step named exactly like a
        role ("Data Engineer" on an analyst's ladder) is that role: the role scan finds
        it, and as a step it would hide the role's own name."""
        for pos, step in enumerate(role.progression):
            key = alias_key(step)
            if self.index.exact(key) is None:
                self.steps.setdefault(key, []).append((role.slug, pos, step))
                stepped.add((key, role.slug))
        for step in role.leads_to:
            key = alias_key(step)
            if (key, role.slug) not in stepped and self.index.exact(key) is None:
                self.steps.setdefault(key, []).append((role.slug, -1, step))
                stepped.add((key, role.slug))

    # -- use ---------------------------------------------------------------------------

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


@dataclass(frozen=True, slots=True)
class _RoleParts:
    """What the catalogue takes from one role alone, worked out once per Role object.

    A server's view shares every role its edits do not change with the global view, so
    building its catalogue reuses these (about 70 µs a role) and only merges them; the
    merge keeps the order the build always had (first role to name a skill wins)."""

    tokens: frozenset[str]
    longest: int
    #: (skill key, display name) in the role's order: skills, then name-like tool items
    skills: tuple[tuple[str, str], ...]
    refs: dict[str, SkillRef]
    #: (short key, skill key): "spark" for "Apache Spark"
    skill_aliases: tuple[tuple[str, str], ...]
    words: frozenset[str]


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


def _role_parts(role: Role) -> _RoleParts:
    with _PARTS_LOCK:
        cached = _PARTS.get(id(role))
    if cached is not None and cached[0] is role:
        return cached[1]
    tokens: set[str] = set()
    longest = 1
    for alias in (role.name, role.slug.replace("-", " "), *role.aliases):
        words = _WORD.findall(alias.casefold())
        tokens.update(words)
        longest = max(longest, len(words))
    skills: list[tuple[str, str]] = []
    refs: dict[str, SkillRef] = {}
    shorts: list[tuple[str, str]] = []
    for rank, skill in enumerate(role.skills, start=1):
        key = alias_key(skill)
        if key:
            skills.append((key, skill))
            refs.setdefault(key, SkillRef(skill, rank=rank))
            shorts += _skill_shorts(skill, key)
    for group in role.tools:
        for item in group.items:
            key = alias_key(item)
            # Tool items can be phrases ("when to use ML ..."); only name-like ones
            # (up to three words) are skills a question can name.
            if key and len(item.split()) <= 3:
                skills.append((key, item))
                refs.setdefault(key, SkillRef(item, area=group.area))
                shorts += _skill_shorts(item, key)
    parts = _RoleParts(frozenset(tokens), longest, tuple(skills), refs, tuple(shorts),
                       frozenset(_role_words(role)))
    with _PARTS_LOCK:
        _PARTS[id(role)] = (role, parts)
    return parts


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
    with _PARTS_LOCK:
        kept = _FAQ_INDEXES.get(id(entries))
    if kept is not None and kept[0] is entries:
        return kept[1]
    index = FaqIndex(entries)
    with _PARTS_LOCK:
        _FAQ_INDEXES[id(entries)] = (entries, index)
    return index


def _default_pair(knowledge: Knowledge) -> tuple[str, ...]:
    """The roles of the one source that covers exactly two roles as their primary figures."""
    roles = knowledge.role_list()
    if len(roles) == 2:
        return tuple(r.slug for r in roles)
    by_source: dict[str, list[str]] = {}
    for role in roles:
        snap = role.snapshot()
        if snap is not None:
            by_source.setdefault(snap.source.id, []).append(role.slug)
    pairs = [tuple(slugs) for slugs in by_source.values() if len(slugs) == 2]
    return pairs[0] if len(pairs) == 1 else ()


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
