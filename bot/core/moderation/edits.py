"""Changing and reviewing a scope's knowledge: figures and text fields, aliases, FAQ
entries, roles, sources; a role's raw data, the history, and undo.

Each change is built as a draft (``bot.knowledge.edits.Drafted``) that the write path runs
once it has authorised the actor, with the scope's view inside its transaction: role and
source names are resolved exactly against the data the change is planned on.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from typing import Any

import yaml

from bot.core.moderation.context import Context
from bot.core.moderation.values import field_name, parse_value
from bot.core.moderation.values import tags as tag_list
from bot.core.reply import Reply
from bot.knowledge import edits as write_path
from bot.knowledge.actions import (
    Alias,
    FaqAdd,
    FaqEdit,
    FaqRemove,
    RoleAdd,
    RoleRemove,
    SetFigures,
    SetSection,
    SourceAdd,
)
from bot.knowledge.changes import ChangeError, Problem
from bot.knowledge.documents import STAT_FIELDS, TEXT_FIELDS, role_document
from bot.knowledge.edits import Drafted
from bot.knowledge.limits import MAX_HISTORY_ENTRIES
from bot.knowledge.models import Knowledge
from bot.knowledge.overlay import GLOBAL_SCOPE, scope_rows
from bot.knowledge.permissions import Actor
from bot.knowledge.planners import entry_id_problem, parse_entry_id
from bot.knowledge.transfer import parse_document, with_line
from bot.knowledge.validation import key_label, shown

HISTORY_PAGE = 10

#: The scope's view inside the write transaction, built when first asked for.
View = Callable[[], Knowledge]


class KnowledgeEdits:
    """``kb set``, ``alias``, ``faq``, ``role``, ``source``, ``show``, ``history``, ``undo``."""

    def __init__(self, context: Context) -> None:
        self.context = context

    # -- changes ---------------------------------------------------------------------------

    def set(self, actor: Actor, role: str, assignments: Sequence[tuple[str, str]], *,
            source: str | None = None, date: str | None = None,
            expect: str | None = None) -> Reply:
        """``kb set ROLE FIELD VALUE [FIELD VALUE ...] source:S date:D [expect:OLD]``."""

        def draft(view: View) -> Drafted:
            knowledge = view()
            target = self.context.role_in(knowledge, role)
            if not assignments:
                raise ChangeError([Problem("field", "name a field and a value")])
            fields, problems = [], []
            for name, value in assignments:
                canonical = field_name(name)
                if canonical is None:
                    problems.append(Problem(key_label(name), "is not a field; figures are "
                                            + ", ".join(STAT_FIELDS) + "; text fields are "
                                            + ", ".join(TEXT_FIELDS)))
                else:
                    fields.append((canonical, parse_value(canonical, value)))
            if problems:
                raise ChangeError(problems)
            text_fields = [f for f, _ in fields if f in TEXT_FIELDS]
            if text_fields and len(fields) > 1:
                raise ChangeError([Problem(text_fields[0], "set a text field on its own, not "
                                           "together with other fields")])
            if expect is not None and len(fields) > 1:
                raise ChangeError([Problem("expect", "can only check one field at a time")])
            expected = {fields[0][0]: parse_value(fields[0][0], expect)} if expect is not None \
                else None
            if text_fields:
                name, value = fields[0]
                return Drafted(SetSection(target.slug, name, value), expected)
            source_id = self.context.source_in(knowledge, source)
            if not date or not str(date).strip():
                raise ChangeError([Problem("date", "is required: the date the figures are as of "
                                           "(YYYY, YYYY-MM or YYYY-MM-DD)")])
            return Drafted(SetFigures(target.slug, source_id, str(date).strip(), dict(fields)),
                           expected)

        return self.context.apply(actor, draft)

    def alias(self, actor: Actor, op: str, role: str, alias: str) -> Reply:
        """``kb alias add|remove ROLE ALIAS``."""

        def draft(view: View) -> Drafted:
            if op not in ("add", "remove"):
                raise ChangeError([Problem("", f"{op!r} is not add or remove")])
            target = self.context.role_in(view(), role)
            return Drafted(Alias(op, target.slug, alias))

        return self.context.apply(actor, draft)

    def faq_add(self, actor: Actor, question: str, answer: str,
                tags: str | Sequence[str] | None = None, source: str | None = None) -> Reply:
        def draft(view: View) -> Drafted:
            source_id = self.context.source_in(view(), source) if source else None
            return Drafted(FaqAdd(question, answer, tag_list(tags), source_id))

        return self.context.apply(actor, draft)

    def faq_edit(self, actor: Actor, entry: str | int, *, question: str | None = None,
                 answer: str | None = None, tags: str | Sequence[str] | None = None,
                 source: str | None = None, expect: str | None = None) -> Reply:
        """Change an FAQ entry of this server; ``expect`` is the answer the editor saw."""

        def draft(view: View) -> Drafted:
            source_id = self.context.source_in(view(), source) if source else None
            return Drafted(FaqEdit(entry, question, answer, tag_list(tags), source_id),
                           {"answer": expect} if expect is not None else None)

        return self.context.apply(actor, draft)

    def faq_remove(self, actor: Actor, entry: str | int) -> Reply:
        return self.context.apply(actor, lambda view: Drafted(FaqRemove(entry)))

    def role_add(self, actor: Actor, slug: str, name: str, *, focus: str = "",
                 aliases: str | Sequence[str] | None = None) -> Reply:
        """A new role with a name, a one-line focus and aliases; figures come with ``set``."""
        document: dict[str, Any] = {"slug": slug.strip().lower(), "name": name}
        if focus:
            document["focus"] = focus
        if alias_list := tag_list(aliases):
            document["aliases"] = alias_list
        return self.context.apply(actor, lambda view: Drafted(RoleAdd(document)))

    def role_add_document(self, actor: Actor, data: bytes | str, filename: str) -> Reply:
        """A new role from a whole role file (YAML or JSON), checked like the files are."""
        lines: dict[str, int] = {}

        def draft(view: View) -> Drafted:
            document, found, problems = parse_document(data, filename)
            lines.update(found)
            if problems:
                raise ChangeError(problems)
            return Drafted(RoleAdd(document))

        def body(cmd: str) -> Reply:
            try:
                entry = write_path.apply_draft(self.context.db_path, actor, draft)
            except ChangeError as exc:
                raise ChangeError([with_line(p, lines) for p in exc.problems]) from None
            return self.context.changed(entry, cmd)

        return self.context.guard(actor, body)

    def role_remove(self, actor: Actor, role: str) -> Reply:
        return self.context.apply(actor, lambda view: Drafted(
            RoleRemove(self.context.role_in(view(), role).slug)))

    def source_add(self, actor: Actor, source_id: str, name: str, kind: str, date: str, *,
                   note: str = "", url: str = "") -> Reply:
        document = {"id": source_id, "name": name, "kind": kind, "date": date}
        document.update({k: v for k, v in (("note", note), ("url", url)) if v})
        return self.context.apply(actor, lambda view: Drafted(SourceAdd(document)))

    # -- reviewing -------------------------------------------------------------------------

    def show(self, actor: Actor, role: str) -> Reply:
        """A role's data as this server sees it (YAML), and which parts were edited where."""

        def body(cmd: str) -> Reply:
            target = self.context.role_in(self.context.knowledge(actor), role)

            def edits_here(conn: sqlite3.Connection) -> tuple[dict[str, list[str]], str | None]:
                scopes = tuple(dict.fromkeys((GLOBAL_SCOPE, actor.scope)))
                edited = {}
                for scope in scopes:
                    fields = [r["field"] if not r["source"] else f"stats ({r['source']}) {r['field']}"
                              for r in scope_rows(conn, "overlay_fields", (scope,))
                              if r["role_slug"] == target.slug]
                    aliases = [f"alias {r['op']}: {r['alias']}"
                               for r in scope_rows(conn, "overlay_aliases", (scope,))
                               if r["role_slug"] == target.slug]
                    edited[scope] = sorted(fields) + aliases
                added_in = next((scope for scope in scopes
                                 if any(r["slug"] == target.slug
                                        for r in scope_rows(conn, "overlay_roles", (scope,)))), None)
                return edited, added_in

            edited, added_in = self.context.store.read(edits_here)
            text = yaml.safe_dump(role_document(target), sort_keys=False, allow_unicode=True,
                                  width=100)
            return self.context.render(cmd, "show.j2", role=target, text=text, edited=edited,
                                       added_in=added_in, scope=actor.scope)

        return self.context.guard(actor, body, check="show")

    def history(self, actor: Actor, *, limit: int = HISTORY_PAGE,
                before: int | None = None) -> Reply:
        def body(cmd: str) -> Reply:
            if before is not None and parse_entry_id(before) is None:
                raise ChangeError([entry_id_problem(before, "before", "a history entry number")])
            if isinstance(limit, bool) or not isinstance(limit, int) or \
                    not 1 <= limit <= MAX_HISTORY_ENTRIES:
                raise ChangeError([Problem("limit", f"{shown(limit)} is not a number of entries "
                                           f"from 1 to {MAX_HISTORY_ENTRIES:,}")])
            entries = write_path.history(self.context.db_path, actor.scope, limit=limit,
                                         before_id=parse_entry_id(before) if before is not None
                                         else None)
            rows = [(e, self.context.lines(e)) for e in entries]
            return self.context.render(cmd, "history.j2", rows=rows, scope=actor.scope,
                                       more=len(entries) == limit,
                                       oldest=entries[-1].id if entries else None)

        return self.context.guard(actor, body, check="history")

    def undo(self, actor: Actor, entry: str | int) -> Reply:
        def body(cmd: str) -> Reply:
            number = parse_entry_id(entry)
            if number is None:
                self.context.check(actor, "undo")  # a refusal comes before the typo
                raise ChangeError([entry_id_problem(entry, "entry", "a history entry number")])
            return self.context.changed(write_path.undo(self.context.db_path, actor, number), cmd)

        return self.context.guard(actor, body)
