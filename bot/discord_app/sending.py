"""Post a reply without turning Discord's answer into a discord.py ``Message``.

``Messageable.send`` parses the JSON Discord sends back into a ``Message``: the reply,
the message it replies to, both authors and members, the embed, the attachment and the
buttons. careerbot never reads that object (page turns and ratings come back as
interactions), and building it was the largest single cost of answering a remembered
``!compare``: a cached ``!compare`` went from 276 to 242 µs median in the bench's
dispatch rows when it stopped (more than the core's whole cached answer, about 22 µs).
``reply_to`` sends the same request ``send`` does, built by discord.py's
own ``handle_message_parameters`` with the client's allowed mentions, and keeps the one
thing later events need: the view, listening on the new message's id.

Every send also carries a nonce Discord enforces (as ``send`` does), taken from a
per-process counter with a random start rather than eight fresh random bytes a message:
unique within the process, and across restarts by the random start.
"""

from __future__ import annotations

import itertools
import secrets
from typing import Any

import discord
from discord.http import handle_message_parameters
from discord.utils import MISSING

#: Nonces for sent messages: unique per process, random across processes (62 bits keeps
#: the decimal form well inside Discord's 25 characters).
_NONCES = itertools.count(secrets.randbits(62))


async def reply_to(message: discord.Message, *, embed: discord.Embed,
                   file: discord.File | None = None,
                   view: discord.ui.View | None = None) -> int:
    """Send ``embed`` (with ``file`` and ``view``) as a reply to ``message``, under the
    client's allowed mentions (careerbot's: none); the id of the message sent.

    Raises what ``Messageable.send`` raises (``discord.HTTPException`` and its kinds)."""
    state = message._state
    with handle_message_parameters(
        embed=embed,
        file=file if file is not None else MISSING,
        view=view if view is not None else MISSING,
        nonce=next(_NONCES),
        message_reference=message.to_message_reference_dict(),
        previous_allowed_mentions=state.allowed_mentions,
    ) as params:
        data: Any = await state.http.send_message(message.channel.id, params=params)
    sent = int(data["id"])
    if view is not None and not view.is_finished() and view.is_dispatchable():
        state.store_view(view, sent)
    return sent
