"""A kill -9 at any moment of an edit, an import or a rebuild loses no acknowledged edit.

A child process loops over edits, imports and rebuilds of one database, printing a line
(flushed) when each starts and when ``apply_change`` / ``apply_changes`` /
``build_database`` has returned. The parent kills it with SIGKILL at a random moment, a
bounded number of times (seeded), starting a new child on the same file each time. At the
end the file must pass ``PRAGMA integrity_check``, hold every acknowledged edit and whole
import, hold each interrupted import entirely or not at all, and its base tables must be
exactly what a fresh build writes.
"""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bot.knowledge import edits
from bot.knowledge.build import TABLE_COLUMNS, build_database
from bot.knowledge.changes import Change
from tests.conftest import KNOWLEDGE_DIR, REPO_ROOT
from tests.moderation_support import build, moderator

KILLS = 15
SEED = 20261203
#: How long each child runs before it is killed, drawn uniformly (seconds).
RUN_SECONDS = (0.05, 0.8)

CHILD = """
import itertools, json, random, sys
from pathlib import Path
from bot.knowledge.permissions import Actor
from bot.knowledge import edits
from bot.knowledge.build import build_database
from bot.knowledge.changes import Change

db, kb, run, seed = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3], int(sys.argv[4])
rng = random.Random(seed)
actor = Actor(user_id="9", name="Kill test", guild_id="42", manage_guild=True)

def say(*fields):
    print(json.dumps(fields), flush=True)

def question(tag, j=None):
    return f"Kill test {tag}?" if j is None else f"Kill test {tag} entry {j}?"

say("ready")
for i in itertools.count():
    tag, roll = f"run {run} op {i}", rng.random()
    if roll < 0.6:
        say("begin", "edit", tag, 1)
        edits.apply_change(db, actor, Change("faq.add", {"question": question(tag),
                                                         "answer": "Kept."}))
        say("done", "edit", tag, 1)
    elif roll < 0.93:
        n = rng.randint(5, 80)
        say("begin", "import", tag, n)
        edits.apply_changes(db, actor, [Change("faq.add", {"question": question(tag, j),
                                                           "answer": "Kept."})
                                        for j in range(n)], target=f"{tag}.yaml")
        say("done", "import", tag, n)
    else:
        say("begin", "rebuild", tag, 0)
        build_database(kb, db)
        say("done", "rebuild", tag, 0)
"""


def _run_until_killed(db: Path, run: int, seconds: float) -> list[list]:
    """Start a child, let it work ``seconds`` after it is ready, SIGKILL it; its lines."""
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT), "PYTHONDONTWRITEBYTECODE": "1"}
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(db), str(KNOWLEDGE_DIR), str(run), str(SEED + run)],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert child.stdout is not None
        first = child.stdout.readline()
        if not first.strip():  # the child ended before it was ready: show why
            child.wait(timeout=60)
            stderr = child.stderr.read() if child.stderr else ""
            raise AssertionError(f"the child ended (exit {child.returncode}) before it was "
                                 f"ready:\n{stderr}")
        assert json.loads(first) == ["ready"], first
        time.sleep(seconds)
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=60)
        # Read the rest through the same text stream as the first line: ``communicate``
        # reads the pipe underneath it, so whatever ``readline`` had buffered past the
        # first line was lost, and a line split there read as an empty one.
        out = child.stdout.read()
        err = child.stderr.read() if child.stderr else ""
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    assert child.returncode == -signal.SIGKILL, f"the child stopped by itself:\n{err}"
    return [json.loads(line) for line in out.splitlines()]


def _base_tables(db: Path) -> dict[str, list[tuple]]:
    conn = sqlite3.connect(db)
    try:
        return {t: sorted(conn.execute(f"select * from {t}").fetchall(), key=repr)
                for t in TABLE_COLUMNS}
    finally:
        conn.close()


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")
def test_kill_9_at_any_moment_loses_no_acknowledged_edit(tmp_path: Path) -> None:
    db = tmp_path / "data" / "careerbot.db"
    build_database(KNOWLEDGE_DIR, db)
    reference = tmp_path / "reference.db"
    build_database(KNOWLEDGE_DIR, reference)

    rng = random.Random(SEED)
    lines: list[list] = []
    for run in range(KILLS):
        lines += _run_until_killed(db, run, rng.uniform(*RUN_SECONDS))

    started = {(kind, tag): n for event, kind, tag, n in lines if event == "begin"}
    done = {(kind, tag): n for event, kind, tag, n in lines if event == "done"}
    assert sum(kind != "rebuild" for kind, _ in done) >= KILLS  # it did real work
    assert len(started) - len(done) <= KILLS  # at most one operation cut short per kill

    conn = sqlite3.connect(db)
    try:
        assert conn.execute("pragma integrity_check").fetchall() == [("ok",)]
        present = {q for (q,) in conn.execute("select question from overlay_faq")}
        imports = {t for (t,) in conn.execute(
            "select target from audit_log where action = 'import' and parent_id is null")}
    finally:
        conn.close()

    for (kind, tag), n in done.items():
        if kind == "edit":
            assert f"Kill test {tag}?" in present, f"acknowledged edit {tag} lost"
        elif kind == "import":
            kept = [j for j in range(n) if f"Kill test {tag} entry {j}?" in present]
            assert len(kept) == n, f"acknowledged import {tag} kept {len(kept)} of {n}"
    for (kind, tag), n in started.items():
        if kind == "import" and (kind, tag) not in done:  # killed while importing
            kept = sum(f"Kill test {tag} entry {j}?" in present for j in range(n))
            assert kept in (0, n), f"interrupted import {tag} half applied: {kept} of {n}"
            assert (f"{tag}.yaml" in imports) == (kept == n)
    assert _base_tables(db) == _base_tables(reference)


HALF_WRITTEN = """
import sqlite3, sys
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
conn.execute("pragma cache_size = 1")  # spill early: the journal is synced, the file half written
conn.execute("begin immediate")
conn.execute("create table half_written (x)")
conn.executemany("insert into half_written values (?)", [(str(i) * 300,) for i in range(300)])
print("ready", flush=True)
sys.stdin.read()
"""


def _kill_a_writer_mid_transaction(db: Path) -> None:
    """Leave the file as a writer killed halfway through a large transaction does: with a
    hot journal that must be rolled back before anything reads the file."""
    child = subprocess.Popen([sys.executable, "-c", HALF_WRITTEN, str(db)],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert child.stdout is not None
    assert child.stdout.readline().strip() == "ready"
    child.kill()
    child.wait(timeout=60)
    assert Path(f"{db}-journal").read_bytes()[:4] == bytes.fromhex("d9d505f9")


@pytest.mark.parametrize("operation", ["edit", "history"])
def test_the_first_edit_after_a_writer_was_killed_recovers_the_file(
        tmp_path: Path, operation: str) -> None:
    """The permission check and the history read the file read-only, which cannot roll
    back a killed writer's journal ("attempt to write a readonly database" before): they
    must recover it and go on, and the killed transaction must leave no trace."""
    db = build(tmp_path)
    _kill_a_writer_mid_transaction(db)
    if operation == "edit":
        entry = edits.apply_change(db, moderator(), Change("faq.add", {
            "question": "Made after a crash?", "answer": "Yes."}))
        assert entry.action == "faq.add"
    else:
        assert edits.history(db, "42") == []
    conn = sqlite3.connect(db)
    try:
        assert conn.execute("pragma integrity_check").fetchall() == [("ok",)]
        assert conn.execute("select 1 from sqlite_master where name = 'half_written'"
                            ).fetchone() is None
    finally:
        conn.close()
