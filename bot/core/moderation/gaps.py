"""Moderators' review of what members asked and the bot could not answer (``kb gaps``,
``kb feedback``), and turning a group of those questions into an FAQ entry or setting it
aside (``Answer`` / ``Dismiss``), each through the one write path.

What members asked is read from the gap log beside the database (``bot.knowledge.gaps``);
what moderators decided lives in the knowledge file, so it is audited and undoable.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from bot.core.gaps import (
    DEFAULT_PERIOD,
    GROUPS_SHOWN,
    GapGroup,
    GapRecorder,
    gaps_csv,
    group_gaps,
    parse_period,
    worst_rated,
)
from bot.core.moderation.context import Context, Refused
from bot.core.moderation.values import tags as tag_list
from bot.core.reply import Reply
from bot.knowledge.actions import GapAnswer, GapDismiss
from bot.knowledge.changes import ChangeError, Problem
from bot.knowledge.edits import Drafted
from bot.knowledge.gaps import GapLog, read_marks
from bot.knowledge.models import Knowledge
from bot.knowledge.overlay import GLOBAL_SCOPE
from bot.knowledge.permissions import Actor
from bot.knowledge.validation import shown


@dataclass(frozen=True, slots=True)
class GapsResult:
    """``kb gaps``: the reply, the groups it shows (for Answer / Dismiss buttons), the
    period they were read over, and with ``csv`` the file of every group."""

    reply: Reply
    groups: tuple[GapGroup, ...] = ()
    period: str = DEFAULT_PERIOD
    filename: str | None = None
    content: bytes = b""


class GapReview:
    """``kb gaps``, ``kb feedback``, and answering or dismissing a group of questions."""

    def __init__(self, context: Context, gap_log: GapLog, recorder: GapRecorder) -> None:
        self.context = context
        self.gap_log = gap_log
        self.recorder = recorder

    @staticmethod
    def _server_scope(actor: Actor) -> str:
        if actor.guild_id is None or actor.scope == GLOBAL_SCOPE:
            raise ChangeError([Problem("", "knowledge gaps belong to a server: ask in one"
                                       + (" (or name it with --guild ID)" if actor.via == "cli"
                                          else ""))])
        return actor.scope

    @staticmethod
    def _period(period: str | None) -> tuple[str, int]:
        text = (period or DEFAULT_PERIOD).strip().lower()
        seconds = parse_period(text)
        if seconds is None:
            raise ChangeError([Problem("period", f"{shown(period)} is not a period: write "
                                       "24h, 7d, 2w or all")])
        return text, seconds

    def gap_groups(self, actor: Actor, period: str | None = None) -> list[GapGroup]:
        """Every group of questions recorded for the actor's server over ``period``
        (answered and dismissed ones carry their ``state``). Checks nothing: callers do."""
        scope = self._server_scope(actor)
        _, seconds = self._period(period)
        self.recorder.flush()  # what was asked a moment ago counts too
        # Never past the retention, even in the hour before the next purge.
        retention = self.context.settings(actor.guild_id).gap_retention_days * 86400
        since = int(self.recorder.clock() - min(seconds, retention))
        try:
            stats = self.gap_log.by_key(scope, since)
            marks = self.context.store.read(lambda conn: read_marks(conn, scope))
            return group_gaps(stats, marks, lambda group_of: self.gap_log.distinct_askers(
                scope, since, group_of))
        except sqlite3.DatabaseError as exc:  # the log file unreadable: say so, in words
            raise ChangeError([Problem("", f"the knowledge-gap log cannot be read ({exc})")]) \
                from exc

    def gaps(self, actor: Actor, period: str | None = None, *, csv: bool = False) -> GapsResult:
        """``kb gaps [period]``: the open groups of questions members asked that the bot
        declined, asked to clarify, or answered with low confidence (or rated 👎)."""
        result: list[GapsResult] = []

        def body(cmd: str) -> Reply:
            text, _ = self._period(period)
            groups = self.gap_groups(actor, text)
            open_groups = [g for g in groups if g.state is None]
            settings = self.context.settings(actor.guild_id)
            reply = self.context.render(
                cmd, "gaps.j2", groups=open_groups[:GROUPS_SHOWN], total=len(open_groups),
                period=text, scope=actor.scope, enabled=settings.gaps,
                retention=settings.gap_retention_days, csv=csv)
            filename = f"careerbot-gaps-{actor.scope}-{text}.csv" if csv else None
            result.append(GapsResult(reply, tuple(open_groups[:GROUPS_SHOWN]), text, filename,
                                     gaps_csv(groups) if csv else b""))
            return reply

        reply = self.context.guard(actor, body, check="show")
        return result[0] if result else GapsResult(reply)

    def gap_group(self, actor: Actor, period: str, group_id: str) -> GapGroup | Reply:
        """The open group ``group_id`` (for the Answer form), or the reply saying why not."""
        found: list[GapGroup] = []

        def body(cmd: str) -> Reply:
            found.append(self._open_group(actor, period, group_id))
            return self.context.render(cmd, "gap_gone.j2")

        reply = self.context.guard(actor, body, check="show")
        return found[0] if found else reply

    def _open_group(self, actor: Actor, period: str, group_id: str) -> GapGroup:
        for group in self.gap_groups(actor, period):
            if group.id == group_id and group.state is None:
                return group
        raise Refused("gap_gone.j2")

    def gap_answer(self, actor: Actor, period: str, group_id: str, question: str, answer: str,
                   tags: str | Sequence[str] | None = None) -> Reply:
        """Answer a group: an FAQ entry for this server, and the group marked answered, as
        one change (validated like ``kb faq add``, audited, undone together). The group is
        looked up once the write path has let the actor in, so a member who may not edit
        is told that, not whether the group exists."""

        def draft(view: Callable[[], Knowledge]) -> Drafted:
            group = self._open_group(actor, period, group_id)
            return Drafted(GapAnswer(list(group.keys), group.question, question, answer,
                                     tag_list(tags), None))

        return self.context.apply(actor, draft)

    def gap_dismiss(self, actor: Actor, period: str, group_id: str) -> Reply:
        """Hide a group from ``kb gaps`` (recorded in the history, and undoable)."""

        def draft(view: Callable[[], Knowledge]) -> Drafted:
            group = self._open_group(actor, period, group_id)
            return Drafted(GapDismiss(list(group.keys), group.question))

        return self.context.apply(actor, draft)

    def feedback(self, actor: Actor, period: str | None = None) -> Reply:
        """``kb feedback [period]``: the kinds of question and FAQ entries rated 👎 most."""

        def body(cmd: str) -> Reply:
            scope = self._server_scope(actor)
            text, seconds = self._period(period)
            self.recorder.flush()
            ratings = self.gap_log.ratings(scope, int(self.recorder.clock() - seconds))
            intents, entries = worst_rated(ratings)
            questions = {str(e.id): e.question for e in self.context.knowledge(actor).faq}
            return self.context.render(cmd, "feedback.j2", intents=intents, entries=entries,
                                       questions=questions, period=text, scope=actor.scope,
                                       rated=len(ratings))

        return self.context.guard(actor, body, check="show")
