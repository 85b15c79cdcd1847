"""What a change moved, one line per value, for replies and the history."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bot.knowledge.changes import AuditEntry
from bot.knowledge.models import Knowledge


@dataclass(frozen=True, slots=True)
class DiffLine:
    """One changed value, for replies: what, of what, before and after."""

    action: str
    subject: str
    field: str
    before: Any
    after: Any


def diff_lines(action: str, target: str, before: Any, after: Any,
               knowledge: Knowledge | None = None) -> list[DiffLine]:
    """The values a change (or undo of ``action``) moved, for the reply and the history."""
    subject = target
    if knowledge is not None and target in knowledge.roles:
        subject = knowledge.roles[target].name
    elif target.startswith("faq "):
        subject = f"FAQ entry {target[4:]}"
    elif action.startswith("config."):
        subject = "Settings"
    if action == "figure.set":
        before, after = before or {}, after or {}
        names = [k for k in after if k not in ("as_of", "source")] + ["as_of"]
        return [DiffLine(action, subject, k, before.get(k), after.get(k)) for k in names
                if before.get(k) != after.get(k)]
    if action in ("role.set", "faq.edit"):
        before, after = before or {}, after or {}
        return [DiffLine(action, subject, k, before.get(k), after.get(k))
                for k in dict.fromkeys([*before, *after])]
    if action in ("faq.add", "faq.remove"):
        return [DiffLine(action, subject, "question", (before or {}).get("question"),
                         (after or {}).get("question"))]
    if action in ("role.add", "role.remove", "source.add"):
        def name(v: Any) -> Any:
            return v.get("name") if isinstance(v, dict) else v
        return [DiffLine(action, subject, action.split(".")[0], name(before), name(after))]
    if action.startswith("alias."):
        return [DiffLine(action, subject, "alias", before, after)]
    if action == "config.gaps.retention":
        return [DiffLine(action, subject, "retention", before, after)]
    if action.startswith("config."):
        return [DiffLine(action, subject, action.split(".")[1], before, after)]
    if action == "gap.answer":
        return [DiffLine(action, subject, key, (before or {}).get(key), (after or {}).get(key))
                for key in ("question", "answer")]
    if action == "gap.dismiss":
        return [DiffLine(action, "Knowledge gaps", "group", (before or {}).get("group"),
                         (after or {}).get("group"))]
    return []


def entry_lines(entry: AuditEntry, knowledge: Knowledge,
                get_entry: Callable[[int], AuditEntry | None]) -> list[DiffLine]:
    """The lines of one audit entry: an import's are its changes', an undo's are the
    undone entry's with before and after swapped (``get_entry`` reads that entry)."""
    action = entry.action
    if action == "undo" and entry.undo_of is not None:
        original = get_entry(entry.undo_of)
        action = original.action if original is not None else action
        if action == "import" and original is not None:
            return [line for child in original.children
                    for line in diff_lines(child.action, child.target, child.after,
                                           child.before, knowledge)]
    if action == "import":
        return [line for child in entry.children
                for line in diff_lines(child.action, child.target, child.before, child.after,
                                       knowledge)]
    return diff_lines(action, entry.target, entry.before, entry.after, knowledge)
