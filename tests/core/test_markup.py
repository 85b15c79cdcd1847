"""Untrusted values cannot ping, restyle a reply or inject template syntax."""

from __future__ import annotations

from pathlib import Path

from bot.core.markup import ZWSP, clean, escape_mentions
from tests.conftest import role_file, write_role


def test_mentions_are_broken() -> None:
    for raw in ("@everyone", "@here", "<@123456789012345678>", "<@!123456789012345678>",
                "<@&123456789012345678>"):
        out = escape_mentions(raw)
        assert out != raw and ZWSP in out


def test_markdown_is_escaped() -> None:
    assert clean("**bold** _it_ `code` [x](http://y)") == (
        r"\*\*bold\*\* \_it\_ \`code\` \[x\](http://y)"
    )
    assert clean("# heading") == r"\# heading"


def test_role_values_from_files_are_escaped_in_replies(make_advisor, kb_dir: Path) -> None:
    data = role_file("mlops-engineer")
    data["focus"] = "Pings @everyone and {{ 7 * 7 }} and **shouts** <@&123456789012345678>"
    write_role(kb_dir, data)
    from bot.core.advisor import Request
    from bot.core.reply import render_text

    text = render_text(make_advisor(kb_dir).handle(Request(text="!role mlops")))
    assert "@everyone" not in text
    assert f"@{ZWSP}everyone" in text
    assert r"{{ 7 \* 7 }}" in text and "49" not in text
    assert r"\*\*shouts\*\*" in text
    assert "<@&123456789012345678>" not in text


def test_user_text_is_never_rendered(ask) -> None:
    text = ask("!role {{ config }} @everyone")
    assert "@everyone" not in text
    assert "{{ config }}" in text or "config" in text
