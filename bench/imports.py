"""Imports: a moderator's file of FAQ entries, previewed and applied, end to end.

What a moderator waits for is ``Moderation.import_preview`` then ``import_apply``: parse
the file, turn it into changes, plan them against the server's view, write them in one
transaction. Both should grow linearly with the file: each size is imported into a fresh
database, and the 4,000/1,000 ratio is the growth (linear ~4×; the old per-change view
rebuild made it ~16×). "Write lock" is how long the apply held ``BEGIN IMMEDIATE``: the
planning happens before it, so this is all another writer can ever wait for.

Then the largest file is applied once more while another server's moderator edits a
figure in a loop: every one of those edits must succeed (before, they failed with
"database is locked" once the import had held the lock for 10 s), and the longest one is
the wait an import imposes on other servers.
"""

from __future__ import annotations

import statistics
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import yaml

from bench.stats import fmt_ratio, table
from bot.core.moderation import Moderation
from bot.core.reply import render_text
from bot.knowledge import edits
from bot.knowledge.build import build_database
from bot.knowledge.changes import Change
from bot.knowledge.overlay import overlay_view
from bot.knowledge.permissions import Actor
from bot.knowledge.store import KnowledgeStore

SIZES = (1000, 4000)


def faq_file(n: int) -> bytes:
    """An import file of ``n`` new FAQ entries, as a moderator would write them."""
    entries = [{"question": f"What should I know about topic number {i} before applying?",
                "answer": f"Topic {i}: read the postings, build one project, and ask a mentor.",
                "tags": ["careers", f"topic-{i % 50}"]} for i in range(n)]
    return yaml.safe_dump({"format": "careerbot/1", "faq": entries}, sort_keys=False,
                          allow_unicode=True).encode()


#: Functions of ``bot.knowledge.edits`` timed inside the end-to-end figures: the write
#: path proper (planning and writing), and ``_write_batch``, which runs between taking
#: the write lock and committing.
TIMED = ("preview_changes", "apply_changes", "_write_batch")


@contextmanager
def _timing(spans: dict[str, list[float]]) -> Iterator[None]:
    """Record how long each call of the ``TIMED`` functions took."""
    originals = {name: getattr(edits, name) for name in TIMED}

    def timed(name: str, real: Callable[..., Any]) -> Callable[..., Any]:
        def call(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return real(*args, **kwargs)
            finally:
                spans.setdefault(name, []).append(time.perf_counter() - started)
        return call

    for name, real in originals.items():
        setattr(edits, name, timed(name, real))
    try:
        yield
    finally:
        for name, real in originals.items():
            setattr(edits, name, real)


def _fresh(knowledge_dir: Path, db_path: Path) -> tuple[KnowledgeStore, Moderation]:
    for stale in db_path.parent.glob(db_path.name + "*"):
        stale.unlink()
    build_database(knowledge_dir, db_path)
    store = KnowledgeStore(db_path, overlay=overlay_view)
    return store, Moderation(store)


def _import_once(knowledge_dir: Path, db_path: Path, data: bytes, n: int,
                 during: Callable[[Path], Callable[[], dict[str, Any]]] | None = None,
                 ) -> dict[str, Any]:
    store, moderation = _fresh(knowledge_dir, db_path)
    actor = Actor(user_id="1", name="Bench", guild_id="1001", manage_guild=True)
    spans: dict[str, list[float]] = {}
    try:
        with _timing(spans):
            started = time.perf_counter()
            preview = moderation.import_preview(actor, data, "faq.yaml")
            previewed = time.perf_counter()
            if not preview.ok or preview.count != n:
                raise RuntimeError(f"the bench file was refused:\n{render_text(preview.reply)}")
            stop = during(db_path) if during is not None else None
            applied_at = time.perf_counter()
            reply = moderation.import_apply(actor, data, "faq.yaml", token=preview.token)
            done = time.perf_counter()
        other = stop() if stop is not None else None
        if reply.kind == "error":
            raise RuntimeError(f"the bench import failed:\n{render_text(reply)}")
        return {"preview_s": previewed - started, "apply_s": done - applied_at,
                "write_path_s": sum(spans["preview_changes"]) + sum(spans["apply_changes"]),
                "write_lock_s": max(spans["_write_batch"]), "other_server": other}
    finally:
        store.close()


def _other_server_editing(db_path: Path) -> Callable[[], dict[str, Any]]:
    """Start another server's moderator editing a figure in a loop; the returned function
    stops it and reports how long each edit took and how many failed."""
    actor = Actor(user_id="2", name="Other", guild_id="2002", manage_guild=True)
    probe = KnowledgeStore(db_path)
    base = probe.base_knowledge()
    probe.close()
    slug, snap = next((r.slug, r.snapshot()) for r in base.roles.values() if r.snapshot())
    assert snap is not None
    stop = threading.Event()
    waits: list[float] = []
    failures: list[str] = []

    def edit_loop() -> None:
        value = 100_000
        while not stop.is_set():
            value += 1
            change = Change("figure.set", {"role": slug, "source": snap.source.id,
                                           "as_of": snap.as_of, "values": {"salary.median": value}})
            started = time.perf_counter()
            try:
                edits.apply_change(db_path, actor, change)
            except Exception as exc:  # counted and reported: the figure is how many failed
                failures.append(f"{type(exc).__name__}: {exc}")
            waits.append(time.perf_counter() - started)
            time.sleep(0.005)

    thread = threading.Thread(target=edit_loop, daemon=True)
    thread.start()

    def finish() -> dict[str, Any]:
        stop.set()
        thread.join()
        return {"edits": len(waits), "failures": failures[:5], "failed": len(failures),
                "longest_ms": round(max(waits) * 1000, 1) if waits else None,
                "median_ms": round(statistics.median(waits) * 1000, 1) if waits else None}

    return finish


def run(knowledge_dir: Path, tmp: Path, *, rounds: int) -> dict[str, Any]:
    """Time each size ``rounds`` times (medians), then the largest with another server editing."""
    db_path = tmp / "imports" / "kb.db"
    db_path.parent.mkdir(parents=True, exist_ok=True)
    sizes: dict[str, Any] = {}
    for n in SIZES:
        data = faq_file(n)
        runs = [_import_once(knowledge_dir, db_path, data, n) for _ in range(rounds)]
        sizes[str(n)] = {
            "entries": n, "file_bytes": len(data), "rounds": rounds,
            **{key: round(statistics.median(r[key] for r in runs), 4)
               for key in ("preview_s", "apply_s", "write_path_s", "write_lock_s")},
        }
    small, large = (sizes[str(n)] for n in (SIZES[0], SIZES[-1]))

    def total(s: dict[str, Any]) -> float:
        return s["preview_s"] + s["apply_s"]

    largest = faq_file(SIZES[-1])
    contended = _import_once(knowledge_dir, db_path, largest, SIZES[-1],
                             during=_other_server_editing)
    return {"sizes": sizes, "growth": round(total(large) / total(small), 2),
            "write_path_growth": round(large["write_path_s"] / small["write_path_s"], 2),
            "size_ratio": SIZES[-1] / SIZES[0], "contended": contended}


def report(results: dict[str, Any]) -> str:
    rows = []
    for s in results["sizes"].values():
        whole = s["preview_s"] + s["apply_s"]
        rows.append([f"{s['entries']:,}", f"{s['file_bytes'] / 1000:.0f} KB",
                     f"{s['preview_s']:.2f} s", f"{s['apply_s']:.2f} s", f"{whole:.2f} s",
                     f"{whole / s['entries'] * 1000:.2f} ms", f"{s['write_path_s']:.2f} s",
                     f"{s['write_lock_s'] * 1000:.0f} ms"])
    text = table(["FAQ entries", "file", "preview", "apply", "total", "per entry",
                  "write path", "write lock"], rows,
                 title="Imports: a file previewed then applied (Moderation, end to end; "
                       "write path: planning and writing, the rest is reading the file)")
    c = results["contended"]
    other = c["other_server"]
    ratio = results["size_ratio"]
    text += (f"\nGrowth {SIZES[-1]:,}/{SIZES[0]:,} entries ({fmt_ratio(ratio)} the entries; "
             f"linear {fmt_ratio(ratio)}, quadratic {fmt_ratio(ratio ** 2)}): end to end "
             f"{fmt_ratio(results['growth'])}, write path {fmt_ratio(results['write_path_growth'])}")
    text += (f"\nAnother server editing during the {SIZES[-1]:,}-entry apply "
             f"({c['apply_s']:.2f} s, write lock {c['write_lock_s'] * 1000:.0f} ms): "
             f"{other['edits']} edits, {other['failed']} failed, longest {other['longest_ms']} ms, "
             f"median {other['median_ms']} ms")
    return text
