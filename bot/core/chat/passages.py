"""Details from the knowledge's own sentences: find the passage that answers a question.

A question such as "which teams does an MLOps engineer deal with" asks something no
figure answers, but a sentence of the role's prose does ("Meet data scientists to hear
where their workflow hurts"). ``bot.knowledge.passages`` cuts a knowledge view into
passages; this module indexes them and finds the best for a question about given roles.

Two ways of matching, combined:

- lexical: SQLite FTS5 in memory, ranked by bm25 (as the FAQ search does), plus the
  share of the question's content words the passage holds ("coverage"), which is what
  says whether a match is good enough (bm25 only orders);
- semantic: cosine similarity of static word embeddings (the ``wordllama`` package, its
  default 256-dimension weights shipped in its wheel and loaded with downloads disabled),
  so paraphrases meet: "which teams does she deal with" and "meets the ML team".

The score of a passage is its cosine plus ``LEXICAL_WEIGHT`` times its coverage; below
``MIN_SCORE`` nothing is an answer. Both constants, and the choice of method, come from
measuring on ``tests/chat/passages_questions.yaml`` (``python -m bench.passages``; figures
in the README, "Conversational answers").

The model (~0.5 s to import and load) is loaded on the first detail question, never at
start-up, and an index is built once per knowledge view (the engine caches it beside the
FAQ index). Without the package, or if its weights cannot be read, search is lexical only
and says so in the log once.
"""

from __future__ import annotations

import importlib
import logging
import re
import sqlite3
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from bot.core.chat import answers, lexicon
from bot.core.chat.catalog import Catalog
from bot.core.chat.intents import Understanding
from bot.core.chat.memory import Topic
from bot.core.chat.planner import Plan, Planning, asks_detail
from bot.knowledge.models import Knowledge, Role, ViewChanges
from bot.knowledge.passages import FIELD_TOPICS, Passage, build_passages

if TYPE_CHECKING:
    import numpy as np

log = logging.getLogger(__name__)

#: Weight of lexical coverage (0..1) added to the cosine (-1..1) in the combined score.
LEXICAL_WEIGHT = 0.5
#: A passage scoring below this is never an answer (see the module docstring).
MIN_SCORE = 0.4
#: A second passage is shown when it scores at least this share of the best one's.
SECOND_SHARE = 0.85
#: bm25 column weights: text, context.
WEIGHTS = (2.0, 1.0)
_WORD = re.compile(r"[a-z0-9]+")
METHODS = ("lexical", "semantic", "both")


class Embedder(Protocol):
    """What this module uses of a wordllama model (so tests may pass a stand-in)."""

    def embed(self, texts: Any, norm: bool = ...) -> Any: ...


# -- the model, loaded once and lazily ----------------------------------------------------

_model_lock = threading.Lock()
_model: Embedder | None = None
_model_failed = False


def load_model() -> Embedder | None:
    """The wordllama model from the files in its own wheel, never from the network;
    None (lexical search only) when the package or its weights are missing."""
    global _model, _model_failed
    with _model_lock:
        if _model is not None or _model_failed:
            return _model
        root = logging.getLogger()
        handlers, level = list(root.handlers), root.level
        try:
            # ~0.3 s, so imported here, never at start-up (and by name: it ships no types).
            wordllama = importlib.import_module("wordllama")
            folder = Path(str(wordllama.__file__)).parent
            _model = wordllama.WordLlama.load(cache_dir=folder, disable_download=True)
        except Exception as exc:  # any failure leaves lexical search working
            _model_failed = True
            log.warning("passage search is lexical only: wordllama did not load (%s)", exc)
        finally:
            # wordllama's __init__ calls logging.basicConfig(level=INFO); the bot's own
            # logging setup must not change because a question was asked.
            root.handlers[:] = handlers
            root.setLevel(level)
        return _model


# -- matches --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Match:
    """A passage with how well it matched; ``score`` is what the threshold reads."""

    passage: Passage
    score: float
    cosine: float
    coverage: float
    bm25: float


#: Words a question uses for what the knowledge says in other words: each group's
#: members stand for one another ("what separates great pms" meets "what sets strong
#: AI PMs apart", "which teams does she deal with" meets "meet data scientists"). A
#: query word matches a passage holding it or any word of its group, and counts once
#: towards coverage. Groups are small and about the work, never about roles or figures.
SYNONYM_GROUPS: tuple[tuple[str, ...], ...] = (
    ("separates", "separate", "distinguishes", "distinguish", "differentiates",
     "differentiate", "apart", "stand out", "stands out", "differentiator"),
    ("great", "strong", "best", "top", "excellent", "outstanding", "good"),
    ("deal", "deals", "collaborate", "collaborates", "interact", "interacts", "meet",
     "meets", "partner"),
    ("teams", "team", "colleagues", "people", "stakeholders", "leadership"),
)
#: "who do they work with" asks for people: the question word stands for the group.
_PEOPLE_QUESTION = {"who": "teams", "whom": "teams"}


def _synonyms() -> dict[str, tuple[str, ...]]:
    out: dict[str, tuple[str, ...]] = {}
    for group in SYNONYM_GROUPS:
        for word in group:
            out[word] = tuple(dict.fromkeys((*out.get(word, ()), *group)))
    return out


SYNONYMS = _synonyms()


@dataclass(frozen=True, slots=True)
class Query:
    """What a question asks, without the role names: words to match, text to embed."""

    terms: tuple[str, ...]
    text: str

    @classmethod
    def from_tokens(cls, tokens: Sequence[str], skip: Iterable[int] = ()) -> Query:
        """The query of a message's tokens, leaving out those at ``skip`` (role names)."""
        skipped = set(skip)
        kept = [t for i, t in enumerate(tokens) if i not in skipped]
        words = [w for t in kept for w in _WORD.findall(t)]
        terms = tuple(dict.fromkeys(
            _PEOPLE_QUESTION.get(w, w) for w in words
            if (w not in lexicon.STOPWORDS and len(w) > 1) or w in _PEOPLE_QUESTION))
        return cls(terms, " ".join(words))

    def match_of(self, term: str) -> str:
        """The FTS5 query for one term: the term or any of its synonyms."""
        return " OR ".join(f'"{w}"' for w in SYNONYMS.get(term, (term,)))


class PassageIndex:
    """Lexical and (lazily) semantic search over one knowledge view's passages."""

    def __init__(self, passages: Sequence[Passage]) -> None:
        self.passages: tuple[Passage, ...] = tuple(passages)
        self._lock = threading.Lock()
        self._vectors: np.ndarray | None = None
        self.db = sqlite3.connect(":memory:", check_same_thread=False)
        with self.db:
            self.db.execute("CREATE VIRTUAL TABLE p USING FTS5 (text, context, tokenize='porter')")
            self.db.executemany("INSERT INTO p (rowid, text, context) VALUES (?, ?, ?)",
                                [(i, p.text.casefold(), self.context(p).casefold())
                                 for i, p in enumerate(self.passages)])

    @staticmethod
    def context(p: Passage) -> str:
        """What is indexed beside a passage's text: its own context and its field's topic."""
        return f"{p.context} {FIELD_TOPICS.get(p.field, '')}".strip()

    @classmethod
    def build(cls, knowledge: Knowledge) -> PassageIndex:
        return cls(build_passages(knowledge))

    # -- the two ways of matching ------------------------------------------------------------

    def bm25(self, query: Query) -> dict[int, float]:
        """Passage position -> bm25 relevance (higher is better) for the query's words."""
        if not query.terms:
            return {}
        match = " OR ".join(query.match_of(w) for w in query.terms if w.isalnum())
        sql = "SELECT rowid, bm25(p, ?, ?) FROM p WHERE p MATCH ?"
        with self._lock:
            rows = self.db.execute(sql, [*WEIGHTS, match]).fetchall()
        return {int(i): -float(rank) for i, rank in rows}

    def holders(self, query: Query) -> dict[str, set[int]]:
        """For each query word, the passages holding it, by FTS5's own porter stemming (so
        "promoted" meets "promotion" as bm25 sees them)."""
        out: dict[str, set[int]] = {}
        with self._lock:
            for term in query.terms:
                if term.isalnum():
                    rows = self.db.execute("SELECT rowid FROM p WHERE p MATCH ?",
                                           [query.match_of(term)])
                    out[term] = {int(r[0]) for r in rows}
        return out

    def cosines(self, query: Query, model: Embedder) -> np.ndarray:
        """Cosine of the query with every passage (embeddings are unit length)."""
        vectors = self._passage_vectors(model)
        q = model.embed([query.text], norm=True)[0]
        return vectors @ q  # type: ignore[no-any-return]

    def _passage_vectors(self, model: Embedder) -> np.ndarray:
        with self._lock:
            if self._vectors is None:
                texts = [f"{self.context(p)} {p.text}".strip() for p in self.passages]
                self._vectors = model.embed(texts, norm=True) if texts else None
            assert self._vectors is not None or not self.passages
            return self._vectors  # type: ignore[return-value]

    # -- search ----------------------------------------------------------------------------

    def search(self, query: Query, roles: Iterable[str] | None = None, *,
               method: str = "both", model: Embedder | None = None,
               limit: int = 3) -> list[Match]:
        """The best passages about ``roles`` (None: any), best first.

        ``method`` "lexical" scores by coverage (ties by bm25) and leaves out passages
        without a matching word; "semantic" scores by cosine; "both" by cosine +
        LEXICAL_WEIGHT * coverage. A method that
        needs the model falls back to lexical when there is none.
        """
        wanted = None if roles is None else set(roles)
        candidates = [i for i, p in enumerate(self.passages)
                      if wanted is None or p.role in wanted]
        if not candidates:
            return []
        if method != "lexical" and model is None:
            model = load_model()
        if model is None:
            method = "lexical"
        bm = self.bm25(query)
        holders = self.holders(query)
        cos = self.cosines(query, model) if method != "lexical" and model is not None else None
        matches = []
        for i in candidates:
            coverage = sum(i in held for held in holders.values()) / len(holders) \
                if holders else 0.0
            cosine = float(cos[i]) if cos is not None else 0.0
            if method == "lexical":
                if i not in bm:
                    continue
                score = coverage
            elif method == "semantic":
                score = cosine
            else:
                score = cosine + LEXICAL_WEIGHT * coverage
            matches.append(Match(self.passages[i], score, cosine, coverage, bm.get(i, 0.0)))
        matches.sort(key=lambda m: (-m.score, -m.bm25))
        return matches[:limit]


def answers_from(matches: Sequence[Match], min_score: float = MIN_SCORE) -> list[Match]:
    """The one or two matches good enough to show: the best if it clears ``min_score``,
    and the second when it is nearly as good and says something else."""
    if not matches or matches[0].score < min_score:
        return []
    shown = [matches[0]]
    if len(matches) > 1:
        second = matches[1]
        if second.score >= max(min_score, SECOND_SHARE * matches[0].score) \
                and second.passage.text != matches[0].passage.text:
            shown.append(second)
    return shown


# -- the index per knowledge view ----------------------------------------------------------

def index_for(knowledge: Knowledge) -> PassageIndex:
    """The passage index of ``knowledge``, built the first time that view is searched and
    kept with the view (``Knowledge.derived``), so a new view never meets an old index.
    A server's view whose overlay changed nothing passages are made from shares the
    index of the view it was made from."""
    return knowledge.derived("chat.passages", _index_of)


def _index_of(knowledge: Knowledge) -> PassageIndex:
    parent, changes = knowledge.parent, knowledge.changes
    if parent is not None and changes is not None and _same_passages(knowledge, parent, changes):
        return index_for(parent)
    return PassageIndex.build(knowledge)


def _same_passages(knowledge: Knowledge, parent: Knowledge, changes: ViewChanges) -> bool:
    """Would ``build_passages`` make the same passages for both views? Yes when no role
    differs in what passages hold (``content``), the FAQ is the parent's, and no FAQ tag
    is a name (slug or alias) one view gives a role and the other does not: tags tie
    entries to roles."""
    if changes.content or changes.faq:
        return False
    moved: set[str] = set()
    for slug in changes.names:
        mine, theirs = knowledge.roles.get(slug), parent.roles.get(slug)
        moved |= {k.casefold() for k in ((mine.slug, *mine.aliases) if mine else ())} ^ \
            {k.casefold() for k in ((theirs.slug, *theirs.aliases) if theirs else ())}
    return not any(tag.casefold() in moved for entry in knowledge.faq for tag in entry.tags)


# -- the answer --------------------------------------------------------------------------------

#: Detail answers cover at most this many of the roles named.
MAX_ROLES = 2


def _matches(u: Understanding, roles: Sequence[Role], knowledge: Knowledge) -> list[Match] | None:
    """The passages to show for ``roles`` (best one each for two roles, two for one), or
    None when the message is no detail question about 1 to ``MAX_ROLES`` roles."""
    if not roles or len(roles) > MAX_ROLES or u.injection or not asks_detail(u):
        return None
    named = {i for m in u.roles for i in range(m.start, m.end)}
    query = Query.from_tokens(u.tokens, named)
    index = index_for(knowledge)
    shown: list[Match] = []
    for role in roles:
        found = answers_from(index.search(query, [role.slug]))
        shown.extend(found[: 1 if len(roles) > 1 else 2])
    return shown


def stage(p: Planning) -> Plan | None:
    """The ``detail`` planning stage: a question about particular roles that no figure or
    facet answers gets the knowledge's own sentence or two, with its source, when one
    scores at least ``MIN_SCORE``. A weaker match is no answer: the reply says nothing
    held answers that and offers what is held for the role (the ``suggest`` intent),
    never the profile."""
    knowledge = p.catalog.knowledge
    roles = [knowledge.roles[s] for s in p.roles if s in knowledge.roles]
    shown = _matches(p.u, roles, knowledge)
    if shown is None:
        return None
    if not shown:  # a particular question nothing held answers: say so, offer what is
        return Plan("suggest", roles=(roles[0].slug,), detail={"unanswered": True})
    return Plan("detail", roles=tuple(r.slug for r in roles), detail={"shown": tuple(shown)},
                confident=bool(p.explicit))


def build(c: answers.Ctx) -> answers.Built:
    """The reply to a ``detail`` plan (``chat/detail.j2``)."""
    roles = [c.knowledge.roles[s] for s in c.plan.roles if s in c.knowledge.roles]
    reply = c.render("detail.j2", roles=roles, shown=list(c.plan.detail.get("shown", ())))
    return answers.Built(reply, Topic("overview", tuple(r.slug for r in roles)))


def answer_detail(u: Understanding, plan: Plan, catalog: Catalog, prefix: str, *,
                  addressed: bool = True) -> answers.Built | None:
    """The reply to a question about particular roles that no figure or facet answers,
    outside the planning stages (``stage`` and ``build`` are what the chat pipeline uses).

    Returns None when the message does not name 1 to ``MAX_ROLES`` known roles, asks for
    their overview or tries to instruct the bot; otherwise the best passage or two, each
    with its source, or (addressed only) the reply saying nothing held answers it. Never
    raises.
    """
    roles = [catalog.knowledge.roles[s] for s in plan.roles if s in catalog.knowledge.roles]
    shown = _matches(u, roles, catalog.knowledge)
    if shown is None or (not shown and not addressed):
        return None
    ctx = answers.Ctx(plan, u, catalog, prefix)
    reply = ctx.render("detail.j2", roles=roles, shown=shown)
    return answers.Built(reply, Topic("overview", tuple(r.slug for r in roles)))
