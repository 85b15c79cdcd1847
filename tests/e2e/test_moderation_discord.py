"""Moderators on Discord, end to end: the real bot on the fake Discord, with two servers.

Server A is the fake's default guild (alice: a member; mod and mod2: Manage Server
through the Moderator role; owner: owns the server; helper: only a "Helpers" role, which
A may make a moderator role). Server B is a second guild built the same way, with its own
people (the fake delivers every guild in its ``guilds`` list; commands sent from B's
channel arrive from B). ``botowner`` is in CAREERBOT_OWNER_IDS and talks to the bot in DMs.
The bot runs over a database built into tmp_path from the knowledge files (through
``bot.app.open_store``, as ``careerbot run`` does). Figures a test expects are read from
the knowledge files; the values moderators type are the test's own input.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import discord
import pytest
import yaml

import bot.discord_app.client as client_mod
from bot.app import create_advisor, create_moderation, open_store
from bot.core.render import money, pct
from bot.discord_app import runner
from bot.discord_app.client import CareerBot
from bot.knowledge import changes as changes_mod
from bot.knowledge import edits
from tests.conftest import role_file
from tests.e2e.careerbot_fixtures import MESSAGES, embed_text, make_settings
from tests.e2e.conftest import RunBot
from tests.fake_discord import (
    FakeDiscord,
    FakeGuild,
    FakeInteraction,
    FakeMember,
    FakeRole,
    FakeUser,
    Perm,
)

MLOPS = "mlops-engineer"
EPHEMERAL = 64


def mlops_stats() -> dict:
    return role_file(MLOPS)["stats"][0]


def source_id() -> str:
    return mlops_stats()["source"]


# -- the cast -------------------------------------------------------------------------------


class World:
    """The bot, its database file, and both servers."""

    def __init__(self, server: FakeDiscord, bot: CareerBot, db: Path, b: FakeGuild,
                 bot_owner: FakeUser) -> None:
        self.server = server
        self.bot = bot
        self.db = db
        self.a = server.guild
        self.b = b
        self.bot_owner = bot_owner

    def member(self, guild: FakeGuild, name: str) -> FakeMember:
        return guild.member_named(name)

    # -- talking to the bot --------------------------------------------------------------

    async def say(self, who: FakeMember | FakeUser, text: str, guild: FakeGuild | None = None,
                  **kwargs: Any) -> dict:
        """Post ``text`` in a guild's channel (A by default) and return the bot's one reply."""
        since = self.server.mark()
        channel = (guild or self.a).text_channel.id
        await self.server.send_message(channel, author=who, content=text, **kwargs)
        [req] = await self.server.wait_for_requests("POST", MESSAGES, since=since)
        return req.json

    async def slash(self, name: str, options: dict[str, Any] | None, who: FakeMember,
                    guild: FakeGuild | None = None) -> tuple[dict, FakeInteraction]:
        """Run ``/name`` and return the message it finally shows (after a defer, the follow-up)."""
        inter = await self.server.send_slash_command(
            name, options or {}, user=who, channel_id=(guild or self.a).text_channel.id)
        callback = await self.server.wait_for_interaction_response(inter)
        if callback["type"] == 5:
            return await self.server.wait_for_original(inter), inter
        assert callback["type"] == 4, callback
        return callback["data"], inter

    async def choices(self, name: str, focused: str, text: str, who: FakeMember,
                      guild: FakeGuild | None = None,
                      options: dict[str, Any] | None = None) -> list[dict]:
        return await self.server.send_autocomplete(
            name, {**(options or {}), focused: text}, focused=focused, user=who,
            channel_id=(guild or self.a).text_channel.id)

    def cog_module(self) -> ModuleType:
        """The cog's module as this bot loaded it (load_extension imports it afresh)."""
        return sys.modules[type(self.bot.get_cog("Moderation")).__module__]

    async def salary(self, guild: FakeGuild) -> str:
        return embed_text(await self.say(self.member(guild, "alice"), "!salary mlops", guild))


def private(payload: dict) -> bool:
    return bool((payload.get("flags") or 0) & EPHEMERAL)


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "data" / "careerbot.db"


@pytest.fixture
async def world(fake_discord: FakeDiscord, run_bot: RunBot, db: Path) -> World:
    helpers = FakeRole(name="Helpers", permissions=int(Perm.member_default()), position=1)
    fake_discord.guild.roles.append(helpers)
    fake_discord.guild.members += [
        FakeMember(FakeUser(username="helper", global_name="Helper"), roles=[helpers.id]),
        FakeMember(FakeUser(username="mod2", global_name="Mod Two"),
                   roles=[fake_discord.guild.role_named("Moderator").id]),
    ]
    second = FakeGuild.default(fake_discord.bot_user, name="Second Server")
    fake_discord.guilds.append(second)
    bot_owner = fake_discord.add_user(FakeUser(username="botowner", global_name="Bot Owner"))

    settings = make_settings(fake_discord, db=db, owner_ids=f"{bot_owner.id}")
    store = open_store(settings)  # builds the database from the knowledge files
    bot = CareerBot(create_advisor(settings, store), settings,
                    moderation=create_moderation(settings, store))
    await run_bot(bot)
    # The commands are synced to server A (the dev guild); server B gets them too, as a
    # global sync (`careerbot sync`) would give every server.
    bot.tree.copy_global_to(guild=discord.Object(second.id))
    await bot.tree.sync(guild=discord.Object(second.id))
    yield World(fake_discord, bot, db, second, bot_owner)
    store.close()


def plain(text: str) -> str:
    """Embed text without Discord markdown escapes, for reading field paths."""
    return re.sub(r"\\([\\*_~`|>\[\]#+-])", r"\1", text)


def entry_id(payload: dict) -> int:
    """The history entry a change reply names in its footer ("Entry 3 in the history …")."""
    found = re.search(r"Entry (\d+) in the history", embed_text(payload))
    assert found, embed_text(payload)
    return int(found.group(1))


def set_options(field: str, value: Any, **more: str) -> dict[str, Any]:
    return {"role": "mlops", "field": field, "value": str(value), "source": source_id(),
            "date": mlops_stats()["as_of"], **more}


def buttons(payload: dict) -> dict[str, str]:
    """Label -> custom_id of the buttons on a message."""
    return {c["label"]: c["custom_id"] for row in payload.get("components") or []
            for c in row["components"]}


def uploaded(server: FakeDiscord, since: int) -> bytes:
    """The one file the bot uploaded since ``since`` (a message or an interaction answer)."""
    files = [f for r in server.requests[since:] for f in r.files]
    assert len(files) == 1, files
    return files[0].data


# -- who may edit ---------------------------------------------------------------------------


async def test_a_members_edits_are_refused_and_the_database_file_is_unchanged(
        world: World) -> None:
    alice = world.member(world.a, "alice")
    answer_before = await world.salary(world.a)
    before = world.db.read_bytes()

    data, _ = await world.slash("kb set", set_options("median", "999k"), alice)
    assert private(data)
    text = embed_text(data)
    assert "You can't do that here" in text and "Nothing was changed" in text
    assert "moderators" in text
    reply = await world.say(alice, f"!kb set mlops median 999k source:{source_id()} date:2026-03")
    assert "Nothing was changed" in embed_text(reply)
    attempts = [
        ("kb alias add", {"role": "mlops", "alias": "modelops"}),
        ("kb faq add", {"question": "Is a bootcamp enough?", "answer": "Yes."}),
        ("kb role add", {"slug": "prompt-engineer", "name": "Prompt Engineer"}),
        ("kb undo", {"entry": "1"}),
        ("kb history", {}),
        ("kb show", {"role": "mlops"}),
        ("kb export", {}),
        ("kb import", {"file": world.server.upload("edit.yaml", good_edit())}),
        ("config prefix", {"prefix": "?"}),
        ("config modrole add", {"role": world.a.role_named("Helpers")}),
        ("config channel add", {"channel": world.a.text_channel}),
    ]
    for name, options in attempts:
        data, _ = await world.slash(name, options, alice)
        assert private(data), name
        assert "Nothing was changed" in embed_text(data), (name, embed_text(data))
        assert not data.get("components") and not data.get("attachments"), name
    assert "Manage Server" in embed_text(data)  # settings need Manage Server itself

    assert world.db.read_bytes() == before
    assert await world.salary(world.a) == answer_before


async def test_a_moderators_edit_changes_that_servers_answers_and_no_other(world: World) -> None:
    mod = world.member(world.a, "mod")
    old = mlops_stats()["salary"]["median"]
    new = old + 7000
    before_b = await world.salary(world.b)

    data, _ = await world.slash("kb set", set_options("median", new), mod)
    assert not private(data)  # a change is announced where it was made
    assert f"{money(old)} → {money(new)}" in embed_text(data)
    # The store's cache sees the edit at once: the very next answer has the new figure.
    assert f"Median: {money(new)}" in await world.salary(world.a)
    assert await world.salary(world.b) == before_b

    # The prefix form, with a text field whose value has spaces.
    focus = "Keeps models healthy in production."
    reply = await world.say(mod, f"!kb set mlops focus {focus}")
    assert "Role updated" in embed_text(reply), embed_text(reply)
    assert focus in embed_text(await world.say(mod, "!role mlops"))
    assert focus not in embed_text(await world.say(world.member(world.b, "alice"), "!role mlops",
                                                    world.b))


async def test_a_moderator_role_set_by_the_server_may_edit_there_only(world: World) -> None:
    helper, owner = world.member(world.a, "helper"), world.member(world.a, "owner")
    helpers = world.a.role_named("Helpers")
    data, _ = await world.slash("kb alias add", {"role": "mlops", "alias": "model ops"}, helper)
    assert "Nothing was changed" in embed_text(data)

    reply = await world.say(owner, f"!config modrole add {helpers.mention}")
    assert "Moderator role added" in embed_text(reply), embed_text(reply)
    reply = await world.say(helper, '!kb alias add mlops "model ops"')
    assert "Alias added" in embed_text(reply), embed_text(reply)
    assert "MLOps Engineer" in embed_text(await world.say(helper, "!role model ops"))
    in_b = await world.say(world.member(world.b, "alice"), "!role model ops", world.b)
    assert "I don't know that role" in embed_text(in_b)
    # A moderator role may edit the knowledge, not the server's settings.
    data, _ = await world.slash("config prefix", {"prefix": "?"}, helper)
    assert private(data) and "Manage Server" in embed_text(data)
    data, _ = await world.slash("config show", {}, helper)
    assert private(data) and str(helpers.id) in embed_text(data)


async def test_the_bot_owner_edits_the_global_base_from_a_dm(world: World) -> None:
    new_remote = mlops_stats()["remote_pct"] + 5
    command = f"!kb set mlops remote {new_remote} source:{source_id()} date:2026-03"
    for who, expected in ((world.member(world.a, "alice"), "Only the bot's owner"),
                          (world.bot_owner, "Figures updated")):
        since = world.server.mark()
        dm = await world.server.send_dm(author=who, content=command)
        [req] = await world.server.wait_for_requests("POST", MESSAGES, since=since)
        assert req.path == f"/channels/{dm['channel_id']}/messages"
        assert expected in embed_text(req.json), embed_text(req.json)
    for guild in (world.a, world.b):
        assert f"{pct(new_remote)} of MLOps Engineer roles are fully remote" in \
            await world.salary(guild)
    # Settings belong to a server, even for the owner.
    since = world.server.mark()
    await world.server.send_dm(author=world.bot_owner, content="!config prefix ?")
    [req] = await world.server.wait_for_requests("POST", MESSAGES, since=since)
    text = embed_text(req.json)
    assert "Settings belong to a server: use this command in one." in text


# -- undo and history -----------------------------------------------------------------------


async def test_undo_restores_the_earlier_answer(world: World) -> None:
    mod, alice = world.member(world.a, "mod"), world.member(world.a, "alice")
    before = embed_text(await world.say(alice, "!compare mlops pm"))
    data, _ = await world.slash("kb set", set_options("remote", 55), mod)
    entry = entry_id(data)
    assert embed_text(await world.say(alice, "!compare mlops pm")) != before

    history, _ = await world.slash("kb history", {}, mod)
    assert private(history)
    assert f"Entry {entry}: Figures updated" in embed_text(history)
    data, _ = await world.slash("kb undo", {"entry": str(entry)}, mod)
    assert f"Undid entry {entry}" in embed_text(data), embed_text(data)
    assert embed_text(await world.say(alice, "!compare mlops pm")) == before
    # Undoing twice is refused, naming the undo.
    reply = await world.say(mod, f"!kb undo {entry}")
    assert "already undone" in embed_text(reply)


# -- import and export ----------------------------------------------------------------------


def good_edit(remote: Any = 12) -> bytes:
    return (f"format: careerbot/1\nroles:\n  - slug: {MLOPS}\n    stats:\n"
            f"      - source: {source_id()}\n        remote_pct: {remote}\n").encode()


INVALID_IMPORTS = {
    "broken yaml": (good_edit("12: 13"), "edit.yaml",
                    "line 6: not valid YAML: mapping values are not allowed"),
    "wrong type": (good_edit("high"), "edit.yaml",
                   "line 6: roles[0].stats[0].remote_pct: 'high' is not a number"),
    "unknown role": (good_edit().replace(MLOPS.encode(), b"data-wizard"), "edit.yaml",
                     "line 3: roles[0].slug: 'data-wizard' is not a role here"),
    "remote 140%": (good_edit(140), "edit.yaml",
                    "roles[0].stats[0].remote_pct: 140 is not a percentage"),
    "broken json": (b'{"roles": [\n  {"slug": }]}', "edit.json", "line 2"),
}


@pytest.mark.parametrize("case", INVALID_IMPORTS, ids=str)
async def test_an_invalid_import_is_refused_naming_the_problem_with_nothing_written(
        world: World, case: str) -> None:
    content, filename, problem = INVALID_IMPORTS[case]
    mod = world.member(world.a, "mod")
    before = world.db.read_bytes()
    data, _ = await world.slash("kb import", {"file": world.server.upload(filename, content)}, mod)
    text = plain(embed_text(data))
    assert private(data)
    assert f"I can't import {filename}" in text and "Nothing was written" in text
    assert problem in text, text
    assert not buttons(data)  # nothing to confirm
    reply = await world.say(mod, "!kb import",
                            attachments=[world.server.upload(filename, content)])
    assert problem in plain(embed_text(reply)) and not buttons(reply)
    assert world.db.read_bytes() == before


async def a_server_with_edits(world: World) -> bytes:
    """Edits of several kinds in server A, exported (slash form) as its overlay file."""
    mod = world.member(world.a, "mod")
    new = mlops_stats()["salary"]["median"] + 7000
    for name, options in (
            ("kb set", set_options("median", new)),
            ("kb alias add", {"role": "mlops", "alias": "modelops"}),
            ("kb faq add", {"question": "Is a bootcamp enough?", "answer": "Rarely on its own.",
                            "tags": "education"})):
        data, _ = await world.slash(name, options, mod)
        assert data.get("embeds") and "Nothing was changed" not in embed_text(data), \
            embed_text(data)
    since = world.server.mark()
    data, _ = await world.slash("kb export", {}, mod)
    assert private(data)
    assert "Export" in embed_text(data)
    content = uploaded(world.server, since)
    exported = yaml.safe_load(content)
    assert exported["format"] == "careerbot/1" and exported["guild"] == str(world.a.id)
    assert data["attachments"][0]["filename"].endswith("-overlay.yaml")
    return content


async def preview_in_b(world: World, content: bytes) -> dict:
    """B's moderator sends the file with !kb import; returns the preview message."""
    since = world.server.mark()
    await world.server.send_message(world.b.text_channel.id, author=world.member(world.b, "mod"),
                                    content="!kb import",
                                    attachments=[world.server.upload("a.yaml", content,
                                                                     channel_id=world.b.text_channel.id)])
    [req] = await world.server.wait_for_requests("POST", MESSAGES, since=since)
    assert "Import preview: a.yaml" in embed_text(req.json), embed_text(req.json)
    assert set(buttons(req.json)) == {"Confirm", "Cancel"}
    return req.response


async def test_an_export_imported_elsewhere_after_confirmation_recreates_the_edits(
        world: World) -> None:
    content = await a_server_with_edits(world)
    salary_a, salary_b = await world.salary(world.a), await world.salary(world.b)
    assert salary_a != salary_b
    before = world.db.read_bytes()
    preview = await preview_in_b(world, content)
    assert world.db.read_bytes() == before  # a preview writes nothing
    confirm = buttons(preview)["Confirm"]

    # Only the moderator who sent the file can confirm it.
    other = await world.server.send_component(preview, confirm,
                                              user=world.member(world.b, "owner"))
    denial = await world.server.wait_for_interaction_response(other)
    assert private(denial["data"]) and "isn't yours" in embed_text(denial["data"])
    assert world.db.read_bytes() == before

    click = await world.server.send_component(preview, confirm, user=world.member(world.b, "mod"))
    update = await world.server.wait_for_interaction_response(click)
    assert update["type"] == 7 and not update["data"]["components"]  # the buttons are gone
    [result] = await world.server.wait_for_followups(click)
    assert "Import applied" in embed_text(result), embed_text(result)
    assert await world.salary(world.b) == salary_a
    (entry,) = edits.history(world.db, str(world.b.id))
    assert entry.action == "import" and len(entry.children) == 3


async def test_a_cancelled_import_writes_nothing(world: World) -> None:
    content = await a_server_with_edits(world)
    before = world.db.read_bytes()
    preview = await preview_in_b(world, content)
    click = await world.server.send_component(preview, buttons(preview)["Cancel"],
                                              user=world.member(world.b, "mod"))
    await world.server.wait_for_interaction_response(click)
    [result] = await world.server.wait_for_followups(click)
    assert "Import cancelled" in embed_text(result)
    assert world.db.read_bytes() == before


async def test_a_failure_in_the_middle_of_an_import_leaves_the_database_as_it_was(
        world: World, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    content = await a_server_with_edits(world)
    salary_b = await world.salary(world.b)
    preview = await preview_in_b(world, content)
    before = world.db.read_bytes()
    real_write = changes_mod.write_row
    writes: list[Any] = []

    def failing_write(conn, change):  # type: ignore[no-untyped-def]
        writes.append(change)
        if len(writes) == 3:
            raise OSError("disk full: secret detail")
        real_write(conn, change)

    monkeypatch.setattr(changes_mod, "write_row", failing_write)
    with caplog.at_level(logging.ERROR):
        click = await world.server.send_component(preview, buttons(preview)["Confirm"],
                                                  user=world.member(world.b, "mod"))
        [result] = await world.server.wait_for_followups(click)
    assert len(writes) == 3  # two rows were written before the failure
    text = embed_text(result)
    assert "Something went wrong on my side" in text and "secret detail" not in text
    assert private(result)
    assert "disk full" in caplog.text
    assert world.db.read_bytes() == before
    monkeypatch.undo()
    assert await world.salary(world.b) == salary_b


async def test_an_unanswered_preview_loses_its_buttons(world: World,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(world.cog_module(), "CONFIRM_TIMEOUT", 0.05)
    before = world.db.read_bytes()
    data, inter = await world.slash("kb import", {"file": world.server.upload("e.yaml",
                                                                               good_edit())},
                                    world.member(world.a, "mod"))
    assert private(data) and set(buttons(data)) == {"Confirm", "Cancel"}
    [edit] = await world.server.wait_for_requests(
        "PATCH", rf"/webhooks/\d+/{inter.token}/messages/\d+", since=0)
    assert edit.json["components"] == []
    assert not buttons(await world.server.wait_for_original(inter))
    assert world.db.read_bytes() == before


async def test_export_forms_and_import_without_a_file(world: World) -> None:
    mod = world.member(world.a, "mod")
    since = world.server.mark()
    reply = await world.say(mod, "!kb export merged json")
    merged = json.loads(uploaded(world.server, since))
    assert {r["slug"] for r in merged["roles"]} >= {MLOPS}
    assert "Everything" in embed_text(reply)
    since = world.server.mark()
    reply = await world.say(mod, "!kb export json")
    assert json.loads(uploaded(world.server, since))["guild"] == str(world.a.id)
    assert "overlay.json" in embed_text(reply)
    reply = await world.say(mod, "!kb import")
    assert "Attach the file to import" in embed_text(reply)


async def test_an_oversized_file_is_refused_before_download(
        world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(world.cog_module(), "MAX_UPLOAD_BYTES", 10)
    data, _ = await world.slash("kb import", {"file": world.server.upload("big.yaml",
                                                                           good_edit())},
                                world.member(world.a, "mod"))
    assert private(data) and "an import can be at most 10 bytes" in embed_text(data)


# -- concurrent edits -----------------------------------------------------------------------


async def test_two_concurrent_edits_are_both_in_the_history_and_none_is_lost(
        world: World) -> None:
    seen = mlops_stats()["salary"]["median"]
    mod, mod2 = world.member(world.a, "mod"), world.member(world.a, "mod2")
    (one, _), (two, _) = await asyncio.gather(
        world.slash("kb set", set_options("median", seen + 1000), mod),
        world.slash("kb set", set_options("median", seen + 2000), mod2))
    assert "Figures updated" in embed_text(one) and "Figures updated" in embed_text(two)
    first, second = sorted(edits.history(world.db, str(world.a.id)), key=lambda e: e.id)
    assert {first.actor_name, second.actor_name} == {"Mod", "Mod Two"}
    # The later edit records the earlier one's value as what it replaced, and says so.
    assert second.before["salary.median"] == first.after["salary.median"]
    later = one if first.actor_name == "Mod Two" else two
    assert f"{money(first.after['salary.median'])} → {money(second.after['salary.median'])}" \
        in embed_text(later)
    assert f"Median: {money(second.after['salary.median'])}" in await world.salary(world.a)


async def test_concurrent_edits_of_the_value_seen_never_overwrite_silently(world: World) -> None:
    seen = mlops_stats()["salary"]["median"]
    mod, mod2 = world.member(world.a, "mod"), world.member(world.a, "mod2")
    results = await asyncio.gather(
        world.slash("kb set", set_options("median", seen + 1000, expect=str(seen)), mod),
        world.slash("kb set", set_options("median", seen + 2000, expect=str(seen)), mod2))
    texts = [embed_text(data) for data, _ in results]
    assert sum("Figures updated" in t for t in texts) == 1
    (lost_index,) = [i for i, t in enumerate(texts) if "Changed by someone else" in t]
    assert private(results[lost_index][0])
    [winner] = edits.history(world.db, str(world.a.id))
    current = winner.after["salary.median"]
    assert f"now {money(current)}" in texts[lost_index]
    assert winner.actor_name in texts[lost_index]  # and who changed it
    loser = (mod, mod2)[lost_index]
    data, _ = await world.slash("kb set", set_options("median", seen + 3000,
                                                      expect=str(current)), loser)
    assert f"{money(current)} → {money(seen + 3000)}" in embed_text(data)
    entries = edits.history(world.db, str(world.a.id))
    assert [e.actor_name for e in reversed(entries)] == [winner.actor_name, loser.user.global_name]
    assert f"Median: {money(seen + 3000)}" in await world.salary(world.a)


# -- autocomplete ---------------------------------------------------------------------------


async def test_autocomplete_offers_only_this_servers_entries_and_only_to_moderators(
        world: World) -> None:
    mod_a, mod_b = world.member(world.a, "mod"), world.member(world.b, "mod")
    data, _ = await world.slash("kb faq add", {"question": "Is a bootcamp enough?",
                                               "answer": "Rarely on its own."}, mod_a)
    assert "FAQ entry added" in embed_text(data)
    reply = await world.say(mod_a, "!kb role add prompt-engineer name: Prompt Engineer "
                                   "focus: Writes and tests prompts.")
    assert "Role added" in embed_text(reply), embed_text(reply)
    data, _ = await world.slash("kb faq add", {"question": "Which meetup is best?",
                                               "answer": "Ours."}, mod_b, world.b)
    assert "FAQ entry added" in embed_text(data)

    faq_a = await world.choices("kb faq edit", "entry", "", mod_a)
    faq_b = await world.choices("kb faq edit", "entry", "", mod_b, world.b)
    assert [c["name"].split(": ", 1)[1] for c in faq_a] == ["Is a bootcamp enough?"]
    assert [c["name"].split(": ", 1)[1] for c in faq_b] == ["Which meetup is best?"]
    assert await world.choices("kb faq remove", "entry", "bootcamp", mod_b, world.b) == []

    roles_a = await world.choices("kb show", "role", "prompt", mod_a)
    assert {"name": "Prompt Engineer", "value": "prompt-engineer"} in roles_a
    roles_b = await world.choices("kb set", "role", "prompt", mod_b, world.b)
    assert "prompt-engineer" not in {c["value"] for c in roles_b}
    # The members' own commands follow the server's view too.
    advice_b = await world.choices("role", "role", "prompt", world.member(world.b, "alice"),
                                   world.b)
    assert "prompt-engineer" not in {c["value"] for c in advice_b}
    advice_a = await world.choices("role", "role", "prompt", world.member(world.a, "alice"))
    assert "prompt-engineer" in {c["value"] for c in advice_a}

    # Moderators get at most 25 choices; members get none at all.
    everything = await world.choices("kb set", "role", "", mod_a)
    assert 0 < len(everything) <= 25
    assert await world.choices("kb set", "field", "med", mod_a)
    assert await world.choices("kb set", "source", "", mod_a)
    alice = world.member(world.a, "alice")
    for name, focused in (("kb set", "role"), ("kb set", "field"), ("kb set", "source"),
                          ("kb faq edit", "entry"), ("kb show", "role")):
        assert await world.choices(name, focused, "", alice) == [], (name, focused)


# -- per-server settings --------------------------------------------------------------------


async def test_a_server_prefix_changes_that_servers_commands_only(world: World) -> None:
    mod, alice = world.member(world.a, "mod"), world.member(world.a, "alice")
    data, _ = await world.slash("config prefix", {"prefix": "?"}, mod)
    assert "Prefix changed" in embed_text(data), embed_text(data)
    assert "`?kb undo" in embed_text(data)  # replies now write commands with the new prefix

    reply = await world.say(alice, "?compare mlops pm")
    assert "MLOps Engineer vs AI Product Manager" in embed_text(reply)
    await world.server.send_message(author=alice, content="!compare mlops pm")
    await world.server.expect_no_requests("POST", MESSAGES)
    mention = await world.say(alice, f"<@{world.server.bot_user.id}> compare mlops pm")
    assert "MLOps Engineer vs AI Product Manager" in embed_text(mention)
    other = await world.say(world.member(world.b, "alice"), "!compare mlops pm", world.b)
    assert "MLOps Engineer vs AI Product Manager" in embed_text(other)
    # Slash answers suggest commands with the server's prefix too.
    data, _ = await world.slash("salary", {"role": "mlops"}, alice)
    assert "`?compare mlops" in embed_text(data)


async def test_settings_commands_and_channels(world: World) -> None:
    owner = world.member(world.a, "owner")
    data, _ = await world.slash("config channel add", {"channel": world.a.text_channel}, owner)
    assert "Q&A channel added" in embed_text(data), embed_text(data)
    data, _ = await world.slash("config unasked", {"state": "off"}, owner)
    assert "Unasked answers switched" in embed_text(data), embed_text(data)
    settings = world.bot.moderation.settings(world.a.id)
    assert settings.qa_channels == {str(world.a.text_channel.id)} and not settings.unasked
    assert not world.bot.moderation.settings(world.b.id).qa_channels
    data, _ = await world.slash("config show", {}, owner)
    assert private(data) and str(world.a.text_channel.id) in embed_text(data)


# -- the commands themselves ----------------------------------------------------------------


async def test_prefix_forms_explain_themselves(world: World) -> None:
    mod = world.member(world.a, "mod")
    listing = embed_text(await world.say(mod, "!kb"))
    for usage in ("!kb set ROLE FIELD VALUE", "!kb undo ENTRY", "!kb import"):
        assert usage in listing
    assert "!config prefix" in embed_text(await world.say(mod, "!config"))
    before = world.db.read_bytes()
    reply = await world.say(mod, "!kb set mlops")
    assert "needs FIELD" in embed_text(reply) and "Nothing was changed" in embed_text(reply)
    # One answer only: the advice commands' usage help stays out of it.
    await world.server.expect_no_requests("POST", MESSAGES, since=world.server.mark())
    reply = await world.say(mod, "!kb faq add question: Only a question?")
    assert "needs answer:" in embed_text(reply)
    assert world.db.read_bytes() == before


async def test_the_prefix_forms_of_sources_faq_and_roles(world: World) -> None:
    mod, alice = world.member(world.a, "mod"), world.member(world.a, "alice")
    reply = await world.say(mod, "!kb source add club-survey name: Club survey 2026 "
                                 "kind: survey date: 2026-02")
    assert "Source added" in embed_text(reply), embed_text(reply)
    reply = await world.say(mod, "!kb set mlops remote 30 source:club date:2026-02")
    assert "Figures updated" in embed_text(reply), embed_text(reply)
    assert "Club survey 2026" in embed_text(reply)

    reply = await world.say(mod, "!kb faq add question: Is a bootcamp enough? "
                                 "answer: Rarely on its own. tags: education")
    assert "FAQ entry added" in embed_text(reply), embed_text(reply)
    [choice] = await world.choices("kb faq edit", "entry", "bootcamp", mod)
    reply = await world.say(mod, f"!kb faq edit {choice['value']} answer: Rarely, alone. "
                                 "expect: Rarely on its own.")
    assert "FAQ entry updated" in embed_text(reply), embed_text(reply)
    reply = await world.say(mod, f"!kb faq remove {choice['value']}")
    assert "FAQ entry removed" in embed_text(reply), embed_text(reply)

    document = yaml.safe_dump({"slug": "prompt-engineer", "name": "Prompt Engineer",
                               "aliases": ["prompter"], "focus": "Writes and tests prompts."})
    reply = await world.say(mod, "!kb role add", attachments=[
        world.server.upload("prompt-engineer.yaml", document.encode())])
    assert "Role added" in embed_text(reply), embed_text(reply)
    assert "Writes and tests prompts." in embed_text(await world.say(alice, "!role prompter"))
    reply = await world.say(mod, "!kb role remove prompter")
    assert "Role removed" in embed_text(reply), embed_text(reply)
    assert "I don't know that role" in embed_text(await world.say(alice, "!role prompter"))


async def test_slow_work_is_deferred_then_answered(world: World,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(world.cog_module(), "DEFER_AFTER", 0)
    inter = await world.server.send_slash_command(
        "kb set", set_options("median", mlops_stats()["salary"]["median"] + 1000),
        user=world.member(world.a, "mod"))
    callback = await world.server.wait_for_interaction_response(inter)
    assert callback["type"] == 5
    original = await world.server.wait_for_original(inter)
    assert "Figures updated" in embed_text(original)


def _walk(options: list[dict], path: str) -> list[tuple[str, dict]]:
    out = []
    for option in options:
        name = f"{path} {option['name']}"
        out.append((name, option))
        if option.get("type") in (1, 2):
            out += _walk(option.get("options") or [], name)
    return out


async def test_every_command_and_option_is_described(world: World) -> None:
    synced = {c["name"]: c for c in world.server.synced_commands(guild_id=world.a.id)}
    autocompleted = set()
    for group in ("kb", "config"):
        command = synced[group]
        assert command["description"]
        for name, option in _walk(command["options"], group):
            assert option["description"] and option["description"] != "…", name
            if option.get("autocomplete"):
                autocompleted.add(name)
    for expected in ("kb set role", "kb set field", "kb set source", "kb faq edit entry",
                     "kb faq remove entry", "kb show role", "kb alias add role",
                     "kb role remove role"):
        assert expected in autocompleted, expected
    options = {n: o for group in ("kb", "config")
               for n, o in _walk(synced[group]["options"], group)}
    assert options["kb import file"]["type"] == 11 and options["kb import file"]["required"]
    assert options["config modrole add role"]["type"] == 8


async def test_careerbot_sync_wires_moderation_over_the_advisors_store(
        fake_discord: FakeDiscord, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``careerbot run``/``sync`` build one store for answers and moderation, so an edit shows
    in the next answer, and load the kb and config commands."""
    started: list[client_mod.CareerBot] = []

    class Recorded(client_mod.CareerBot):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            started.append(self)

    monkeypatch.setattr(client_mod, "CareerBot", Recorded)
    settings = make_settings(fake_discord, db=tmp_path / "kb.db", dev_guild_id=None)
    await runner._start(settings, sync_globally=True)
    [bot] = started
    assert bot.moderation.store is bot.advisor.store
    assert bot.moderation.store.db_path == tmp_path / "kb.db"
    synced = {c["name"] for c in fake_discord.synced_commands(guild_id=None)}
    assert {"kb", "config", "compare"} <= synced
    bot.moderation.store.close()
