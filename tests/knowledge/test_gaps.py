"""The gap log file and the gap changes on the one write path (settings, answer, dismiss)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from bot.knowledge import edits
from bot.knowledge.changes import Change, ChangeError, NoChange, PermissionDenied
from bot.knowledge.gaps import FeedbackRow, GapLog, GapRow, log_path, read_marks
from bot.knowledge.guild_settings import (
    DEFAULT_GAP_RETENTION_DAYS,
    load_guild_settings,
)
from tests.moderation_support import build, member, moderator, owner


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return build(tmp_path)


@pytest.fixture
def gap_log(tmp_path: Path) -> GapLog:
    log = GapLog(tmp_path / "gaps.db")
    yield log
    log.close()


def row(guild: str, at: int, key: str = "pari weath", text: str = "weather in paris",
        asker: str = "a") -> GapRow:
    return GapRow(guild, "9", at, text, key, "declined", "offtopic", "", asker)


def test_the_log_lives_beside_the_knowledge_file() -> None:
    assert log_path(Path("data/careerbot.db")) == Path("data/careerbot.gaps.db")
    assert log_path(Path("kb")) == Path("kb.gaps.db")


def test_rows_are_read_per_server_and_period_and_purged_per_server(gap_log: GapLog) -> None:
    gap_log.add([row("42", 100), row("42", 200, asker="b"), row("43", 100),
                 row("42", 300, key="poem write", text="write me a poem")])
    (weather,) = [s for s in gap_log.by_key("42", 150) if s.key == "pari weath"]
    assert weather.count == 1 and weather.askers == 1
    assert {s.key for s in gap_log.by_key("42", 0)} == {"pari weath", "poem write"}
    assert sum(s.count for s in gap_log.by_key("42", 0)) == 3
    assert gap_log.purge({"42": 250}) == 2
    assert [s.key for s in gap_log.by_key("42", 0)] == ["poem write"]
    assert len(gap_log.by_key("43", 0)) == 1


def test_a_batch_is_written_whole_or_not_at_all(gap_log: GapLog) -> None:
    feedback = FeedbackRow("0123456789abcdef", "42", "9", 1, "q", "k", "figures", "", "a")
    with pytest.raises(Exception):  # noqa: B017  (the second row breaks a NOT NULL column)
        gap_log.add([row("42", 1), GapRow("42", "9", 2, None, "k", "declined", "x", "", "a")],  # type: ignore[arg-type]
                    [feedback])
    assert gap_log.by_key("42", 0) == [] and gap_log.feedback(feedback.token) is None


def test_each_server_has_its_own_salt(gap_log: GapLog) -> None:
    assert gap_log.salt("42") == gap_log.salt("42")
    assert gap_log.salt("42") != gap_log.salt("43") and len(gap_log.salt("42")) == 16


def test_a_rating_is_recorded_once(gap_log: GapLog) -> None:
    gap_log.add(feedback=[FeedbackRow("0123456789abcdef", "42", "9", 1, "q", "k", "figures", "",
                                      "a")])
    assert gap_log.rate("0123456789abcdef", -1, 2)
    assert not gap_log.rate("0123456789abcdef", 1, 3)
    assert gap_log.ratings("42", 0) == [("figures", None, -1, "q")]


def test_gap_settings_are_changes_audited_and_undoable(db: Path) -> None:
    assert load_guild_settings(db, "42").gap_retention_days == DEFAULT_GAP_RETENTION_DAYS
    edits.apply_change(db, moderator(), Change("config.gaps", {"on": False}))
    entry = edits.apply_change(db, moderator(), Change("config.gaps.retention", {"days": 30}))
    settings = load_guild_settings(db, "42")
    assert not settings.gaps and settings.gap_retention_days == 30
    assert load_guild_settings(db, "43").gaps  # another server keeps the default
    assert [e.action for e in edits.history(db, "42")] == ["config.gaps.retention", "config.gaps"]
    edits.undo(db, moderator(), entry.id)
    settings = load_guild_settings(db, "42")
    assert not settings.gaps and settings.gap_retention_days == DEFAULT_GAP_RETENTION_DAYS
    with pytest.raises(NoChange):
        edits.apply_change(db, moderator(), Change("config.gaps", {"on": False}))


@pytest.mark.parametrize("days", [0, -1, 3651, "7", True, 2.5, None])
def test_a_retention_that_is_not_a_number_of_days_is_refused(db: Path, days: object) -> None:
    before = db.read_bytes()
    with pytest.raises(ChangeError, match="whole number of days from 1 to 3,650"):
        edits.apply_change(db, moderator(), Change("config.gaps.retention", {"days": days}))
    assert db.read_bytes() == before


def test_gap_settings_need_manage_server_and_a_server(db: Path) -> None:
    before = db.read_bytes()
    with pytest.raises(PermissionDenied):
        edits.apply_change(db, member(), Change("config.gaps", {"on": False}))
    with pytest.raises(PermissionDenied, match="no_server"):
        edits.apply_change(db, owner(), Change("config.gaps", {"on": False}))
    assert db.read_bytes() == before


def test_answering_writes_the_entry_and_the_marks_in_one_change(db: Path) -> None:
    entry = edits.apply_change(db, moderator(), Change("gap.answer", {
        "keys": ["bootcamp enough", "bootcamp enough hired"], "label": "Is a bootcamp enough?",
        "question": "Is a bootcamp enough?", "answer": "Rarely on its own.", "tags": None,
        "source": None}))
    assert entry.target == "faq 100001"
    conn = sqlite3.connect(db)
    try:
        assert read_marks(conn, "42") == {"bootcamp enough": ("answered", 100001),
                                          "bootcamp enough hired": ("answered", 100001)}
        assert read_marks(conn, "43") == {}
    finally:
        conn.close()
    edits.undo(db, moderator(), entry.id)
    conn = sqlite3.connect(db)
    try:
        assert read_marks(conn, "42") == {}
        assert conn.execute("select count(*) from overlay_faq").fetchone() == (0,)
    finally:
        conn.close()


def test_a_dismissal_of_marked_keys_changes_nothing(db: Path) -> None:
    change = Change("gap.dismiss", {"keys": ["pari weath"], "label": "weather"})
    edits.apply_change(db, moderator(), change)
    with pytest.raises(NoChange):
        edits.apply_change(db, moderator(), change)
    with pytest.raises(ChangeError, match="names no recorded questions"):
        edits.apply_change(db, moderator(), Change("gap.dismiss", {"keys": []}))


def test_distinct_askers_are_counted_across_a_groups_keys(gap_log: GapLog) -> None:
    gap_log.add([row("42", 1, asker="a"), row("42", 2, key="pari today weath", asker="a"),
                 row("42", 3, key="pari today weath", asker="b"),
                 row("42", 4, key="poem write", asker="a"), row("43", 5, asker="z")])
    assert gap_log.distinct_askers("42", 0, {"pari weath": 0, "pari today weath": 0,
                                             "poem write": 1}) == {0: 2, 1: 1}
    assert gap_log.distinct_askers("42", 3, {"pari weath": 0, "pari today weath": 0}) == {0: 1}
