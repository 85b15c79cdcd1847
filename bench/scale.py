"""What one ``careerbot run`` process holds: resident memory by number of servers, and
after a load of questions (README, "Scale").

Runs the real entry point against the fake Discord with N servers (each with 10 text
channels and 10 roles, roughly a small community server as the gateway sends it without
the members intent), reads VmRSS from /proc when it is ready, then has members in up to
100 of the servers send commands and free-form questions (3 each, under the cooldown) and
reads VmRSS and VmHWM (the peak) again. ``--active 250`` has 5,000 members ask, which
fills the conversation memory to its bound.

    .venv/bin/python -m bench.scale                 # 1, 1000 and 2500 servers
    .venv/bin/python -m bench.scale --servers 5000  # any counts
    .venv/bin/python -m bench.scale --shards 2      # with CAREERBOT_SHARD_COUNT=2
"""

from __future__ import annotations

import argparse
import asyncio
import json
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.discord_rt import BenchDiscord
from bench.messages import load
from bench.process import REPO_ROOT, _env, _vm_kib
from tests.fake_discord import ChannelType, FakeChannel, FakeGuild, FakeMember, FakeRole, FakeUser

ACTIVE_SERVERS = 100
MEMBERS_PER_ACTIVE = 20
MESSAGES_PER_MEMBER = 3  # under the cooldown of 5 per 10 s
BATCH_SERVERS = 10  # servers whose members send at once before the replies are awaited


def _guild(server: BenchDiscord, index: int) -> FakeGuild:
    guild = FakeGuild.default(server.bot_user, name=f"Server {index}")
    parent = guild.text_channel.parent_id
    for i in range(9):
        guild.channels.append(FakeChannel(name=f"channel-{i}", type=ChannelType.GUILD_TEXT,
                                          guild_id=guild.id, parent_id=parent, position=i + 1))
    for i in range(7):
        guild.roles.append(FakeRole(name=f"role-{i}", permissions=0, position=3 + i))
    return guild


async def _measure(servers: int, shards: int | None, db: Path, kb: Path,
                   active_servers: int = ACTIVE_SERVERS) -> dict[str, Any]:
    fake = BenchDiscord()
    fake.guilds[:] = [_guild(fake, i) for i in range(servers)]
    active = fake.guilds[:active_servers]
    for guild in active:
        guild.members += [FakeMember(FakeUser(username=f"m{i}")) for i in range(MEMBERS_PER_ACTIVE)]
    await fake.start()
    extra = {"CAREERBOT_SHARD_COUNT": str(shards)} if shards else {}
    env = _env(db, kb, DISCORD_TOKEN="fake-token", DISCORD_API_BASE=fake.base_url,
               DISCORD_GATEWAY_URL=fake.gateway_url, CAREERBOT_LOG_LEVEL="INFO", **extra)
    started = time.perf_counter()
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", env=env, cwd=REPO_ROOT,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE)
    ready = asyncio.Event()

    async def read_log() -> None:
        assert proc.stderr is not None
        async for raw in proc.stderr:
            if b" ready as " in raw:
                ready.set()

    reader = asyncio.create_task(read_log())
    try:
        await asyncio.wait_for(ready.wait(), 600)
        ready_s = time.perf_counter() - started
        await asyncio.sleep(1.0)
        rss_ready = (_vm_kib(proc.pid, "VmRSS") or 0) / 1024
        sets = load()
        texts = list(sets.command) + [f"!ask {q}" for q in sets.question]
        sent: list[int] = []
        n = 0
        for _round in range(MESSAGES_PER_MEMBER):
            for start in range(0, len(active), BATCH_SERVERS):
                for guild in active[start:start + BATCH_SERVERS]:
                    for member in guild.members[-MEMBERS_PER_ACTIVE:]:
                        msg = await fake.send_message(guild.text_channel.id, author=member,
                                                      content=texts[n % len(texts)])
                        sent.append(int(msg["id"]))
                        n += 1
                await asyncio.gather(*(fake.reply_to(mid) for mid in sent))
                sent.clear()
                fake.forget_history()
        return {
            "servers": servers, "shards": shards or 1, "ready_s": round(ready_s, 1),
            "rss_ready_mib": round(rss_ready, 1),
            "members_asking": len(active) * MEMBERS_PER_ACTIVE, "messages_answered": n,
            "rss_after_mib": round((_vm_kib(proc.pid, "VmRSS") or 0) / 1024, 1),
            "peak_rss_mib": round((_vm_kib(proc.pid, "VmHWM") or 0) / 1024, 1),
        }
    finally:
        proc.terminate()
        await proc.wait()
        reader.cancel()
        await fake.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--servers", type=int, action="append")
    parser.add_argument("--shards", type=int, default=None)
    parser.add_argument("--active", type=int, default=ACTIVE_SERVERS,
                        help=f"servers whose {MEMBERS_PER_ACTIVE} members ask (default: %(default)s)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "careerbot.db"
        kb = REPO_ROOT / "knowledge"
        subprocess.run([sys.executable, "-m", "bot", "kb", "build"], env=_env(db, kb),
                       cwd=REPO_ROOT, check=True, capture_output=True, timeout=300)
        machine = f"{platform.machine()}, {platform.processor() or 'cpu'}, Python " \
                  f"{platform.python_version()}"
        print(json.dumps({"machine": machine}))
        for servers in args.servers or [1, 1000, 2500]:
            print(json.dumps(asyncio.run(_measure(servers, args.shards, db, kb, args.active))), flush=True)


if __name__ == "__main__":
    main()
