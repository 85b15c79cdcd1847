"""The ``careerbot`` command itself: no arguments, ``--version``, ``about`` and ``health``.

``health`` is what the container's HEALTHCHECK runs, so it is run here as the container
runs it: the installed entry point in its own process, exit 0 for healthy and 1 for not.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
import time
from importlib import metadata
from pathlib import Path

import pytest

from bot.app import create_moderation, open_store
from bot.cli import main
from bot.health import HEARTBEAT_MAX_AGE_SECONDS, check, write_heartbeat
from bot.knowledge.build import build_database
from bot.knowledge.permissions import Actor
from bot.settings import Settings
from tests.conftest import KNOWLEDGE_DIR

VERSION = metadata.version("careerbot")


def careerbot_command() -> list[str]:
    """The console script pip installed beside this Python, else ``python -m bot``."""
    script = Path(sys.executable).with_name("careerbot")
    return [str(script)] if script.exists() else [sys.executable, "-m", "bot"]


def run(args: list[str], tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("CAREERBOT_", "DISCORD_"))}
    clean.update(CAREERBOT_DB=str(tmp_path / "data" / "careerbot.db"),
                 CAREERBOT_KNOWLEDGE_DIR=str(KNOWLEDGE_DIR), **env)
    return subprocess.run(args, env=clean, cwd=tmp_path, capture_output=True, text=True,
                          timeout=120)


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "data" / "careerbot.db"
    build_database(KNOWLEDGE_DIR, path)
    return path


# -- no arguments, --version ------------------------------------------------------------------


@pytest.mark.parametrize("command", [careerbot_command(), [sys.executable, "-m", "bot"]],
                         ids=["careerbot", "python -m bot"])
def test_no_arguments_prints_the_help_and_exits_2(tmp_path: Path, command: list[str]) -> None:
    result = run(command, tmp_path)
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("usage: careerbot")
    for sub in ("ask", "chat", "run", "about", "health", "kb", "config"):
        assert f"\n    {sub} " in result.stderr


def test_version_comes_from_the_package_metadata(tmp_path: Path) -> None:
    result = run([*careerbot_command(), "--version"], tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"careerbot {VERSION}"


# -- about ---------------------------------------------------------------------------------


def test_about_in_the_terminal(db: Path, tmp_path: Path) -> None:
    store = open_store(Settings(_env_file=None, db=db, knowledge_dir=KNOWLEDGE_DIR))
    knowledge = store.knowledge()
    store.close()
    result = run([*careerbot_command(), "about"], tmp_path)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert f"**Version:** {VERSION}" in out
    assert f"**Roles:** {len(knowledge.roles)}" in out
    for source in knowledge.sources.values():
        assert f"({source.kind}, {source.date})" in out
    # No gateway in the terminal, and no server: no latency, uptime or settings.
    assert "latency" not in out and "Uptime" not in out and "settings" not in out


def test_about_for_a_server_shows_its_settings(db: Path, tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str],
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    settings = Settings(_env_file=None, db=db, knowledge_dir=KNOWLEDGE_DIR)
    store = open_store(settings)
    manager = Actor(user_id="1", name="owner", guild_id="42", manage_guild=True, via="cli")
    moderation = create_moderation(settings, store)
    assert moderation.config_prefix(manager, "?").kind != "error"
    assert moderation.config_channel(manager, "add", "555").kind != "error"
    store.close()
    monkeypatch.setenv("CAREERBOT_DB", str(db))
    monkeypatch.setenv("CAREERBOT_KNOWLEDGE_DIR", str(KNOWLEDGE_DIR))
    monkeypatch.chdir(tmp_path)
    assert main(["about", "--guild", "42"]) == 0
    out = capsys.readouterr().out
    assert "This server's settings" in out
    assert "Command prefix: `?`" in out and "Q&A channels: 555" in out
    assert "`?help` lists the commands" in out
    assert main(["about", "--guild", "43"]) == 0  # another server: its own (default) settings
    assert "Command prefix: `!` (the default)" in capsys.readouterr().out


# -- health: what the container's HEALTHCHECK runs ------------------------------------------


def test_health_of_a_built_database_is_0(db: Path, tmp_path: Path) -> None:
    result = run([*careerbot_command(), "health"], tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("healthy: ") and "17 roles" in result.stdout


def test_health_never_builds_or_writes(tmp_path: Path) -> None:
    result = run([*careerbot_command(), "health"], tmp_path)
    assert result.returncode == 1
    assert "no knowledge base" in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "data").exists()


def test_health_of_a_corrupt_database_is_1(db: Path, tmp_path: Path) -> None:
    db.write_bytes(b"not a database" * 100)
    result = run([*careerbot_command(), "health"], tmp_path)
    assert result.returncode == 1
    assert "cannot read the knowledge base" in result.stderr
    assert "Traceback" not in result.stderr


def test_health_with_invalid_settings_is_1_not_dockers_reserved_2(tmp_path: Path) -> None:
    result = run([*careerbot_command(), "health"], tmp_path, CAREERBOT_DEV_GUILD_ID="abc")
    assert result.returncode == 1
    assert "invalid setting CAREERBOT_DEV_GUILD_ID is 'abc'" in result.stderr


def test_health_follows_the_heartbeat(db: Path, tmp_path: Path) -> None:
    heartbeat = tmp_path / "data" / "heartbeat"
    args = [*careerbot_command(), "health", "--heartbeat", str(heartbeat)]
    missing = run(args, tmp_path)
    assert missing.returncode == 1 and "no heartbeat" in missing.stderr

    write_heartbeat(heartbeat, latency_seconds=0.042, servers=3)
    fresh = run(args, tmp_path)
    assert fresh.returncode == 0, fresh.stderr
    assert "connected to Discord" in fresh.stdout and "latency 42 ms" in fresh.stdout
    assert json.loads(heartbeat.read_text())["servers"] == 3

    old = time.time() - HEARTBEAT_MAX_AGE_SECONDS - 60
    os.utime(heartbeat, (old, old))
    stale = run(args, tmp_path)
    assert stale.returncode == 1 and "hung or not connected" in stale.stderr
    assert run([*args, "--max-age", str(HEARTBEAT_MAX_AGE_SECONDS * 10)], tmp_path).returncode == 0


def test_health_check_reads_without_changing_the_file(db: Path) -> None:
    before = db.read_bytes()
    assert check(db).ok
    assert db.read_bytes() == before
    empty = db.with_name("empty.db")
    shutil.copy(db, empty)
    conn = sqlite3.connect(empty)
    conn.execute("delete from roles")
    conn.commit()
    conn.close()
    result = check(empty)
    assert not result.ok and "holds no roles" in result.lines[0]


# -- the container runs exactly these commands ------------------------------------------------
# No container engine runs where the tests run, so the image is not built here; instead the
# commands it runs are read from the Dockerfile and checked to be the ones tested above
# (tests/e2e/test_shutdown.py runs `run --heartbeat` and `health --heartbeat` for real).

REPO = Path(__file__).resolve().parent.parent


def dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) of the Dockerfile, continuation lines joined."""
    text = (REPO / "Dockerfile").read_text(encoding="utf-8")
    lines = [line for line in text.splitlines() if not line.lstrip().startswith("#")]
    joined = "\n".join(lines).replace("\\\n", " ")
    out = []
    for line in joined.splitlines():
        if line.strip():
            word, _, rest = line.strip().partition(" ")
            out.append((word.upper(), " ".join(rest.split())))
    return out


def test_the_container_runs_the_tested_entry_point_and_health_check() -> None:
    from bot.cli import _parser

    steps = dockerfile_instructions()
    final_stage = steps[max(i for i, (word, _) in enumerate(steps) if word == "FROM"):]
    values = dict(final_stage)
    run_argv = json.loads(values["CMD"])
    health_argv = json.loads(values["HEALTHCHECK"].split(" CMD ", 1)[1])
    [volume] = json.loads(values["VOLUME"])
    assert run_argv[:2] == ["careerbot", "run"] and health_argv[:2] == ["careerbot", "health"]
    run_args, health_args = _parser().parse_args(run_argv[1:]), _parser().parse_args(health_argv[1:])
    # The health check reads the heartbeat file the bot writes, on the data volume.
    assert run_args.heartbeat == health_args.heartbeat
    assert run_args.heartbeat.parent == Path(volume)
    assert f"CAREERBOT_DB={volume}/careerbot.db" in values["ENV"]
    assert values["USER"] not in ("root", "0")
    assert values["STOPSIGNAL"] == "SIGTERM"
    installs = [args for word, args in steps if word == "RUN" and "pip install" in args]
    assert any("--require-hashes -r requirements/lock.txt" in args for args in installs)


def test_compose_keeps_the_knowledge_on_the_volume_and_restarts() -> None:
    import yaml

    compose = yaml.safe_load((REPO / "compose.yaml").read_text(encoding="utf-8"))
    [service] = compose["services"].values()
    [volume] = json.loads(dict(dockerfile_instructions())["VOLUME"])
    assert any(v.endswith(f":{volume}") for v in service["volumes"])
    assert service["env_file"] == ".env"
    assert service["restart"] in ("unless-stopped", "always")
    assert service["logging"]["driver"] == "json-file"
    assert {"max-size", "max-file"} <= set(service["logging"]["options"])
    assert ".env" in (REPO / ".dockerignore").read_text(encoding="utf-8").split()
