"""``python -m bench``: measure careerbot as users feel it; print tables, write JSON.

Run it by hand from the repository root (``.venv/bin/python -m bench``; ``--quick`` for a
short run). Figures go to ``bench/results/latest.json`` (git-ignored) with the machine
they were measured on; the README quotes a recent run.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench import core, discord_rt, gaps, imports, kbgen, members, process, servers
from bench.messages import HANDLE_TYPES, load
from bench.stats import fmt_ratio, fmt_us, table

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT = REPO_ROOT / "bench" / "results" / "latest.json"
SECTIONS = ("core", "scales", "servers", "members", "discord", "process", "imports", "gaps")
#: Knowledge scales, as multiples of the real roles (and FAQ entries).
SCALES = (10, 100, 1000)
QUICK_SCALES = (10, 100)


class _CountingHandler(logging.Handler):
    """Counts warnings and errors logged during the run: a clean run has none."""

    def __init__(self) -> None:
        super().__init__(level=logging.WARNING)
        self.records: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(f"{record.levelname} {record.name}: {record.getMessage()[:200]}")


def machine() -> dict[str, Any]:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        cpu = platform.processor() or "unknown"
    import discord

    def git(*args: str) -> str:
        try:
            return subprocess.run(["git", *args], cwd=REPO_ROOT, capture_output=True, text=True,
                                  timeout=10).stdout.strip()
        except OSError:
            return ""

    return {
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "platform": platform.platform(),
        "discord.py": discord.__version__,
        "commit": git("rev-parse", "--short", "HEAD"),
        "dirty": bool(git("status", "--porcelain", "--untracked-files=no")),
        "date": time.strftime("%Y-%m-%d %H:%M:%S %Z"),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repetitions (about 1 minute)")
    parser.add_argument("--only", choices=SECTIONS, action="append",
                        help="run only this section (repeatable)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="where to write the JSON")
    parser.add_argument("--scales", type=lambda v: tuple(int(x) for x in v.split(",")),
                        default=None, help="knowledge multiples to time, e.g. 10,100 "
                        f"(default {','.join(map(str, SCALES))}; quick: "
                        f"{','.join(map(str, QUICK_SCALES))})")
    args = parser.parse_args(argv)
    sections = tuple(args.only or SECTIONS)
    quick = args.quick

    counter = _CountingHandler()
    logging.basicConfig(level=logging.INFO, stream=open(os.devnull, "w"),  # noqa: SIM115
                        format="%(asctime)s %(levelname)s %(name)s %(message)s")
    logging.getLogger().addHandler(counter)

    sets = load()
    results: dict[str, Any] = {
        "machine": machine(), "quick": quick,
        "message_sets": {k: len(sets.texts(k)) for k in (*HANDLE_TYPES, "slash", "autocomplete")},
    }
    print(f"careerbot bench ({'quick' if quick else 'full'}) on {results['machine']['cpu']}, "
          f"{results['machine']['nproc']} CPUs, Python {results['machine']['python']}",
          flush=True)
    with tempfile.TemporaryDirectory(prefix="careerbot-bench-") as tmp_name:
        tmp = Path(tmp_name)
        base_dir = REPO_ROOT / "knowledge"
        scales = args.scales or (QUICK_SCALES if quick else SCALES)
        big_dir = tmp / "knowledge-100x"
        results["big_knowledge"] = kbgen.generate(base_dir, big_dir, multiple=100)
        repeats = 20 if quick else 200
        if "core" in sections:
            print("core latency ...", flush=True)
            results["core"] = {
                "base": core.run(base_dir, tmp / "base.db", sets, repeats=repeats),
                "100x": core.run(big_dir, tmp / "big.db", sets, repeats=max(5, repeats // 4),
                                 varied=100 if quick else 400),
            }
        if "scales" in sections:
            results["scales"] = {"1": core.scale_run(base_dir, tmp / "scale-1.db", sets,
                                                     rounds=5, warm_repeats=20)}
            for multiple in scales:
                print(f"knowledge at {multiple}× ...", flush=True)
                kb = big_dir if multiple == 100 else tmp / f"knowledge-{multiple}x"
                made = (results["big_knowledge"] if multiple == 100
                        else kbgen.generate(base_dir, kb, multiple=multiple))
                big = multiple >= 1000
                results["scales"][str(multiple)] = {
                    "generated": made,
                    **core.scale_run(kb, tmp / f"scale-{multiple}.db", sets,
                                     rounds=1 if big else 3, warm_repeats=1 if big else 5),
                }
                if kb != big_dir:
                    shutil.rmtree(kb, ignore_errors=True)
        if "servers" in sections:
            print("servers ...", flush=True)
            results["servers"] = servers.run(base_dir, tmp, sets, rounds=10 if quick else 60)
            results["servers"]["edits"] = servers.edits(base_dir, tmp, sets)
        if "members" in sections:
            print("members ...", flush=True)
            results["members"] = members.run(base_dir, tmp)
        if "discord" in sections:
            print("discord.py round trips ...", flush=True)
            results["discord"] = asyncio.run(discord_rt.run(
                base_dir, tmp / "discord.db", concurrency=(1, 10, 50),
                messages_per_level=150 if quick else 1000,
                dispatch_iterations=200 if quick else 2000))
        if "process" in sections:
            print("start-up and memory ...", flush=True)
            runs = 3 if quick else 10
            results["process"] = {
                "bytecode_compiled": process.compiled(),
                "ask": process.ask_times(tmp / "ask.db", base_dir, runs),
                "bot": process.bot_process(tmp / "run.db", base_dir, sets, 4),
                "bot_100x": process.bot_process(tmp / "run-big.db", big_dir, sets, 4),
                "round_trip": process.bot_round_trip(tmp / "run-rt.db", base_dir, (1, 10),
                                                     150 if quick else 600),
            }
        if "imports" in sections:
            print("imports ...", flush=True)
            results["imports"] = imports.run(base_dir, tmp, rounds=1 if quick else 3)
        if "gaps" in sections:
            print("knowledge-gap log ...", flush=True)
            results["gaps"] = gaps.run(base_dir, tmp, quick=quick)
    results["log_warnings"] = counter.records

    print()
    print(report(results))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"\nwrote {args.out}")
    return 0


def report(results: dict[str, Any]) -> str:
    """The tables, as printed at the end of a run and quoted in the README."""
    parts = []
    m = results["machine"]
    parts.append(f"Machine: {m['cpu']}, {m['nproc']} CPUs, Python {m['python']}, "
                 f"discord.py {m['discord.py']}, commit {m['commit']}{'+' if m['dirty'] else ''}"
                 f"{' (quick run)' if results['quick'] else ''}")
    if "core" in results:
        base, big = results["core"]["base"], results["core"]["100x"]
        rows = []
        for kind in (*HANDLE_TYPES, "detail question", "command, many roles", "slash",
                     "autocomplete"):
            b = base["types"].get(kind)
            g = big["types"].get(kind)
            if b is None and g is None:
                continue
            bw = (b or {}).get("warm", {})
            gw = (g or {}).get("warm", {})
            growth = (gw["median_us"] / bw["median_us"]) if bw and gw else None
            rows.append([
                kind, (b or g)["messages"],
                fmt_us(bw.get("median_us")), fmt_us(bw.get("p99_us")),
                fmt_us((b or {}).get("first", {}).get("median_us")),
                fmt_us(gw.get("median_us")), fmt_us(gw.get("p99_us")),
                fmt_us((g or {}).get("first", {}).get("median_us")),
                fmt_ratio(growth),
            ])
        parts.append(table(
            ["message type", "msgs", "median", "p99", "first", "100× median", "100× p99",
             "100× first", "growth"], rows,
            title=f"Core latency: Advisor.handle (knowledge: {base['roles']} roles, "
                  f"{base['faq']} FAQ; 100×: {big['roles']} roles, {big['faq']} FAQ, "
                  f"{big['aliases']} aliases)"))
    if "scales" in results:
        parts.append(scales_report(results["scales"]))
    if "servers" in results:
        parts.append(servers.report(results["servers"]))
    if "members" in results:
        parts.append(members.report(results["members"]))
    if "discord" in results:
        d = results["discord"]
        floor = d["dispatch"][discord_rt.PLAIN_FLOOR]["median_us"]
        own = d["dispatch"][discord_rt.CAREERBOT_FLOOR]["median_us"]
        rows = [[label, fmt_us(s["median_us"]), fmt_us(s["p99_us"]),
                 fmt_ratio(s["median_us"] / floor), fmt_ratio(s["median_us"] / own)]
                for label, s in d["dispatch"].items()]
        fresh = d.get("fresh_texts", {})
        parts.append(table(
            ["message", "median", "p99", "× plain floor", "× careerbot no-op"], rows,
            title="discord.py dispatch, in-process (network stubbed; cooldowns on, "
                  f"{d['dispatch_members']} members; fresh = new text, answer cache emptied: "
                  f"{fresh.get('!compare', '?')} !compare spellings, "
                  f"{fresh.get('question', '?')} questions)"))
        ping = {(r["command"].startswith("/"), r["senders"]): r["median_us"]
                for r in d["round_trip"] if r["command"] in ("!ping", "/ping")}
        rows = []
        for r in d["round_trip"]:
            same = ping.get((r["command"].startswith("/"), r["senders"]))
            rows.append([r["command"], r["senders"], r["messages"], fmt_us(r["median_us"]),
                         fmt_us(r["p99_us"]), f"{r['messages_per_s']:.0f}",
                         fmt_ratio(r["median_us"] / same if same else None),
                         fmt_ratio(r["median_us"] / floor)])
        parts.append(table(
            ["command", "senders", "msgs", "median", "p99", "msg/s", "× ping", "× plain floor"],
            rows, title="Round trip through the fake Discord (closed loop per sender; "
                        f"cooldowns on, each message from the next of {d['members']} members)"))
    if "process" in results:
        p = results["process"]
        a, b, g = p["ask"], p["bot"], p["bot_100x"]
        rows = [
            ["careerbot ask (database built)", f"{a['ask_median_s'] * 1000:.0f} ms",
             f"python -c pass: {a['python_start_median_s'] * 1000:.0f} ms"],
            ["careerbot ask (builds database first)", f"{a['ask_cold_build_s'] * 1000:.0f} ms", ""],
            ["careerbot run: start to connected", f"{b['start_to_connected_s'] * 1000:.0f} ms",
             f"100×: {g['start_to_connected_s'] * 1000:.0f} ms"],
            ["careerbot run: start to ready", f"{b['start_to_ready_s'] * 1000:.0f} ms",
             f"100×: {g['start_to_ready_s'] * 1000:.0f} ms"],
            ["first answer after ready", f"{b['first_answer_ms']:.1f} ms",
             f"100×: {g['first_answer_ms']:.1f} ms"],
            ["peak RSS after answering", f"{b['peak_rss_mib']} MiB ({b['messages_answered']} msgs)",
             f"100×: {g['peak_rss_mib']} MiB"],
        ]
        parts.append(table(["figure", "value", "beside it"], rows, title="Start-up and memory"))
        if "round_trip" in p:
            parts.append(process_round_trip_report(p["round_trip"], results.get("discord")))
    if "imports" in results:
        parts.append(imports.report(results["imports"]))
    warnings = results.get("log_warnings") or []
    parts.append(f"Warnings/errors logged during the run: {len(warnings)}"
                 + "".join(f"\n  {w}" for w in warnings[:10]))
    if "gaps" in results:
        parts.append(gaps.report(results["gaps"]))
    return "\n\n".join(parts)


def process_round_trip_report(rt: dict[str, Any], discord: dict[str, Any] | None) -> str:
    """Round trips to ``careerbot run`` in its own process, beside the in-process ones."""
    floor = {r["senders"]: r["median_us"] for r in rt["rows"] if r["command"] == "!help"}
    inproc = {(r["command"], r["senders"]): r["median_us"]
              for r in (discord or {}).get("round_trip", [])}
    rows = []
    for r in rt["rows"]:
        same = inproc.get((r["command"], r["senders"]))
        rows.append([r["command"], r["senders"], r["messages"], fmt_us(r["median_us"]),
                     fmt_us(r["p99_us"]), f"{r['messages_per_s']:.0f}",
                     fmt_ratio(r["median_us"] / floor[r["senders"]]),
                     fmt_ratio(r["median_us"] / same if same else None)])
    return table(["message", "senders", "msgs", "median", "p99", "msg/s", "× !help",
                  "× in-process"], rows,
                 title="Round trip, careerbot run in its own process (fake Discord in the "
                       f"bench process; each message from the next of {rt['members']} members; "
                       f"bot RSS after: {rt['rss_after_mib']} MiB, peak {rt['peak_rss_mib']} MiB)")


def scales_report(scales: dict[str, Any]) -> str:
    """Knowledge scales: first and warm answers, as ratios to the real knowledge."""
    base = scales["1"]
    rows = []
    for multiple, s in scales.items():
        row = [f"{multiple}×", s["roles"], s["faq"], f"{s['build_s']:.1f} s",
               f"{s['load_s'] * 1000:.0f} ms"]
        for key in ("first_question", "warm_question", "first_command", "warm_command"):
            value = s[key]["median_us"]
            row += [fmt_us(value), fmt_ratio(value / base[key]["median_us"])]
        rows.append(row)
    return table(
        ["knowledge", "roles", "FAQ", "build", "load", "first question", "× 1×",
         "warm question", "× 1×", "first !compare", "× 1×", "warm commands", "× 1×"], rows,
        title="Knowledge scales: Advisor.handle, medians (first = a new advisor's first "
              "answer, knowledge loaded; warm = the message set again; commands repeat, "
              "so warm commands are cached answers)")


if __name__ == "__main__":
    sys.exit(main())
