"""Property-based tests of the parser and the whole core: any text a member can send.

For any Unicode text up to 10,000 characters (and for hostile mixes of commands, role
names, mentions, markdown, control characters and template syntax), the core must:
never raise; answer within Discord's limits (as messages and as embeds); never carry an
@everyone, @here or a user or role mention that could ping; and never evaluate template
syntax that came from the input.
"""

from __future__ import annotations

import re
import string

import discord
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from bot.core.advisor import Advisor, Request
from bot.core.chat import ChatEngine
from bot.core.commands import COMMANDS
from bot.core.moderation import Moderation
from bot.core.parsing import parse_command
from bot.core.reply import MESSAGE_LIMIT, Reply, render_text, split_message
from bot.discord_app import embeds as limits
from bot.discord_app.embeds import reply_pages
from bot.knowledge.build import build_database
from bot.knowledge.limits import text_chars
from bot.knowledge.store import KnowledgeStore
from tests.conftest import KNOWLEDGE_DIR
from tests.hang_budget import hang_budget
from tests.moderation_support import build, moderator, store_for

PINGS = re.compile(r"@(everyone|here)|<@[!&]?\d+>")
PROPERTY = settings(max_examples=120, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

FRAGMENTS = [
    "!", "!compare", "!COMPARE", "!vs", "!role", "!salary", "!skills", "!path", "!week",
    "!switch", "!roles", "!help", "!!", "/compare", "！ｃｏｍｐａｒｅ", "mlops", "pm", "ai pm",
    "MLOps Engineer", '"AI Product Manager"', "mlosp", "ml-ops", "xyzzy", "vs", ",", "and",
    "to", "from", "source:", "source:survey", "source:ai", '"', "'", "“", "”", "«", "»",
    "@everyone", "@here", "@ everyone", "<@123456789012345678>", "<@!123456789012345678>",
    "<@&123456789012345678>", "<#123456789012345678>", "@123456789012345678",
    "**bold**", "__u__", "`code`", "```", "||spoiler||", "> quote", "# heading", "- item",
    "1. item", "[link](http://x)", "\\", "\x1e", "\x1f", "\x00", "\u200b", "\u202e", "\n",
    "\t", "   ", "🙂", "é", "\u0301", "ß", "İ", "{{", "}}", "{%", "%}", "{#", "#}",
    "{{ part('title') }}", "{{ thresholds }}", "{{ config }}", "{{ self }}", "${x}", "%s",
]


@st.composite
def hostile_text(draw: st.DrawFn) -> str:
    """Command-like text built from pieces that have broken chat bots before."""
    pieces = draw(st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=12)),
                           max_size=40))
    joiners = draw(st.lists(st.sampled_from(["", " ", "  ", "\n"]), min_size=len(pieces),
                            max_size=len(pieces)))
    return "".join(p + j for p, j in zip(pieces, joiners, strict=True))


@st.composite
def long_text(draw: st.DrawFn) -> str:
    """Up to 10,000 characters: a hostile start repeated, then any Unicode."""
    head = draw(hostile_text())
    times = draw(st.integers(1, 400))
    return (head * times + draw(st.text(max_size=200)))[:10_000]


any_text = st.one_of(st.text(max_size=10_000), hostile_text(), long_text())


@st.composite
def template_attack(draw: st.DrawFn) -> tuple[str, list[str]]:
    """Text carrying template expressions, and what each would print if evaluated."""
    a = draw(st.integers(1000, 9999))
    b = draw(st.integers(1000, 9999))
    left = draw(st.text(alphabet="qxzjv", min_size=6, max_size=6))
    right = draw(st.text(alphabet="qxzjv", min_size=6, max_size=6))
    attacks = [
        (f"{{{{ {a}*{b} }}}}", str(a * b)),
        (f"{{{{ '{left}' ~ '{right}' }}}}", left + right),
        (f"{{% for i in range(3) %}}{left}{{% endfor %}}", left * 3),
        (f"{{{{ '{left}'|upper }}}}", left.upper()),
    ]
    chosen = draw(st.lists(st.sampled_from(attacks), min_size=1, max_size=4))
    prefix = draw(st.sampled_from(["", "!compare ", "!role ", "!salary ", "!help ", "!",
                                   "!compare mlops ", "what about "]))
    text = prefix + " ".join(attack for attack, _ in chosen)
    return text, [result for _, result in chosen]


@pytest.fixture(scope="module")
def core(tmp_path_factory: pytest.TempPathFactory) -> Advisor:
    """One advisor for every example: building a database per example would be slow."""
    db = tmp_path_factory.mktemp("properties") / "kb.db"
    build_database(KNOWLEDGE_DIR, db)
    advisor = Advisor(KnowledgeStore(db))
    yield advisor
    advisor.store.close()


def check_reply(reply: Reply) -> str:
    """Every Discord limit and no ping, in both forms a reply takes; returns the text."""
    assert isinstance(reply, Reply)
    text = render_text(reply)
    assert text.strip()
    messages = split_message(text)
    assert all(0 < len(m) <= MESSAGE_LIMIT for m in messages)
    assert not PINGS.search(text), text
    pages = reply_pages(reply)
    assert pages
    for embed in pages:
        check_embed(embed)
    return text


def check_embed(embed: discord.Embed) -> None:
    assert len(embed) <= limits.EMBED_TOTAL_LIMIT
    assert len(embed.title or "") <= limits.TITLE_LIMIT
    assert len(embed.description or "") <= limits.DESCRIPTION_LIMIT
    assert len(embed.fields) <= limits.FIELD_COUNT_LIMIT
    for field in embed.fields:
        assert 0 < len(field.name) <= limits.FIELD_NAME_LIMIT
        assert 0 < len(field.value) <= limits.FIELD_VALUE_LIMIT
        assert not PINGS.search(field.name + field.value)
    assert len(embed.footer.text or "") <= limits.FOOTER_LIMIT
    assert not PINGS.search(f"{embed.title}{embed.description}{embed.footer.text}")


@PROPERTY
@given(any_text, st.sampled_from(["!", "?", "careerbot ", "$$"]))
@example("!compare " + "a" * 9991, "!")
@example("@everyone " * 1000, "!")
@example("!role " + "<@&123456789012345678> " * 400, "!")
def test_parser_never_raises(text: str, prefix: str) -> None:
    parsed = parse_command(text, prefix)
    if parsed is not None:
        assert re.fullmatch(r"[a-z][a-z0-9_-]*", parsed.name)
        assert all(isinstance(s, str) and s for s in parsed.segments)


@PROPERTY
@given(any_text)
@example("!compare " + "mlops " * 1600)
@example("@here " + "x" * 9994)
@example("!role @everyone")
@example("!compare <@&123456789012345678> pm")
@example("!help " + "\x1esection\x1f" * 50)
def test_any_message_gets_a_safe_reply_within_limits(core: Advisor, text: str) -> None:
    check_reply(core.handle(Request(text=text, user_id="1", channel_id="2")))


@PROPERTY
@given(st.sampled_from([c.name for c in COMMANDS]),
       st.lists(st.one_of(st.none(), hostile_text(), st.text(max_size=200)), max_size=2))
def test_any_slash_options_get_a_safe_reply_within_limits(
        core: Advisor, name: str, roles: list[str | None]) -> None:
    check_reply(core.run(name, roles))


@PROPERTY
@given(any_text)
def test_autocomplete_never_raises_and_fits(core: Advisor, text: str) -> None:
    choices = core.autocomplete(text)
    assert len(choices) <= 25
    assert all(name and value in core.knowledge().roles for name, value in choices)


@PROPERTY
@given(template_attack())
def test_template_syntax_from_the_input_is_never_evaluated(
        core: Advisor, attack: tuple[str, list[str]]) -> None:
    text, results = attack
    reply_text = check_reply(core.handle(Request(text=text)))
    for result in results:
        assert result not in text  # the attack does not carry its own answer
        assert result not in reply_text, f"{text!r} was evaluated"


def test_echoed_template_syntax_shows_literally(core: Advisor) -> None:
    """Where the reply quotes the input, the braces are shown as typed."""
    text = render_text(core.handle(Request(text="!role {{ 6*7 }}")))
    assert "{{ 6\\*7 }}" in text or "{{ 6*7 }}" in text
    assert "42" not in text



# -- issue 10: a moderator's long text cannot hang the bot or be cut off ------------------------
#
# A moderator may set a summary up to the validators' limit; showing the role (`!role`, a
# plain question, `kb show`, whose YAML puts the summary on one line inside a code block when
# it has no spaces) once looped forever in split_message. Every reply must now come back
# within a hang budget, fit Discord as text and as embeds, and show the whole summary.

SUMMARY_LIMIT = text_chars("summary")
HANG_SECONDS = 20
_WORDS = st.one_of(
    st.text(alphabet=string.ascii_letters, min_size=1, max_size=12),
    st.text(alphabet=st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF), min_size=1,
            max_size=2000),
    st.builds(lambda c, n: c * n, st.sampled_from(["a", "语", "e\u0301", "👩\u200d💻"]),
              st.integers(1, 1000)),
)
#: One-line summaries of words (Latin, CJK without spaces, combining marks, emoji) with
#: single spaces: nothing Discord markdown or YAML would escape, so the whole summary can be
#: looked for in what is shown.
summaries = st.lists(_WORDS, min_size=1, max_size=40).map(
    lambda words: " ".join(words)[:SUMMARY_LIMIT].strip())


@pytest.fixture(scope="module")
def edited(tmp_path_factory: pytest.TempPathFactory) -> tuple[Advisor, Moderation]:
    """A bot whose moderators edit one server's overlay: advisor (with the chat engine) and
    moderation over one store, as `careerbot run` wires them."""
    db = build(tmp_path_factory.mktemp("summaries"))
    store = store_for(db)
    yield Advisor(store, chat=ChatEngine()), Moderation(store)
    store.close()


def shown_text(reply: Reply) -> str:
    """All a reply shows, as text and as embeds, with splitting's added fences and all
    whitespace taken out."""
    pages = reply_pages(reply)
    for embed in pages:
        check_embed(embed)
    messages = split_message(render_text(reply))
    assert all(0 < len(m) <= MESSAGE_LIMIT for m in messages)
    parts = list(messages)
    for embed in pages:
        parts += [embed.description or "", *(f.value for f in embed.fields)]
    return re.sub(r"```(?:yaml)?|\s", "", "\n".join(parts))


@settings(max_examples=15, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                 HealthCheck.function_scoped_fixture])
@given(summaries)
@example("语" * SUMMARY_LIMIT)
@example(("word " * SUMMARY_LIMIT)[:SUMMARY_LIMIT].strip())
def test_a_long_summary_is_shown_whole_and_never_hangs(
        edited: tuple[Advisor, Moderation], summary: str) -> None:
    advisor, moderation = edited
    guild = "42"
    with hang_budget(HANG_SECONDS):
        changed = moderation.set(moderator(guild), "mlops", [("summary", summary)])
        assert changed.kind != "error", render_text(changed)
        replies = [advisor.handle(Request(text=text, guild_id=guild, user_id="7", channel_id="8"))
                   for text in ("!role mlops", "tell me about mlops engineers")]
        replies.append(moderation.show(moderator(guild), "mlops"))
        wanted = re.sub(r"\s", "", summary)
        for reply in replies:
            assert wanted in shown_text(reply), reply.title
