"""Salary amounts as members type them: decimals, multipliers, grouping, currencies, periods.

Issue 10 (defect 6): "I make 1.5m" was read as $5M, because amounts were read from the
message's tokens ("1", "5m") rather than its text. These tests read amounts three ways:
the parser alone, the understanding of a whole message (which once split the number),
and the answer a member sees.
"""

from __future__ import annotations

import pytest

from bot.core.advisor import Advisor
from bot.core.chat.catalog import Catalog
from bot.core.chat.intents import understand
from bot.core.chat.normalize import clean_message
from bot.core.chat.numbers import parse_numbers
from bot.core.render import money
from bot.knowledge.files import load_knowledge_dir
from tests.chat.conftest import sayer, text
from tests.conftest import KNOWLEDGE_DIR


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return Catalog.build(load_knowledge_dir(KNOWLEDGE_DIR))


def amounts(message: str) -> tuple[int, ...]:
    return parse_numbers(clean_message(message).text, salary_context=True).amounts


# Each amount in the forms the issue lists, inside a sentence a member would type.
READ = [
    ("i make 1.5m", 1_500_000),
    ("I make 1.5M", 1_500_000),
    ("my salary is 1.5 million, is that good for a data scientist?", 1_500_000),
    ("offered 150.5k for mlops", 150_500),
    ("is $1,500,000 good for an ai pm", 1_500_000),
    ("they pay 1.5M USD for that??", 1_500_000),
    ("got offered 90 000 for data analyst", 90_000),
    ("got offered 90\u202f000 for data analyst", 90_000),  # narrow no-break space
    ("got offered 90\u2009000 for data analyst", 90_000),  # thin space
    ("i make 1.2 mil lol", 1_200_000),
    ("0.5m for an ai engineer, fair?", 500_000),
    ("$1,500,000.00 base", 1_500_000),
    ("150k/yr for mlops", 150_000),
    ("usd 150k for mlops", 150_000),
    ("salary: 180 for mlops", 180_000),
    ("making 180", 180_000),
]


@pytest.mark.parametrize("message, expected", READ)
def test_amounts_with_decimals_multipliers_and_grouping_are_read_whole(
        message: str, expected: int) -> None:
    assert amounts(message) == (expected,)


@pytest.mark.parametrize("message, expected", READ)
def test_a_message_is_understood_with_the_amount_typed(catalog: Catalog, message: str,
                                                       expected: int) -> None:
    """The whole pipeline (normalise, correct, understand), where "1.5m" became $5M."""
    u = understand(clean_message(message), catalog)
    assert u.numbers.amounts == (expected,)


def test_a_range_gives_both_ends() -> None:
    assert amounts("offer is 120k-150k for mlops") == (120_000, 150_000)
    assert amounts("120k to 150k") == (120_000, 150_000)


def test_a_self_stated_decimal_salary_is_the_members_salary(catalog: Catalog) -> None:
    u = understand(clean_message("i'm an mlops engineer making 1.5m"), catalog)
    assert u.self_role == "mlops-engineer"
    assert u.self_salary == 1_500_000


@pytest.mark.parametrize("message", [
    "is 1,5m good for mlops",       # a decimal comma: neither "1" nor "5m"
    "is $150,5k good for mlops",    # nor "150" read as thousands
    "i make 2.25k",                 # too small to be a year's pay
    "i make 1.5 billion",           # no such unit
    "i have 3 100k offers",         # "3 100" is not a grouping before a unit
])
def test_what_cannot_be_read_reliably_is_not_misread(message: str) -> None:
    found = amounts(message)
    assert 5_000_000 not in found and 150_000 not in found and 3_100_000 not in found
    assert all(a in (100_000,) for a in found), found


@pytest.mark.parametrize("message", [
    "i make €90k as an mlops engineer",
    "is £80k good for a data scientist",
    "offer is 90k eur",
    "€120k-150k for mlops",  # the mark on one end covers the range
    "90 000 € for a data analyst",
])
def test_another_currency_is_flagged_and_not_read_as_dollars(message: str) -> None:
    numbers = parse_numbers(clean_message(message).text, salary_context=True)
    assert numbers.foreign_currency
    assert numbers.amounts == ()


@pytest.mark.parametrize("message", [
    "offered 2.25k a week",
    "i make 12k a month as a data scientist",
    "making 50/hr",
    "$40 an hour for mlops",
    "120k-150k a month",
    "10k monthly",
])
def test_pay_per_week_month_or_hour_is_flagged_and_not_read_as_annual(message: str) -> None:
    numbers = parse_numbers(clean_message(message).text, salary_context=True)
    assert numbers.non_annual
    assert numbers.amounts == ()


def test_a_decimal_percent_is_read_whole(catalog: Catalog) -> None:
    u = understand(clean_message("is 9.5% remote right for mlops?"), catalog)
    assert u.numbers.percents == (9.5,)


# -- what a member sees -------------------------------------------------------------


@pytest.mark.parametrize("message", [
    "i make 1.5m as an mlops engineer",
    "im an mlops engineer making 1.5m, is that good?",
    "is 1.5m good for mlops?",
    "is 1.5 million a good salary for mlops",
])
def test_a_decimal_million_is_answered_as_typed(chat: Advisor, message: str) -> None:
    answer = text(sayer(chat)(message))
    assert "**$1.5M**" in answer
    assert "$5M" not in answer


def test_a_decimal_million_for_a_survey_role(chat: Advisor) -> None:
    answer = text(sayer(chat)("my salary is 1.5 million, is that good for a data scientist?"))
    assert "**$1.5M** is above the Data Scientist median" in answer
    assert "$5M" not in answer


def test_space_grouped_thousands_are_answered_as_typed(chat: Advisor) -> None:
    answer = text(sayer(chat)("got offered 90 000 for data analyst, fair?"))
    assert "**$90K**" in answer


@pytest.mark.parametrize("message", [
    "i make €90k as an mlops engineer, is that good?",
    "is £80k good for a data scientist",
])
def test_another_currency_gets_the_currency_note_not_a_dollar_comparison(
        chat: Advisor, message: str) -> None:
    answer = text(sayer(chat)(message))
    assert "in US dollars" in answer
    assert "$90K" not in answer and "$80K" not in answer


@pytest.mark.parametrize("message", [
    "offered 2.25k a week for mlops, is that good?",
    "i make 12k a month as a data scientist, is that good?",
])
def test_weekly_or_monthly_pay_gets_the_annual_note_not_a_comparison(
        chat: Advisor, message: str) -> None:
    answer = text(sayer(chat)(message))
    assert "annual salaries" in answer
    assert "$12K" not in answer and "$25K" not in answer and "$2.2K" not in answer


@pytest.mark.parametrize("value, shown", [
    (1_500_000, "$1.5M"), (1_250_000, "$1.25M"), (2_250_000, "$2.25M"), (1_000_000, "$1M"),
    (999_999, "$1M"), (999_400, "$999.4K"), (150_500, "$150.5K"), (150_000, "$150K"),
])
def test_amounts_are_shown_back_as_typed(value: int, shown: str) -> None:
    assert money(value) == shown


def test_a_quarter_million_is_not_rounded_away(chat: Advisor) -> None:
    answer = text(sayer(chat)("i make 1.25m as an mlops engineer"))
    assert "**$1.25M**" in answer


@pytest.mark.parametrize("text", ["3rd year btech student here", "2nd round interview tips",
                                  "my 1st job in data", "4th year phd"])
def test_an_ordinal_counting_something_else_is_no_list_position(text: str) -> None:
    numbers = parse_numbers(text, False)
    assert numbers.ordinal is None and numbers.percentiles == ()
