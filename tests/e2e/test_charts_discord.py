"""Salary charts on the fake Discord: one PNG attachment, shown as the embed's image.

The fake validates every body against Discord's spec (``fake_discord`` fails the test
at teardown otherwise), so these also check the multipart bodies the bot sends.
"""

from __future__ import annotations

import io

import pytest
from PIL import Image

from bot.core.advisor import Advisor, Request
from bot.core.charts import FILENAME, draw
from bot.core.reply import Reply, Section
from bot.discord_app.client import CareerBot
from bot.discord_app.embeds import reply_pages
from tests.e2e.careerbot_fixtures import CALLBACK, MESSAGES
from tests.fake_discord import FakeDiscord
from tests.fake_discord.server import RecordedRequest

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def assert_one_chart(req: RecordedRequest, embed: dict, expected_png: bytes) -> None:
    """The request uploaded exactly one PNG, the one the core draws, and the embed shows it."""
    assert len(req.files) == 1, req.files
    [upload] = req.files
    assert upload.filename == FILENAME
    assert upload.data.startswith(PNG_SIGNATURE)
    assert upload.data == expected_png
    with Image.open(io.BytesIO(upload.data)) as image:
        image.verify()
    assert embed["image"]["url"] == f"attachment://{FILENAME}"
    # The payload declares the attachment the embed points at.
    assert [a["filename"] for a in req.json["attachments"]] == [FILENAME]


def expected_png(advisor: Advisor, text: str) -> bytes:
    reply = advisor.handle(Request(text=text, prefix="!"))
    assert reply.chart is not None
    return draw(reply.chart).png


@pytest.mark.parametrize("text", ["!compare mlops pm", "!salary ds", "!salary mlops pm"])
async def test_prefix_commands_attach_the_chart(fake_discord: FakeDiscord, careerbot: CareerBot,
                                                advisor: Advisor, text: str) -> None:
    await fake_discord.send_message(author=fake_discord.alice, content=text)
    [req] = await fake_discord.wait_for_requests("POST", MESSAGES)
    assert req.headers["Content-Type"].startswith("multipart/form-data")
    [embed] = req.json["embeds"]
    assert_one_chart(req, embed, expected_png(advisor, text))
    # The message Discord stored carries the file, served back as a PNG.
    [message] = [m for m in fake_discord.messages.values() if m["attachments"]]
    assert message["attachments"][0]["filename"] == FILENAME


async def test_slash_compare_attaches_the_chart(fake_discord: FakeDiscord, careerbot: CareerBot,
                                                advisor: Advisor) -> None:
    inter = await fake_discord.send_slash_command(
        "compare", {"role_a": "mlops", "role_b": "pm"}, user=fake_discord.alice)
    callback = await fake_discord.wait_for_interaction_response(inter)
    assert callback["type"] == 4
    [req] = await fake_discord.wait_for_requests("POST", CALLBACK)
    [embed] = req.json["data"]["embeds"]
    req.json = req.json["data"]  # the message part of the callback, as for a message
    assert_one_chart(req, embed, expected_png(advisor, "!compare mlops pm"))
    assert inter.original is not None
    assert [a["filename"] for a in inter.original["attachments"]] == [FILENAME]


async def test_answers_without_salary_figures_attach_nothing(fake_discord: FakeDiscord,
                                                             careerbot: CareerBot) -> None:
    await fake_discord.send_message(author=fake_discord.alice, content="!week mlops")
    [req] = await fake_discord.wait_for_requests("POST", MESSAGES)
    assert req.files == []
    assert "image" not in req.json["embeds"][0]


async def test_a_chart_that_fails_to_draw_leaves_the_text(fake_discord: FakeDiscord,
                                                          careerbot: CareerBot,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(chart: object) -> None:
        raise RuntimeError("no fonts today")

    monkeypatch.setattr("bot.discord_app.client.draw", broken)
    await fake_discord.send_message(author=fake_discord.alice, content="!compare mlops pm")
    [req] = await fake_discord.wait_for_requests("POST", MESSAGES)
    assert req.files == []
    [embed] = req.json["embeds"]
    assert "image" not in embed
    assert "MLOps Engineer vs AI Product Manager" in embed["title"]


async def test_a_paged_reply_keeps_its_chart_on_the_first_page(fake_discord: FakeDiscord,
                                                               careerbot: CareerBot,
                                                               advisor: Advisor,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """Paging edits only the embed: the file stays on the message and page 1 shows it again."""
    chart = ask_chart(advisor, "!compare mlops pm")
    long_reply = Reply(title="Long answer", lead="Figures follow.",
                       sections=tuple(Section(f"Part {i}", "word " * 200) for i in range(12)),
                       chart=chart)
    assert len(reply_pages(long_reply)) > 1
    monkeypatch.setattr(careerbot.advisor, "handle", lambda request: long_reply)
    await fake_discord.send_message(author=fake_discord.alice, content="!compare mlops pm")
    [req] = await fake_discord.wait_for_requests("POST", MESSAGES)
    assert_one_chart(req, req.json["embeds"][0], draw(chart).png)
    message = req.response

    async def turn(label: str) -> dict:
        stored = fake_discord.messages[int(message["id"])]
        buttons = {c["label"]: c for row in stored["components"] for c in row["components"]}
        click = await fake_discord.send_component(message, buttons[label]["custom_id"],
                                                  user=fake_discord.alice)
        update = await fake_discord.wait_for_interaction_response(click)
        assert update["type"] == 7
        return update["data"]

    second = await turn("Next")
    assert "image" not in second["embeds"][0]
    first = await turn("Previous")
    assert first["embeds"][0]["image"]["url"] == f"attachment://{FILENAME}"
    stored = fake_discord.messages[int(message["id"])]
    assert [a["filename"] for a in stored["attachments"]] == [FILENAME]


def ask_chart(advisor: Advisor, text: str):
    reply = advisor.handle(Request(text=text, prefix="!"))
    assert reply.chart is not None
    return reply.chart


async def test_the_chart_library_is_loaded_in_the_background_once_ready(
        careerbot: CareerBot) -> None:
    """After connecting, the bot loads the chart library off the event loop, once."""
    task = careerbot._charts_warming
    assert task is not None
    await task
    assert task.exception() is None
    await careerbot.on_ready()  # a reconnect's second READY starts no second load
    assert careerbot._charts_warming is task
