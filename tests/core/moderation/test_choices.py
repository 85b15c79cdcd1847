"""Autocomplete never crosses servers (``bot.core.moderation.choices``)."""

from __future__ import annotations

from tests.moderation_support import World, member, moderator, owner


def test_autocomplete_offers_a_servers_roles_and_faq_only_there(world: World) -> None:
    m = world.moderation
    m.role_add(moderator("42"), "prompt-engineer", "Prompt Engineer", focus="Writes prompts.")
    m.faq_add(moderator("42"), "Is a bootcamp enough?", "Rarely.")
    m.faq_add(moderator("43"), "Which bootcamp is best?", "None in particular.")
    assert ("Prompt Engineer", "prompt-engineer") in world.advisor.autocomplete("prompt", "42")
    for guild in ("43", None):
        assert all(slug != "prompt-engineer" for _, slug in world.advisor.autocomplete("", guild))
        assert all(slug != "prompt-engineer" for _, slug in world.advisor.autocomplete("prompt", guild))
    assert [label for label, _ in m.faq_choices(moderator("42"), "bootcamp")] == \
        [f"{e.id}: Is a bootcamp enough?" for e in world.store.knowledge("42").faq if e.guild_id == "42"]
    assert all("Is a bootcamp" not in label for label, _ in m.faq_choices(moderator("43"), ""))
    assert ("Prompt Engineer", "prompt-engineer") in m.role_choices(moderator("42"), "prom")
    assert all(slug != "prompt-engineer" for _, slug in m.role_choices(moderator("43"), ""))
    # The permission check holds for autocomplete too: members are offered nothing to edit.
    assert m.faq_choices(member("42"), "") == [] and m.role_choices(member("42"), "") == []
    assert m.source_choices(member("42"), "") == []
    assert m.faq_choices(owner(), "bootcamp") == []  # the global scope has no such entry
