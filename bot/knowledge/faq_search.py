"""Searching the FAQ entries moderators wrote, which the database's ``faq_fts`` does not hold.

The build indexes the FAQ from the knowledge files: table ``faq`` with the FTS5 index
``faq_fts``. Entries written with ``kb faq add`` live in ``overlay_faq`` instead and reach
a view's ``Knowledge.faq`` with ``guild_id`` set: the server's id, or ``"*"`` for the
owner's entries that every server sees. (An FTS table of their own could not be carried
safely across rebuilds, which copy overlay tables row by row.)

So a chat handler answering from the FAQ searches two places:

- ``faq_fts`` for the shared entries (``guild_id`` None), as before;
- ``search_overlay_faq(knowledge, text)`` for the entries of the asker's view, which
  ranks them with FTS5's bm25 over an in-memory index built once per view, so a
  server's entries are only ever found in that server's view.
"""

from __future__ import annotations

import re
import sqlite3
import threading

from bot.core.names import fold
from bot.knowledge.models import FaqEntry, Knowledge

_TOKEN = re.compile(r"[a-z0-9]+")
MAX_QUERY_TOKENS = 32
_CACHE_LIMIT = 64
_lock = threading.Lock()
_indexes: dict[int, tuple[Knowledge, sqlite3.Connection]] = {}


def overlay_entries(knowledge: Knowledge) -> tuple[FaqEntry, ...]:
    """The view's FAQ entries written by moderators or the owner (not in ``faq_fts``)."""
    return tuple(e for e in knowledge.faq if e.guild_id is not None)


def _index(knowledge: Knowledge, entries: tuple[FaqEntry, ...]) -> sqlite3.Connection:
    cached = _indexes.get(id(knowledge))
    if cached is not None and cached[0] is knowledge:
        return cached[1]
    conn = sqlite3.connect(":memory:", check_same_thread=False)
    conn.execute("create virtual table entries using fts5(question, answer, tags, "
                 "entry UNINDEXED, tokenize = 'unicode61 remove_diacritics 2')")
    conn.executemany("insert into entries values (?, ?, ?, ?)",
                     [(e.question, e.answer, " ".join(e.tags), i) for i, e in enumerate(entries)])
    if len(_indexes) >= _CACHE_LIMIT:
        for _, old in _indexes.values():
            old.close()
        _indexes.clear()
    _indexes[id(knowledge)] = (knowledge, conn)
    return conn


def search_overlay_faq(knowledge: Knowledge, text: str, limit: int = 3) -> list[FaqEntry]:
    """The view's moderator-written entries matching ``text``, best first (question words
    weigh most, then tags, then the answer)."""
    entries = overlay_entries(knowledge)
    tokens = list(dict.fromkeys(_TOKEN.findall(fold(text or ""))))[:MAX_QUERY_TOKENS]
    if not entries or not tokens:
        return []
    query = " OR ".join(f'"{t}"' for t in tokens)  # quoted: user text is never FTS syntax
    with _lock:
        conn = _index(knowledge, entries)
        rows = conn.execute("select entry from entries where entries match ? "
                            "order by bm25(entries, 10.0, 1.0, 5.0) limit ?",
                            (query, limit)).fetchall()
    return [entries[i] for (i,) in rows]
