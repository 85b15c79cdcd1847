"""Chat questions answered from the salary survey's cuts (bot/core/chat/pay_cuts.py).

Every role is asked "entry-level X salary", "X salary in the UK" and "is X pay going up";
each answer must state the cell with its cut, filters, n and source, or decline with the
reason and the n (or what the survey holds), never fall back to a generic profile or
show an empty section. Expected figures come from the committed cuts file.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import yaml

from bot.core.advisor import Advisor, Request
from bot.core.render import money
from bot.core.reply import Reply, render_text
from bot.knowledge.files import load_knowledge_dir
from bot.knowledge.survey_cuts import CUTS_DIR
from tests.conftest import KNOWLEDGE_DIR, repo_advisor

KNOWLEDGE = load_knowledge_dir(KNOWLEDGE_DIR)
CUTS = yaml.safe_load(sorted((KNOWLEDGE_DIR / CUTS_DIR).glob("*.yaml"))[-1]
                      .read_text(encoding="utf-8"))
SOURCE = KNOWLEDGE.sources[CUTS["source"]]
ROLES = sorted(KNOWLEDGE.roles)
YEARS = [str(y) for y in CUTS["dimensions"]["year"]["values"]]


@pytest.fixture(scope="module")
def chat(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Advisor]:
    with repo_advisor(tmp_path_factory.mktemp("pay-cuts")) as advisor:
        yield advisor


@pytest.fixture
def say(chat: Advisor, request: pytest.FixtureRequest) -> Callable[[str], Reply]:
    """One fresh conversation per test (its own user id)."""
    user = request.node.name
    return lambda text: chat.handle(Request(text=text, user_id=user, channel_id="c"))


def cell(slug: str, dim: str, value: str) -> dict:
    return CUTS["roles"][slug][dim][value]


def assert_no_empty_section(text: str) -> None:
    assert "\n\n\n" not in text
    lines = text.splitlines()
    for i, line in enumerate(lines):
        assert line.strip() not in ("-", "__", "**"), text
        if line.rstrip().endswith(":") and line.strip():
            assert i + 1 < len(lines) and lines[i + 1].strip(), text


def assert_states(reply: Reply, slug: str, dim: str, value: str, cut_label: str) -> None:
    text = render_text(reply)
    c = cell(slug, dim, value)
    assert reply.kind == "answer", text
    assert f"median **{money(c['median'])}**" in text
    assert cut_label in text and CUTS["dimensions"][dim]["filters"] in text
    assert f"n = {c['n']:,}" in text
    assert SOURCE.name in text and SOURCE.date in text


def assert_declines_cell(reply: Reply, slug: str, dim: str, value: str) -> None:
    text = render_text(reply)
    c = cell(slug, dim, value)
    assert reply.kind == "decline", text
    if c["n"]:
        assert f"{c['n']:,} response" in text and f"minimum of {CUTS['min_n']}" in text
    else:
        assert "has no" in text
        assert f"at least {CUTS['min_n']}" in text


@pytest.mark.parametrize("slug", ROLES)
def test_every_role_entry_level(say, slug: str) -> None:
    role = KNOWLEDGE.roles[slug]
    reply = say(f"entry-level {role.name.lower()} salary")
    text = render_text(reply)
    assert role.name in text
    assert_no_empty_section(text)
    if "withheld" in cell(slug, "level", "entry"):
        assert_declines_cell(reply, slug, "level", "entry")
        held = [v for v, c in CUTS["roles"][slug]["level"].items() if "withheld" not in c]
        for value in held:  # what it holds instead
            assert money(cell(slug, "level", value)["median"]) in text
    else:
        assert_states(reply, slug, "level", "entry", "entry level")


@pytest.mark.parametrize("slug", ROLES)
def test_every_role_in_the_uk(say, slug: str) -> None:
    role = KNOWLEDGE.roles[slug]
    reply = say(f"{role.name.lower()} salary in the UK")
    text = render_text(reply)
    assert role.name in text
    assert_no_empty_section(text)
    if "withheld" in cell(slug, "country", "GB"):
        assert_declines_cell(reply, slug, "country", "GB")
    else:
        assert_states(reply, slug, "country", "GB", "UK companies")


@pytest.mark.parametrize("slug", ROLES)
def test_every_role_is_pay_going_up(say, slug: str) -> None:
    role = KNOWLEDGE.roles[slug]
    reply = say(f"is {role.name.lower()} pay going up")
    text = render_text(reply)
    assert role.name in text
    assert_no_empty_section(text)
    published = [y for y in YEARS if "withheld" not in cell(slug, "year", y)]
    for year in published:
        c = cell(slug, "year", year)
        assert f"{year} **{money(c['median'])}** (n = {c['n']:,})" in text or \
            f"{year}, median **{money(c['median'])}** (n = {c['n']:,})" in text
    if len(published) >= 2:
        assert reply.kind == "answer"
        assert "not a market forecast" in text
        assert CUTS["dimensions"]["year"]["filters"] in text
    else:
        assert reply.kind == "decline"
        for year in set(YEARS) - set(published):
            assert f"{year} has n = {cell(slug, 'year', year)['n']}" in text or \
                f"{year} n = {cell(slug, 'year', year)['n']}" in text
    if published:
        assert SOURCE.date in text


@pytest.mark.parametrize("message", [
    "entry level data scientist salary", "what do junior data scientists make",
    "new grad data scientist pay", "how much does an entry-level ds earn",
])
def test_entry_level_phrasings(say, message: str) -> None:
    assert_states(say(message), "data-scientist", "level", "entry", "entry level")


@pytest.mark.parametrize("message", [
    "how much do ml engineers make in the uk", "mle salary in britain",
    "what do machine learning engineers earn in the u.k.?", "uk ml engineer pay",
])
def test_uk_phrasings(say, message: str) -> None:
    assert_states(say(message), "machine-learning-engineer", "country", "GB", "UK companies")


@pytest.mark.parametrize("message", [
    "are data engineer salaries going up?", "data engineer pay trend",
    "how has data engineer pay changed over the years", "de salary by year",
])
def test_trend_phrasings(say, message: str) -> None:
    reply = say(message)
    text = render_text(reply)
    assert reply.kind == "answer"
    for year in YEARS:
        assert money(cell("data-engineer", "year", year)["median"]) in text
    assert "not a market forecast" in text


@pytest.mark.parametrize("message", [
    "senior mle pay", "what do senior machine learning engineers make",
    "sr ml engineer salary",
])
def test_senior_phrasings(say, message: str) -> None:
    assert_states(say(message), "machine-learning-engineer", "level", "senior", "senior level")


@pytest.mark.parametrize("message", [
    "remote vs onsite pay for data analysts", "do remote data analysts earn less",
    "data analyst salary remote or on site",
])
def test_remote_vs_onsite(say, message: str) -> None:
    reply = say(message)
    text = render_text(reply)
    assert reply.kind == "answer", text
    for value in ("remote", "onsite"):
        c = cell("data-analyst", "remote", value)
        assert money(c["median"]) in text and f"n = {c['n']:,}" in text
    assert "fully remote" in text and "on-site" in text


def test_a_forecast_is_declined_with_the_years_held(say) -> None:
    reply = say("will data engineer pay rise next year?")
    text = render_text(reply)
    assert reply.kind == "decline" and "no forecast" in text
    assert money(cell("data-engineer", "year", "2024")["median"]) in text


def test_a_country_not_in_the_data_is_declined(say) -> None:
    reply = say("data scientist salary in japan")
    text = render_text(reply)
    assert reply.kind == "decline" and "Japan" in text
    assert money(cell("data-scientist", "country", "US")["median"]) in text


def test_level_and_country_at_once_is_declined_with_both_cells(say) -> None:
    reply = say("entry level data scientist salary in the uk")
    text = render_text(reply)
    assert reply.kind == "decline" and "one way at a time" in text
    assert money(cell("data-scientist", "level", "entry")["median"]) in text
    assert money(cell("data-scientist", "country", "GB")["median"]) in text


def test_a_level_in_the_us_is_the_level_cell(say) -> None:
    """The level cut keeps US companies, so naming the US asks for the same cell."""
    assert_states(say("what do senior data engineers make in the us"), "data-engineer",
                  "level", "senior", "senior level")


def test_a_follow_up_names_another_country(say) -> None:
    say("how much do data scientists make in the us")
    assert_states(say("and in canada?"), "data-scientist", "country", "CA",
                  "Canadian companies")


@pytest.mark.parametrize(("message", "intent_words"), [
    ("how senior are data scientists", "senior"),  # the experience mix, not pay
    ("is 150k good for a senior data scientist", "150K"),  # a salary check
    ("data scientist salary in london", "city"),  # a city: still not held
])
def test_other_questions_keep_their_answers(say, message: str, intent_words: str) -> None:
    text = render_text(say(message))
    assert "Cut:" not in text
    assert intent_words.lower() in text.lower()


def test_nothing_is_echoed_or_executed(say) -> None:
    text = render_text(say("{{ 7*7 }} entry level data scientist salary <@123>"))
    assert "49" not in text and "{{" not in text and "<@" not in text
    assert money(cell("data-scientist", "level", "entry")["median"]) in text


def test_the_vocabulary_file_is_validated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from bot.core import cut_words

    bad = tmp_path / "cut_words.yaml"
    data = yaml.safe_load(cut_words.WORDS_FILE.read_text(encoding="utf-8"))
    data["countries"]["CA"]["words"].append("uk")  # one word naming two countries
    bad.write_text(yaml.safe_dump(data), encoding="utf-8")
    monkeypatch.setattr(cut_words, "WORDS_FILE", bad)
    cut_words.words.cache_clear()
    try:
        with pytest.raises(ValueError, match="names both"):
            cut_words.words()
    finally:
        monkeypatch.undo()
        cut_words.words.cache_clear()


# -- issue 12: real questions about pay by survey cut -------------------------------------


def assert_side_by_side(reply: Reply, slug: str, dim: str, values: list[str],
                        names: list[str]) -> None:
    """Every value named gets its own line: its name, its median and its n, so that no
    value is dropped for the first one (the bug: only the first level was answered)."""
    text = render_text(reply)
    assert reply.kind == "answer", text
    for value, name in zip(values, names, strict=True):
        c = cell(slug, dim, value)
        line = re.search(rf"^- {re.escape(name)}: median \*\*{re.escape(money(c['median']))}\*\*"
                         rf"[^\n]*\(n = {c['n']:,} responses", text, re.M)
        assert line, (name, text)
    assert CUTS["dimensions"][dim]["filters"] in text
    assert SOURCE.name in text and SOURCE.date in text
    a, b = (cell(slug, dim, v)["median"] for v in values[:2])
    if len(values) == 2:  # the gap of the two medians, said once
        assert f"**{money(abs(a - b))}** higher" in text


@pytest.mark.parametrize(("message", "values"), [
    ("do senior data engineers earn much more than junior ones", ["senior", "entry"]),
    ("entry level vs senior data engineer salary", ["entry", "senior"]),
    ("whats the pay difference between a mid level and a senior data engineer",
     ["mid", "senior"]),
    ("how does a new grad data engineer's pay compare to a senior one", ["entry", "senior"]),
    ("data engineer salary: juniors, mid level and seniors", ["entry", "mid", "senior"]),
])
def test_two_levels_are_answered_side_by_side(say, message: str, values: list[str]) -> None:
    names = [f"{v} level" for v in values]
    assert_side_by_side(say(message), "data-engineer", "level", values, names)


@pytest.mark.parametrize(("message", "values"), [
    ("ml engineer pay in the uk vs canada", ["GB", "CA"]),
    ("machine learning engineer salary: canada or the us?", ["CA", "US"]),
    ("do ml engineers earn more in the us than in canada", ["US", "CA"]),
    ("mle salary us vs uk", ["US", "GB"]),
])
def test_two_countries_are_answered_side_by_side(say, message: str, values: list[str]) -> None:
    from bot.core import cut_words

    names = [f"companies in {cut_words.place(v)}" for v in values]
    assert_side_by_side(say(message), "machine-learning-engineer", "country", values, names)


@pytest.mark.parametrize(("message", "values"), [
    ("data scientist salary 2022 vs 2024", ["2022", "2024"]),
    ("how did data scientist pay in 2023 compare with 2024", ["2023", "2024"]),
    ("did ds salaries go down from 2023 to 2024?", ["2023", "2024"]),
])
def test_two_years_are_answered_side_by_side(say, message: str, values: list[str]) -> None:
    assert_side_by_side(say(message), "data-scientist", "year", values,
                        [f"work year {v}" for v in values])


def test_a_year_not_held_beside_one_held_names_the_years_held(say) -> None:
    reply = say("did data analyst pay rise between 2024 and 2019")
    text = render_text(reply)
    assert "work year 2019: not held" in text and "no figure" in text
    for year in YEARS:
        c = cell("data-analyst", "year", year)
        assert f"work year {year} median {money(c['median'])} (n = {c['n']:,})" in text


@pytest.mark.parametrize("message", [
    "are data engineer salaries flattening out?", "did data engineer pay drop lately",
    "has data engineer pay stagnated", "are de salaries falling", "data engineer pay going down?",
    "have data engineer salaries plateaued over the years", "did data engineer wages fall",
    "data engineer salaries declining?",
])
def test_trend_words_ask_for_the_year_by_year_medians(say, message: str) -> None:
    reply = say(message)
    text = render_text(reply)
    assert reply.kind == "answer", text
    for year in YEARS:
        c = cell("data-engineer", "year", year)
        assert f"{year} **{money(c['median'])}** (n = {c['n']:,})" in text, text
    assert "survey responses by year, not a market forecast" in text


@pytest.mark.parametrize("message", [
    "is a pay drop normal when moving into data engineering as a data engineer",
    "will i take a pay cut becoming a data engineer",
])
def test_a_members_own_pay_drop_is_not_a_trend(say, message: str) -> None:
    assert "by work year" not in render_text(say(message))


@pytest.mark.parametrize(("message", "slug"), [
    ("what do mlops engineers actually get paid in 2026", "mlops-engineer"),
    ("mlops engineer salary 2026", "mlops-engineer"),
    ("how much does an ai product manager earn in 2026?", "ai-product-manager"),
    ("ai pm pay in 2026", "ai-product-manager"),
])
def test_another_sources_snapshot_year_is_answered_from_it(say, message: str, slug: str) -> None:
    role = KNOWLEDGE.roles[slug]
    snap = next(s for s in role.stats if s.as_of.startswith("2026"))
    reply = say(message)
    text = render_text(reply)
    assert reply.kind == "answer", text
    assert f"**{money(snap.salary.median)}**" in text
    assert snap.source.name in text and "2026" in text
    assert "not work year 2026" not in text


def test_a_year_no_source_holds_is_still_declined(say) -> None:
    reply = say("data scientist salary in 2019")
    assert reply.kind == "decline"
    assert "not work year 2019" in render_text(reply)


@pytest.mark.parametrize(("message", "slug", "value"), [
    ("data engineer salary in canada?", "data-engineer", "CA"),
    ("what do ml engineers make in the uk", "machine-learning-engineer", "GB"),
    ("how much do data scientists earn in canada", "data-scientist", "CA"),
    ("canadian data engineer pay", "data-engineer", "CA"),
])
def test_a_country_cut_names_the_country(say, message: str, slug: str, value: str) -> None:
    from bot.core import cut_words

    text = render_text(say(message))
    c = cell(slug, "country", value)
    place = cut_words.place(value)
    assert re.search(rf"companies in {re.escape(place)}: median \*\*{re.escape(money(c['median']))}",
                     text), text
    assert cut_words.label("country", value) in text  # the Cut line keeps the label


def test_dimension_names_are_validated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from bot.core import cut_words

    bad = tmp_path / "cut_words.yaml"
    data = yaml.safe_load(cut_words.WORDS_FILE.read_text(encoding="utf-8"))
    del data["chat"]["dimension_names"]["year"]
    data["chat"]["trend_phrases"].append("Flat")
    bad.write_text(yaml.safe_dump(data), encoding="utf-8")
    monkeypatch.setattr(cut_words, "WORDS_FILE", bad)
    cut_words.words.cache_clear()
    try:
        with pytest.raises(ValueError, match="trend_phrases"):
            cut_words.words()
        data["chat"]["trend_phrases"].remove("Flat")
        bad.write_text(yaml.safe_dump(data), encoding="utf-8")
        cut_words.words.cache_clear()
        with pytest.raises(ValueError, match="dimension_names"):
            cut_words.words()
    finally:
        monkeypatch.undo()
        cut_words.words.cache_clear()


@pytest.mark.parametrize(("message", "slug"), [
    ("entry salary for data analysts", "data-analyst"),
    ("ml engineer entry pay", "machine-learning-engineer"),
    ("what's a data engineer's entry salary", "data-engineer"),
])
def test_entry_alone_before_pay_is_the_entry_level_cut(say: Callable[[str], Reply], message: str,
                                                        slug: str) -> None:
    # "entry" next to a pay word asks for the entry level, as "entry level" does; before,
    # it was declined as pay for one level although the survey's cut holds it.
    assert_states(say(message), slug, "level", "entry", "entry level")
