"""Changing and reviewing a server's knowledge as a moderator meets it
(``bot.core.moderation.edits``): replies for every change, answers per server, refusals,
bad values, history, show and undo."""

from __future__ import annotations

import json
import sqlite3

from bot.core.render import money, unescape_for_terminal
from bot.core.reply import render_text as discord_text
from bot.knowledge import edits
from bot.knowledge.overlay import ensure_schema
from tests.conftest import role_file
from tests.moderation_support import (
    MLOPS,
    PM,
    World,
    member,
    mlops_stats,
    moderator,
    owner,
    source_id,
)


def text(reply) -> str:  # type: ignore[no-untyped-def]
    return discord_text(reply)


def render_text(reply) -> str:  # type: ignore[no-untyped-def]
    """The reply as the terminal prints it (field paths without Discord's escapes)."""
    return unescape_for_terminal(discord_text(reply))


FOCUS = "Runs the models in production, every day."


def test_a_moderators_edit_changes_that_servers_answers_and_no_others(world: World) -> None:
    old = mlops_stats()["salary"]["median"]
    new = old + 7000
    before = {g: world.ask("!salary mlops", g) for g in ("42", "43", None)}
    reply = world.moderation.set(moderator("42"), "mlops", [("median", f"{new:,}")],
                                 source=source_id(), date="2026-03")
    assert reply.kind == "answer", text(reply)
    assert f"{money(old)} → {money(new)}" in text(reply)
    assert f"Median: {money(new)}" in world.ask("!salary mlops", "42")
    assert "2026-03" in world.ask("!salary mlops", "42")  # the footer dates the new figures
    assert world.ask("!salary mlops", "43") == before["43"]
    assert world.ask("!salary mlops") == before[None]


def test_undo_restores_the_earlier_answer(world: World) -> None:
    before = world.ask("!compare mlops pm", "42")
    world.moderation.set(moderator(), "pm", [("remote", "55")], source=source_id(),
                         date=role_file(PM)["stats"][0]["as_of"])
    assert world.ask("!compare mlops pm", "42") != before
    (entry,) = edits.history(world.db, "42")
    assert world.moderation.undo(moderator(), f"#{entry.id}").kind == "answer"
    assert world.ask("!compare mlops pm", "42") == before


def test_a_non_moderator_is_refused_clearly_and_nothing_changes(world: World) -> None:
    before = world.db.read_bytes()
    replies = [
        world.moderation.set(member(), "mlops", [("median", "1")], source=source_id(), date="2026"),
        world.moderation.alias(member(), "add", "mlops", "modelops"),
        world.moderation.faq_add(member(), "Q?", "A."),
        world.moderation.history(member()),
        world.moderation.show(member(), "mlops"),
        world.moderation.undo(member(), "1"),
        world.moderation.export(member()).reply,
        world.moderation.import_preview(member(), b"roles: []", "x.yaml").reply,
        world.moderation.config_prefix(member(), "?"),
    ]
    for reply in replies:
        assert reply.kind == "error"
        assert "Nothing was changed" in text(reply)
    assert "moderators" in text(replies[0])
    assert "Manage Server" in text(replies[-1])
    assert world.db.read_bytes() == before
    assert world.moderation.export(member()).filename is None


def test_the_global_base_is_the_owners_alone(world: World) -> None:
    reply = world.moderation.alias(moderator(guild=None), "add", "mlops", "modelops")  # type: ignore[arg-type]
    assert "Only the bot's owner" in text(reply)
    assert world.moderation.alias(owner(), "add", "mlops", "modelops").kind == "answer"
    for guild in ("42", "43", None):
        assert "MLOps Engineer" in world.ask("!role modelops", guild)


def test_edits_never_guess_a_misspelt_role(world: World) -> None:
    reply = world.moderation.set(moderator(), "mlosp", [("remote", "5")], source=source_id(),
                                 date="2026")
    assert reply.kind == "error" and "Did you mean MLOps Engineer" in text(reply)
    assert edits.history(world.db, "42") == []


def test_invalid_values_are_refused_naming_the_field(world: World) -> None:
    reply = world.moderation.set(moderator(), "mlops", [("remote", "140%")], source=source_id(),
                                 date="2026")
    assert reply.kind == "error"
    assert "remote\\_pct: 140 is not a percentage" in text(reply)
    reply = world.moderation.set(moderator(), "mlops", [("bonus", "3")], source=source_id(),
                                 date="2026")
    assert "bonus: is not a field" in text(reply)
    reply = world.moderation.set(moderator(), "mlops", [("median", "1")], source="nowhere",
                                 date="2026")
    assert "'nowhere' is not a known source" in text(reply)
    reply = world.moderation.set(moderator(), "mlops", [("median", "1")], source=source_id())
    assert "date: is required" in text(reply)


def test_a_stale_expectation_is_a_conflict_naming_value_and_author(world: World) -> None:
    old = mlops_stats()["remote_pct"]
    date = mlops_stats()["as_of"]
    world.moderation.set(moderator(name="Alice"), "mlops", [("remote", str(old + 3))],
                         source=source_id(), date=date)
    reply = world.moderation.set(moderator(name="Bob"), "mlops", [("remote", str(old + 5))],
                                 source=source_id(), date=date, expect=str(old))
    assert reply.kind == "error"
    assert f"now {old + 3}%, not {old}%" in text(reply) and "Alice" in text(reply)


def test_user_text_is_escaped_in_replies(world: World) -> None:
    reply = world.moderation.faq_add(moderator(), "Who to ask @everyone?", "Ask <@123> **now**")
    shown = text(reply)
    assert "@everyone" not in shown and "\u200b" in shown
    history = text(world.moderation.history(moderator()))
    assert "@everyone" not in history


def test_history_lists_who_changed_what(world: World) -> None:
    world.moderation.alias(moderator(name="Alice"), "add", "mlops", "modelops")
    world.moderation.faq_add(moderator(name="Bob"), "Is a bootcamp enough?", "Rarely.")
    shown = text(world.moderation.history(moderator()))
    assert shown.index("Bob") < shown.index("Alice")  # newest first
    assert "alias added: “modelops”" in shown and "Is a bootcamp enough?" in shown
    assert "No changes" in text(world.moderation.history(moderator("43")))


def test_show_gives_raw_data_and_what_this_server_edited(world: World) -> None:
    world.moderation.alias(moderator(), "add", "mlops", "modelops")
    shown = text(world.moderation.show(moderator(), "mlops"))
    assert "```yaml" in shown and f"median: {mlops_stats()['salary']['median']}" in shown
    assert "Edited on this server" in shown and "alias add: modelops" in shown


def test_an_added_role_answers_questions_only_in_its_server(world: World) -> None:
    reply = world.moderation.role_add(moderator(), "prompt-engineer", "Prompt Engineer",
                                      focus="Writes and tests prompts.", aliases="prompter, pe")
    assert reply.kind == "answer", text(reply)
    assert "Writes and tests prompts." in world.ask("!role prompter", "42")
    assert "I don't know that role" in world.ask("!role prompter", "43")
    clash = world.moderation.role_add(moderator(), "ops-person", "Ops Person",
                                      aliases=role_file(MLOPS)["aliases"][0])
    assert clash.kind == "error" and "already used by MLOps Engineer" in text(clash)


# -- bad values: a refusal naming the field and the limit, never an exception ----------

HUGE_ID = str(2**63)  # one above SQLite's largest integer


def refused_plainly(world: World, call, *expected: str) -> None:  # type: ignore[no-untyped-def]
    """``call()`` gives an error reply naming each expected text; the file is unchanged."""
    before = world.db.read_bytes()
    reply = call()
    assert reply.kind == "error", text(reply)
    shown = text(reply).replace("\\", "")
    for part in expected:
        assert part in shown, shown
    assert world.db.read_bytes() == before


def test_ids_above_sqlites_integers_are_refused(world: World) -> None:
    m, mod = world.moderation, moderator()
    assert m.faq_add(mod, "Is a bootcamp enough?", "Rarely.").kind == "answer"
    limit = "entry numbers are whole numbers from 1 to 9,223,372,036,854,775,807"
    refused_plainly(world, lambda: m.undo(mod, HUGE_ID), f"entry: '{HUGE_ID}' is not", limit)
    refused_plainly(world, lambda: m.undo(mod, "#" + "9" * 5000), "entry: '#999", limit)
    refused_plainly(world, lambda: m.faq_remove(mod, HUGE_ID), f"id: '{HUGE_ID}' is not", limit)
    refused_plainly(world, lambda: m.faq_edit(mod, HUGE_ID, answer="x"), "id:", limit)
    refused_plainly(world, lambda: m.faq_edit(mod, 2**64, answer="x"), f"id: {2**64} is", limit)
    refused_plainly(world, lambda: m.history(mod, before=2**63), f"before: {2**63} is", limit)
    refused_plainly(world, lambda: m.history(mod, limit=2**63), "limit:", "from 1 to 1,000")


def test_huge_or_impossible_figures_are_refused(world: World) -> None:
    m, mod = world.moderation, moderator()

    def set_median(value: str, date: str = "2026") -> object:
        return m.set(mod, "mlops", [("median", value)], source=source_id(), date=date)

    refused_plainly(world, lambda: set_median("9" * 5000),
                    "salary.median: is written with 5,000 digits; figures are limited to 20")
    refused_plainly(world, lambda: set_median("25m"),
                    "salary.median: 25000000 is above the limit for a salary, 10,000,000")
    refused_plainly(world, lambda: set_median("150k", "2025-02-30"),
                    "as_of: '2025-02-30' is not a date that exists")
    refused_plainly(world, lambda: m.set(mod, "mlops", [("positions", "2000000000")],
                                         source=source_id(), date="2026"),
                    "open_positions: 2000000000 is above the limit for a count, 1,000,000,000")
    refused_plainly(world, lambda: m.set(mod, "mlops", [("median", "150k")], source=source_id(),
                                         date="2026", expect="9" * 5000),
                    "salary.median: is written with 5,000 digits")
    long_field = m.set(mod, "mlops", [("x" * 5000, "1")], source=source_id(), date="2026")
    assert long_field.kind == "error" and "is not a field" in text(long_field)
    assert len(text(long_field)) < 1000  # the unknown name is quoted, not echoed whole


def test_a_role_added_obeys_the_limits_a_role_edit_does(world: World) -> None:
    m, mod = world.moderation, moderator()
    refused_plainly(world, lambda: m.role_add(mod, "long-role", "L" * 50_000),
                    "name: is 50,000 characters; the limit is 80")
    refused_plainly(world, lambda: m.role_add(mod, "long-role", "Long Role", focus="f" * 5_000),
                    "focus: is 5,000 characters; the limit is 300")
    refused_plainly(world, lambda: m.role_add(mod, "long-role", "Long Role", aliases="a" * 61),
                    "aliases[0]: is 61 characters; the limit is 60")
    document = "slug: long-role\nname: Long Role\nsummary: " + "s" * 2_001 + "\n"
    refused_plainly(world, lambda: m.role_add_document(mod, document.encode(), "r.yaml"),
                    "line 3: summary: is 2,001 characters; the limit is 2,000")
    # the same limit as an edit of an existing role
    refused_plainly(world, lambda: m.set(mod, "mlops", [("name", "L" * 50_000)]),
                    "name: is 50,000 characters; the limit is 80")


def test_text_that_is_not_unicode_is_refused(world: World) -> None:
    m, mod = world.moderation, moderator()
    refused_plainly(world, lambda: m.faq_add(mod, "What is \ud800?", "A half of a pair."),
                    "question: contains a lone surrogate (U+D800), which is not valid Unicode")
    refused_plainly(world, lambda: m.faq_add(mod, "What?", "nul \x00 here"),
                    "answer: contains a NUL character")
    refused_plainly(world, lambda: m.alias(mod, "add", "mlops", "ml\udcffops"),
                    "alias: contains a lone surrogate")
    refused_plainly(world, lambda: m.source_add(mod, "club", "Club \ud800", "survey", "2026"),
                    "name: contains a lone surrogate")
    refused_plainly(world, lambda: m.config_prefix(mod, "\ud800"), "prefix:")


def test_a_roles_aliases_are_bounded(world: World) -> None:
    m, mod = world.moderation, moderator()
    have = len(role_file(MLOPS)["aliases"])
    for i in range(50 - have):
        assert m.alias(mod, "add", "mlops", f"extra name {i}").kind == "answer"
    refused_plainly(world, lambda: m.alias(mod, "add", "mlops", "one too many"),
                    "alias: MLOps Engineer already has 50 aliases; the limit is 50")


# -- undo, twice or after someone else -------------------------------------------------


def test_undoing_an_entry_twice_says_it_was_already_undone(world: World) -> None:
    world.moderation.set(moderator("42"), "mlops", [("focus", FOCUS)])
    (entry,) = edits.history(world.db, "42")
    assert world.moderation.undo(moderator("42"), str(entry.id)).kind == "answer"
    undo = edits.history(world.db, "42")[0]
    before = world.db.read_bytes()
    reply = world.moderation.undo(moderator("42"), str(entry.id))
    text = render_text(reply)
    assert reply.kind == "error"
    assert f"Entry {entry.id} is already undone" in text
    assert f"Entry {undo.id} undid it" in text and "someone else" not in text.lower()
    assert world.db.read_bytes() == before
    # Undoing the undo brings the change back; then it can be undone again.
    assert world.moderation.undo(moderator("42"), str(undo.id)).kind == "answer"
    assert world.moderation.undo(moderator("42"), str(entry.id)).kind == "answer"


def test_a_real_conflict_is_still_reported_as_one(world: World) -> None:
    world.moderation.set(moderator("42"), "mlops", [("focus", FOCUS)])
    (entry,) = edits.history(world.db, "42")
    world.moderation.set(moderator("42", name="Other", user="200"), "mlops", [("focus", "Else.")])
    text = render_text(world.moderation.undo(moderator("42"), str(entry.id)))
    assert "Changed by someone else meanwhile" in text and "already undone" not in text


# -- entries written before actions were typed -------------------------------------------------


def write_old_shape_entry(world: World, action: str, target: str, before: object,
                          after: object, rows: list[dict]) -> int:
    """An audit entry and the rows it wrote, stored exactly as the write path stored them
    when actions were strings with mapping data (the columns and JSON of that _record)."""

    def dumps(value: object) -> str:
        return json.dumps(value, ensure_ascii=False, sort_keys=True)

    conn = sqlite3.connect(world.db, isolation_level=None)
    try:
        conn.execute("begin immediate")
        ensure_schema(conn)
        for row in rows:
            columns = list(row["after"])
            conn.execute(f"insert or replace into {row['table']} ({', '.join(columns)}) values "
                         f"({', '.join('?' for _ in columns)})", [row["after"][c] for c in columns])
        cursor = conn.execute(
            "insert into audit_log (at, guild_id, actor_id, actor_name, via, action, target, "
            "before, after, undo_of, parent_id, row_changes) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            ("2025-11-02T09:30:00Z", "42", "100", "Old Mo", "discord", action, target,
             dumps(before), dumps(after), None, None, dumps(rows)))
        conn.execute("commit")
        return int(cursor.lastrowid or 0)
    finally:
        conn.close()


def test_entries_written_before_actions_were_typed_are_shown_and_undone(world: World) -> None:
    m = world.moderation
    alias_row = {"table": "overlay_aliases",
                 "key": {"guild_id": "42", "role_slug": MLOPS, "key": "modelops"}, "before": None,
                 "after": {"guild_id": "42", "role_slug": MLOPS, "key": "modelops",
                           "alias": "modelops", "op": "add"}}
    alias_id = write_old_shape_entry(world, "alias.add", MLOPS, None, "modelops", [alias_row])
    prefix_row = {"table": "guild_settings", "key": {"guild_id": "42"}, "before": None,
                  "after": {"guild_id": "42", "prefix": "?", "unasked": 1}}
    prefix_id = write_old_shape_entry(world, "config.prefix", "42", None, "?", [prefix_row])
    world.store.invalidate()
    assert "MLOps Engineer" in world.ask("!role modelops", "42")
    shown = text(m.history(moderator()))
    assert "alias added: “modelops”" in shown and "Old Mo" in shown
    assert "Prefix changed" in shown
    assert m.undo(moderator(), str(prefix_id)).kind == "answer"
    assert m.settings("42").prefix is None
    assert m.undo(moderator(), str(alias_id)).kind == "answer"
    assert "I don't know that role" in world.ask("!role modelops", "42")
    # The undo entries are written as before: an action name and JSON, readable both ways.
    undo_prefix, undo_alias = edits.history(world.db, "42")[1::-1]
    assert (undo_alias.action, undo_alias.undo_of, undo_alias.before, undo_alias.after) == \
        ("undo", alias_id, "modelops", None)
    assert (undo_prefix.action, undo_prefix.undo_of) == ("undo", prefix_id)
    assert "Old Mo" in text(m.history(moderator()))
