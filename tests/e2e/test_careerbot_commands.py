"""careerbot's Discord front end, end to end: the real discord.py client against a fake Discord."""

from __future__ import annotations

import asyncio
import logging
import os
import subprocess
import sys

import pytest

from bot.core.advisor import Advisor, Request
from bot.core.commands import COMMANDS
from bot.core.render import money, pct
from bot.core.reply import Reply, Section, render_text
from bot.discord_app.client import COOLDOWN_RATE, CareerBot
from tests.conftest import REPO_ROOT, role_file
from tests.e2e.careerbot_fixtures import (
    MESSAGES,
    embed_text,
    figures,
    start_careerbot,
)
from tests.e2e.conftest import RunBot
from tests.fake_discord import FakeDiscord

SEED = ("mlops-engineer", "ai-product-manager")


def seed_figures() -> list[str]:
    """Figures the compare answer must show, read from the knowledge files."""
    out = []
    for slug in SEED:
        s = role_file(slug)["stats"][0]
        sal = s["salary"]
        out += [str(s["open_positions"]), f"{money(sal['avg_low'])}–{money(sal['avg_high'])}",
                money(sal["median"]), money(sal["p75"]), pct(s["remote_pct"])]
    return out


async def test_prefix_compare_is_one_embed_reply(fake_discord: FakeDiscord,
                                                 careerbot: CareerBot) -> None:
    sent = await fake_discord.send_message(author=fake_discord.alice, content="!compare mlops pm")
    [req] = await fake_discord.wait_for_requests("POST", MESSAGES)
    assert int(req.json["message_reference"]["message_id"]) == int(sent["id"])
    assert len(req.json["embeds"]) == 1
    text = embed_text(req.json)
    assert "MLOps Engineer vs AI Product Manager" in text
    for figure in seed_figures():
        assert figure in text
    assert "AI Market Pulse" in req.json["embeds"][0]["footer"]["text"]
    after = fake_discord.mark()
    await fake_discord.expect_no_requests("POST", MESSAGES, within=0.1, since=after)


async def test_slash_compare_answers_the_interaction(fake_discord: FakeDiscord,
                                                     careerbot: CareerBot) -> None:
    inter = await fake_discord.send_slash_command(
        "compare", {"role_a": "mlops", "role_b": "pm"}, user=fake_discord.alice)
    callback = await fake_discord.wait_for_interaction_response(inter)
    assert callback["type"] == 4
    text = embed_text(callback["data"])
    for figure in seed_figures():
        assert figure in text
    assert not (callback["data"].get("flags", 0) & 64)  # answers are public


async def test_role_autocomplete(fake_discord: FakeDiscord, careerbot: CareerBot,
                                 advisor: Advisor) -> None:
    choices = await fake_discord.send_autocomplete(
        "compare", {"role_a": "mlo"}, focused="role_a", user=fake_discord.alice)
    assert choices[0] == {"name": "MLOps Engineer", "value": "mlops-engineer"}
    everything = await fake_discord.send_autocomplete(
        "role", {}, focused="role", user=fake_discord.alice)
    assert 0 < len(everything) <= 25
    assert {c["value"] for c in everything} == set(advisor.knowledge().roles) or \
        len(everything) == 25


async def test_dev_guild_sync_payload(fake_discord: FakeDiscord, careerbot: CareerBot) -> None:
    synced = fake_discord.synced_commands(guild_id=fake_discord.guild.id)
    by_name = {c["name"]: c for c in synced}
    for spec in COMMANDS:
        command = by_name[spec.name]
        assert command["description"] == spec.summary
        options = {o["name"]: o for o in command.get("options", [])}
        for param in spec.params:
            assert options[param.name]["description"] == param.description
            assert options[param.name].get("required", False) == param.required
            # Role options autocomplete; a free-text question (ask) does not.
            assert options[param.name].get("autocomplete") is (None if spec.free_text else True)
    assert fake_discord.synced_commands(guild_id=None) in (None, [])  # never global on start


async def test_unknown_role_is_a_friendly_error(fake_discord: FakeDiscord,
                                                careerbot: CareerBot) -> None:
    await fake_discord.send_message(author=fake_discord.alice, content="!compare xyzzy pm")
    [req] = await fake_discord.wait_for_requests("POST", MESSAGES)
    assert "I don't know that role" in embed_text(req.json)
    inter = await fake_discord.send_slash_command(
        "role", {"role": "xyzzy"}, user=fake_discord.alice)
    callback = await fake_discord.wait_for_interaction_response(inter)
    assert "I don't know that role" in embed_text(callback["data"])
    assert callback["data"]["flags"] & 64  # ephemeral


async def test_missing_arguments_get_usage(fake_discord: FakeDiscord, careerbot: CareerBot) -> None:
    await fake_discord.send_message(author=fake_discord.alice, content="!compare mlops")
    [req] = await fake_discord.wait_for_requests("POST", MESSAGES)
    text = embed_text(req.json)
    assert "needs 2 roles" in text and "!compare mlops pm" in text


async def test_internal_failure_is_friendly_and_logged(fake_discord: FakeDiscord,
                                                       careerbot: CareerBot,
                                                       monkeypatch: pytest.MonkeyPatch,
                                                       caplog: pytest.LogCaptureFixture) -> None:
    def explode(*args: object, **kwargs: object) -> Reply:
        raise RuntimeError("secret internal detail")

    monkeypatch.setattr(careerbot.advisor, "handle", explode)
    monkeypatch.setattr(careerbot.advisor, "run", explode)
    with caplog.at_level(logging.ERROR):
        await fake_discord.send_message(author=fake_discord.alice, content="!week mlops")
        [req] = await fake_discord.wait_for_requests("POST", MESSAGES)
        inter = await fake_discord.send_slash_command("week", {"role": "mlops"},
                                                      user=fake_discord.alice)
        callback = await fake_discord.wait_for_interaction_response(inter)
    for payload in (req.json, callback["data"]):
        text = embed_text(payload)
        assert "Something went wrong on my side" in text
        assert "secret internal detail" not in text and "Traceback" not in text
    assert callback["data"]["flags"] & 64
    assert "secret internal detail" in caplog.text  # the owner sees it in the log


async def test_no_request_can_ping_everyone(fake_discord: FakeDiscord, careerbot: CareerBot) -> None:
    await fake_discord.send_message(author=fake_discord.alice,
                                    content="!compare @everyone @here")
    await fake_discord.send_message(author=fake_discord.alice, content="!role <@&1234567890123>")
    inter = await fake_discord.send_slash_command("role", {"role": "@everyone"},
                                                  user=fake_discord.alice)
    await fake_discord.wait_for_interaction_response(inter)
    await fake_discord.wait_for_requests("POST", MESSAGES, count=2, since=0)
    outgoing = [r for r in fake_discord.requests
                if r.method in ("POST", "PATCH") and isinstance(r.json, dict)
                and ("embeds" in r.json or "content" in r.json or "data" in r.json)]
    assert len(outgoing) >= 3
    for request in outgoing:
        body = request.json.get("data", request.json) if "type" in request.json else request.json
        mentions = body.get("allowed_mentions")
        assert mentions is not None, request.path
        assert "everyone" not in mentions.get("parse", [])
        assert "roles" not in mentions.get("parse", [])
        text = embed_text(body)
        assert "@everyone" not in text and "@here" not in text


async def test_direct_messages_work(fake_discord: FakeDiscord, careerbot: CareerBot) -> None:
    dm = await fake_discord.send_dm(author=fake_discord.alice, content="!salary pm")
    [req] = await fake_discord.wait_for_requests("POST", MESSAGES)
    assert req.path == f"/channels/{dm['channel_id']}/messages"
    assert money(role_file("ai-product-manager")["stats"][0]["salary"]["median"]) in \
        embed_text(req.json)


async def test_cooldown_gets_a_slow_down_answer(fake_discord: FakeDiscord,
                                                careerbot: CareerBot) -> None:
    for _ in range(COOLDOWN_RATE + 1):
        await fake_discord.send_message(author=fake_discord.alice, content="!roles")
    replies = await fake_discord.wait_for_requests("POST", MESSAGES, count=COOLDOWN_RATE + 1,
                                                   since=0)
    texts = [embed_text(r.json) for r in replies]
    assert sum("Roles I know" in t for t in texts) == COOLDOWN_RATE
    assert "Slow down" in texts[-1]
    # Another member is not slowed down by alice.
    await fake_discord.send_message(author=fake_discord.mod, content="!roles")
    [other] = await fake_discord.wait_for_requests("POST", MESSAGES)
    assert "Roles I know" in embed_text(other.json)


async def test_other_bots_are_ignored(fake_discord: FakeDiscord, careerbot: CareerBot) -> None:
    await fake_discord.send_message(author=fake_discord.otherbot, content="!compare mlops pm")
    await fake_discord.expect_no_requests("POST", MESSAGES, within=0.3)


async def test_one_log_line_per_command_without_content(
        fake_discord: FakeDiscord, careerbot: CareerBot,
        caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="careerbot.discord"):
        await fake_discord.send_message(author=fake_discord.alice, content="!week secret-mlops")
        await fake_discord.wait_for_requests("POST", MESSAGES)
        # The line is written once the command returns, just after its reply is sent.
        for _ in range(100):
            lines = [r.getMessage() for r in caplog.records
                     if r.getMessage().startswith("command=")]
            if lines:
                break
            await asyncio.sleep(0.01)
    assert len(lines) == 1
    assert f"guild={fake_discord.guild.id}" in lines[0] and "latency_ms=" in lines[0]
    assert "secret" not in caplog.text


async def test_long_answers_are_paged_with_buttons(fake_discord: FakeDiscord,
                                                   careerbot: CareerBot,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    sections = tuple(Section(f"Part {i}", ("word " * 190).strip() + f" end{i}") for i in range(12))
    long_reply = Reply(title="A long answer", lead="Many parts follow.", sections=sections)
    monkeypatch.setattr(careerbot.advisor, "handle", lambda request: long_reply)
    await fake_discord.send_message(author=fake_discord.alice, content="!roles")
    [req] = await fake_discord.wait_for_requests("POST", MESSAGES)
    first = req.json["embeds"][0]
    assert first["footer"]["text"].startswith("Page 1/")
    buttons = req.json["components"][0]["components"]
    assert [b["label"] for b in buttons] == ["Previous", "Next"]
    shown = {f["name"] for f in first["fields"]}
    # Another member cannot turn the asker's pages.
    other = await fake_discord.send_component(req.response, buttons[1]["custom_id"],
                                              user=fake_discord.mod)
    denial = await fake_discord.wait_for_interaction_response(other)
    assert denial["data"]["flags"] & 64
    click = await fake_discord.send_component(req.response, buttons[1]["custom_id"],
                                              user=fake_discord.alice)
    update = await fake_discord.wait_for_interaction_response(click)
    assert update["type"] == 7
    second = update["data"]["embeds"][0]
    assert second["footer"]["text"].startswith("Page 2/")
    shown |= {f["name"] for f in second["fields"]}
    assert len(shown) > len(first["fields"])


@pytest.mark.parametrize("spec", COMMANDS, ids=lambda s: s.name)
async def test_terminal_and_discord_give_the_same_figures(
        fake_discord: FakeDiscord, run_bot: RunBot, advisor: Advisor, spec) -> None:
    bot = await start_careerbot(fake_discord, run_bot, advisor)
    args = {"compare": "mlops pm", "salary": "mlops pm", "skills": "pm", "switch": "mlops pm",
            "role": "pm", "path": "mlops", "week": "pm", "help": "compare",
            "ask": "how much do mlops engineers make?"}.get(spec.name, "")
    command = f"!{spec.name} {args}".strip()
    terminal = render_text(advisor.handle(Request(text=command)))
    await fake_discord.send_message(author=fake_discord.alice, content=command)
    [req] = await fake_discord.wait_for_requests("POST", MESSAGES)
    discord_text = embed_text(req.json)
    assert figures(discord_text) == figures(terminal)
    assert bot.advisor is advisor


def test_run_without_token_is_one_line(tmp_path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "DISCORD_TOKEN"}
    result = subprocess.run([sys.executable, "-m", "bot", "run"], env=env, cwd=tmp_path,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert "DISCORD_TOKEN" in lines[0] and "careerbot chat" in lines[0]


def test_wrong_token_is_one_clear_line(tmp_path) -> None:
    """Against a fake Discord that rejects the token: a clear line, no traceback."""
    script = f"""
import asyncio, os, subprocess, sys
sys.path.insert(0, {str(REPO_ROOT)!r})
from tests.fake_discord import FakeDiscord

async def main():
    server = FakeDiscord(token="the-right-token")
    await server.start()
    env = dict(os.environ, DISCORD_TOKEN="wrong", DISCORD_API_BASE=server.base_url,
               DISCORD_GATEWAY_URL=server.gateway_url, CAREERBOT_DB={str(tmp_path / 'kb.db')!r})
    proc = await asyncio.create_subprocess_exec(sys.executable, "-m", "bot", "run", env=env,
        cwd={str(REPO_ROOT)!r}, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out, err = await asyncio.wait_for(proc.communicate(), 60)
    await server.stop()
    print(proc.returncode)
    print(err.decode())

asyncio.run(main())
"""
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            timeout=120, cwd=REPO_ROOT)
    code, _, stderr = result.stdout.partition("\n")
    assert code.strip() == "2", result.stdout + result.stderr
    assert "rejected the token" in stderr
    assert "Traceback" not in stderr
