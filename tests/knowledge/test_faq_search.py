"""Moderators' FAQ entries are found in their own server's view and nowhere else."""

from __future__ import annotations

from pathlib import Path

from bot.knowledge import edits
from bot.knowledge.changes import Change
from bot.knowledge.faq_search import overlay_entries, search_overlay_faq
from tests.moderation_support import build, moderator, owner, store_for


def test_search_finds_a_servers_entries_only_in_that_server(tmp_path: Path) -> None:
    db = build(tmp_path)
    for actor, question, answer in [
        (moderator("42"), "Is a bootcamp enough to get hired?", "Rarely on its own."),
        (moderator("42"), "Which cloud should I learn?", "Any one of the big three, well."),
        (moderator("43"), "Is a bootcamp worth the money?", "Compare it with free courses."),
        (owner(), "Where do the salary figures come from?", "From job postings; see the footer."),
    ]:
        edits.apply_change(db, actor, Change("faq.add", {"question": question, "answer": answer}))
    store = store_for(db)
    here, there = store.knowledge("42"), store.knowledge("43")
    assert [e.question for e in search_overlay_faq(here, "bootcamp hired?")] == \
        ["Is a bootcamp enough to get hired?"]
    assert [e.question for e in search_overlay_faq(there, "BOOTCAMP")] == \
        ["Is a bootcamp worth the money?"]
    # The owner's entries reach every view; other servers' never do.
    assert [e.guild_id for e in search_overlay_faq(there, "salary figures")] == ["*"]
    assert {e.guild_id for e in overlay_entries(here)} == {"42", "*"}
    assert search_overlay_faq(here, "") == [] and search_overlay_faq(here, '" OR *') == []
    assert search_overlay_faq(store.knowledge(None), "bootcamp") == []
    store.close()
