"""One incoming message as every front end describes it to the core.

It lives apart from the advisor so that the chat package, which the advisor imports,
can name the type it is handed without importing the advisor back.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Request:
    """One incoming message, from any front end."""

    text: str
    user_id: str = "local"
    channel_id: str = "terminal"
    guild_id: str | None = None
    prefix: str = "!"
    is_dm: bool = False
    #: The bot was addressed directly (mention, reply to the bot, DM, ``ask``).
    addressed: bool = True
