"""Rough edges of import (``bot.core.moderation.transfer``): roles named by alias, unknown
keys, counts that match the list shown, and undoing a change of an undone import."""

from __future__ import annotations

import pytest

from bot.core.render import unescape_for_terminal
from bot.core.reply import render_text as discord_text
from bot.knowledge import edits
from tests.moderation_support import MLOPS, World, mlops_stats, moderator, source_id


def render_text(reply) -> str:  # type: ignore[no-untyped-def]
    """The reply as the terminal prints it (field paths without Discord's escapes)."""
    return unescape_for_terminal(discord_text(reply))


def preview(world: World, document: str):  # type: ignore[no-untyped-def]
    return world.moderation.import_preview(moderator("42"), document, "edits.yaml")


FOCUS = "Runs the models in production, every day."


@pytest.mark.parametrize("document", [
    f"roles:\n  - slug: mlops\n    focus: {FOCUS}\n",
    f"roles:\n  - slug: MLOps Engineer\n    focus: {FOCUS}\n",
    f"roles:\n  - role: mlops\n    focus: {FOCUS}\n",
    f"roles:\n  mlops:\n    focus: {FOCUS}\n",
    f"roles:\n  {MLOPS}:\n    focus: {FOCUS}\n",
], ids=["slug alias", "slug name", "role alias", "keyed by alias", "keyed by slug"])
def test_import_names_a_role_as_every_command_does(world: World, document: str) -> None:
    result = preview(world, document)
    assert result.ok, render_text(result.reply)
    applied = world.moderation.import_apply(moderator("42"), document, "edits.yaml",
                                            token=result.token)
    assert applied.kind == "answer", render_text(applied)
    assert "Runs the models in production" in world.ask("!role mlops", "42")


def test_import_never_guesses_a_role(world: World) -> None:
    before = world.db.read_bytes()
    result = preview(world, "roles:\n  - slug: mlopz\n    focus: x\n")
    assert not result.ok
    assert "roles[0].slug: 'mlopz' is not a role here" in render_text(result.reply)
    assert world.db.read_bytes() == before


def test_an_entry_without_a_role_name_says_how_to_name_it(world: World) -> None:
    text = render_text(preview(world, f"roles:\n  - sluggg: {MLOPS}\n    focus: x\n").reply)
    assert "None" not in text
    assert "roles[0].sluggg: is not a known field" in text
    assert "roles[0]: names no role: add slug:" in text
    text = render_text(preview(world, "roles:\n  mlops:\n    slug: pm\n    focus: x\n").reply)
    assert "roles.mlops.slug: name the role once" in text


def test_the_preview_counts_the_changes_it_lists(world: World) -> None:
    stats = mlops_stats()
    document = (f"roles:\n  - slug: mlops\n    focus: {FOCUS}\n    stats:\n"
                f"      - source: {source_id()}\n"
                f"        remote_pct: {stats['remote_pct'] + 1}\n"
                f"        open_positions: {stats['open_positions'] + 1}\n")
    result = preview(world, document)
    listed = [line for line in render_text(result.reply).splitlines() if line.startswith("- ")]
    assert len(listed) == 3 and result.count == 3
    assert "these 3 changes" in render_text(result.reply)
    applied = render_text(world.moderation.import_apply(moderator("42"), document, "edits.yaml",
                                                        token=result.token))
    assert "3 changes applied together" in applied


def test_undoing_a_change_of_an_undone_import_names_the_import(world: World) -> None:
    document = f"roles:\n  - slug: mlops\n    focus: {FOCUS}\n"
    result = preview(world, document)
    world.moderation.import_apply(moderator("42"), document, "edits.yaml", token=result.token)
    (imported,) = edits.history(world.db, "42")
    world.moderation.undo(moderator("42"), str(imported.id))
    undo = edits.history(world.db, "42")[0]
    (child,) = imported.children
    text = render_text(world.moderation.undo(moderator("42"), str(child.id)))
    assert f"Entry {child.id} was part of import entry {imported.id}, which entry {undo.id} undid" \
        in text
