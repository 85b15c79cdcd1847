"""The terminal front end, as scripts and people use it."""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from bot.core.advisor import Advisor, Request
from bot.core.markup import clean
from bot.core.render import unescape_for_terminal
from bot.core.reply import render_text, split_message
from bot.terminal import MAX_LINE_CHARS, MESSAGE_BREAK, ask, chat, chat_jsonl, reply_text
from tests.conftest import KNOWLEDGE_DIR, REPO_ROOT, role_file


def run_jsonl(advisor: Advisor, lines: list[str]) -> list[dict]:
    out = io.StringIO()
    chat_jsonl(advisor, "!", inp=[line + "\n" for line in lines], out=out)
    return [json.loads(line) for line in out.getvalue().splitlines()]


def test_jsonl_one_reply_per_line_in_order(advisor: Advisor) -> None:
    lines = [
        json.dumps({"user": "u1", "channel": "c1", "text": "!salary mlops"}),
        json.dumps({"user": "u2", "channel": "c1", "text": "!salary pm", "guild": "42"}),
        json.dumps({"user": "u3", "channel": "c2", "text": "!roles"}),
    ]
    replies = run_jsonl(advisor, lines)
    assert len(replies) == 3
    assert all(set(r) == {"reply"} for r in replies)
    assert "Salary: MLOps Engineer" in replies[0]["reply"]
    assert "Salary: AI Product Manager" in replies[1]["reply"]
    assert "Roles I know" in replies[2]["reply"]


def test_jsonl_bad_lines_get_replies(advisor: Advisor) -> None:
    lines = [
        "",
        "not json",
        "[1, 2]",
        json.dumps({"user": "u"}),
        json.dumps({"text": 5}),
        json.dumps({"text": "!roles", "user": {"nested": True}}),
        json.dumps({"text": "x" * (MAX_LINE_CHARS + 10)}),
        json.dumps({"text": "!compare mlops pm"}),
    ]
    replies = run_jsonl(advisor, lines)
    assert len(replies) == len(lines)
    assert "The line was empty" in replies[0]["reply"]
    assert "not valid JSON" in replies[1]["reply"]
    assert "must be a JSON object" in replies[2]["reply"]
    assert '"text" field' in replies[3]["reply"]
    assert '"text" field' in replies[4]["reply"]
    assert "must be strings or numbers" in replies[5]["reply"]
    assert "longer than" in replies[6]["reply"]
    assert "MLOps Engineer vs AI Product Manager" in replies[7]["reply"]


GOOD = json.dumps({"text": "!salary mlops"})
#: Lines that once ended the process or could, each with what its reply must say.
PATHOLOGICAL = {
    "[" * 30_000 + "]" * 30_000: "nests lists or objects more than 20 levels deep",
    '{"a": ' * 8_000 + "1" + "}" * 8_000: "more than 20 levels deep",
    '{"text": "[[[[", "x": ' + "[" * 25 + "]" * 25 + "}": "more than 20 levels deep",
    '{"text": "hi", "user": ' + "9" * 5000 + "}": "a number longer than 20 digits",
    '{"text": "!role \\ud800"}': "not valid Unicode",
    '{"text": "!salary mlops", "user": "\\udfff"}': "not valid Unicode",
    '{"text": "!compare mlops pm", "guild": true}': "must be strings or numbers",
    '{"text": "hi", "user": 1e999}': "must be strings or numbers",
    "[[1], {}]": "must be a JSON object",
    '"just a string"': "must be a JSON object",
    "nul\x00": "not valid JSON",
}


def test_jsonl_survives_any_line_and_answers_the_next(advisor: Advisor) -> None:
    lines = [line for bad in PATHOLOGICAL for line in (bad, GOOD)]
    replies = [r["reply"] for r in run_jsonl(advisor, lines)]
    assert len(replies) == len(lines)
    for (bad, expected), reply, after in zip(PATHOLOGICAL.items(), replies[::2], replies[1::2],
                                             strict=True):
        assert "I couldn't read that line" in reply and expected in reply, (bad[:40], reply)
        assert "Salary: MLOps Engineer" in after


def test_jsonl_from_a_byte_stream_survives_bad_bytes_and_huge_lines(advisor: Advisor) -> None:
    raw = b"\n".join([
        b'{"text": "\xff\xfe !salary mlops"}',  # not UTF-8
        b'{"text": "' + b"a" * 10_000_000 + b'"}',  # a 10 MB line
        b"[" * 60_000,  # within the length limit, never closed
        GOOD.encode(),
    ]) + b"\n"
    out = io.StringIO()
    chat_jsonl(advisor, "!", inp=io.TextIOWrapper(io.BytesIO(raw), encoding="utf-8"), out=out)
    replies = [json.loads(line)["reply"] for line in out.getvalue().splitlines()]
    assert len(replies) == 4
    assert "not valid Unicode" in replies[0]
    assert f"longer than {MAX_LINE_CHARS:,} characters" in replies[1]
    assert "more than 20 levels deep" in replies[2]
    assert "Salary: MLOps Engineer" in replies[3]


def test_jsonl_replies_reach_an_output_that_cannot_encode_them(advisor: Advisor) -> None:
    buffer = io.BytesIO()
    out = io.TextIOWrapper(buffer, encoding="ascii")
    chat_jsonl(advisor, "!", inp=[GOOD + "\n", "[\n"], out=out)
    replies = [json.loads(line)["reply"] for line in buffer.getvalue().decode().splitlines()]
    assert len(replies) == 2 and "Salary: MLOps Engineer" in replies[0]


def test_jsonl_pathological_lines_through_the_real_command(tmp_path: Path) -> None:
    env = {**os.environ, "CAREERBOT_DB": str(tmp_path / "kb.db"),
           "CAREERBOT_KNOWLEDGE_DIR": str(KNOWLEDGE_DIR), "CAREERBOT_LOG_LEVEL": "WARNING",
           "PYTHONPATH": os.pathsep.join([str(REPO_ROOT), os.environ.get("PYTHONPATH", "")])}
    stdin = b"\n".join([b"[" * 30_000 + b"]" * 30_000, b'{"text": "!role \\ud800"}',
                        b'{"text": "\xff"}', b"[" * 5_000_000, GOOD.encode()]) + b"\n"
    result = subprocess.run([sys.executable, "-m", "bot", "chat", "--jsonl"], input=stdin,
                            env=env, capture_output=True, timeout=120, cwd=tmp_path)
    assert result.returncode == 0, result.stderr.decode(errors="replace")[-2000:]
    replies = [json.loads(line)["reply"] for line in result.stdout.decode().splitlines()]
    assert len(replies) == 5
    assert "more than 20 levels deep" in replies[0]
    assert "not valid Unicode" in replies[1] and "not valid Unicode" in replies[2]
    assert "longer than" in replies[3]
    assert "Salary: MLOps Engineer" in replies[4]
    assert b"Traceback" not in result.stderr


def test_jsonl_through_the_real_command(tmp_path: Path) -> None:
    env = {**os.environ, "CAREERBOT_DB": str(tmp_path / "kb.db"),
           "CAREERBOT_KNOWLEDGE_DIR": str(KNOWLEDGE_DIR), "CAREERBOT_LOG_LEVEL": "WARNING"}
    stdin = "\n".join([json.dumps({"user": "a", "channel": "b", "text": "!compare mlops pm"}),
                       "{broken", json.dumps({"user": "a", "channel": "b", "text": "!week pm"})])
    result = subprocess.run([sys.executable, "-m", "bot", "chat", "--jsonl"], input=stdin + "\n",
                            env=env, capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    replies = [json.loads(line)["reply"] for line in result.stdout.splitlines()]
    assert len(replies) == 3
    positions = role_file("ai-product-manager")["stats"][0]["open_positions"]
    assert str(positions) in replies[0]
    assert "not valid JSON" in replies[1]
    assert "A week as an AI Product Manager" in replies[2]


def test_ask_command_prints_the_reply(tmp_path: Path) -> None:
    env = {**os.environ, "CAREERBOT_DB": str(tmp_path / "kb.db"),
           "CAREERBOT_KNOWLEDGE_DIR": str(KNOWLEDGE_DIR), "CAREERBOT_LOG_LEVEL": "WARNING"}
    result = subprocess.run([sys.executable, "-m", "bot", "ask", "!compare mlops pm"], env=env,
                            capture_output=True, text=True, timeout=60, cwd=REPO_ROOT)
    assert result.returncode == 0, result.stderr
    assert "MLOps Engineer vs AI Product Manager" in result.stdout
    assert (tmp_path / "kb.db").exists()  # built on first use, no set-up step


def test_broken_knowledge_and_no_database_is_one_clear_line(tmp_path: Path, kb_dir: Path) -> None:
    (kb_dir / "sources.yaml").write_text("sources: [unclosed")
    env = {**os.environ, "CAREERBOT_DB": str(tmp_path / "kb.db"),
           "CAREERBOT_KNOWLEDGE_DIR": str(kb_dir)}
    result = subprocess.run([sys.executable, "-m", "bot", "ask", "!roles"], env=env,
                            capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert result.returncode == 2
    assert "knowledge files have errors" in result.stderr
    assert "Traceback" not in result.stderr


def test_interactive_chat_loop(advisor: Advisor) -> None:
    out = io.StringIO()
    chat(advisor, "!", inp=io.StringIO("!roles\n\n!week mlops\nquit\n!roles\n"), out=out)
    text = out.getvalue()
    assert text.count("Roles I know") == 1
    assert "A week as an MLOps Engineer" in text


def test_internal_failure_is_a_friendly_reply(advisor: Advisor, monkeypatch) -> None:
    def boom(*args: object) -> None:
        raise RuntimeError("secret internals")

    monkeypatch.setattr(advisor, "handle", lambda request: boom())
    replies = run_jsonl(advisor, [json.dumps({"text": "!week mlops"})])
    assert "Something went wrong on my side" in replies[0]["reply"]
    assert "secret internals" not in replies[0]["reply"]
    assert "Traceback" not in replies[0]["reply"]


# -- the terminal prints text without the escapes meant for Discord -----------------------

FIGURE = re.compile(r"\$\d[\d,.]*[KM]?|\d[\d,.]*%|\b\d[\d,]*\b")


@pytest.mark.parametrize("value", ["roles[0]", "O*NET 29.3", "a_b and c_d", "x\\y", "- not a list",
                                   "1. not a list", "# not a heading", "> quote", "`tick`", "|pipe|"])
def test_unescaping_gives_back_the_value(value: str) -> None:
    assert unescape_for_terminal(clean(value)) == value


def test_code_is_left_as_discord_shows_it() -> None:
    text = "`!compare mlops\\_pm` and ```\nroles\\[0\\]\n``` but roles\\[0\\]"
    assert unescape_for_terminal(text) == "`!compare mlops\\_pm` and ```\nroles\\[0\\]\n``` but roles[0]"


def test_terminal_output_has_no_discord_escapes(advisor: Advisor) -> None:
    out = io.StringIO()
    ask(advisor, "!about", "!", out=out)
    assert "O*NET 29.3" in out.getvalue() and "O\\*NET" not in out.getvalue()


@pytest.mark.parametrize("command", ["!compare mlops pm", "!salary mlops pm", "!role pm",
                                     "!skills mlops", "!path mlops", "!roles", "!about",
                                     "what do mlops engineers earn?"])
def test_terminal_and_discord_text_show_the_same_figures_and_messages(
        advisor: Advisor, command: str) -> None:
    reply = advisor.handle(Request(text=command))
    discord_messages = split_message(render_text(reply))
    terminal_messages = reply_text(reply).split(MESSAGE_BREAK)
    assert len(terminal_messages) == len(discord_messages)
    for shown, discord_text in zip(terminal_messages, discord_messages, strict=True):
        assert FIGURE.findall(shown) == FIGURE.findall(discord_text)
        assert shown.replace("\\", "") == discord_text.replace("\\", "")  # only escapes go


def test_kb_import_error_names_the_field_without_escapes(tmp_path: Path) -> None:
    document = tmp_path / "bad.yaml"
    document.write_text("roles:\n  - slug: mlops\n    stats: nonsense\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CAREERBOT_", "DISCORD_"))}
    env.update(CAREERBOT_DB=str(tmp_path / "kb.db"), CAREERBOT_KNOWLEDGE_DIR=str(KNOWLEDGE_DIR),
               CAREERBOT_LOG_LEVEL="WARNING")
    result = subprocess.run([sys.executable, "-m", "bot", "kb", "import", str(document), "--yes"],
                            env=env, capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "roles[0]" in result.stdout and "\\[" not in result.stdout, result.stdout


# -- interactive chat from a pipe: bytes that are not UTF-8 -------------------------------


def test_chat_from_a_pipe_answers_bytes_that_are_not_utf8_and_goes_on(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CAREERBOT_", "DISCORD_"))}
    env.update(CAREERBOT_DB=str(tmp_path / "kb.db"), CAREERBOT_KNOWLEDGE_DIR=str(KNOWLEDGE_DIR),
               CAREERBOT_LOG_LEVEL="WARNING")
    result = subprocess.run([sys.executable, "-m", "bot", "chat"], env=env, cwd=tmp_path,
                            input=b"!roles\n\xff\xfe caf\xe9\n!week pm\n", capture_output=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr
    out = result.stdout.decode()
    assert "Traceback" not in result.stderr.decode()
    assert out.index("Roles I know") < out.index("I couldn't read that line") < \
        out.index("A week as an AI Product Manager")


def test_chat_without_readline_still_works(advisor: Advisor, monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "readline", None)  # import readline: ImportError
    from bot.terminal import line_editing

    assert line_editing() is False
    out = io.StringIO()
    chat(advisor, "!", inp=io.StringIO("!week mlops\n"), out=out)
    assert "A week as an MLOps Engineer" in out.getvalue()
