"""Start-up and memory: the bot as its owner runs it, in its own process.

* ``careerbot ask`` wall time: a fresh process answering one question, database already
  built (and once with no database, so it builds first). ``python -c pass`` is timed
  beside it: the part of the wait that is the interpreter starting.
* ``careerbot run`` against the fake Discord: process start to connected (the gateway
  IDENTIFY reached the server: knowledge loaded, commands synced) and to ready
  (discord.py's on_ready, which it delays until no guild has arrived for
  ``guild_ready_timeout``, 2 s by default), then the first answer, then peak memory
  (VmHWM, the high-water mark of resident memory) after every member has asked a few
  questions.
* Round trip with the bot in its own process, as ``careerbot run`` runs it: a separate
  ``careerbot run`` on the fake Discord (which stays in the bench process), and members
  sending ``!ping``, ``!compare`` and a free-form question in closed loops, each message
  from the next of ``ROUND_TRIP_MEMBERS`` members so the (real-time) cooldown never
  refuses one; a "slow down" note or a missing answer fails the run.
"""

from __future__ import annotations

import asyncio
import compileall
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from bench.discord_rt import ROUND_TRIP_MEMBERS, BenchDiscord, closed_loop
from bench.messages import MessageSets
from bench.stats import summarise_ns

REPO_ROOT = Path(__file__).resolve().parent.parent


def _env(db_path: Path, knowledge_dir: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("CAREERBOT_", "DISCORD_"))}
    env.update(CAREERBOT_DB=str(db_path), CAREERBOT_KNOWLEDGE_DIR=str(knowledge_dir), **extra)
    return env


def _wall(argv: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    done = subprocess.run(argv, env=env, cwd=REPO_ROOT, capture_output=True, text=True,
                          timeout=120)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"{argv} failed ({done.returncode}): {done.stderr.strip()[-500:]}")
    return elapsed


def compiled() -> bool:
    """Byte-compile the ``bot`` package where its cached bytecode is missing or stale
    (``compileall``, which skips what is fresh), as ``pip install`` does for an installed
    package (the Docker image's). An editable checkout run with ``PYTHONDONTWRITEBYTECODE``
    (as some sandboxes and images set) never writes it, so every timed start compiled each
    module changed since: 73 of them once, about 0.1 s of a start."""
    return bool(compileall.compile_dir(REPO_ROOT / "bot", quiet=1))


def ask_times(db_path: Path, knowledge_dir: Path, runs: int) -> dict[str, Any]:
    env = _env(db_path, knowledge_dir)
    ask = [sys.executable, "-m", "bot", "ask", "!compare mlops pm"]
    db_path.unlink(missing_ok=True)
    cold = _wall(ask, env)
    # Alternated, so that the host's speed changing during the section (a shared VM's
    # does, by half) moves both alike: ten asks then ten bare starts gave 9-14x by turns.
    warm: list[float] = []
    bare: list[float] = []
    for _ in range(runs):
        warm.append(_wall(ask, env))
        bare.append(_wall([sys.executable, "-c", "pass"], env))
    return {
        "runs": runs,
        "ask_cold_build_s": round(cold, 3),
        "ask_median_s": round(statistics.median(warm), 3),
        "ask_max_s": round(max(warm), 3),
        "python_start_median_s": round(statistics.median(bare), 3),
    }


def _vm_kib(pid: int, key: str) -> int | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


async def _bot_process(db_path: Path, knowledge_dir: Path, sets: MessageSets,
                       per_member: int) -> dict[str, Any]:
    server = BenchDiscord()
    server.populate()
    await server.start()
    try:
        return await _with_bot(server, db_path, knowledge_dir,
                               lambda proc, started, marks: _start_and_load(
                                   server, proc, sets, per_member, marks))
    finally:
        await server.stop()


async def _with_bot(server: BenchDiscord, db_path: Path, knowledge_dir: Path,
                    body: Any) -> dict[str, Any]:
    """Run ``careerbot run`` on ``server`` until it is ready, then ``body``; stop it."""
    env = _env(db_path, knowledge_dir, DISCORD_TOKEN="fake-token",
               DISCORD_API_BASE=server.base_url, DISCORD_GATEWAY_URL=server.gateway_url,
               CAREERBOT_DEV_GUILD_ID=str(server.guild.id), CAREERBOT_LOG_LEVEL="INFO")
    ready = asyncio.Event()
    log_lines: list[str] = []
    started = time.perf_counter()
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", env=env, cwd=REPO_ROOT,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE)
    marks: dict[str, float] = {}

    async def read_log() -> None:
        assert proc.stderr is not None
        async for raw in proc.stderr:
            line = raw.decode(errors="replace").rstrip()
            log_lines.append(line)
            if " ready as " in line and "ready" not in marks:
                marks["ready"] = time.perf_counter() - started
                ready.set()

    reader = asyncio.create_task(read_log())
    try:
        while server.identify_count == 0:
            if proc.returncode is not None:
                raise RuntimeError("bot exited:\n" + "\n".join(log_lines[-20:]))
            await asyncio.sleep(0.002)
        marks["connected"] = time.perf_counter() - started
        await asyncio.wait_for(ready.wait(), 60)
        result = await body(proc, started, marks)
        result["log_errors"] = sum(" ERROR " in line or "Traceback" in line
                                   for line in log_lines)
        return result
    finally:
        if proc.returncode is None:
            proc.terminate()
            try:
                await asyncio.wait_for(proc.wait(), 10)
            except TimeoutError:
                proc.kill()
                await proc.wait()
        reader.cancel()


async def _start_and_load(server: BenchDiscord, proc: Any, sets: MessageSets, per_member: int,
                          marks: dict[str, float]) -> dict[str, Any]:
    first_at = time.perf_counter()
    msg = await server.send_message(server.channels[0].id, author=server.senders[0],
                                    content="!compare mlops pm")
    await server.reply_to(int(msg["id"]))
    first = time.perf_counter() - first_at

    # Every member asks a few questions (fewer than the cooldown allows).
    commands = list(sets.command)
    sent: list[int] = []
    for k in range(per_member):
        for i, member in enumerate(server.senders):
            text = commands[(i * per_member + k) % len(commands)]
            channel = server.channels[i % len(server.channels)]
            m = await server.send_message(channel.id, author=member, content=text)
            sent.append(int(m["id"]))
    await asyncio.gather(*(server.reply_to(mid) for mid in sent))
    return {
        "start_to_connected_s": round(marks["connected"], 3),
        "start_to_ready_s": round(marks["ready"], 3),
        "first_answer_ms": round(first * 1000, 2),
        "messages_answered": len(sent) + 1,
        "peak_rss_mib": round((_vm_kib(proc.pid, "VmHWM") or 0) / 1024, 1),
        "rss_after_mib": round((_vm_kib(proc.pid, "VmRSS") or 0) / 1024, 1),
    }


#: ``careerbot run`` has no ping: ``!help`` (one fixed page, a remembered answer) is the
#: cheapest reply it gives, the floor of these rows.
ROUND_TRIP_TEXTS = (("!help", "!help"), ("!compare", "!compare mlops pm"),
                    ("question", "{mention} how much do mlops engineers make?"))


async def _round_trips(server: BenchDiscord, proc: Any, concurrency: tuple[int, ...],
                       total: int) -> dict[str, Any]:
    members = iter(range(10**9))
    rows = []
    for label, text in ROUND_TRIP_TEXTS:
        content = text.format(mention=f"<@{server.bot_user.id}>")

        async def send(i: int, k: int, content: str = content) -> int:
            member = server.senders[next(members) % len(server.senders)]
            channel = server.channels[i % len(server.channels)]
            msg = await server.send_message(channel.id, author=member, content=content)
            return int(msg["id"])

        await closed_loop(server, send, 5, 4)  # warm up
        for senders in concurrency:
            server.forget_history()
            latencies, wall = await closed_loop(server, send, senders, max(2, total // senders))
            rows.append({"command": label, "senders": senders, "messages": len(latencies),
                         "messages_per_s": round(len(latencies) / wall, 1),
                         **summarise_ns(latencies)})
    if server.slow_downs:
        raise RuntimeError(f"{server.slow_downs} messages were refused by the cooldown")
    return {"rows": rows, "members": len(server.senders),
            "rss_after_mib": round((_vm_kib(proc.pid, "VmRSS") or 0) / 1024, 1),
            "peak_rss_mib": round((_vm_kib(proc.pid, "VmHWM") or 0) / 1024, 1)}


def bot_round_trip(db_path: Path, knowledge_dir: Path, concurrency: tuple[int, ...],
                   total: int) -> dict[str, Any]:
    """Round trips to ``careerbot run`` in its own process (database built beforehand)."""
    subprocess.run([sys.executable, "-m", "bot", "kb", "build"], env=_env(db_path, knowledge_dir),
                   cwd=REPO_ROOT, check=True, capture_output=True, timeout=120)

    async def go() -> dict[str, Any]:
        server = BenchDiscord()
        server.populate(members=ROUND_TRIP_MEMBERS)
        await server.start()
        try:
            return await _with_bot(server, db_path, knowledge_dir,
                                   lambda proc, started, marks: _round_trips(
                                       server, proc, concurrency, total))
        finally:
            await server.stop()

    return asyncio.run(go())


def bot_process(db_path: Path, knowledge_dir: Path, sets: MessageSets,
                per_member: int) -> dict[str, Any]:
    """Start ``careerbot run`` on the fake Discord (database built beforehand) and measure it."""
    subprocess.run([sys.executable, "-m", "bot", "kb", "build"], env=_env(db_path, knowledge_dir),
                   cwd=REPO_ROOT, check=True, capture_output=True, timeout=120)
    return asyncio.run(_bot_process(db_path, knowledge_dir, sets, per_member))
