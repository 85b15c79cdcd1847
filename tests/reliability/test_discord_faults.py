"""A hostile Discord: the gateway drops mid-session, REST answers 429 and 500.

The real discord.py client runs against the fake server, which injects the faults; the
bot must keep answering, never crash, and log what went wrong for its owner.
"""

from __future__ import annotations

import logging

import pytest

from bot.discord_app.client import CareerBot
from tests.e2e.careerbot_fixtures import MESSAGES, embed_text
from tests.fake_discord import FakeDiscord, fast_retries

ANSWER = "MLOps Engineer vs AI Product Manager"


async def ask(server: FakeDiscord, text: str = "!compare mlops pm") -> dict:
    msg = await server.send_message(author=server.alice, content=text)
    return msg


async def test_gateway_dropped_mid_session_resumes_and_keeps_answering(
        fake_discord: FakeDiscord, careerbot: CareerBot) -> None:
    await ask(fake_discord)
    [before] = await fake_discord.wait_for_requests("POST", MESSAGES)
    assert ANSWER in embed_text(before.json)

    resumes = fake_discord.resume_count
    await fake_discord.drop_gateway()  # the server closes the socket; waits for RESUME
    assert fake_discord.resume_count == resumes + 1
    msg = await ask(fake_discord, "!role pm")
    [after] = await fake_discord.wait_for_requests("POST", MESSAGES)
    assert int(after.json["message_reference"]["message_id"]) == int(msg["id"])
    assert "AI Product Manager" in embed_text(after.json)


async def test_message_sent_while_the_socket_is_down_is_answered_after_resume(
        fake_discord: FakeDiscord, careerbot: CareerBot) -> None:
    await fake_discord.drop_gateway(wait_resumed=False)
    msg = await ask(fake_discord)  # queued by the server, replayed on RESUME
    [reply] = await fake_discord.wait_for_requests("POST", MESSAGES, timeout=10)
    assert int(reply.json["message_reference"]["message_id"]) == int(msg["id"])
    assert ANSWER in embed_text(reply.json)
    assert fake_discord.connected


async def test_rate_limited_send_is_retried_and_the_reply_arrives(
        fake_discord: FakeDiscord, careerbot: CareerBot) -> None:
    injected = fake_discord.inject_status("POST", MESSAGES, 429, retry_after=0.05)
    msg = await ask(fake_discord)
    [reply] = await fake_discord.wait_for_requests("POST", MESSAGES, status=200)
    assert injected.hits == 1
    assert int(reply.json["message_reference"]["message_id"]) == int(msg["id"])
    assert ANSWER in embed_text(reply.json)
    sent = fake_discord.find_requests("POST", MESSAGES, status=200)
    assert len(sent) == 1  # answered once, not twice


async def test_server_error_on_send_is_logged_and_the_next_message_answered(
        fake_discord: FakeDiscord, careerbot: CareerBot,
        caplog: pytest.LogCaptureFixture) -> None:
    with fast_retries(), caplog.at_level(logging.ERROR):
        # discord.py tries a 500 five times before giving up on the send.
        injected = fake_discord.inject_status("POST", MESSAGES, 500, times=5)
        await ask(fake_discord)
        failed = await fake_discord.wait_for_requests("POST", MESSAGES, count=6, timeout=10)
        assert injected.hits == 5
        assert [r.status for r in failed] == [500] * 5 + [200]
        # The sixth request is the friendly error reply, not a traceback.
        apology = embed_text(failed[-1].json)
        assert "Something went wrong on my side" in apology and "Traceback" not in apology

    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert any(r.name == "careerbot.discord" and r.exc_info for r in errors)
    assert not careerbot.is_closed()

    msg = await ask(fake_discord, "!role pm")
    [reply] = await fake_discord.wait_for_requests("POST", MESSAGES)
    assert reply.status == 200
    assert int(reply.json["message_reference"]["message_id"]) == int(msg["id"])
    assert "AI Product Manager" in embed_text(reply.json)


async def test_unretried_server_error_is_logged_and_the_next_message_answered(
        fake_discord: FakeDiscord, careerbot: CareerBot,
        caplog: pytest.LogCaptureFixture) -> None:
    # 503 is not retried by discord.py, and here the apology fails too.
    with caplog.at_level(logging.ERROR):
        fake_discord.inject_status("POST", MESSAGES, 503, times=2)
        await ask(fake_discord)
        attempts = await fake_discord.wait_for_requests("POST", MESSAGES, count=2)
        assert [r.status for r in attempts] == [503, 503]
        await fake_discord.expect_no_requests("POST", MESSAGES, within=0.2,
                                              since=fake_discord.mark())
    messages = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert any("failed" in m for m in messages)
    assert any("could not send the error reply" in m for m in messages)

    msg = await ask(fake_discord, "!week mlops")
    [reply] = await fake_discord.wait_for_requests("POST", MESSAGES)
    assert reply.status == 200
    assert int(reply.json["message_reference"]["message_id"]) == int(msg["id"])
