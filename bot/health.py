"""Is careerbot healthy? What ``careerbot health`` answers, for a container's HEALTHCHECK.

Two honest checks, each of something that really breaks:

- the knowledge base opens (read-only, so checking can never change or lock it for long)
  and holds roles: a bot with an unreadable or empty database answers nothing useful;
- with ``--heartbeat FILE``, the running bot is connected to Discord: ``careerbot run
  --heartbeat FILE`` rewrites the file every ``HEARTBEAT_INTERVAL_SECONDS`` while its
  gateway connection is up and ready, and removes it on a clean stop, so a file older
  than ``HEARTBEAT_MAX_AGE_SECONDS`` means a hung process or a lost connection.

Exit status follows Docker's HEALTHCHECK: 0 healthy, 1 unhealthy (2 is reserved there).
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import time
from dataclasses import dataclass, field
from pathlib import Path

#: How often the running bot rewrites its heartbeat file while connected.
HEARTBEAT_INTERVAL_SECONDS = 30.0
#: How often it looks again while not connected (so the first write follows READY closely).
HEARTBEAT_POLL_SECONDS = 1.0
#: A heartbeat older than this is unhealthy: several missed intervals, not one slow write.
HEARTBEAT_MAX_AGE_SECONDS = 120.0
#: How long the health check waits for a database another process is writing.
DB_TIMEOUT_SECONDS = 5.0

HEALTHY = 0
UNHEALTHY = 1


@dataclass
class Health:
    """The verdict and one line per check, each saying what was found."""

    lines: list[str] = field(default_factory=list)
    ok: bool = True

    def fail(self, line: str) -> None:
        self.ok = False
        self.lines.append(line)

    @property
    def exit_code(self) -> int:
        return HEALTHY if self.ok else UNHEALTHY


def write_heartbeat(path: Path, *, latency_seconds: float | None, servers: int,
                    now: float | None = None) -> None:
    """Replace the heartbeat file atomically (a reader never sees half a file)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    record = {
        "at": time.time() if now is None else now,
        "pid": os.getpid(),
        "latency_ms": None if latency_seconds is None else round(latency_seconds * 1000, 1),
        "servers": servers,
    }
    partial = path.with_name(path.name + ".tmp")
    partial.write_text(json.dumps(record), encoding="utf-8")
    os.replace(partial, path)


def remove_heartbeat(path: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        Path(path).unlink()


def _check_database(db_path: Path, health: Health) -> None:
    if not Path(db_path).exists():
        health.fail(f"no knowledge base at {db_path} (the bot builds it when it starts)")
        return
    try:
        conn = sqlite3.connect(Path(db_path).resolve().as_uri() + "?mode=ro", uri=True,
                               timeout=DB_TIMEOUT_SECONDS)
        try:
            (roles,) = conn.execute("select count(*) from roles").fetchone()
        finally:
            conn.close()
    except sqlite3.Error as exc:
        health.fail(f"cannot read the knowledge base {db_path}: {exc}")
        return
    if not roles:
        health.fail(f"the knowledge base {db_path} holds no roles")
        return
    health.lines.append(f"knowledge base {db_path}: {roles} roles")


def _check_heartbeat(path: Path, max_age: float, now: float, health: Health) -> None:
    try:
        modified = Path(path).stat().st_mtime
    except OSError:
        health.fail(f"no heartbeat at {path}: the bot is not running with --heartbeat "
                    "or has not connected to Discord yet")
        return
    age = max(0.0, now - modified)
    if age > max_age:
        health.fail(f"the last heartbeat ({path}) is {age:.0f} s old, more than {max_age:.0f} s: "
                    "the bot is hung or not connected to Discord")
        return
    latency = None
    with contextlib.suppress(OSError, ValueError, TypeError, AttributeError):
        latency = json.loads(Path(path).read_text(encoding="utf-8")).get("latency_ms")
    measured = f", gateway latency {latency:.0f} ms" if isinstance(latency, int | float) else ""
    health.lines.append(f"connected to Discord: heartbeat {age:.0f} s ago{measured}")


def check(db_path: Path, heartbeat: Path | None = None, *,
          max_age: float = HEARTBEAT_MAX_AGE_SECONDS, now: float | None = None) -> Health:
    """Check the database and, when ``heartbeat`` is given, the running bot's connection."""
    health = Health()
    _check_database(db_path, health)
    if heartbeat is not None:
        _check_heartbeat(heartbeat, max_age, time.time() if now is None else now, health)
    return health
