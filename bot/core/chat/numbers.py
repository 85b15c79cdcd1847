"""Numbers in a message: salary amounts, percentiles, list positions, "top N", years.

They are told apart by their shape and the words around them: "150k", "$150,000" and
"making 180" are salaries; "75th", "p90" and "top 10%" are percentiles; "#2", "number 2",
"the second" and "3rd" (outside salary talk) are list positions; "top 8" is a list size;
"2024" is a year. Nothing here invents a number: every value was typed by the user.

Amounts are read from the cleaned message text, not from its tokens: "1.5m" tokenises as
"1" and "5m", which once read as $5M. A decimal ("1.5m", "2.25k", "150.5k"), thousands
grouped by commas or spaces ("$1,500,000", "90 000") and a multiplier ("k", "m", "mil",
"million") are read together. What cannot be read as US-dollar annual pay is never read
as it: an amount marked with another currency ("€90k", "90k eur") or a period other than
a year ("12k a month", "50/hr") sets a flag instead, and then none of the message's
amounts is used, since one side of "€120k-150k" carries the mark for both. A decimal
comma ("1,5m") is not guessed at: neither "1" nor "5m" is read from it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

ORDINAL_WORDS = {
    "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6,
    "seventh": 7, "eighth": 8, "ninth": 9, "tenth": 10, "last": -1,
}
NUMBER_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
                "eight": 8, "nine": 9, "ten": 10}

#: Multipliers typed after an amount ("150k", "1.5m", "2 grand").
UNIT_MULTIPLIERS = {"k": 1_000, "grand": 1_000, "thousand": 1_000,
                    "m": 1_000_000, "mm": 1_000_000, "mil": 1_000_000, "million": 1_000_000}
#: The range of annual pay an amount must fall in to be read as one; outside it the
#: number is something else (a count, a typo, a joke) and is not read as pay.
MIN_SALARY_USD = 10_000
MAX_SALARY_USD = 100_000_000
#: "making 180": a bare number in this range after a salary word is read in thousands.
BARE_THOUSANDS = (30, 999)
_UNIT = r"(?:k|grand|thousand|mm|mil|million|m)\b"
_FOREIGN_MARK = r"[€£¥₹]"
_FOREIGN_WORD = r"(?:eur|euros?|gbp|pounds|inr|rupees?|cad|aud|yen|chf|sek|nok|pln)\b"
_MONEY = re.compile(
    # Not inside a word or a number: "1,5m" gives neither "1" nor "5m" (see below).
    r"(?<![\w.])(?<!\d,)"
    rf"(?P<pre>\$\s?|us\$\s?|usd\s?|(?P<pre_foreign>{_FOREIGN_MARK})\s?)?"
    r"(?P<number>"
    r"\d{1,3}(?:,\d{3})+(?:\.\d+)?"  # 1,500,000 and 1,500.50
    rf"|\d{{1,3}}(?: \d{{3}})+(?![\d.,]|\s?{_UNIT})"  # 90 000 (a space grouping, no unit)
    r"|\d+(?:\.\d+)?(?![.,]\d)"  # 150, 1.5 (and never the "1" of "1,5")
    r")"
    rf"(?:\s?(?P<unit>{_UNIT}))?"
    rf"(?P<post>\s?\$|\s?usd\b|\s?dollars\b|(?P<post_foreign>\s?{_FOREIGN_MARK}|\s?{_FOREIGN_WORD}))?",
)
#: A pay period other than a year right after an amount ("12k a month", "50/hr").
_NON_ANNUAL = re.compile(
    r"\s?(?:/\s?|\ba\s|\ban\s|\bper\s|\bevery\s|\beach\s)"
    r"(?:h|hr|hrs|hour|d|day|wk|w|week|mo|mos|mth|month|m)\b"
    r"|\s?(?:hourly|daily|weekly|biweekly|fortnightly|monthly)\b"
    r"|\s?(?:p/h|pcm)\b"
)
#: "3rd year", "2nd round": an ordinal that counts something else, not a list position.
_NOT_A_POSITION = (r"(?!\s+(?:year|years|yr|yrs|semester|grade|round|interview|job|attempt|time|"
                   r"gen|generation|month|week|day|place|party|degree)\b)")
_PERCENTILE = re.compile(
    r"\b(?:p(\d{1,2})\b|(\d{1,2})(?:st|nd|rd|th)\s*(?:percentile|pct|%ile|perc)|"
    r"(\d{1,2})(?:st|nd|rd|th)\b" + _NOT_A_POSITION
    + r"|(top|bottom|upper|lower)\s+(\d{1,2})\s?(?:%|percent))",
)
_PERCENTILE_WORD = re.compile(r"\b(\d{1,2})\s*(?:percentile|%ile)")
_ORDINAL = re.compile(
    r"(?:#\s?|\bnumber\s|\bno\.?\s|\bnum\s|\brank\s)(\d{1,2})\b|\b(\d{1,2})(?:st|nd|rd|th)\b"
    + _NOT_A_POSITION)
_TOP_N = re.compile(r"\b(?:top|first|best)\s+(\d{1,2}|" + "|".join(NUMBER_WORDS) + r")\b")
_YEAR = re.compile(r"\b(19[5-9]\d|20\d\d)\b")
_DIGIT = re.compile(r"\d")
_PERCENT = re.compile(r"\b(\d{1,3}(?:\.\d+)?)\s?(?:%|percent\b)")
_SALARY_CUE = re.compile(
    r"\b(?:making|make|makes|earn|earning|earns|paid|pay|pays|offered|offer|salary|"
    r"comp|getting|get|lowball|lowballed|base|at|is|for|of)[\s:=~]*$"
)


@dataclass(frozen=True, slots=True)
class Numbers:
    """The numbers found in one message."""

    amounts: tuple[int, ...] = ()
    percentiles: tuple[int, ...] = ()
    ordinal: int | None = None
    top_n: int | None = None
    years: tuple[int, ...] = ()
    percents: tuple[float, ...] = ()
    spans: tuple[tuple[int, int], ...] = field(default=())
    #: An amount was marked with a currency other than the dollar ("€90k"): the
    #: message's amounts are not read, since the figures held are US dollars.
    foreign_currency: bool = False
    #: An amount was given per hour, day, week or month ("12k a month"): the
    #: message's amounts are not read, since the figures held are annual.
    non_annual: bool = False


def _amount(number: str, unit: str | None, dollar: bool, before: str) -> int | None:
    """The annual amount ``number`` + ``unit`` stands for, or None when it is not pay."""
    grouped = number.replace(",", "").replace(" ", "")
    value = float(grouped)
    if unit:
        value *= UNIT_MULTIPLIERS[unit]
    elif value < 1000:
        # "making 180", "is 150 a lowball": hundreds read as thousands only after a
        # salary word (or a dollar sign), and only in a plausible range.
        low, high = BARE_THOUSANDS
        if low <= value <= high and (dollar or _SALARY_CUE.search(before)):
            value *= 1000
        else:
            return None
    if not MIN_SALARY_USD <= value <= MAX_SALARY_USD:
        return None
    return round(value)


def parse_numbers(text: str, salary_context: bool) -> Numbers:
    """Find the numbers in normalised ``text``.

    ``salary_context`` says the message talks about pay, which lets a bare "180" be a
    salary and makes "the 75th" a percentile rather than the 75th item of a list.
    """
    percentiles: list[int] = []
    spans: list[tuple[int, int]] = []
    # Every pattern but the ordinal words and "top N" needs a digit; most messages have
    # none, and their searches are skipped (they would find nothing).
    digits = _DIGIT.search(text) is not None
    for m in _PERCENTILE.finditer(text) if digits else ():
        if m.group(1):
            percentiles.append(int(m.group(1)))
        elif m.group(2):
            percentiles.append(int(m.group(2)))
        elif m.group(3):
            value = int(m.group(3))
            # "the 2nd" is a list position; "the 75th" in salary talk is a percentile.
            if value >= 10 and (salary_context or value in (25, 50, 75, 90, 95, 99)):
                percentiles.append(value)
            else:
                continue
        else:
            side, value = m.group(4), int(m.group(5))
            percentiles.append(100 - value if side in ("top", "upper") else value)
        spans.append(m.span())
    for m in _PERCENTILE_WORD.finditer(text) if digits else ():
        if int(m.group(1)) not in percentiles:
            percentiles.append(int(m.group(1)))
            spans.append(m.span())

    def taken(pos: int) -> bool:
        return any(a <= pos < b for a, b in spans)

    years = tuple(int(y) for y in _YEAR.findall(text)) if digits else ()
    ordinal = None
    for m in _ORDINAL.finditer(text) if digits else ():
        if taken(m.start()):
            continue
        value = int(m.group(1) or m.group(2))
        if 1 <= value <= 50:
            ordinal = value
            spans.append(m.span())
            break
    if ordinal is None:
        for word, value in ORDINAL_WORDS.items():
            if word not in text:
                continue  # both patterns need the word: most messages name none
            if re.search(rf"\b{word}\s+(?:skill|one|item|thing|on|in|entry|most|listed|spot)\b",
                         text) or re.search(rf"\bthe\s+{word}\s*(?:\?|$)", text):
                ordinal = value
                break
    top_n = None
    top = _TOP_N.search(text)
    if top and not taken(top.start()):
        raw = top.group(1)
        top_n = int(raw) if raw.isdigit() else NUMBER_WORDS[raw]
        spans.append(top.span())
    percents = []
    for m in _PERCENT.finditer(text) if digits else ():
        if not taken(m.start()):
            percents.append(float(m.group(1)))
            spans.append(m.span())
    amounts: list[int] = []
    foreign = non_annual = False
    for m in _MONEY.finditer(text) if digits else ():
        number, unit = m.group("number"), m.group("unit")
        marked = bool(m.group("pre") or m.group("post"))
        if taken(m.start()) or (number.isdigit() and int(number) in years
                                and not marked and not unit):
            continue
        if not marked and not unit and not salary_context:
            continue
        amount = _amount(number, unit, marked, text[:m.start()])
        if amount is None and not (unit or marked):
            continue  # not money at all ("3 a week")
        if m.group("pre_foreign") or m.group("post_foreign"):
            foreign = True
        if _NON_ANNUAL.match(text, m.end()):
            non_annual = True  # "2.25k a week" too, though no salary is that small
        if amount is not None:
            amounts.append(amount)
    if foreign or non_annual:
        amounts = []  # not read as US-dollar annual pay; see the module docstring
    return Numbers(amounts=tuple(amounts), percentiles=tuple(percentiles), ordinal=ordinal,
                   top_n=top_n, years=years, percents=tuple(percents), spans=tuple(spans),
                   foreign_currency=foreign, non_annual=non_annual)
