"""Replies split into Discord-sized messages without losing or cutting words."""

from __future__ import annotations

import itertools
import random
import re
import string
import unicodedata
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from bot.core.reply import MESSAGE_LIMIT, MIN_SPLIT_LIMIT, split_message
from tests.hang_budget import hang_budget


def words_of(chunks: list[str]) -> list[str]:
    return " ".join(chunks).replace("```", " ").split()


def test_short_text_is_one_message() -> None:
    assert split_message("hello world") == ["hello world"]


def test_long_text_splits_on_word_boundaries() -> None:
    rng = random.Random(7)
    words = ["".join(rng.choice("abcdefgh") for _ in range(rng.randint(1, 12))) for _ in range(2000)]
    text = " ".join(words)
    chunks = split_message(text)
    assert len(chunks) > 1
    assert all(len(c) <= MESSAGE_LIMIT for c in chunks)
    assert words_of(chunks) == words


def test_prefers_paragraph_breaks() -> None:
    para = ("word " * 300).strip()
    chunks = split_message(f"{para}\n\n{para}")
    assert chunks == [para, para]


def test_code_blocks_are_closed_and_reopened() -> None:
    body = "\n".join(f"row {i} " + "x" * 40 for i in range(100))
    chunks = split_message(f"intro\n```\n{body}\n```\noutro")
    assert len(chunks) > 1
    for chunk in chunks:
        assert len(chunk) <= MESSAGE_LIMIT
        assert chunk.count("```") % 2 == 0
    assert [w for w in words_of(chunks) if w.startswith("row")] == ["row" for _ in range(100)]


def test_only_a_giant_word_is_cut() -> None:
    chunks = split_message("a" * 4500)
    assert [len(c) for c in chunks] == [2000, 2000, 500]


@pytest.mark.parametrize("limit", [100, 500])
def test_custom_limits(limit: int) -> None:
    text = " ".join(f"w{i}" for i in range(1000))
    chunks = split_message(text, limit)
    assert all(len(c) <= limit for c in chunks)
    assert words_of(chunks) == text.split()


def test_every_command_reply_fits_discord(ask) -> None:
    from tests.conftest import KNOWLEDGE_DIR  # noqa: F401  (the repository's knowledge)

    for command in ("!compare mlops pm", "!role mlops", "!role pm", "!skills pm", "!help"):
        chunks = split_message(ask(command))
        assert all(0 < len(c) <= MESSAGE_LIMIT for c in chunks)


def test_the_seed_comparison_is_one_message(ask) -> None:
    """The answer people ask for most fits one Discord message, sources included."""
    assert len(split_message(ask("!compare mlops pm"))) == 1


# -- issue 10: any text ends, within the limit, with nothing lost ------------------------------
#
# The invariant ``split_message`` promises (see its docstring), checked here from the outside:
# every chunk is 1..limit characters and not blank; with the fences it added removed, the
# chunks are consecutive slices of the text separated only by whitespace; fences balance in
# every chunk but the last; no cut splits a character from its combining marks or an emoji
# sequence. Each call runs under a hang budget: the old splitter looped forever on some of
# these texts, which neither a hypothesis deadline nor pytest could interrupt.

#: Far above what splitting 20,000 characters takes; only a hang reaches it.
HANG_SECONDS = 10
_REOPENED = re.compile(r"```[A-Za-z0-9_+#.-]*\n")
_ADDED_CLOSE = "\n```"
ZWJ = "\u200d"


def _joins_next(text: str, i: int) -> bool:
    """Whether text[i] belongs to the character before it (independent of the bot's rules)."""
    ch = text[i]
    before = text[i - 1]
    if before == ZWJ or ch == ZWJ or unicodedata.category(ch).startswith("M"):
        return True
    if 0xFE00 <= ord(ch) <= 0xFE0F or 0x1F3FB <= ord(ch) <= 0x1F3FF or 0xE0020 <= ord(ch) <= 0xE007F:
        return True
    flag = range(0x1F1E6, 0x1F200)
    if ord(before) in flag and ord(ch) in flag:
        run = len(text[:i]) - len(text[:i].rstrip("".join(map(chr, flag))))
        return run % 2 == 1
    return False


def _slices(text: str, chunks: list[str]) -> list[tuple[int, int]] | None:
    """Where each chunk's own text lies in ``text`` once the fences the splitter added are
    taken off, or None when the chunks are not the text in order.

    A chunk that continues a code block must start with a reopened fence; a chunk ending
    with a fence may have added it or carried the text's own, which look alike (a closing
    fence at the end of one chunk and an opening one at the start of the next), so both
    readings are tried (depth first, each state once).
    """
    last = len(chunks) - 1
    stack: list[tuple[int, int, bool, list[tuple[int, int]]]] = [(0, 0, False, [])]
    seen: set[tuple[int, int, bool]] = set()
    while stack:
        n, pos, inside, path = stack.pop()
        if n == len(chunks):
            if not text[pos:].strip():
                return path
            continue
        if (n, pos, inside) in seen:
            continue
        seen.add((n, pos, inside))
        body = chunks[n]
        if inside:
            opener = _REOPENED.match(body)
            if not opener:
                continue
            body = body[opener.end():]
        readings = [(body, False)]
        if n < last and body.endswith(_ADDED_CLOSE):
            readings.append((body[: -len(_ADDED_CLOSE)], True))
        for own, closed_by_splitter in reversed(readings):  # the text's own fence first
            still_open = inside ^ (own.count("```") % 2 == 1)
            if closed_by_splitter and not still_open:
                continue
            at = text.find(own, pos)
            if at >= 0 and not text[pos:at].strip():
                stack.append((n + 1, at + len(own), still_open, [*path, (at, at + len(own))]))
    return None


def assert_split(text: str, chunks: list[str], limit: int, *, whole_characters: bool = True) -> None:
    """The whole invariant of ``split_message`` for ``text`` and its ``chunks``.

    ``whole_characters=False`` for a text holding one character (a letter with hundreds
    of marks) longer than the limit, which can only be cut between its code points.
    """
    assert all(0 < len(c) <= limit for c in chunks), [len(c) for c in chunks]
    assert all(c.strip() for c in chunks)
    if not text.strip():
        assert chunks == []
        return
    assert chunks
    for c in chunks[:-1]:
        assert c.count("```") % 2 == 0, c
    assert chunks[-1].count("```") % 2 == text.count("```") % 2
    slices = _slices(text, chunks)
    assert slices is not None, f"the chunks are not the text in order: {chunks!r:.300}"
    for (_, end), (start, _) in itertools.pairwise(slices):
        if whole_characters and start == end:  # cut inside a word: never inside a character
            assert not _joins_next(text, start), f"cut inside a character: {text[start - 2:start + 2]!r}"


def split_checked(text: str, limit: int = MESSAGE_LIMIT, *, whole_characters: bool = True) -> list[str]:
    with hang_budget(HANG_SECONDS):
        chunks = split_message(text, limit)
    assert_split(text, chunks, limit, whole_characters=whole_characters)
    return chunks


CJK = "".join(chr(0x4E00 + (i * 7919) % 20000) for i in range(10_000))


@pytest.mark.parametrize("limit", [MESSAGE_LIMIT, 1024, 64])
def test_a_long_line_in_a_code_block_ends_and_loses_nothing(limit: int) -> None:
    """The defect of issue 10: each pass emitted an empty fence and the rest grew."""
    text = "Data\n```yaml\nsummary: " + "a" * 5000 + "\n```\nafter"
    chunks = split_checked(text, limit)
    assert "".join(c.replace("```yaml\n", "").replace("\n```", "") for c in chunks).count("a") >= 5000
    assert all(c.startswith("```yaml\n") for c in chunks[1:-1])


def test_a_long_cjk_summary_without_spaces_in_a_code_block() -> None:
    """What `kb show` sent after a moderator set a 2,000-character summary in Chinese."""
    text = "```yaml\nslug: mlops-engineer\nsummary: " + CJK[:2000] + "\nfocus: x\n```"
    chunks = split_checked(text, 1024)
    assert len(chunks) == 3


def test_ten_thousand_cjk_characters_without_spaces() -> None:
    chunks = split_checked(CJK)
    assert "".join(chunks) == CJK
    assert [len(c) for c in chunks] == [MESSAGE_LIMIT] * 5


def test_cjk_text_is_cut_after_its_punctuation() -> None:
    sentence = CJK[:290] + "。"
    chunks = split_checked(sentence * 20)
    assert all(c.endswith("。") for c in chunks)


@pytest.mark.parametrize("text", ["```", "``````", "```\n```", "`" * 3000, "```" * 1000,
                                  "```py\n" * 500, "\n```\n" * 700, "``` ``` " * 600])
@pytest.mark.parametrize("limit", [MESSAGE_LIMIT, 64])
def test_fence_only_texts(text: str, limit: int) -> None:
    split_checked(text, limit)


def test_an_unclosed_fence_stays_code_to_the_end() -> None:
    chunks = split_checked("```py\n" + "x = 1\n" * 1000, MESSAGE_LIMIT)
    assert len(chunks) > 1
    assert all(c.startswith("```py\n") for c in chunks)
    assert chunks[-1].count("```") == 1


def test_a_table_with_a_long_role_name_is_split_inside_its_code_block() -> None:
    """A compare table once a role had a very long name (the role-add path allowed it)."""
    name = "Machine Learning Platform Reliability Engineer " * 60
    table = "```\n" + f"  {name}  AI Product Manager\nMedian  $173K  $200K\n" * 3 + "```"
    chunks = split_checked(f"**Compare**\n{table}\n-# Source: AI Market Pulse", 1024)
    assert all(c.count("```") % 2 == 0 for c in chunks)


@pytest.mark.parametrize("cluster", ["e\u0301", "a\u0308\u0323", "👩\u200d💻", "👨\u200d👩\u200d👧\u200d👦",
                                     "🏳\ufe0f\u200d🌈", "👍🏽", "🇫🇷"])
def test_a_character_is_never_cut_from_its_marks(cluster: str) -> None:
    text = "x" + cluster * (4500 // len(cluster))
    chunks = split_checked(text, MESSAGE_LIMIT)
    assert len(chunks) > 1
    for chunk in chunks[1:]:
        assert chunk.startswith(cluster), chunk[:8]


def test_flags_stay_in_pairs() -> None:
    text = "🇯🇵🇫🇷" * 1500
    chunks = split_checked(text, MESSAGE_LIMIT - 1)
    assert len(chunks) > 1
    assert all(len(c) % 2 == 0 for c in chunks)


def test_one_character_longer_than_the_limit_is_cut_between_code_points() -> None:
    text = "e" + "\u0301" * 300
    chunks = split_checked(text, 100, whole_characters=False)
    assert "".join(chunks) == text


def test_markdown_escapes_stay_with_what_they_escape() -> None:
    text = "\\*" * 2500
    chunks = split_checked(text, MESSAGE_LIMIT - 1)  # an odd room would end on a backslash
    assert all(not c.endswith("\\") or c.endswith("\\\\") for c in chunks)


def test_indentation_in_code_survives_a_cut() -> None:
    lines = "\n".join(f"    line {i}: " + "y" * 30 for i in range(200))
    chunks = split_checked(f"```py\n{lines}\n```", 500)
    for chunk in chunks[1:]:
        assert chunk.startswith("```py\n    line ")


def test_blank_text_gives_no_chunks() -> None:
    assert split_message("") == split_message(" \n\t ") == []


def test_a_too_small_limit_is_refused() -> None:
    with pytest.raises(ValueError, match="too small"):
        split_message("text", MIN_SPLIT_LIMIT - 1)


# Generated text: the pieces that broke or could break splitting, mixed at random.
_PIECES = st.one_of(
    st.text(alphabet=string.ascii_letters, min_size=1, max_size=12),
    st.builds(lambda c, n: c * n, st.sampled_from("ab语x"), st.integers(40, 3000)),
    st.text(alphabet=st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF), max_size=400),
    st.builds(lambda b, marks: b + "".join(marks), st.sampled_from("aeioun语"),
              st.lists(st.sampled_from(["\u0301", "\u0308", "\u0323", "\u20dd"]), max_size=3)),
    st.sampled_from(["👩\u200d💻", "👨\u200d👩\u200d👧", "🏳\ufe0f\u200d🌈", "👍🏽", "🇫🇷", "❤\ufe0f"]),
    st.sampled_from([" ", "  ", "\n", "\n\n", "\t", "\u3000", "。", "，", "\r\n"]),
    st.sampled_from(["```", "```py\n", "```yaml\n", "\n```\n", "`", "``", "\\*", "\\_", "\\"]),
    st.text(max_size=20),
)
generated_text = st.lists(_PIECES, max_size=50).map(lambda pieces: "".join(pieces)[:12_000])
PROPERTY = settings(max_examples=150, deadline=timedelta(seconds=HANG_SECONDS),
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@PROPERTY
@given(generated_text, st.sampled_from([MIN_SPLIT_LIMIT, 100, 257, 1024, MESSAGE_LIMIT]))
@example("```\n" + "a" * 5000 + "\n```", 1024)
@example("```yaml\nsummary: " + "语" * 2000 + "\n```", 1024)
@example("``` " + "x" * 70, MIN_SPLIT_LIMIT)
def test_any_text_splits_within_the_limit_without_loss(text: str, limit: int) -> None:
    split_checked(text, limit)


# -- the sources footer never lands alone in a message -------------------------------------

FOOTER = "-# Source: AI Market Pulse (job postings, 2026-03). Salaries from 34 postings."


def _is_only_footer(chunk: str) -> bool:
    return all(line.startswith("-# ") for line in chunk.splitlines() if line.strip())


@pytest.mark.parametrize("filler", [1930, 1960, 1990, 2000])
def test_the_footer_keeps_the_paragraph_before_it(filler: int) -> None:
    body = "\n\n".join(["First paragraph. " * 20, "Last paragraph " + "x" * (filler - 360)])
    text = body + "\n\n" + FOOTER
    chunks = split_checked(text)
    assert len(chunks) == 2
    assert not _is_only_footer(chunks[-1])
    assert chunks[-1].startswith("Last paragraph") and chunks[-1].endswith(FOOTER)


def test_the_footer_keeps_the_last_line_when_there_is_no_paragraph() -> None:
    text = "\n".join(f"- item {i} " + "y" * 60 for i in range(29)) + "\n" + FOOTER
    chunks = split_checked(text)
    assert len(chunks) == 2 and not _is_only_footer(chunks[-1])


def test_a_footer_after_a_code_block_is_left_alone_rather_than_breaking_the_block() -> None:
    text = "```\n" + "code line\n" * 198 + "```\n\n" + FOOTER
    chunks = split_checked(text)
    assert all(c.count("```") % 2 == 0 for c in chunks)


def test_a_long_reply_in_the_terminal_has_no_message_of_footer_alone() -> None:
    from bot.core.reply import Reply, Section, render_text
    from bot.terminal import MESSAGE_BREAK, reply_text

    for filler in range(1700, 2000, 7):
        reply = Reply(title="T", sections=(Section("S", "word " * (filler // 5)),),
                      footer="Source: AI Market Pulse (job postings, 2026-03).\nSalaries from 34.")
        messages = reply_text(reply).split(MESSAGE_BREAK)
        assert not any(_is_only_footer(m) for m in messages), filler
        assert len(split_message(render_text(reply))) == len(messages)


@PROPERTY
@given(generated_text, st.sampled_from([MIN_SPLIT_LIMIT, 100, 257, 1024, MESSAGE_LIMIT]),
       st.sampled_from(["\n\n", "\n", " "]))
def test_any_text_with_a_footer_splits_within_the_limit_without_loss(
        text: str, limit: int, sep: str) -> None:
    split_checked(text + sep + "-# source " * 3, limit)
