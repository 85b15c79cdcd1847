"""Who may edit: one pure rule for slash commands, prefix commands, autocomplete and the CLI."""

from __future__ import annotations

from bot.knowledge.guild_settings import GuildSettings
from bot.knowledge.permissions import (
    NEEDS_MANAGE_SERVER,
    NO_SERVER,
    NOT_MODERATOR,
    OWNER_ONLY,
    Actor,
    can_configure,
    can_edit,
    config_refusal,
    edit_refusal,
)

SERVER = GuildSettings("42", mod_roles=frozenset({"555"}))


def actor(**kw: object) -> Actor:
    return Actor(**{"user_id": "1", "name": "n", "guild_id": "42", **kw})  # type: ignore[arg-type]


def test_manage_server_or_a_moderator_role_may_edit() -> None:
    assert can_edit(actor(manage_guild=True), SERVER)
    assert can_edit(actor(role_ids=frozenset({"1", "555"})), SERVER)
    assert edit_refusal(actor(role_ids=frozenset({"1"})), SERVER) == NOT_MODERATOR
    assert edit_refusal(actor(), SERVER) == NOT_MODERATOR


def test_moderator_roles_of_another_server_count_for_nothing() -> None:
    elsewhere = actor(guild_id="43", role_ids=frozenset({"555"}))
    assert edit_refusal(elsewhere, SERVER) == NOT_MODERATOR


def test_the_global_base_is_the_owners() -> None:
    assert edit_refusal(actor(guild_id=None, manage_guild=True), GuildSettings(None)) == OWNER_ONLY
    assert can_edit(actor(guild_id=None, is_owner=True), GuildSettings(None))
    assert actor(guild_id=None).scope == "*" and actor().scope == "42"


def test_settings_need_manage_server() -> None:
    assert can_configure(actor(manage_guild=True))
    assert can_configure(actor(is_owner=True))
    assert config_refusal(actor(role_ids=frozenset({"555"}))) == NEEDS_MANAGE_SERVER
    assert config_refusal(actor(guild_id=None, is_owner=True)) == NO_SERVER
    assert config_refusal(actor(guild_id=None)) == OWNER_ONLY
