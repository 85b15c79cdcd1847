"""Knowledge gaps and answer ratings on Discord, end to end: the real bot on the fake Discord.

Server A is the fake's default guild (alice, bob and carol: members; mod: Manage Server
through the Moderator role), server B a second guild built the same way. The bot runs over
a database built into tmp_path, as ``careerbot run`` builds it; its gap log is the file
beside it. Questions are addressed to the bot by mentioning it.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import discord
import pytest

from bot.app import create_advisor, create_moderation, open_store
from bot.discord_app.client import CareerBot
from bot.knowledge import edits
from bot.knowledge.gaps import GapLog, log_path
from bot.knowledge.store import KnowledgeStore
from tests.e2e.careerbot_fixtures import MESSAGES, embed_text, make_settings
from tests.e2e.conftest import RunBot
from tests.fake_discord import FakeDiscord, FakeGuild, FakeInteraction, FakeMember, FakeUser
from tests.fake_discord.modals import modal_of, submit_modal, text_inputs

EPHEMERAL = 64
DAY = 86400.0

HACKATHONS = ("are hackathons worth it for getting hired?",
              "is a hackathon worth doing to get hired?")
PARAPHRASE = "is a hackathon worth it to get hired"
WEATHER = "what is the weather in paris"
ANSWERABLE = "how much do mlops engineers make?"


class World:
    """Both servers, the database, and the running bot (which a test may restart)."""

    def __init__(self, server: FakeDiscord, run_bot: RunBot, db: Path, b: FakeGuild) -> None:
        self.server = server
        self.run_bot = run_bot
        self.db = db
        self.a = server.guild
        self.b = b
        self.bot: CareerBot | None = None
        self.stores: list[KnowledgeStore] = []

    async def start(self) -> CareerBot:
        settings = make_settings(self.server, db=self.db)
        store = open_store(settings)
        self.stores.append(store)
        bot = CareerBot(create_advisor(settings, store), settings,
                        moderation=create_moderation(settings, store))
        await self.run_bot(bot)
        bot.tree.copy_global_to(guild=discord.Object(self.b.id))
        await bot.tree.sync(guild=discord.Object(self.b.id))
        self.bot = bot
        return bot

    def who(self, name: str, guild: FakeGuild | None = None) -> FakeMember:
        return (guild or self.a).member_named(name)

    async def ask(self, name: str, text: str, guild: FakeGuild | None = None) -> dict:
        """``name`` mentions the bot with ``text``; the bot's one reply (its message body)."""
        since = self.server.mark()
        g = guild or self.a
        await self.server.send_message(g.text_channel.id, author=self.who(name, g),
                                       content=f"<@{self.server.bot_user.id}> {text}")
        [req] = await self.server.wait_for_requests("POST", MESSAGES, since=since)
        return req.response

    async def prefix(self, name: str, text: str, guild: FakeGuild | None = None) -> dict:
        since = self.server.mark()
        g = guild or self.a
        await self.server.send_message(g.text_channel.id, author=self.who(name, g), content=text)
        [req] = await self.server.wait_for_requests("POST", MESSAGES, since=since)
        return req.response

    async def slash(self, command: str, options: dict[str, Any] | None, name: str,
                    guild: FakeGuild | None = None) -> tuple[dict, FakeInteraction]:
        g = guild or self.a
        inter = await self.server.send_slash_command(command, options or {}, user=self.who(name, g),
                                                     channel_id=g.text_channel.id)
        callback = await self.server.wait_for_interaction_response(inter)
        if callback["type"] == 5:
            return await self.server.wait_for_original(inter), inter
        assert callback["type"] == 4, callback
        return callback["data"], inter

    async def press(self, message: dict, label: str, name: str,
                    guild: FakeGuild | None = None) -> tuple[dict, FakeInteraction]:
        """``name`` clicks the button ``label`` on ``message``: the callback's body and the
        interaction (for a modal it opened)."""
        inter = await self.server.send_component(message, buttons(message)[label],
                                                 user=self.who(name, guild))
        return await self.server.wait_for_interaction_response(inter), inter

    def gap_rows(self) -> list[tuple]:
        log = GapLog(log_path(self.db))
        try:
            return log.stored_rows()
        finally:
            log.close()


def buttons(payload: dict) -> dict[str, str]:
    """Label -> custom_id of the buttons on a message."""
    return {c["label"]: c["custom_id"] for row in payload.get("components") or []
            for c in row["components"]}


def private(payload: dict) -> bool:
    return bool((payload.get("flags") or 0) & EPHEMERAL)


@pytest.fixture
async def world(fake_discord: FakeDiscord, run_bot: RunBot, tmp_path: Path) -> World:
    for name in ("bob", "carol"):
        fake_discord.guild.members.append(FakeMember(FakeUser(username=name, global_name=name)))
    second = FakeGuild.default(fake_discord.bot_user, name="Second Server")
    fake_discord.guilds.append(second)
    w = World(fake_discord, run_bot, tmp_path / "data" / "careerbot.db", second)
    await w.start()
    yield w
    for store in w.stores:
        store.close()


async def gaps_message(world: World, guild: FakeGuild | None = None) -> dict:
    """What ``/kb gaps`` shows the moderator of ``guild``: private, with its buttons."""
    data, inter = await world.slash("kb gaps", {}, "mod", guild)
    assert private(data)
    assert inter.original is not None
    return inter.original


# -- the log, per server ----------------------------------------------------------------------


async def test_a_declined_question_is_in_kb_gaps_for_its_server_and_no_other(
        world: World) -> None:
    alice = world.who("alice")
    reply = await world.ask("alice", f"<@{alice.user.id}> {WEATHER} see https://example.com/x")
    assert "outside what I can help with" in embed_text(reply)
    await world.ask("bob", "what's the weather like in Paris?")
    shown = await gaps_message(world)
    text = embed_text(shown)
    assert "weather in paris" in text and "2 members, 2 times" in text
    assert {"Answer 1", "Dismiss 1"} <= set(buttons(shown))
    assert "weather" not in embed_text(await gaps_message(world, world.b))
    prefix = embed_text(await world.prefix("mod", "!kb gaps 7d"))
    assert "weather in paris" in prefix
    # No stored row holds a user id, a mention or a link.
    rows = repr(world.gap_rows())
    assert "weather" in rows
    for forbidden in (str(alice.user.id), str(world.who("bob").user.id), "<@", "http",
                      "example.com"):
        assert forbidden not in rows, forbidden


async def test_with_gaps_off_nothing_is_recorded(world: World) -> None:
    data, _ = await world.slash("config gaps", {"setting": "off"}, "owner")
    assert "Knowledge-gap log switched" in embed_text(data)
    await world.ask("alice", WEATHER)
    answer = await world.ask("alice", ANSWERABLE)
    assert not answer.get("components")  # no rating buttons either
    assert world.gap_rows() == [] or all(len(r) == 2 for r in world.gap_rows())  # salts only
    assert "No open questions" in embed_text(await gaps_message(world))
    assert "off, entries kept 90 days" in embed_text(await world.prefix("owner", "!config show"))


async def test_purge_removes_entries_past_the_retention(world: World) -> None:
    assert world.bot is not None
    recorder = world.bot.moderation.recorder
    now = [recorder.clock()]
    recorder.clock = lambda: now[0]
    reply = embed_text(await world.prefix("owner", "!config gaps retention 7"))
    assert "Gap log retention changed" in reply
    await world.ask("alice", WEATHER)
    assert "weather" in embed_text(await gaps_message(world))
    now[0] += 8 * DAY
    assert recorder.purge() == 1
    assert "No open questions" in embed_text(await gaps_message(world))


# -- answering and dismissing -------------------------------------------------------------------


async def test_a_moderator_answers_a_group_from_the_form_and_the_next_member_gets_it(
        world: World) -> None:
    await world.ask("alice", HACKATHONS[0])
    await world.ask("bob", HACKATHONS[1])
    shown = await gaps_message(world)
    assert "hackathon" in embed_text(shown) and "2 members" in embed_text(shown)
    callback, opener = await world.press(shown, "Answer 1", "mod")
    assert callback["type"] == 9
    inputs = text_inputs(modal_of(opener))
    question_id = next(k for k, v in inputs.items() if v["label"] == "Question")
    answer_id = next(k for k, v in inputs.items() if v["label"] == "Answer")
    assert inputs[question_id]["value"] == "Are hackathons worth it for getting hired?"
    submitted = await submit_modal(world.server, opener, {
        answer_id: "Only with a finished project to show."}, user=world.who("mod"))
    result = await world.server.wait_for_interaction_response(submitted)
    assert result["type"] == 4 and not private(result["data"])
    assert "Question group answered" in embed_text(result["data"])
    # The next member asking a paraphrase gets the entry, in this server only.
    assert "finished project" in embed_text(await world.ask("carol", PARAPHRASE))
    assert "finished project" not in embed_text(await world.ask("alice", PARAPHRASE, world.b))
    assert "hackathon" not in embed_text(await gaps_message(world))
    (entry,) = edits.history(world.db, str(world.a.id))
    assert entry.action == "gap.answer" and entry.actor_name == "Mod"


async def test_dismiss_hides_a_group_and_is_in_the_history(world: World) -> None:
    await world.ask("alice", WEATHER)
    await world.ask("alice", "can you write me a poem")
    shown = await gaps_message(world)
    first = re.search(r"1\. “([^”]+)”", embed_text(shown))
    assert first is not None
    callback, _ = await world.press(shown, "Dismiss 1", "mod")
    assert callback["type"] == 4 and "dismissed" in embed_text(callback["data"])
    after = embed_text(await gaps_message(world))
    assert first.group(1) not in after
    assert "Question group dismissed" in embed_text(await world.prefix("mod", "!kb history"))
    again, _ = await world.press(shown, "Dismiss 1", "mod")
    assert private(again["data"]) and "no longer open" in embed_text(again["data"])


async def test_the_kb_and_config_groups_list_the_new_commands(world: World) -> None:
    listed = embed_text(await world.prefix("mod", "!kb"))
    assert "kb gaps [PERIOD] [csv]" in listed and "kb feedback [PERIOD]" in listed
    assert "config gaps on|off|retention DAYS" in embed_text(await world.prefix("owner",
                                                                                "!config"))
    usage = embed_text(await world.prefix("owner", "!config gaps sometimes"))
    assert "config gaps on|off|retention DAYS" in usage
    missing = embed_text(await world.prefix("owner", "!config gaps retention"))
    assert "DAYS" in missing


# -- who may see it -----------------------------------------------------------------------------


async def test_members_see_none_of_it_by_slash_prefix_or_button(world: World) -> None:
    await world.ask("alice", WEATHER)
    before = world.db.read_bytes()
    data, _ = await world.slash("kb gaps", {}, "alice")
    assert private(data) and "can't do that" in embed_text(data)
    assert "weather" not in embed_text(data) and not data.get("components")
    for command in ("!kb gaps", "!kb feedback", "!config gaps off", "!config gaps retention 3"):
        text = embed_text(await world.prefix("alice", command))
        assert "can't do that" in text and "weather" not in text, command
    shown = await gaps_message(world)
    for label in ("Answer 1", "Dismiss 1"):
        callback, _ = await world.press(shown, label, "alice")
        assert callback["type"] == 4 and private(callback["data"]), label
        assert "can't do that" in embed_text(callback["data"])
    assert world.db.read_bytes() == before
    assert "weather" in embed_text(await gaps_message(world))


# -- ratings ------------------------------------------------------------------------------------


async def test_rating_buttons_refuse_others_and_a_second_press_survive_a_restart_and_feed_the_log(
        world: World) -> None:
    answer = await world.ask("alice", ANSWERABLE)
    assert {"👍", "👎"} <= set(buttons(answer))
    other, _ = await world.press(answer, "👎", "bob")
    assert private(other["data"]) and "Only the person who asked" in embed_text(other["data"])
    # Restart the bot: the buttons of the message sent before still work.
    assert world.bot is not None
    await world.bot.close()
    await world.start()
    first, _ = await world.press(answer, "👎", "alice")
    assert private(first["data"]) and "Thanks for the rating" in embed_text(first["data"])
    second, _ = await world.press(answer, "👍", "alice")
    assert "rated already" in embed_text(second["data"])
    shown = embed_text(await gaps_message(world))
    assert "how much do mlops engineers make?" in shown and "rated 👎" in shown
    feedback = embed_text(await world.prefix("mod", "!kb feedback"))
    assert "👎 1" in feedback and "how much do mlops engineers make?" in feedback


async def test_small_talk_and_declines_get_no_rating_buttons(world: World) -> None:
    assert not (await world.ask("alice", "thanks!")).get("components")
    assert not (await world.ask("alice", WEATHER)).get("components")


async def test_kb_gaps_attaches_every_group_as_csv(world: World) -> None:
    await world.ask("alice", WEATHER)
    data, inter = await world.slash("kb gaps", {"period": "all", "file": "csv"}, "mod")
    assert private(data) and "attached CSV" in embed_text(data)
    assert inter.original is not None
    [attachment] = inter.original["attachments"]
    assert attachment["filename"] == f"careerbot-gaps-{world.a.id}-all.csv"
    prefix = await world.prefix("mod", "!kb gaps csv 7d")
    [attachment] = prefix["attachments"]
    assert attachment["filename"] == f"careerbot-gaps-{world.a.id}-7d.csv"


async def test_an_ask_command_answer_carries_rating_buttons_too(world: World) -> None:
    # Free-form answers are rated whichever way the question came: a mention, or !ask.
    answer = await world.prefix("alice", f"!ask {ANSWERABLE}")
    assert {"👍", "👎"} <= set(buttons(answer))
    thanks, _ = await world.press(answer, "👍", "alice")
    assert "Thanks for the rating" in embed_text(thanks["data"])
    declined = await world.prefix("alice", f"!ask {WEATHER}")
    assert not declined.get("components")
