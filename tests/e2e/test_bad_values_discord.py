"""Bad values from a moderator on Discord, end to end: the real bot on the fake Discord.

Each value once raised inside the core, so the moderator saw "something went wrong";
now each gets a refusal that names the field and the limit, the database file stays
byte for byte as it was, and the bot goes on answering.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.app import create_advisor, create_moderation, open_store
from bot.discord_app.client import CareerBot
from tests.e2e.careerbot_fixtures import embed_text, make_settings
from tests.e2e.conftest import RunBot
from tests.e2e.test_moderation_discord import World, plain, private, source_id
from tests.fake_discord import FakeDiscord

HUGE = "9" * 20  # above SQLite's largest integer, 2**63 - 1
ID_LIMIT = "entry numbers are whole numbers from 1 to 9,223,372,036,854,775,807"


@pytest.fixture
async def world(fake_discord: FakeDiscord, run_bot: RunBot, tmp_path: Path) -> World:
    db = tmp_path / "data" / "careerbot.db"
    settings = make_settings(fake_discord, db=db)
    store = open_store(settings)
    bot = CareerBot(create_advisor(settings, store), settings,
                    moderation=create_moderation(settings, store))
    await run_bot(bot)
    yield World(fake_discord, bot, db, fake_discord.guild, bot_owner=None)  # type: ignore[arg-type]
    store.close()


PREFIX_CASES = {
    "undo": (f"!kb undo {HUGE}", f"entry: '{HUGE}' is not a history entry number"),
    "faq remove": (f"!kb faq remove {HUGE}", f"id: '{HUGE}' is not an FAQ entry number"),
    "faq edit": (f"!kb faq edit {HUGE} answer: Rarely.", f"id: '{HUGE}' is not an FAQ entry"),
    "history": (f"!kb history {HUGE}", f"before: {HUGE} is not a history entry number"),
    "set": ("!kb set mlops median " + "9" * 3000 + " source:{source} date:2026",
            "salary.median: is written with 3,000 digits; figures are limited to 20 digits"),
    "impossible date": ("!kb set mlops median 150k source:{source} date:2025-02-30",
                        "as_of: '2025-02-30' is not a date that exists"),
}


@pytest.mark.parametrize("case", PREFIX_CASES, ids=str)
async def test_a_bad_value_typed_by_a_moderator_is_refused_plainly(world: World,
                                                                   case: str) -> None:
    mod = world.member(world.a, "mod")
    command, expected = PREFIX_CASES[case]
    before = world.db.read_bytes()
    reply = await world.say(mod, command.format(source=source_id()))
    text = plain(embed_text(reply))
    assert "That change wasn't made" in text and expected in text, text
    if "entry number" in expected:
        assert ID_LIMIT in text
    assert "Something went wrong" not in text
    assert world.db.read_bytes() == before
    after = await world.say(world.member(world.a, "alice"), "!salary mlops")
    assert "Salary: MLOps Engineer" in embed_text(after)  # the bot goes on answering


async def test_a_role_added_with_a_long_name_is_refused_by_slash_and_prefix(world: World) -> None:
    mod = world.member(world.a, "mod")
    before = world.db.read_bytes()
    data, _ = await world.slash("kb role add", {"slug": "long-role", "name": "L" * 500}, mod)
    assert private(data)
    assert "name: is 500 characters; the limit is 80" in plain(embed_text(data))
    reply = await world.say(mod, "!kb role add long-role name: Long Role focus: " + "f" * 1000)
    assert "focus: is 1,000 characters; the limit is 300" in plain(embed_text(reply))
    assert world.db.read_bytes() == before


IMPORTS = {
    "deep.json": ('{"faq": ' + "[" * 100_000 + "]" * 100_000 + "}",
                  "line 1: lists and mappings are nested more than 20 levels deep; the limit "
                  "is 20"),
    "inf.yaml": ("roles:\n  - slug: mlops-engineer\n    stats:\n      - source: SOURCE\n"
                 "        salary: {median: .inf}\n",
                 "line 5: roles[0].stats[0].salary.median: inf is not a finite number"),
    "surrogate.json": ('{"faq": [{"question": "What is \\ud800?", "answer": "Half a pair."}]}',
                       "faq[0].question: contains a lone surrogate (U+D800), which is not valid "
                       "Unicode"),
}


@pytest.mark.parametrize("filename", IMPORTS, ids=str)
async def test_an_import_with_bad_values_is_refused_naming_field_and_limit(
        world: World, filename: str) -> None:
    mod = world.member(world.a, "mod")
    content, expected = IMPORTS[filename]
    content = content.replace("SOURCE", source_id())
    before = world.db.read_bytes()
    data, _ = await world.slash("kb import", {"file": world.server.upload(
        filename, content.encode())}, mod)
    text = plain(embed_text(data))
    assert private(data) and f"I can't import {filename}" in text and expected in text, text
    assert world.db.read_bytes() == before
