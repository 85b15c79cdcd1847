"""Start-up: `careerbot ask` imports what its answer needs and nothing more (issue 16, item 5).

Each check runs in a fresh interpreter, since the test process itself has imported
everything by now. No timing is asserted: what a command imports is what makes it slow,
and that is exact.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.core.render import money
from tests.conftest import role_file

REPO_ROOT = Path(__file__).resolve().parent.parent
KNOWLEDGE_DIR = REPO_ROOT / "knowledge"

#: Modules `careerbot ask '!compare mlops pm'` must not import: the Discord front end,
#: sqlite-utils (only the build writes with it) and the numpy it probes for, the plotting
#: library (only `--chart`), and the moderation write path (only `kb`, `config`, `--guild`).
NOT_FOR_ASK = ("discord", "aiohttp", "sqlite_utils", "numpy", "matplotlib",
               "bot.core.moderation", "bot.knowledge.edits", "bot.knowledge.planners",
               "bot.discord_app", "bot.core.chat.engine")


def _run(script: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CAREERBOT_", "DISCORD_"))}
    env.update(CAREERBOT_DB=str(tmp_path / "data" / "careerbot.db"),
               CAREERBOT_KNOWLEDGE_DIR=str(KNOWLEDGE_DIR))
    return subprocess.run([sys.executable, "-c", script], env=env, cwd=REPO_ROOT,
                          capture_output=True, text=True, timeout=120)


@pytest.fixture()
def built(tmp_path: Path) -> Path:
    """A database already built, as for every `ask` but the first."""
    result = _run("from bot.cli import main; raise SystemExit(main(['kb', 'build']))", tmp_path)
    assert result.returncode == 0, result.stderr
    return tmp_path


def _imported_by(argv: list[str], tmp_path: Path) -> tuple[str, list[str]]:
    """The reply `careerbot ARGV` prints and which of ``NOT_FOR_ASK`` it imported."""
    script = (
        "import contextlib, io, json, sys\n"
        "from bot.cli import main\n"
        "out = io.StringIO()\n"
        "with contextlib.redirect_stdout(out):\n"
        f"    code = main({argv!r})\n"
        "assert code == 0, code\n"
        f"loaded = [m for m in {NOT_FOR_ASK!r} if m in sys.modules]\n"
        "print(json.dumps([out.getvalue(), loaded]))\n"
    )
    result = _run(script, tmp_path)
    assert result.returncode == 0, result.stderr
    reply, loaded = json.loads(result.stdout.strip().splitlines()[-1])
    return reply, loaded


def test_ask_a_command_imports_neither_discord_nor_sqlite_utils_nor_moderation(
        built: Path) -> None:
    reply, loaded = _imported_by(["ask", "!compare mlops pm"], built)
    assert "MLOps Engineer" in reply and "AI Product Manager" in reply
    assert loaded == []


def test_ask_a_question_loads_the_chat_pipeline_but_not_sqlite_utils(built: Path) -> None:
    """A free-form question makes the chat engine on demand; its FAQ index is FTS5 through
    the standard library's sqlite3, so sqlite-utils and numpy stay out."""
    reply, loaded = _imported_by(["ask", "how much do mlops engineers make?"], built)
    median = role_file("mlops-engineer")["stats"][0]["salary"]["median"]
    assert "MLOps Engineer" in reply and money(median) in reply
    assert loaded == ["bot.core.chat.engine"]  # the chat pipeline, made for the question


def test_a_servers_prefix_still_applies_with_the_moderation_core_loaded_on_demand(
        built: Path) -> None:
    """`--guild` reads the server's settings through the moderation core, made on first use."""
    reply, _ = _imported_by(["ask", "--guild", "42", "!compare mlops pm"], built)
    assert "MLOps Engineer" in reply


def test_version_is_read_when_asked(tmp_path: Path) -> None:
    from bot.core.about import package_version

    result = subprocess.run([sys.executable, "-m", "bot", "--version"], cwd=REPO_ROOT,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"careerbot {package_version()}\n"


@pytest.mark.parametrize("value", ["abc", "-1", "nan", "inf", "61"])
def test_a_bad_ready_wait_is_one_line_naming_the_variable(tmp_path: Path, value: str) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CAREERBOT_", "DISCORD_"))}
    env.update(CAREERBOT_DB=str(tmp_path / "careerbot.db"), CAREERBOT_GUILD_READY_TIMEOUT=value)
    result = subprocess.run([sys.executable, "-m", "bot", "ask", "!roles"], env=env,
                            cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert result.stderr == (f"careerbot: invalid setting CAREERBOT_GUILD_READY_TIMEOUT is "
                             f"{value!r}: expected a number of seconds from 0 to 60, such as 0.5\n")
    assert not (tmp_path / "careerbot.db").exists()
