"""Settings parsed from the environment and .env files; invalid ones reported clearly."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from pydantic import ValidationError

from bot import settings as settings_mod
from bot.settings import Settings, describe_problems, env_files
from tests.test_cli import careerbot_command, run


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


# -- invalid settings name the variable and the fix; .env from the checkout too -----------

def test_invalid_settings_are_one_line_each_naming_variable_value_and_fix(tmp_path: Path) -> None:
    result = run([*careerbot_command(), "ask", "!roles"], tmp_path,
                 CAREERBOT_DEV_GUILD_ID="my-server", CAREERBOT_LOG_LEVEL="loud")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert lines == [
        "careerbot: invalid setting CAREERBOT_DEV_GUILD_ID is 'my-server': expected a Discord "
        "server id (digits only), or leave it empty",
        "careerbot: invalid setting CAREERBOT_LOG_LEVEL is 'loud': expected one of DEBUG, "
        "INFO, WARNING, ERROR, CRITICAL",
    ]
    assert result.stdout == ""


def test_an_empty_setting_means_unset_and_the_log_level_takes_any_case(tmp_path: Path) -> None:
    result = run([*careerbot_command(), "ask", "!roles"], tmp_path,
                 CAREERBOT_DEV_GUILD_ID="", CAREERBOT_LOG_LEVEL="warning")
    assert result.returncode == 0, result.stderr
    assert settings_mod.Settings(_env_file=None, log_level="debug").log_level == "DEBUG"


def test_a_bad_token_is_reported_without_its_value() -> None:
    with pytest.raises(ValidationError) as caught:
        settings_mod.Settings(_env_file=None, discord_token=98765432123)
    (line,) = describe_problems(caught.value)
    assert line.startswith("DISCORD_TOKEN: expected")
    assert "98765432123" not in line


def test_dotenv_is_read_from_the_checkout_and_the_current_directory_wins(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    checkout, elsewhere = tmp_path / "checkout", tmp_path / "elsewhere"
    checkout.mkdir()
    elsewhere.mkdir()
    (checkout / "pyproject.toml").write_text("[project]\nname = 'careerbot'\n")
    (checkout / ".env").write_text("CAREERBOT_PREFIX=?\nCAREERBOT_OWNER_IDS=1\n")
    for key in ("CAREERBOT_PREFIX", "CAREERBOT_OWNER_IDS"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setattr(settings_mod, "REPO_ROOT", checkout)
    monkeypatch.chdir(elsewhere)
    only_checkout = settings_mod.Settings(_env_file=env_files())
    assert (only_checkout.prefix, only_checkout.owner_ids) == ("?", "1")
    (elsewhere / ".env").write_text("CAREERBOT_PREFIX=$\n")
    both = settings_mod.Settings(_env_file=env_files())
    assert (both.prefix, both.owner_ids) == ("$", "1")  # the current directory's wins
    # Not a checkout (an installed package): only the current directory's is read.
    (checkout / "pyproject.toml").unlink()
    assert env_files() == (Path(".env"),)


def test_settings_read_the_checkouts_dotenv_by_default() -> None:
    assert settings_mod.Settings.model_config["env_file"] == (
        settings_mod.REPO_ROOT / ".env", Path(".env"))


def test_the_checkouts_dotenv_reaches_the_real_command(tmp_path: Path) -> None:
    """Run from another directory, a copy of the checkout's code reads the checkout's .env."""
    checkout = tmp_path / "checkout"
    checkout.mkdir()
    (checkout / "pyproject.toml").write_text("[project]\nname = 'x'\n")
    (checkout / ".env").write_text("CAREERBOT_LOG_LEVEL=nonsense\n")
    code = ("import sys; from pathlib import Path; import bot.settings as s; "
            "s.REPO_ROOT = Path(sys.argv[1]); "
            "s.Settings.model_config['env_file'] = s.env_files(); "
            "from bot.cli import main; raise SystemExit(main(['ask', '!roles']))")
    result = run([sys.executable, "-c", code, str(checkout)], tmp_path)
    assert result.returncode == 2
    assert "CAREERBOT_LOG_LEVEL is 'nonsense'" in result.stderr


@pytest.mark.parametrize(("env", "line"), [
    ({"CAREERBOT_SHARD_COUNT": "0"},
     "careerbot: invalid setting CAREERBOT_SHARD_COUNT must be a whole number of at least 1"),
    ({"CAREERBOT_SHARD_IDS": "0,1"},
     "careerbot: invalid setting CAREERBOT_SHARD_IDS needs CAREERBOT_SHARD_COUNT too"),
    ({"CAREERBOT_SHARD_COUNT": "2", "CAREERBOT_SHARD_IDS": "0,2"},
     "careerbot: invalid setting CAREERBOT_SHARD_IDS names shard 2, but with "
     "CAREERBOT_SHARD_COUNT=2 the shards are 0 to 1"),
])
def test_bad_shard_settings_are_one_line_on_the_command_line(
        tmp_path: Path, env: dict[str, str], line: str) -> None:
    """The shard checks' own messages (one across two settings has no single field) reach
    the command line whole, not as "CAREERBOT_ is {...}"."""
    result = run([*careerbot_command(), "ask", "!roles"], tmp_path, **env)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    [shown] = result.stderr.strip().splitlines()
    assert shown.startswith(line), shown
