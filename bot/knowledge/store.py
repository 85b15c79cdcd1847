"""Read the knowledge base into frozen models and keep them until the data changes.

Every message needs the roles, so they are loaded once and cached; SQLite's
``PRAGMA data_version`` tells cheaply whether another connection (a moderator's edit, a
rebuild in another process) has committed since, and ``invalidate()`` covers writes made
through this process. Per-server views are cached the same way.

A server whose moderators edited nothing sees the global view itself (the same object),
so it shares every cache keyed on the view; views of edited servers are kept in a
least-recently-used cache of ``VIEW_CACHE_SIZE``, evicted one at a time (and the advisor
and chat engine keep their work for ``PREPARED_VIEWS`` the same way).

The version check (a stat of the file and ``PRAGMA data_version``) runs once per message:
a front end opens ``one_check()`` around a message's handling, and every read inside it
(the prefix lookup, the answer) reuses that check. Outside such a block every read checks.
The PRAGMA (a shared lock on the file: most of the check's cost) is skipped while the
file is *quiet* (see ``QUIET_SECONDS``): in rollback-journal mode every commit writes the
database file, so a file whose identity, size and change times are those seen at a check
made well after its last write has had no commit since.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
import time
from collections import OrderedDict, defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Any, TypeVar

from bot.knowledge.fields import role_text_fields, row_reader
from bot.knowledge.models import (
    JOB_ZONES_LIST,
    ROLE_LISTS,
    FaqEntry,
    JobZone,
    Knowledge,
    MarketFact,
    Role,
    Salary,
    Source,
    StatSnapshot,
    SurveyCut,
    ToolGroup,
)
from bot.knowledge.overlay import GLOBAL_SCOPE, edited_scopes, scope_is_edited

T = TypeVar("T")

#: A check trusts the file's stat alone (no ``PRAGMA data_version``) only when the file
#: was last written this long before a check that did run the PRAGMA. A commit the PRAGMA
#: did not see writes the file after that check, so it stamps a modification time later
#: than the one recorded, even where the filesystem keeps times coarsely (a clock tick, or
#: 1-2 s on some filesystems). Assumes a local filesystem (as SQLite's locking does).
QUIET_SECONDS = 5.0

#: Views of edited servers the store keeps at once (the global view is always kept). A
#: view shares every unchanged role with the base, so one costs a dict of the roles and the
#: roles it edits: a few KB with the real knowledge.
VIEW_CACHE_SIZE = 1024

#: The version checks made in the current message (``KnowledgeStore.one_check``): store ->
#: (data_version, file identity). A dict shared by every task the message's handling
#: starts, since tasks copy the context they are created in.
_CHECKED: ContextVar[dict[KnowledgeStore, tuple[int, tuple[int, int] | None]] | None] = \
    ContextVar("careerbot_store_checked", default=None)


#: Tables a moderation write may change (``bot.knowledge.overlay``); a logged change to
#: any other table makes the store reload everything.
_SCOPED_TABLES = frozenset({
    "overlay_fields", "overlay_aliases", "overlay_roles", "overlay_sources", "overlay_faq",
    "overlay_counters", "guild_settings", "guild_mod_roles", "guild_qa_channels",
})


def _last_audit(conn: sqlite3.Connection) -> int | None:
    """The newest audit log entry's id (0 for an empty log), or None without a log."""
    try:
        (last,) = conn.execute("select coalesce(max(id), 0) from audit_log").fetchone()
    except sqlite3.DatabaseError:
        return None
    return int(last)


class StoreError(Exception):
    """The database cannot be read; the message says what to do about it."""


def _rows(conn: sqlite3.Connection, sql: str, *params: object) -> list[sqlite3.Row]:
    return conn.execute(sql, params).fetchall()


def read_knowledge(conn: sqlite3.Connection) -> Knowledge:
    """Load the global knowledge base from an open connection (row_factory = Row)."""
    sources = {
        r["id"]: Source(**{k: r[k] or "" for k in r.keys()})  # noqa: SIM118
        for r in _rows(conn, "select * from sources")
    }
    empty = Source("", "", "", "")

    def source(sid: str | None) -> Source | None:
        return sources.get(sid) if sid else None

    stats: dict[str, list[StatSnapshot]] = defaultdict(list)
    stat_rows = _rows(conn, "select * from role_stats order by role_slug, position")
    # The field table's figures by column (``bot.knowledge.fields``).
    snapshot = row_reader(stat_rows[0].keys() if stat_rows else ())
    for r in stat_rows:
        stats[r["role_slug"]].append(snapshot(sources.get(r["source"], empty), r["as_of"], r))
    aliases: dict[str, list[str]] = defaultdict(list)
    for r in _rows(conn, "select role_slug, alias from role_aliases order by rowid"):
        aliases[r["role_slug"]].append(r["alias"])
    skills: dict[str, list[str]] = defaultdict(list)
    for r in _rows(conn, "select role_slug, skill from role_skills order by role_slug, rank"):
        skills[r["role_slug"]].append(r["skill"])
    lists: dict[tuple[str, str], list[str]] = defaultdict(list)
    for r in _rows(conn, "select role_slug, list, text from role_items order by role_slug, list, position"):
        lists[(r["role_slug"], r["list"])].append(r["text"])
    tools: dict[str, list[ToolGroup]] = defaultdict(list)
    for r in _rows(conn, "select * from role_tools order by role_slug, position"):
        tools[r["role_slug"]].append(
            ToolGroup(area=r["area"], items=tuple(json.loads(r["items"])), note=r["note"] or "")
        )
    cuts = _read_cuts(conn, sources, empty)
    texts = role_text_fields()
    roles = {}
    for r in _rows(conn, "select * from roles"):
        slug = r["slug"]
        # The field table's role texts and the lists, each by its Role attribute's name.
        named: dict[str, Any] = {f.name: r[f.db_column] or "" for f in texts}
        named.update({name: tuple(lists[(slug, name)]) for name in ROLE_LISTS})
        roles[slug] = Role(
            slug=slug,
            aliases=tuple(aliases[slug]),
            stats=tuple(stats[slug]),
            skills=tuple(skills[slug]),
            skills_source=source(r["skills_source"]),
            tools=tuple(tools[slug]),
            ceiling=r["ceiling"] or "",
            getting_in=r["getting_in"] or "",
            week_summary=r["week_summary"] or "",
            week_source=source(r["week_source"]),
            postings_good=r["postings_good"] or "",
            related_source=source(r["related_source"]),
            job_zones=tuple(JobZone(**json.loads(text)) for text in lists[(slug, JOB_ZONES_LIST)]),
            job_zone_source=source(r["job_zone_source"]),
            path_guidance=bool(r["path_guidance"]),
            survey_cuts=tuple(cuts[slug]),
            **named,
        )
    market = {
        r["key"]: MarketFact(key=r["key"], label=r["label"], value=r["value"],
                             source=sources.get(r["source"], empty), as_of=r["as_of"])
        for r in _rows(conn, "select * from market")
    }
    faq = tuple(
        FaqEntry(id=r["id"], question=r["question"], answer=r["answer"],
                 tags=tuple((r["tags"] or "").split()), source=source(r["source"]))
        for r in _rows(conn, "select * from faq order by id")
    )
    return Knowledge(roles=roles, sources=sources, market=market, faq=faq)


def _read_cuts(conn: sqlite3.Connection, sources: dict[str, Source],
               empty: Source) -> dict[str, list[SurveyCut]]:
    """slug -> its survey cuts (``bot.knowledge.survey_cuts``); none in a database built
    before the table existed."""
    cuts: dict[str, list[SurveyCut]] = defaultdict(list)
    if not conn.execute("select 1 from sqlite_master where type = 'table' and name = "
                        "'role_cuts'").fetchone():
        return cuts
    for r in _rows(conn, "select * from role_cuts order by role_slug, position"):
        published = not r["withheld"]
        cuts[r["role_slug"]].append(SurveyCut(
            dimension=r["dimension"], value=r["value"], source=sources.get(r["source"], empty),
            as_of=r["as_of"], filters=r["filters"] or "", n=r["n"], min_n=r["min_n"],
            salary=Salary(p25=r["p25"], median=r["median"], p75=r["p75"], mean=r["mean"],
                          n=r["n"]) if published else Salary(),
            withheld=r["withheld"] or ""))
    return cuts


#: Turns the global knowledge into one server's view (moderators' overlays); called with
#: guild id None for the global view, and for a server's view with the global view as
#: the parent it shares everything unchanged with. See ``bot.knowledge.overlay.overlay_view``.
OverlayFn = Callable[[sqlite3.Connection, Knowledge, str | None, Knowledge | None], Knowledge]
#: The scopes that have overlay rows (``bot.knowledge.overlay.edited_scopes``).
ScopesFn = Callable[[sqlite3.Connection], frozenset[str]]


class KnowledgeStore:
    """Cached, read-mostly access to the knowledge base at ``db_path``."""

    def __init__(self, db_path: Path, overlay: OverlayFn | None = None,
                 scopes: ScopesFn | None = None, max_views: int = VIEW_CACHE_SIZE) -> None:
        """``scopes`` lists the scopes with overlay rows (default: ``edited_scopes`` of
        ``bot.knowledge.overlay``, the tables ``overlay_view`` reads); a server not among
        them is given the global view."""
        self.db_path = Path(db_path)
        self._overlay = overlay
        if scopes is None and overlay is not None:
            scopes = edited_scopes
        self._scopes_fn = scopes
        self._edited: frozenset[str] | None = None
        self._lock = threading.RLock()
        self._conn: sqlite3.Connection | None = None
        self._file_id: tuple[int, int] | None = None
        #: The file's stat (identity, size, change times) at the last check that ran the
        #: PRAGMA, when it vouches for later checks (see ``QUIET_SECONDS``); else None.
        self._quiet_stat: tuple[int, ...] | None = None
        self._data_version = 0
        self._version: tuple[int, int, int] | None = None
        self._local_writes = 0
        self._file_reopens = 0
        self._base: Knowledge | None = None
        self._global: Knowledge | None = None
        #: Edited servers' views, least recently used first (an ``OrderedDict`` moved
        #: in place: a server's message pays one C-level move, where a ``cachetools``
        #: LRU cache went through four Python frames for the same order).
        self._views: OrderedDict[str, Knowledge] = OrderedDict()
        self._max_views = max_views
        #: The last audit log entry the views reflect (None: no log, or not read yet).
        self._audit_seen: int | None = None

    def connect(self) -> sqlite3.Connection:
        """The store's read connection, opened on first use and reopened when a rebuild
        has replaced the file (``build_database`` swaps in a new file with os.replace, which
        an open connection would never notice)."""
        return self._connect_to(self._stat_file())

    def _connect_to(self, file_id: tuple[int, int] | None) -> sqlite3.Connection:
        """``connect`` given the file's identity just taken (None: no file)."""
        if self._conn is not None and file_id is not None and file_id != self._file_id:
            self._conn.close()
            self._conn = None
            self._file_reopens += 1
        if self._conn is None:
            if file_id is None:
                raise StoreError(
                    f"the knowledge base {self.db_path} does not exist; run `careerbot kb build`"
                )
            self._file_id = file_id
            self._quiet_stat = None
            conn = sqlite3.connect(self.db_path, check_same_thread=False)
            conn.row_factory = sqlite3.Row
            conn.execute("pragma busy_timeout = 2000")
            self._conn = conn
        return self._conn

    def _open(self) -> sqlite3.Connection:
        """The connection a version check just vouched for (no second stat of the file)."""
        return self._conn if self._conn is not None else self.connect()

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
            self._conn = None
            self._base = None
            self._forget_views()

    def invalidate(self) -> None:
        """Forget cached views; call after writing through another connection in-process."""
        with self._lock:
            self._local_writes += 1
            checked = _CHECKED.get()
            if checked is not None:
                checked.pop(self, None)  # the rest of this message sees the write too

    @contextmanager
    def one_check(self) -> Iterator[None]:
        """Check the data version at most once inside this block (one message's handling,
        with every task it starts). Nested blocks share the outer one's check."""
        if _CHECKED.get() is not None:
            yield
            return
        token = _CHECKED.set({})
        try:
            yield
        finally:
            _CHECKED.reset(token)

    def _forget_views(self) -> None:
        self._views.clear()
        self._global = None
        self._edited = None

    def _written_scopes(self, conn: sqlite3.Connection) -> set[str] | None:
        """The scopes written since ``_audit_seen``, from the audit log; None when the
        log cannot say (no log, no new entry: a change made some other way)."""
        if self._audit_seen is None:
            return None
        try:
            rows = conn.execute("select id, guild_id, row_changes from audit_log where id > ?",
                                (self._audit_seen,)).fetchall()
        except sqlite3.DatabaseError:
            return None
        if not rows:
            return None
        scopes: set[str] = set()
        for entry_id, guild_id, row_changes in rows:
            scopes.add(str(guild_id))
            for change in json.loads(row_changes or "[]"):
                if change.get("table") not in _SCOPED_TABLES:
                    return None
                for row in (change.get("key"), change.get("before"), change.get("after")):
                    if row and row.get("guild_id") is not None:
                        scopes.add(str(row["guild_id"]))
            self._audit_seen = max(self._audit_seen, int(entry_id))
        return scopes

    def _forget_scopes(self, scopes: set[str]) -> None:
        """Drop the views ``scopes`` were written in: every view for the owner's scope,
        each rebuilt at its server's next message, not here. Which scopes are edited is
        kept, and only the written ones are asked again (one query each): listing every
        server's rows anew after each owner's edit cost a scan of all the overlays."""
        if GLOBAL_SCOPE in scopes:
            self._views.clear()
            self._global = None
        conn = self._open()
        for scope in scopes:
            self._views.pop(scope, None)
            if self._edited is not None and (scope in self._edited) != \
                    scope_is_edited(conn, scope):
                self._edited = self._edited ^ {scope}

    def _stat_file(self) -> tuple[int, int] | None:
        try:
            st = os.stat(self.db_path)
        except OSError:
            return None
        return (st.st_dev, st.st_ino)

    def _current_version(self) -> tuple[int, int, int]:
        checked = _CHECKED.get()
        seen = checked.get(self) if checked is not None else None
        if seen is None or self._conn is None or seen[1] != self._file_id:
            seen = (self._data_version_now(), self._file_id)
            if checked is not None:
                checked[self] = seen
        return (seen[0], self._local_writes, self._file_reopens)

    def _data_version_now(self) -> int:
        """``PRAGMA data_version``, or the last value it gave while the file is quiet:
        unchanged since a check made ``QUIET_SECONDS`` or more after its last write. The
        clock is read before the stat, so a commit the PRAGMA misses, which writes the
        file only after the PRAGMA has read it, stamps a later time than the recorded one.
        A database in WAL mode (commits go to the -wal file) always runs the PRAGMA."""
        now = time.time()
        try:
            st = os.stat(self.db_path)
        except OSError:
            st = None
        stamp = None if st is None else (
            st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)
        conn = self._connect_to(None if st is None else (st.st_dev, st.st_ino))
        if stamp is not None and stamp == self._quiet_stat:
            return self._data_version
        data_version = int(conn.execute("pragma data_version").fetchone()[0])
        self._data_version = data_version
        self._quiet_stat = None
        if stamp is not None and max(stamp[3], stamp[4]) < (now - QUIET_SECONDS) * 1e9:
            (mode,) = conn.execute("pragma journal_mode").fetchone()
            if str(mode).lower() != "wal":
                self._quiet_stat = stamp
        return data_version

    def version(self) -> tuple[int, int, int]:
        """Changes whenever the data may have: for caches of things derived from it."""
        with self._lock:
            return self._current_version()

    def _refresh(self) -> Knowledge:
        """The global base from the files, reloaded if the data changed (caller holds the lock).

        A change the audit log accounts for (every moderation write, in this process or
        another) drops only the views of the scopes it wrote, and the global view and
        every server's when it wrote the owner's scope; the base is kept, since only a
        rebuild (a new file) changes it. Any other change reloads everything, as before."""
        try:
            version = self._current_version()
            if version != self._version or self._base is None:
                scopes = None
                if self._base is not None and self._version is not None \
                        and version[2] == self._version[2]:
                    scopes = self._written_scopes(self._open())
                if scopes is None:
                    self._base = read_knowledge(self._open())
                    self._forget_views()
                    self._audit_seen = _last_audit(self._open())
                else:
                    self._forget_scopes(scopes)
                self._version = version
        except sqlite3.DatabaseError as exc:
            if self._base is None:
                raise StoreError(f"the knowledge base {self.db_path} cannot be read: {exc}") from exc
            # Keep serving what was loaded; a later call retries.
        assert self._base is not None
        return self._base

    def base_knowledge(self) -> Knowledge:
        """The base built from the knowledge files alone, without any overlay."""
        with self._lock:
            return self._refresh()

    def read(self, query: Callable[[sqlite3.Connection], T]) -> T:
        """Run a read-only ``query`` on the store's connection (serialised with its readers)."""
        with self._lock:
            return query(self.connect())

    def knowledge(self, guild_id: str | int | None = None) -> Knowledge:
        """The knowledge as seen from ``guild_id`` (None: the global view).

        A server with no overlay rows of its own gets the global view object itself."""
        with self._lock:
            base = self._refresh()
            if self._overlay is None:
                return base
            conn = self._open()
            if self._global is None:
                # The global view goes through the overlay too: it carries the owner's edits.
                self._global = self._overlay(conn, base, None, None)
            if guild_id is None:
                return self._global
            key = str(guild_id)
            if self._scopes_fn is not None:
                if self._edited is None:
                    self._edited = self._scopes_fn(conn)
                if key not in self._edited:
                    return self._global
            views = self._views
            view = views.get(key)
            if view is not None:
                views.move_to_end(key)
                return view
            view = self._overlay(conn, base, key, self._global)
            views[key] = view
            if len(views) > self._max_views:
                views.popitem(last=False)
            return view
