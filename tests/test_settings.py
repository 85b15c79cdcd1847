"""Settings parsed from the environment: the owner ids that may edit the global base."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from bot.settings import Settings


def test_owner_ids_are_parsed_and_junk_is_ignored() -> None:
    settings = Settings(_env_file=None, owner_ids="123, 456 789,,abc -5")
    assert settings.owner_id_set == frozenset({123, 456, 789})
    assert Settings(_env_file=None).owner_id_set == frozenset()


# -- sharding: CAREERBOT_SHARD_COUNT and CAREERBOT_SHARD_IDS -------------------------------

def test_no_shard_settings_means_one_plain_gateway_connection(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CAREERBOT_SHARD_COUNT", raising=False)
    monkeypatch.delenv("CAREERBOT_SHARD_IDS", raising=False)
    settings = Settings(_env_file=None)
    assert (settings.shard_count, settings.shard_ids, settings.sharded) == (None, None, False)
    empty = Settings(_env_file=None, shard_count="", shard_ids=" ")
    assert (empty.shard_count, empty.shard_ids, empty.sharded) == (None, None, False)


@pytest.mark.parametrize(("count", "ids", "expected"), [
    ("2", "0,1", (0, 1)),
    ("4", "0-3", (0, 1, 2, 3)),
    ("8", "4-5, 7", (4, 5, 7)),
    ("3", "2,0,2", (0, 2)),
    ("2", "1", (1,)),
    ("2", None, None),  # no ids: every shard of the count in this process
])
def test_shard_settings_are_read_from_the_environment(
        monkeypatch: pytest.MonkeyPatch, count: str, ids: str | None,
        expected: tuple[int, ...] | None) -> None:
    monkeypatch.setenv("CAREERBOT_SHARD_COUNT", count)
    if ids is None:
        monkeypatch.delenv("CAREERBOT_SHARD_IDS", raising=False)
    else:
        monkeypatch.setenv("CAREERBOT_SHARD_IDS", ids)
    settings = Settings(_env_file=None)
    assert settings.shard_count == int(count)
    assert settings.shard_ids == expected
    assert settings.sharded


@pytest.mark.parametrize(("count", "ids", "names", "says"), [
    ("0", None, "CAREERBOT_SHARD_COUNT", "at least 1"),
    ("-2", None, "CAREERBOT_SHARD_COUNT", "at least 1"),
    ("two", None, "CAREERBOT_SHARD_COUNT", "'two'"),
    ("2", "0,2", "CAREERBOT_SHARD_IDS", "shards are 0 to 1"),
    ("4", "0-4", "CAREERBOT_SHARD_IDS", "shard 4"),
    ("4", "3-1", "CAREERBOT_SHARD_IDS", "lowest first"),
    ("4", "0;1", "CAREERBOT_SHARD_IDS", "such as 0,1 or 0-3"),
    ("4", "0,,1", "CAREERBOT_SHARD_IDS", "such as 0,1 or 0-3"),
    ("4", "-1", "CAREERBOT_SHARD_IDS", "such as 0,1 or 0-3"),
    (None, "0,1", "CAREERBOT_SHARD_IDS", "needs CAREERBOT_SHARD_COUNT"),
])
def test_bad_shard_settings_name_the_variable_and_the_fix(
        monkeypatch: pytest.MonkeyPatch, count: str | None, ids: str | None, names: str,
        says: str) -> None:
    for name, value in (("CAREERBOT_SHARD_COUNT", count), ("CAREERBOT_SHARD_IDS", ids)):
        if value is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, value)
    with pytest.raises(ValidationError) as caught:
        Settings(_env_file=None)
    [error] = caught.value.errors()
    assert names in error["msg"] and says in error["msg"], error["msg"]


def test_shard_settings_come_from_a_dotenv_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CAREERBOT_SHARD_COUNT", raising=False)
    monkeypatch.delenv("CAREERBOT_SHARD_IDS", raising=False)
    env = tmp_path / ".env"
    env.write_text("CAREERBOT_SHARD_COUNT=6\nCAREERBOT_SHARD_IDS=3-5\n", encoding="utf-8")
    settings = Settings(_env_file=env)
    assert (settings.shard_count, settings.shard_ids) == (6, (3, 4, 5))
