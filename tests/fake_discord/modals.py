"""Modals: a person fills in the form a bot opened (callback type 9) and submits it.

Discord sends the bot an INTERACTION_CREATE of type 5 (MODAL_SUBMIT) whose ``data`` has the
modal's ``custom_id`` and, for every text input of the form, its ``custom_id`` and the
typed ``value``, in the layout the bot sent: inside action rows (type 1) or, in the newer
form, inside labels (type 18, one ``component`` each). Kept out of ``interactions.py``:
only bots that open forms need it.
"""

from __future__ import annotations

from typing import Any

from .models import FakeMember, FakeUser
from .protocol import INTERACTION_MODAL_SUBMIT
from .records import FakeInteraction

TEXT_INPUT = 4
ACTION_ROW = 1
LABEL = 18


def modal_of(opener: FakeInteraction) -> dict[str, Any]:
    """The form a bot opened in answer to ``opener`` (its type-9 callback's data)."""
    callback = opener.callback or {}
    if callback.get("type") != 9:
        raise AssertionError(f"the bot answered with callback type {callback.get('type')}, "
                             "not a modal (9)")
    return dict(callback.get("data") or {})


def text_inputs(modal: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """custom_id -> the text input as the bot sent it (label, value prefilled, limits)."""
    found: dict[str, dict[str, Any]] = {}
    for top in modal.get("components") or []:
        inner = [top.get("component")] if top.get("type") == LABEL else top.get("components", [])
        for component in inner:
            if component and component.get("type") == TEXT_INPUT:
                found[component["custom_id"]] = {**component, "label": component.get(
                    "label", top.get("label"))}
    return found


def _submitted(modal: dict[str, Any], values: dict[str, str]) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for top in modal.get("components") or []:
        if top.get("type") == LABEL:
            c = top["component"]
            rows.append({"type": LABEL, "component": {
                "type": c["type"], "custom_id": c["custom_id"],
                "value": values.get(c["custom_id"], c.get("value") or "")}})
        else:
            rows.append({"type": ACTION_ROW, "components": [
                {"type": c["type"], "custom_id": c["custom_id"],
                 "value": values.get(c["custom_id"], c.get("value") or "")}
                for c in top.get("components", [])]})
    return rows


async def submit_modal(server: Any, opener: FakeInteraction, values: dict[str, str], *,
                       user: FakeUser | FakeMember, locale: str = "en-US") -> FakeInteraction:
    """``user`` submits the modal the bot opened for ``opener``, with ``values`` typed over
    the prefilled ones (custom_id -> text). Unknown custom ids fail the test: a typo in a
    test must not pass as an empty field."""
    modal = modal_of(opener)
    inputs = text_inputs(modal)
    unknown = set(values) - set(inputs)
    if unknown:
        raise AssertionError(f"the modal has no inputs {sorted(unknown)}; it has {sorted(inputs)}")
    data = {"custom_id": modal["custom_id"], "components": _submitted(modal, values)}
    payload = opener.payload
    guild = "guild_id" in payload
    inter = server._interaction_base(INTERACTION_MODAL_SUBMIT, data, user,
                                     int(payload["channel_id"]), guild, locale,
                                     message=payload.get("message"))
    server._set_mark()
    await server.dispatch("INTERACTION_CREATE", inter.payload)
    return inter
