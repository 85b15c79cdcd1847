"""The knowledge-gap log and answer feedback: what is stored, where, and the changes on it.

Two kinds of data, kept apart on purpose:

- **What members asked** (questions the bot declined, asked to clarify or answered with
  low confidence, and ratings of answers) goes to its own SQLite file beside the knowledge
  base (``careerbot.gaps.db`` next to ``careerbot.db``; ``log_path``), written in batches
  by ``bot.core.gaps.GapRecorder``. Not the knowledge file itself: the knowledge store
  reloads every view whenever that file's ``PRAGMA data_version`` moves, so a question
  logged there would cost the next message a full reload. Rows hold the *cleaned* text
  (the chat pipeline's ``clean_message``: mentions, links and markup removed), the
  outcome, intent and roles read, the time, the server and channel, and a salted hash
  of the asker (one random salt per server, in ``gap_salts``) that counts distinct askers
  and lets only the asker rate an answer. No user id is stored. Rows past a server's
  retention are purged (``GapLog.purge``).
- **What moderators decided** (a group answered with an FAQ entry, a group dismissed) and
  the server's gap settings are changes like any other, planned in
  ``bot.knowledge.gap_changes``; this module only reads the marks (``read_marks``). It
  imports nothing of the write path, so the chat engine can report to the log without
  loading it (``careerbot ask`` stays light).
"""

from __future__ import annotations

import secrets
import sqlite3
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

#: Longest cleaned question kept, and longest answer excerpt kept with a 👎.
MAX_TEXT_CHARS = 300

# -- the knowledge file's marks (written by ``bot.knowledge.gap_changes``) ------------------


def read_marks(conn: sqlite3.Connection, guild_id: str) -> dict[str, tuple[str, int | None]]:
    """key -> (state, FAQ entry id) of a server's answered and dismissed phrasings."""
    present = conn.execute("select 1 from sqlite_master where type = 'table' and name = "
                           "'gap_marks'").fetchone()
    if present is None:
        return {}
    return {key: (state, faq_id) for key, state, faq_id in conn.execute(
        "select key, state, faq_id from gap_marks where guild_id = ?", (guild_id,))}


# -- the gap log file (what members asked) ------------------------------------------------

LOG_SCHEMA = (
    "pragma journal_mode = wal",
    """create table if not exists gap_salts (guild_id text primary key, salt blob not null)""",
    """create table if not exists gap_questions (
        id integer primary key, guild_id text not null, channel_id text not null,
        at integer not null, text text not null, key text not null, outcome text not null,
        intent text not null, roles text not null, asker text not null,
        answer text not null default '', faq_id integer)""",
    # kb gaps reads one server over a period, and purging reads by time.
    """create index if not exists gap_questions_guild_at on gap_questions
        (guild_id, at, key, text, outcome, intent, roles, asker)""",
    """create index if not exists gap_questions_at on gap_questions (at)""",
    """create table if not exists gap_feedback (
        token text primary key, guild_id text not null, channel_id text not null,
        at integer not null, text text not null, key text not null, intent text not null,
        roles text not null, asker text not null, answer text not null default '',
        faq_id integer, rating integer, rated_at integer)""",
    """create index if not exists gap_feedback_guild_at on gap_feedback (guild_id, at)""",
    """create index if not exists gap_feedback_at on gap_feedback (at)""",
)


def log_path(db_path: Path) -> Path:
    """The gap log beside the knowledge file: ``careerbot.gaps.db`` for ``careerbot.db``."""
    db_path = Path(db_path)
    return db_path.with_name(f"{db_path.stem}.gaps{db_path.suffix or '.db'}")


@dataclass(frozen=True, slots=True)
class GapRow:
    """One recorded question, as stored (``asker`` is the salted hash)."""

    guild_id: str
    channel_id: str
    at: int
    text: str
    key: str
    outcome: str
    intent: str
    roles: str
    asker: str
    answer: str = ""
    faq_id: int | None = None


@dataclass(frozen=True, slots=True)
class FeedbackRow:
    """An answer members may rate, keyed by the token its buttons carry."""

    token: str
    guild_id: str
    channel_id: str
    at: int
    text: str
    key: str
    intent: str
    roles: str
    asker: str
    answer: str = ""
    faq_id: int | None = None
    rating: int | None = None


@dataclass(frozen=True, slots=True)
class KeyStats:
    """Recorded questions of one phrasing key over a period (``GapLog.by_key``);
    ``askers`` counts distinct askers."""

    key: str
    count: int
    askers: int
    texts: dict[str, int]
    outcomes: dict[str, int]
    intents: dict[str, int]
    roles: dict[str, int]
    last_at: int


class GapLog:
    """The gap log file: one connection, serialised by a lock, opened on first use."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()
        self._conn: sqlite3.Connection | None = None
        self._salts: dict[str, bytes] = {}

    def _open(self) -> sqlite3.Connection:
        if self._conn is None:
            conn = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None,
                                   timeout=5)
            conn.execute("pragma busy_timeout = 5000")
            for statement in LOG_SCHEMA:
                conn.execute(statement)
            conn.execute("pragma synchronous = normal")
            self._conn = conn
        return self._conn

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
            self._conn = None

    def exists(self) -> bool:
        return self._conn is not None or self.path.exists()

    def salt(self, guild_id: str) -> bytes:
        """The server's random salt, made on first use (never the same for two servers)."""
        with self._lock:
            return self._salt(self._open(), guild_id)

    def _salt(self, conn: sqlite3.Connection, guild_id: str) -> bytes:
        found = self._salts.get(guild_id)
        if found is not None:
            return found
        row = conn.execute("select salt from gap_salts where guild_id = ?", (guild_id,)).fetchone()
        if row is None:
            conn.execute("insert or ignore into gap_salts (guild_id, salt) values (?, ?)",
                         (guild_id, secrets.token_bytes(16)))
            row = conn.execute("select salt from gap_salts where guild_id = ?",
                               (guild_id,)).fetchone()
        self._salts[guild_id] = bytes(row[0])
        return self._salts[guild_id]

    def add(self, questions: Sequence[GapRow] = (), feedback: Sequence[FeedbackRow] = ()) -> None:
        """Write a batch in one transaction (all or nothing)."""
        if not questions and not feedback:
            return
        with self._lock:
            conn = self._open()
            conn.execute("begin immediate")
            try:
                conn.executemany(
                    "insert into gap_questions (guild_id, channel_id, at, text, key, outcome, "
                    "intent, roles, asker, answer, faq_id) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [(q.guild_id, q.channel_id, q.at, q.text[:MAX_TEXT_CHARS], q.key, q.outcome,
                      q.intent, q.roles, q.asker, q.answer[:MAX_TEXT_CHARS], q.faq_id)
                     for q in questions])
                conn.executemany(
                    "insert or ignore into gap_feedback (token, guild_id, channel_id, at, text, "
                    "key, intent, roles, asker, answer, faq_id) "
                    "values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [(f.token, f.guild_id, f.channel_id, f.at, f.text[:MAX_TEXT_CHARS], f.key,
                      f.intent, f.roles, f.asker, f.answer[:MAX_TEXT_CHARS], f.faq_id)
                     for f in feedback])
                conn.execute("commit")
            except BaseException:
                conn.execute("rollback")
                raise

    def guilds(self) -> list[str]:
        if not self.exists():
            return []
        with self._lock:
            conn = self._open()
            return sorted({g for (g,) in conn.execute(
                "select distinct guild_id from gap_questions union "
                "select distinct guild_id from gap_feedback")})

    def purge(self, cutoffs: Mapping[str, int]) -> int:
        """Delete each server's rows older than its cutoff (a UNIX time); rows removed."""
        if not cutoffs or not self.exists():
            return 0
        removed = 0
        with self._lock:
            conn = self._open()
            conn.execute("begin immediate")
            try:
                for guild_id, cutoff in cutoffs.items():
                    for table in ("gap_questions", "gap_feedback"):
                        removed += conn.execute(f"delete from {table} where guild_id = ? and at < ?",
                                                (guild_id, cutoff)).rowcount
                conn.execute("commit")
            except BaseException:
                conn.execute("rollback")
                raise
        return removed

    def by_key(self, guild_id: str, since: int) -> list[KeyStats]:
        """A server's recorded questions since ``since``, per phrasing key. Counting is
        SQLite's (two grouped scans of the covering index), so Python sees one row per
        key and one per distinct phrasing, not one per question."""
        if not self.exists():
            return []
        where = "from gap_questions where guild_id = ? and at >= ?"
        with self._lock:
            conn = self._open()
            totals = conn.execute(f"select key, count(*), count(distinct asker), max(at) {where} "
                                  "group by key", (guild_id, since)).fetchall()
            details = conn.execute(f"select key, text, outcome, intent, roles, count(*) {where} "
                                   "group by key, text, outcome, intent, roles",
                                   (guild_id, since)).fetchall()
        # texts, outcomes, intents and roles of each key, with their counts
        tallies: dict[str, tuple[dict[str, int], dict[str, int], dict[str, int],
                                 dict[str, int]]] = {}
        for key, text, outcome, intent, roles, n in details:
            parts = tallies.setdefault(key, ({}, {}, {}, {}))
            for tally, value in zip(parts, (text, outcome, intent, roles), strict=True):
                tally[value] = tally.get(value, 0) + n
        return [KeyStats(key, n, askers, *tallies[key], last_at=last)
                for key, n, askers, last in totals]

    def distinct_askers(self, guild_id: str, since: int,
                        group_of: Mapping[str, int]) -> dict[int, int]:
        """Distinct askers per group (``group_of`` maps each key to its group's number)."""
        if not self.exists() or not group_of:
            return {}
        with self._lock:
            conn = self._open()
            conn.execute("create temp table if not exists gap_groups "
                         "(key text primary key, grp integer not null)")
            conn.execute("begin")
            try:
                conn.execute("delete from temp.gap_groups")
                conn.executemany("insert into temp.gap_groups (key, grp) values (?, ?)",
                                 group_of.items())
                found = conn.execute(
                    "select g.grp, count(distinct q.asker) from gap_questions q "
                    "join temp.gap_groups g on g.key = q.key "
                    "where q.guild_id = ? and q.at >= ? group by g.grp",
                    (guild_id, since)).fetchall()
            finally:
                conn.execute("rollback")
        return dict(found)

    def feedback(self, token: str) -> FeedbackRow | None:
        if not self.exists():
            return None
        with self._lock:
            row = self._open().execute(
                "select token, guild_id, channel_id, at, text, key, intent, roles, asker, answer, "
                "faq_id, rating from gap_feedback where token = ?", (token,)).fetchone()
        return FeedbackRow(*row) if row is not None else None

    def rate(self, token: str, rating: int, at: int) -> bool:
        """Record a rating once: False when the answer was rated already."""
        with self._lock:
            cursor = self._open().execute(
                "update gap_feedback set rating = ?, rated_at = ? where token = ? "
                "and rating is null", (rating, at, token))
            return cursor.rowcount == 1

    def ratings(self, guild_id: str, since: int) -> list[tuple[str, int | None, int, str]]:
        """(intent, FAQ entry id, rating, text) of a server's rated answers since ``since``."""
        if not self.exists():
            return []
        with self._lock:
            return [(intent, faq_id, rating, text) for intent, faq_id, rating, text in
                    self._open().execute(
                        "select intent, faq_id, rating, text from gap_feedback where guild_id = ? "
                        "and at >= ? and rating is not null order by at desc", (guild_id, since))]

    def stored_rows(self) -> list[tuple[Any, ...]]:
        """Every stored row of every table (for tests that check nothing personal is kept)."""
        with self._lock:
            conn = self._open()
            return [tuple(row) for table in ("gap_questions", "gap_feedback", "gap_salts")
                    for row in conn.execute(f"select * from {table}").fetchall()]
