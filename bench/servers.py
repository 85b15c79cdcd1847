"""Servers: messages rotating over many active servers against one warm server.

``Advisor.handle`` on the bench's commands and questions (no Discord), each message from
the next server in the rotation. *warm* sends them all to one server; *no edits* rotates
over 1,000 servers nobody edited (they should share the global view and its caches);
*edited* rotates over servers that each have one alias of their own, fewer and more than
the views that keep their derived state (alias index, answers and chat catalogue, each
derived from the global view's: ``bot.knowledge.models.PREPARED_VIEWS``, 1,024, and
``CATALOG_VIEWS``, the same), so the cost of a server's view made and its state derived
per message shows.

The servers are *active*: before the clock starts each sends a command and a question
(their figures are reported apart, as a server's first messages), so the rotation times
servers that have used both paths before, as in a deployment where they chat all day,
not the first question of half of them.

Each scenario is timed *paired* with the warm server: one advisor for each, both alive in
the process, and every message of the rotation is followed (or, every other one, preceded)
by the same text to the warm server, timed too. The ratio is the scenario's over the warm
server's figure from the same loop. Timed one after the other, a scenario ran in whatever
heap and caches the ones before it left (two advisors in one process, 1,000 edited
servers against a warm one: 1.28x by mean timed second, 0.97x timed first); paired, both
sides see the same. Every database is built first and left quiet before the clock
(``_quiet``). Figures are medians and means per message, by kind and by text (``_row``).

Three more figures (``edits``): the memory 10,000 edited servers add once each has asked
a question (Python's allocations still held, by tracemalloc, over those of one), and
how long an owner's global edit (an alias, through the moderation core) and its undo
take, each followed by one message from every active server, with 1 and with 10,000
edited servers in the database.
"""

from __future__ import annotations

import gc
import sqlite3
import statistics
import time
import tracemalloc
from pathlib import Path
from typing import Any

from bench.messages import MessageSets
from bench.stats import fmt_ratio, fmt_us, summarise_ns, table
from bot.app import create_advisor
from bot.core.advisor import Advisor, Request
from bot.knowledge.build import build_database
from bot.knowledge.overlay import ensure_schema
from bot.knowledge.store import QUIET_SECONDS
from bot.settings import Settings

#: (label, servers, of which edited) per scenario; the first is the base of the ratios.
SCENARIOS: tuple[tuple[str, int, int], ...] = (
    ("one warm server", 1, 0),
    ("1,000 servers, no edits", 1000, 0),
    ("50 edited servers", 50, 50),
    ("200 edited servers", 200, 200),
    ("1,000 edited servers", 1000, 1000),
)
#: Edited servers in the memory and global-edit figures, and how many of them send a
#: message after each global edit (every one would time the rebuild of 10,000 views).
EDITED_SERVERS = 10_000
ACTIVE_AFTER_EDIT = 100


def _edit(db: Path, servers: int) -> None:
    """One alias of its own for each of ``servers`` servers (ids 0..servers-1)."""
    with sqlite3.connect(db) as conn:
        ensure_schema(conn)
        conn.executemany(
            "insert into overlay_aliases (guild_id, role_slug, key, alias, op) "
            "values (?, 'mlops-engineer', ?, ?, 'add')",
            [(str(g), f"bench alias {g}", f"bench alias {g}") for g in range(servers)])
    conn.close()


def _active(knowledge_dir: Path, db: Path, sets: MessageSets, servers: int,
            edited: int) -> tuple[Advisor, list[int]]:
    """An advisor on ``db`` (made by ``_database``), its global view's first answers
    given (untimed), and each of ``servers`` servers active: it sent one
    command and one question, timed (its first messages), texts half-way round the lists
    from those the rotation's first pass gives it."""
    texts = [*sets.command, *sets.question]
    advisor = create_advisor(Settings(_env_file=None, db=db, knowledge_dir=knowledge_dir))
    for text in texts:
        advisor.handle(Request(text=text, guild_id="0"))
    clock = time.perf_counter_ns
    first: list[int] = []
    for g in range(servers):
        for kind in (sets.command, sets.question):
            request = Request(text=kind[(g + len(kind) // 2) % len(kind)], guild_id=str(g),
                              user_id=str(g % 50), channel_id=str(g))
            start = clock()
            advisor.handle(request)
            first.append(clock() - start)
    return advisor, first


def _database(knowledge_dir: Path, db: Path, edited: int) -> Path:
    """A database built from the files with ``edited`` servers edited."""
    build_database(knowledge_dir, db)
    if edited:
        _edit(db, edited)
    return db


def _quiet(*dbs: Path) -> None:
    """Wait until the files have been written no later than ``QUIET_SECONDS`` ago, as a
    deployment's database is between edits: the store's version check then skips the
    PRAGMA (``bot.knowledge.store``). Timed sooner, a scenario's database, built just
    before its rotation, ran the PRAGMA on every message while the warm server's, built
    earlier, did not (about 10 us a message, on one side only)."""
    newest = max(max(st.st_mtime, st.st_ctime) for st in (db.stat() for db in dbs))
    time.sleep(max(0.0, newest + QUIET_SECONDS + 0.5 - time.time()))


def _paired(warm: Advisor, other: Advisor | None, servers: int, texts: list[str],
            rounds: int) -> tuple[list[int], list[int]]:
    """The rotation over ``servers`` of ``other``, each message paired with the same text
    to ``warm``'s one server, the two in alternating order: (warm, other) samples. With
    ``other`` None, the warm server alone."""
    clock = time.perf_counter_ns
    on_warm: list[int] = []
    on_other: list[int] = []
    i = 0
    for _ in range(rounds):
        for text in texts:
            pair = [(warm, on_warm, Request(text=text, guild_id="0", user_id=str(i % 50),
                                            channel_id="0"))]
            if other is not None:
                pair.append((other, on_other, Request(text=text, guild_id=str(i % servers),
                                                      user_id=str(i % 50),
                                                      channel_id=str(i % servers))))
            for advisor, samples, request in (pair if i % 2 else pair[::-1]):
                start = clock()
                advisor.handle(request)
                samples.append(clock() - start)
            i += 1
    return on_warm, on_other


def run(knowledge_dir: Path, tmp: Path, sets: MessageSets, *, rounds: int,
        scenarios: tuple[tuple[str, int, int], ...] = SCENARIOS) -> dict[str, Any]:
    texts = [*sets.command, *sets.question]
    kinds = ["command"] * len(sets.command) + ["question"] * len(sets.question)
    out: dict[str, Any] = {"messages": len(texts) * rounds, "rows": []}
    (label, servers, edited), *others = scenarios
    dbs = [_database(knowledge_dir, tmp / f"servers-{n}-{e}.db", e) for _, n, e in scenarios]
    _quiet(*dbs)
    warm, first = _active(knowledge_dir, dbs[0], sets, servers, edited)
    gc.collect()
    alone, _ = _paired(warm, None, servers, texts, rounds)
    out["rows"].append(_row(label, servers, edited, alone, alone, first, texts, kinds))
    for (label, servers, edited), db in zip(others, dbs[1:], strict=True):
        other, first = _active(knowledge_dir, db, sets, servers, edited)
        gc.collect()
        on_warm, on_other = _paired(warm, other, servers, texts, rounds)
        out["rows"].append(_row(label, servers, edited, on_other, on_warm, first, texts,
                                kinds))
        other.store.close()
        db.unlink()
    warm.store.close()
    dbs[0].unlink()
    return out


def _row(label: str, servers: int, edited: int, samples: list[int], warm: list[int],
         first: list[int], texts: list[str], kinds: list[str]) -> dict[str, Any]:
    """One scenario's figures beside its paired warm server's. Besides the median and
    mean of every message: the ratio of medians for commands and for questions apart,
    and each text's own ratio (its median here over its median on the warm server;
    their median and largest). The median of every message is that of a two-humped
    mix (commands in tens of microseconds, questions in hundreds), so it lands on the
    third-costliest command and moves with whichever texts are near it; the per-kind and
    per-text ratios compare like with like."""
    mine, paired, firsts = summarise_ns(samples), summarise_ns(warm), summarise_ns(first)
    row: dict[str, Any] = {
        "label": label, "servers": servers, "edited": edited, **mine,
        "warm_median_us": paired["median_us"], "warm_mean_us": paired["mean_us"],
        "first_median_us": firsts["median_us"], "first_mean_us": firsts["mean_us"]}
    count = len(kinds)
    for kind in sorted(set(kinds)):
        here = summarise_ns([t for j, t in enumerate(samples) if kinds[j % count] == kind])
        there = summarise_ns([t for j, t in enumerate(warm) if kinds[j % count] == kind])
        row[f"{kind}_median_us"] = here["median_us"]
        row[f"{kind}_warm_median_us"] = there["median_us"]
    ratios = sorted((statistics.median(samples[k::count]) / statistics.median(warm[k::count]),
                     texts[k]) for k in range(count))
    row["per_text_median_ratio"] = round(statistics.median(r for r, _ in ratios), 3)
    row["per_text_max_ratio"] = round(ratios[-1][0], 3)
    row["per_text_max_text"] = ratios[-1][1]
    return row


def _held_by_servers(settings: Settings, question: str, count: int) -> int:
    """Bytes a fresh advisor still holds after ``count`` edited servers asked once each,
    beyond what it held after one server asked (tracemalloc: Python's allocations, which
    a process's RSS hides once earlier work has freed memory it keeps)."""
    advisor = create_advisor(settings)
    advisor.handle(Request(text=question, guild_id="0"))
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for guild in range(1, count):
            advisor.handle(Request(text=question, guild_id=str(guild)))
        gc.collect()
        held = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
        advisor.store.close()
    return held


def edits(knowledge_dir: Path, tmp: Path, sets: MessageSets,
          servers: tuple[int, ...] = (1, EDITED_SERVERS)) -> dict[str, Any]:
    """Memory per edited server, and an owner's global edit and undo by number of servers."""
    from bot.app import create_moderation
    from bot.knowledge.permissions import Actor

    owner = Actor(user_id="1", name="Owner", guild_id=None, is_owner=True, via="cli")
    question = sets.question[0]
    out: dict[str, Any] = {"rows": []}
    for count in servers:
        db = tmp / f"edits-{count}.db"
        build_database(knowledge_dir, db)
        _edit(db, count)
        settings = Settings(_env_file=None, db=db, knowledge_dir=knowledge_dir)
        advisor = create_advisor(settings)
        moderation = create_moderation(settings, advisor.store)
        active = [str(g) for g in range(min(count, ACTIVE_AFTER_EDIT))]
        for guild in active:
            advisor.handle(Request(text=question, guild_id=guild))
        gc.collect()
        started = time.perf_counter()
        for guild in range(count):  # every edited server asks once: its view is made
            advisor.handle(Request(text=question, guild_id=str(guild)))
        first_s = time.perf_counter() - started
        row: dict[str, Any] = {"servers": count, "first_messages_s": round(first_s, 3),
                               "added_mib": round(_held_by_servers(settings, question, count)
                                                  / 2**20, 1)}
        for label in ("edit", "undo"):
            started = time.perf_counter()
            reply = (moderation.alias(owner, "add", "mlops-engineer", "bench global")
                     if label == "edit" else moderation.undo(owner, _last_entry(db)))
            written = time.perf_counter() - started
            if reply.kind == "error":
                raise RuntimeError(f"the owner's global {label} was refused: {reply.lead}")
            for guild in active:
                advisor.handle(Request(text=question, guild_id=guild))
            row[f"{label}_s"] = round(written, 4)
            row[f"{label}_then_messages_s"] = round(time.perf_counter() - started, 4)
        out["rows"].append(row)
        advisor.store.close()
        db.unlink()
    return out


def _last_entry(db: Path) -> int:
    with sqlite3.connect(db) as conn:
        (entry,) = conn.execute("select max(id) from audit_log").fetchone()
    conn.close()
    return int(entry)


def report(result: dict[str, Any]) -> str:
    rows = []
    for r in result["rows"]:
        by_kind = [fmt_ratio(r[f"{kind}_median_us"] / r[f"{kind}_warm_median_us"])
                   if f"{kind}_median_us" in r else "—" for kind in ("command", "question")]
        worst = fmt_ratio(r.get("per_text_max_ratio"))
        if r.get("per_text_max_ratio", 1.0) > 1.05 and "per_text_max_text" in r:
            worst += f" ({r['per_text_max_text'][:24]})"
        per_text = [fmt_ratio(r.get("per_text_median_ratio")), worst]
        rows.append([r["label"], r["n"], fmt_us(r["median_us"]), fmt_us(r["mean_us"]),
                     fmt_us(r["warm_median_us"]), fmt_us(r["warm_mean_us"]),
                     fmt_ratio(r["median_us"] / r["warm_median_us"]),
                     fmt_ratio(r["mean_us"] / r["warm_mean_us"]), *by_kind, *per_text,
                     fmt_us(r["first_median_us"]), fmt_us(r["first_mean_us"])])
    parts = [table(["servers", "msgs", "median", "mean", "warm median", "warm mean",
                    "× warm (median)", "× warm (mean)", "commands ×", "questions ×",
                    "per text ×", "worst text ×", "first msgs median", "first msgs mean"],
                   rows, title="Servers: Advisor.handle, the bench's commands and questions, each "
                               "message from the next active server in the rotation, paired "
                               "with the same text to one warm server in the same loop (its "
                               "figures: the warm columns; commands × and questions ×: ratios "
                               "of each kind's median; per text ×: the median of each text's "
                               "own ratio, worst text ×: the largest); each server sent a "
                               "command and a question first (the last two columns)")]
    if "edits" in result:
        erows = result["edits"]["rows"]
        one = erows[0]
        parts.append(table(
            ["edited servers", "first message each", "memory added", "per server",
             "global edit", "× 1", "+ messages", "global undo", "× 1", "+ messages"],
            [[f"{r['servers']:,}", f"{r['first_messages_s']:.2f} s",
              f"{r['added_mib']:.1f} MiB",
              f"{r['added_mib'] * 1024 / r['servers']:.2f} KiB",
              f"{r['edit_s'] * 1000:.1f} ms", fmt_ratio(r["edit_s"] / one["edit_s"]),
              f"{r['edit_then_messages_s'] * 1000:.1f} ms",
              f"{r['undo_s'] * 1000:.1f} ms", fmt_ratio(r["undo_s"] / one["undo_s"]),
              f"{r['undo_then_messages_s'] * 1000:.1f} ms"] for r in erows],
            title="Edited servers: memory held once each has asked (tracemalloc), and an "
                  "owner's global alias and its undo through the moderation core (+ messages: "
                  f"then one question from each of up to {ACTIVE_AFTER_EDIT} servers)"))
    return "\n\n".join(parts)
