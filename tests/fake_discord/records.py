"""What the fake records for a test to inspect: requests, uploaded files, spec violations,
scripted failures and interactions with the bot's answers to them."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from typing import Any


@dataclass
class RecordedFile:
    """One uploaded file from a multipart request (``files[n]`` form field)."""

    field_name: str
    filename: str | None
    content_type: str | None
    data: bytes


@dataclass
class RecordedRequest:
    """One REST call the client made, as the server saw it and answered it.

    ``path`` has no ``/api/v10`` prefix and no query string (the query is in ``query``);
    ``json`` is the parsed JSON body, or the parsed ``payload_json`` part of a multipart
    body, or None. ``status`` and ``response`` are what the fake answered, so a test can
    tell an injected 429 from the retry that succeeded.
    """

    method: str
    path: str
    json: Any
    headers: dict[str, str]
    files: list[RecordedFile] = field(default_factory=list)
    query: dict[str, str] = field(default_factory=dict)
    status: int | None = None
    response: Any = None
    injected: bool = False
    at: float = field(default_factory=time.monotonic)

    def __repr__(self) -> str:
        return (
            f"<{self.method} {self.path} -> {self.status}{' (injected)' if self.injected else ''}>"
        )


@dataclass
class SpecViolation:
    """A request body that Discord's OpenAPI spec (plus documented tolerances) rejects."""

    method: str
    path: str
    errors: list[str]
    body: Any

    def __str__(self) -> str:
        return f"{self.method} {self.path}: " + "; ".join(self.errors)


@dataclass
class Injection:
    """A scripted failure: the next ``times`` matching requests get ``status`` instead of
    being handled. ``hits`` counts how many were answered that way, so a test can assert
    the fault really fired (and was not silently skipped by a changed route)."""

    method: str | None
    path_regex: re.Pattern[str]
    status: int
    json_body: Any
    headers: dict[str, str]
    times: int
    hits: int = 0

    @property
    def remaining(self) -> int:
        return self.times - self.hits

    def matches(self, method: str, path: str) -> bool:
        if self.remaining <= 0:
            return False
        if self.method is not None and self.method.upper() != method:
            return False
        return self.path_regex.fullmatch(path) is not None


@dataclass
class FakeInteraction:
    """An interaction the fake sent, and everything the bot answered to it.

    ``payload`` is the INTERACTION_CREATE data as dispatched. ``callback`` is the body of
    the bot's ``POST /interactions/{id}/{token}/callback`` (``{"type": 4, "data": ...}``);
    ``original`` the message that callback created (kept up to date by edits to
    ``@original``); ``followups`` the messages sent through the webhook.
    """

    id: int
    token: str
    type: int
    payload: dict[str, Any]
    callback: dict[str, Any] | None = None
    original: dict[str, Any] | None = None
    followups: list[dict[str, Any]] = field(default_factory=list)

    @property
    def responded(self) -> bool:
        return self.callback is not None

    @property
    def choices(self) -> list[dict[str, Any]] | None:
        """Autocomplete choices from a type-8 callback, else None."""
        if self.callback and self.callback.get("type") == 8:
            return list((self.callback.get("data") or {}).get("choices") or [])
        return None
