"""Members: 10,000 concurrent conversations and the cooldown with 10,000 active members.

*Conversations*: 10,000 members each ask a question (``!salary`` of a role) and then a
follow-up ("and remote?") through ``Advisor.handle`` with the chat engine's memory on a
simulated clock (one message every 50 ms, so each follow-up comes 500 s after its
member's first message, under the 600 s limit); it counts the follow-ups answered about
the member's role (their context found) and the bytes the memory holds per
conversation (tracemalloc, over the conversations as the pipeline stores them).

*Cooldowns*: the per-message cost of the shared per-member cooldown as the active
members grow (1, 1,000 and 10,000 members, each sending once in turn within one window),
for discord.py's ``CooldownMapping`` and careerbot's ``SweptCooldownMapping``.
"""

from __future__ import annotations

import time
import tracemalloc
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from discord.ext import commands

from bench.stats import fmt_ratio, fmt_us, summarise_ns, table
from bot.core.advisor import Advisor, Request
from bot.core.chat import ChatEngine
from bot.core.chat.memory import ConversationMemory
from bot.discord_app.client import COOLDOWN_RATE, COOLDOWN_SECONDS, SweptCooldownMapping
from bot.knowledge.build import build_database
from bot.knowledge.overlay import overlay_view
from bot.knowledge.store import KnowledgeStore

MEMBERS = 10_000
STEP_S = 0.05
COOLDOWN_MEMBERS = (1, 1_000, 10_000)


class _Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def conversations(knowledge_dir: Path, tmp: Path, members: int = MEMBERS) -> dict[str, Any]:
    db = tmp / "members.db"
    build_database(knowledge_dir, db)
    clock = _Clock()
    memory = ConversationMemory(clock=clock)
    store = KnowledgeStore(db, overlay=overlay_view)
    advisor = Advisor(store, chat=ChatEngine(memory))
    slugs = sorted(advisor.knowledge().roles)

    def ask(member: int, text: str) -> tuple[str, ...]:
        return advisor.handle(Request(
            text=text, user_id=str(312_456_789_012_345_678 + member),
            channel_id=str(1_098_765_432_109_876_543 + member % 50),
            guild_id="876543210987654321")).roles

    for slug in slugs:  # the answers' first composition, outside the memory figure
        advisor.handle(Request(text=f"!salary {slug}"))
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    for member in range(members):
        ask(member, f"!salary {slugs[member % len(slugs)]}")
        clock.now += STEP_S
    held = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.stop()
    found = 0
    samples: list[int] = []
    for member in range(members):
        started = time.perf_counter_ns()
        roles = ask(member, "and remote?")
        samples.append(time.perf_counter_ns() - started)
        found += roles == (slugs[member % len(slugs)],)
        clock.now += STEP_S
    store.close()
    db.unlink()
    return {"members": members, "held": len(memory), "follow_ups_found": found,
            "bytes_per_conversation": round(held / members),
            "follow_up": summarise_ns(samples)}


def _message(member: int) -> Any:
    return SimpleNamespace(author=SimpleNamespace(id=member))


def cooldowns(counts: tuple[int, ...] = COOLDOWN_MEMBERS, rounds: int = 3) -> dict[str, Any]:
    rows = []
    for label, make in (("discord.py CooldownMapping", commands.CooldownMapping),
                        ("careerbot SweptCooldownMapping", SweptCooldownMapping)):
        for count in counts:
            mapping = make(commands.Cooldown(COOLDOWN_RATE, COOLDOWN_SECONDS),
                           commands.BucketType.user)
            messages = [_message(m) for m in range(count)]
            samples: list[int] = []
            sent = max(count, 2_000)
            step = COOLDOWN_SECONDS / 2 / sent  # everyone inside one window
            now = 1_000_000.0
            for _ in range(rounds):
                for i in range(sent):
                    message = messages[i % count]
                    started = time.perf_counter_ns()
                    mapping.update_rate_limit(message, now)
                    samples.append(time.perf_counter_ns() - started)
                    now += step
                now += COOLDOWN_SECONDS * 3  # the next round is a new window
            rows.append({"mapping": label, "members": count, **summarise_ns(samples)})
    return {"rows": rows}


def run(knowledge_dir: Path, tmp: Path) -> dict[str, Any]:
    return {"conversations": conversations(knowledge_dir, tmp), "cooldowns": cooldowns()}


def report(result: dict[str, Any]) -> str:
    c = result["conversations"]
    parts = [table(
        ["members", "held", "follow-ups with context", "bytes per conversation",
         "follow-up median", "p99"],
        [[f"{c['members']:,}", f"{c['held']:,}", f"{c['follow_ups_found']:,}",
          f"{c['bytes_per_conversation']:,}", fmt_us(c["follow_up"]["median_us"]),
          fmt_us(c["follow_up"]["p99_us"])]],
        title="Conversations: each member asks, then follows up within the time limit "
              "(simulated clock, 50 ms between messages)")]
    rows = result["cooldowns"]["rows"]
    one = {r["mapping"]: r["median_us"] for r in rows if r["members"] == 1}
    parts.append(table(
        ["cooldown mapping", "active members", "median", "p99", "mean", "× 1 member"],
        [[r["mapping"], f"{r['members']:,}", fmt_us(r["median_us"]), fmt_us(r["p99_us"]),
          fmt_us(r["mean_us"]), fmt_ratio(r["median_us"] / one[r["mapping"]])] for r in rows],
        title="Cooldowns: one update_rate_limit per message, members taking turns in one window"))
    return "\n\n".join(parts)
