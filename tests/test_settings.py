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
