"""The terminal front end: ``ask``, interactive ``chat`` and scriptable ``chat --jsonl``.

It prints exactly what the bot would post on Discord (the reply's text form, split into
Discord-sized messages), so answers can be checked without a Discord server.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Iterable
from typing import TextIO

from bot.core.advisor import Advisor, Request
from bot.core.render import render
from bot.core.reply import Reply, render_text, split_message

log = logging.getLogger(__name__)

#: Longest JSONL input line accepted; longer ones get an error reply instead.
MAX_LINE_CHARS = 64 * 1024
MESSAGE_BREAK = "\n\n—— next message ——\n\n"


def reply_text(reply: Reply) -> str:
    """The reply as Discord messages, joined with a visible break between messages."""
    return MESSAGE_BREAK.join(split_message(render_text(reply)))


def safe_handle(advisor: Advisor, request: Request) -> Reply:
    """Answer, turning an unexpected failure into a friendly reply (logged with traceback)."""
    try:
        return advisor.handle(request)
    except Exception:
        log.exception("failed to answer %r", request.text[:200])
        return render("internal_error.j2", prefix=request.prefix)


def ask(advisor: Advisor, text: str, prefix: str, out: TextIO = sys.stdout) -> int:
    reply = safe_handle(advisor, Request(text=text, prefix=prefix))
    out.write(reply_text(reply) + "\n")
    return 1 if reply.kind == "error" else 0


def chat(advisor: Advisor, prefix: str, inp: TextIO = sys.stdin, out: TextIO = sys.stdout) -> int:
    """A simple prompt loop; end with Ctrl-D, ``quit`` or ``exit``."""
    interactive = inp.isatty()
    advisor.warm()  # a conversation: compile everything once, up front
    if interactive:
        out.write(f"careerbot chat: try `{prefix}compare mlops pm` or `{prefix}help`. "
                  "Ctrl-D or `quit` to leave.\n")
    while True:
        if interactive:
            out.write("you> ")
            out.flush()
        line = inp.readline()
        if not line:
            break
        text = line.strip()
        if text.lower() in ("quit", "exit"):
            break
        if not text:
            continue
        reply = safe_handle(advisor, Request(text=text, prefix=prefix, user_id="local",
                                             channel_id="terminal"))
        out.write(reply_text(reply) + "\n\n")
        out.flush()
    return 0


def _jsonl_request(line: str, prefix: str) -> Request | str:
    """A Request from one JSONL line, or the name of the problem with it."""
    if len(line) > MAX_LINE_CHARS:
        return "too_long"
    if not line.strip():
        return "blank"
    try:
        data = json.loads(line)
    except ValueError:
        return "not_json"
    if not isinstance(data, dict):
        return "not_object"
    text = data.get("text")
    if not isinstance(text, str):
        return "no_text"
    ids = {}
    for key in ("user", "channel", "guild"):
        value = data.get(key)
        if value is not None and not isinstance(value, str | int):
            return "bad_field"
        ids[key] = str(value) if value is not None else None
    return Request(text=text, user_id=ids["user"] or "local", channel_id=ids["channel"] or "jsonl",
                   guild_id=ids["guild"], prefix=prefix)


def chat_jsonl(advisor: Advisor, prefix: str, inp: Iterable[str] = sys.stdin,
               out: TextIO = sys.stdout) -> int:
    """One JSON object in per line, exactly one ``{"reply": ...}`` line out, flushed."""
    advisor.warm()
    for raw in inp:
        line = raw.rstrip("\n")
        request = _jsonl_request(line, prefix)
        if isinstance(request, str):
            reply = render("input_error.j2", prefix=prefix, problem=request,
                           limit=MAX_LINE_CHARS)
        else:
            reply = safe_handle(advisor, request)
        out.write(json.dumps({"reply": reply_text(reply)}, ensure_ascii=False) + "\n")
        out.flush()
    return 0
