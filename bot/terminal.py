"""The terminal front end: ``ask``, interactive ``chat`` and scriptable ``chat --jsonl``.

It prints exactly what the bot would post on Discord (the reply's text form, split into
Discord-sized messages), so answers can be checked without a Discord server.
"""

from __future__ import annotations

import json
import logging
import re
import sys
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import BinaryIO, TextIO, cast

from bot.core.advisor import Advisor, Request
from bot.core.render import render, unescape_for_terminal
from bot.core.reply import Reply, render_text, split_message
from bot.knowledge.limits import MAX_NESTING_DEPTH, MAX_NUMBER_DIGITS
from bot.knowledge.safe_parse import InputRefused, load_json

log = logging.getLogger(__name__)

#: Longest JSONL input line accepted; longer ones get an error reply instead.
MAX_LINE_CHARS = 64 * 1024
MESSAGE_BREAK = "\n\n—— next message ——\n\n"
#: What the interactive chat prompts with.
PROMPT = "you> "
#: Half of a UTF-16 pair: not Unicode, so it can be neither answered nor printed.
_SURROGATE = re.compile("[\ud800-\udfff]")


def reply_text(reply: Reply) -> str:
    """The reply as Discord messages, joined with a visible break between messages, and
    without the escapes meant for Discord (split first, so the messages are Discord's)."""
    return MESSAGE_BREAK.join(unescape_for_terminal(m) for m in split_message(render_text(reply)))


def safe_handle(advisor: Advisor, request: Request) -> Reply:
    """Answer, turning an unexpected failure into a friendly reply (logged with traceback)."""
    try:
        return advisor.handle(request)
    except Exception:
        log.exception("failed to answer %r", request.text[:200])
        return render("internal_error.j2", prefix=request.prefix)


#: The command prefix of a server (None: no server), e.g. from its settings.
PrefixFor = Callable[[str | None], str]


def ask(advisor: Advisor, text: str, prefix: str, out: TextIO | None = None,
        guild: str | None = None, *, chart: Path | None = None,
        err: TextIO | None = None) -> int:
    """Print the answer; with ``chart``, also write its salary chart there (exit 1 if none).

    The streams default to the ones current at the call (not at import), so a caller that
    swaps ``sys.stdout`` (a test's capture, a redirect) gets the output.
    """
    out = out if out is not None else sys.stdout
    err = err if err is not None else sys.stderr
    reply = safe_handle(advisor, Request(text=text, prefix=prefix, guild_id=guild))
    out.write(reply_text(reply) + "\n")
    status = 1 if reply.kind == "error" else 0
    if chart is not None and not write_chart(reply, chart, err):
        status = 1
    return status


def write_chart(reply: Reply, path: Path, err: TextIO) -> bool:
    """Write the reply's salary chart to ``path`` as the PNG Discord attaches; say on
    ``err`` what was written, or why nothing was (no chart in this answer, a bad path)."""
    if reply.chart is None:
        err.write(f"careerbot: this answer has no salary chart, so {path} was not written "
                  "(charts come with !compare and !salary when the roles have salary figures)\n")
        return False
    from bot.core.charts import draw  # imported only when a chart is asked for

    drawn = draw(reply.chart)
    try:
        path.write_bytes(drawn.png)
    except OSError as exc:
        err.write(f"careerbot: could not write the chart to {path}: {exc.strerror or exc}\n")
        return False
    err.write(f"careerbot: wrote the salary chart ({drawn.width}×{drawn.height} px) to {path}\n")
    return True


def line_editing() -> bool:
    """Turn on line editing and history for ``input()`` (GNU readline or libedit), where
    Python has it: arrow keys move and recall instead of arriving as escape codes. History
    is kept in memory for the session only: nothing typed is written to disk. False where
    readline is missing (Windows without pyreadline, minimal builds): plain input then."""
    try:
        import readline
    except ImportError:
        return False
    readline.set_auto_history(True)
    return True


def _typed_lines(inp: TextIO, out: TextIO, interactive: bool) -> Iterator[str | None]:
    """Each line typed, or None for one that is not UTF-8 text (answered, not fatal).

    At a terminal, read with ``input()`` and readline's editing and history; otherwise
    (a pipe, a file) the bytes are read and decoded here, so a bad byte cannot end the
    loop with a UnicodeDecodeError.
    """
    editing = interactive and inp is sys.stdin and out is sys.stdout and line_editing()
    stream = getattr(inp, "buffer", None)
    while True:
        if editing:
            try:
                line = input(PROMPT)
            except EOFError:
                return
            except UnicodeDecodeError:
                yield None
                continue
        else:
            if interactive:
                out.write(PROMPT)
                out.flush()
            try:
                raw = stream.readline() if stream is not None else inp.readline()
            except UnicodeDecodeError:  # a text stream without a buffer
                yield None
                continue
            if not raw:
                return
            line = raw.decode("utf-8", "surrogateescape") if isinstance(raw, bytes) else raw
        yield None if _SURROGATE.search(line) else line


def chat(advisor: Advisor, prefix: str, inp: TextIO | None = None, out: TextIO | None = None,
         guild: str | None = None) -> int:
    """A simple prompt loop; end with Ctrl-D, ``quit`` or ``exit``. At a terminal the line
    can be edited and earlier lines recalled with the arrow keys (see ``line_editing``)."""
    inp, out = inp or sys.stdin, out or sys.stdout
    interactive = inp.isatty()
    advisor.warm()  # a conversation: compile everything once, up front
    if interactive:
        out.write(f"careerbot chat: try `{prefix}compare mlops pm` or `{prefix}help`. "
                  "Ctrl-D or `quit` to leave.\n")
    for line in _typed_lines(inp, out, interactive):
        if line is None:
            reply = render("unreadable_line.j2", prefix=prefix)
        else:
            text = line.strip()
            if text.lower() in ("quit", "exit"):
                break
            if not text:
                continue
            reply = safe_handle(advisor, Request(text=text, prefix=prefix, user_id="local",
                                                 channel_id="terminal", guild_id=guild))
        out.write(reply_text(reply) + "\n\n")
        out.flush()
    return 0


def _jsonl_request(line: str | None, prefix: str, guild: str | None = None,
                   prefix_for: PrefixFor | None = None) -> Request | str:
    """A Request from one JSONL line (None: longer than the limit), or the name of the
    problem with it. No line can raise: nesting and numbers are bounded before parsing."""
    if line is None or len(line) > MAX_LINE_CHARS:
        return "too_long"
    if not line.strip():
        return "blank"
    if _SURROGATE.search(line):
        return "bad_text"  # bytes that were not UTF-8
    try:
        data = load_json(line)
    except InputRefused as exc:
        return "too_deep" if "nested" in exc.message else "bad_number"
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
        if value is not None and (not isinstance(value, str | int) or isinstance(value, bool)):
            return "bad_field"
        ids[key] = str(value) if value is not None else None
    if any(_SURROGATE.search(v) for v in (text, *ids.values()) if v):
        return "bad_text"  # a lone surrogate written as an escape ("\\ud800")
    server = ids["guild"] if ids["guild"] is not None else guild
    if prefix_for is not None and server != guild:
        prefix = prefix_for(server)  # the line's server may have a prefix of its own
    return Request(text=text, user_id=ids["user"] or "local", channel_id=ids["channel"] or "jsonl",
                   guild_id=server, prefix=prefix)


def _read_lines(inp: Iterable[str] | TextIO | BinaryIO) -> Iterator[str | None]:
    """Each input line without its newline, or None for one longer than ``MAX_LINE_CHARS``.

    From a file (stdin) the bytes are read and decoded here, at most enough for the
    longest line allowed at a time, so a line of gigabytes is skipped in pieces rather
    than held in memory, and bytes that are not UTF-8 become lone surrogates for
    ``_jsonl_request`` to refuse instead of an exception that would end the loop.
    """
    stream = getattr(inp, "buffer", inp)
    readline = getattr(stream, "readline", None)
    if readline is None:
        # No readline: not a file (TextIO and BinaryIO have one) but a list of lines (tests).
        for item in cast(Iterable[str], inp):
            line = item.rstrip("\n")
            yield line if len(line) <= MAX_LINE_CHARS else None
        return
    # UTF-8 takes at most 4 bytes a character: read enough to hold the longest line allowed
    most = 4 * MAX_LINE_CHARS + 2
    while True:
        raw = readline(most)
        if not raw:
            return
        if not _ends_line(raw) and len(raw) >= most:  # longer than any line allowed
            while raw and not _ends_line(raw):
                raw = readline(most)  # skip the rest of it
            yield None
            continue
        text = raw.decode("utf-8", "surrogateescape") if isinstance(raw, bytes) else raw
        line = text.removesuffix("\n").removesuffix("\r")
        yield line if len(line) <= MAX_LINE_CHARS else None


def _ends_line(raw: bytes | str) -> bool:
    return raw.endswith(b"\n") if isinstance(raw, bytes) else raw.endswith("\n")


def _write_reply(out: TextIO, reply: Reply) -> None:
    """One JSON line; escaped to ASCII when the text cannot be encoded as it is."""
    text = reply_text(reply)
    try:
        out.write(json.dumps({"reply": text}, ensure_ascii=False) + "\n")
    except UnicodeEncodeError:
        out.write(json.dumps({"reply": text}) + "\n")
    out.flush()


def chat_jsonl(advisor: Advisor, prefix: str, inp: Iterable[str] | TextIO | None = None,
               out: TextIO | None = None, guild: str | None = None,
               prefix_for: PrefixFor | None = None) -> int:
    """One JSON object in per line, exactly one ``{"reply": ...}`` line out, flushed.

    Every line gets its reply and the loop goes on, whatever the line holds: a problem
    with the line is an explanatory reply, and any failure answering it a friendly one.
    A line's ``"guild"`` (else ``guild``) picks the server, whose own prefix, from
    ``prefix_for``, reads its commands, as on Discord; ``prefix`` is ``guild``'s.
    """
    inp, out = inp if inp is not None else sys.stdin, out or sys.stdout
    advisor.warm()
    for line in _read_lines(inp):
        try:
            request = _jsonl_request(line, prefix, guild, prefix_for)
            if isinstance(request, str):
                reply = render("input_error.j2", prefix=prefix, problem=request,
                               limit=MAX_LINE_CHARS, depth=MAX_NESTING_DEPTH,
                               digits=MAX_NUMBER_DIGITS)
            else:
                reply = safe_handle(advisor, request)
        except Exception:
            log.exception("failed to answer a JSONL line")
            reply = render("internal_error.j2", prefix=prefix)
        _write_reply(out, reply)
    return 0
