"""``!salary <role>`` with a survey cut, ``/salary``'s cut options, and the verdict that
reads medians as well as average ranges.

Expected figures are read from the committed cuts file (never copied into this file), and
every role is walked through each cut: the reply must either state a cell with its cut,
filters, n and source, or decline with the reason and the n (or what the survey holds).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import yaml

from bot.core.advisor import Advisor, Request
from bot.core.commands import find_command
from bot.core.parsing import parse_command
from bot.core.render import money
from bot.core.reply import render_text
from bot.core.verdict import THRESHOLDS
from bot.core.verdict import compute as verdict
from bot.knowledge.files import load_knowledge_dir
from bot.knowledge.survey_cuts import CUTS_DIR
from tests.conftest import KNOWLEDGE_DIR, repo_advisor, role_file

KNOWLEDGE = load_knowledge_dir(KNOWLEDGE_DIR)
CUTS = yaml.safe_load(sorted((KNOWLEDGE_DIR / CUTS_DIR).glob("*.yaml"))[-1]
                      .read_text(encoding="utf-8"))
SOURCE = KNOWLEDGE.sources[CUTS["source"]]
ROLES = sorted(KNOWLEDGE.roles)


@pytest.fixture(scope="module")
def advisor(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Advisor]:
    with repo_advisor(tmp_path_factory.mktemp("cuts"), chat=False) as advisor:
        yield advisor


@pytest.fixture(scope="module")
def ask(advisor: Advisor) -> Callable[[str], str]:
    return lambda text: render_text(advisor.handle(Request(text=text)))


def cell(slug: str, dim: str, value: str) -> dict:
    return CUTS["roles"][slug][dim][value]


def assert_states_cell(text: str, slug: str, dim: str, value: str, cut_words: str) -> None:
    """A reply stating a cell: its figures, the cut, the filters, n and the source's date."""
    c = cell(slug, dim, value)
    assert "withheld" not in c
    assert f"median **{money(c['median'])}**" in text
    assert money(c["p25"]) in text and money(c["p75"]) in text
    assert cut_words in text
    assert CUTS["dimensions"][dim]["filters"] in text
    assert f"{c['n']:,} survey responses" in text
    assert SOURCE.name in text and SOURCE.date in text


def assert_declines_with_n(text: str, slug: str, dim: str, value: str) -> None:
    c = cell(slug, dim, value)
    assert "withheld" in c
    if c["n"]:
        assert f"has {c['n']:,} response" in text and f"minimum of {CUTS['min_n']}" in text
    else:
        assert "has no" in text and f"at least {CUTS['min_n']}" in text
    assert "median **" not in text


def test_entry_level_cell(ask) -> None:
    assert_states_cell(ask("!salary ds level:entry"), "data-scientist", "level", "entry",
                       "entry level")


@pytest.mark.parametrize("word", ["uk", "gb", "UK", "britain"])
def test_country_aliases_name_the_same_cell(ask, word: str) -> None:
    assert_states_cell(ask(f"!salary mle country:{word}"), "machine-learning-engineer",
                       "country", "GB", "UK companies")


@pytest.mark.parametrize(("word", "code", "cut"), [("us", "US", "US companies"),
                                                   ("canada", "CA", "Canadian companies"),
                                                   ("ca", "CA", "Canadian companies")])
def test_other_country_aliases(ask, word: str, code: str, cut: str) -> None:
    assert_states_cell(ask(f"!salary data engineer country:{word}"), "data-engineer", "country",
                       code, cut)


def test_one_year(ask) -> None:
    assert_states_cell(ask("!salary de year:2024"), "data-engineer", "year", "2024",
                       "work year 2024")


@pytest.mark.parametrize("how", ["trend", "years", "year:trend"])
def test_trend_lists_every_year_with_n_and_says_it_is_no_forecast(ask, how: str) -> None:
    text = ask(f"!salary de {how}")
    for year in CUTS["dimensions"]["year"]["values"]:
        c = cell("data-engineer", "year", str(year))
        assert f"{year}: median {money(c['median'])}" in text
        assert f"n = {c['n']:,}" in text
    assert "not a market forecast" in text
    assert CUTS["dimensions"]["year"]["filters"] in text
    assert SOURCE.date in text


@pytest.mark.parametrize(("word", "value", "cut"), [("yes", "remote", "fully remote"),
                                                    ("no", "onsite", "on-site"),
                                                    ("onsite", "onsite", "on-site")])
def test_remote_cells(ask, word: str, value: str, cut: str) -> None:
    assert_states_cell(ask(f"!salary ds remote:{word}"), "data-scientist", "remote", value, cut)


def test_a_cell_below_the_minimum_is_declined_with_its_n(ask) -> None:
    assert_declines_with_n(ask("!salary mlops level:entry"), "mlops-engineer", "level", "entry")
    assert_declines_with_n(ask("!salary mlops country:uk"), "mlops-engineer", "country", "GB")


@pytest.mark.parametrize(("command", "valid"), [
    ("!salary ds level:wizard", ["entry", "mid", "senior", "executive"]),
    ("!salary ds remote:sometimes", ["yes", "no"]),
    ("!salary ds year:soon", ["2022", "2023", "2024", "trend"]),
])
def test_an_unknown_value_is_a_friendly_error_listing_the_valid_ones(
        advisor: Advisor, command: str, valid: list[str]) -> None:
    reply = advisor.handle(Request(text=command))
    text = render_text(reply)
    assert reply.kind == "error"
    for word in valid:
        assert word in text
    assert "Traceback" not in text


def test_a_country_not_in_the_data_is_declined_naming_what_is_held(ask) -> None:
    text = ask("!salary ds country:japan")
    assert "no Data Scientist figures for Japan" in text
    us = cell("data-scientist", "country", "US")
    assert f"US companies: median {money(us['median'])} (n = {us['n']:,})" in text


def test_seed_roles_keep_postings_primary_and_name_survey_cells(ask) -> None:
    plain = ask("!salary mlops")
    postings = role_file("mlops-engineer")["stats"][0]["salary"]
    assert money(postings["median"]) in plain  # the posting figures stay primary
    text = ask("!salary mlops level:senior")
    assert_states_cell(text, "mlops-engineer", "level", "senior", "senior level")
    assert "These are survey figures" in text and "job postings" in text


def test_the_slash_form_takes_the_same_options(advisor: Advisor) -> None:
    reply = advisor.run("salary", ["mle"], options={"country": "uk"})
    assert_states_cell(render_text(reply), "machine-learning-engineer", "country", "GB",
                       "UK companies")
    assert find_command("salary").options[1:] == ("level", "country", "year", "remote")


def test_bare_trend_word_is_an_option_only_after_a_role() -> None:
    parsed = parse_command("!salary data engineer trend", "!")
    assert parsed.segments == ("data engineer",) and parsed.options == {"year": "trend"}
    assert parse_command("!salary trend", "!").options == {}


def test_two_roles_with_a_cut_is_a_usage_error(advisor: Advisor) -> None:
    reply = advisor.handle(Request(text="!salary ds mle level:entry"))
    assert reply.kind == "error" and "one role at a time" in render_text(reply)


QUESTIONS = [("level", "entry", "level:entry"), ("country", "GB", "country:uk"),
             ("year", None, "trend"), ("remote", "onsite", "remote:no")]


@pytest.mark.parametrize("slug", ROLES)
@pytest.mark.parametrize(("dim", "value", "option"), QUESTIONS)
def test_every_role_through_every_cut_command(ask, slug: str, dim: str, value: str | None,
                                              option: str) -> None:
    """A figure with its cut, filters and n, or a decline with the reason and its n; never a
    generic profile or an empty section."""
    role = KNOWLEDGE.roles[slug]
    text = ask(f"!salary {role.handle} {option}")
    assert role.name in text
    assert "\n\n\n" not in text and not any(line.strip() in ("__", "-") for line in text.splitlines())
    if value is None:  # the trend: every year, published or withheld with its n
        for year in CUTS["dimensions"]["year"]["values"]:
            c = cell(slug, "year", str(year))
            assert (f"{year}: median {money(c['median'])}" if "withheld" not in c
                    else f"{year}: withheld, {c['withheld']}") in text
        assert "not a market forecast" in text
        return
    c = cell(slug, dim, value)
    if "withheld" in c:
        assert_declines_with_n(text, slug, dim, value)
    else:
        label = {"level": "entry level", "country": "UK companies", "remote": "on-site"}[dim]
        assert_states_cell(text, slug, dim, value, label)


# ---------------------------------------------------------------------------------------
# The verdict reads medians too (issue 13, item 5)


def test_seed_pair_close_ranges_but_far_medians_says_both(ask) -> None:
    """The seed pair: average-range midpoints within $5K, medians $27K apart."""
    mlops = role_file("mlops-engineer")["stats"][0]["salary"]
    pm = role_file("ai-product-manager")["stats"][0]["salary"]
    mid_gap = abs((mlops["avg_low"] + mlops["avg_high"]) / 2 - (pm["avg_low"] + pm["avg_high"]) / 2)
    median_gap = abs(mlops["median"] - pm["median"])
    assert mid_gap <= THRESHOLDS.pay_similar_usd < median_gap  # the case this is about
    for command in ("!compare mlops pm", "!salary mlops pm"):
        text = ask(command)
        assert "pay shouldn't decide" not in text, command
        assert "AI Product Manager" in text and money(median_gap) in text, command
        assert money(pm["median"]) in text and money(mlops["median"]) in text, command
        assert "average range" in text.lower(), command


def test_verdict_facts_for_the_seed_pair() -> None:
    a, b = KNOWLEDGE.roles["mlops-engineer"], KNOWLEDGE.roles["ai-product-manager"]
    v = verdict(a, a.stats[0], b, b.stats[0])
    assert v.pay_similar and v.pay_basis == "average range midpoint"
    assert v.median_lead is not None and v.median_lead.winner.slug == "ai-product-manager"
    assert v.median_lead.gap == abs(a.stats[0].salary.median - b.stats[0].salary.median)


def test_close_medians_still_say_pay_shouldnt_decide(tmp_path: Path) -> None:
    a = KNOWLEDGE.roles["mlops-engineer"]
    import dataclasses
    s = a.stats[0]
    close = dataclasses.replace(s, salary=dataclasses.replace(
        s.salary, median=s.salary.median + int(THRESHOLDS.pay_similar_usd) - 1))
    v = verdict(a, s, KNOWLEDGE.roles["ai-product-manager"], close)
    assert v.pay_similar and v.median_lead is None
