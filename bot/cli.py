"""The ``careerbot`` command line: run the bot, talk to it in the terminal, manage the knowledge.

Failures a user can cause (no token, invalid knowledge files, unreadable database) end
with one clear line on stderr and a non-zero exit, never a traceback.
"""

from __future__ import annotations

import argparse
import logging
import sqlite3
import sys
from collections.abc import Sequence

from bot.knowledge.build import BuildError
from bot.knowledge.files import KnowledgeError, load_knowledge_dir
from bot.knowledge.store import StoreError
from bot.settings import Settings

log = logging.getLogger("careerbot")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="careerbot", description="Career advice about AI roles, on Discord or in the terminal."
    )
    sub = parser.add_subparsers(dest="command")
    ask = sub.add_parser("ask", help="answer one message and print the reply")
    ask.add_argument("text", nargs="+", help='the message, e.g. "!compare mlops pm"')
    chat = sub.add_parser("chat", help="talk to the bot in the terminal")
    chat.add_argument("--jsonl", action="store_true",
                      help='read {"user","channel","text"[,"guild"]} objects, one per line')
    sub.add_parser("run", help="run the Discord bot (needs DISCORD_TOKEN)")
    sub.add_parser("sync", help="sync slash commands globally with Discord (needs DISCORD_TOKEN)")
    kb = sub.add_parser("kb", help="build or check the knowledge base")
    kb_sub = kb.add_subparsers(dest="kb_command", required=True)
    kb_sub.add_parser("build", help="build the SQLite database from the knowledge files")
    kb_sub.add_parser("validate", help="check the knowledge files without writing anything")
    return parser


def _setup_logging(settings: Settings) -> None:
    logging.basicConfig(
        level=getattr(logging, settings.log_level.upper(), logging.INFO),
        format="%(asctime)s %(levelname)s %(name)s %(message)s",
        stream=sys.stderr,
    )


def _fail(message: str) -> int:
    print(f"careerbot: {message}", file=sys.stderr)
    return 2


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        settings = Settings()
    except Exception as exc:  # pydantic's ValidationError names the bad variable
        return _fail(f"invalid settings: {exc}".splitlines()[0])
    _setup_logging(settings)
    command = args.command or "chat"
    try:
        if command == "kb":
            return _kb(args, settings)
        if command in ("run", "sync"):
            from bot.discord_app.runner import run_bot  # imported only when needed

            return run_bot(settings, sync_globally=command == "sync")
        from bot import terminal
        from bot.app import create_advisor

        advisor = create_advisor(settings)
        if command == "ask":
            return terminal.ask(advisor, " ".join(args.text), settings.prefix)
        if args.jsonl if command == "chat" else False:
            return terminal.chat_jsonl(advisor, settings.prefix)
        return terminal.chat(advisor, settings.prefix)
    except KnowledgeError as exc:
        return _fail("the knowledge files have errors:\n" + "\n".join(exc.problems))
    except (StoreError, BuildError) as exc:
        return _fail(str(exc))
    except KeyboardInterrupt:
        return 130


def _kb(args: argparse.Namespace, settings: Settings) -> int:
    from bot.knowledge.build import build_database

    if args.kb_command == "validate":
        knowledge = load_knowledge_dir(settings.knowledge_dir)
        print(f"ok: {len(knowledge.roles)} roles, {len(knowledge.sources)} sources, "
              f"{len(knowledge.faq)} FAQ entries in {settings.knowledge_dir}")
        return 0
    try:
        knowledge = build_database(settings.knowledge_dir, settings.db)
    except (OSError, sqlite3.DatabaseError) as exc:
        raise BuildError(f"cannot build the knowledge base {settings.db}: {exc}") from exc
    print(f"built {settings.db}: {len(knowledge.roles)} roles, {len(knowledge.faq)} FAQ entries")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
