"""Servers share what their overlays do not change (issue 16, item 2): a server nobody
edited answers from the global view's caches, per-view caches evict one view at a time,
and a message checks the knowledge's data version once, on Discord too."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.core import advisor as advisor_module
from bot.core.advisor import MAX_VIEWS, Advisor, Request
from bot.core.chat import ChatEngine, engine
from bot.core.chat.catalog import Catalog
from bot.core.reply import Reply
from bot.knowledge.models import CATALOGS, PREPARED, PREPARED_VIEWS, Knowledge
from bot.knowledge.overlay import ensure_schema, overlay_view
from bot.knowledge.store import KnowledgeStore
from tests.e2e import conftest as e2e  # first: careerbot_fixtures imports it back
from tests.e2e.careerbot_fixtures import MESSAGES, start_careerbot
from tests.fake_discord import FakeDiscord
from tests.moderation_support import MLOPS, build

# The fake Discord's fixtures, for the one end-to-end test here.
fake_discord = e2e.fake_discord
run_bot = e2e.run_bot

COMMANDS = ("!compare mlops pm", "!salary ds", "!role mlops")
BOUND = 11  # edited servers beside the global view (the test's bound)
QUESTIONS = ("how much do mlops engineers make?", "what does an ai pm do all week?")


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return build(tmp_path)


@pytest.fixture
def advisor(db: Path) -> Iterator[Advisor]:
    store = KnowledgeStore(db, overlay=overlay_view)
    yield Advisor(store, chat=ChatEngine())
    store.close()


def count_compositions(advisor: Advisor, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Record the command of every answer the advisor composes (not taken from its cache)."""
    composed: list[str] = []
    compose = advisor._answer

    def counted(spec: Any, *args: Any) -> Reply:
        composed.append(spec.name)
        return compose(spec, *args)

    monkeypatch.setattr(advisor, "_answer", counted)
    return composed


def count_catalogs(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    built: list[int] = []
    original = Catalog.build.__func__  # type: ignore[attr-defined]

    def counted(cls: type[Catalog], *args: Any, **kwargs: Any) -> Catalog:
        built.append(1)
        return original(cls, *args, **kwargs)

    monkeypatch.setattr(Catalog, "build", classmethod(counted))
    derive = engine.derive

    def derived(*args: Any, **kwargs: Any) -> Catalog:
        # An edited server's catalogue is derived from the global one's (not built whole).
        built.append(1)
        return derive(*args, **kwargs)

    monkeypatch.setattr(engine, "derive", derived)
    return built


def add_aliases(db: Path, guilds: list[str]) -> None:
    with sqlite3.connect(db) as conn:
        ensure_schema(conn)
        conn.executemany(
            "insert into overlay_aliases (guild_id, role_slug, key, alias, op) "
            "values (?, ?, ?, ?, 'add')",
            [(g, MLOPS, f"alias{g}", f"alias{g}") for g in guilds])
    conn.close()


def test_a_server_with_no_edits_answers_from_the_global_views_cache(
        advisor: Advisor, monkeypatch: pytest.MonkeyPatch) -> None:
    assert advisor.knowledge("1") is advisor.knowledge(None)
    composed = count_compositions(advisor, monkeypatch)
    first = advisor.handle(Request(text="!compare mlops pm", guild_id="1"))
    again = advisor.handle(Request(text="!compare mlops pm", guild_id="2"))
    assert composed == ["compare"]
    assert again is first


def test_rotating_over_200_servers_with_no_edits_composes_each_answer_once(
        advisor: Advisor, monkeypatch: pytest.MonkeyPatch) -> None:
    composed = count_compositions(advisor, monkeypatch)
    catalogs = count_catalogs(monkeypatch)
    for _ in range(2):
        for guild in range(200):
            for text in (*COMMANDS, *QUESTIONS):
                reply = advisor.handle(Request(text=text, guild_id=str(guild), user_id=str(guild)))
                assert reply.kind == "answer", (text, reply)
    assert sorted(composed) == sorted(c.split()[0][1:] for c in COMMANDS)
    assert len(catalogs) == 1


def count_views(monkeypatch: pytest.MonkeyPatch) -> list[str | None]:
    """Record the view (guild id) of every advisor state prepared (``advisor._new_view``)."""
    made: list[str | None] = []
    original = advisor_module._new_view

    def counted(knowledge: Knowledge) -> Any:
        made.append(knowledge.guild_id)
        return original(knowledge)

    monkeypatch.setattr(advisor_module, "_new_view", counted)
    return made


def test_one_more_edited_server_than_the_bound_evicts_one_view(
        db: Path, advisor: Advisor, monkeypatch: pytest.MonkeyPatch) -> None:
    """100 edited servers; the advisor and chat engine keep their work for PREPARED_VIEWS
    views, and catalogues for CATALOG_VIEWS (both set to the global one and BOUND edited
    servers here). Touching one more evicts only the
    least recent. (Each server's alias changes no figure, so the answer is composed once
    and every server takes it from the global view: issue 16's shared views.)"""
    assert MAX_VIEWS == PREPARED_VIEWS
    # One bound for the views' state and their catalogues, small enough to test quickly.
    monkeypatch.setattr(PREPARED, "size", BOUND + 1)
    monkeypatch.setattr(CATALOGS, "size", BOUND + 1)
    guilds = [str(g) for g in range(100)]
    add_aliases(db, guilds)
    composed = count_compositions(advisor, monkeypatch)
    catalogs = count_catalogs(monkeypatch)
    views = count_views(monkeypatch)

    def ask_all(servers: list[str]) -> None:
        for g in servers:
            advisor.handle(Request(text="!compare mlops pm", guild_id=g))
            advisor.handle(Request(text=QUESTIONS[0], guild_id=g, user_id=g))

    ask_all([*guilds[:BOUND], "not-edited"])
    assert composed == ["compare"]
    assert len(views) == BOUND + 1 and len(catalogs) == BOUND + 1
    ask_all([guilds[0]])  # now the most recent: server 1 is the least recent
    ask_all([guilds[BOUND]])  # one more edited server than the bound
    composed.clear()
    catalogs.clear()
    views.clear()
    ask_all([guilds[0], *guilds[2:BOUND], "not-edited"])
    assert views == [] and catalogs == [], "views other than the least recent were evicted"
    ask_all([guilds[1]])
    assert views == [guilds[1]] and len(catalogs) == 1 and composed == []


def counting_pragma(store: KnowledgeStore) -> Callable[[], int]:
    """Count ``PRAGMA data_version`` on the store's connection from now on."""
    store.knowledge()
    real = store.connect()
    count = [0]

    class Counting:
        def execute(self, sql: str, *args: Any) -> sqlite3.Cursor:
            if "data_version" in sql.lower():
                count[0] += 1
            return real.execute(sql, *args)

        def __getattr__(self, name: str) -> Any:
            return getattr(real, name)

    store._conn = Counting()  # type: ignore[assignment]

    def taken() -> int:
        n, count[0] = count[0], 0
        return n

    return taken


def test_advisor_handle_checks_the_data_version_once(advisor: Advisor) -> None:
    taken = counting_pragma(advisor.store)
    for text in (*COMMANDS, *QUESTIONS, "!ask which pays more", "and remote?"):
        advisor.handle(Request(text=text, guild_id="5"))
        assert taken() == 1, text


async def test_a_discord_message_checks_the_data_version_once(
        fake_discord: FakeDiscord, run_bot: e2e.RunBot,
        advisor: Advisor) -> None:
    bot = await start_careerbot(fake_discord, run_bot, advisor)
    assert bot.user is not None
    taken = counting_pragma(advisor.store)
    for text in ("!compare mlops pm", f"<@{bot.user.id}> how much do mlops engineers make?",
                 "!roles"):
        mark = fake_discord.mark()
        await fake_discord.send_message(author=fake_discord.alice, content=text)
        await fake_discord.wait_for_requests("POST", MESSAGES, since=mark)
        assert taken() == 1, text


def test_an_edit_by_another_connection_shows_on_the_next_message(
        db: Path, advisor: Advisor) -> None:
    ask = advisor.handle
    assert ask(Request(text="!role alias42", guild_id="42")).kind != "answer"
    add_aliases(db, ["42"])  # committed by another connection, as another process would
    reply = ask(Request(text="!role alias42", guild_id="42"))
    assert reply.kind == "answer" and MLOPS in reply.roles
    assert ask(Request(text="!role alias42", guild_id="43")).kind != "answer"
