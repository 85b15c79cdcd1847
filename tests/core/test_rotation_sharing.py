"""Messages rotating over many edited servers (issue 16: at most 1.5x a warm server).

A server's first ask of an answer the global view holds takes it from the global view
after a few set tests (``_Composed.holds_in`` with ``LayeredIndex.keeps``): no name is
resolved again and nothing is copied into the server's own answers. Whatever way an
answer is obtained, it must be byte-identical to one composed fresh on the server's view;
checked here over servers whose edits come close to the names the commands use.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.core.advisor import Advisor, Request
from bot.core.moderation import Moderation
from bot.core.reply import render_text
from bot.knowledge.models import Role
from bot.knowledge.overlay import ensure_schema
from bot.text.names import LayeredIndex, Match
from tests.core.test_shared_answers import COMMANDS, fresh, remembered
from tests.moderation_support import MLOPS, PM, build, moderator, source_id, store_for

#: One alias of its own per server, far from and close to what the commands type: the
#: bench's kind, a typo's neighbour, a split's probe, a plural's singular, a short key.
ALIASES = {
    "10": (MLOPS, "bench alias 10"), "11": (MLOPS, "bench alias 11"),
    "12": (PM, "mlops pn"), "13": (PM, "manager mlops"), "14": (PM, "mlosp"),
    "15": (MLOPS, "ai product manager mlops"), "16": (MLOPS, "pms"), "17": (PM, "ops"),
    "18": (MLOPS, "product manager"), "19": (PM, "ml platform"),
    "30": (MLOPS, "bench alias 30"),  # asked only by the regression test: a first ask
}


def _aliased(folder: Path) -> Path:
    """A database in ``folder`` where each server of ``ALIASES`` adds its alias."""
    db = build(folder)
    with sqlite3.connect(db) as conn:
        ensure_schema(conn)
        conn.executemany(
            "insert into overlay_aliases (guild_id, role_slug, key, alias, op) "
            "values (?, ?, ?, ?, 'add')",
            [(g, slug, alias, alias) for g, (slug, alias) in ALIASES.items()])
    conn.close()
    return db


@pytest.fixture(scope="module")
def advisor(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Advisor]:
    db = _aliased(tmp_path_factory.mktemp("rotation"))
    store = store_for(db)
    moderation = Moderation(store)
    # Other kinds of edit beside them: a figure, an alias removed, a new handle.
    assert moderation.set(moderator("20"), MLOPS, [("remote", "61")], source=source_id(),
                          date="2026-01").kind != "error"
    assert moderation.alias(moderator("21"), "remove", PM, "ai pm").kind != "error"
    assert moderation.alias(moderator("22"), "add", MLOPS, "opsy").kind != "error"
    advisor = Advisor(store_for(db))
    yield advisor
    advisor.store.close()
    store.close()


SERVERS = [*(g for g in ALIASES if g != "30"), "20", "21", "22"]


def test_answers_rotating_over_edited_servers_are_each_servers_own(advisor: Advisor) -> None:
    for text in COMMANDS:  # the global view composes first, as it usually has
        advisor.handle(Request(text=text))
    for round_ in range(2):  # each server's first ask of each text, then asked again
        for i, text in enumerate(COMMANDS * len(SERVERS)):
            guild = SERVERS[(i + round_) % len(SERVERS)]
            got = render_text(advisor.handle(Request(text=text, guild_id=guild)))
            assert got == fresh(advisor, advisor.knowledge(guild), text), (guild, text)


def test_a_servers_first_ask_of_a_shared_answer_resolves_nothing_and_keeps_no_copy(
        advisor: Advisor, monkeypatch: pytest.MonkeyPatch) -> None:
    """Regression: each server's first ask of an answer the global view holds resolved
    every name it read again on the server's index, then copied the answer into the
    server's own answers (about 8 us a message in the 1,000-server rotation)."""
    texts = ("!compare mlops pm", "!role pm", "!salary mlops", "!switch from pm to mlops",
             "!compare MLOps Engineer vs AI Product Manager", "!help")
    for text in texts:
        advisor.handle(Request(text=text))
    looked_up: list[str] = []
    resolve = LayeredIndex.resolve

    def counted(self: LayeredIndex, text: str) -> Match:
        looked_up.append(text)
        return resolve(self, text)

    monkeypatch.setattr(LayeredIndex, "resolve", counted)
    guild = "30"  # an alias far from every name the texts use; it asks them first here
    view = advisor.knowledge(guild)
    advisor.handle(Request(text="how much do mlops engineers make?", guild_id=guild))
    got = [advisor.handle(Request(text=text, guild_id=guild)) for text in texts]
    monkeypatch.undo()
    assert looked_up == []
    assert not advisor._view(view).replies, "answers shared with the global view are not copied"
    for text, reply in zip(texts, got, strict=True):
        assert remembered(advisor, view, text) is remembered(advisor, advisor.knowledge(), text)
        assert render_text(reply) == fresh(advisor, view, text), text


# -- a server's first question: its chat catalogue derived from the global view's -------

def test_an_alias_of_its_own_derives_the_catalogue_without_the_roles_other_parts(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Regression: deriving the catalogue of a server whose edit only added an alias
    worked out the edited role's skills, tools, steps and metros again (about a third of
    a server's first question in the rotation); they are the parent's role's own objects
    now, and the catalogue still equals one built whole on the server's view."""
    from dataclasses import replace

    from bot.core.chat import catalog as catalog_module
    from bot.core.chat.catalog import Catalog, derive
    from bot.knowledge.files import load_knowledge_dir
    from bot.knowledge.models import Knowledge
    from tests.chat.test_catalog_derive import assert_same
    from tests.conftest import KNOWLEDGE_DIR

    base = load_knowledge_dir(KNOWLEDGE_DIR)
    parent = Catalog.build(base)
    parent._merge_state()
    for alias in ("bench alias 7", "Pipeline Wrangler", "ops", "model deployment"):
        roles = dict(base.roles)
        roles[MLOPS] = replace(roles[MLOPS], aliases=(*roles[MLOPS].aliases, alias))
        view = Knowledge(roles=roles, sources=base.sources, market=base.market, faq=base.faq,
                         guild_id="7")
        made: list[str] = []
        init = catalog_module._RoleParts.__init__

        def counted(self: object, role: object, init: object = init,
                    edited: object = roles[MLOPS], made: list[str] = made) -> None:
            if role is edited:  # the server's role (the parent's may be made again)
                made.append(MLOPS)
            init(self, role)  # type: ignore[operator]

        monkeypatch.setattr(catalog_module._RoleParts, "__init__", counted)
        derived = derive(parent, view, [MLOPS])
        monkeypatch.undo()
        assert made == [], alias
        assert derived.skill_names is parent.skill_names and derived.steps is parent.steps
        catalog_module._PARTS.clear()  # the whole build from nothing, sharing no parts
        assert_same(derived, Catalog.build(view))


def test_a_servers_first_question_reads_no_key_heads_its_parents_catalogue_gave(
        advisor: Advisor, monkeypatch: pytest.MonkeyPatch) -> None:
    """Regression: a server's catalogue derived from the global one shares its skill and
    step tables, yet each server's first question read every key of both again for their
    heads (a fifth of that first question in the 1,000-server rotation). They are read
    once, as the parent catalogue's, however many servers ask; the readings are those of
    the parent's catalogue (nothing found is lost)."""
    from bot.core.chat import ChatEngine
    from bot.core.chat import heads as heads_module
    from bot.core.chat.intents import understand
    from bot.core.chat.normalize import clean_message

    text = "what skills does a senior mlops engineer need, python and kubernetes?"
    parent = ChatEngine.catalog(advisor.knowledge())
    on_parent = understand(clean_message(text), parent)
    assert on_parent.skills and on_parent.steps, "the text names skills and a step"
    reads: list[int] = []
    key_heads = heads_module.key_heads

    def counted(keys: object) -> frozenset[str]:
        reads.append(1)
        return key_heads(keys)  # type: ignore[arg-type]

    monkeypatch.setattr(heads_module, "key_heads", counted)
    for guild in ("10", "11", "19"):
        catalog = ChatEngine.catalog(advisor.knowledge(guild))
        assert catalog is not parent and catalog.skill_names is parent.skill_names
        u = understand(clean_message(text), catalog)
        assert (u.skills, u.steps) == (on_parent.skills, on_parent.steps), guild
    assert reads == []


def test_a_derived_catalogue_reads_the_parents_per_role_parts_for_roles_it_shares(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Regression: each server's catalogue looked every role's skills and words up in
    the shared parts cache again (a lock and an LRU touch per role, per server) though
    only its edited role differs; now it reads the parent catalogue's, and its own for
    the edited role, each equal to the parts of the role in the server's view."""
    from dataclasses import replace

    from bot.core.chat import catalog as catalog_module
    from bot.core.chat.catalog import Catalog, derive
    from bot.knowledge.files import load_knowledge_dir
    from bot.knowledge.models import Knowledge
    from tests.conftest import KNOWLEDGE_DIR

    base = load_knowledge_dir(KNOWLEDGE_DIR)
    parent = Catalog.build(base)
    roles = dict(base.roles)
    roles[MLOPS] = replace(roles[MLOPS], aliases=(*roles[MLOPS].aliases, "bench alias 7"),
                           skills=(*roles[MLOPS].skills, "Bench Skill"))
    view = Knowledge(roles=roles, sources=base.sources, market=base.market, faq=base.faq,
                     guild_id="7")
    derived = derive(parent, view, [MLOPS])
    for slug in base.roles:  # the parent reads its own first, as the global view does
        parent.role_skills[slug], parent.role_words[slug]
    asked: list[str] = []
    parts = catalog_module._role_parts

    def counted(role: Role) -> object:
        asked.append(role.slug)
        return parts(role)

    monkeypatch.setattr(catalog_module, "_role_parts", counted)
    for slug in base.roles:
        if slug != MLOPS:
            assert derived.role_skills[slug] is parent.role_skills[slug]
            assert derived.role_words[slug] is parent.role_words[slug]
    assert asked == []
    assert "benchskill" in derived.role_skills[MLOPS]
    assert "benchskill" not in parent.role_skills[MLOPS]
    assert asked == [MLOPS]
    monkeypatch.undo()
    for slug in roles:  # each as the parts of the server's own role object
        assert derived.role_skills[slug] == catalog_module._RoleParts(roles[slug]).refs
        assert derived.role_words[slug] == catalog_module._RoleParts(roles[slug]).words


def test_answers_servers_compose_first_are_shared_and_stay_each_servers_own(
        tmp_path_factory: pytest.TempPathFactory) -> None:
    """The servers ask before the global view has: an answer one composes goes to the
    global view's answers where it holds there, and every server (the one that composed
    it too, which keeps no copy) then takes it from there only where it is its own."""
    db = _aliased(tmp_path_factory.mktemp("servers-first"))
    advisor = Advisor(store_for(db))
    servers = list(ALIASES)
    try:
        for round_ in range(2):
            for i, text in enumerate(COMMANDS * 3):
                guild = servers[(i * 7 + round_) % len(servers)]
                got = render_text(advisor.handle(Request(text=text, guild_id=guild)))
                assert got == fresh(advisor, advisor.knowledge(guild), text), (guild, text)
        for text in COMMANDS:
            got = render_text(advisor.handle(Request(text=text)))
            assert got == fresh(advisor, advisor.knowledge(), text), text
    finally:
        advisor.store.close()
