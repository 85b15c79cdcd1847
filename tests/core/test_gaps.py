"""Knowledge gaps, answer ratings and a server's own FAQ entries, as the core gives them."""

from __future__ import annotations

import csv
import io
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.cli import main
from bot.core.advisor import Advisor, Request
from bot.core.chat import ChatEngine
from bot.core.gaps import group_gaps, parse_period
from bot.core.moderation import Moderation
from bot.core.reply import Reply, render_text
from bot.knowledge import edits
from bot.knowledge.gaps import KeyStats
from tests.moderation_support import build, member, moderator, store_for

DAY = 86400.0
START = 1_900_000_000.0


class Bot:
    """The core as the Discord bot wires it: the chat engine reporting to moderation's
    gap recorder, with a clock the test moves."""

    def __init__(self, db: Path) -> None:
        self.db = db
        self.store = store_for(db)
        self.moderation = Moderation(self.store)
        self.now = START
        self.moderation.recorder.clock = lambda: self.now
        self.engine = ChatEngine(recorder=self.moderation.recorder)
        self.advisor = Advisor(self.store, chat=self.engine)

    def ask(self, text: str, guild: str | None = "42", user: str = "500",
            channel: str = "900") -> Reply:
        return self.advisor.handle(Request(text=text, guild_id=guild, user_id=user,
                                           channel_id=channel))

    def gaps(self, guild: str = "42", period: str | None = None) -> str:
        return render_text(self.moderation.gaps(moderator(guild), period).reply)

    def close(self) -> None:
        self.moderation.gap_log.close()
        self.store.close()


@pytest.fixture
def bot(tmp_path: Path) -> Iterator[Bot]:
    b = Bot(build(tmp_path))
    yield b
    b.close()


def faq_text(reply: Reply) -> str:
    return render_text(reply)


# -- a moderator's FAQ entry wins when it fits ----------------------------------------------


ENTRIES = {
    ("Is a bootcamp enough?", "Rarely on its own: pair it with projects."): [
        "Is a bootcamp enough?", "is a bootcamp enough", "are bootcamps really enough?",
        "would a bootcamp be enough to land a job", "bootcamp enough?",
    ],
    ("Do I need a PhD for research roles?", "Most research labs hire without one."): [
        "do i need a phd for research roles", "is a PhD needed for research?",
        "need a phd for a research role?", "PhD required for research jobs?",
    ],
}


def test_a_servers_own_faq_entry_answers_its_paraphrases_there_and_nowhere_else(bot: Bot) -> None:
    for (question, answer), _ in ENTRIES.items():
        assert bot.moderation.faq_add(moderator("42"), question, answer).kind == "answer"
    for (_, answer), phrasings in ENTRIES.items():
        for text in phrasings:
            assert answer in faq_text(bot.ask(text, "42", user="600")), text
            assert answer not in faq_text(bot.ask(text, "43", user="600")), text
            assert answer not in faq_text(bot.ask(text, None, user="600")), text


def test_a_question_only_half_like_the_entry_does_not_get_it(bot: Bot) -> None:
    bot.moderation.faq_add(moderator("42"), "Is a bootcamp enough?", "Rarely on its own.")
    for text in ("is a bootcamp worth it", "what does a bootcamp cost",
                 "which role pays the most", "compare mlops and ai pm"):
        assert "Rarely on its own." not in faq_text(bot.ask(text)), text


# -- the gap log ----------------------------------------------------------------------------


DECLINED = ["what is the weather in paris", "what's the weather like in Paris?",
            "weather in paris today"]


def test_a_declined_question_is_in_its_servers_gaps_and_no_others(bot: Bot) -> None:
    for i, text in enumerate(DECLINED):
        assert bot.ask(text, "42", user=str(700 + i)).kind in ("help", "decline")
    shown = bot.gaps("42")
    assert "weather" in shown and "3 members, 3 times" in shown
    assert "weather" not in bot.gaps("43")
    (group,) = bot.moderation.gap_groups(moderator("42"))
    assert group.askers == 3 and group.count == 3 and len(group.keys) >= 2
    assert set(group.examples) <= {"what is the weather in paris",
                                   "whats the weather like in paris?", "weather in paris today"}


def test_groups_rank_by_distinct_askers_then_count(bot: Bot) -> None:
    for _ in range(4):
        bot.ask("can you write me a poem", user="1")  # one member, four times
    bot.ask("what is the weather in paris", user="2")
    bot.ask("what's the weather like in Paris?", user="3")
    groups = bot.moderation.gap_groups(moderator("42"))
    assert [g.askers for g in groups] == [2, 1] and groups[1].count == 4


def test_nothing_is_recorded_in_dms_or_answered_questions(bot: Bot) -> None:
    bot.ask("what is the weather in paris", guild=None)
    bot.ask("what does an mlops engineer earn")
    assert bot.moderation.gap_groups(moderator("42"), "all") == []


def test_with_gaps_off_nothing_is_recorded_and_on_again_it_is(bot: Bot) -> None:
    off = bot.moderation.config_gaps(moderator("42"), "off")
    assert off.kind == "answer" and "Knowledge-gap log switched" in render_text(off)
    bot.ask("what is the weather in paris")
    assert bot.moderation.gap_groups(moderator("42"), "all") == []
    assert "gap log is off" in bot.gaps("42")
    bot.moderation.config_gaps(moderator("42"), "on")
    bot.ask("what is the weather in paris")
    assert len(bot.moderation.gap_groups(moderator("42"), "all")) == 1


def test_purge_removes_entries_past_the_servers_retention(bot: Bot) -> None:
    bot.ask("what is the weather in paris", "42")
    bot.ask("what is the weather in paris", "43")
    bot.moderation.recorder.flush()
    assert bot.moderation.config_gap_retention(moderator("42"), "10").kind == "answer"
    bot.now += 11 * DAY
    assert bot.moderation.recorder.purge() == 1  # server 42's old question; 43 keeps 90 days
    bot.ask("can you write me a poem", "42")
    assert [g.examples[0] for g in bot.moderation.gap_groups(moderator("42"), "all")] == \
        ["can you write me a poem"]
    assert len(bot.moderation.gap_groups(moderator("43"), "all")) == 1
    bot.now += 90 * DAY
    bot.moderation.recorder.purge()
    assert bot.moderation.gap_groups(moderator("43"), "all") == []


def test_kb_gaps_never_shows_an_entry_past_the_retention(bot: Bot) -> None:
    bot.moderation.config_gap_retention(moderator("42"), 5)
    bot.ask("what is the weather in paris")
    bot.moderation.recorder.flush()
    bot.now += 5 * DAY - 60
    assert bot.moderation.recorder.purge() == 0  # not yet past the retention
    bot.now += 30 * 60  # now past it, within the hour before the next purge
    assert bot.moderation.gap_groups(moderator("42"), "all") == []
    assert "weather" in repr(bot.moderation.gap_log.stored_rows())


def test_purge_runs_by_itself_when_the_recorder_writes(bot: Bot) -> None:
    bot.ask("what is the weather in paris")
    bot.moderation.recorder.flush()
    bot.now += 91 * DAY
    bot.ask("can you write me a poem")
    bot.moderation.recorder.flush()  # the periodic write purges too (once an hour at most)
    rows = bot.moderation.gap_log.stored_rows()
    assert not any("weather" in str(r) for r in rows)


def test_no_stored_row_holds_a_user_id_a_mention_or_a_link(bot: Bot) -> None:
    user = "987654321098765432"
    bot.ask("<@123456789012345678> what is the weather at https://example.com/paris "
            "[here](https://evil.example/x) <#555555555555555555> @everyone", user=user)
    reply = bot.ask("how much does an mlops engineer earn", user=user)
    token = bot.moderation.recorder.open_feedback(
        Request(text="", user_id=user, channel_id="900", guild_id="42"),
        bot.moderation.recorder.take(user, "900"))  # type: ignore[arg-type]
    assert token is not None and reply.kind == "answer"
    assert bot.moderation.recorder.rate(token, user, "42", up=False) == "ok"
    rows = bot.moderation.gap_log.stored_rows()
    text = repr(rows)
    assert rows and "weather" in text
    for forbidden in (user, "123456789012345678", "555555555555555555", "<@", "http",
                      "example.com", "evil", "everyone"):
        assert forbidden not in text, forbidden


def test_a_failed_record_is_logged_and_the_answer_still_goes_out(
        bot: Bot, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(bot.moderation.recorder, "report", broken)
    with caplog.at_level(logging.ERROR):
        reply = bot.ask("what is the weather in paris")
    assert reply.kind in ("help", "decline") and reply.lead
    assert "could not report" in caplog.text
    monkeypatch.undo()
    bot.ask("what is the weather in paris")
    monkeypatch.setattr(bot.moderation.gap_log, "add", broken)
    with caplog.at_level(logging.ERROR):
        assert bot.moderation.recorder.flush() == 0
    assert "could not record" in caplog.text


# -- answering and dismissing a group ---------------------------------------------------------


def test_answering_a_group_writes_an_faq_entry_that_answers_its_paraphrases(bot: Bot) -> None:
    bot.ask("is a coding bootcamp worth the money", user="1")
    bot.ask("are coding bootcamps worth the money?", user="2")
    bot.ask("is a coding bootcamp worth the money", user="5")
    (group,) = bot.moderation.gap_groups(moderator("42"))
    assert group.question == "Is a coding bootcamp worth the money?"
    reply = bot.moderation.gap_answer(moderator("42"), "30d", group.id, group.question,
                                      "Sometimes: look at placement rates first.")
    assert reply.kind == "answer" and "Question group answered" in render_text(reply)
    assert "placement rates" in render_text(bot.ask("coding bootcamp worth the money?", user="3"))
    assert "placement rates" not in render_text(bot.ask("coding bootcamp worth the money?",
                                                        "43", user="3"))
    assert bot.moderation.gap_groups(moderator("42"))[0].state == "answered"
    assert "bootcamp" not in bot.gaps("42")
    (entry,) = edits.history(bot.db, "42")
    assert entry.action == "gap.answer" and entry.target.startswith("faq ")
    # One undo removes the entry and reopens the group.
    assert bot.moderation.undo(moderator("42"), entry.id).kind == "answer"
    assert "placement rates" not in render_text(bot.ask("coding bootcamp worth the money?",
                                                        user="4"))
    assert "bootcamp" in bot.gaps("42")


def test_an_answer_is_validated_like_any_faq_entry(bot: Bot) -> None:
    bot.ask("what is the weather in paris")
    (group,) = bot.moderation.gap_groups(moderator("42"))
    before = bot.db.read_bytes()
    reply = bot.moderation.gap_answer(moderator("42"), "30d", group.id, group.question, "")
    assert reply.kind == "error" and "answer" in render_text(reply)
    reply = bot.moderation.gap_answer(moderator("42"), "30d", group.id, "q" * 400, "An answer.")
    assert reply.kind == "error" and "300" in render_text(reply)
    assert bot.db.read_bytes() == before
    assert edits.history(bot.db, "42") == []


def test_dismissing_hides_a_group_is_in_the_history_and_can_be_undone(bot: Bot) -> None:
    bot.ask("what is the weather in paris")
    bot.ask("can you write me a poem")
    groups = bot.moderation.gap_groups(moderator("42"))
    weather = next(g for g in groups if "weather" in g.examples[0])
    reply = bot.moderation.gap_dismiss(moderator("42"), "30d", weather.id)
    assert reply.kind == "answer" and "dismissed" in render_text(reply)
    assert "weather" not in bot.gaps("42") and "poem" in bot.gaps("42")
    again = bot.moderation.gap_dismiss(moderator("42"), "30d", weather.id)
    assert again.kind == "error" and "no longer open" in render_text(again)
    (entry,) = edits.history(bot.db, "42")
    assert entry.action == "gap.dismiss"
    assert "Question group dismissed" in render_text(bot.moderation.history(moderator("42")))
    bot.moderation.undo(moderator("42"), entry.id)
    assert "weather" in bot.gaps("42")


def test_members_see_and_change_none_of_it(bot: Bot) -> None:
    bot.ask("what is the weather in paris")
    (group,) = bot.moderation.gap_groups(moderator("42"))
    before = bot.db.read_bytes()
    asker = member("42")
    for reply in (bot.moderation.gaps(asker).reply, bot.moderation.feedback(asker),
                  bot.moderation.gap_answer(asker, "30d", group.id, "Q?", "A."),
                  bot.moderation.gap_dismiss(asker, "30d", group.id),
                  bot.moderation.config_gaps(asker, "off"),
                  bot.moderation.config_gap_retention(asker, 5)):
        assert reply.kind == "error" and "can't do that" in render_text(reply), render_text(reply)
        assert "weather" not in render_text(reply)
    found = bot.moderation.gap_group(asker, "30d", group.id)
    assert isinstance(found, Reply) and found.kind == "error"
    assert bot.db.read_bytes() == before


# -- ratings ----------------------------------------------------------------------------------


def test_only_the_asker_rates_once_and_a_thumbs_down_feeds_the_log(bot: Bot) -> None:
    reply = bot.ask("how much does an mlops engineer earn", user="11")
    outcome = bot.moderation.recorder.take("11", "900")
    assert outcome is not None and outcome.rated and reply.kind == "answer"
    token = bot.moderation.recorder.open_feedback(
        Request(text="", user_id="11", channel_id="900", guild_id="42"), outcome)
    assert token is not None
    recorder = bot.moderation.recorder
    assert recorder.rate(token, "12", "42", up=False) == "not_yours"
    assert recorder.rate(token, "11", "43", up=False) == "unknown"
    assert recorder.rate(token, "11", "42", up=False) == "ok"
    assert recorder.rate(token, "11", "42", up=True) == "already"
    (group,) = bot.moderation.gap_groups(moderator("42"))
    assert group.outcomes == {"thumbs_down": 1}
    shown = render_text(bot.moderation.feedback(moderator("42")))
    assert "👎 1" in shown and "how much does an mlops engineer earn" in shown


def test_feedback_lists_the_worst_rated_faq_entries(bot: Bot) -> None:
    bot.moderation.faq_add(moderator("42"), "Is a bootcamp enough?", "Rarely on its own.")
    recorder = bot.moderation.recorder
    for user, up in (("1", False), ("2", False), ("3", True)):
        bot.ask("is a bootcamp enough?", user=user)
        outcome = recorder.take(user, "900")
        assert outcome is not None and outcome.outcome == "server_faq"
        token = recorder.open_feedback(
            Request(text="", user_id=user, channel_id="900", guild_id="42"), outcome)
        assert token is not None and recorder.rate(token, user, "42", up=up) == "ok"
    shown = render_text(bot.moderation.feedback(moderator("42")))
    assert "FAQ entry 100001" in shown and "“Is a bootcamp enough?”" in shown
    assert "👎 2, 👍 1" in shown


def test_no_feedback_buttons_where_the_log_is_off(bot: Bot) -> None:
    bot.moderation.config_gaps(moderator("42"), "off")
    bot.ask("how much does an mlops engineer earn", user="11")
    outcome = bot.moderation.recorder.take("11", "900")
    assert outcome is not None
    assert bot.moderation.recorder.open_feedback(
        Request(text="", user_id="11", channel_id="900", guild_id="42"), outcome) is None


# -- reading ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "seconds"), [("24h", 86400), ("7d", 604800), ("2w", 1209600),
                                               (None, 30 * 86400), (" 30D ", 30 * 86400)])
def test_periods(text: str | None, seconds: int) -> None:
    assert parse_period(text) == seconds


@pytest.mark.parametrize("text", ["0d", "yesterday", "-3d", "99999w", "3y"])
def test_bad_periods_are_refused_in_words(bot: Bot, text: str) -> None:
    assert parse_period(text) is None
    reply = bot.moderation.gaps(moderator("42"), text).reply
    assert reply.kind == "error" and "is not a period" in render_text(reply)


def test_grouping_keeps_different_questions_apart() -> None:
    def stats(key: str) -> KeyStats:
        return KeyStats(key, 1, 1, {key: 1}, {"declined": 1}, {"offtopic": 1},
                        {"": 1}, 0)

    groups = group_gaps([stats("pari weath"), stats("pari today weath"),
                         stats("poem write"), stats("bootcamp worth"),
                         stats("bootcamp enough")])
    assert sorted(sorted(g.keys) for g in groups) == [
        ["bootcamp enough"], ["bootcamp worth"], ["pari today weath", "pari weath"],
        ["poem write"]]


def test_the_csv_export_has_every_group_and_runs_no_formulas(bot: Bot) -> None:
    bot.ask("=HYPERLINK(weather in paris)")
    bot.ask("can you write me a poem")
    result = bot.moderation.gaps(moderator("42"), "all", csv=True)
    assert result.filename == "careerbot-gaps-42-all.csv"
    rows = list(csv.reader(io.StringIO(result.content.decode())))
    assert rows[0][:4] == ["group", "state", "askers", "times"] and len(rows) == 3
    assert all(not cell.startswith("=") for row in rows for cell in row)


def test_the_command_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                          capsys: pytest.CaptureFixture[str]) -> None:
    b = Bot(build(tmp_path))
    b.ask("what is the weather in paris")
    b.moderation.recorder.flush()
    b.close()
    monkeypatch.setenv("CAREERBOT_DB", str(b.db))
    monkeypatch.setenv("CAREERBOT_LOG_LEVEL", "WARNING")
    assert main(["kb", "gaps", "--guild", "42"]) == 0
    assert "weather in paris" in capsys.readouterr().out
    assert main(["kb", "gaps", "all", "--csv", "--guild", "42"]) == 0
    assert capsys.readouterr().out.startswith("group,state,askers")
    assert main(["kb", "gaps"]) == 1
    assert "belong to a server" in capsys.readouterr().out
    assert main(["kb", "feedback", "--guild", "42"]) == 0
    assert "No answer was rated" in capsys.readouterr().out
    assert main(["config", "gaps", "retention", "30", "--guild", "42"]) == 0
    assert main(["config", "gaps", "off", "--guild", "42"]) == 0
    assert main(["config", "show", "--guild", "42"]) == 0
    assert "off, entries kept 30 days" in capsys.readouterr().out
    assert main(["config", "gaps", "retention", "0", "--guild", "42"]) == 1
    assert "from 1 to 3,650" in capsys.readouterr().out


def test_an_unreadable_gap_log_is_said_in_words(tmp_path: Path) -> None:
    b = Bot(build(tmp_path))
    try:
        b.moderation.gap_log.path.mkdir()  # a directory where the log file should be
        b.ask("what is the weather in paris")  # the answer still goes out
        reply = b.moderation.gaps(moderator("42")).reply
        assert reply.kind == "error" and "gap log cannot be read" in render_text(reply)
    finally:
        b.close()
