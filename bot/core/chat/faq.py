"""FAQ search: SQLite FTS5, ranked by bm25, with a confidence bar.

The FAQ entries of a knowledge view (global ones and, once moderators add them, a
server's own) are indexed in a small in-memory SQLite database (the same tables
sqlite-utils' ``enable_fts`` makes, written with the standard library's ``sqlite3``:
importing sqlite-utils costs a start more than the whole index, ~0.1 s with the numpy
it probes for) the first time a view is searched, so a server's edits are searchable as soon as its
view changes. The query is the message's content words, OR-ed and quoted (only
``[a-z0-9]`` ever reaches MATCH, so nothing typed can change the query), ranked by
bm25 with the question and tags weighted above the answer. bm25 alone says which entry
is best, not whether it is good enough, so a hit must also cover enough of the
message's content words; below that the FAQ stays silent.
"""

from __future__ import annotations

import re
import sqlite3
import threading
from collections.abc import Callable
from dataclasses import dataclass

from bot.core.chat import lexicon
from bot.core.chat.normalize import join_names
from bot.knowledge.models import FaqEntry

#: bm25 column weights: question, answer, tags.
WEIGHTS = (6.0, 1.0, 4.0)
#: Share of the message's content words an entry must contain to be used.
MIN_COVERAGE = 0.5
#: ...and at least this many of them.
MIN_MATCHED = 2
#: A stricter bar for answering in a channel without being asked.
CONFIDENT_COVERAGE = 0.75
CONFIDENT_MATCHED = 3
#: Words too common in career questions to count as evidence for an entry.
GENERIC = frozenset({"ai", "role", "roles", "job", "jobs", "work", "need", "get", "good",
                     "best", "much", "many", "make", "people", "career", "engineer",
                     "engineers", "manager", "managers", "product", "really", "actually",
                     "exactly", "basically", "precisely", "anyway", "quick", "question"})
_WORD = re.compile(r"[a-z0-9]+")
_SUFFIXES = ("ing", "ed", "es", "s", "ly", "er")


def stem(word: str) -> str:
    """A crude stem so "numbers"/"number" and "paying"/"pay" count as one word."""
    for suffix in _SUFFIXES:
        if len(word) > len(suffix) + 3 and word.endswith(suffix):
            return word[: -len(suffix)]
    return word


@dataclass(frozen=True, slots=True)
class FaqHit:
    entry: FaqEntry
    rank: float
    coverage: float
    matched: int

    @property
    def confident(self) -> bool:
        return self.coverage >= CONFIDENT_COVERAGE and self.matched >= CONFIDENT_MATCHED


def content_terms(tokens: list[str] | tuple[str, ...]) -> list[str]:
    """The words of a message worth searching for (role slugs such as "mlops-engineer" kept)."""
    seen: list[str] = []
    for token in tokens:
        if not token.replace("-", "").isalnum() or token in lexicon.STOPWORDS or len(token) < 2:
            continue
        if token not in seen:
            seen.append(token)
    return seen[:20]


class FaqIndex:
    """An FTS5 index over a set of FAQ entries."""

    def __init__(self, entries: tuple[FaqEntry, ...]) -> None:
        # Rows are keyed by position: a server's own entries (moderators' overlay) can
        # share ids with the shared entries, which live in another table.
        self.entries: dict[int, FaqEntry] = dict(enumerate(entries, start=1))
        self._question_stems = {
            key: {stem(w) for w in _WORD.findall(join_names(e.question.casefold()))}
            for key, e in self.entries.items()
        }
        self._stems = {
            key: (
                {stem(w) for w in _WORD.findall(
                    join_names(f"{e.question} {' '.join(e.tags)}".casefold()))}
                | {t.casefold() for t in e.tags},
                {stem(w) for w in _WORD.findall(join_names(e.answer.casefold()))},
            )
            for key, e in self.entries.items()
        }
        self._lock = threading.Lock()
        self.db = sqlite3.connect(":memory:")
        rows = [(key, join_names(e.question.casefold()), join_names(e.answer.casefold()),
                 " ".join(t.replace("-", " ") for t in e.tags))
                for key, e in self.entries.items()]
        with self.db:
            self.db.execute("CREATE TABLE faq (id INTEGER PRIMARY KEY, question TEXT, "
                            "answer TEXT, tags TEXT)")
            self.db.executemany("INSERT INTO faq VALUES (?, ?, ?, ?)", rows)
            # An external-content FTS5 table over ``faq``, as sqlite-utils' enable_fts makes.
            self.db.execute("CREATE VIRTUAL TABLE faq_fts USING FTS5 "
                            "(question, answer, tags, tokenize='porter', content=faq)")
            self.db.execute("INSERT INTO faq_fts (rowid, question, answer, tags) "
                            "SELECT rowid, question, answer, tags FROM faq")

    def search(self, tokens: list[str] | tuple[str, ...], limit: int = 3) -> list[FaqHit]:
        """Entries matching the message's words, best first, each with its coverage."""
        terms = content_terms(tokens)
        if not terms or not self.entries:
            return []
        words = [w for t in terms for w in t.split("-")]
        query = " OR ".join(f'"{w}"' for w in dict.fromkeys(words) if w.isalnum())
        sql = (
            "select faq.id, bm25(faq_fts, ?, ?, ?) as rank from faq_fts "
            "join faq on faq.rowid = faq_fts.rowid where faq_fts match ? order by rank limit ?"
        )
        with self._lock:
            rows = self.db.execute(sql, [*WEIGHTS, query, limit * 3]).fetchall()
        wanted = {t if "-" in t else stem(t) for t in terms if t not in GENERIC} or {
            stem(t) for t in terms}
        hits = []
        for entry_id, rank in rows:
            head, body = self._stems[entry_id]
            matched_head = wanted & head
            matched = wanted & (head | body)
            # Words in the question or tags count fully; words only in the answer count half.
            coverage = (len(matched_head) + 0.5 * len(matched - matched_head)) / len(wanted)
            hits.append(FaqHit(self.entries[entry_id], rank, coverage, len(matched)))
        hits.sort(key=lambda h: (-round(h.coverage, 3), h.rank))
        return hits[:limit]

    def best(self, tokens: list[str] | tuple[str, ...],
             allowed: Callable[[FaqEntry], bool] | None = None,
             min_matched: int = MIN_MATCHED) -> FaqHit | None:
        """The best entry (of those ``allowed``) if it clears the confidence bar, else None.

        ``min_matched`` 1 is for "what is X" / "why X" questions with a single content
        word; that word must then be in the entry's question or tags, not just its answer.
        """
        hits = self.search(tokens, limit=3)
        if allowed is not None:
            hits = [h for h in hits if allowed(h.entry)]
        if min_matched < MIN_MATCHED and hits:
            # One distinctive word ("what is onet"): the entry whose question has it first.
            wanted = {stem(t) for t in content_terms(tokens)}
            key = {id(e): k for k, e in self.entries.items()}
            hits.sort(key=lambda h: not wanted <= self._question_stems[key[id(h.entry)]])
        if not hits:
            return None
        top = hits[0]
        # One matching word is never enough for an ordinary message: "and remote?" is not a
        # question about remote pay.
        if top.matched >= max(min_matched, 1) and top.coverage >= (
                MIN_COVERAGE if min_matched >= MIN_MATCHED else 1.0):
            return top
        return None
