"""Numbers in a message: salary amounts, percentiles, list positions, "top N", years.

They are told apart by their shape and the words around them: "150k", "$150,000" and
"making 180" are salaries; "75th", "p90" and "top 10%" are percentiles; "#2", "number 2",
"the second" and "3rd" (outside salary talk) are list positions; "top 8" is a list size;
"2024" is a year. Nothing here invents a number: every value was typed by the user.
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

_MONEY = re.compile(
    r"(?<![\w.])(\$\s?)?(\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?)\s?"
    r"(k\b|k(?=[$/])|grand\b|thousand\b|m\b|mil\b|million\b|mm\b)?(\s?\$|\s?usd\b|\s?dollars\b)?",
)
_PERCENTILE = re.compile(
    r"\b(?:p(\d{1,2})\b|(\d{1,2})(?:st|nd|rd|th)\s*(?:percentile|pct|%ile|perc)|"
    r"(\d{1,2})(?:st|nd|rd|th)\b|(top|bottom|upper|lower)\s+(\d{1,2})\s?(?:%|percent))",
)
_PERCENTILE_WORD = re.compile(r"\b(\d{1,2})\s*(?:percentile|%ile)")
_ORDINAL = re.compile(
    r"(?:#\s?|\bnumber\s|\bno\.?\s|\bnum\s|\brank\s)(\d{1,2})\b|\b(\d{1,2})(?:st|nd|rd|th)\b")
_TOP_N = re.compile(r"\b(?:top|first|best)\s+(\d{1,2}|" + "|".join(NUMBER_WORDS) + r")\b")
_YEAR = re.compile(r"\b(19[5-9]\d|20\d\d)\b")
_PERCENT = re.compile(r"\b(\d{1,3}(?:\.\d+)?)\s?(?:%|percent\b)")
_SALARY_CUE = re.compile(
    r"\b(?:making|make|makes|earn|earning|earns|paid|pay|pays|offered|offer|salary|"
    r"comp|getting|get|lowball|lowballed|base|at|is|for|of)\s+\$?$"
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


def _amount(number: str, unit: str | None, dollar: bool, before: str) -> int | None:
    value = float(number.replace(",", ""))
    unit = (unit or "").strip()
    if unit in ("k", "grand", "thousand"):
        value *= 1000
    elif unit in ("m", "mil", "million", "mm"):
        value *= 1_000_000
    elif value < 1000:
        # "making 180", "is 150 a lowball": hundreds read as thousands only after a
        # salary word (or a dollar sign), and only in a plausible range.
        if 30 <= value <= 999 and (dollar or _SALARY_CUE.search(before)):
            value *= 1000
        else:
            return None
    if value < 10_000 or value > 100_000_000:
        return None
    return round(value)


def parse_numbers(text: str, salary_context: bool) -> Numbers:
    """Find the numbers in normalised ``text``.

    ``salary_context`` says the message talks about pay, which lets a bare "180" be a
    salary and makes "the 75th" a percentile rather than the 75th item of a list.
    """
    percentiles: list[int] = []
    spans: list[tuple[int, int]] = []
    for m in _PERCENTILE.finditer(text):
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
    for m in _PERCENTILE_WORD.finditer(text):
        if int(m.group(1)) not in percentiles:
            percentiles.append(int(m.group(1)))
            spans.append(m.span())

    def taken(pos: int) -> bool:
        return any(a <= pos < b for a, b in spans)

    years = tuple(int(y) for y in _YEAR.findall(text))
    ordinal = None
    for m in _ORDINAL.finditer(text):
        if taken(m.start()):
            continue
        value = int(m.group(1) or m.group(2))
        if 1 <= value <= 50:
            ordinal = value
            spans.append(m.span())
            break
    if ordinal is None:
        for word, value in ORDINAL_WORDS.items():
            if re.search(rf"\b{word}\s+(?:skill|one|item|thing|on|in|entry|most|listed|spot)\b",
                         text) or re.search(rf"\bthe\s+{word}\s*(?:\?|$)", text):
                ordinal = value
                break
    top_n = None
    m = _TOP_N.search(text)
    if m and not taken(m.start()):
        raw = m.group(1)
        top_n = int(raw) if raw.isdigit() else NUMBER_WORDS[raw]
        spans.append(m.span())
    percents = []
    for m in _PERCENT.finditer(text):
        if not taken(m.start()):
            percents.append(float(m.group(1)))
            spans.append(m.span())
    amounts: list[int] = []
    for m in _MONEY.finditer(text):
        if taken(m.start()) or (m.group(2) and m.group(2).isdigit() and int(m.group(2)) in years
                                and not m.group(1) and not m.group(3)):
            continue
        dollar = bool(m.group(1) or m.group(4))
        if not dollar and not m.group(3) and not salary_context:
            continue
        amount = _amount(m.group(2), m.group(3), dollar, text[:m.start()])
        if amount is not None:
            amounts.append(amount)
    return Numbers(amounts=tuple(amounts), percentiles=tuple(percentiles), ordinal=ordinal,
                   top_n=top_n, years=years, percents=tuple(percents), spans=tuple(spans))
