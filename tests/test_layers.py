"""The package's layering: front ends -> wiring -> core -> knowledge -> neutral text.

The contract itself is import-linter's, declared in ``pyproject.toml`` and run by CI;
these tests show it holds on the tree, that it does fail on a wrong-way import (so the
check can fail), and that no module dodges it with an import hidden inside a function.
"""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
LINT = Path(sys.executable).with_name("lint-imports")

#: Modules that import parts of ``bot`` inside functions on purpose, and why. Anything
#: else doing so is either a cycle being dodged or a layer being crossed unseen.
LAZY_ON_PURPOSE = {
    "bot/cli.py": "start-up: `careerbot ask` imports only what its subcommand needs",
    "bot/moderation_cli.py": "start-up: kb/config commands load the write path on use",
    "bot/app.py": "start-up: moderation and chat are made when first asked for",
    "bot/discord_app/runner.py": "start-up: discord.py is imported only to run the bot",
    "bot/terminal.py": "matplotlib is imported only when a chart is asked for",
    "bot/settings.py": "start-up: pydantic only when the plain reader cannot read the settings",
    "bot/core/chat/eval.py": "a script: the question-set runner builds a whole advisor",
}


def _lint(cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(LINT), "--no-cache"], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=120, check=False)


pytestmark = pytest.mark.skipif(not LINT.exists(), reason="import-linter is not installed")


def test_the_layering_contract_holds() -> None:
    result = _lint(REPO)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


@pytest.mark.parametrize(("module", "wrong"), [
    ("bot/knowledge/edits.py", "from bot.core.render import render"),
    ("bot/text/names.py", "from bot.knowledge.models import Role"),
    ("bot/core/verdict.py", "import discord"),
])
def test_a_wrong_way_import_breaks_the_contract(tmp_path: Path, module: str, wrong: str) -> None:
    shutil.copytree(REPO / "bot", tmp_path / "bot", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(REPO / "pyproject.toml", tmp_path / "pyproject.toml")
    target = tmp_path / module
    source = target.read_text(encoding="utf-8")
    head, sep, rest = source.partition("from __future__ import annotations\n")
    target.write_text(head + sep + wrong + "  # deliberately wrong\n" + rest, encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(tmp_path)}
    result = _lint(tmp_path, env)
    assert result.returncode != 0
    assert "BROKEN" in result.stdout
    assert module.removesuffix(".py").replace("/", ".") in result.stdout


def _function_level_bot_imports(path: Path) -> list[int]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    lines = []
    for func in ast.walk(tree):
        if not isinstance(func, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        for node in ast.walk(func):
            if (isinstance(node, ast.ImportFrom) and (node.module or "").startswith("bot")) \
                    or (isinstance(node, ast.Import) and any(a.name.startswith("bot") for a in node.names)):
                lines.append(node.lineno)
    return lines


def test_no_import_inside_a_function_dodges_a_cycle() -> None:
    hidden = {}
    for path in sorted((REPO / "bot").rglob("*.py")):
        rel = path.relative_to(REPO).as_posix()
        if rel in LAZY_ON_PURPOSE:
            continue
        found = _function_level_bot_imports(path)
        if found:
            hidden[rel] = found
    assert hidden == {}, f"imports inside functions (move them to the top, or fix the cycle): {hidden}"
