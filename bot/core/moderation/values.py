"""What moderators type, read as values: figures ("180k", "$180,000", "12%"), field names
("median"), lists of tags or aliases, and Discord ids written as mentions."""

from __future__ import annotations

import re
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from bot.knowledge.changes import ChangeError, Problem
from bot.knowledge.fields import field as field_of
from bot.knowledge.fields import short_name
from bot.knowledge.limits import MAX_NUMBER_DIGITS

#: Words that clear a figure or setting instead of setting it.
CLEAR_WORDS = frozenset({"none", "null", "-", "clear", "unknown"})
_NUMBER = re.compile(r"^([0-9]+(?:\.[0-9]+)?)([km]?)$")
_MENTION = re.compile(r"^<[@#]&?!?(\d+)>$")
#: Words for on and off (``config unasked``).
SWITCH_WORDS = {"on": True, "off": False, "true": True, "false": False, "yes": True, "no": False}


def parse_value(field: str, text: str) -> Any:
    """A moderator's typed value for ``field``: "180k", "$180,000", "12%", or "none".

    Raises ``ChangeError`` for a number of more than ``MAX_NUMBER_DIGITS`` digits: no
    figure is that large, and converting it could overflow (or, past 4,300 digits, fail).
    """
    text = text.strip()
    if text.lower() in CLEAR_WORDS:
        return None
    known = field_of(field)
    if known is not None and known.is_text:
        return text
    cleaned = text.replace(",", "").replace("_", "").replace("$", "").replace("%", "").strip()
    match = _NUMBER.match(cleaned.lower())
    if match is None:
        return text  # the validator names it: "'abc' is not a number"
    digits = len(match.group(1).split(".")[0])
    if digits > MAX_NUMBER_DIGITS:
        raise ChangeError([Problem(field, f"is written with {digits:,} digits; figures are "
                                   f"limited to {MAX_NUMBER_DIGITS} digits")])
    # Decimal, not float: a figure of 17 digits or more would otherwise change as it is read
    number = Decimal(match.group(1)) * {"": 1, "k": 1_000, "m": 1_000_000}[match.group(2)]
    return int(number) if number == number.to_integral_value() else float(number)


def field_name(text: str) -> str | None:
    """The canonical name of a figure or text field as typed ("median", "salary.median")."""
    key = text.strip().lower().replace("-", "_").replace(" ", "_")
    if field_of(key) is not None:
        return key
    return short_name(key)


def tags(value: str | Sequence[str] | None) -> list[str] | None:
    """A comma-separated list (or a list) as its trimmed, non-empty items."""
    if value is None:
        return None
    items = value.split(",") if isinstance(value, str) else list(value)
    return [t.strip() for t in items if t and t.strip()]


def snowflake(value: str | int) -> str:
    """An id from a raw id or a mention (<@&123>, <#123>)."""
    return _MENTION.sub(r"\1", str(value).strip())


def prefix_value(prefix: str | None) -> str | None:
    """A typed command prefix; None (the bot's default) for a clearing word or "default"."""
    if prefix is None or prefix.strip().lower() in CLEAR_WORDS | {"default"}:
        return None
    return prefix.strip()


def switch_value(on: bool | str) -> bool | str:
    """on/off as typed; anything else is kept for the validator to name."""
    return on if isinstance(on, bool) else SWITCH_WORDS.get(str(on).strip().lower(), str(on))
