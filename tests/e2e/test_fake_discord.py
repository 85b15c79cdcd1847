"""Smoke tests: the real discord.py client works against the fake Discord server.

Each test boots a tiny bot defined here (not careerbot), so a failure points at the harness,
not at the product. Together they cover what careerbot's Discord layer will rely on:
prefix and slash commands, autocomplete, command sync, DMs, ignoring other bots, safe
mentions, reconnects, rate limits, server errors and spec-valid payloads.
"""

from __future__ import annotations

import contextlib
import io
import time
from typing import Any

import aiohttp
import discord
import pytest
from discord import app_commands
from discord.ext import commands

from tests.e2e.conftest import RunBot
from tests.fake_discord import (
    ChannelType,
    FakeChannel,
    FakeDiscord,
    FakeGuild,
    FakeMember,
    FakeRole,
    FakeUser,
    Perm,
    fast_retries,
    require_spec,
    run_client,
    validate_request,
)

MESSAGES = r"/channels/\d+/messages"
CALLBACK = r"/interactions/\d+/[^/]+/callback"
ROLES = ["mlops", "ml engineer", "ai pm", "data scientist", "pm"]


def make_bot(*, message_content: bool = True) -> tuple[commands.Bot, list[BaseException]]:
    """A throwaway bot: ``!ping``, hybrid ``/echo text`` with autocomplete, ``/slow`` (defers,
    then follows up), ``!boom`` (raises), ``!file`` (multipart upload), ``!long`` (too long
    for Discord). Errors reaching ``on_command_error`` are collected in the returned list."""
    intents = discord.Intents.default()
    intents.message_content = message_content
    bot = commands.Bot(
        command_prefix="!",
        intents=intents,
        help_command=None,
        # The safe default DESIGN.md asks for: nobody is pinged unless a reply says so.
        allowed_mentions=discord.AllowedMentions.none(),
    )
    errors: list[BaseException] = []

    @bot.command()
    async def ping(ctx: commands.Context[Any]) -> None:
        await ctx.reply("pong")

    @bot.hybrid_command(description="Repeat some text")
    @app_commands.describe(text="What to repeat")
    async def echo(ctx: commands.Context[Any], *, text: str) -> None:
        await ctx.reply(f"echo: {text}")

    @echo.autocomplete("text")
    async def echo_text(
        interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        return [app_commands.Choice(name=r, value=r) for r in ROLES if r.startswith(current)]

    @bot.tree.command(description="Think, then answer")
    async def slow(interaction: discord.Interaction) -> None:
        await interaction.response.defer(thinking=True)
        await interaction.followup.send("done thinking")

    @bot.command()
    async def boom(ctx: commands.Context[Any]) -> None:
        raise RuntimeError("kaboom")

    @bot.command()
    async def file(ctx: commands.Context[Any]) -> None:
        await ctx.send("here", file=discord.File(io.BytesIO(b"role,pay\nmlops,1\n"), "roles.csv"))

    @bot.command()
    async def long(ctx: commands.Context[Any]) -> None:
        await ctx.send("x" * 2001)

    @bot.event
    async def on_command_error(ctx: commands.Context[Any], error: Exception) -> None:
        errors.append(error)
        with contextlib.suppress(discord.HTTPException):  # e.g. may not write here either
            await ctx.send("Sorry, that failed.")

    return bot, errors


def original_error(error: BaseException) -> BaseException:
    return getattr(error, "original", error)


# ------------------------------------------------------------------------------------------


async def test_login_and_ready_under_a_second(fake_discord: FakeDiscord, run_bot: RunBot) -> None:
    bot, _ = make_bot()
    started = time.perf_counter()
    await run_bot(bot)
    elapsed = time.perf_counter() - started

    assert elapsed < 1.0, f"boot took {elapsed:.2f}s"
    assert bot.user is not None and bot.user.id == fake_discord.bot_user.id
    assert bot.application_id == fake_discord.application_id
    guild = bot.get_guild(fake_discord.guild.id)
    assert guild is not None and guild.name == fake_discord.guild.name
    assert guild.get_channel(fake_discord.text_channel.id) is not None
    assert {r.name for r in guild.roles} >= {"@everyone", "Moderator"}
    assert fake_discord.find_requests("GET", r"/users/@me")
    assert fake_discord.find_requests("GET", r"/oauth2/applications/@me")
    identify = fake_discord.identify_payload
    assert identify is not None and identify["token"] == "fake-token"
    assert identify["intents"] & discord.Intents(message_content=True).value


async def test_prefix_command_replies_with_message_reference(
    fake_discord: FakeDiscord, run_bot: RunBot
) -> None:
    bot, _ = make_bot()
    await run_bot(bot)

    sent = await fake_discord.send_message(author=fake_discord.alice, content="!ping")
    [req] = await fake_discord.wait_for_requests("POST", MESSAGES)

    assert req.path == f"/channels/{fake_discord.text_channel.id}/messages"
    assert req.json["content"] == "pong"
    assert int(req.json["message_reference"]["message_id"]) == int(sent["id"])
    assert req.status == 200
    assert req.response["type"] == 19  # a reply
    assert req.response["referenced_message"]["id"] == sent["id"]


async def test_slash_command_gets_type_4_callback(
    fake_discord: FakeDiscord, run_bot: RunBot
) -> None:
    bot, _ = make_bot()
    await run_bot(bot)

    inter = await fake_discord.send_slash_command(
        "echo", {"text": "hello"}, user=fake_discord.alice
    )
    callback = await fake_discord.wait_for_interaction_response(inter)

    assert callback["type"] == 4
    assert callback["data"]["content"] == "echo: hello"
    assert inter.original is not None and inter.original["content"] == "echo: hello"
    assert inter.original["interaction_metadata"]["user"]["id"] == str(fake_discord.alice.id)


async def test_autocomplete_returns_type_8_choices(
    fake_discord: FakeDiscord, run_bot: RunBot
) -> None:
    bot, _ = make_bot()
    await run_bot(bot)

    choices = await fake_discord.send_autocomplete(
        "echo", focused="text", options={"text": "m"}, user=fake_discord.alice
    )

    assert choices == [
        {"name": "mlops", "value": "mlops"},
        {"name": "ml engineer", "value": "ml engineer"},
    ]
    [req] = fake_discord.find_requests("POST", CALLBACK)
    assert req.json["type"] == 8


async def test_deferred_slash_command_finishes_with_followup(
    fake_discord: FakeDiscord, run_bot: RunBot
) -> None:
    bot, _ = make_bot()
    await run_bot(bot)

    inter = await fake_discord.send_slash_command("slow", user=fake_discord.mod)
    callback = await fake_discord.wait_for_interaction_response(inter)
    original = await fake_discord.wait_for_original(inter)

    assert callback["type"] == 5
    # Discord turns the first follow-up after a defer into the "thinking" message's content.
    assert original["content"] == "done thinking"
    assert [f["id"] for f in inter.followups] == [original["id"]]


async def test_tree_sync_records_payload_and_slash_uses_synced_id(
    fake_discord: FakeDiscord, run_bot: RunBot
) -> None:
    bot, _ = make_bot()
    await run_bot(bot)
    guild = discord.Object(id=fake_discord.guild.id)
    bot.tree.copy_global_to(guild=guild)

    synced = await bot.tree.sync(guild=guild)

    payload = fake_discord.synced_commands(guild_id=fake_discord.guild.id)
    by_name = {c["name"]: c for c in payload}
    assert set(by_name) == {"echo", "slow"}
    assert by_name["echo"]["description"] == "Repeat some text"
    [text] = by_name["echo"]["options"]
    assert text["name"] == "text" and text["type"] == 3 and text["required"] is True
    assert text["autocomplete"] is True and text["description"] == "What to repeat"
    assert fake_discord.synced_commands() is None  # nothing synced globally
    assert {c.name for c in synced} == {"echo", "slow"}

    inter = await fake_discord.send_slash_command("echo", {"text": "hi"}, user=fake_discord.alice)
    echo_id = next(c.id for c in synced if c.name == "echo")
    assert inter.payload["data"]["id"] == str(echo_id)
    assert inter.payload["data"]["guild_id"] == str(fake_discord.guild.id)
    callback = await fake_discord.wait_for_interaction_response(inter)
    assert callback["data"]["content"] == "echo: hi"


async def test_dm_gets_reply_in_dm_channel(fake_discord: FakeDiscord, run_bot: RunBot) -> None:
    bot, _ = make_bot()
    await run_bot(bot)

    sent = await fake_discord.send_dm(author=fake_discord.alice, content="!ping")
    [req] = await fake_discord.wait_for_requests("POST", MESSAGES)

    dm = fake_discord.dm_channel_for(fake_discord.alice)
    assert "guild_id" not in sent
    assert req.path == f"/channels/{dm.id}/messages"
    assert req.json["content"] == "pong"
    assert "guild_id" not in req.response


async def test_messages_from_other_bots_are_ignored(
    fake_discord: FakeDiscord, run_bot: RunBot
) -> None:
    bot, _ = make_bot()
    await run_bot(bot)

    await fake_discord.send_message(author=fake_discord.otherbot, content="!ping")
    await fake_discord.expect_no_requests("POST", MESSAGES, within=0.2)

    # Control: the same message from a person is answered, so the silence above is real.
    await fake_discord.send_message(author=fake_discord.alice, content="!ping")
    assert await fake_discord.wait_for_requests("POST", MESSAGES)


async def test_allowed_mentions_sent_and_no_one_pinged(
    fake_discord: FakeDiscord, run_bot: RunBot
) -> None:
    bot, _ = make_bot()
    await run_bot(bot)
    mod = fake_discord.mod
    moderator = fake_discord.guild.role_named("Moderator")

    sent = await fake_discord.send_message(
        author=fake_discord.mod, content=f"!echo {mod.mention} {moderator.mention} @everyone"
    )
    [req] = await fake_discord.wait_for_requests("POST", MESSAGES)

    # The human's message pinged (the server fills mentions, as Discord does)...
    assert [u["id"] for u in sent["mentions"]] == [str(mod.id)]
    assert sent["mention_roles"] == [str(moderator.id)]
    assert sent["mention_everyone"] is True
    # ...the bot's echo of it carries allowed_mentions and pings nobody.
    # (discord.py omits replied_user when False; Discord then defaults it to false.)
    assert req.json["allowed_mentions"] == {"parse": []}
    reply = req.response
    assert reply["content"].startswith("echo: <@")
    assert reply["mentions"] == [] and reply["mention_roles"] == []
    assert reply["mention_everyone"] is False


async def test_command_error_reaches_error_handler(
    fake_discord: FakeDiscord, run_bot: RunBot
) -> None:
    bot, errors = make_bot()
    await run_bot(bot)

    await fake_discord.send_message(author=fake_discord.alice, content="!boom")
    [req] = await fake_discord.wait_for_requests("POST", MESSAGES)

    assert req.json["content"] == "Sorry, that failed."
    assert isinstance(original_error(errors[0]), RuntimeError)


async def test_gateway_drop_resumes_and_bot_keeps_answering(
    fake_discord: FakeDiscord, run_bot: RunBot
) -> None:
    bot, _ = make_bot()
    await run_bot(bot)
    session_id = fake_discord.session_id

    await fake_discord.drop_gateway()

    resumes = [f for f in fake_discord.gateway_received if f["op"] == 6]
    assert len(resumes) == 1 and resumes[0]["d"]["session_id"] == session_id
    assert fake_discord.identify_count == 1  # resumed, not re-identified
    assert fake_discord.gateway_connections == ["/gateway", "/resume"]  # resume_gateway_url
    assert fake_discord.last_replay == []  # the client had missed nothing
    await fake_discord.send_message(author=fake_discord.alice, content="!ping")
    [req] = await fake_discord.wait_for_requests("POST", MESSAGES)
    assert req.json["content"] == "pong"


async def test_rate_limited_send_is_retried(fake_discord: FakeDiscord, run_bot: RunBot) -> None:
    bot, _ = make_bot()
    await run_bot(bot)
    injection = fake_discord.inject_status("POST", MESSAGES, 429, retry_after=0.05)

    await fake_discord.send_message(author=fake_discord.alice, content="!ping")
    [ok] = await fake_discord.wait_for_requests("POST", MESSAGES, status=200)

    assert injection.hits == 1
    limited, retried = fake_discord.find_requests("POST", MESSAGES)
    assert (limited.status, limited.injected) == (429, True)
    assert retried is ok and ok.json["content"] == "pong"


@pytest.mark.parametrize(
    ("status", "times"),
    [
        pytest.param(500, 5, id="500-after-retries"),  # retried 5 times, then raised
        pytest.param(503, 1, id="503-at-once"),  # not in discord.py's retry set
    ],
)
async def test_server_error_reaches_handler_then_bot_recovers(
    fake_discord: FakeDiscord, run_bot: RunBot, status: int, times: int
) -> None:
    bot, errors = make_bot()
    await run_bot(bot)
    injection = fake_discord.inject_status("POST", MESSAGES, status, times=times)

    with fast_retries():
        await fake_discord.send_message(author=fake_discord.alice, content="!ping")
        # The failed reply, then the error handler's apology (which succeeds).
        await fake_discord.wait_for_requests("POST", MESSAGES, status=200)

    assert injection.hits == times
    [error] = errors
    assert isinstance(original_error(error), discord.DiscordServerError)
    assert original_error(error).status == status  # type: ignore[attr-defined]

    await fake_discord.send_message(author=fake_discord.alice, content="!ping")
    [req] = await fake_discord.wait_for_requests("POST", MESSAGES, status=200)
    assert req.json["content"] == "pong"


async def test_discord_limits_enforced(fake_discord: FakeDiscord, run_bot: RunBot) -> None:
    bot, errors = make_bot()
    await run_bot(bot)

    await fake_discord.send_message(author=fake_discord.alice, content="!long")
    await fake_discord.wait_for_requests("POST", MESSAGES, status=200)

    [rejected] = fake_discord.find_requests("POST", MESSAGES, status=400)
    assert rejected.response["code"] == 50035
    error = original_error(errors[0])
    assert isinstance(error, discord.HTTPException) and error.code == 50035
    if fake_discord.validating:
        # The spec check (docs limit) reports it too; clear it for the teardown check.
        assert any("2000" in e for v in fake_discord.spec_violations for e in v.errors)
        fake_discord.spec_violations.clear()


async def test_file_upload_is_multipart_with_payload_json(
    fake_discord: FakeDiscord, run_bot: RunBot
) -> None:
    bot, _ = make_bot()
    await run_bot(bot)

    await fake_discord.send_message(author=fake_discord.alice, content="!file")
    [req] = await fake_discord.wait_for_requests("POST", MESSAGES)

    assert req.json["content"] == "here"
    [upload] = req.files
    assert upload.field_name == "files[0]" and upload.filename == "roles.csv"
    assert upload.data == b"role,pay\nmlops,1\n"
    [attachment] = req.response["attachments"]
    async with aiohttp.ClientSession() as session, session.get(attachment["url"]) as resp:
        assert await resp.read() == upload.data


async def test_without_message_content_intent_prefix_commands_are_blind(
    fake_discord: FakeDiscord, run_bot: RunBot
) -> None:
    bot, _ = make_bot(message_content=False)
    await run_bot(bot)

    await fake_discord.send_message(author=fake_discord.alice, content="!ping")
    await fake_discord.expect_no_requests("POST", MESSAGES, within=0.2)

    # DMs carry content regardless of the intent, as on Discord.
    await fake_discord.send_dm(author=fake_discord.alice, content="!ping")
    assert await fake_discord.wait_for_requests("POST", MESSAGES)


async def test_unknown_route_is_recorded_as_404(fake_discord: FakeDiscord) -> None:
    async with (
        aiohttp.ClientSession() as session,
        session.get(f"{fake_discord.base_url}/no/such/route") as resp,
    ):
        body = await resp.json(content_type=None)
        content_type = resp.headers["Content-Type"]

    assert resp.status == 404 and body == {"message": "Unknown", "code": 0}
    assert content_type == "application/json"  # exactly: discord.py parses nothing else
    [req] = fake_discord.find_requests("GET", r"/no/such/route")
    assert req.status == 404


async def test_all_payloads_valid_against_discord_spec(
    fake_discord: FakeDiscord, run_bot: RunBot
) -> None:
    require_spec()
    assert fake_discord.validating
    bot, _ = make_bot()
    await run_bot(bot)
    guild = discord.Object(id=fake_discord.guild.id)
    bot.tree.copy_global_to(guild=guild)
    await bot.tree.sync(guild=guild)
    alice = fake_discord.alice

    await fake_discord.send_message(author=alice, content="!ping")
    await fake_discord.send_message(author=alice, content="!file")
    await fake_discord.wait_for_requests("POST", MESSAGES, count=2)
    await fake_discord.send_autocomplete("echo", focused="text", user=alice)
    inter = await fake_discord.send_slash_command("echo", {"text": "x"}, user=alice)
    await fake_discord.wait_for_interaction_response(inter)
    inter = await fake_discord.send_slash_command("slow", user=alice)
    await fake_discord.wait_for_original(inter)

    checked = {
        (r.method, r.path.split("/")[1]) for r in fake_discord.requests if r.json is not None
    }
    assert {("PUT", "applications"), ("POST", "channels"), ("POST", "interactions")} <= checked
    assert ("POST", "webhooks") in checked
    fake_discord.assert_no_spec_violations()


@pytest.mark.allow_spec_violations
async def test_spec_validation_catches_bad_bodies(fake_discord: FakeDiscord) -> None:
    require_spec()
    too_many = {"type": 8, "data": {"choices": [{"name": "a", "value": "a"}] * 26}}
    [error] = validate_request("POST", "/interactions/1/tok/callback", too_many)
    assert "choices" in error and "25" in error
    no_description = [
        {"name": "echo", "type": 1, "description": "d", "options": [{"type": 3, "name": "text"}]}
    ]
    [error] = validate_request("PUT", "/applications/1/commands", no_description)
    assert "description" in error
    assert validate_request("POST", "/channels/1/messages", {"content": "hi", "nonce": "123"}) == []

    # Through the server: a bad body is answered normally but recorded as a violation.
    url = f"{fake_discord.base_url}/channels/{fake_discord.text_channel.id}/messages"
    async with aiohttp.ClientSession() as session, session.post(url, json={"tts": "yes"}) as resp:
        assert resp.status == 400  # and Discord's own rule: an empty message is refused
    [violation] = fake_discord.spec_violations
    assert violation.method == "POST" and "tts" in violation.errors[0]


# -- Beyond the minimum: paths careerbot's Discord layer is likely to use ---------------------


async def test_moderator_permissions_and_member_option(
    fake_discord: FakeDiscord, run_bot: RunBot
) -> None:
    bot, _ = make_bot()
    seen: dict[str, Any] = {}

    @bot.tree.command(description="Inspect a member")
    async def whois(interaction: discord.Interaction, member: discord.Member) -> None:
        seen[interaction.user.name] = interaction.permissions.manage_guild
        seen["target"] = (member.id, [r.name for r in member.roles])
        await interaction.response.send_message("ok", ephemeral=True)

    await run_bot(bot)
    for user in (fake_discord.mod, fake_discord.alice):
        inter = await fake_discord.send_slash_command(
            "whois", {"member": fake_discord.mod}, user=user
        )
        callback = await fake_discord.wait_for_interaction_response(inter)
        assert callback["data"]["flags"] & 64  # ephemeral

    # Manage Guild comes from the Moderator role alone (mod is not the guild owner).
    assert seen == {
        "mod": True,
        "alice": False,
        "target": (fake_discord.mod.id, ["@everyone", "Moderator"]),
    }
    # Ephemeral responses are never dispatched to the gateway.
    assert not [
        f
        for f in fake_discord.gateway_sent
        if f.get("t") == "MESSAGE_CREATE" and f["d"]["content"] == "ok"
    ]


async def test_button_click_updates_message(fake_discord: FakeDiscord, run_bot: RunBot) -> None:
    bot, _ = make_bot()

    class Pager(discord.ui.View):
        @discord.ui.button(label="Next", custom_id="pager:next")
        async def next_page(self, interaction: discord.Interaction, _: discord.ui.Button) -> None:
            await interaction.response.edit_message(content="page 2")

    @bot.command()
    async def pages(ctx: commands.Context[Any]) -> None:
        await ctx.send("page 1", view=Pager(timeout=30))

    await run_bot(bot)
    await fake_discord.send_message(author=fake_discord.alice, content="!pages")
    [req] = await fake_discord.wait_for_requests("POST", MESSAGES)
    assert req.json["components"][0]["components"][0]["custom_id"] == "pager:next"

    inter = await fake_discord.send_component(req.response, "pager:next", user=fake_discord.alice)
    callback = await fake_discord.wait_for_interaction_response(inter)

    assert callback["type"] == 7
    assert fake_discord.messages[int(req.response["id"])]["content"] == "page 2"


async def test_slash_command_in_dm_and_followup_edit(
    fake_discord: FakeDiscord, run_bot: RunBot
) -> None:
    bot, _ = make_bot()

    @bot.tree.command(description="Say hi")
    async def hello(interaction: discord.Interaction) -> None:
        where = "dm" if interaction.guild is None else "guild"
        await interaction.response.send_message(f"hi {interaction.user.name} in {where}")
        await interaction.followup.send("and a follow-up")
        await interaction.edit_original_response(content="edited hi")

    await run_bot(bot)
    inter = await fake_discord.send_slash_command("hello", user=fake_discord.alice, guild=False)
    [followup] = await fake_discord.wait_for_followups(inter)
    await fake_discord.wait_for_requests("PATCH", r"/webhooks/\d+/[^/]+/messages/@original")

    assert inter.callback is not None
    assert inter.callback["data"]["content"] == "hi alice in dm"
    assert "guild_id" not in inter.payload and inter.payload["context"] == 1
    assert followup["content"] == "and a follow-up"
    assert inter.original is not None and inter.original["content"] == "edited hi"


async def test_rest_helpers_typing_edit_react_delete_fetch_dm(
    fake_discord: FakeDiscord, run_bot: RunBot
) -> None:
    bot, _ = make_bot()

    @bot.command()
    async def tour(ctx: commands.Context[Any]) -> None:
        async with ctx.typing():
            msg = await ctx.send("draft")
        await msg.edit(content="final")
        await msg.add_reaction("👍")
        await msg.delete()
        assert ctx.guild is not None
        guild = await bot.fetch_guild(ctx.guild.id)
        member = await guild.fetch_member(ctx.author.id)
        channel = await bot.fetch_channel(ctx.channel.id)
        dm = await ctx.author.create_dm()
        await dm.send("psst")
        await ctx.send(f"{guild.name}|{member.name}|{getattr(channel, 'name', '')}")

    await run_bot(bot)
    await fake_discord.send_message(author=fake_discord.alice, content="!tour")
    *_, summary = await fake_discord.wait_for_requests("POST", MESSAGES, count=3)

    calls = [(r.method, r.path.split("/")[-1], r.status) for r in fake_discord.find_requests()]
    assert calls[:5] == [
        ("POST", "typing", 204),
        ("POST", "messages", 200),
        ("PATCH", calls[2][1], 200),
        ("PUT", "@me", 204),
        ("DELETE", calls[2][1], 204),
    ]
    assert summary.json["content"] == f"{fake_discord.guild.name}|alice|general"
    dm = fake_discord.dm_channel_for(fake_discord.alice)
    assert [m["content"] for m in fake_discord.bot_messages(dm.id)] == ["psst"]
    # Only the summary is left in the guild channel: "final" was deleted.
    assert [m["content"] for m in fake_discord.bot_messages(fake_discord.text_channel.id)] == [
        summary.json["content"]
    ]


async def test_reconnect_requests_and_missed_events(
    fake_discord: FakeDiscord, run_bot: RunBot
) -> None:
    bot, _ = make_bot()
    await run_bot(bot)

    await fake_discord.request_reconnect()  # op 7: reconnect and resume
    await fake_discord.invalidate_session()  # op 9: start a new session
    assert (fake_discord.resume_count, fake_discord.identify_count) == (1, 2)

    # A message posted while the socket is down is replayed on RESUME, and answered once.
    await fake_discord.drop_gateway(wait_resumed=False)
    await fake_discord.send_message(author=fake_discord.alice, content="!ping")
    [req] = await fake_discord.wait_for_requests("POST", MESSAGES)
    assert [f["t"] for f in fake_discord.last_replay] == ["MESSAGE_CREATE"]
    assert req.json["content"] == "pong"
    await fake_discord.expect_no_requests("POST", MESSAGES, within=0.1, since=fake_discord.mark())


async def test_login_failures_surface_as_discord_errors(fake_discord: FakeDiscord) -> None:
    fake_discord.token = "the-real-token"
    bot, _ = make_bot()
    with pytest.raises(discord.LoginFailure):
        await run_client(bot, fake_discord, token="a-wrong-token")
    await bot.close()

    fake_discord.token = None
    fake_discord.privileged_intents = 0  # Message Content not enabled "in the portal"
    bot, _ = make_bot()
    with pytest.raises(discord.PrivilegedIntentsRequired):
        await run_client(bot, fake_discord)
    await bot.close()


async def test_custom_guild_and_channel_permissions(
    fake_discord: FakeDiscord, run_bot: RunBot
) -> None:
    guild_id = 4242
    reader = FakeMember(FakeUser(username="reader"))
    readonly = FakeChannel(
        name="announcements",
        permission_overwrites=[  # @everyone (id = guild id) may read but not write
            {"id": str(guild_id), "type": 0, "allow": "0", "deny": str(int(Perm.SEND_MESSAGES))}
        ],
    )
    fake_discord.guild = FakeGuild(
        id=guild_id,
        name="Custom",
        roles=[FakeRole(name="Helper", permissions=int(Perm.MANAGE_MESSAGES))],
        members=[reader],  # the bot's own member is added when it connects
        channels=[FakeChannel(name="chat"), readonly],
    )
    assert readonly.type == ChannelType.GUILD_TEXT and readonly.guild_id == guild_id
    bot, errors = make_bot()
    await run_bot(bot)
    assert {c.name for c in bot.get_guild(guild_id).channels} == {"chat", "announcements"}

    await fake_discord.send_message(author=reader, content="!ping")  # default: first channel
    [ok] = await fake_discord.wait_for_requests("POST", MESSAGES)
    assert ok.path == f"/channels/{fake_discord.guild.channels[0].id}/messages"

    await fake_discord.send_message(readonly.id, author=reader, content="!ping")
    await fake_discord.wait_for_requests("POST", MESSAGES, count=2)  # reply + apology
    [error] = errors
    assert isinstance(original_error(error), discord.Forbidden)
    assert original_error(error).code == 50013  # type: ignore[attr-defined]


async def test_uploaded_files_reach_prefix_and_slash_commands_in_any_guild(
    fake_discord: FakeDiscord, run_bot: RunBot
) -> None:
    """``upload`` stores a person's file; a message or an attachment option carries it, and
    ``Attachment.read()`` downloads it. A slash command sent from another guild's channel
    arrives from that guild."""
    second = FakeGuild.default(fake_discord.bot_user, name="Second")
    fake_discord.guilds.append(second)
    bot, _ = make_bot()

    @bot.hybrid_command(description="Read a file")
    @app_commands.describe(file="Any file")
    async def size(ctx: commands.Context[Any], file: discord.Attachment) -> None:
        data = await file.read()
        await ctx.reply(f"{file.filename} {len(data)} {data.decode()} in {ctx.guild.id}")

    await run_bot(bot)
    bot.tree.copy_global_to(guild=discord.Object(fake_discord.guild.id))
    await bot.tree.sync(guild=discord.Object(fake_discord.guild.id))

    upload = fake_discord.upload("a.txt", b"hello")
    await fake_discord.send_message(author=fake_discord.alice, content="!size",
                                    attachments=[upload])
    [req] = await fake_discord.wait_for_requests("POST", MESSAGES)
    assert req.json["content"] == f"a.txt 5 hello in {fake_discord.guild.id}"

    inter = await fake_discord.send_slash_command(
        "size", {"file": fake_discord.upload("b.txt", b"slash")}, user=fake_discord.alice)
    callback = await fake_discord.wait_for_interaction_response(inter)
    assert callback["data"]["content"] == f"b.txt 5 slash in {fake_discord.guild.id}"
    assert inter.payload["data"]["options"][0]["type"] == 11

    inter = await fake_discord.send_slash_command(
        "size", {"file": fake_discord.upload("c.txt", b"other")},
        user=second.member_named("alice"), channel_id=second.text_channel.id)
    callback = await fake_discord.wait_for_interaction_response(inter)
    assert callback["data"]["content"] == f"c.txt 5 other in {second.id}"
    # Never synced to that guild, so the payload names no command guild (like a global one).
    assert "guild_id" not in inter.payload["data"]
