"""Servers: messages rotating over many active servers against one warm server.

``Advisor.handle`` on the bench's commands and questions (no Discord), each message from
the next server in the rotation. *warm* sends them all to one server; *no edits* rotates
over 1,000 servers nobody edited (they should share the global view and its caches);
*edited* rotates over servers that each have one alias of their own, fewer and more than
the views whose alias index, answers and chat catalogue the advisor keeps
(``bot.knowledge.store.PREPARED_VIEWS``, 65), so the cost of that work redone per message
shows. Figures are medians per message, and
ratios to the warm server.
"""

from __future__ import annotations

import gc
import sqlite3
import time
from pathlib import Path
from typing import Any

from bench.messages import MessageSets
from bench.stats import fmt_ratio, fmt_us, summarise_ns, table
from bot.app import create_advisor
from bot.core.advisor import Request
from bot.knowledge.build import build_database
from bot.knowledge.overlay import ensure_schema
from bot.settings import Settings

#: (label, servers, of which edited) per scenario; the first is the base of the ratios.
SCENARIOS: tuple[tuple[str, int, int], ...] = (
    ("one warm server", 1, 0),
    ("1,000 servers, no edits", 1000, 0),
    ("50 edited servers", 50, 50),
    ("200 edited servers", 200, 200),
)


def _edit(db: Path, servers: int) -> None:
    """One alias of its own for each of ``servers`` servers (ids 0..servers-1)."""
    with sqlite3.connect(db) as conn:
        ensure_schema(conn)
        conn.executemany(
            "insert into overlay_aliases (guild_id, role_slug, key, alias, op) "
            "values (?, 'mlops-engineer', ?, ?, 'add')",
            [(str(g), f"bench alias {g}", f"bench alias {g}") for g in range(servers)])
    conn.close()


def run(knowledge_dir: Path, tmp: Path, sets: MessageSets, *, rounds: int) -> dict[str, Any]:
    texts = [*sets.command, *sets.question]
    out: dict[str, Any] = {"messages": len(texts) * rounds, "rows": []}
    for label, servers, edited in SCENARIOS:
        db = tmp / f"servers-{servers}-{edited}.db"
        build_database(knowledge_dir, db)
        if edited:
            _edit(db, edited)
        advisor = create_advisor(Settings(_env_file=None, db=db, knowledge_dir=knowledge_dir))
        for text in texts:  # the global view's first answers, untimed
            advisor.handle(Request(text=text, guild_id="0"))
        gc.collect()
        samples: list[int] = []
        clock = time.perf_counter_ns
        i = 0
        for _ in range(rounds):
            for text in texts:
                request = Request(text=text, guild_id=str(i % servers), user_id=str(i % 50),
                                  channel_id=str(i % servers))
                i += 1
                start = clock()
                advisor.handle(request)
                samples.append(clock() - start)
        advisor.store.close()
        db.unlink()
        out["rows"].append({"label": label, "servers": servers, "edited": edited,
                            **summarise_ns(samples)})
    return out


def report(result: dict[str, Any]) -> str:
    base = result["rows"][0]["median_us"]
    rows = [[r["label"], r["n"], fmt_us(r["median_us"]), fmt_us(r["p99_us"]),
             fmt_us(r["mean_us"]), fmt_ratio(r["median_us"] / base),
             fmt_ratio(r["mean_us"] / result["rows"][0]["mean_us"])]
            for r in result["rows"]]
    return table(["servers", "msgs", "median", "p99", "mean", "× warm (median)", "× warm (mean)"],
                 rows, title="Servers: Advisor.handle, the bench's commands and questions, each "
                             "message from the next server in the rotation")
