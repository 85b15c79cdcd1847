"""``careerbot ask`` reads its settings without pydantic (issue 16, item 5), and reads
exactly what the pydantic model reads, or leaves the decision to the model."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot import settings as settings_mod
from bot.settings import QuickSettings, Settings, quick_settings

FIELDS = ("prefix", "db", "knowledge_dir", "dev_guild_id", "log_level", "owner_ids",
          "discord_api_base", "discord_gateway_url", "shard_count", "shard_ids",
          "guild_ready_timeout")
PROPERTIES = ("sharded", "owner_id_set", "token")

PLAIN = [
    {},
    {"CAREERBOT_PREFIX": "?", "CAREERBOT_DB": "/tmp/x.db", "CAREERBOT_KNOWLEDGE_DIR": "kb"},
    {"CAREERBOT_DEV_GUILD_ID": "123456789012345678", "CAREERBOT_LOG_LEVEL": "warning"},
    {"careerbot_log_level": " Debug ", "CAREERBOT_OWNER_IDS": "1, 2 junk 3"},
    {"DISCORD_TOKEN": "  abc.def  ", "DISCORD_API_BASE": "http://127.0.0.1:1/api",
     "discord_gateway_url": "ws://127.0.0.1:2"},
    {"DISCORD_TOKEN": "   "},
    {"CAREERBOT_SHARD_COUNT": "4", "CAREERBOT_SHARD_IDS": "0-1,3"},
    {"CAREERBOT_SHARD_COUNT": "2"},
    {"CAREERBOT_GUILD_READY_TIMEOUT": "1.25", "CAREERBOT_DEV_GUILD_ID": "",
     "CAREERBOT_PREFIX": ""},
    {"CAREERBOT_GUILD_READY_TIMEOUT": "0", "CAREERBOT_DEV_GUILD_ID": "0"},
]
#: Values only the model's rules can judge: the quick reader hands them over.
ODD = [
    {"CAREERBOT_DEV_GUILD_ID": "my-server"},
    {"CAREERBOT_DEV_GUILD_ID": " 12"},
    {"CAREERBOT_DEV_GUILD_ID": "+12"},
    {"CAREERBOT_LOG_LEVEL": "loud"},
    {"CAREERBOT_GUILD_READY_TIMEOUT": "inf"},
    {"CAREERBOT_GUILD_READY_TIMEOUT": "1e3"},
    {"CAREERBOT_GUILD_READY_TIMEOUT": "61"},
    {"CAREERBOT_SHARD_COUNT": "0"},
    {"CAREERBOT_SHARD_IDS": "0,1"},
    {"CAREERBOT_SHARD_COUNT": "2", "CAREERBOT_SHARD_IDS": "0,2"},
    {"CAREERBOT_PREFIX": "?", "careerbot_prefix": "$"},
]


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> pytest.MonkeyPatch:
    for key in list(os.environ):
        if key.lower().startswith(("careerbot_", "discord_")):
            monkeypatch.delenv(key)
    monkeypatch.setattr(settings_mod, "REPO_ROOT", tmp_path / "not-a-checkout")
    monkeypatch.chdir(tmp_path)  # no .env here
    monkeypatch.delitem(sys.modules, "bot.settings_model", raising=False)
    return monkeypatch


@pytest.mark.parametrize("env", PLAIN)
def test_the_quick_reader_reads_what_the_model_reads(clean_env: pytest.MonkeyPatch,
                                                     env: dict[str, str]) -> None:
    quick = quick_settings(env)
    assert isinstance(quick, QuickSettings)
    for key, value in env.items():
        clean_env.setenv(key, value)
    model = Settings(_env_file=None)
    for name in (*FIELDS, *PROPERTIES):
        assert getattr(quick, name) == getattr(model, name), name
    assert (quick.discord_token is None) == (model.discord_token is None)
    if quick.discord_token is not None:
        assert quick.discord_token.get_secret_value() == model.discord_token.get_secret_value()
        assert quick.discord_token.get_secret_value() not in repr(quick)


@pytest.mark.parametrize("env", ODD)
def test_values_only_the_model_can_judge_go_to_it(clean_env: pytest.MonkeyPatch,
                                                  env: dict[str, str]) -> None:
    assert quick_settings(env) is None


def test_a_dotenv_file_goes_to_the_model(clean_env: pytest.MonkeyPatch, tmp_path: Path) -> None:
    assert quick_settings({}) is not None
    (tmp_path / ".env").write_text("CAREERBOT_PREFIX=?\n")
    assert quick_settings({}) is None


def test_careerbot_ask_does_not_import_pydantic(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.lower().startswith(("careerbot_", "discord_"))}
    env["CAREERBOT_DB"] = str(tmp_path / "kb.db")
    code = ("import sys; from bot.cli import main; code = main(['ask', '!compare mlops pm']); "
            "print('pydantic' in sys.modules, file=sys.stderr); raise SystemExit(code)")
    done = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert "MLOps Engineer" in done.stdout
    assert done.stderr.strip().splitlines()[-1] == "False"
