"""``about`` is a command of the core: help lists it and every front end answers it."""

from __future__ import annotations

from pathlib import Path

from bot.core.about import package_version
from bot.core.advisor import Advisor, Request
from bot.core.commands import COMMANDS, REGISTRY, find_command
from bot.core.reply import render_text
from tests.test_cli import careerbot_command, run


def test_help_lists_about(advisor: Advisor) -> None:
    text = render_text(advisor.handle(Request(text="!help")))
    assert "`!about`" in text
    assert "`?about`" in render_text(advisor.handle(Request(text="?help", prefix="?")))
    help_about = render_text(advisor.handle(Request(text="!help about")))
    assert "Help: !about" in help_about


def test_about_is_answered_by_the_core(advisor: Advisor) -> None:
    reply = advisor.handle(Request(text="!about"))
    assert reply.kind != "error" and reply.title == "About careerbot"
    fields = {f.name: f.value for f in reply.fields}
    assert fields["Version"] == package_version()
    assert fields["Roles"] == str(len(advisor.knowledge().roles))
    # The core has no gateway and does not know whether the asker moderates the server.
    assert "Uptime" not in fields and "Gateway latency" not in fields
    assert all("settings" not in s.heading for s in reply.sections)


def test_about_is_registered_apart_from_the_discord_advice_commands() -> None:
    assert find_command("about") is REGISTRY[-1]
    assert "about" not in {spec.name for spec in COMMANDS}  # Discord's About cog answers it
    names = [n for spec in REGISTRY for n in (spec.name, *spec.aliases)]
    assert len(names) == len(set(names))


def test_careerbot_ask_about_in_the_terminal(tmp_path: Path) -> None:
    result = run([*careerbot_command(), "ask", "!about"], tmp_path)
    assert result.returncode == 0, result.stderr
    assert "**About careerbot**" in result.stdout
    assert "unknown command" not in result.stdout.lower()
