"""careerbot's settings as a pydantic-settings model (see ``bot.settings``, which
holds everything else about settings and loads this module only when it is needed)."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Annotated

from pydantic import AliasChoices, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from bot.settings import (
    DEFAULT_DB,
    DEFAULT_GUILD_READY_TIMEOUT,
    DEFAULT_KNOWLEDGE,
    LOG_LEVELS,
    MAX_GUILD_READY_TIMEOUT,
    check_shards,
    env_files,
    owner_id_set,
    parse_shard_count,
    parse_shard_ids,
    token_of,
)


class Settings(BaseSettings):
    """careerbot's configuration; see ``.env.example`` for each setting explained."""

    model_config = SettingsConfigDict(
        env_prefix="CAREERBOT_", env_file=env_files(), env_file_encoding="utf-8", extra="ignore",
        populate_by_name=True,
        # ``CAREERBOT_DEV_GUILD_ID=`` as .env.example writes it means "not set", not "0".
        env_ignore_empty=True,
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
    #: Sharding (see "Scale" in the README). Unset: one plain gateway connection.
    shard_count: int | None = None
    #: The shards this process runs, e.g. ``0,1`` or ``0-3``; unset: all of ``shard_count``.
    shard_ids: Annotated[tuple[int, ...] | None, NoDecode] = None
    #: Seconds of quiet after the last server arrives before the bot is ready.
    guild_ready_timeout: float = DEFAULT_GUILD_READY_TIMEOUT

    @field_validator("guild_ready_timeout")
    @classmethod
    def _sane_ready_timeout(cls, value: float) -> float:
        """discord.py refuses a negative wait, and an infinite or NaN one never ends."""
        if not math.isfinite(value) or value < 0 or value > MAX_GUILD_READY_TIMEOUT:
            raise ValueError("out of range")
        return value

    # -- sharding --------------------------------------------------------------------------

    @field_validator("shard_count", mode="before")
    @classmethod
    def _check_shard_count(cls, value: object) -> object:
        return parse_shard_count(value)

    @field_validator("shard_ids", mode="before")
    @classmethod
    def _parse_shard_ids(cls, value: object) -> tuple[int, ...] | None:
        return parse_shard_ids(value)

    @model_validator(mode="after")
    def _check_shards(self) -> Settings:
        check_shards(self.shard_count, self.shard_ids)
        return self

    @property
    def sharded(self) -> bool:
        """Run discord.py's AutoShardedBot (only when the owner asked for shards)."""
        return self.shard_count is not None

    @field_validator("log_level")
    @classmethod
    def _known_log_level(cls, value: str) -> str:
        """An unknown level used to fall back to INFO silently; now it is reported."""
        if value.strip().upper() not in LOG_LEVELS:
            raise ValueError("not a log level")
        return value.strip().upper()

    @property
    def owner_id_set(self) -> frozenset[int]:
        """``owner_ids`` parsed (``bot.settings.owner_id_set``)."""
        return owner_id_set(self.owner_ids)

    @property
    def token(self) -> str | None:
        return token_of(self.discord_token)
