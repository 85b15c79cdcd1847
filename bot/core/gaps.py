"""Knowledge gaps and answer feedback, Discord-free: what the chat reports, how it is
recorded cheaply, and how moderators see it grouped.

- ``classify`` turns what the chat pipeline decided for one message into an ``Outcome``
  (declined, clarify, low confidence, answered, an FAQ entry, the server's own entry).
- ``GapRecorder`` is what the chat engine reports to. Reporting only appends to a list in
  memory (the question must not wait for a disk): a worker thread writes the list to the
  gap log (``bot.knowledge.gaps.GapLog``) every ``FLUSH_SECONDS``, hashing each asker with
  the server's salt on the way, and purges rows past each server's retention at most
  every ``PURGE_SECONDS``. A failed write is logged and dropped: an answer never depends
  on it. Only questions asked in a server are recorded, and only where the server has the
  log on (``config gaps``).
- ``group_gaps`` groups recorded phrasings with the test the chat uses to let a server's
  own FAQ entry win (``bot.core.chat.server_faq.close``), so paraphrases fall in one
  group, and ranks the groups by distinct askers, then by count.
"""

from __future__ import annotations

import csv
import hashlib
import io
import logging
import re
import secrets
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from cachetools import LRUCache

from bot.core.chat.faq import FaqHit
from bot.core.chat.intents import Understanding
from bot.core.chat.normalize import clean_message
from bot.core.chat.server_faq import close, key_of, question_stems
from bot.core.reply import Reply
from bot.knowledge.gaps import FeedbackRow, GapLog, GapRow, KeyStats
from bot.knowledge.guild_settings import GuildSettings

log = logging.getLogger(__name__)

#: Outcomes that are knowledge gaps (recorded in the log).
GAP_OUTCOMES = frozenset({"declined", "clarify", "low_confidence"})
#: Outcomes whose answers members can rate (👍 / 👎).
RATED_OUTCOMES = frozenset({"answered", "faq", "server_faq", "low_confidence"})
#: The outcome recorded when the asker rates an answer 👎.
THUMBS_DOWN = "thumbs_down"
#: Intents whose reply is a refusal or a redirect rather than an answer.
DECLINE_INTENTS = frozenset({"decline", "offtopic", "unknown"})
#: Small talk and navigation: neither a gap nor an answer worth rating.
SMALL_TALK = frozenset({"greeting", "thanks", "help", "empty", "list_roles"})
#: How often the recorder writes what was reported, and purges old rows.
FLUSH_SECONDS = 2.0
PURGE_SECONDS = 3600.0
#: Reported answers the Discord layer may still ask about (per asker and channel).
RECENT_OUTCOMES = 1024
#: Groups ``kb gaps`` shows (each with Answer / Dismiss buttons), and phrasings per group.
GROUPS_SHOWN = 5
EXAMPLES_SHOWN = 3
#: ``kb gaps`` looks this far back unless told otherwise, and never further than this.
DEFAULT_PERIOD = "30d"
MAX_PERIOD_DAYS = 3650
_PERIOD = re.compile(r"^(\d{1,5})\s*(h|d|w)$")
_PERIOD_SECONDS = {"h": 3600, "d": 86400, "w": 7 * 86400}
#: CSV cells starting with these could run as formulas in a spreadsheet.
_FORMULA = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True, slots=True)
class Outcome:
    """What the chat did with one message, as the gap log and feedback need it."""

    text: str
    key: str
    outcome: str
    intent: str
    roles: tuple[str, ...] = ()
    faq_id: int | None = None
    #: The answer's title and lead as shown, kept in memory only until written: the writer
    #: stores a cleaned excerpt of it, and only for answers members may rate (cleaning
    #: costs a few hundred µs, more than the rest of recording, so it is off the question's path).
    shown: str = ""

    @property
    def gap(self) -> bool:
        return self.outcome in GAP_OUTCOMES and bool(self.key)

    @property
    def rated(self) -> bool:
        return self.outcome in RATED_OUTCOMES and bool(self.key)


def answer_excerpt(shown: str) -> str:
    """A short, cleaned excerpt of an answer (no mentions, links or markup) to keep with a 👎."""
    return clean_message(shown[:600]).text[:300]


def classify(text: str, key: str, intent: str, roles: Sequence[str], confident: bool,
             reply: Reply, *, faq_id: int | None = None, faq_confident: bool = True,
             own_entry: bool = False) -> Outcome:
    """The outcome of one answered message; see ``GAP_OUTCOMES`` and ``RATED_OUTCOMES``."""
    if own_entry:
        outcome = "server_faq"
    elif faq_id is not None:
        outcome = "faq" if faq_confident else "low_confidence"
    elif intent in DECLINE_INTENTS or reply.kind == "decline":
        outcome = "declined"
    elif intent == "clarify" or (reply.kind == "help" and intent not in SMALL_TALK):
        outcome = "clarify"
    elif intent in SMALL_TALK:
        outcome = "small_talk"
    elif not confident:
        outcome = "low_confidence"
    else:
        outcome = "answered"
    return Outcome(text[:300], key, outcome, intent, tuple(roles), faq_id,
                   f"{reply.title}. {reply.lead}"[:600])


def report_answer(recorder: GapRecorder | None, request: Asked, u: Understanding, intent: str,
                  confident: bool, reply: Reply, hit: FaqHit | None, own: bool) -> None:
    """The chat engine's one call per answered message: classify it and report it to
    ``recorder``. Never raises: a failure is logged and the answer goes out."""
    if recorder is None or request.guild_id is None:
        return
    try:
        outcome = classify(u.cleaned.text, key_of(question_stems(u)), intent,
                           u.role_slugs, confident, reply,
                           faq_id=hit.entry.id if hit is not None else None,
                           faq_confident=own or (hit is not None and hit.confident),
                           own_entry=own)
        recorder.report(request, outcome)
    except Exception:
        log.exception("could not report an answer to the knowledge-gap log")


class Asked(Protocol):
    """What the recorder reads of a request (``bot.core.advisor.Request``)."""

    @property
    def user_id(self) -> str: ...
    @property
    def channel_id(self) -> str: ...
    @property
    def guild_id(self) -> str | None: ...


def asker_hash(salt: bytes, user_id: str) -> str:
    """The stored stand-in for a member: a salted hash, the same for them within a server."""
    return hashlib.sha256(salt + str(user_id).encode()).hexdigest()[:20]


@dataclass(slots=True)
class _Pending:
    guild_id: str
    channel_id: str
    user_id: str
    at: int
    outcome: Outcome
    token: str | None = None


class GapRecorder:
    """Records gaps and answers open to rating; see the module docstring.

    ``settings(guild_id)`` gives a server's settings (``Moderation.settings``: cached per
    database version). ``clock`` gives the time in seconds (injectable for tests).
    """

    def __init__(self, gap_log: GapLog, settings: Callable[[str], GuildSettings], *,
                 clock: Callable[[], float] = time.time,
                 flush_seconds: float = FLUSH_SECONDS) -> None:
        self.log = gap_log
        self.settings = settings
        self.clock = clock
        self.flush_seconds = flush_seconds
        self._lock = threading.Lock()
        self._flush_lock = threading.Lock()
        self._pending: list[_Pending] = []
        self._recent: LRUCache[tuple[str, str], Outcome] = LRUCache(maxsize=RECENT_OUTCOMES)
        self._last_purge: float | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # -- the hot path (the chat engine and the Discord layer) ---------------------------

    def enabled(self, guild_id: str | None) -> bool:
        if guild_id is None:
            return False
        try:
            return self.settings(guild_id).gaps
        except Exception:  # unreadable settings: record nothing rather than fail an answer
            log.warning("cannot read the gap setting of server %s", guild_id, exc_info=True)
            return False

    def report(self, request: Asked, outcome: Outcome) -> None:
        """The chat engine's report for one answered message: kept for the Discord layer
        (``take``) and, for a gap in a server with the log on, queued to be recorded."""
        if request.guild_id is None:
            return
        with self._lock:
            self._recent[(str(request.user_id), str(request.channel_id))] = outcome
        if outcome.gap and self.enabled(request.guild_id):
            self._queue(_Pending(str(request.guild_id), str(request.channel_id),
                                 str(request.user_id), int(self.clock()), outcome))

    def take(self, user_id: str | int, channel_id: str | int) -> Outcome | None:
        """The outcome just reported for this asker in this channel (once)."""
        with self._lock:
            return self._recent.pop((str(user_id), str(channel_id)), None)

    def open_feedback(self, request: Asked, outcome: Outcome) -> str | None:
        """A token for the 👍 / 👎 buttons of an answer, or None where none are given
        (a DM, an answer not worth rating, a server with the log off)."""
        if not outcome.rated or not self.enabled(request.guild_id):
            return None
        token = secrets.token_hex(8)
        self._queue(_Pending(str(request.guild_id), str(request.channel_id),
                             str(request.user_id), int(self.clock()), outcome, token))
        return token

    def _queue(self, item: _Pending) -> None:
        with self._lock:
            self._pending.append(item)

    # -- writing -------------------------------------------------------------------------

    def flush(self) -> int:
        """Write what was reported; rows written. Never raises: a failure is logged."""
        with self._flush_lock:
            with self._lock:
                batch, self._pending = self._pending, []
            if batch:
                try:
                    self._write(batch)
                except Exception:
                    log.exception("could not record %d knowledge-gap rows", len(batch))
                    return 0
            if self._last_purge is None or self.clock() - self._last_purge >= PURGE_SECONDS:
                self.purge()
            return len(batch)

    def _write(self, batch: Sequence[_Pending]) -> None:
        questions: list[GapRow] = []
        feedback: list[FeedbackRow] = []
        for p in batch:
            o = p.outcome
            asker = asker_hash(self.log.salt(p.guild_id), p.user_id)
            roles = ",".join(o.roles)
            if p.token is None:
                questions.append(GapRow(p.guild_id, p.channel_id, p.at, o.text, o.key,
                                        o.outcome, o.intent, roles, asker, "", o.faq_id))
            else:
                feedback.append(FeedbackRow(p.token, p.guild_id, p.channel_id, p.at, o.text,
                                            o.key, o.intent, roles, asker,
                                            answer_excerpt(o.shown), o.faq_id))
        self.log.add(questions, feedback)

    def purge(self, now: float | None = None) -> int:
        """Delete every server's rows past its retention; rows removed (0 on failure)."""
        now = self.clock() if now is None else now
        self._last_purge = now
        try:
            cutoffs = {g: int(now - self.settings(g).gap_retention_days * 86400)
                       for g in self.log.guilds()}
            return self.log.purge(cutoffs)
        except Exception:
            log.exception("could not purge the knowledge-gap log")
            return 0

    def start(self) -> None:
        """Write in a background thread every ``flush_seconds`` until ``stop``."""
        if self._thread is not None:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="careerbot-gaps", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(self.flush_seconds):
            self.flush()

    def stop(self) -> None:
        """Stop the thread and write what is left."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None
        self.flush()

    # -- ratings ---------------------------------------------------------------------------

    def rate(self, token: str, user_id: str | int, guild_id: str | None, up: bool) -> str:
        """Record a member's 👍 (``up``) or 👎 on the answer ``token`` names: "ok",
        "not_yours" (only the asker may rate), "already" (once) or "unknown"."""
        self.flush()
        row = self.log.feedback(token)
        if row is None or guild_id is None or row.guild_id != str(guild_id):
            return "unknown"
        if asker_hash(self.log.salt(row.guild_id), str(user_id)) != row.asker:
            return "not_yours"
        if row.rating is not None or not self.log.rate(token, 1 if up else -1, int(self.clock())):
            return "already"
        if not up:
            self.log.add([GapRow(row.guild_id, row.channel_id, int(self.clock()), row.text,
                                 row.key, THUMBS_DOWN, row.intent, row.roles, row.asker,
                                 row.answer, row.faq_id)])
        return "ok"


# -- reading: groups, periods, CSV, feedback ----------------------------------------------


def parse_period(text: str | None) -> int | None:
    """Seconds in a period typed as "24h", "7d", "2w" or "all" (None: not a period)."""
    text = (text or DEFAULT_PERIOD).strip().lower()
    if text in ("all", "ever"):
        return MAX_PERIOD_DAYS * 86400
    match = _PERIOD.match(text)
    if match is None:
        return None
    seconds = int(match.group(1)) * _PERIOD_SECONDS[match.group(2)]
    return seconds if 0 < seconds <= MAX_PERIOD_DAYS * 86400 else None


@dataclass(slots=True)
class GapGroup:
    """Recorded questions that say the same thing."""

    id: str
    stems: frozenset[str]
    keys: list[str] = field(default_factory=list)
    count: int = 0
    #: Distinct askers (exact once ``group_gaps`` has counted them across the group's keys).
    askers: int = 0
    texts: Counter[str] = field(default_factory=Counter)
    outcomes: Counter[str] = field(default_factory=Counter)
    intents: Counter[str] = field(default_factory=Counter)
    roles: Counter[str] = field(default_factory=Counter)
    last_at: int = 0
    state: str | None = None

    @property
    def examples(self) -> list[str]:
        return [t for t, _ in self.texts.most_common(EXAMPLES_SHOWN)]

    @property
    def question(self) -> str:
        """The phrasing to prefill an answer with: the most asked one, as a question."""
        text = self.examples[0] if self.texts else ""
        text = text[:1].upper() + text[1:]
        return text if text.endswith("?") else f"{text}?"

    def add(self, s: KeyStats) -> None:
        self.keys.append(s.key)
        self.count += s.count
        self.askers = max(self.askers, s.askers)
        for counter, values in ((self.texts, s.texts), (self.outcomes, s.outcomes),
                                (self.intents, s.intents), (self.roles, s.roles)):
            counter.update(values)
        self.last_at = max(self.last_at, s.last_at)


def group_id(stems: Iterable[str]) -> str:
    return hashlib.sha256(" ".join(sorted(stems)).encode()).hexdigest()[:12]


def group_gaps(stats: Sequence[KeyStats],
               marks: Mapping[str, tuple[str, int | None]] | None = None,
               askers: Callable[[dict[str, int]], dict[int, int]] | None = None) -> list[GapGroup]:
    """Phrasing keys grouped by ``server_faq.close`` (the most asked key of a group is its
    representative), ranked by distinct askers then count. A group any of whose keys a
    moderator answered or dismissed carries that ``state``. ``askers`` counts each group's
    distinct askers from {key: group number} (``GapLog.distinct_askers``); without it a
    group counts its most asked key's."""
    marks = marks or {}
    ordered = sorted(stats, key=lambda s: (-s.askers, -s.count, s.key))
    groups: list[GapGroup] = []
    by_stem: dict[str, list[int]] = {}
    group_of: dict[str, int] = {}
    for s in ordered:
        stems = frozenset(s.key.split())
        best: tuple[int, int] | None = None
        for index in {i for stem in stems for i in by_stem.get(stem, ())}:
            rep = groups[index].stems
            if close(stems, rep):
                shared = len(stems & rep)
                if best is None or (shared, -index) > (best[0], -best[1]):
                    best = (shared, index)
        if best is None:
            groups.append(GapGroup(group_id(stems), stems))
            for stem in stems:
                by_stem.setdefault(stem, []).append(len(groups) - 1)
            index = len(groups) - 1
        else:
            index = best[1]
        group_of[s.key] = index
        groups[index].add(s)
        if groups[index].state is None and s.key in marks:
            groups[index].state = marks[s.key][0]
    if askers is not None:
        for index, count in askers(group_of).items():
            groups[index].askers = count
    groups.sort(key=lambda g: (-g.askers, -g.count, g.id))
    return groups


def _cell(value: object) -> str:
    text = str(value)
    return f"'{text}" if text.startswith(_FORMULA) else text


def gaps_csv(groups: Sequence[GapGroup]) -> bytes:
    """Every group as a CSV row, for review in a spreadsheet (no formulas can run)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["group", "state", "askers", "times", "phrasings", "what the bot did",
                     "intents", "roles", "last asked (UTC)"])
    for g in groups:
        writer.writerow([_cell(v) for v in (
            g.id, g.state or "open", g.askers, g.count, " | ".join(g.examples),
            ", ".join(f"{k} {n}" for k, n in g.outcomes.most_common()),
            ", ".join(f"{k} {n}" for k, n in g.intents.most_common()),
            ", ".join(k for k, _ in g.roles.most_common() if k),
            time.strftime("%Y-%m-%d %H:%M", time.gmtime(g.last_at)))])
    return out.getvalue().encode("utf-8")


@dataclass(frozen=True, slots=True)
class Rated:
    """Ratings of one intent or FAQ entry."""

    subject: str
    up: int
    down: int
    examples: tuple[str, ...]

    @property
    def share_down(self) -> float:
        return self.down / (self.up + self.down) if self.up + self.down else 0.0


def worst_rated(ratings: Iterable[tuple[str, int | None, int, str]],
                limit: int = GROUPS_SHOWN) -> tuple[list[Rated], list[Rated]]:
    """(intents, FAQ entries) with a 👎, most 👎 first, each with 👎'd phrasings."""
    tallies: dict[tuple[str, str], dict[str, Any]] = {}
    for intent, faq_id, rating, text in ratings:
        subjects = [("intent", intent)] + ([("faq", str(faq_id))] if faq_id is not None else [])
        for subject in subjects:
            t = tallies.setdefault(subject, {"up": 0, "down": 0, "examples": []})
            if rating > 0:
                t["up"] += 1
            else:
                t["down"] += 1
                if text not in t["examples"] and len(t["examples"]) < EXAMPLES_SHOWN:
                    t["examples"].append(text)

    def ranked(kind: str) -> list[Rated]:
        found = [Rated(name, t["up"], t["down"], tuple(t["examples"]))
                 for (k, name), t in tallies.items() if k == kind and t["down"]]
        found.sort(key=lambda r: (-r.down, -r.share_down, r.subject))
        return found[:limit]

    return ranked("intent"), ranked("faq")
