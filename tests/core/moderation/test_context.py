"""What the moderation jobs share (``bot.core.moderation.context``): permission checked once
per change, by the write path, on the one connection the change opens; a refusal before
anything about the input; the command prefix replies write."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

import pytest

from bot.core.moderation import Moderation
from bot.core.reply import Reply, render_text
from bot.knowledge import edits
from tests.moderation_support import MLOPS, World, member, mlops_stats, moderator, source_id


def count_connections(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every connection to a database file opened from now on (in-memory ones aside)."""
    opened: list[str] = []
    real = sqlite3.connect

    def counting(database: object, *args: object, **kwargs: object) -> sqlite3.Connection:
        if str(database) != ":memory:":
            opened.append(str(database))
        return real(database, *args, **kwargs)  # type: ignore[arg-type, call-overload]

    monkeypatch.setattr(sqlite3, "connect", counting)
    return opened


FAQ_FILE = b"faq:\n  - question: Is a portfolio worth it?\n    answer: Yes, a small one.\n"


def edit_calls(m: Moderation) -> dict[str, Callable[[], Reply]]:
    median = mlops_stats()["salary"]["median"]
    return {
        "set": lambda: m.set(moderator(), "mlops", [("median", str(median + 1000))],
                             source=source_id(), date=mlops_stats()["as_of"]),
        "alias": lambda: m.alias(moderator(), "add", "mlops", "model ops"),
        "faq_add": lambda: m.faq_add(moderator(), "Is a bootcamp enough?", "Rarely."),
        "role_add": lambda: m.role_add(moderator(), "prompt-engineer", "Prompt Engineer"),
        "config_prefix": lambda: m.config_prefix(moderator(), "?"),
    }


@pytest.mark.parametrize("operation", ["set", "alias", "faq_add", "role_add", "config_prefix"])
def test_an_edit_opens_one_connection(world: World, monkeypatch: pytest.MonkeyPatch,
                                      operation: str) -> None:
    """Before the split an edit opened three: the facade's permission check, the write
    path's second one, and the transaction's own."""
    world.moderation.history(moderator())  # the store's own connection is open from here on
    opened = count_connections(monkeypatch)
    reply = edit_calls(world.moderation)[operation]()
    assert reply.kind == "answer", render_text(reply)
    assert len(opened) == 1, opened


def test_undo_and_an_import_open_one_connection_each(world: World,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """Undo read its entry through a reader of its own and checked permission twice (four
    connections); a preview and an apply checked twice each besides their snapshot (three)."""
    m = world.moderation
    m.faq_add(moderator(), "Is a bootcamp enough?", "Rarely.")
    (entry,) = edits.history(world.db, "42")
    opened = count_connections(monkeypatch)
    assert m.undo(moderator(), str(entry.id)).kind == "answer"
    assert len(opened) == 1, opened
    opened.clear()
    preview = m.import_preview(moderator(), FAQ_FILE, "faq.yaml")
    assert preview.ok and len(opened) == 1, opened
    opened.clear()
    assert m.import_apply(moderator(), FAQ_FILE, "faq.yaml", token=preview.token).kind == "answer"
    assert len(opened) == 1, opened


def test_autocomplete_asks_permission_without_a_connection(world: World,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """Per keystroke: the settings kept per data version answer, no file is opened."""
    world.moderation.history(moderator())
    opened = count_connections(monkeypatch)
    assert world.moderation.may_edit(moderator()) and not world.moderation.may_edit(member())
    assert world.moderation.role_choices(moderator(), "mlo")
    assert opened == []


@pytest.mark.parametrize("call", [
    lambda m: m.set(member(), "mlosp", [("median", "1")], source=source_id(), date="2026"),
    lambda m: m.set(member(), "mlops", [("shoe size", "1")], source=source_id(), date="2026"),
    lambda m: m.set(member(), "mlops", [("median", "1")], source="nowhere", date="2026"),
    lambda m: m.alias(member(), "sideways", "mlops", "x"),
    lambda m: m.role_remove(member(), "no-such-role"),
    lambda m: m.faq_remove(member(), "not a number"),
    lambda m: m.undo(member(), "not a number"),
    lambda m: m.role_add_document(member(), b"slug: [unclosed", "r.yaml"),
    lambda m: m.import_preview(member(), b"faq: [unclosed", "x.yaml").reply,
    lambda m: m.import_apply(member(), b"faq: [unclosed", "x.yaml"),
    lambda m: m.import_preview(member(), b"roles:\n  - slug: mlopz\n", "x.yaml").reply,
], ids=["misspelt role", "unknown field", "unknown source", "bad op", "unknown role to remove",
        "bad faq id", "bad entry number", "broken role file", "broken import file",
        "broken file applied", "unknown role in a file"])
def test_someone_who_may_not_edit_is_told_so_before_anything_about_their_input(
        world: World, call: Callable[[Moderation], Reply]) -> None:
    before = world.db.read_bytes()
    reply = call(world.moderation)
    assert reply.kind == "error"
    assert "Only this server's moderators" in render_text(reply)
    assert world.db.read_bytes() == before


def test_replies_write_commands_with_each_servers_prefix_even_interleaved(world: World) -> None:
    """The prefix is passed to each reply explicitly: a reply for one server never carries
    another's, whichever was handled last."""
    m = world.moderation
    assert m.config_prefix(moderator("42"), "?").kind == "answer"
    assert m.config_prefix(moderator("43"), "$").kind == "answer"
    for i, (guild, prefix) in enumerate((("42", "?"), ("43", "$"), ("42", "?"), ("44", "!"))):
        reply = m.alias(moderator(guild), "add", "mlops", f"model ops {i}")
        assert reply.kind == "answer", render_text(reply)
        assert reply.suggestions and all(s.startswith(f"{prefix}kb ") for s in reply.suggestions)
    fixed = Moderation(world.store, command_prefix="careerbot kb ")
    reply = fixed.alias(moderator("42"), "add", MLOPS, "model ops again")
    assert reply.suggestions and all(s.startswith("careerbot kb ") for s in reply.suggestions)
