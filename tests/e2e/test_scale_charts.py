"""A chart drawn once is attached at once: no hop to a worker thread per message
(issue 16: the hop cost more than the rest of a cached ``!compare``)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from bot.discord_app.client import CareerBot
from tests.e2e.careerbot_fixtures import MESSAGES
from tests.fake_discord import FakeDiscord


async def test_a_drawn_chart_is_attached_without_a_worker_thread(
        fake_discord: FakeDiscord, careerbot: CareerBot, monkeypatch: pytest.MonkeyPatch) -> None:
    hops: list[Any] = []
    to_thread = asyncio.to_thread

    async def counting(fn: Any, /, *args: Any, **kwargs: Any) -> Any:
        hops.append(fn)
        return await to_thread(fn, *args, **kwargs)

    monkeypatch.setattr(asyncio, "to_thread", counting)
    for text in ("!compare mlops pm", "!compare pm mlops", "!compare mlops pm"):
        mark = fake_discord.mark()
        await fake_discord.send_message(author=fake_discord.alice, content=text)
        [req] = await fake_discord.wait_for_requests("POST", MESSAGES, since=mark)
        assert len(req.files) == 1  # every answer still carries its chart
    drawing = [fn for fn in hops if getattr(fn, "__name__", "") in ("_drawn", "chart_file")]
    # The first two draw their charts (the pair in each order); the third is attached at once.
    assert len(drawing) == 2, hops
