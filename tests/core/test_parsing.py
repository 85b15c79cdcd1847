"""Command parsing: the ways people actually type commands."""

from __future__ import annotations

import pytest

from bot.core.parsing import parse_command


@pytest.mark.parametrize(
    ("text", "name", "segments"),
    [
        ("!compare mlops pm", "compare", ("mlops pm",)),
        ("!COMPARE mlops, pm", "compare", ("mlops", "pm")),
        ('!compare "MLOps Engineer" vs "AI Product Manager"', "compare",
         ("MLOps Engineer", "AI Product Manager")),
        ("!compare   mlops    vs    pm  ", "compare", ("mlops", "pm")),
        ("!compare “MLOps Engineer” “AI PM”", "compare", ("MLOps Engineer", "AI PM")),
        ("!switch from mlops to pm", "switch", ("mlops", "pm")),
        ("!compare mlops,pm", "compare", ("mlops", "pm")),
        ("!role", "role", ()),
        ("!Roles", "roles", ()),
    ],
)
def test_segments(text: str, name: str, segments: tuple[str, ...]) -> None:
    parsed = parse_command(text, "!")
    assert parsed is not None
    assert parsed.name == name
    assert parsed.segments == segments


def test_not_a_command() -> None:
    assert parse_command("how much do mlops engineers make?", "!") is None
    assert parse_command("!", "!") is None
    assert parse_command("!!!", "!") is None
    assert parse_command("", "!") is None


def test_other_prefix() -> None:
    parsed = parse_command("?compare mlops pm", "?")
    assert parsed is not None and parsed.name == "compare"
    assert parse_command("!compare mlops pm", "?") is None


def test_options_are_not_roles() -> None:
    parsed = parse_command("!salary mlops source:survey", "!")
    assert parsed is not None
    assert parsed.segments == ("mlops",)
    assert parsed.options == {"source": "survey"}


def test_unclosed_quote_is_taken_to_the_end() -> None:
    parsed = parse_command('!compare "mlops engineer', "!")
    assert parsed is not None
    assert parsed.segments == ("mlops engineer",)


def test_huge_input_is_bounded() -> None:
    parsed = parse_command("!compare " + "mlops " * 10_000, "!")
    assert parsed is not None
    assert len(" ".join(parsed.segments)) <= 500
