"""Understanding one message: which roles it names, what it asks, and the details.

``understand`` reads a cleaned message against a ``Catalog`` (the words of the current
knowledge view) and returns an ``Understanding``: facet scores from keyword sets,
role mentions found by scanning n-grams against the role index, career steps, numbers,
references ("the other one", "both", "my role"), a self-description ("i'm an mlops
engineer making 180k"), things the knowledge base does not hold (cities, companies,
trends, equity) and roles it does not know. It decides nothing about the conversation;
``planner`` combines this with memory.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import FrozenInstanceError, dataclass, field, fields
from types import MappingProxyType

from bot.core.chat import lexicon
from bot.core.chat.catalog import Catalog, field_key_suffixes
from bot.core.chat.heads import HEAD, KeyHeads, may_begin
from bot.core.chat.normalize import Cleaned
from bot.core.chat.numbers import Numbers, parse_numbers
from bot.text.names import alias_key


def _alternation(patterns: Sequence[str]) -> re.Pattern[str]:
    r"""One pattern matching where any of ``patterns`` does, the ones that start at a
    word boundary grouped behind a single ``\b``: ``\bA|\bB`` and ``\b(?:A|B)`` match
    the same, but the grouped form fails at once inside a word instead of trying every
    alternative at every character (the 29 injection patterns took about 10 us a message
    as a plain alternation, 1 us grouped)."""
    bounded = [p[2:] for p in patterns if p.startswith(r"\b") and not _top_level_bar(p)]
    rest = [p for p in patterns if not p.startswith(r"\b") or _top_level_bar(p)]
    parts = [r"\b(?:" + "|".join(bounded) + ")"] if bounded else []
    return re.compile("|".join([*parts, *rest]))


def _top_level_bar(pattern: str) -> bool:
    """Does ``pattern`` have a ``|`` outside any group or character class (so that
    ``\\bA|B`` is not read as ``\\b(?:A|B)``)?"""
    depth, in_class, escaped = 0, False, False
    for ch in pattern:
        if escaped:
            escaped = False
        elif ch == "\\":
            escaped = True
        elif in_class:
            in_class = ch != "]"
        elif ch == "[":
            in_class = True
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch == "|" and depth == 0:
            return True
    return False


_INJECTION = _alternation(lexicon.INJECTION_PATTERNS)
_ASKING = re.compile(
    r"(?:^|\b)(?:how|what|whats|which|where|why|when|who|can i|could i|should i|do i|does|"
    r"is it|is there|are there|will i|would i|am i|any tips|tell me|explain|"
    r"(?:good|bad|smart|right|realistic) (?:fit|move|idea|choice|switch)|worth it|doable|"
    r"realistic|feasible)\b")
_FOLLOWUP_START = ("and", "or", "also", "what about", "how about", "same for", "same",
                   "then", "ok and", "okay and", "for", "now", "but", "so", "compared",
                   "vs", "versus", "plus", "what of", "and what about", "and for")
_SELF_TRIGGERS = (("i", "am"), ("im",), ("i", "work", "as"), ("i", "m"), ("currently",),
                  ("my", "role", "is"), ("my", "job", "is"), ("i", "work", "in"))
_BACKGROUND_TRIGGERS = (("coming", "from"), ("background", "in"), ("former",), ("ex",),
                        ("been", "a"), ("been", "an"), ("worked", "as"), ("years", "as"),
                        ("i", "was"), ("used", "to", "be"), ("from",), ("as",),
                        ("my", "background", "is"), ("background", "is"),
                        ("experience", "in"), ("experience", "as"))
#: First words of the triggers: only where one of them stands can a trigger start.
_TRIGGER_FIRSTS = frozenset(t[0] for t in (*_SELF_TRIGGERS, *_BACKGROUND_TRIGGERS))
#: Words after a phrase that make it a background ("i have a backend background").
_BACKGROUND_NOUNS = frozenset({"background", "experience", "exp", "xp"})
#: Words before such a phrase that are not part of it ("i have 5 years of ...").
_BACKGROUND_LEAD = frozenset({"i", "ive", "have", "got", "my", "with", "of", "years", "yrs",
                              "some", "solid", "strong", "long", "mostly", "lots", "a", "an",
                              "the", "in"})
_PHRASE_STOP = frozenset({
    "and", "but", "making", "earning", "on", "with", "who", "how", "what", "which", "can",
    "should", "looking", "wanting", "trying", "want", "thinking", "at", "in", "here",
    "for", "paid", "getting", "so", "is", "are", "do", "does", "will", "would", "rn",
    "right", "?", "to", "into", "now", "currently", "wanna", "id", "considering",
    "interested", "curious", "that", "planning", "hoping", "earn", "make", "paying",
    "whats", "where", "if", "or", "than", "then", "lol", "tbh", "also",
})
_SALARY_OWN = frozenset({"making", "make", "earning", "earn", "paid", "getting", "on",
                         "salary", "comp", "at", "offered", "offer", "base"})
_ADVICE = frozenset({"good", "strong", "look", "spot", "say", "says", "makes", "bad",
                     "flag", "flags", "sign", "signs", "avoid", "watch", "great", "quality",
                     "tell", "read", "mention", "mentions", "include", "contain"})
#: A source named in the message ("according to the survey", "in the postings data"):
#: the word ``pick_snapshot`` takes as a hint, and the phrases that name it. "postings"
#: alone is a question about openings, so job postings count only as a source phrase.
_SOURCE_PHRASES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("survey", re.compile(r"\b(?:(?:the|this|that|ai ?jobs(?: net)?|aijobs(?: net)?|salary|"
                          r"pay)\s+)*surveys?\b(?:\s+(?:data|figures|numbers|results))?"
                          r"|\baijobs(?: net)?\b|\bai jobs net\b")),
    ("postings", re.compile(r"\b(?:according to|in|from|per|using|based on|by)\s+(?:the\s+)?"
                            r"(?:job\s+)?(?:postings|listings|job ads)(?:\s+(?:data|figures|"
                            r"numbers|source))?\b|\b(?:job\s+)?postings\s+(?:data|figures|"
                            r"numbers|source)\b|\b(?:ai\s+)?market pulse\b")),
)
#: "where do you get your numbers", "what are your sources", "where is the data from".
_SOURCES_QUESTION = re.compile(
    r"\b(?:your|ur|the bots?|careerbots?)\s+(?:data|numbers|figures|stats|sources?|info|"
    r"information|statistics)\b(?!\s+(?:scientists?|engineers?|analysts?|architects?))"
    r"|\b(?:data|numbers|figures|stats|info|information)\s+(?:come|comes|coming)\s+from\b"
    r"|\bwhere\s+(?:is|are|does|do)\s+(?:the|this|these|that|those)\s+(?:data|numbers|figures|"
    r"stats)\b|\b(?:what|which)\s+(?:data\s+)?sources?\b|\bdata\s+sources?\b"
    r"|\bwhere\s+do\s+you\s+get\b|\bhow\s+do\s+you\s+know\b"
    r"|\b(?:how|is|are)\s+(?:\w+\s+){0,3}(?:up to date|current|recent|old|fresh|new)\b"
    r"(?=.*\b(?:data|numbers|figures|stats|this|it|info|these|that)\b)"
    r"|\bwhen\s+(?:was|were|is|are)\s+(?:\w+\s+){0,3}(?:updated|collected|from|published)\b")
#: Questions about trusting the figures go to the FAQ, not the list of sources.
_TRUST_WORDS = ("reliable", "reliability", "accurate", "accuracy", "trust", "trustworthy",
                "legit", "biased", "bias", "how often", "change")
_ACROSS_SOURCES = re.compile(
    r"\b(?:both|two|2|each|every|all|different|the|other|across|per|by)\s+(?:\w+\s+)?sources?\b")
_BARE_POSTINGS = re.compile(r"\b(?:the\s+)?(?:job\s+)?(?:postings|listings|job ads)\b")
_TOOL_NOUNS = frozenset({"tool", "tools", "tooling", "software", "platform", "platforms",
                         "dashboard", "dashboards", "reporting", "reports", "stack"})
#: "like" is a liking only after someone who likes ("i like", "i really like").
_LIKE_WORDS = frozenset({"like", "likes"})
_LIKERS = frozenset({"i", "im", "really", "also", "you", "we", "who", "dont", "would", "d",
                     "id", "kinda", "actually", "definitely", "do", "they", "someone"})
_METRIC_PHRASES = tuple(sorted(lexicon.METRIC_WORDS, key=len, reverse=True))
_WHAT_DOES_DO = re.compile(r"^(?:\w+ )?(?:what|whats) (?:do|does|did) (?:\w+ ){1,6}do\b")
#: "how much of <the next few words>": a share of something, pay only when a pay word follows.
_HOW_MUCH_OF = re.compile(r" how much of ((?:\S+ ){1,6})")
_HOW_MUCH_WEIGHT = lexicon.FACET_WORDS["salary"]["how much"]
_PAY_WORDS = frozenset(p for p, w in lexicon.FACET_WORDS["salary"].items()
                       if w >= 3 and " " not in p)
#: What "how much of the ..." shares out when it asks about the work's time.
_WORK_TIME_NOUNS = frozenset({"job", "jobs", "week", "weeks", "day", "days", "time", "work",
                              "role", "workweek", "schedule", "calendar", "hours", "workday"})
_POSTING_NOUNS = frozenset({"posting", "postings", "ad", "ads", "jd", "jds", "description",
                            "descriptions", "listing", "listings", "post", "posts"})


#: id(phrase set) -> (the set, its phrases as a frozenset, its longest phrase in words);
#: the set is kept so its id is never reused.
_PHRASE_SETS: dict[int, tuple[object, frozenset[str], int]] = {}


def _phrase_set(phrases: tuple[str, ...] | frozenset[str]) -> tuple[frozenset[str], int]:
    """``phrases`` as a frozenset (empty phrases left out) and how many space-separated
    words the longest has: what ``Understanding.any`` intersects with the message's
    n-grams.

    Cached by identity: the phrase sets are module constants or constants of a function's
    code, so each is converted once (hashing a long tuple on every call would cost more).
    """
    entry = _PHRASE_SETS.get(id(phrases))
    if entry is not None and entry[0] is phrases:
        return entry[1], entry[2]
    words = frozenset(p for p in phrases if p)
    longest = max((p.count(" ") + 1 for p in words), default=0)
    if len(_PHRASE_SETS) < 4096:
        _PHRASE_SETS[id(phrases)] = (phrases, words, longest)
    return words, longest


class _Grams:
    """The message's n-grams (runs of its space-separated words, joined by one space),
    made once per message up to the longest phrase asked so far: one set that every
    phrase-set question intersects, instead of a regex search per phrase set."""

    __slots__ = ("grams", "pieces", "upto")

    def __init__(self, text: str) -> None:
        self.pieces = text.split(" ")
        self.grams = set(self.pieces)
        self.upto = 1

    def upto_words(self, n: int) -> set[str]:
        """Every n-gram of at most ``n`` words."""
        if n > self.upto:
            pieces, grams = self.pieces, self.grams
            total = len(pieces)
            for k in range(self.upto + 1, min(n, total) + 1):
                grams.update(" ".join(pieces[i:i + k]) for i in range(total - k + 1))
            self.upto = n
        return self.grams


@dataclass(frozen=True, slots=True)
class RoleMention:
    """A role named in the message, with the tokens that named it."""

    slug: str
    start: int
    end: int
    query: str
    exact: bool = True
    #: A career step named instead of the role itself ("Senior MLOps Engineer").
    step: str | None = None
    step_pos: int | None = None
    #: A seniority word just before it ("senior", "junior", "entry level").
    seniority: str | None = None


@dataclass
class Understanding:
    """Everything read from one message; see the module docstring.

    Immutable once made: the scanners of ``understand`` fill it in, then ``seal`` turns
    its lists into tuples and refuses any later assignment, so no stage of the planner
    can change what another stage reads (``with_roles`` makes a new one).
    """

    cleaned: Cleaned
    tokens: tuple[str, ...]
    text: str
    roles: list[RoleMention] = field(default_factory=list)
    unknown_roles: list[str] = field(default_factory=list)
    steps: list[tuple[str, int, str]] = field(default_factory=list)
    scores: dict[str, int] = field(default_factory=dict)
    numbers: Numbers = field(default_factory=Numbers)
    metric: str | None = None
    percentile: int | None = None
    not_held: list[str] = field(default_factory=list)
    places: list[str] = field(default_factory=list)
    companies: list[str] = field(default_factory=list)
    scope_all: bool = False
    other_ref: bool = False
    my_ref: bool = False
    back_ref: bool = False
    comparative: bool = False
    followup: bool = False
    self_role: str | None = None
    self_step: tuple[str, int, str] | None = None
    self_salary: int | None = None
    background: str | None = None
    background_text: str | None = None
    from_role: str | None = None
    to_role: str | None = None
    skills: list[str] = field(default_factory=list)
    tech: list[str] = field(default_factory=list)
    #: Kinds of skill asked about as a group ("cloud", "programming languages").
    skill_categories: list[str] = field(default_factory=list)
    #: How many different salary figures the message names ("median and average": 2).
    metrics_named: int = 0
    asks_need: bool = False
    criterion: str | None = None
    interests: list[str] = field(default_factory=list)
    #: The member's own words after "i love", "i'm into" (for matching role descriptions).
    interest_words: list[str] = field(default_factory=list)
    negative_interests: list[str] = field(default_factory=list)
    injection: bool = False
    greeting: bool = False
    thanks: bool = False
    help: bool = False
    list_roles: bool = False
    seniority_pay: str | None = None
    share: bool = False
    total: bool = False
    #: the message is about AI jobs as a whole ("the ai job market"), not one role
    ai_wide: bool = False
    corrected: list[tuple[str, str]] = field(default_factory=list)
    #: The message is about careers at all (a role, a skill, a career word).
    domain: bool = False
    catalog: Catalog | None = field(default=None, repr=False)
    #: "from X to Y", "X -> Y": the roles came with a direction.
    directional: bool = False
    #: A question, by its mark or its words (people often skip the "?").
    asking: bool = False
    #: The kind of source the message names ("survey", "postings"), if any.
    source_hint: str | None = None
    #: Asks to set sources side by side ("survey vs postings", "both sources").
    across_sources: bool = False
    #: The text facets are scored on: the message without the phrase naming a source,
    #: so "the salary survey" is not a salary question by itself.
    facet_text: str = ""
    #: A bare title head that only one role's name has ("analysts" -> Data Analyst):
    #: taken as that role only in a follow-up, where the conversation gives the field.
    head_roles: list[RoleMention] = field(default_factory=list)
    #: Asks where the bot's figures come from ("where do you get your numbers").
    asks_sources: bool = False
    def seal(self) -> Understanding:
        """Freeze: lists become tuples, facet scores a read-only mapping, and the object
        becomes a ``SealedUnderstanding``, which refuses any assignment. (A class swap
        rather than a flag checked in ``__setattr__``: the scanners' many assignments
        stay plain attribute writes, which is measurably faster per message.)"""
        values = self.__dict__
        for name, value in values.items():
            if type(value) is list:
                values[name] = tuple(value)
        values["scores"] = MappingProxyType(self.scores)
        self.__class__ = SealedUnderstanding
        return self

    def with_roles(self, roles: Iterable[RoleMention]) -> Understanding:
        """A sealed copy naming ``roles`` instead (the planner's follow-up of a bare
        title: "and for analysts?")."""
        values = {f.name: getattr(self, f.name) for f in fields(self) if f.init}
        values["roles"] = sorted(roles, key=lambda m: m.start)
        values["scores"] = dict(self.scores)
        return Understanding(**values).seal()

    # -- helpers -----------------------------------------------------------------------

    def has(self, phrase: str) -> bool:
        return f" {phrase} " in f" {self.text} "

    def any(self, phrases: tuple[str, ...] | frozenset[str] | list[str]) -> bool:
        # The phrase set's entry read here, not through ``_phrase_set``: this runs about
        # fifty times a message.
        entry = _PHRASE_SETS.get(id(phrases))
        if entry is not None and entry[0] is phrases:
            words, longest = entry[1], entry[2]
        elif isinstance(phrases, (tuple, frozenset)):
            words, longest = _phrase_set(phrases)
        else:
            words = None
        if words is not None:
            # A phrase is found as whole words exactly when it is one of the text's
            # n-grams: one set per message, intersected with each (constant) phrase set.
            grams = self.__dict__.get("_grams") or self._message_grams()
            if longest > grams.upto:
                grams.upto_words(longest)
            return not grams.grams.isdisjoint(words)
        padded = f" {self.text} "
        return any(f" {p} " in padded for p in phrases)

    def named(self, phrases: frozenset[str], longest: int) -> set[str]:
        """The ``phrases`` (of at most ``longest`` words) the text has as whole words: what
        testing ``f" {p} " in f" {text} "`` for each would find, by one set intersection
        with the message's n-grams (see ``any``)."""
        return self._message_grams().upto_words(longest) & phrases

    def _message_grams(self) -> _Grams:
        grams = self.__dict__.get("_grams")
        if grams is None:
            # Straight into __dict__: a sealed Understanding refuses setattr, and the
            # cache is no field (``with_roles`` and equality ignore it).
            grams = self.__dict__["_grams"] = _Grams(self.text)
        return grams

    @property
    def role_slugs(self) -> list[str]:
        """Roles named, in order, each once."""
        seen: list[str] = []
        for m in self.roles:
            if m.slug not in seen:
                seen.append(m.slug)
        return seen

    def score(self, facet: str) -> int:
        return self.scores.get(facet, 0)

    @property
    def content_tokens(self) -> list[str]:
        return [t for t in self.tokens if t.isalnum() and t not in lexicon.STOPWORDS]



class SealedUnderstanding(Understanding):
    """An Understanding once made: no attribute can be set or deleted."""

    __slots__ = ()

    def __setattr__(self, name: str, value: object) -> None:
        raise FrozenInstanceError(f"an Understanding is immutable once made ({name})")

    def __delattr__(self, name: str) -> None:
        raise FrozenInstanceError(f"an Understanding is immutable once made ({name})")


# ---------------------------------------------------------------------------------------


def slug_terms(u: Understanding) -> list[str]:
    """The message's words with each role mention replaced by its slug (so "ml ops" and
    "mlops engineer" are one word), for FAQ search and the matching of FAQ questions."""
    spans = {i: m for m in u.roles for i in range(m.start, m.end)}
    terms: list[str] = []
    for i, token in enumerate(u.tokens):
        mention = spans.get(i)
        if mention is None:
            terms.append(token)
        elif i == mention.start:
            terms.append(mention.slug)
    return terms


def understand(cleaned: Cleaned, catalog: Catalog) -> Understanding:
    """Read ``cleaned`` against ``catalog``; never raises for any input."""
    corrected: list[tuple[str, str]] = []
    tokens: list[str] = []
    for token in cleaned.tokens:
        fixed = catalog.correct(token)
        if fixed != token:
            corrected.append((token, fixed))
        tokens.append(fixed)
    u = Understanding(cleaned=cleaned, tokens=tuple(tokens), text=" ".join(tokens),
                      corrected=corrected, catalog=catalog)
    consumed = [False] * len(tokens)
    _scan_steps(u, catalog, consumed)
    _scan_roles(u, catalog, consumed)
    _scan_source(u)
    _scan_facets(u)
    salary_context = u.score("salary") > 0 or (any(
        m.slug for m in u.roles) and u.any(("making", "earning", "offered", "offer", "lowball")))
    # Numbers are read from the cleaned text, whose "1.5m" and "$1,500,000" keep their
    # punctuation; the tokens would split them ("1 5m").
    u.numbers = parse_numbers(cleaned.text, salary_context)
    _scan_metric(u)
    _scan_refs(u)
    _scan_self(u, catalog)
    _scan_unknown_roles(u, catalog, consumed)
    _scan_switch(u)
    if u.steps and any(m.step for m in u.roles) and not u.self_step:
        u.scores["path"] = u.scores.get("path", 0) + 4
    if u.directional and u.from_role and u.to_role and u.from_role != u.to_role:
        u.scores["switch"] = u.scores.get("switch", 0) + 3
    _scan_skills(u, catalog)
    _scan_not_held(u, catalog)
    _scan_choice(u)
    u.injection = bool(_INJECTION.search(cleaned.text))
    _scan_social(u)
    u.asking = cleaned.is_question or bool(_ASKING.search(u.text)) or (
        len(u.role_slugs) >= 2 and u.any(("or", "vs", "versus")))  # "mlops or pm"
    return u.seal()


# -- roles and steps -----------------------------------------------------------------


def _spans(starts: Sequence[int], n_tokens: int, longest: int,
           shortest: int = 1) -> Iterator[tuple[int, int]]:
    """The spans of ``shortest`` to ``longest`` tokens that begin at one of ``starts``
    (ascending): longest first, then left to right, the order the scans take them in
    (a longer name wins over the shorter ones inside it)."""
    for n in range(min(longest, n_tokens), shortest - 1, -1):
        for start in starts:
            if start + n > n_tokens:
                break
            yield start, start + n


def _word_runs(tokens: Sequence[str]) -> list[int]:
    """For each token, how many tokens from it on are words (``isalnum``): a span of n
    tokens from ``i`` holds only words exactly when ``runs[i] >= n`` (one pass per
    message instead of a check of every token of every span)."""
    runs = [0] * (len(tokens) + 1)
    for i in range(len(tokens) - 1, -1, -1):
        if tokens[i].isalnum():
            runs[i] = runs[i + 1] + 1
    return runs


#: Heads of the career-step keys of every catalogue read (see ``heads``).
_STEP_HEADS = KeyHeads()


def _step_heads(catalog: Catalog, keys: frozenset[str]) -> frozenset[str] | None:
    """Heads of ``keys`` (the catalogue's step keys) and others, or None when the keys
    include the empty key (which a span not ending in "s" looks up as its plural, so
    no head rules a span out then). Read once per catalogue: its tables are set when it
    is made (``Catalog.build``, ``derive``) and not changed after."""
    if "" in keys:
        return None
    parent = _parent_catalog(catalog)
    owner = parent if parent is not None and parent.step_keys() is keys else catalog
    return _STEP_HEADS.of(owner, lambda: keys)


def _parent_catalog(catalog: Catalog) -> Catalog | None:
    """The catalogue kept for the view ``catalog``'s view was made from (a server's
    parent, the global view). A derived catalogue shares its parent's tables where its
    edits did not change them (``catalog.derive``); the heads of a shared table are read
    as the parent's, once, not again by each server's first question."""
    parent = catalog.knowledge.parent
    found = parent.kept("chat.catalog") if parent is not None else None
    return found if isinstance(found, Catalog) else None


def _scan_steps(u: Understanding, catalog: Catalog, consumed: list[bool]) -> None:
    """Career steps named ("senior mlops engineer", "ml platform lead")."""
    keys = catalog.step_keys()
    if not keys:
        return
    tokens = u.tokens
    heads = _step_heads(catalog, keys)
    # A span's key starts with the key of its first two tokens; when that has more than
    # HEAD letters and no step key starts with its first HEAD, no span from there is a
    # step, nor a plural of one.
    n_tokens = len(tokens)
    starts: Sequence[int] = range(n_tokens - 1)
    if heads is not None:
        starts = [start for start in starts
                  if len(pair := alias_key(f"{tokens[start]} {tokens[start + 1]}")) <= HEAD
                  or pair[:HEAD] in heads]
    for start, end in _spans(starts, n_tokens, 6, 2):
        if True in consumed[start:end]:
            continue
        key = alias_key(" ".join(tokens[start:end]))
        plural = key[:-1] if key.endswith("s") else ""
        if key not in keys and plural not in keys:
            continue  # what ``step_entries`` answers first, asked without two calls
        entries = catalog.step_entries(key) or catalog.step_entries(plural)
        if not entries:
            continue
        for i in range(start, end):
            consumed[i] = True
        u.steps.extend(entries)
        slug, pos, display = entries[0]
        if len({s for s, _, _ in entries}) == 1:
            seniority = tokens[start] if tokens[start] in lexicon.SENIORITY_WORDS else None
            u.roles.append(RoleMention(slug, start, end, " ".join(tokens[start:end]), True,
                                       step=display, step_pos=pos, seniority=seniority))


#: Phrases naming AI jobs as a whole: a question about their market is about all roles.
_AI_WIDE = ("ai job market", "ai jobs market", "ai market", "ai job", "ai jobs", "ai field",
            "ai industry", "job market for ai", "market for ai", "jobs in ai", "ai careers",
            "ai hiring", "ai positions", "ai roles", "ai space", "ai sector")
#: Words asking for the market as a whole; one tuple made once, so ``Understanding.any``
#: compiles its pattern once (a tuple built in the call, with ``*_AI_WIDE`` spread into
#: it, was a new object and a new regex on every question).
_MARKET_TOTAL_WORDS = ("in total", "total", "overall", "all ai jobs", "all ai positions",
                       "ai jobs total", "altogether", "ai jobs", "ai positions", "ai listings",
                       "ai job listings", "ai openings", "ai job market", "tracking",
                       "do you track", *_AI_WIDE)

#: Words after a title that put it in the AI field ("product managers in ai").
_IN_AI = frozenset({"in ai", "for ai", "in ml", "of ai", "within ai", "on ai",
                    "in artificial", "in machine"})


_TAILS: list[tuple[tuple[str, ...], frozenset[str]]] = []


def _suffix_tails(suffixes: tuple[str, ...]) -> frozenset[str]:
    """Every non-empty ending of each of ``suffixes`` ("e", "ce", ... "science"): a key
    ends in a suffix only if its last word's key ends in it or is one of these."""
    if not _TAILS or _TAILS[0][0] is not suffixes:
        _TAILS[:] = [(suffixes, frozenset(s[i:] for s in suffixes for i in range(len(s))))]
    return _TAILS[0][1]


def _scan_roles(u: Understanding, catalog: Catalog, consumed: list[bool]) -> None:
    """Roles named by any alias, longest n-gram first; short aliases only exactly."""
    tokens = u.tokens
    n_tokens = len(tokens)
    exact, field_alias = catalog.index.exact, catalog.field_alias
    runs = _word_runs(tokens)
    # A span of two words or more names a role by alias only when its key (which begins
    # with its first word's) begins like one of the index's keys (``RoleIndex.heads``), and
    # by field name only when its key ends like a field name's (``field_key_suffixes``).
    # A span's key ends with its last word's: it can end like a field name only when
    # that word's key does, or is the end of one. "in ai" after a span qualifies it.
    heads = catalog.index.heads
    keys = [alias_key(token) for token in tokens]
    opens = [may_begin(heads, key) for key in keys]
    suffixes = field_key_suffixes()
    if suffixes is None:
        field_ends = [True] * n_tokens
    else:
        tails = _suffix_tails(suffixes)
        field_ends = [not key or key.endswith(suffixes) or key in tails for key in keys]
    in_ai = [" ".join(tokens[i:i + 2]) in _IN_AI for i in range(n_tokens + 1)]
    # One word alone: its key, or the key less one or two last letters (a plural read
    # by the index, "pms", after the scan's own, "mles": "pmss" is "pm"), must begin
    # like an alias (checked for plain lowercase words, whose key is themselves).
    alone = [key != token or may_begin(heads, key) or may_begin(heads, key[:-1])
             or may_begin(heads, key[:-2]) for key, token in zip(keys, tokens, strict=True)]
    # The spans (longest first, then left to right) made only of words (``runs``)
    # where something could be found (see above).
    longest = min(catalog.max_alias_words + 1, n_tokens)
    spans = [(start, start + n) for n in range(longest, 0, -1)
             for start in range(n_tokens - n + 1)
             if runs[start] >= n and (alone[start] if n == 1 else (
                 opens[start] or field_ends[start + n - 1] or in_ai[start + n]))]
    found: list[RoleMention] = []
    for start, end in spans:
        n = end - start
        if True in consumed[start:end]:
            continue  # a longer span took a word
        phrase = tokens[start] if n == 1 else " ".join(tokens[start:end])
        if n == 1 and phrase == "pm" and start > 0 and tokens[start - 1].isdigit():
            continue  # "5 pm" is a time
        if n == 1 and len(phrase) <= 3 and end < n_tokens and tokens[end] in _TOOL_NOUNS:
            continue  # "bi tools": a kind of tool, not the role
        slug = exact(phrase) if n == 1 or opens[start] else None
        if slug is None and n >= 2:
            key = alias_key(phrase)
            if suffixes is None or key.endswith(suffixes):
                slug = field_alias(key)
        if slug is None and n == 1 and 3 <= len(phrase) <= 5 and phrase.endswith("s") \
                and phrase not in lexicon.STOPWORDS:
            slug = exact(phrase[:-1])  # "mles": plural of a short alias
        if slug is None and n >= 2 and " ".join(tokens[end:end + 2]) in _IN_AI:
            # "product management in ai": the field qualified by AI names the AI role,
            # when "ai <phrase>" is one role's alias or field name.
            qualified = "ai " + phrase
            slug = catalog.index.exact(qualified) or catalog.field_alias(alias_key(qualified))
            if slug is not None:
                for i in range(end, end + 2):
                    consumed[i] = True
        if slug is None:
            continue
        for i in range(start, end):
            consumed[i] = True
        seniority = None
        if start > 0 and tokens[start - 1] in lexicon.SENIORITY_WORDS:
            seniority = tokens[start - 1]
        original = " ".join(u.cleaned.tokens[start:end]) if len(u.cleaned.tokens) >= end else phrase
        found.append(RoleMention(slug, start, end, original, exact=original == phrase,
                                 seniority=seniority))
    # "product managers in ai": a title qualified by the field names the AI role.
    u.roles.extend(found)
    u.roles.sort(key=lambda m: m.start)


_STRONG: dict[int, tuple[object, frozenset[str]]] = {}


def _strong_facet_words() -> frozenset[str]:
    """Words that on their own mark what a question asks (computed once per vocabulary)."""
    table_set = lexicon.FACET_WORDS
    cached = _STRONG.get(id(table_set))
    if cached is not None and cached[0] is table_set:
        return cached[1]
    words = frozenset(w for table in table_set.values() for p in table
                      for w in p.split() if table.get(w, 0) >= 2)
    _STRONG.clear()
    _STRONG[id(table_set)] = (table_set, words)
    return words


def _other_occupation(tokens: Sequence[str], i: int, consumed: list[bool],
                      catalog: Catalog) -> bool:
    """ "actuaries", "pharmacist": an occupation outside AI and data (listed in
    vocabulary/occupations.yaml, or an unknown word with an occupation's ending) standing
    as a noun, not qualifying a title ("a canadian data scientist")."""
    token = tokens[i]
    following = tokens[i + 1] if i + 1 < len(tokens) else ""
    if (i + 1 < len(tokens) and consumed[i + 1]) or following in lexicon.TITLE_HEADS:
        return False
    if token in lexicon.OCCUPATIONS:
        return True
    return (token.isalpha() and len(token) >= 6 and token not in catalog.vocabulary
            and token.endswith(lexicon.OCCUPATION_SUFFIXES)
            and (i == 0 or tokens[i - 1] not in ("in", "from", "at")))


def _scan_unknown_roles(u: Understanding, catalog: Catalog, consumed: list[bool]) -> None:
    """Job titles the knowledge base has no role for ("data scientists", "sre")."""
    tokens = u.tokens
    facet_words = _strong_facet_words()
    self_span = _self_span(u)
    for i, token in enumerate(tokens):
        if consumed[i] or (self_span and self_span[0] <= i < self_span[1]):
            continue
        if token in lexicon.SOLO_TITLES:
            if not (i + 1 < len(tokens) and tokens[i + 1] in lexicon.TITLE_HEADS):
                u.unknown_roles.append(token)
            continue
        if _other_occupation(tokens, i, consumed, catalog):
            u.unknown_roles.append(token)
            continue
        if token not in lexicon.TITLE_HEADS:
            continue
        mods: list[str] = []
        j = i - 1
        while j >= 0 and len(mods) < 3:
            word = tokens[j]
            if consumed[j] or not word.isalpha() or word in lexicon.NOT_TITLE_WORDS \
                    or (word in facet_words and word not in lexicon.SENIORITY_WORDS):
                break
            mods.insert(0, word)
            j -= 1
        core = [w for w in mods if w not in lexicon.SENIORITY_WORDS]
        if not core and token not in lexicon.STANDALONE_TITLES:
            slug = catalog.head_roles.get(token)
            if slug:
                u.head_roles.append(RoleMention(slug, i, i + 1, token, exact=False))
            continue
        phrase = " ".join([*mods, token])
        # "product managers in ai" names the AI role when the knowledge base has one.
        after = " ".join(tokens[i + 1:i + 3])
        if after in _IN_AI:
            slug = catalog.index.exact("ai " + " ".join([*core, token]))
            if slug:
                u.roles.append(RoleMention(slug, j + 1, i + 1, phrase, exact=False))
                u.roles.sort(key=lambda m: m.start)
                for k in range(j + 1, i + 1):
                    consumed[k] = True
                continue
        if token in ("lead", "leads", "ops", "owner", "owners") and len(core) < 1:
            continue
        u.unknown_roles.append(phrase)


# -- facets and slots ----------------------------------------------------------------


def _scan_source(u: Understanding) -> None:
    """A source the message names, and the text to score facets on without it."""
    text = u.text
    kinds = []
    for hint, pattern in _SOURCE_PHRASES:
        if pattern.search(text):
            u.source_hint = u.source_hint or hint
            kinds.append(hint)
            text = pattern.sub(" ", text)
    if kinds == ["survey"] and _BARE_POSTINGS.search(text):
        kinds.append("postings")  # "survey vs postings": the bare word names the source too
        text = _BARE_POSTINGS.sub(" ", text)
    u.across_sources = len(kinds) >= 2 or bool(_ACROSS_SOURCES.search(u.text))
    if u.across_sources:
        u.source_hint = None
    u.facet_text = " ".join(text.split()) if kinds else u.text


_FACET_INDEX: dict[int, tuple[object, dict[str, tuple[tuple[str, int], ...]], int,
                              frozenset[str]]] = {}


def _facet_index() -> tuple[dict[str, tuple[tuple[str, int], ...]], int, frozenset[str]]:
    """phrase -> ((facet, weight), ...) for every weighted facet phrase, the longest
    phrase in words, and every phrase's word prefixes ("how", "how much", "how much do"
    for "how much do"): an n-gram that is no prefix starts no longer phrase either
    (once per vocabulary)."""
    tables = lexicon.FACET_WORDS
    cached = _FACET_INDEX.get(id(tables))
    if cached is None or cached[0] is not tables:
        index: dict[str, list[tuple[str, int]]] = {}
        for facet, table in tables.items():
            for phrase, weight in table.items():
                if weight:
                    index.setdefault(phrase, []).append((facet, weight))
        longest = max((len(p.split()) for p in index), default=1)
        prefixes = frozenset(" ".join(words[:n]) for words in map(_split_space, index)
                             for n in range(1, len(words) + 1))
        cached = (tables, {p: tuple(v) for p, v in index.items()}, longest, prefixes)
        _FACET_INDEX.clear()
        _FACET_INDEX[id(tables)] = cached
    return cached[1], cached[2], cached[3]


def _split_space(phrase: str) -> list[str]:
    return phrase.split(" ")


def facet_totals(text: str) -> dict[str, int]:
    """facet -> the summed weights of its vocabulary phrases found in ``text`` (space-joined
    tokens) as whole words, each phrase once, in the vocabulary's facet order. Looked up
    n-gram by n-gram (a few dozen dict lookups) rather than each of the hundreds of
    phrases searched for in the text; the n-grams from a word stop at the first that
    begins no phrase (most words begin none)."""
    index, longest, prefixes = _facet_index()
    words = text.split()
    found: set[str] = set()
    totals: dict[str, int] = {}
    for i in range(len(words)):
        phrase = words[i]
        for n in range(1, min(longest, len(words) - i) + 1):
            if n > 1:
                phrase = f"{phrase} {words[i + n - 1]}"
            if phrase not in prefixes:
                break
            hits = index.get(phrase)
            if hits is None or phrase in found:
                continue
            found.add(phrase)
            for facet, weight in hits:
                totals[facet] = totals.get(facet, 0) + weight
    return {f: totals[f] for f in lexicon.FACET_WORDS if totals.get(f)}


def _scan_facets(u: Understanding) -> None:
    padded = f" {u.facet_text or u.text} "
    scores = facet_totals(padded)
    tokens = set(u.tokens)
    if "what makes" in padded or " makes a " in padded:
        scores["salary"] = max(0, scores.get("salary", 0) - 1)
    if tokens & _POSTING_NOUNS and tokens & _ADVICE and not u.has("how many"):
        scores["postings"] = scores.get("postings", 0) + 6
    if u.any(("how much do", "how much does", "how much can", "how much will", "how much should",
              "how much would", "how much could", "how much is", "how much are")) and \
            scores.get("salary", 0) < 3 and not u.any(("how much overlap", "how much of")):
        scores["salary"] = scores.get("salary", 0) + 3
    share_of = _HOW_MUCH_OF.search(padded)
    if share_of and not set(share_of.group(1).split()) & _PAY_WORDS:
        # "how much of the job is meetings": a share of the work, not an amount of pay;
        # asked about the job, week or time it is the week (or a detail of it).
        scores["salary"] = max(0, scores.get("salary", 0) - _HOW_MUCH_WEIGHT)
        if not scores["salary"]:
            del scores["salary"]
        if set(share_of.group(1).split()) & _WORK_TIME_NOUNS:
            scores["week"] = scores.get("week", 0) + 4
    if _WHAT_DOES_DO.search(u.text):
        # "what does an ai pm do (at work)": an overview, however the sentence ends.
        scores["overview"] = scores.get("overview", 0) + 3
    if u.any(("what do", "what does")) and u.any(("make", "makes", "earn", "get paid")):
        scores["salary"] = scores.get("salary", 0) + 3
    share_word = u.any(("share", "percent", "%", "percentage", "fraction", "proportion",
                        "how big a part", "what part"))
    of_all = u.any(("of all", "all listings", "all jobs", "all ai", "ai jobs", "ai positions",
                    "of listings", "of the listings", "tracked", "of the market", "all postings",
                    "all positions", "of all listings", "of total", "of the total", "listings"))
    if share_word and of_all:
        u.share = True
        scores["openings"] = scores.get("openings", 0) + 4
    if u.any(_MARKET_TOTAL_WORDS) and \
            u.any(("how many", "number", "track", "tracked", "tracking", "total", "how big",
                   "how large", "size", "sized")):
        u.total = True
    u.ai_wide = u.any(_AI_WIDE)
    if u.any(("more jobs", "more openings", "more positions", "most jobs", "most openings")):
        scores["openings"] = scores.get("openings", 0) + 3
    if len({m.slug for m in u.roles}) >= 2 and u.any(("doesnt", "dont", "unique", "only",
                                                     "that the other", "in common")):
        scores["skills"] = scores.get("skills", 0) + 3
    if u.any(("senior ppl", "senior people", "senior folks", "senior candidates", "want senior",
              "experienced people", "experienced ppl")):
        scores["seniority"] = scores.get("seniority", 0) + 3
    if u.any(("need", "needs", "require", "requires", "required")) and not any(
            v >= 2 for k, v in scores.items() if k not in ("skills", "overview")):
        scores["skills"] = scores.get("skills", 0) + 2
    u.scores = scores


#: "average ones", "typical engineers": these words describe people, not a salary figure.
_PEOPLE_AFTER = re.compile(r" (?:average|typical|mean) (?:ones?|people|person|folks|guys|pms?|"
                           r"engineers?|analysts?|scientists?|managers?|developers?|candidates?|"
                           r"employees?|workers?|hires?) ")


def _scan_metric(u: Understanding) -> None:
    padded = f" {u.text} "
    if _PEOPLE_AFTER.search(padded):
        # "what separates great ai pms from average ones": not the average salary.
        padded = _PEOPLE_AFTER.sub(" ", padded)
        u.scores["salary"] = max(0, u.scores.get("salary", 0) - 1)
        if not u.scores["salary"]:
            del u.scores["salary"]
    named = [lexicon.METRIC_WORDS[p] for p in _METRIC_PHRASES if f" {p} " in padded]
    u.metrics_named = len(set(named))
    if named:
        u.metric = named[0]
        # "median vs mean": the other figure's answer states the median beside it.
        others = [m for m in named if m not in ("median", "n")]
        if "median" in named and others:
            u.metric = others[0]
    held_asked = []
    for value in u.numbers.percentiles:
        held = lexicon.HELD_PERCENTILES.get(value)
        if held:
            held_asked.append(held)
            continue
        u.percentile = value
        u.metric = None
        held_asked = []
        break
    if held_asked:
        # "25th and 75th" asks for the band between them.
        u.metric = "band" if {"p25", "p75"} <= set(held_asked) else held_asked[0]
    if u.numbers.percentiles:
        u.scores["salary"] = u.scores.get("salary", 0) + 3
    if u.metric == "avg" and u.has("mean"):
        u.metric = "mean"
    if u.metric == "avg" and u.any(("range", "ranges")) and not u.any(("average", "avg", "averages")):
        u.metric = "range"
    other_facet = any(v >= 2 for k, v in u.scores.items() if k not in ("salary", "overview"))
    if u.metric in ("p75", "p25", "median", "mean", "band") or u.percentile or (
            u.metric in ("avg", "range") and not other_facet):
        u.scores["salary"] = u.scores.get("salary", 0) + 2
    if u.metric == "n" and (u.score("salary") >= 2 or u.any(("responses", "respondents", "based on",
                                                              "sample", "data points"))):
        # "how many responses is that based on": the salary sample, not an openings count.
        u.scores["salary"] = u.scores.get("salary", 0) + 4
        if u.score("openings") and not u.any(("openings", "open positions", "open roles",
                                              "vacancies", "open jobs")):
            u.scores.pop("openings", None)
    if u.metric == "gap" and not u.any(("salary", "pay", "pays", "paid", "earn", "salaries",
                                        "comp", "money", "median")):
        u.metric = None


def _scan_refs(u: Understanding) -> None:
    u.scope_all = u.any(lexicon.SCOPE_ALL)
    u.other_ref = u.any(lexicon.OTHER_REFS) or u.has("other")
    u.my_ref = u.any(lexicon.MY_ROLE_REFS) or u.any(("am i", "i am", "im i", "my salary", "my pay",
                                                      "i make", "im making", "my offer"))
    u.back_ref = bool(set(u.tokens) & lexicon.BACK_REFS)
    u.comparative = bool(set(u.tokens) & lexicon.COMPARATIVE) or bool(
        len(u.role_slugs) >= 2 and u.any(("or", "and", "vs"))) or u.any(
        lexicon.SUPERLATIVE_PHRASES)
    first = u.text.split(" ? ")[0]
    content = [t for t in u.tokens if t.isalnum() and t not in lexicon.STOPWORDS]
    u.followup = any(first == s or first.startswith(s + " ") for s in _FOLLOWUP_START) or (
        len(content) <= 3 and not u.roles)


_SELF_FILLERS = frozenset({"a", "an", "the", "currently", "working", "also", "just", "now"})


def _self_phrases(tokens: Sequence[str]) -> Iterator[tuple[str, tuple[str, ...], int, int]]:
    """Each "i'm a <phrase>" / "coming from <phrase>": (kind, trigger, start, end) of the
    phrase's tokens, self-descriptions first."""
    starts: dict[str, list[int]] = {}
    for i, token in enumerate(tokens):
        if token in _TRIGGER_FIRSTS:
            starts.setdefault(token, []).append(i)
    for kind, triggers in (("self", _SELF_TRIGGERS), ("background", _BACKGROUND_TRIGGERS)):
        for trig in triggers:
            n = len(trig)
            for i in starts.get(trig[0], ()):
                if tuple(tokens[i:i + n]) != trig:
                    continue
                j = i + n
                while j < len(tokens) and tokens[j] in _SELF_FILLERS:
                    j += 1
                k = j
                while k < len(tokens) and k - j < 5 and tokens[k] not in _PHRASE_STOP:
                    k += 1
                if k > j:
                    yield kind, trig, j, k
    # "i have a backend background", "with 5 years of data analyst experience": the
    # phrase comes before the noun.
    # "backend dev here, ...": a self-introduction opening the message.
    for b, token in enumerate(tokens):
        if (token not in _BACKGROUND_NOUNS and not (token == "here" and b <= 4)) or b == 0:
            continue
        j = b
        while j > 0 and b - j < 4 and tokens[j - 1] not in _PHRASE_STOP \
                and tokens[j - 1] not in _BACKGROUND_LEAD and not tokens[j - 1].isdigit():
            j -= 1
        if j < b and (token != "here" or j == 0):
            yield ("self" if token == "here" else "background"), (token,), j, b


def _self_span(u: Understanding) -> tuple[int, int] | None:
    """Token span of "i'm a <phrase>" / "coming from <phrase>", if any."""
    first = _opening_background(u) or next(_self_phrases(u.tokens), None)
    return (first[2], first[3]) if first else None


_MEMBERS: dict[int, tuple[object, frozenset[str], frozenset[str]]] = {}


def _background_members() -> tuple[frozenset[str], frozenset[str]]:
    """Every background phrase, and their first words (once per vocabulary)."""
    groups = lexicon.BACKGROUNDS
    cached = _MEMBERS.get(id(groups))
    if cached is None or cached[0] is not groups:
        members = frozenset(m for group in groups.values() for m in group)
        cached = (groups, members, frozenset(m.split()[0] for m in members))
        _MEMBERS.clear()
        _MEMBERS[id(groups)] = cached
    return cached[1], cached[2]


def _opening_background(u: Understanding) -> tuple[str, tuple[str, ...], int, int] | None:
    """ "sre, what ai role fits me?", "devops engineer at a fintech, is mlops a fit?",
    "product manager wanting to get into ai": a background phrase opening the message,
    then a comma or a word that continues a self-introduction, is where the member comes
    from, not the subject of the question."""
    tokens, text = u.tokens, u.cleaned.text
    members, firsts = _background_members()
    if not tokens or tokens[0] not in firsts:
        return None
    for k in range(min(4, len(tokens)), 0, -1):
        phrase = " ".join(tokens[:k])
        if phrase not in members:
            continue
        after = tokens[k] if k < len(tokens) else ""
        a_role = any(m.start == 0 for m in u.roles)  # "data analyst, data scientist or ..."
        if (text.startswith(phrase + ",") and not a_role) or after in lexicon.OPENING_FOLLOWERS:
            return "self", ("opening",), 0, k
        return None
    return None


def _scan_self(u: Understanding, catalog: Catalog) -> None:
    """ "i'm an mlops engineer making 180k", "coming from devops", "as a backend dev"."""
    tokens = u.tokens
    done: set[tuple] = set()  # each trigger is read at its first fitting place
    opening = _opening_background(u)
    phrases = _self_phrases(tokens)
    for kind, trig, j, k in ([opening, *phrases] if opening else phrases):
        if (kind, trig) in done:
            continue
        phrase = " ".join(tokens[j:k])
        # The role must be what the phrase names ("i'm a senior mlops engineer"),
        # not a role named after another title ("i'm a sre, mlops or pm").
        mention = next((m for m in u.roles if j <= m.start < k and all(
            t in lexicon.SENIORITY_WORDS for t in tokens[j:m.start])), None)
        if mention is None:
            later = next((m.start for m in u.roles if j < m.start < k), None)
            k = later if later is not None else k
            phrase = " ".join(tokens[j:k])
        if trig == ("as",) and mention is None and not _background_group(phrase):
            continue
        if trig in (("from",), ("here",), ("opening",), *((n,) for n in _BACKGROUND_NOUNS)) \
                and mention is None \
                and not _background_group(phrase):
            continue
        if mention is not None:
            if kind == "self" and u.self_role is None:
                u.self_role = mention.slug
                if mention.step:
                    u.self_step = (mention.slug, mention.step_pos or 0, mention.step)
            elif kind == "background" and u.from_role is None:
                u.from_role = mention.slug
        group = _background_group(phrase)
        if group and u.background is None and (mention is None or kind == "self"):
            u.background = group
            u.background_text = phrase if echoable(phrase, catalog) else None
        elif mention is None and u.background is None and kind == "self" and \
                any(t in lexicon.TITLE_HEADS or t in lexicon.SOLO_TITLES
                    for t in tokens[j:k]):
            u.background = "other"
            u.background_text = phrase if echoable(phrase, catalog) else None
        if kind == "self" and u.self_role and u.numbers.amounts and \
                set(tokens) & _SALARY_OWN:
            u.self_salary = u.numbers.amounts[0]
        done.add((kind, trig))
    if u.self_salary is None and u.numbers.amounts and u.any(
            ("im making", "i make", "i earn", "im earning", "im on", "i get paid", "im paid",
             "my salary is", "i got offered", "ive been offered", "i was offered", "my offer is")):
        u.self_salary = u.numbers.amounts[0]
    if u.background is None:
        for phrase in lexicon.NEWCOMER_PHRASES:
            if u.has(phrase):
                u.background = "newcomer"
                u.background_text = phrase
                break


def echoable(phrase: str, catalog: Catalog) -> bool:
    """Only phrases made of words the bot knows (its vocabulary, or an occupation it
    declines by name) are ever repeated back to the user."""
    return all(w in catalog.vocabulary or w in lexicon.OCCUPATIONS for w in phrase.split())


def _background_group(phrase: str) -> str | None:
    """The background group a phrase names ("backend dev" -> software engineer)."""
    words = phrase.split()
    best: tuple[int, str] | None = None
    for group, members in lexicon.BACKGROUNDS.items():
        for member in members:
            mw = member.split()
            for i in range(len(words) - len(mw) + 1):
                if words[i:i + len(mw)] == mw and (best is None or len(mw) > best[0]):
                    best = (len(mw), group)
    return best[1] if best else None


def _scan_switch(u: Understanding) -> None:
    """From and to roles: "from mlops to pm", "mlops -> pm", "can a pm move into mlops"."""
    mentions = [m for m in u.roles]
    slugs = u.role_slugs
    tokens = u.tokens
    from_mention: RoleMention | None = None
    for m in mentions:
        before = tokens[max(0, m.start - 3):m.start]
        if "from" in before[-2:] and u.from_role is None:
            u.from_role = m.slug
            from_mention = m
            u.directional = True
        elif any(w in before[-2:] for w in _TO_WORDS) and u.to_role is None:
            if m.slug == u.from_role and from_mention is not None:
                # "from traditional pm to ai pm": the same title on both sides; where the
                # member starts is the plain form of the job (a background), the AI role
                # is where they go.
                u.to_role, u.from_role = m.slug, None
                _background_from(u, from_mention)
            elif m.slug != u.from_role:
                u.to_role = m.slug
            u.directional = True
    if len(slugs) >= 2:
        if u.from_role is None and u.to_role is None:
            u.from_role, u.to_role = slugs[0], slugs[1]
        elif u.from_role is None:
            u.from_role = next((s for s in slugs if s != u.to_role), None)
        elif u.to_role is None:
            u.to_role = next((s for s in slugs if s != u.from_role), None)
    if u.from_role and u.to_role is None:
        u.to_role = _target_by_word(u, tokens)
    if u.self_role and u.to_role is None and len(slugs) >= 1:
        other = [s for s in slugs if s != u.self_role]
        if other:
            u.from_role, u.to_role = u.self_role, other[0]


_TO_WORDS = ("to", "into", "become", "becoming", "towards")


def _background_from(u: Understanding, mention: RoleMention) -> None:
    """The background a "from <qualifier> <title>" phrase names ("from traditional pm"
    -> product manager), when the title also names the target role."""
    start = mention.start
    while start > 0 and u.tokens[start - 1] != "from" and mention.start - start < 2:
        start -= 1
    phrase = " ".join(u.tokens[start:mention.end])
    group = _background_group(phrase)
    if group and u.background is None:
        u.background = group
        u.background_text = phrase if u.catalog is None or echoable(phrase, u.catalog) else None


_GENERIC_NAME_WORDS = frozenset({"ai", "ml", "engineer", "engineers", "manager", "managers",
                                 "senior", "lead", "the", "a", "an", "of", "and"})


def _target_by_word(u: Understanding, tokens: tuple[str, ...]) -> str | None:
    """ "from mlops to product": a role whose name has the distinctive word after "to"."""
    catalog = u.catalog
    if catalog is None:
        return None
    for i, token in enumerate(tokens):
        if token not in ("to", "into", "become", "becoming", "towards"):
            continue
        words = [w for w in tokens[i + 1:i + 4] if w.isalpha() and w not in _GENERIC_NAME_WORDS
                 and w not in lexicon.STOPWORDS]
        for word in words[:2]:
            hits = {r.slug for r in catalog.knowledge.roles.values()
                    if word in r.name.casefold().split() and r.slug != u.from_role}
            if len(hits) == 1:
                return hits.pop()
    return None


#: Heads of the skill keys and short names of every catalogue read (see ``heads``).
_SKILL_HEADS = KeyHeads()
#: The heads of the synonyms' keys, for the vocabulary in use: (synonyms, heads).
_SYNONYM_HEADS: list[tuple[object, frozenset[str]]] = []


def _skill_heads(catalog: Catalog) -> tuple[frozenset[str], frozenset[str]]:
    """Heads of every key ``Catalog.skill_key`` reads as a skill: the catalogue's skill
    keys and short names (with other catalogues', read once per catalogue as in
    ``_step_heads``), and the synonyms' keys (apart: the vocabulary can be swapped,
    ``lexicon.use``)."""
    synonyms = lexicon.SKILL_SYNONYMS
    if not _SYNONYM_HEADS or _SYNONYM_HEADS[0][0] is not synonyms:
        _SYNONYM_HEADS[:] = [(synonyms, frozenset(k[:n] for k in synonyms
                                                  for n in range(1, HEAD + 1)))]
    parent = _parent_catalog(catalog)
    owner = parent if (parent is not None and parent.skill_names is catalog.skill_names
                       and parent.skill_aliases is catalog.skill_aliases) else catalog
    return (_SKILL_HEADS.of(owner, lambda: (*owner.skill_names, *owner.skill_aliases)),
            _SYNONYM_HEADS[0][1])


_FIRST_WORDS: dict[int, tuple[object, frozenset[str]]] = {}


def _first_words(phrases: frozenset[str]) -> frozenset[str]:
    """The first words of ``phrases`` (once per phrase set: the vocabulary's)."""
    entry = _FIRST_WORDS.get(id(phrases))
    if entry is None or entry[0] is not phrases:
        entry = (phrases, frozenset(p.split(" ")[0] for p in phrases))
        _FIRST_WORDS.clear()
        _FIRST_WORDS[id(phrases)] = entry
    return entry[1]


def _scan_skills(u: Understanding, catalog: Catalog) -> None:
    """Skills and technologies named: listed ones by key, others from TECH_WORDS."""
    tokens = u.tokens
    n_tokens = len(tokens)
    # Tokens a role mention or a skill already found holds.
    blocked = [False] * n_tokens
    for m in u.roles:
        blocked[m.start:m.end] = [True] * (m.end - m.start)
    # Words and "+" ("c++") only; and only starts a skill key or a technology can begin at.
    runs = [0] * (n_tokens + 1)
    for i in range(n_tokens - 1, -1, -1):
        if tokens[i].isalnum() or tokens[i] == "+":
            runs[i] = runs[i + 1] + 1
    heads, synonym_heads = _skill_heads(catalog)
    tech_firsts = _first_words(lexicon.TECH_WORDS)
    starts = [i for i in range(n_tokens) if runs[i] and (
        may_begin(heads, first := alias_key(tokens[i])) or may_begin(synonym_heads, first)
        or tokens[i] in tech_firsts)]
    for start, end in _spans(starts, n_tokens, 3):
        if runs[start] < end - start or True in blocked[start:end]:
            continue
        phrase = tokens[start] if end - start == 1 else " ".join(tokens[start:end])
        key = catalog.skill_key(phrase)
        if key and (len(key) > 2 or phrase in ("ci", "cd", "ml", "ai")):
            if phrase in ("ai", "ml") or phrase in lexicon.STOPWORDS:
                continue
            if key not in u.skills:
                u.skills.append(key)
            blocked[start:end] = [True] * (end - start)
        elif phrase in lexicon.TECH_WORDS and phrase not in lexicon.STOPWORDS:
            if phrase in ("c", "r", "go", "ml") and not u.any(("need", "learn", "know")):
                continue
            u.tech.append(phrase)
            blocked[start:end] = [True] * (end - start)
    for category, (phrases, _) in lexicon.SKILL_CATEGORIES.items():
        if u.any(phrases):
            u.skill_categories.append(category)
    if u.skill_categories:
        u.scores["skills"] = u.scores.get("skills", 0) + 3
        u.tech = [t for t in u.tech if not any(t in lexicon.SKILL_CATEGORIES[k][0]
                                               for k in u.skill_categories)]
    u.asks_need = u.any(("do i need", "do you need", "need to know", "is it needed", "needed",
                         "required", "require", "requires", "do they need", "does it need",
                         "need", "necessary", "must know", "have to know", "should i learn",
                         "use", "uses", "using", "write", "know", "important", "matter",
                         "enough", "useful", "worth learning", "good to know", "help", "helps",
                         "relevant", "matters", "essential", "must have", "need it",
                         # "is pytorch on there": whether the list has it
                         "on there", "in there", "on the list", "on that list", "in the list",
                         "listed", "included", "on it", "in it"))
    if (u.skills or u.tech) and u.asks_need:
        u.scores["skills"] = u.scores.get("skills", 0) + 4


def _scan_not_held(u: Understanding, catalog: Catalog) -> None:
    """Questions about things the knowledge base does not hold."""
    for kind, phrases in lexicon.NOT_HELD.items():
        if u.any(phrases):
            if kind == "equity" and u.has("options") and not u.any(("stock", "equity", "rsu")):
                continue
            u.not_held.append(kind)
    # An amount in another currency or per month/week/hour is not read as annual US
    # dollars (numbers.py leaves it out); say what is held instead of ignoring it.
    for kind, flagged in (("currency", u.numbers.foreign_currency),
                          ("hourly", u.numbers.non_annual)):
        if flagged and kind not in u.not_held:
            u.not_held.append(kind)
    if u.has("tc") and u.score("salary") == 0 and "total_comp" in u.not_held:
        u.not_held.remove("total_comp")
    if (u.any(lexicon.DEGREE_WORDS) and u.any(lexicon.DEGREE_NEED)) or (
            u.any(lexicon.COURSE_WORDS) and u.any(lexicon.COURSE_ASK)):
        u.not_held.append("education")
    if u.score("remote") >= 4 and u.any(lexicon.REMOTE_PAY) and len(u.role_slugs) <= 1:
        u.not_held.append("remote_pay")
    # Places: a salary or count broken down by place is not held; metros are.
    # Only the places the message names are sorted (most messages name none).
    places, longest = _places(catalog.metros)
    for place in sorted(u.named(places, longest), key=len, reverse=True):
        if place in ("remote",):
            continue
        if place in lexicon.AMBIGUOUS_PLACES and not re.search(
                rf"\b(?:in|from|at|near|around|based|for|to|live|city|hub for)\s+{re.escape(place)}\b",
                u.text) and not re.search(rf"\b{re.escape(place)}\s+(?:a|good|hub|jobs|salary)\b",
                                          u.text):
            continue
        if any(place in p for p in u.places):
            continue
        u.places.append(place)
    if u.places and not any(u.score(f) >= 3 for f in lexicon.FIGURE_FACETS):
        u.scores["metros"] = u.scores.get("metros", 0) + 4
    companies = lexicon.COMPANIES
    if named_companies := u.named(companies, _longest(companies)):
        for company in companies:  # in the vocabulary's order, as before
            if company in named_companies and catalog.skill_key(company) is None:
                u.companies.append(company)
    if u.any(lexicon.COMPANY_WORDS):
        u.companies.append("companies")
    # Trends over time, forecasts, and past years.
    other_years = ([y for y in u.numbers.years if str(y) not in catalog.source_years()]
                   if u.numbers.years else [])
    strong_trend = u.any(("over time", "year over year", "yoy", "historical", "history",
                          "forecast", "predict", "prediction", "projection", "back in",
                          "used to", "changed", "next year", "last year", "in 5 years",
                          "in five years", "in 10 years", "growth rate", "will pay", "will make",
                          "trend", "trends", "trending", "change over", "over the last",
                          "over the past", "in the last", "in the past", "past few years",
                          "last few years", "years ago", "this year vs", "compared to last",
                          "in a few years", "next few years", "coming years", "will grow",
                          "will it grow", "will they grow", "will demand", "will salaries",
                          "will salary", "will pay", "will jobs", "will there be"))
    soft_trend = u.any(("going up", "going down", "go up", "go down", "increase",
                        "increasing", "increased", "decrease", "decreasing", "decreased",
                        "rising", "rise", "falling", "dropping", "grow", "growing", "growth",
                        "change", "changes", "changing"))
    if other_years or strong_trend or (soft_trend and (u.score("salary") >= 3 or u.score("remote") >= 4
                                                       or u.score("openings") >= 3)):
        u.not_held.append("trend")
    # Pay for one seniority level: figures are for the role as a whole.
    if u.score("salary") >= 3:
        for m in u.roles:
            if m.seniority:
                u.seniority_pay = m.seniority
            if m.step:
                u.seniority_pay = m.step
        if u.seniority_pay is None:
            u.seniority_pay = next((w for w in lexicon.LEVEL_PAY_WORDS if u.has(w)), None)
        if u.any(lexicon.COMPANY_TYPES):
            u.companies.append("company type")
        if u.any(("entry level salary", "entry level pay", "junior salary", "senior salary",
                  "junior pay", "senior pay", "new grad salary", "starting salary",
                  "entry salary", "as a junior", "as a senior", "for a junior", "for juniors",
                  "for seniors", "for a senior", "starting pay")):
            u.seniority_pay = "level"


#: id(metros table) -> (the table, every place name: the lexicon's and the metros' casefolded,
#: the most words one has); the table is kept so its id is not reused while it is here.
_PLACES: dict[int, tuple[object, frozenset[str], int]] = {}


def _places(metros: dict[str, str]) -> tuple[frozenset[str], int]:
    """Place names a message may name, once per metros table (views whose metros are the
    same share it, see ``catalog.derive``) instead of a set union and a substring test of
    each of ~130 names per message; kept for the last 64 tables made."""
    entry = _PLACES.get(id(metros))
    if entry is not None and entry[0] is metros:
        return entry[1], entry[2]
    places = frozenset(lexicon.PLACES | {m.casefold() for m in metros.values()})
    longest = _longest(places)
    if len(_PLACES) >= 64:
        del _PLACES[next(iter(_PLACES))]
    _PLACES[id(metros)] = (metros, places, longest)
    return places, longest


def _longest(phrases: frozenset[str]) -> int:
    """The most space-separated words one of ``phrases`` has."""
    return _phrase_set(phrases)[1]


def _scan_choice(u: Understanding) -> None:
    """What a "which should I choose" question weighs: a criterion or an interest."""
    padded = f" {u.text} "
    for marker in sorted(lexicon.INTEREST_MARKERS, key=len, reverse=True):
        if f"{marker} " not in padded:
            continue  # what the search below needs, found without building its regex
        for m in re.finditer(rf"(?<= ){re.escape(marker)} ", padded):
            before = padded[:m.start()].split()[-2:]
            if marker in _LIKE_WORDS and not set(before) & _LIKERS:
                continue  # "what's a day like", "roles like x": a comparison, not a liking
            words = padded[m.end():].split()[:5]
            groups = [g for g, vocab in lexicon.INTERESTS.items()
                      if any(w in vocab for w in words[:4])]
            target = u.negative_interests if marker in lexicon.NEGATIVE_INTEREST else u.interests
            if target is u.interests:
                u.interest_words.extend(w for w in words[:4] if w.isalpha() and len(w) > 3
                                        and w not in lexicon.STOPWORDS
                                        and w not in u.interest_words)
            for g in groups:
                if g not in target:
                    target.append(g)
    for criterion, phrases in lexicon.CRITERIA.items():
        if u.any(phrases):
            u.criterion = criterion
            break
    if (u.interests or u.negative_interests) and (u.roles or u.any(("which", "role", "path",
                                                                    "fit", "should"))):
        u.scores["choose"] = u.scores.get("choose", 0) + 3


#: Words a greeting or a thanks is made of (made once, not for every word read).
_SOCIAL_WORDS = lexicon.GREETINGS | lexicon.THANKS | lexicon.FAREWELLS | {
    "everyone", "all", "guys", "bot", "there", "careerbot", "you", "so", "much", "a", "lot",
    "for", "the", "help", "again", "very", "man", "mate", "u", "yall", "folks", "friends",
    "how", "are", "r", "doing", "going", "it", "up", "whats"}


def _scan_social(u: Understanding) -> None:
    tokens = [t for t in u.tokens if t.isalnum()]
    content = [t for t in tokens if t not in _SOCIAL_WORDS]
    if tokens and tokens[0] in lexicon.GREETINGS and not content:
        u.greeting = True
    if tokens and not content and set(tokens) & (lexicon.THANKS | lexicon.FAREWELLS):
        u.thanks = True
    if tokens and tokens[0] in ("gm", "gn") and len(tokens) <= 3:
        u.greeting = True
    u.help = u.any(lexicon.HELP_PHRASES)
    u.asks_sources = bool(_SOURCES_QUESTION.search(u.text)) and not u.injection \
        and not u.any(_TRUST_WORDS)
    u.list_roles = u.any(lexicon.LIST_ROLES_PHRASES) and not u.roles and (
        u.any(("you", "know", "cover", "have", "there", "available", "list", "support",
               "track", "all")))
    u.domain = bool(u.roles or u.unknown_roles or u.skills or u.tech or u.background
                    or u.interests or u.criterion
                    or set(u.tokens) & lexicon.DOMAIN_WORDS
                    or any(v >= 2 for k, v in u.scores.items()
                           if k not in ("choose", "compare", "overview", "metros")))
