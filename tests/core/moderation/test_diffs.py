"""The lines a change moved (``bot.core.moderation.diffs``), for replies and the history."""

from __future__ import annotations

from bot.core.moderation.diffs import DiffLine, diff_lines, entry_lines
from bot.knowledge.changes import AuditEntry


def entry(id: int, action: str, target: str, before: object, after: object, *,
          undo_of: int | None = None, children: tuple[AuditEntry, ...] = ()) -> AuditEntry:
    return AuditEntry(id, "2026-01-01T00:00:00Z", "42", "1", "Mo", "cli", action, target,
                      before, after, undo_of=undo_of, children=children)


def test_each_kind_of_change_gives_its_lines() -> None:
    figures = diff_lines("figure.set", "mlops", {"salary.median": 1, "as_of": "2025", "source": "s"},
                         {"salary.median": 2, "as_of": "2025", "source": "s"})
    assert figures == [DiffLine("figure.set", "mlops", "salary.median", 1, 2)]
    assert diff_lines("faq.add", "faq 100001", None, {"question": "Q?"}) == \
        [DiffLine("faq.add", "FAQ entry 100001", "question", None, "Q?")]
    assert diff_lines("alias.remove", "mlops", "ops", None) == \
        [DiffLine("alias.remove", "mlops", "alias", "ops", None)]
    assert diff_lines("config.prefix", "42", None, "?") == \
        [DiffLine("config.prefix", "Settings", "prefix", None, "?")]
    assert diff_lines("role.add", "x-role", None, {"name": "X"}) == \
        [DiffLine("role.add", "x-role", "role", None, "X")]
    assert diff_lines("gap.answered", "x", None, None) == []  # an action with no lines yet


def test_an_undo_shows_the_undone_change_reversed_and_an_import_its_changes() -> None:
    from bot.knowledge.models import Knowledge

    knowledge = Knowledge(roles={}, sources={}, market={})
    alias = entry(3, "alias.add", "mlops", None, "ops")
    undo = entry(4, "undo", "mlops", "ops", None, undo_of=3)
    assert entry_lines(undo, knowledge, {3: alias}.get) == \
        [DiffLine("alias.add", "mlops", "alias", "ops", None)]
    child = entry(6, "faq.add", "faq 100001", None, {"question": "Q?"})
    imported = entry(5, "import", "x.yaml", None, {"changes": 1}, children=(child,))
    assert entry_lines(imported, knowledge, {}.get) == \
        [DiffLine("faq.add", "FAQ entry 100001", "question", None, "Q?")]
    assert entry_lines(entry(7, "undo", "x.yaml", None, None, undo_of=5), knowledge,
                       {5: imported}.get) == \
        [DiffLine("faq.add", "FAQ entry 100001", "question", "Q?", None)]
