"""Settings parsed from the environment: the owner ids that may edit the global base."""

from __future__ import annotations

from bot.settings import Settings


def test_owner_ids_are_parsed_and_junk_is_ignored() -> None:
    settings = Settings(_env_file=None, owner_ids="123, 456 789,,abc -5")
    assert settings.owner_id_set == frozenset({123, 456, 789})
    assert Settings(_env_file=None).owner_id_set == frozenset()
