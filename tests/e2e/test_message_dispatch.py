"""Per-message work on Discord (issue 16): one handler task per message, one parse of
its context, and the command log written inline, with every behaviour kept.

Before, each message ran discord.py's ``on_message`` and the conversation cog's listener
as two tasks, a question's context was parsed twice, and every command started two more
tasks (``on_command``, ``on_command_completion``) only to log one line.
"""

from __future__ import annotations

import asyncio
import logging

import pytest
from discord.ext import commands

from bot.discord_app.client import CareerBot
from tests.e2e.careerbot_fixtures import MESSAGES, embed_text
from tests.fake_discord import FakeDiscord


def test_no_careerbot_listener_or_method_runs_per_message_or_command() -> None:
    for event in ("on_command", "on_command_completion"):
        assert getattr(CareerBot, event, None) is getattr(commands.Bot, event, None), event


async def _started_tasks(bot: CareerBot, server: FakeDiscord, content: str,
                         monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The event handlers discord.py starts a task for while ``content`` is handled and
    answered (every listener and ``on_*`` method goes through ``_schedule_event``), but
    for the bot's own reply coming back through the gateway."""
    names: list[str] = []
    schedule = bot._schedule_event

    def counting(coro, event_name, *args, **kwargs):  # type: ignore[no-untyped-def]
        if not (event_name == "on_message" and args[0].author.bot):
            names.append(event_name)
        return schedule(coro, event_name, *args, **kwargs)

    monkeypatch.setattr(bot, "_schedule_event", counting)
    try:
        mark = server.mark()
        await server.send_message(author=server.alice, content=content)
        await server.wait_for_requests("POST", MESSAGES, since=mark)
        await asyncio.sleep(0.05)  # let any task the answer started run
    finally:
        monkeypatch.setattr(bot, "_schedule_event", schedule)
    return names


async def test_a_command_and_a_question_each_start_one_task(
        fake_discord: FakeDiscord, chatbot: CareerBot, monkeypatch: pytest.MonkeyPatch) -> None:
    command = await _started_tasks(chatbot, fake_discord, "!compare mlops pm", monkeypatch)
    assert command == ["on_message"]
    me = fake_discord.bot_user.id
    question = await _started_tasks(chatbot, fake_discord,
                                    f"<@{me}> how much do mlops engineers make?", monkeypatch)
    # discord.py still reports the unknown command "how" (on_command_error, which answers
    # nothing for it); the question itself is handled in the message's one task.
    assert question.count("on_message") == 1
    assert set(question) <= {"on_message", "on_command_error"}


async def test_a_question_is_parsed_once_and_still_answered(
        fake_discord: FakeDiscord, chatbot: CareerBot, monkeypatch: pytest.MonkeyPatch) -> None:
    parsed: list[str] = []
    get_context = chatbot.get_context

    async def counted(origin, /, *, cls=commands.Context):  # type: ignore[no-untyped-def]
        parsed.append(origin.content)
        return await get_context(origin, cls=cls)

    monkeypatch.setattr(chatbot, "get_context", counted)
    me = fake_discord.bot_user.id
    for text in (f"<@{me}> how much do mlops engineers make?",
                 f"<@{me}> what skills does a data scientist need?"):
        mark = fake_discord.mark()
        await fake_discord.send_message(author=fake_discord.alice, content=text)
        [req] = await fake_discord.wait_for_requests("POST", MESSAGES, since=mark)
        assert embed_text(req.json)
    assert len(parsed) == 2  # once each (it was twice: the command layer and the cog)


async def test_commands_are_still_logged_with_their_latency(
        fake_discord: FakeDiscord, chatbot: CareerBot, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="careerbot.discord")
    mark = fake_discord.mark()
    await fake_discord.send_message(author=fake_discord.alice, content="!salary mlops")
    await fake_discord.wait_for_requests("POST", MESSAGES, since=mark)
    inter = await fake_discord.send_slash_command("role", {"role": "mlops"},
                                                  user=fake_discord.alice)
    await fake_discord.wait_for_interaction_response(inter)
    await asyncio.sleep(0.05)
    lines = [r.getMessage() for r in caplog.records if r.getMessage().startswith("command=")]
    assert any(line.startswith("command=salary ") and "kind=prefix" in line for line in lines)
    assert any(line.startswith("command=role ") and "kind=slash" in line for line in lines)
    assert all("latency_ms=-1.00" not in line for line in lines)  # timed from its start
    assert all("mlops" not in line.split("command=")[1].split()[0][6:] for line in lines)
