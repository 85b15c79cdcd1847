"""Per-server settings: command prefix, Q&A channels, moderator roles, unasked answers,
and the knowledge-gap log (on or off, and how many days its entries are kept).

Reading is cheap and never writes (a database without the tables yet reads as the
defaults). Changing a setting is a change like any other: it goes through
``bot.knowledge.edits.apply_change`` (actions ``config.*``), so it is checked and audited.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

#: Unasked answers are on unless a server turns them off; they only ever happen in the
#: server's Q&A channels, so a server that lists none gets none.
DEFAULT_UNASKED = True
#: The gap log (questions the bot could not answer well, and answer ratings) is kept
#: unless a server turns it off, and its entries for this many days.
DEFAULT_GAPS = True
DEFAULT_GAP_RETENTION_DAYS = 90
#: The longest retention a server may set (ten years).
MAX_GAP_RETENTION_DAYS = 3650


@dataclass(frozen=True, slots=True)
class GuildSettings:
    """One server's settings; ``prefix`` None means the bot's default prefix."""

    guild_id: str | None
    prefix: str | None = None
    qa_channels: frozenset[str] = field(default_factory=frozenset)
    mod_roles: frozenset[str] = field(default_factory=frozenset)
    unasked: bool = DEFAULT_UNASKED
    gaps: bool = DEFAULT_GAPS
    gap_retention_days: int = DEFAULT_GAP_RETENTION_DAYS

    def prefix_or(self, default: str) -> str:
        return self.prefix or default

    def answers_unasked_in(self, channel_id: str | int | None) -> bool:
        """Should the bot answer a question nobody addressed to it in this channel?"""
        return self.unasked and channel_id is not None and str(channel_id) in self.qa_channels


def read_guild_settings(conn: sqlite3.Connection, guild_id: str | int | None) -> GuildSettings:
    """The settings of ``guild_id`` from an open connection (defaults where nothing is set)."""
    if guild_id is None:
        return GuildSettings(None)
    gid = str(guild_id)
    tables = {name for (name,) in conn.execute(
        "select name from sqlite_master where type = 'table' and name in "
        "('guild_settings', 'guild_mod_roles', 'guild_qa_channels', 'guild_gap_settings')")}
    prefix, unasked = None, DEFAULT_UNASKED
    if "guild_settings" in tables:
        row = conn.execute("select prefix, unasked from guild_settings where guild_id = ?",
                           (gid,)).fetchone()
        if row is not None:
            prefix = row[0] or None
            unasked = DEFAULT_UNASKED if row[1] is None else bool(row[1])
    roles: frozenset[str] = frozenset()
    if "guild_mod_roles" in tables:
        roles = frozenset(r for (r,) in conn.execute(
            "select role_id from guild_mod_roles where guild_id = ?", (gid,)))
    channels: frozenset[str] = frozenset()
    if "guild_qa_channels" in tables:
        channels = frozenset(c for (c,) in conn.execute(
            "select channel_id from guild_qa_channels where guild_id = ?", (gid,)))
    gaps, retention = DEFAULT_GAPS, DEFAULT_GAP_RETENTION_DAYS
    if "guild_gap_settings" in tables:
        row = conn.execute("select enabled, retention_days from guild_gap_settings "
                           "where guild_id = ?", (gid,)).fetchone()
        if row is not None:
            gaps = DEFAULT_GAPS if row[0] is None else bool(row[0])
            retention = DEFAULT_GAP_RETENTION_DAYS if row[1] is None else int(row[1])
    return GuildSettings(gid, prefix=prefix, qa_channels=channels, mod_roles=roles,
                         unasked=unasked, gaps=gaps, gap_retention_days=retention)


def load_guild_settings(db_path: Path, guild_id: str | int | None) -> GuildSettings:
    """Settings read through a short read-only connection (which cannot change the file)."""
    if guild_id is None or not Path(db_path).exists():
        return GuildSettings(None if guild_id is None else str(guild_id))
    conn = sqlite3.connect(Path(db_path).resolve().as_uri() + "?mode=ro", uri=True, timeout=5)
    try:
        return read_guild_settings(conn, guild_id)
    finally:
        conn.close()
