"""An edited server's chat catalogue reuses what its unchanged roles gave the global one,
and its FAQ index is the global one unless it edited the FAQ (issue 16, item 3)."""

from __future__ import annotations

from dataclasses import fields, replace
from pathlib import Path

import pytest

from bot.core.advisor import Advisor
from bot.core.chat import ChatEngine
from bot.core.chat import catalog as catalog_module
from bot.core.chat.catalog import Catalog
from bot.knowledge.models import Knowledge
from tests.moderation_support import MLOPS, World, build, moderator


def _edited(knowledge: Knowledge) -> Knowledge:
    roles = dict(knowledge.roles)
    roles[MLOPS] = replace(roles[MLOPS], aliases=(*roles[MLOPS].aliases, "Apache Pipelines"),
                           skills=(*roles[MLOPS].skills, "Apache Flinkish"))
    return Knowledge(roles=roles, sources=knowledge.sources, market=knowledge.market,
                     faq=knowledge.faq, guild_id="42")


def _same(a: Catalog, b: Catalog) -> None:
    for f in fields(Catalog):
        if f.name in ("knowledge", "index", "_entry_roles"):
            continue
        va, vb = getattr(a, f.name), getattr(b, f.name)
        assert va == vb, f.name
        if isinstance(va, dict):
            assert list(va) == list(vb), f.name  # the same order too


def test_an_edited_views_catalogue_reads_only_its_edited_roles(
        advisor: Advisor, monkeypatch: pytest.MonkeyPatch) -> None:
    base = advisor.knowledge()
    dict(Catalog.build(base).role_words)  # role words are worked out on use: use them all
    read: list[str] = []
    words = catalog_module._role_words

    def counted(role: object) -> set[str]:
        read.append(role.slug)  # type: ignore[attr-defined]
        return words(role)  # type: ignore[arg-type]

    monkeypatch.setattr(catalog_module, "_role_words", counted)
    edited = _edited(base)
    built = Catalog.build(edited)
    dict(built.role_words)
    assert read == [MLOPS]
    assert built.skill_aliases["flinkish"] == "apacheflinkish"
    assert "pipelines" in built.role_tokens and "pipelines" not in Catalog.build(base).role_tokens
    # The same catalogue as one built from nothing.
    catalog_module._PARTS.clear()
    _same(built, Catalog.build(edited))


def test_views_without_faq_edits_share_one_faq_index(tmp_path: Path) -> None:
    world = World(build(tmp_path))
    try:
        for guild in ("1", "2"):
            assert world.moderation.alias(moderator(guild), "add", MLOPS,
                                          f"alias {guild}").kind == "answer"
        assert world.moderation.faq_add(moderator("3"), "Do we meet on Fridays?",
                                        "Yes, in the lounge.").kind == "answer"
        engine = ChatEngine()
        views = {g: world.store.knowledge(g) for g in (None, "1", "2", "3")}
        assert len({id(v) for v in views.values()}) == 4  # each edited server has its own view
        shared = engine.faq_index(views[None])
        assert engine.faq_index(views["1"]) is shared and engine.faq_index(views["2"]) is shared
        own = engine.faq_index(views["3"])
        assert own is not shared
        assert any(e.question == "Do we meet on Fridays?" for e in views["3"].faq)
        assert not any(e.question == "Do we meet on Fridays?" for e in views["1"].faq)
    finally:
        world.close()


def test_the_parts_kept_follow_the_size_of_the_views_built(advisor: Advisor) -> None:
    base = advisor.knowledge()
    roles = {f"r{i}": replace(base.roles[MLOPS], slug=f"r{i}", name=f"Role {i}")
             for i in range(2_000)}
    Catalog.build(Knowledge(roles=roles, sources=base.sources, market=base.market))
    assert catalog_module._PARTS.maxsize >= 2_000 + catalog_module.ROLE_PARTS_MARGIN
    Catalog.build(base)  # back to the real, small base: the big one's parts are let go
    assert catalog_module._PARTS.maxsize == len(base.roles) + catalog_module.ROLE_PARTS_MARGIN
    for i in range(1_000):  # 1,000 edited views: only the margin's worth are kept
        Catalog.build(_edited(replace(base, guild_id=str(i))))
    assert len(catalog_module._PARTS) <= len(base.roles) + catalog_module.ROLE_PARTS_MARGIN
