"""Replies become embeds within every Discord limit, with nothing lost."""

from __future__ import annotations

import random
import re
import string
from datetime import timedelta

import discord
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.core.reply import Field, Reply, Section
from bot.discord_app.embeds import (
    DESCRIPTION_LIMIT,
    EMBED_TOTAL_LIMIT,
    FIELD_COUNT_LIMIT,
    FIELD_NAME_LIMIT,
    FIELD_VALUE_LIMIT,
    FOOTER_LIMIT,
    TITLE_LIMIT,
    reply_pages,
)
from tests.core.test_reply import assert_split, generated_text
from tests.hang_budget import hang_budget


def check_limits(embed) -> None:
    assert len(embed.title or "") <= TITLE_LIMIT
    assert len(embed.description or "") <= DESCRIPTION_LIMIT
    assert len(embed.fields) <= FIELD_COUNT_LIMIT
    for f in embed.fields:
        assert 0 < len(f.name) <= FIELD_NAME_LIMIT
        assert 0 < len(f.value) <= FIELD_VALUE_LIMIT
    assert len(embed.footer.text or "") <= FOOTER_LIMIT
    assert len(embed) <= EMBED_TOTAL_LIMIT


def all_words(pages) -> list[str]:
    words = []
    for e in pages:
        words += (e.description or "").split()
        for f in e.fields:
            words += f.value.replace("```", " ").split()
    return words


def test_compare_reply_is_one_embed(ask_reply) -> None:
    pages = reply_pages(ask_reply("!compare mlops pm"))
    assert len(pages) == 1
    check_limits(pages[0])
    assert pages[0].footer.text.startswith("Source: AI Market Pulse")


def test_huge_replies_are_paged_without_loss() -> None:
    rng = random.Random(3)
    sections = tuple(
        Section(f"Heading {i} " + "h" * rng.randint(0, 300),
                " ".join(f"w{i}_{j}" for j in range(rng.randint(10, 900))))
        for i in range(40)
    )
    fields = tuple(Field(f"f{i}", "value " * rng.randint(1, 300)) for i in range(10))
    reply = Reply(title="T" * 400, lead="lead " * 1500, sections=sections, fields=fields,
                  footer="source " * 600, suggestions=tuple(f"!cmd {i}" for i in range(50)))
    pages = reply_pages(reply)
    assert len(pages) > 1
    for page in pages:
        check_limits(page)
    words = all_words(pages)
    for section in sections:
        for word in section.body.split():
            assert word in words
    assert words.count("lead") == 1500


def test_error_replies_are_red() -> None:
    [embed] = reply_pages(Reply(title="Oops", lead="x", kind="error"))
    assert embed.colour.value == 0xE74C3C


def test_footers_show_no_markdown_escapes() -> None:
    [embed] = reply_pages(Reply(title="t", lead="x", footer=r"-# Skills: O\*NET 29.3 (a\_b)"))
    assert embed.footer.text == "Skills: O*NET 29.3 (a_b)"


# -- issue 10: any reply, any length: pages within every limit, nothing lost, never a hang ----

HANG_SECONDS = 10
CJK = "".join(chr(0x4E00 + (i * 7919) % 20000) for i in range(10_000))
_MARKER = re.compile(r"^Page \d+/\d+(?: · )?")


def pages_checked(reply: Reply) -> list[discord.Embed]:
    """``reply_pages`` under a hang budget, every page within Discord's limits."""
    with hang_budget(HANG_SECONDS):
        pages = reply_pages(reply)
    assert pages
    for page in pages:
        check_limits(page)
        assert page.title == pages[0].title
    return pages


def field_groups(pages: list[discord.Embed]) -> list[tuple[str, list[discord.embeds._EmbedFieldProxy]]]:
    """Fields in order, grouped by source: a "… (cont.)" field (or another "Try") carries on
    the field before it when both names start with the same first word."""
    groups: list[tuple[str, list]] = []
    for page in pages:
        for f in page.fields:
            key = (f.name.split() or [f.name])[0]
            if groups and (groups[-1][0] == key) and (f.name.endswith(" (cont.)") or key == "Try"):
                groups[-1][1].append(f)
            else:
                groups.append((key, [f]))
    return groups


def assert_named_text_kept(name: str, value: str, fields: list) -> None:
    """The fields show ``name`` and ``value`` whole (a long name goes on in the value)."""
    shown = fields[0].name
    if len(name) <= FIELD_NAME_LIMIT and name.strip():
        assert shown == name
        source = value
    elif not name.strip():
        assert shown == "\u200b"
        source = value
    else:
        assert shown.endswith("…")
        assert name.startswith(shown[:-1])
        source = f"…{name[len(shown) - 1:].strip()}\n{value}"
    for f in fields[1:]:
        assert f.name.endswith(" (cont.)")
    values = [f.value for f in fields]
    if source.strip():
        assert_split(source, values, FIELD_VALUE_LIMIT)
    else:
        assert values == ["\u200b"]


def no_space(text: str) -> str:
    return re.sub(r"\s", "", text)


def assert_reply_kept(reply: Reply, pages: list[discord.Embed]) -> None:
    """Everything the reply holds is on its pages, in order (only a long title is cut)."""
    title = pages[0].title or ""
    if len(reply.title) <= TITLE_LIMIT:
        assert title == reply.title
    else:
        assert title.endswith("…") and reply.title.startswith(title[:-1])
    descriptions = [p.description for p in pages if p.description]
    if reply.lead.strip():
        assert_split(reply.lead, descriptions, DESCRIPTION_LIMIT)
    else:
        assert descriptions == []
    groups = field_groups(pages)
    sources = groups.pop()[1] if groups and groups[-1][0] == "Sources" else []
    tries = groups.pop()[1] if reply.suggestions else []
    assert len(groups) == len(reply.fields) + len(reply.sections)
    for (_, fields), f in zip(groups, reply.fields, strict=False):
        assert_named_text_kept(f.name, f.value, fields)
        assert all(shown.inline == f.inline for shown in fields)
    for (_, fields), s in zip(groups[len(reply.fields):], reply.sections, strict=True):
        assert_named_text_kept(s.heading, s.body, fields)
    if reply.suggestions:
        assert no_space("".join(f.value for f in tries)) == no_space(
            " · ".join(f"`{s}`" for s in reply.suggestions))
    footers = {_MARKER.sub("", p.footer.text or "") if len(pages) > 1 else p.footer.text or ""
               for p in pages}
    assert len(footers) == 1
    assert no_space(footers.pop() + "".join(f.value for f in sources)) == no_space(reply.footer)


def test_a_long_cjk_line_in_a_code_block_is_paged_not_hung() -> None:
    """`kb show` after a moderator set a 2,000-character summary without spaces: the old
    splitter never returned, and the bot stopped answering everyone."""
    data = "```yaml\nslug: mlops-engineer\nsummary: " + CJK[:2000] + "\nfocus: x\n```"
    reply = Reply(title="MLOps Engineer: raw data", lead="As this server sees it.",
                  sections=(Section("Data", data), Section("Edited on this server", "- summary")))
    pages = pages_checked(reply)
    assert_reply_kept(reply, pages)
    values = [f.value for p in pages for f in p.fields if f.name.startswith("Data")]
    assert len(values) == 3
    assert all(v.startswith("```yaml\n") and v.endswith("\n```") for v in values)


def test_a_ten_thousand_character_lead_without_spaces_goes_on_over_pages() -> None:
    reply = Reply(title="Role", lead=CJK, footer="-# Source: a moderator")
    pages = pages_checked(reply)
    assert len(pages) == 3
    assert "".join(p.description for p in pages) == CJK
    assert all(p.footer.text.endswith("Source: a moderator") for p in pages)


def test_a_long_heading_ends_with_an_ellipsis_and_goes_on_in_its_value() -> None:
    heading = "Machine Learning Platform Engineer " * 20
    reply = Reply(title="t", sections=(Section(heading, "body text"),))
    [page] = pages_checked(reply)
    [field] = page.fields
    assert field.name.endswith("…") and len(field.name) <= FIELD_NAME_LIMIT
    assert field.value.startswith("…") and field.value.endswith("\nbody text")
    assert no_space(field.name[:-1] + field.value[1:].removesuffix("body text")) == no_space(heading)


def test_a_long_title_without_spaces_keeps_whole_characters() -> None:
    pages = pages_checked(Reply(title="e\u0301" * 400, lead="x"))
    title = pages[0].title
    assert title.endswith("…") and len(title) <= TITLE_LIMIT
    assert title[:-1] == "e\u0301" * ((len(title) - 1) // 2)


def test_blank_values_keep_their_names_and_blank_footers_are_left_out() -> None:
    """A field with an empty value was dropped with its name; a footer of blank lines
    made reply_pages fail (split_message gave no chunk to take the first of)."""
    reply = Reply(title="t", lead="  ", fields=(Field("Median", ""),), footer="-# \n  ")
    [page] = pages_checked(reply)
    assert [(f.name, f.value) for f in page.fields] == [("Median", "\u200b")]
    assert page.footer.text is None


def test_many_sections_fill_pages_of_25_fields() -> None:
    reply = Reply(title="t", sections=tuple(Section(f"S{i}", f"v{i}") for i in range(80)))
    pages = pages_checked(reply)
    assert [len(p.fields) for p in pages] == [25, 25, 25, 5]
    assert_reply_kept(reply, pages)


_NAMES = st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="()"),
                 max_size=300)
_BODY = generated_text.map(lambda text: text[:3000])
_PLAIN = st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="`\\#"),
                 max_size=3000)


@st.composite
def replies(draw: st.DrawFn) -> Reply:
    """Any reply: names, bodies and footers of generated text, long and short."""
    fields = tuple(Field(f"F{i} " + draw(_NAMES), draw(_BODY), draw(st.booleans()))
                   for i in range(draw(st.integers(0, 5))))
    sections = tuple(Section(f"H{i} " + draw(_NAMES), draw(_BODY))
                     for i in range(draw(st.integers(0, 10))))
    suggestions = tuple(draw(st.lists(st.text(alphabet=string.ascii_letters + " !", min_size=1,
                                              max_size=40), max_size=6)))
    title = draw(st.one_of(_NAMES, st.builds(lambda c, n: c * n, st.sampled_from(["T", "语", "e\u0301"]),
                                             st.integers(200, 400))))
    footer = draw(st.one_of(_PLAIN, st.builds(lambda w, n: (w + " ") * n, st.sampled_from(["src", "来源"]),
                                              st.integers(300, 1500))))
    return Reply(title=title, lead=draw(generated_text), sections=sections, fields=fields,
                 footer=footer, suggestions=suggestions,
                 kind=draw(st.sampled_from(["answer", "help", "error", "decline"])))


@settings(max_examples=60, deadline=timedelta(seconds=HANG_SECONDS),
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(replies())
def test_any_reply_is_paged_within_every_limit_without_loss(reply: Reply) -> None:
    assert_reply_kept(reply, pages_checked(reply))
