"""Typed settings from the environment and ``.env`` (pydantic-settings).

The pydantic model itself is ``bot.settings_model.Settings`` (also importable from here,
loaded on first use): importing pydantic costs about 90 ms, most of what ``careerbot
ask`` would spend importing, so ``load_settings(quick=True)`` reads a plain environment
without it (``QuickSettings``) and hands anything unusual to the model.

Every setting has a default that works on a fresh checkout, except the Discord token,
which only ``careerbot run`` needs; the terminal front end runs without it.

``.env`` is read from the checkout (the folder holding ``pyproject.toml``, when running
from one) and then from the current directory, whose values win; variables set in the
environment win over both. An invalid value is reported by ``load_settings`` as one line
per problem naming the variable and what it expects (see the end of this module).
"""

from __future__ import annotations

import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

if TYPE_CHECKING:
    from pydantic import ValidationError

    from bot.settings_model import Settings

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DB = REPO_ROOT / "data" / "careerbot.db"
DEFAULT_KNOWLEDGE = REPO_ROOT / "knowledge"
#: Log levels ``CAREERBOT_LOG_LEVEL`` accepts (any case).
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
#: How long discord.py waits after the last GUILD_CREATE before it calls the bot ready
#: (``guild_ready_timeout``; discord.py's default is 2 s). discord.py restarts this wait
#: at each server that arrives (``ConnectionState._delay_ready``), and with the members
#: intent off it never waits for member chunks: Discord sends the servers right after
#: READY, so the wait is only the quiet gap after the last one. 0.5 s is many times the
#: gap between two GUILD_CREATEs; a server arriving later is still added as it arrives
#: (discord.py dispatches it as available), it is just not counted in the ready line.
DEFAULT_GUILD_READY_TIMEOUT = 0.5
#: The longest wait accepted: more only delays every start.
MAX_GUILD_READY_TIMEOUT = 60.0


def env_files() -> tuple[Path, ...]:
    """The ``.env`` files read, lowest precedence first: the checkout's (only when running
    from a checkout, recognised by its ``pyproject.toml``), then the current directory's,
    so a ``.env`` next to where the command runs overrides the checkout's."""
    checkout = (REPO_ROOT / ".env",) if (REPO_ROOT / "pyproject.toml").is_file() else ()
    return (*checkout, Path(".env"))


# -- sharding: parsing and checks (kept apart from the class so the messages stay in one place)

SHARD_COUNT_VAR = "CAREERBOT_SHARD_COUNT"
SHARD_IDS_VAR = "CAREERBOT_SHARD_IDS"
_SHARD_PART = re.compile(r"(\d+)(?:\s*-\s*(\d+))?")


def parse_shard_count(value: object) -> int | None:
    """``CAREERBOT_SHARD_COUNT``: a whole number of at least 1; empty means unset.

    Why a message of our own: pydantic's "Input should be a valid integer" names neither
    the variable nor what a shard count is.
    """
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    text = str(value).strip()
    if isinstance(value, bool) or not re.fullmatch(r"\d+", text) or int(text) < 1:
        raise ValueError(f"{SHARD_COUNT_VAR} must be a whole number of at least 1 (the number "
                         f"of shards the bot runs in all), not {text!r}")
    return int(text)


def parse_shard_ids(value: object) -> tuple[int, ...] | None:
    """``CAREERBOT_SHARD_IDS``: ids and ranges separated by commas (``0,1``, ``0-3``,
    ``0-1,4``), returned sorted without repeats; empty means unset."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    parts = [str(v) for v in value] if isinstance(value, list | tuple) else str(value).split(",")
    ids: set[int] = set()
    for part in parts:
        match = _SHARD_PART.fullmatch(part.strip())
        if match is None:
            raise ValueError(f"{SHARD_IDS_VAR} must list shard ids and ranges separated by "
                             f"commas, such as 0,1 or 0-3; {part.strip()!r} is neither")
        low = int(match.group(1))
        high = int(match.group(2)) if match.group(2) is not None else low
        if high < low:
            raise ValueError(f"{SHARD_IDS_VAR}: the range {part.strip()!r} ends before it "
                             f"starts; write it lowest first, such as {high}-{low}")
        ids.update(range(low, high + 1))
    return tuple(sorted(ids))


def check_shards(count: int | None, ids: tuple[int, ...] | None) -> None:
    """Shard ids need a count (discord.py cannot guess which shard a server is on without
    it) and must each be one of the count's shards, 0 to count - 1."""
    if ids is None:
        return
    if count is None:
        raise ValueError(f"{SHARD_IDS_VAR} needs {SHARD_COUNT_VAR} too: set it to the number "
                         "of shards all processes run together")
    outside = [i for i in ids if i >= count]
    if outside:
        raise ValueError(f"{SHARD_IDS_VAR} names shard {outside[0]}, but with "
                         f"{SHARD_COUNT_VAR}={count} the shards are 0 to {count - 1}")


# ---------------------------------------------------------------------------------------
# Reporting invalid settings: one line per problem, naming the variable and the fix.


#: What each setting expects, as the one-line error for an invalid value says it.
EXPECTED: dict[str, str] = {
    "dev_guild_id": "a Discord server id (digits only), or leave it empty",
    "log_level": "one of " + ", ".join(LOG_LEVELS),
    "db": "a file path",
    "knowledge_dir": "a folder path",
    "guild_ready_timeout": f"a number of seconds from 0 to {MAX_GUILD_READY_TIMEOUT:g}, "
                           f"such as {DEFAULT_GUILD_READY_TIMEOUT}",
}
#: Settings whose value is never repeated in an error message.
SECRET_SETTINGS = frozenset({"discord_token"})
#: Settings read from a variable without the ``CAREERBOT_`` prefix.
_UNPREFIXED = {"discord_token": "DISCORD_TOKEN", "discord_api_base": "DISCORD_API_BASE",
               "discord_gateway_url": "DISCORD_GATEWAY_URL"}


class SettingsError(Exception):
    """The settings are invalid; ``problems`` holds one readable line per problem."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


def variable_name(field: str) -> str:
    """The environment variable (or ``.env`` line) that sets ``field``."""
    return _UNPREFIXED.get(field, "CAREERBOT_" + field.upper())


def owner_id_set(owner_ids: str) -> frozenset[int]:
    """``owner_ids`` parsed: Discord user ids separated by commas or spaces. Words that
    are not ids are ignored, so a typo can never make everyone an owner."""
    return frozenset(int(part) for part in re.split(r"[\s,]+", owner_ids) if part.isdigit())


def token_of(secret: Any) -> str | None:
    """The Discord token from its secret (None, or blank, means not set)."""
    if secret is None:
        return None
    value = str(secret.get_secret_value()).strip()
    return value or None


def describe_problems(exc: ValidationError) -> list[str]:
    """One line per invalid setting: the variable, the value given (never a secret's),
    and what is expected."""
    lines = []
    for error in exc.errors():
        field = str(error["loc"][0]) if error["loc"] else ""
        if error["type"] == "value_error" and field not in EXPECTED:
            # Raised by this module's own checks (the shard settings, and those across
            # settings, which have no field), whose messages already name the variable,
            # the value and the fix.
            lines.append(str(error["msg"]).removeprefix("Value error, "))
            continue
        shown = "" if field in SECRET_SETTINGS else f" is {str(error.get('input'))[:80]!r}"
        expected = EXPECTED.get(field, error["msg"])
        lines.append(f"{variable_name(field)}{shown}: expected {expected}")
    return lines


def load_settings(*, quick: bool = False) -> Settings:
    """The settings from the environment and ``.env`` files; ``SettingsError`` when any
    value is invalid, so the command line can say which and how to fix it.

    ``quick``: read them without pydantic when ``quick_settings`` can (the same values,
    as a ``QuickSettings``); otherwise, and for every problem, the model decides."""
    if quick:
        found = quick_settings()
        if found is not None:
            # Duck-typed: QuickSettings has every field and property of Settings that
            # the code reads (tests compare the two over many environments).
            return cast("Settings", found)
    from pydantic import ValidationError

    from bot.settings_model import Settings

    try:
        return Settings()
    except ValidationError as exc:
        raise SettingsError(describe_problems(exc)) from None


def __getattr__(name: str) -> Any:
    """``bot.settings.Settings``: the pydantic model, imported on first use."""
    if name == "Settings":
        from bot.settings_model import Settings

        return Settings
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


# ---------------------------------------------------------------------------------------
# Reading a plain environment without pydantic (``careerbot ask``)


#: Each setting's environment variable, lowercased as pydantic-settings compares them.
_ENV_NAMES: dict[str, str] = {
    "discord_token": "discord_token", "discord_api_base": "discord_api_base",
    "discord_gateway_url": "discord_gateway_url",
    **{f: f"careerbot_{f}" for f in ("prefix", "db", "knowledge_dir", "dev_guild_id", "log_level",
                                     "owner_ids", "shard_count", "shard_ids",
                                     "guild_ready_timeout")},
}
_DIGITS = re.compile(r"0|[1-9][0-9]*")
_DECIMAL = re.compile(r"(0|[1-9][0-9]*)(\.[0-9]+)?")


@dataclass(frozen=True)
class _Secret:
    """The token, as pydantic's ``SecretStr`` shows it: never in a repr."""

    value: str

    def get_secret_value(self) -> str:
        return self.value

    def __repr__(self) -> str:
        return "_Secret('**********')"


@dataclass(frozen=True)
class QuickSettings:
    """The settings ``Settings`` would read from the same plain environment (see
    ``quick_settings``), with its properties."""

    discord_token: _Secret | None = None
    prefix: str = "!"
    db: Path = DEFAULT_DB
    knowledge_dir: Path = DEFAULT_KNOWLEDGE
    dev_guild_id: int | None = None
    log_level: str = "INFO"
    owner_ids: str = ""
    discord_api_base: str | None = None
    discord_gateway_url: str | None = None
    shard_count: int | None = None
    shard_ids: tuple[int, ...] | None = None
    guild_ready_timeout: float = DEFAULT_GUILD_READY_TIMEOUT

    @property
    def sharded(self) -> bool:
        return self.shard_count is not None

    @property
    def owner_id_set(self) -> frozenset[int]:
        return owner_id_set(self.owner_ids)

    @property
    def token(self) -> str | None:
        return token_of(self.discord_token)


def quick_settings(environ: dict[str, str] | None = None) -> QuickSettings | None:
    """The settings of a plain environment, read without pydantic, or None when this
    cannot be sure to read them as ``Settings`` would: a ``.env`` file to parse, the
    model already loaded (whose configuration may differ), two variables differing only
    in case, a value only the model's rules can judge (a number with a sign or spaces,
    an unknown log level, a shard setting the checks refuse). None means: ask the model,
    which gives the same values, or the error message."""
    if "bot.settings_model" in sys.modules or any(f.is_file() for f in env_files()):
        return None
    env: dict[str, str] = {}
    wanted = set(_ENV_NAMES.values())
    for key, value in (os.environ if environ is None else environ).items():
        low = key.lower()
        if low in wanted:
            if low in env:
                return None
            if value != "":  # env_ignore_empty: an empty value means unset
                env[low] = value
    values: dict[str, Any] = {}
    for field, name in _ENV_NAMES.items():
        raw = env.get(name)
        if raw is None:
            continue
        if field == "discord_token":
            values[field] = _Secret(raw)
        elif field in ("db", "knowledge_dir"):
            values[field] = Path(raw)
        elif field == "dev_guild_id":
            if not _DIGITS.fullmatch(raw):
                return None
            values[field] = int(raw)
        elif field == "log_level":
            if raw.strip().upper() not in LOG_LEVELS:
                return None
            values[field] = raw.strip().upper()
        elif field == "guild_ready_timeout":
            if not _DECIMAL.fullmatch(raw) or float(raw) > MAX_GUILD_READY_TIMEOUT:
                return None
            values[field] = float(raw)
        elif field in ("shard_count", "shard_ids"):
            try:
                values[field] = (parse_shard_count if field == "shard_count"
                                 else parse_shard_ids)(raw)
            except ValueError:
                return None
        else:
            values[field] = raw
    try:
        check_shards(values.get("shard_count"), values.get("shard_ids"))
    except ValueError:
        return None
    return QuickSettings(**values)
