"""Discord's wire vocabulary as the fake speaks it: API prefix, flag and type numbers,
intent bits, and the Discord-shaped error every handler raises.

Why a module of its own: the gateway, the REST routes and the interaction code all need
the same numbers; one place means a number is never spelled two ways."""

from __future__ import annotations

from typing import Any

from .models import (
    FakeMember,
    FakeUser,
)

API_PREFIX = "/api/v10"

# Message flags
EPHEMERAL = 1 << 6
LOADING = 1 << 7

# Message types
MSG_DEFAULT = 0
MSG_REPLY = 19
MSG_CHAT_INPUT_COMMAND = 20

# Interaction types
INTERACTION_PING = 1
INTERACTION_APPLICATION_COMMAND = 2
INTERACTION_MESSAGE_COMPONENT = 3
INTERACTION_AUTOCOMPLETE = 4
INTERACTION_MODAL_SUBMIT = 5


class Intent:
    """Gateway intent bits the fake consults when deciding what to deliver."""

    GUILDS = 1 << 0
    GUILD_MEMBERS = 1 << 1
    GUILD_PRESENCES = 1 << 8
    GUILD_MESSAGES = 1 << 9
    GUILD_MESSAGE_REACTIONS = 1 << 10
    DIRECT_MESSAGES = 1 << 12
    DIRECT_MESSAGE_REACTIONS = 1 << 13
    MESSAGE_CONTENT = 1 << 15
    PRIVILEGED = GUILD_MEMBERS | GUILD_PRESENCES | MESSAGE_CONTENT


class DiscordError(Exception):
    """Raised inside handlers to answer with a Discord-shaped JSON error."""

    def __init__(
        self, status: int, code: int, message: str, errors: dict[str, Any] | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.body: dict[str, Any] = {"message": message, "code": code}
        if errors:
            self.body["errors"] = errors


def form_error(field_path: str, code: str, message: str) -> DiscordError:
    """Discord's 50035 "Invalid Form Body" with its nested ``errors`` object."""
    errors: dict[str, Any] = {"_errors": [{"code": code, "message": message}]}
    for part in reversed(field_path.split(".")):
        errors = {part: errors}
    return DiscordError(400, 50035, "Invalid Form Body", errors)


STATUS_TEXT = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    429: "Too Many Requests",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}


def as_user(who: FakeUser | FakeMember) -> FakeUser:
    return who.user if isinstance(who, FakeMember) else who
