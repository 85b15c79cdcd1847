"""``careerbot kb …`` and ``careerbot config …`` offline, the JSONL ``guild`` field, and the
audit log read and exported with the ``sqlite-utils`` command line."""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from bot.app import create_advisor
from bot.cli import main
from bot.core.render import money
from bot.settings import Settings
from bot.terminal import chat_jsonl
from tests.conftest import KNOWLEDGE_DIR, REPO_ROOT
from tests.moderation_support import mlops_stats, source_id


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Settings pointing at a private database and knowledge copy; returns the db path."""
    knowledge = tmp_path / "knowledge"
    shutil.copytree(KNOWLEDGE_DIR, knowledge)
    db = tmp_path / "data" / "careerbot.db"
    monkeypatch.setenv("CAREERBOT_DB", str(db))
    monkeypatch.setenv("CAREERBOT_KNOWLEDGE_DIR", str(knowledge))
    monkeypatch.setenv("CAREERBOT_LOG_LEVEL", "WARNING")
    monkeypatch.chdir(tmp_path)
    return db


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def new_median() -> int:
    return mlops_stats()["salary"]["median"] + 7000


def set_42(capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    return run(capsys, "kb", "set", "mlops", "median", str(new_median()), "--source", source_id(),
               "--date", "2026-03", "--guild", "42")


def test_set_history_and_undo_from_the_command_line(env: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    code, out = set_42(capsys)
    assert code == 0, out
    assert f"{money(mlops_stats()['salary']['median'])} → {money(new_median())}" in out
    code, out = run(capsys, "kb", "history", "--guild", "42")
    assert code == 0 and "Entry 1: Figures updated" in out and "(command line)" in out
    code, out = run(capsys, "kb", "undo", "1")  # the entry's server is found from the entry
    assert code == 0 and "Undid entry 1" in out
    code, out = run(capsys, "kb", "undo", "1")
    assert code == 1 and "already undone" in out


def test_invalid_input_exits_non_zero_and_writes_nothing(env: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    set_42(capsys)
    before = env.read_bytes()
    code, out = run(capsys, "kb", "set", "mlops", "remote", "140", "--source", source_id(),
                    "--date", "2026", "--guild", "42")
    assert code == 1 and "remote\\_pct: 140 is not a percentage" in out
    code, out = run(capsys, "kb", "alias", "add", "pm", "mlops", "--guild", "42")
    assert code == 1 and "already used by MLOps Engineer" in out
    assert env.read_bytes() == before


def test_import_asks_before_applying(env: Path, capsys, tmp_path: Path,  # type: ignore[no-untyped-def]
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    set_42(capsys)
    run(capsys, "kb", "alias", "add", "mlops", "modelops", "--guild", "42")
    exported = tmp_path / "server-42.yaml"
    code, out = run(capsys, "kb", "export", "--guild", "42", "-o", str(exported))
    assert code == 0 and exported.exists()
    monkeypatch.setattr("builtins.input", lambda prompt: "n")
    code, out = run(capsys, "kb", "import", str(exported), "--guild", "43")
    assert code == 1 and "Import preview" in out and "Nothing was changed" in out
    code, out = run(capsys, "kb", "history", "--guild", "43")
    assert "No changes" in out
    monkeypatch.setattr("builtins.input", lambda prompt: "y")
    code, out = run(capsys, "kb", "import", str(exported), "--guild", "43")
    assert code == 0 and "Import applied" in out
    code, out = run(capsys, "kb", "import", str(exported), "--guild", "43", "--yes")
    assert code == 0 and "nothing to change" in out


def test_export_to_stdout_is_the_file_alone(env: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    set_42(capsys)
    code = main(["kb", "export", "--guild", "42", "--format", "json"])
    data = json.loads(capsys.readouterr().out)
    assert code == 0 and data["roles"][0]["stats"][0]["salary"]["median"] == new_median()
    code = main(["kb", "export", "--merged"])
    data = yaml.safe_load(capsys.readouterr().out)
    files = {p.stem for p in (env.parent.parent / "knowledge" / "roles").glob("*.yaml")}
    assert code == 0 and {r["slug"] for r in data["roles"]} == files


def test_rebuilding_keeps_overlays(env: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    set_42(capsys)
    code, out = run(capsys, "kb", "build")
    assert code == 0
    code, out = run(capsys, "kb", "show", "mlops", "--guild", "42")
    assert f"median: {new_median()}" in out
    code, out = run(capsys, "kb", "history", "--guild", "42")
    assert "Entry 1" in out


def test_config_from_the_command_line(env: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    assert run(capsys, "config", "--guild", "42", "modrole", "add", "555")[0] == 0
    assert run(capsys, "config", "--guild", "42", "prefix", "?")[0] == 0
    code, out = run(capsys, "config", "--guild", "42", "show")
    assert code == 0 and "555" in out and "`?`" in out


def test_jsonl_guild_field_selects_the_servers_overlay(env: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    set_42(capsys)
    run(capsys, "kb", "alias", "add", "mlops", "modelops", "--guild", "42")
    advisor = create_advisor(Settings())
    lines = [json.dumps({"user": "u", "channel": "c", "text": "!salary mlops", **extra}) + "\n"
             for extra in ({"guild": "42"}, {"guild": 42}, {"guild": "43"}, {})]
    lines.append(json.dumps({"text": "!role modelops", "guild": "42"}) + "\n")
    lines.append(json.dumps({"text": "!role modelops", "guild": "43"}) + "\n")
    out = io.StringIO()
    chat_jsonl(advisor, "!", inp=lines, out=out)
    replies = [json.loads(line)["reply"] for line in out.getvalue().splitlines()]
    edited, old = f"Median: {money(new_median())}", f"Median: {money(mlops_stats()['salary']['median'])}"
    assert edited in replies[0] and edited in replies[1]
    assert old in replies[2] and old in replies[3]
    assert "MLOps Engineer" in replies[4] and "I don't know that role" in replies[5]


def test_jsonl_guild_through_the_real_command(env: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    set_42(capsys)
    stdin = "\n".join(json.dumps({"text": "!salary mlops", "guild": g}) for g in ("42", "7")) + "\n"
    # This checkout's code, not whichever copy of the package is installed in the venv.
    environ = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO_ROOT),
                                                            os.environ.get("PYTHONPATH", "")])}
    result = subprocess.run([sys.executable, "-m", "bot", "chat", "--jsonl"], input=stdin,
                            env=environ, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    first, second = (json.loads(line)["reply"] for line in result.stdout.splitlines())
    assert money(new_median()) in first and money(new_median()) not in second


def _sqlite_utils() -> list[str]:
    script = Path(sys.executable).with_name("sqlite-utils")
    return [str(script)] if script.exists() else [sys.executable, "-m", "sqlite_utils"]


def test_the_audit_log_reads_and_exports_with_sqlite_utils(env: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    set_42(capsys)
    run(capsys, "kb", "alias", "add", "mlops", "modelops")
    as_csv = subprocess.run([*_sqlite_utils(), "rows", str(env), "audit_log", "--csv"],
                            capture_output=True, text=True, timeout=60, check=True).stdout
    rows = list(csv.DictReader(io.StringIO(as_csv)))
    assert [(r["guild_id"], r["action"], r["via"]) for r in rows] == \
        [("42", "figure.set", "cli"), ("*", "alias.add", "cli")]
    assert json.loads(rows[0]["after"])["salary.median"] == new_median()
    as_json = subprocess.run([*_sqlite_utils(), "query", str(env),
                              "select id, at, actor_name, action, target, before, after "
                              "from audit_log where guild_id = '42'", "--nl"],
                             capture_output=True, text=True, timeout=60, check=True).stdout
    (entry,) = [json.loads(line) for line in as_json.splitlines()]
    assert entry["target"] == "mlops-engineer" and entry["at"].endswith("Z")
    assert json.loads(entry["before"])["salary.median"] == mlops_stats()["salary"]["median"]
