"""Typed settings from the environment and ``.env`` (pydantic-settings).

Every setting has a default that works on a fresh checkout, except the Discord token,
which only ``careerbot run`` needs; the terminal front end runs without it.
"""

from __future__ import annotations

import re
from pathlib import Path

from pydantic import AliasChoices, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DB = REPO_ROOT / "data" / "careerbot.db"
DEFAULT_KNOWLEDGE = REPO_ROOT / "knowledge"


class Settings(BaseSettings):
    """careerbot's configuration; see ``.env.example`` for each setting explained."""

    model_config = SettingsConfigDict(
        env_prefix="CAREERBOT_", env_file=".env", env_file_encoding="utf-8", extra="ignore",
        populate_by_name=True,
    )

    discord_token: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("DISCORD_TOKEN", "discord_token")
    )
    prefix: str = "!"
    db: Path = DEFAULT_DB
    knowledge_dir: Path = DEFAULT_KNOWLEDGE
    dev_guild_id: int | None = None
    log_level: str = "INFO"
    owner_ids: str = ""
    discord_api_base: str | None = Field(
        default=None, validation_alias=AliasChoices("DISCORD_API_BASE", "discord_api_base")
    )
    discord_gateway_url: str | None = Field(
        default=None, validation_alias=AliasChoices("DISCORD_GATEWAY_URL", "discord_gateway_url")
    )

    @property
    def owner_id_set(self) -> frozenset[int]:
        """``owner_ids`` parsed: Discord user ids separated by commas or spaces. Words that
        are not ids are ignored, so a typo can never make everyone an owner."""
        return frozenset(int(part) for part in re.split(r"[\s,]+", self.owner_ids)
                         if part.isdigit())

    @property
    def token(self) -> str | None:
        if self.discord_token is None:
            return None
        value = self.discord_token.get_secret_value().strip()
        return value or None
