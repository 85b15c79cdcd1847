"""The ``careerbot`` command line: run the bot, talk to it in the terminal, manage the knowledge.

Failures a user can cause (no token, invalid knowledge files, unreadable database) end
with one clear line on stderr and a non-zero exit, never a traceback.
"""

from __future__ import annotations

import argparse
import logging
import sqlite3
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from bot import health as health_mod
from bot.health import HEARTBEAT_MAX_AGE_SECONDS
from bot.moderation_cli import KB_COMMANDS, add_config_parser, add_guild_option, add_kb_parsers
from bot.settings import SettingsError, load_settings

# Everything else is imported by the command that needs it: `careerbot ask` answers one
# message and exits, so the knowledge build, the moderation write path and the Discord
# front end would be most of its wait if imported here (issue 16, item 5).
if TYPE_CHECKING:
    from bot.core.advisor import Advisor
    from bot.core.moderation import Moderation
    from bot.settings import Settings

log = logging.getLogger("careerbot")


class _VersionAction(argparse.Action):
    """``--version``, reading the package metadata only when asked (importlib.metadata
    costs every other command ~10 ms to import)."""

    def __init__(self, option_strings: Sequence[str], dest: str = argparse.SUPPRESS,
                 default: str = argparse.SUPPRESS, help: str | None = None) -> None:
        super().__init__(option_strings=option_strings, dest=dest, default=default, nargs=0,
                         help=help or "show program's version number and exit")

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace,
                 values: object, option_string: str | None = None) -> None:
        from bot.core.about import package_version

        print(f"careerbot {package_version()}")  # to stdout, as argparse's own action
        parser.exit()


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="careerbot", description="Career advice about AI roles, on Discord or in the terminal."
    )
    parser.add_argument("--version", action=_VersionAction)
    parser.add_argument("--guild", metavar="ID", default=None,
                        help="as server ID sees it (also accepted after any subcommand)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    ask = sub.add_parser("ask", help="answer one message and print the reply")
    ask.add_argument("text", nargs="+", help='the message, e.g. "!compare mlops pm"')
    ask.add_argument("--chart", type=Path, metavar="FILE",
                     help="also write the answer's salary chart (PNG), as Discord shows it, to FILE")
    add_guild_option(ask)
    chat = sub.add_parser("chat", help="talk to the bot in the terminal")
    chat.add_argument("--jsonl", action="store_true",
                      help='read {"user","channel","text"[,"guild"]} objects, one per line '
                           '(a line\'s "guild" overrides --guild)')
    add_guild_option(chat)
    run = sub.add_parser("run", help="run the Discord bot (needs DISCORD_TOKEN)")
    run.add_argument("--heartbeat", type=Path, metavar="FILE",
                     help="rewrite FILE while connected to Discord, for `careerbot health`")
    sub.add_parser("sync", help="sync slash commands globally with Discord (needs DISCORD_TOKEN)")
    about = sub.add_parser("about", help="the version, the knowledge's date and sources, the roles")
    add_guild_option(about, "as server ID sees it, with that server's settings")
    health = sub.add_parser(
        "health", help="check the knowledge base opens (and, with --heartbeat, that the bot "
                       "is connected); exit 0 healthy, 1 not",
        description="What a container's HEALTHCHECK runs. Reads only; never builds or writes.")
    health.add_argument("--heartbeat", type=Path, metavar="FILE",
                        help="the file `careerbot run --heartbeat FILE` keeps fresh")
    health.add_argument("--max-age", type=float, default=HEARTBEAT_MAX_AGE_SECONDS,
                        metavar="SECONDS",
                        help="oldest heartbeat still healthy (default %(default).0f)")
    kb = sub.add_parser("kb", help="build, check and edit the knowledge base")
    add_guild_option(kb)
    kb_sub = kb.add_subparsers(dest="kb_command", required=True)
    kb_sub.add_parser("build", help="build the SQLite database from the knowledge files")
    kb_sub.add_parser("validate", help="check the knowledge files without writing anything")
    sal = kb_sub.add_parser(
        "import-salaries",
        help="add a dated snapshot of per-role figures from the aijobs.net salary survey CSV",
        description="Map job titles to roles (knowledge/mappings/salary-titles.yaml), filter, and "
                    "write knowledge/generated/salary-survey/<date>.yaml. Re-running with the "
                    "same file and options changes nothing.",
    )
    sal.add_argument("file", type=Path, help="the survey's salaries.csv")
    sal.add_argument("--date", help="the snapshot's date, YYYY-MM-DD (remembered per file)")
    sal.add_argument("--country", action="append", metavar="CODE",
                     help="company location to keep, e.g. US (repeatable; default US; "
                          "'any' for all)")
    sal.add_argument("--employment", action="append", metavar="TYPE",
                     help="employment type to keep: FT, PT, CT, FL (repeatable; default FT; "
                          "'any' for all)")
    sal.add_argument("--since", type=int, metavar="YEAR",
                     help="first work year (default: the year before the latest)")
    sal.add_argument("--until", type=int, metavar="YEAR",
                     help="last work year (default: the latest in the file)")
    sal.add_argument("--min-n", type=int, metavar="N",
                     help="fewest responses for which a role's figures are published")
    sal.add_argument("--keep-duplicates", action="store_true",
                     help="keep rows that repeat another row exactly (default: remove them)")
    sal.add_argument("--dry-run", action="store_true", help="report only; write nothing")
    onet = kb_sub.add_parser(
        "import-onet",
        help="import skills, tasks and related occupations from an O*NET database folder",
        description="Map roles to occupations (knowledge/mappings/onet-crosswalk.yaml) and "
                    "write knowledge/generated/onet.yaml.",
    )
    onet.add_argument("dir", type=Path, help="the O*NET database folder (tab-separated files)")
    onet.add_argument("--dry-run", action="store_true", help="report only; write nothing")
    add_kb_parsers(kb_sub)
    add_config_parser(sub)
    return parser


def _setup_logging(settings: Settings) -> None:
    logging.basicConfig(
        level=getattr(logging, settings.log_level),
        format="%(asctime)s %(levelname)s %(name)s %(message)s",
        stream=sys.stderr,
    )


def _fail(message: str) -> int:
    print(f"careerbot: {message}", file=sys.stderr)
    return 2


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command is None:  # a bare `careerbot`: say what it can do, as argparse would
        parser.print_help(sys.stderr)
        return 2
    command = args.command
    try:
        # `ask` answers one message and exits: it reads a plain environment without
        # importing pydantic (about a third of its start), as `load_settings` allows.
        settings = load_settings(quick=command == "ask")
    except SettingsError as exc:  # one line per bad variable, saying what it expects
        for problem in exc.problems:
            _fail(f"invalid setting {problem}")
        return health_mod.UNHEALTHY if command == "health" else 2
    _setup_logging(settings)
    if args.guild is not None and not _takes_guild(args):
        return _fail(f"--guild does not apply to `{_command_name(args)}`: it builds, checks or "
                     "runs everything at once")
    if command == "health":
        return _health(args, settings)
    try:
        if command == "kb" and args.kb_command in KB_COMMANDS:
            from bot.moderation_cli import moderation_for, run_kb

            return run_kb(args, moderation_for(settings))
        if command == "config":
            from bot.moderation_cli import moderation_for, run_config

            return run_config(args, moderation_for(settings))
        if command == "kb":
            return _kb(args, settings)
        if command in ("run", "sync"):
            from bot.discord_app.runner import run_bot  # imported only when needed

            return run_bot(settings, sync_globally=command == "sync",
                           heartbeat=getattr(args, "heartbeat", None))
        if command == "about":
            return _about(args, settings)
        from bot import terminal
        from bot.app import create_advisor

        advisor = create_advisor(settings, one_shot=command == "ask")
        prefixes = _prefixes(settings, advisor)
        if command == "ask":
            return terminal.ask(advisor, " ".join(args.text), prefixes(args.guild),
                                guild=args.guild, chart=args.chart)
        if args.jsonl:
            return terminal.chat_jsonl(advisor, prefixes(args.guild), guild=args.guild,
                                       prefix_for=prefixes)
        return terminal.chat(advisor, prefixes(args.guild), guild=args.guild)
    except KeyboardInterrupt:
        return 130
    except Exception as exc:
        message = _user_error(exc)
        if message is None:
            raise
        return _fail(message)


def _user_error(exc: Exception) -> str | None:
    """The one line for a failure the user can fix (invalid knowledge files, an unreadable
    database, a refused edit or build), or None for anything else.

    The error classes are imported here, when something failed, rather than at the top of
    the module: most of them live in modules a command like `ask` never loads.
    """
    from bot.knowledge.build import BuildError
    from bot.knowledge.edits import EditError
    from bot.knowledge.store import StoreError
    from bot.knowledge.validation import KnowledgeError

    if isinstance(exc, KnowledgeError):
        return "the knowledge files have errors:\n" + "\n".join(exc.problems)
    if isinstance(exc, (StoreError, EditError, BuildError)):
        return str(exc)
    return None


def _takes_guild(args: argparse.Namespace) -> bool:
    """Whether the command works as one server sees it (the rest work on everything)."""
    if args.command in ("ask", "chat", "about", "config"):
        return True
    return args.command == "kb" and args.kb_command in KB_COMMANDS


def _command_name(args: argparse.Namespace) -> str:
    kb = getattr(args, "kb_command", None)
    return f"{args.command} {kb}" if args.command == "kb" and kb else args.command


def _prefixes(settings: Settings, advisor: Advisor) -> Callable[[str | None], str]:
    """The command prefix each server uses (its settings may change it), as on Discord.

    The moderation core that reads a server's settings is made on the first ``--guild``
    (or JSONL ``guild``), so a command without one never imports it.
    """
    from bot.app import create_moderation

    moderations: list[Moderation] = []

    def prefix_for(guild: str | None) -> str:
        if guild is None:
            return settings.prefix
        if not moderations:
            moderations.append(create_moderation(settings, advisor.store))
        return moderations[0].settings(guild).prefix_or(settings.prefix)

    return prefix_for


def _health(args: argparse.Namespace, settings: Settings) -> int:
    """``careerbot health``: one line per check; exit 0 healthy, 1 not (Docker's meaning)."""
    result = health_mod.check(settings.db, args.heartbeat, max_age=args.max_age)
    print(("healthy: " if result.ok else "unhealthy: ") + "; ".join(result.lines),
          file=sys.stdout if result.ok else sys.stderr)
    return result.exit_code


def _about(args: argparse.Namespace, settings: Settings) -> int:
    """``careerbot about``: the about reply without the gateway's facts; with ``--guild``,
    that server's view and settings (the local user is the owner, who may see them)."""
    from bot import terminal
    from bot.app import create_moderation, open_store
    from bot.core.about import about, package_version

    store = open_store(settings)
    try:
        guild = args.guild
        server = create_moderation(settings, store).settings(guild) if guild else None
        reply = about(store.knowledge(guild), version=package_version(),
                      prefix=server.prefix_or(settings.prefix) if server else settings.prefix,
                      settings=server, default_prefix=settings.prefix, mention=False)
    finally:
        store.close()
    print(terminal.reply_text(reply))
    return 0


def _kb(args: argparse.Namespace, settings: Settings) -> int:
    from bot.knowledge.build import BuildError, build_with_report
    from bot.knowledge.files import load_knowledge_dir

    if args.kb_command in ("import-salaries", "import-onet"):
        return _kb_import(args, settings)
    if args.kb_command == "validate":
        knowledge = load_knowledge_dir(settings.knowledge_dir)
        print(f"ok: {len(knowledge.roles)} roles, {len(knowledge.sources)} sources, "
              f"{len(knowledge.faq)} FAQ entries in {settings.knowledge_dir}")
        return 0
    try:
        result = build_with_report(settings.knowledge_dir, settings.db)
    except (OSError, sqlite3.DatabaseError) as exc:
        raise BuildError(f"cannot build the knowledge base {settings.db}: {exc}") from exc
    knowledge = result.knowledge
    print(f"built {settings.db}: {len(knowledge.roles)} roles, {len(knowledge.faq)} FAQ entries")
    if result.salvage is not None:  # the previous file was damaged: say what became of it
        print(result.salvage.text())
    return 0


def _kb_import(args: argparse.Namespace, settings: Settings) -> int:
    """Run an importer and print its report; the database rebuilds on next use."""
    from bot.knowledge.importers import ImportProblem

    try:
        if args.kb_command == "import-onet":
            from bot.knowledge.importers.onet import import_onet

            report = import_onet(args.dir, settings.knowledge_dir, dry_run=args.dry_run)
        else:
            from bot.knowledge.importers import salaries

            def choice(values: list[str] | None, default: tuple[str, ...]) -> tuple[str, ...]:
                if values is None:
                    return default
                return () if any(v.lower() == "any" for v in values) else tuple(values)

            filters = salaries.Filters(
                countries=choice(args.country, salaries.Filters().countries),
                employment=choice(args.employment, salaries.Filters().employment),
                since=args.since, until=args.until, drop_duplicates=not args.keep_duplicates,
            )
            report = salaries.import_salaries(
                args.file, settings.knowledge_dir, filters=filters, date=args.date,
                min_n=args.min_n if args.min_n is not None else salaries.DEFAULT_MIN_N,
                dry_run=args.dry_run,
            )
    except ImportProblem as exc:
        return _fail(str(exc))
    print(report.text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
