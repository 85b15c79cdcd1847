"""``careerbot kb set|alias|faq|role|source|show|history|undo|export|import|gaps|feedback``
and ``careerbot config``.

The owner's offline door to the same operations moderators use on Discord: each
subcommand builds an ``Actor`` for the local user (the bot's owner: whoever can run
commands next to the database) and calls ``bot.core.moderation.Moderation``, so the
validation, the single write path and the audit log are the very same. Without
``--guild`` a change goes to the global base (scope ``*``), which every server sees.
Replies print as the bot would post them; refusals and invalid input exit with 1.
"""

from __future__ import annotations

import argparse
import getpass
import logging
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

# The moderation machinery is imported by the functions that run a subcommand, not here:
# bot.cli builds its parser from this module for every command, and `careerbot ask`
# should not pay for the write path it never uses.
if TYPE_CHECKING:
    from bot.core.moderation import Moderation
    from bot.core.reply import Reply
    from bot.knowledge.permissions import Actor
    from bot.settings import Settings

log = logging.getLogger(__name__)

#: ``kb`` subcommands handled here (``build`` and ``validate`` stay in bot.cli).
KB_COMMANDS = ("set", "alias", "faq", "role", "source", "show", "history", "undo", "export",
               "import", "gaps", "feedback")


#: How ``--guild`` is described wherever it is accepted.
GUILD_HELP = "as server ID sees it: its overlay, settings and prefix (default: the global base)"


def add_guild_option(parser: argparse.ArgumentParser, help: str = GUILD_HELP) -> None:
    """``--guild ID``, accepted before the subcommand (``careerbot --guild 42 kb show x``)
    and after it (``careerbot kb show x --guild 42``) for every command.

    Only the top-level parser sets a default (None): a subcommand's parser that did would
    overwrite a ``--guild`` given before the subcommand, so theirs is ``SUPPRESS``.
    """
    parser.add_argument("--guild", metavar="ID", default=argparse.SUPPRESS, help=help)


def add_kb_parsers(kb_sub: argparse._SubParsersAction) -> None:
    """Add the moderation subcommands to ``careerbot kb``."""
    scope = argparse.ArgumentParser(add_help=False)
    add_guild_option(scope, "the server whose overlay to use (default: the global base)")

    p = kb_sub.add_parser("set", parents=[scope], help="set a role's figures or a text field",
                          description="Set figures (with --source and --date) or one text field "
                          "(name, focus, summary, market). Example: kb set mlops median 180k "
                          "remote 12 --source ai-market-pulse-2026 --date 2026-03")
    p.add_argument("role")
    p.add_argument("pairs", nargs="+", metavar="FIELD VALUE",
                   help="field and value pairs, e.g. salary.median 180000 (use none to clear)")
    p.add_argument("--source", help="id (or unambiguous part of the name) of the figures' source")
    p.add_argument("--date", help="date the figures are as of: YYYY, YYYY-MM or YYYY-MM-DD")
    p.add_argument("--expect", metavar="OLD",
                   help="the value you saw; refuse if someone has changed it since")

    p = kb_sub.add_parser("alias", parents=[scope], help="add or remove a role's alias")
    p.add_argument("op", choices=("add", "remove"))
    p.add_argument("role")
    p.add_argument("alias")

    faq = kb_sub.add_parser("faq", help="add, edit or remove an FAQ entry")
    faq_sub = faq.add_subparsers(dest="faq_command", required=True)
    p = faq_sub.add_parser("add", parents=[scope])
    p.add_argument("--question", required=True)
    p.add_argument("--answer", required=True)
    p.add_argument("--tags", help="comma-separated tags")
    p.add_argument("--source")
    p = faq_sub.add_parser("edit", parents=[scope])
    p.add_argument("id")
    p.add_argument("--question")
    p.add_argument("--answer")
    p.add_argument("--tags")
    p.add_argument("--source")
    p.add_argument("--expect", metavar="OLD_ANSWER",
                   help="the answer you saw; refuse if someone has changed it since")
    p = faq_sub.add_parser("remove", parents=[scope])
    p.add_argument("id")

    role = kb_sub.add_parser("role", help="add or remove a role")
    role_sub = role.add_subparsers(dest="role_command", required=True)
    p = role_sub.add_parser("add", parents=[scope],
                            help="add a role: a slug and --name, or a whole role file with --file")
    p.add_argument("slug", nargs="?")
    p.add_argument("--name")
    p.add_argument("--focus", default="")
    p.add_argument("--alias", action="append", default=[])
    p.add_argument("--file", type=Path, help="a role file (YAML or JSON) as in knowledge/roles/")
    p = role_sub.add_parser("remove", parents=[scope], help="remove a role added by moderators")
    p.add_argument("role")

    source = kb_sub.add_parser("source", help="add a source figures can cite")
    source_sub = source.add_subparsers(dest="source_command", required=True)
    p = source_sub.add_parser("add", parents=[scope])
    p.add_argument("id")
    p.add_argument("--name", required=True)
    p.add_argument("--kind", required=True, help='e.g. "job postings" or "survey"')
    p.add_argument("--date", required=True)
    p.add_argument("--note", default="")
    p.add_argument("--url", default="")

    p = kb_sub.add_parser("show", parents=[scope], help="a role's raw data as that scope sees it")
    p.add_argument("role")
    p = kb_sub.add_parser("history", parents=[scope], help="who changed what and when")
    p.add_argument("--limit", type=int, default=20)
    p.add_argument("--before", type=int, metavar="ID", help="entries older than this one")
    p = kb_sub.add_parser("undo", parents=[scope], help="undo an entry of the history")
    p.add_argument("id")
    p = kb_sub.add_parser("export", parents=[scope], help="export the overlay or merged view")
    p.add_argument("--merged", action="store_true", help="everything the scope sees, not only its edits")
    p.add_argument("--format", choices=("yaml", "json"),
                   help="default: json for an --output ending in .json, else yaml")
    p.add_argument("-o", "--output", type=Path, help="write to this file (default: stdout)")
    p = kb_sub.add_parser("import", parents=[scope],
                          help="check a file, show what it changes, and apply it on confirmation")
    p.add_argument("file", type=Path)
    p.add_argument("--yes", action="store_true", help="apply without asking")
    p = kb_sub.add_parser("gaps", parents=[scope],
                          help="questions members asked that the bot could not answer well "
                          "(needs --guild ID)")
    p.add_argument("period", nargs="?", default=None, help="24h, 7d, 2w or all (default 30d)")
    p.add_argument("--csv", action="store_true", help="print every group as CSV instead")
    p = kb_sub.add_parser("feedback", parents=[scope],
                          help="the answers members rated worst (needs --guild ID)")
    p.add_argument("period", nargs="?", default=None, help="24h, 7d, 2w or all (default 30d)")


def add_config_parser(sub: argparse._SubParsersAction) -> None:
    """``careerbot config --guild ID show|prefix|unasked|modrole|channel``."""
    config = sub.add_parser("config", help="a server's settings: prefix, moderator roles, Q&A "
                            "channels (needs --guild ID, before or after the subcommand)")
    scope = argparse.ArgumentParser(add_help=False)
    add_guild_option(scope, "the server whose settings these are (required)")
    add_guild_option(config, "the server whose settings these are (required)")
    config_sub = config.add_subparsers(dest="config_command", required=True)
    config_sub.add_parser("show", parents=[scope])
    p = config_sub.add_parser("prefix", parents=[scope])
    p.add_argument("prefix", help='the new prefix, or "default"')
    p = config_sub.add_parser("unasked", parents=[scope])
    p.add_argument("state", choices=("on", "off"))
    p = config_sub.add_parser("gaps", parents=[scope],
                              help="the knowledge-gap log: on, off, or retention DAYS")
    p.add_argument("setting", choices=("on", "off", "retention"))
    p.add_argument("days", nargs="?", help="with retention: days entries are kept")
    for name in ("modrole", "channel"):
        p = config_sub.add_parser(name, parents=[scope])
        p.add_argument("op", choices=("add", "remove"))
        p.add_argument("id")


def local_actor(guild: str | None) -> Actor:
    """The person at the terminal: the bot's owner, recorded under their login name."""
    from bot.knowledge.permissions import Actor

    try:
        user = getpass.getuser()
    except (OSError, KeyError):
        user = "local"
    return Actor(user_id=f"local:{user}", name=user, guild_id=guild, is_owner=True, via="cli")


def _print(reply: Reply, out: TextIO) -> int:
    from bot.core.render import unescape_for_terminal
    from bot.core.reply import render_text

    out.write(unescape_for_terminal(render_text(reply)) + "\n")
    return 1 if reply.kind == "error" else 0


#: What Python makes of bytes in an argument that are not UTF-8 (``surrogateescape``):
#: such text can be neither stored nor printed back.
_UNDECODABLE = re.compile("[\ud800-\udfff]")


def _undecodable_argument(args: argparse.Namespace) -> str | None:
    """The name of the first argument that is not valid UTF-8 text, or None."""
    for name, value in vars(args).items():
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, str) and _UNDECODABLE.search(item):
                return name
    return None


def _file_label(path: Path) -> str:
    """A file's name as replies show it, even when the name is not UTF-8."""
    return path.name.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def _guarded(run: Callable[..., int]) -> Callable[..., int]:
    """Arguments that are not text, and any failure the core did not turn into a reply,
    end with one line on stderr and exit 1: never a traceback (the log has the details
    at DEBUG level). Errors ``bot.cli`` reports itself pass through."""

    def wrapper(args: argparse.Namespace, moderation: Moderation, **kwargs: Any) -> int:
        err: TextIO = kwargs.get("err") or sys.stderr
        if (name := _undecodable_argument(args)) is not None:
            err.write(f"careerbot: the {name.upper()} argument is not valid UTF-8 text\n")
            return 2
        from bot.knowledge.edits import EditError
        from bot.knowledge.store import StoreError
        from bot.knowledge.validation import KnowledgeError

        try:
            return run(args, moderation, **kwargs)
        except (EditError, StoreError, KnowledgeError):
            raise
        except Exception as exc:
            log.debug("careerbot %s failed", getattr(args, "kb_command", "config"), exc_info=True)
            reason = (str(exc).splitlines() or [""])[0][:200]
            err.write(f"careerbot: that failed unexpectedly ({type(exc).__name__}"
                      f"{': ' + reason if reason else ''}). `careerbot kb history` shows what "
                      "was applied; set CAREERBOT_LOG_LEVEL=DEBUG for the details.\n")
            return 1

    wrapper.__doc__ = run.__doc__
    return wrapper


def _pairs(values: list[str]) -> list[tuple[str, str]] | None:
    if len(values) % 2:
        return None
    return list(zip(values[::2], values[1::2], strict=True))


@_guarded
def run_kb(args: argparse.Namespace, moderation: Moderation, *, out: TextIO | None = None,
           err: TextIO | None = None, ask: Callable[[str], str] | None = None) -> int:
    """Run one moderation subcommand of ``careerbot kb``."""
    from bot.knowledge import edits
    from bot.knowledge.planners import parse_entry_id

    out = out or sys.stdout
    err = err or sys.stderr
    ask = ask or input
    command = args.kb_command
    args.guild = getattr(args, "guild", None)
    actor = local_actor(args.guild)
    m = moderation
    if command == "set":
        pairs = _pairs(args.pairs)
        if pairs is None:
            err.write("careerbot: kb set takes FIELD VALUE pairs, e.g. median 180000\n")
            return 2
        return _print(m.set(actor, args.role, pairs, source=args.source, date=args.date,
                            expect=args.expect), out)
    if command == "alias":
        return _print(m.alias(actor, args.op, args.role, args.alias), out)
    if command == "faq":
        if args.faq_command == "add":
            reply = m.faq_add(actor, args.question, args.answer, args.tags, args.source)
        elif args.faq_command == "edit":
            reply = m.faq_edit(actor, args.id, question=args.question, answer=args.answer,
                               tags=args.tags, source=args.source, expect=args.expect)
        else:
            reply = m.faq_remove(actor, args.id)
        return _print(reply, out)
    if command == "role":
        if args.role_command == "remove":
            return _print(m.role_remove(actor, args.role), out)
        if args.file is not None:
            try:
                data = args.file.read_bytes()
            except OSError as exc:
                err.write(f"careerbot: cannot read {args.file}: {exc.strerror}\n")
                return 2
            return _print(m.role_add_document(actor, data, _file_label(args.file)), out)
        if not args.slug or not args.name:
            err.write("careerbot: kb role add needs SLUG and --name, or --file\n")
            return 2
        return _print(m.role_add(actor, args.slug, args.name, focus=args.focus,
                                 aliases=args.alias), out)
    if command == "source":
        return _print(m.source_add(actor, args.id, args.name, args.kind, args.date,
                                   note=args.note, url=args.url), out)
    if command == "show":
        return _print(m.show(actor, args.role), out)
    if command == "history":
        return _print(m.history(actor, limit=args.limit, before=args.before), out)
    if command == "undo":
        number = parse_entry_id(args.id)  # None: the core says what is wrong with it
        if args.guild is None and number is not None:
            # The owner may undo any server's entry: act in the scope the entry belongs to.
            entry = edits.get_entry(m.db_path, number)
            if entry is not None and entry.guild_id != "*":
                actor = local_actor(entry.guild_id)
        return _print(m.undo(actor, args.id), out)
    if command == "export":
        fmt = args.format or ("json" if args.output is not None
                              and args.output.suffix.lower() == ".json" else "yaml")
        # The reply names the file written, as given (a path), not the name Discord uses.
        label = str(args.output).encode("utf-8", "surrogateescape").decode("utf-8", "replace") \
            if args.output is not None else None
        result = m.export(actor, merged=args.merged, fmt=fmt, filename=label)
        if result.filename is None:
            return _print(result.reply, out)
        if args.output is None:
            out.write(result.content.decode("utf-8"))
            return 0
        try:
            args.output.write_bytes(result.content)
        except OSError as exc:
            err.write(f"careerbot: cannot write {label}: {exc.strerror or exc}\n")
            return 2
        return _print(result.reply, err)
    if command == "import":
        try:
            data = args.file.read_bytes()
        except OSError as exc:
            err.write(f"careerbot: cannot read {args.file}: {exc.strerror}\n")
            return 2
        filename = _file_label(args.file)
        preview = m.import_preview(actor, data, filename)
        code = _print(preview.reply, out)
        if not preview.ok:
            return code
        if not args.yes:
            try:
                answer = ask(f"Apply {preview.count} change(s)? [y/N] ")
            except EOFError:
                answer = ""
            if answer.strip().lower() not in ("y", "yes"):
                out.write("Nothing was changed.\n")
                return 1
        return _print(m.import_apply(actor, data, filename, token=preview.token), out)
    if command == "gaps":
        gaps = m.gaps(actor, args.period, csv=args.csv)
        if gaps.filename is None or not args.csv:
            return _print(gaps.reply, out)
        out.write(gaps.content.decode("utf-8"))
        return 0
    if command == "feedback":
        return _print(m.feedback(actor, args.period), out)
    raise ValueError(command)


@_guarded
def run_config(args: argparse.Namespace, moderation: Moderation, *,
               out: TextIO | None = None, err: TextIO | None = None) -> int:
    out = out or sys.stdout
    if getattr(args, "guild", None) is None:
        (err or sys.stderr).write("careerbot: config needs --guild ID: the server whose "
                                  "settings to show or change\n")
        return 2
    actor = local_actor(args.guild)
    m = moderation
    if args.config_command == "show":
        return _print(m.config_show(actor), out)
    if args.config_command == "prefix":
        return _print(m.config_prefix(actor, args.prefix), out)
    if args.config_command == "unasked":
        return _print(m.config_unasked(actor, args.state), out)
    if args.config_command == "gaps":
        if args.setting != "retention":
            return _print(m.config_gaps(actor, args.setting), out)
        if args.days is None:
            (err or sys.stderr).write("careerbot: config gaps retention needs DAYS, e.g. 30\n")
            return 2
        return _print(m.config_gap_retention(actor, args.days), out)
    if args.config_command == "modrole":
        return _print(m.config_modrole(actor, args.op, args.id), out)
    return _print(m.config_channel(actor, args.op, args.id), out)


def moderation_for(settings: Settings) -> Moderation:
    """A Moderation over the configured database, built first if missing or stale."""
    from bot.app import open_store
    from bot.core.moderation import Moderation

    return Moderation(open_store(settings), default_prefix=settings.prefix,
                      command_prefix="careerbot kb ")
