"""Changes on the knowledge-gap log's decisions and settings, through the one write path.

``config.gaps`` (on), ``config.gaps.retention`` (days), ``gap.answer`` (an FAQ entry
written from a group of recorded questions, and the group's phrasing keys marked
answered by it, as one change: one undo removes both) and ``gap.dismiss`` (the keys
marked dismissed). The actions are ``bot.knowledge.actions``' ``SetGaps``,
``SetGapRetention``, ``GapAnswer`` and ``GapDismiss``; they are planned here and applied
by the write path (permission, one transaction, audit, undo) into the knowledge file's
``guild_gap_settings`` and ``gap_marks`` tables. Importing this module registers those
tables with the row writer (``changes.TABLES``) and the planners (``planners.plans``);
``bot.knowledge.edits`` imports it. What members asked lives in
the gap log file (``bot.knowledge.gaps``), not here.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from typing import Any

from bot.knowledge.actions import FaqAdd, GapAnswer, GapDismiss, SetGapRetention, SetGaps
from bot.knowledge.changes import TABLES, ChangeError, NoChange, Plan, Problem, Session
from bot.knowledge.gaps import MAX_TEXT_CHARS
from bot.knowledge.guild_settings import MAX_GAP_RETENTION_DAYS, read_guild_settings
from bot.knowledge.planners import _server_only, plan_faq_add, plans

#: Phrasings (stored keys) one answered or dismissed group may mark at once.
MAX_MARKED_KEYS = 500

MAIN_SCHEMA = (
    """create table if not exists guild_gap_settings (
        guild_id text primary key, enabled integer, retention_days integer)""",
    # A group of recorded questions a moderator answered or dismissed, one row per
    # phrasing key (``bot.core.chat.server_faq.key_of``) the group held at that moment.
    """create table if not exists gap_marks (
        guild_id text not null, key text not null, state text not null, faq_id integer,
        primary key (guild_id, key))""",
)

TABLES.update({
    "guild_gap_settings": (("guild_id",), ("enabled", "retention_days")),
    "gap_marks": (("guild_id", "key"), ("state", "faq_id")),
})


def ensure_main_schema(conn: sqlite3.Connection) -> None:
    """Create the gap tables of the knowledge file if missing (inside the caller's transaction)."""
    for statement in MAIN_SCHEMA:
        conn.execute(statement)


# -- planners ----------------------------------------------------------------------------


def _gap_settings_row(s: Session, *, enabled: Any = ..., days: Any = ...) -> tuple[dict, Any]:
    gid = _server_only(s)
    ensure_main_schema(s.conn)
    current = read_guild_settings(s.conn, gid)
    after = {"enabled": int(current.gaps) if enabled is ... else int(enabled),
             "retention_days": current.gap_retention_days if days is ... else days}
    return ({"enabled": current.gaps, "retention_days": current.gap_retention_days},
            s.row_change("guild_gap_settings", {"guild_id": gid}, after))


@plans(SetGaps)
def plan_config_gaps(s: Session, a: SetGaps) -> Plan:
    on = a.on
    if not isinstance(on, bool):
        raise ChangeError([Problem("gaps", "must be on or off")])
    before, row = _gap_settings_row(s, enabled=on)
    if before["enabled"] == on:
        raise NoChange("same_value", on)
    return Plan("config.gaps", s.scope, before["enabled"], on, (row,))


@plans(SetGapRetention)
def plan_config_gap_retention(s: Session, a: SetGapRetention) -> Plan:
    days = a.days
    if isinstance(days, bool) or not isinstance(days, int) or \
            not 1 <= days <= MAX_GAP_RETENTION_DAYS:
        raise ChangeError([Problem("retention", f"must be a whole number of days from 1 to "
                                   f"{MAX_GAP_RETENTION_DAYS:,}")])
    before, row = _gap_settings_row(s, days=days)
    if before["retention_days"] == days:
        raise NoChange("same_value", days)
    return Plan("config.gaps.retention", s.scope, before["retention_days"], days, (row,))


def _keys(keys: Any) -> list[str]:
    if not isinstance(keys, list | tuple) or not keys or \
            not all(isinstance(k, str) and k for k in keys):
        raise ChangeError([Problem("group", "names no recorded questions")])
    return list(dict.fromkeys(keys))[:MAX_MARKED_KEYS]


def _mark_rows(s: Session, keys: Sequence[str], state: str, faq_id: int | None) -> list[Any]:
    gid = _server_only(s)
    ensure_main_schema(s.conn)
    return [s.row_change("gap_marks", {"guild_id": gid, "key": key},
                         {"state": state, "faq_id": faq_id}) for key in keys]


@plans(GapAnswer)
def plan_gap_answer(s: Session, a: GapAnswer) -> Plan:
    """An FAQ entry for this server written from a group of recorded questions, and the
    group marked answered by it: one change, so one undo removes both."""
    keys = _keys(a.keys)
    _server_only(s)
    faq = plan_faq_add(s, FaqAdd(a.question, a.answer, a.tags, a.source))
    for row in faq.rows:
        s.write(row)  # later reads in this plan (none today) see the entry
    faq_id = int(faq.target.split()[1])
    marks = _mark_rows(s, keys, "answered", faq_id)
    return Plan("gap.answer", faq.target, None, {**faq.after, "group": a.label or ""},
                (*faq.rows, *marks))


@plans(GapDismiss)
def plan_gap_dismiss(s: Session, a: GapDismiss) -> Plan:
    keys = _keys(a.keys)
    marks = [m for m in _mark_rows(s, keys, "dismissed", None) if m.before != m.after]
    if not marks:
        raise NoChange("same_value", "dismissed")
    label = str(a.label or "")[:MAX_TEXT_CHARS]
    return Plan("gap.dismiss", "gaps", None, {"group": label}, tuple(marks))
