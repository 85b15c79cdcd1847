"""A server's settings through the moderation core (``bot.core.moderation.settings``)."""

from __future__ import annotations

from bot.core.reply import render_text
from tests.moderation_support import World, moderator


def text(reply) -> str:  # type: ignore[no-untyped-def]
    return render_text(reply)


def test_settings_round_trip(world: World) -> None:
    m = world.moderation
    changed = m.config_prefix(moderator(), "?")
    assert changed.kind == "answer"
    # The reply to the change itself already writes commands with the new prefix.
    assert changed.suggestions and all(s.startswith("?kb ") for s in changed.suggestions)
    assert m.config_channel(moderator(), "add", "<#987654321>").kind == "answer"
    assert m.config_modrole(moderator(), "add", "<@&555>").kind == "answer"
    assert m.config_unasked(moderator(), "off").kind == "answer"
    s = m.settings("42")
    assert (s.prefix, s.qa_channels, s.mod_roles, s.unasked) == ("?", {"987654321"}, {"555"}, False)
    assert not s.answers_unasked_in("987654321")
    m.config_unasked(moderator(), "on")
    assert m.settings("42").answers_unasked_in("987654321")
    assert not m.settings("42").answers_unasked_in("111")
    assert m.settings("43").prefix is None
    bad = m.config_prefix(moderator(), "@here")
    assert bad.kind == "error" and m.settings("42").prefix == "?"
    # Replies suggest commands with the server's own prefix.
    assert "?kb undo" in text(m.alias(moderator("42"), "add", "mlops", "modelops"))
    assert "!kb undo" in text(m.alias(moderator("43"), "add", "mlops", "modelops"))
