"""Long moderator text on Discord, end to end: every answer complete, and the bot never hangs.

Issue 10, defect 1: a moderator set a long summary (the validators allow it) and showing
the role made splitting loop forever inside the event loop, so nobody in any channel got
an answer again. Here the real bot runs on the fake Discord over a database built into
tmp_path (as ``careerbot run`` wires it); a moderator sets a summary at the validators'
limit, with spaces or without (Chinese), and then:

- a member asks for the role by command (``!role``) and by plain question (a mention),
- the moderator shows the role's raw data (``!kb show``: YAML in a code block, where a
  summary without spaces is one long line),
- a member in another channel asks something else,

and each gets a complete answer: the whole summary is on the answer's pages (turned with
the Next button) and the other channel is answered. Each exchange runs under a hang budget
(a signal: a synchronous loop blocks the event loop, so no asyncio timeout could fire), so
a regression fails the test instead of hanging the suite.
"""

from __future__ import annotations

import contextlib
import copy
import re
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from bot.app import create_advisor, create_moderation, open_store
from bot.core.render import money
from bot.discord_app.client import CareerBot
from bot.knowledge.limits import text_chars
from tests.conftest import role_file
from tests.e2e.careerbot_fixtures import MESSAGES, embed_text, make_settings
from tests.e2e.conftest import RunBot
from tests.fake_discord import ChannelType, FakeChannel, FakeDiscord, FakeMember
from tests.hang_budget import hang_budget

#: The longest summary the validators accept (read from them, not copied).
SUMMARY_LIMIT = text_chars("summary")
#: Far above what one exchange takes (well under a second); only a hang reaches it.
HANG_SECONDS = 20
#: Fences ``split_message`` adds where it cuts a code block, and all whitespace.
_ADDED = re.compile(r"```(?:yaml)?|\s")

SUMMARIES = {
    "words": ("Keeps models serving reliably in production " * SUMMARY_LIMIT)[:SUMMARY_LIMIT].strip(),
    "no-spaces": "".join(chr(0x4E00 + (i * 7919) % 20000) for i in range(SUMMARY_LIMIT)),
}


@contextlib.contextmanager
def answered_in_time(what: str) -> Iterator[None]:
    """Fail (rather than hang) when the bot is still busy after the hang budget.

    The signal raises inside whatever runs, usually the bot's handler, which turns it into
    a "something went wrong" reply; the budget remembers that it fired, so the test says
    what really happened.
    """
    with hang_budget(HANG_SECONDS) as budget:
        try:
            yield
        finally:
            if budget.fired:
                pytest.fail(f"the bot hung on {what}: still busy after {HANG_SECONDS} s")


class World:
    def __init__(self, server: FakeDiscord, bot: CareerBot, other: FakeChannel) -> None:
        self.server = server
        self.bot = bot
        self.other = other

    async def say(self, who: FakeMember, text: str, channel: FakeChannel | None = None) -> dict:
        """Post ``text`` and return the bot's reply message (as stored by the fake)."""
        since = self.server.mark()
        channel_id = (channel or self.server.text_channel).id
        await self.server.send_message(channel_id, author=who, content=text)
        [req] = await self.server.wait_for_requests("POST", MESSAGES, since=since)
        return req.response

    async def all_pages(self, message: dict, who: FakeMember) -> list[dict]:
        """Every page of a paged answer, turned with its Next button by the asker. Each page
        is copied: the fake stores one message and edits it in place when a page turns."""
        pages = [copy.deepcopy(message)]
        while True:
            buttons = {c["label"]: c for row in pages[-1].get("components") or []
                       for c in row["components"]}
            if "Next" not in buttons or buttons["Next"].get("disabled"):
                return pages
            assert len(pages) < 50, "the Next button never ends"
            click = await self.server.send_component(message, buttons["Next"]["custom_id"],
                                                     user=who)
            update = await self.server.wait_for_interaction_response(click)
            assert update["type"] == 7, update
            pages.append(copy.deepcopy(update["data"]))

    async def answer(self, who: FakeMember, text: str, channel: FakeChannel | None = None) -> str:
        """The body of the bot's answer to ``text`` (descriptions and field values, where a
        long text goes on), every page of it, in order."""
        with answered_in_time(repr(text)):
            message = await self.say(who, text, channel)
            pages = await self.all_pages(message, who)
        return "\n".join(body_text(p) for p in pages)


@pytest.fixture
async def world(fake_discord: FakeDiscord, run_bot: RunBot, tmp_path: Path) -> AsyncIterator[World]:
    guild = fake_discord.guild
    category = next(c for c in guild.channels if c.type == ChannelType.GUILD_CATEGORY)
    other = FakeChannel(name="careers", position=1, parent_id=category.id, guild_id=guild.id)
    guild.channels.append(other)
    settings = make_settings(fake_discord, db=tmp_path / "data" / "careerbot.db")
    store = open_store(settings)
    bot = CareerBot(create_advisor(settings, store), settings,
                    moderation=create_moderation(settings, store))
    await run_bot(bot)
    yield World(fake_discord, bot, other)
    store.close()


def body_text(payload: dict) -> str:
    """An answer's description and field values: a text cut across fields or pages reads
    on from one to the next here, without the field names between."""
    parts = [payload.get("content") or ""]
    for embed in payload.get("embeds") or []:
        parts.append(embed.get("description") or "")
        parts += [field["value"] for field in embed.get("fields", [])]
    return "\n".join(p for p in parts if p)


def complete(summary: str, answer: str) -> bool:
    """Whether the whole summary is in the answer (pages joined, added fences and
    whitespace aside: a cut may fall at a space or inside the summary's code block)."""
    return _ADDED.sub("", summary) in _ADDED.sub("", answer)


@pytest.mark.parametrize("kind", SUMMARIES)
async def test_a_summary_at_the_limit_gets_complete_answers_and_the_bot_keeps_answering(
        world: World, kind: str) -> None:
    server = world.server
    summary = SUMMARIES[kind]
    assert len(summary) == SUMMARY_LIMIT or kind == "words"

    with answered_in_time("kb set"):
        inter = await server.send_slash_command(
            "kb set", {"role": "mlops", "field": "summary", "value": summary}, user=server.mod)
        callback = await server.wait_for_interaction_response(inter)
        data = (await server.wait_for_original(inter) if callback["type"] == 5
                else callback["data"])
    assert "Role updated" in embed_text(data), embed_text(data)

    by_command = await world.answer(server.alice, "!role mlops")
    assert complete(summary, by_command), by_command[:500]
    focus = " ".join(role_file("mlops-engineer")["focus"].split()[:3])
    assert focus in by_command  # the focus shows before the summary

    me = server.bot_user.id
    by_question = await world.answer(server.alice, f"<@{me}> tell me about mlops engineers")
    assert complete(summary, by_question), by_question[:500]

    raw = await world.answer(server.mod, "!kb show mlops")
    assert complete(summary, raw), raw[:500]
    assert "slug: mlops-engineer" in raw

    elsewhere = await world.answer(server.owner, "!salary mlops", world.other)
    assert elsewhere
    median = role_file("mlops-engineer")["stats"][0]["salary"]["median"]
    assert money(median) in elsewhere
