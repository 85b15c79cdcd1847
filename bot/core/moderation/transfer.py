"""Export a scope's knowledge as a file, and import one: previewed, then applied as a
whole (``bot.knowledge.transfer`` reads and writes the documents).

The file is read once, before anything else; the changes it asks for are worked out
inside the write path's transaction (a batch draft), after the actor is authorised and
against the very view they are planned on. A file that cannot be read is reported only
to someone allowed to import it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from bot.core.moderation.context import Context
from bot.core.moderation.diffs import diff_lines
from bot.core.reply import Reply
from bot.knowledge import edits as write_path
from bot.knowledge.actions import Action
from bot.knowledge.changes import ChangeError, Problem
from bot.knowledge.edits import BatchDraft
from bot.knowledge.models import Knowledge
from bot.knowledge.overlay import GLOBAL_SCOPE
from bot.knowledge.permissions import Actor
from bot.knowledge.transfer import (
    FORMATS,
    dump_document,
    export_document,
    import_changes,
    parse_document,
)


@dataclass(frozen=True, slots=True)
class ExportResult:
    """An export: the reply to show and the attachment to send with it."""

    reply: Reply
    filename: str | None = None
    content: bytes = b""


@dataclass(frozen=True, slots=True)
class ImportPreview:
    """What an import would change. ``ok`` when it can be applied: pass ``token`` to
    ``Moderation.import_apply`` (the confirm button) so exactly this is applied."""

    reply: Reply
    ok: bool
    token: str | None = None
    count: int = 0


class Transfer:
    """``kb export``, ``kb import`` (preview, then apply)."""

    def __init__(self, context: Context) -> None:
        self.context = context

    def export(self, actor: Actor, *, merged: bool = False, fmt: str = "yaml",
               filename: str | None = None) -> ExportResult:
        """The server's overlay (or, ``merged``, its whole view) as a YAML or JSON file,
        named ``filename`` when the caller writes it somewhere of its own (``-o FILE``)."""
        result: list[ExportResult] = []
        context = self.context

        def body(cmd: str) -> Reply:
            if fmt not in FORMATS:
                raise ChangeError([Problem("format", f"{fmt!r} is not one of {', '.join(FORMATS)}")])
            knowledge = context.knowledge(actor)
            base = context.store.base_knowledge()
            document = context.store.read(lambda conn: export_document(
                conn, base, knowledge, actor.scope, merged=merged))
            name = "global" if actor.scope == GLOBAL_SCOPE else f"server-{actor.scope}"
            named = filename or f"careerbot-{name}-{'merged' if merged else 'overlay'}.{fmt}"
            counts = {k: len(document.get(k) or []) for k in ("sources", "new_roles", "roles", "faq")}
            reply = context.render(cmd, "exported.j2", filename=named, counts=counts,
                                   merged=merged, scope=actor.scope)
            result.append(ExportResult(reply, named, dump_document(document, fmt).encode()))
            return reply

        reply = context.guard(actor, body, check="export")
        return result[0] if result else ExportResult(reply)

    def _draft(self, actor: Actor, data: bytes | str, filename: str) -> BatchDraft:
        """The file read now (its problems, once the actor may import, as ChangeError),
        and the changes it asks for worked out later against the view they are planned on."""
        document, lines, problems = parse_document(data, filename)
        if problems:
            self.context.check(actor, "import")
            raise ChangeError(problems)

        def draft(knowledge: Knowledge) -> Sequence[Action]:
            changes, found = import_changes(document, lines, knowledge, actor.scope)
            if found:
                raise ChangeError(found)
            return changes

        return draft

    def _invalid(self, cmd: str, problems: Sequence[Problem | str], filename: str) -> Reply:
        return self.context.render(cmd, "invalid.j2", problems=[str(p) for p in problems],
                                   importing=True, filename=filename)

    def import_preview(self, actor: Actor, data: bytes | str, filename: str) -> ImportPreview:
        """Check a whole file and show what it would change; nothing is written."""
        result: list[ImportPreview] = []
        context = self.context

        def body(cmd: str) -> Reply:
            try:
                preview = write_path.preview_changes(context.db_path, actor,
                                                     self._draft(actor, data, filename))
            except ChangeError as exc:
                problems: Sequence[Any] = exc.problems
            else:
                problems = preview.problems
            if problems:
                reply = self._invalid(cmd, problems, filename)
                result.append(ImportPreview(reply, ok=False))
                return reply
            knowledge = context.knowledge(actor)
            lines = [line for plan in preview.plans for line in
                     diff_lines(plan.action, plan.target, plan.before, plan.after, knowledge)]
            # Counted as listed: one stored change can show several lines (two figures of
            # one snapshot), and the count people confirm must be the list they read.
            reply = context.render(cmd, "import_preview.j2", lines=lines, count=len(lines),
                                   filename=filename)
            result.append(ImportPreview(reply, ok=bool(preview.plans), token=preview.token,
                                        count=len(lines)))
            return reply

        reply = context.guard(actor, body)
        return result[0] if result else ImportPreview(reply, ok=False)

    def import_apply(self, actor: Actor, data: bytes | str, filename: str,
                     token: str | None = None) -> Reply:
        """Apply a file in one transaction (after ``import_preview``; pass its token)."""

        def body(cmd: str) -> Reply:
            try:
                entry = write_path.apply_changes(self.context.db_path, actor,
                                                 self._draft(actor, data, filename),
                                                 target=filename, token=token)
            except ChangeError as exc:
                return self._invalid(cmd, exc.problems, filename)
            return self.context.changed(entry, cmd)

        return self.context.guard(actor, body)
