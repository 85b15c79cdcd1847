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
    assert code == 1 and "remote_pct: 140 is not a percentage" in out
    code, out = run(capsys, "kb", "alias", "add", "pm", "mlops", "--guild", "42")
    assert code == 1 and "already used by MLOps Engineer" in out
    assert env.read_bytes() == before


HUGE = "9" * 20  # above SQLite's largest integer, 2**63 - 1
BAD_VALUES = {
    "kb set, 5,000 digits": (
        ["kb", "set", "mlops", "median", "1" + "0" * 5000, "--source", "SRC", "--date", "2026"],
        "salary.median: is written with 5,001 digits; figures are limited to 20 digits"),
    "kb set, above the salary limit": (
        ["kb", "set", "mlops", "median", HUGE, "--source", "SRC", "--date", "2026"],
        f"salary.median: {HUGE} is above the limit for a salary, 10,000,000 a year"),
    "kb set, impossible day": (
        ["kb", "set", "mlops", "median", "150k", "--source", "SRC", "--date", "2025-02-30"],
        "as_of: '2025-02-30' is not a date that exists"),
    "kb set, month 13": (
        ["kb", "set", "mlops", "median", "150k", "--source", "SRC", "--date", "2025-13"],
        "as_of: '2025-13' is not a date that exists"),
    "kb set, long name": (["kb", "set", "mlops", "name", "N" * 5000],
                          "name: is 5,000 characters; the limit is 80"),
    "kb history --before": (["kb", "history", "--before", HUGE],
                            f"before: {HUGE} is not a history entry number: entry numbers are "
                            "whole numbers from 1 to 9,223,372,036,854,775,807"),
    "kb history --limit": (["kb", "history", "--limit", HUGE],
                           f"limit: {HUGE} is not a number of entries from 1 to 1,000"),
    "kb undo": (["kb", "undo", HUGE], f"entry: '{HUGE}' is not a history entry number"),
    "kb undo, a superscript digit": (["kb", "undo", "²"], "entry: '²' is not a history entry"),
    "kb faq edit": (["kb", "faq", "edit", HUGE, "--answer", "x"],
                    f"id: '{HUGE}' is not an FAQ entry number"),
    "kb faq remove": (["kb", "faq", "remove", HUGE], f"id: '{HUGE}' is not an FAQ entry number"),
    "kb role add, long name": (["kb", "role", "add", "long-role", "--name", "L" * 5000],
                               "name: is 5,000 characters; the limit is 80"),
    "kb role add, long focus": (["kb", "role", "add", "long-role", "--name", "Long Role",
                                 "--focus", "f" * 5000],
                                "focus: is 5,000 characters; the limit is 300"),
}


@pytest.mark.parametrize("case", BAD_VALUES, ids=str)
@pytest.mark.parametrize("guild", [[], ["--guild", "42"]], ids=["global", "server"])
def test_bad_values_are_one_clear_refusal_and_change_nothing(
        env: Path, capsys: pytest.CaptureFixture[str], case: str, guild: list[str]) -> None:
    set_42(capsys)
    before = env.read_bytes()
    argv, expected = BAD_VALUES[case]
    code, out = run(capsys, *[source_id() if a == "SRC" else a for a in argv], *guild)
    assert code == 1, out
    assert expected in out.replace("\\", ""), out
    assert "Traceback" not in out
    assert env.read_bytes() == before


def test_an_import_too_deep_or_too_big_is_refused_in_one_reply(
        env: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    set_42(capsys)
    before = env.read_bytes()
    deep = tmp_path / "deep.json"
    deep.write_text('{"faq": ' + "[" * 100_000 + "]" * 100_000 + "}")
    code, out = run(capsys, "kb", "import", str(deep), "--guild", "42", "--yes")
    assert code == 1 and "line 1: lists and mappings are nested more than 20 levels deep; " \
        "the limit is 20" in out
    big = tmp_path / "big.yaml"
    big.write_text("faq: []\n" + "#" * 6_000_000 + "\n")
    code, out = run(capsys, "kb", "import", str(big), "--guild", "42", "--yes")
    assert code == 1 and "the file is 6 MB; imports are limited to 5 MB" in out
    role = tmp_path / "role.yaml"
    role.write_text(f"slug: long-role\nname: {'L' * 5000}\n")
    code, out = run(capsys, "kb", "role", "add", "--file", str(role), "--guild", "42")
    assert code == 1 and "line 2: name: is 5,000 characters; the limit is 80" in out
    assert env.read_bytes() == before


def test_an_argument_that_is_not_utf8_is_one_line(env: Path,  # type: ignore[no-untyped-def]
                                                  capsys) -> None:
    set_42(capsys)
    before = env.read_bytes()
    # Python hands bytes that are not UTF-8 over as lone surrogates (surrogateescape).
    code, out = run(capsys, "kb", "alias", "add", "mlops", "bad\udcffname", "--guild", "42")
    assert (code, out) == (2, "careerbot: the ALIAS argument is not valid UTF-8 text\n")
    assert env.read_bytes() == before


def test_an_unexpected_failure_is_one_line_not_a_traceback(
        env: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(*args: object, **kwargs: object) -> None:
        raise RuntimeError("boom\nsecond line")

    monkeypatch.setattr("bot.core.moderation.Moderation.history", boom)
    code, out = run(capsys, "kb", "history")
    assert code == 1
    assert out.startswith("careerbot: that failed unexpectedly (RuntimeError: boom)")
    assert out.count("\n") == 1 and "Traceback" not in out


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


# -- --guild in the same places for every command; a server's own prefix in the terminal --


def test_guild_is_accepted_before_and_after_every_subcommand(env: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    assert run(capsys, "config", "--guild", "42", "prefix", "?")[0] == 0
    for argv in (["--guild", "42", "config", "show"], ["config", "show", "--guild", "42"],
                 ["config", "--guild", "42", "show"]):
        code, out = run(capsys, *argv)
        assert code == 0 and "Command prefix: `?`" in out, argv
    set_42(capsys)
    for argv in (["kb", "show", "mlops", "--guild", "42"], ["--guild", "42", "kb", "show", "mlops"],
                 ["kb", "--guild", "42", "show", "mlops"]):
        code, out = run(capsys, *argv)
        assert code == 0 and f"median: {new_median()}" in out, argv
    for argv in (["ask", "--guild", "42", "?salary mlops"], ["--guild", "42", "ask", "?salary mlops"],
                 ["ask", "?salary mlops", "--guild", "42"]):
        code, out = run(capsys, *argv)
        assert code == 0 and f"Median: {money(new_median())}" in out, argv
    for argv in (["about", "--guild", "42"], ["--guild", "42", "about"]):
        code, out = run(capsys, *argv)
        assert code == 0 and "Command prefix: `?`" in out, argv
    # A --guild given both before and after: the one nearest the subcommand's own words wins.
    code, out = run(capsys, "--guild", "43", "kb", "show", "mlops", "--guild", "42")
    assert f"median: {new_median()}" in out


def test_config_without_a_guild_and_guild_where_it_means_nothing_are_one_line(
        env: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    code, out = run(capsys, "config", "show")
    assert code == 2 and out == ("careerbot: config needs --guild ID: the server whose settings "
                                 "to show or change\n")
    code, out = run(capsys, "--guild", "42", "kb", "build")
    assert code == 2 and "--guild does not apply to `kb build`" in out


def test_ask_and_chat_use_the_servers_own_prefix(env: Path, capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    assert run(capsys, "config", "--guild", "42", "prefix", "?")[0] == 0
    code, out = run(capsys, "ask", "--guild", "42", "?compare mlops pm")
    assert code == 0 and "**MLOps Engineer vs AI Product Manager**" in out, out
    code, out = run(capsys, "ask", "?compare mlops pm")  # no server: the default prefix
    assert "**MLOps Engineer vs AI Product Manager**" not in out
    monkeypatch.setattr("sys.stdin", io.StringIO("?compare mlops pm\n"))
    code, out = run(capsys, "chat", "--guild", "42")
    assert code == 0 and "**MLOps Engineer vs AI Product Manager**" in out, out


def test_jsonl_uses_each_lines_servers_prefix(env: Path, capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    assert run(capsys, "config", "--guild", "123", "prefix", "?")[0] == 0
    lines = [{"guild": "123", "text": "?compare mlops pm"}, {"guild": 123, "text": "?compare mlops pm"},
             {"text": "?compare mlops pm"}, {"guild": "124", "text": "!compare mlops pm"},
             {"guild": "123", "text": "!compare mlops pm"}]
    monkeypatch.setattr("sys.stdin", io.StringIO("".join(json.dumps(x) + "\n" for x in lines)))
    code, out = run(capsys, "chat", "--jsonl")
    replies = [json.loads(line)["reply"] for line in out.splitlines()]
    title = "**MLOps Engineer vs AI Product Manager**"
    assert code == 0 and len(replies) == 5
    assert [title in r for r in replies] == [True, True, False, True, False]
    # With --guild 123 a line without its own "guild" is that server's, prefix and all.
    monkeypatch.setattr("sys.stdin", io.StringIO(json.dumps({"text": "?compare mlops pm"}) + "\n"))
    code, out = run(capsys, "chat", "--jsonl", "--guild", "123")
    assert title in json.loads(out)["reply"]


def test_export_to_a_file_names_that_file(env: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    set_42(capsys)
    target = env.parent.parent / "exports" / "my-edits.json"
    target.parent.mkdir()
    code, out = run(capsys, "kb", "export", "--guild", "42", "-o", str(target))
    assert code == 0 and f"**Export: {target}**" in out, out
    assert "careerbot-server-42" not in out
    data = json.loads(target.read_text())  # .json: JSON without --format
    assert data["roles"][0]["stats"][0]["salary"]["median"] == new_median()
    code, out = run(capsys, "kb", "export", "--guild", "42", "-o", "plain.txt")
    assert code == 0 and "**Export: plain.txt**" in out
    assert yaml.safe_load((env.parent.parent / "plain.txt").read_text())["guild"] == "42"


def test_export_to_a_file_that_cannot_be_written_is_one_line(env: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    target = env.parent.parent / "missing-folder" / "x.yaml"
    code, out = run(capsys, "kb", "export", "-o", str(target))
    assert code == 2 and out == f"careerbot: cannot write {target}: No such file or directory\n"
