"""Discord's message limits (content, embeds, fields), enforced the way Discord enforces them."""

from __future__ import annotations

from typing import Any

from .protocol import DiscordError, form_error


def check_message_limits(body: dict[str, Any], *, has_files: bool, is_edit: bool) -> None:
    """Reject what Discord rejects, with the same status and code (400 / 50035 / 50006).

    Why in a fake: a bot that builds a 2,001-character answer works against a lenient mock
    and fails in production; this makes it fail in the test instead.
    """
    content = body.get("content")
    if isinstance(content, str) and len(content) > 2000:
        raise form_error("content", "BASE_TYPE_MAX_LENGTH", "Must be 2000 or fewer in length.")
    embeds = body.get("embeds") or []
    if len(embeds) > 10:
        raise form_error("embeds", "BASE_TYPE_MAX_LENGTH", "Must be 10 or fewer in length.")
    total = 0
    for i, e in enumerate(embeds):
        limits = {"title": 256, "description": 4096}
        for key, limit in limits.items():
            value = e.get(key) or ""
            total += len(value)
            if len(value) > limit:
                raise form_error(
                    f"embeds.{i}.{key}",
                    "BASE_TYPE_MAX_LENGTH",
                    f"Must be {limit} or fewer in length.",
                )
        fields = e.get("fields") or []
        if len(fields) > 25:
            raise form_error(f"embeds.{i}.fields", "BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer.")
        for j, f in enumerate(fields):
            name, value = f.get("name") or "", f.get("value") or ""
            total += len(name) + len(value)
            if not name or not value:
                raise form_error(
                    f"embeds.{i}.fields.{j}", "BASE_TYPE_REQUIRED", "This field is required"
                )
            if len(name) > 256 or len(value) > 1024:
                raise form_error(
                    f"embeds.{i}.fields.{j}", "BASE_TYPE_MAX_LENGTH", "Field too long."
                )
        footer = (e.get("footer") or {}).get("text") or ""
        author = (e.get("author") or {}).get("name") or ""
        total += len(footer) + len(author)
        if len(footer) > 2048 or len(author) > 256:
            raise form_error(f"embeds.{i}", "BASE_TYPE_MAX_LENGTH", "Footer/author too long.")
    if total > 6000:
        raise form_error(
            "embeds", "MAX_EMBED_SIZE_EXCEEDED", "Embed size exceeds maximum size of 6000"
        )
    if not is_edit and not (
        content
        or embeds
        or has_files
        or body.get("components")
        or body.get("sticker_ids")
        or body.get("poll")
    ):
        raise DiscordError(400, 50006, "Cannot send an empty message")
