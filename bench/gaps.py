"""The knowledge-gap log's two costs: what recording adds to a declined question, and how
long ``kb gaps`` takes over a large log.

1. Declined questions (off-topic, unheld) asked in a server, timed through
   ``Advisor.handle`` with a chat engine that records nothing and one that reports to a
   running ``GapRecorder`` (its writer thread flushing every 2 s, as on Discord). The two
   are timed in alternating rounds so drift on a shared machine falls on both alike.
2. A gap log of ``rows`` questions in one server over the last 30 days (``topics`` topics,
   each asked in a few phrasings by a pool of members, and a second server's rows beside
   them), then ``Moderation.gaps`` for that server: the first call, and the median of the
   calls after it.
"""

from __future__ import annotations

import random
import statistics
import time
from pathlib import Path
from typing import Any

from bench.stats import summarise_ns
from bot.core.advisor import Advisor, Request
from bot.core.chat import ChatEngine
from bot.core.gaps import asker_hash
from bot.core.moderation import Moderation
from bot.knowledge.build import build_database
from bot.knowledge.gaps import GapRow
from bot.knowledge.overlay import overlay_view
from bot.knowledge.permissions import Actor
from bot.knowledge.store import KnowledgeStore

DECLINED = ("what's the weather like in paris?", "can you write me a poem",
            "anyone watching the game tonight?", "is a hackathon worth doing to get hired?",
            "do I need a masters degree", "what laptop should I buy for ml",
            "which coffee shop has the best wifi", "tell me a joke about databases")
GUILD = "42"


def _requests() -> list[Request]:
    return [Request(text=t, user_id=str(1000 + i % 40), channel_id=str(2000 + i % 3),
                    guild_id=GUILD, prefix="!") for i, t in enumerate(DECLINED * 5)]


def _round(advisor: Advisor, requests: list[Request]) -> list[int]:
    clock = time.perf_counter_ns
    samples = []
    for request in requests:
        start = clock()
        advisor.handle(request)
        samples.append(clock() - start)
    return samples


def declined_overhead(knowledge_dir: Path, db_path: Path, *, rounds: int) -> dict[str, Any]:
    build_database(knowledge_dir, db_path)
    store = KnowledgeStore(db_path, overlay=overlay_view)
    moderation = Moderation(store)
    plain = Advisor(store, chat=ChatEngine())
    recording = Advisor(store, chat=ChatEngine(recorder=moderation.recorder))
    requests = _requests()
    moderation.recorder.start()
    try:
        for advisor in (plain, recording):  # warm: views, catalogues, templates, salts
            _round(advisor, requests)
        without: list[int] = []
        with_log: list[int] = []
        for _ in range(rounds):
            without += _round(plain, requests)
            with_log += _round(recording, requests)
    finally:
        moderation.recorder.stop()
    recorded = sum(s.count for s in moderation.gap_log.by_key(GUILD, 0))
    moderation.gap_log.close()
    store.close()
    a, b = summarise_ns(without), summarise_ns(with_log)
    return {"without": a, "with": b, "recorded": recorded,
            "overhead": round(b["median_us"] / a["median_us"] - 1, 4)}


def _phrasings(rng: random.Random, topics: int) -> list[tuple[str, str]]:
    """(text, key) phrasings: each topic three meaningful words, asked in four ways."""
    vocab = [f"w{n}" for n in range(topics * 2)]
    made = []
    for _ in range(topics):
        base = rng.sample(vocab, 3)
        extra = rng.choice(vocab)
        for words in (base, [*base[:2], extra], [*base, extra], list(reversed(base))):
            made.append((f"is {' '.join(words)} worth it?", " ".join(sorted(set(words)))))
    return made


def kb_gaps_large(knowledge_dir: Path, db_path: Path, *, rows: int, topics: int,
                  calls: int) -> dict[str, Any]:
    build_database(knowledge_dir, db_path)
    store = KnowledgeStore(db_path, overlay=overlay_view)
    moderation = Moderation(store)
    rng = random.Random(14)
    phrasings = _phrasings(rng, topics)
    weights = [1.0 / (1 + i // 4) for i in range(len(phrasings))]  # a long tail of topics
    now = int(time.time())
    salt = moderation.gap_log.salt(GUILD)
    askers = [asker_hash(salt, str(n)) for n in range(5000)]
    picks = rng.choices(phrasings, weights=weights, k=rows)
    batch = [GapRow(GUILD if i % 10 else "43", "7", now - rng.randrange(30 * 86400), text, key,
                    rng.choice(("declined", "clarify", "low_confidence")), "offtopic", "",
                    rng.choice(askers)) for i, (text, key) in enumerate(picks)]
    started = time.perf_counter()
    moderation.gap_log.add(batch)
    fill_s = time.perf_counter() - started
    actor = Actor(user_id="1", name="bench", guild_id=GUILD, manage_guild=True)
    times = []
    for _ in range(calls):
        started = time.perf_counter()
        result = moderation.gaps(actor, "30d")
        times.append(time.perf_counter() - started)
        assert result.reply.kind == "answer", result.reply
    groups = len(moderation.gap_groups(actor, "30d"))
    moderation.gap_log.close()
    store.close()
    return {"rows": rows, "rows_in_server": sum(1 for r in batch if r.guild_id == GUILD),
            "phrasings": len(phrasings), "groups": groups, "fill_s": round(fill_s, 3),
            "first_ms": round(times[0] * 1000, 1),
            "median_ms": round(statistics.median(times[1:] or times) * 1000, 1)}


def run(knowledge_dir: Path, tmp: Path, *, quick: bool) -> dict[str, Any]:
    return {
        "declined": declined_overhead(knowledge_dir, tmp / "gaps-declined.db",
                                      rounds=20 if quick else 150),
        "kb_gaps": kb_gaps_large(knowledge_dir, tmp / "gaps-large.db", rows=100_000,
                                 topics=500, calls=3 if quick else 7),
    }


def report(results: dict[str, Any]) -> str:
    d, g = results["declined"], results["kb_gaps"]
    return "\n".join([
        "Knowledge-gap log",
        f"  declined question (Advisor.handle, median): {d['without']['median_us']:.0f} µs "
        f"without recording, {d['with']['median_us']:.0f} µs with ({d['overhead']:+.1%}; "
        f"p99 {d['without']['p99_us']:.0f} / {d['with']['p99_us']:.0f} µs; "
        f"{d['recorded']:,} rows recorded)",
        f"  kb gaps over {g['rows']:,} rows ({g['rows_in_server']:,} in the server, "
        f"{g['phrasings']:,} phrasings, {g['groups']:,} groups): first {g['first_ms']:.0f} ms, "
        f"then median {g['median_ms']:.0f} ms",
    ])
