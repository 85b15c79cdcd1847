"""The limits of ``bot.knowledge.limits``, as the shared validators and safe parsers enforce
them: every refusal names the field and the limit, and no value makes them raise."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
import yaml

from bot.knowledge import edits
from bot.knowledge import safe_parse as sp
from bot.knowledge.changes import Change, ChangeError, PathChecker
from bot.knowledge.limits import (
    MAX_COUNT,
    MAX_ID,
    MAX_NESTING_DEPTH,
    MAX_NUMBER_DIGITS,
    MAX_SALARY,
    item_chars,
    list_items,
    text_chars,
)
from bot.knowledge.models import Source
from bot.knowledge.planners import parse_entry_id
from bot.knowledge.validation import Checker, parse_faq, parse_role, parse_stats, shown
from tests.moderation_support import build, moderator, source_id

LOADERS = [pytest.param(sp.PureLoader, id="pure")]
if hasattr(yaml, "CSafeLoader"):
    LOADERS.append(pytest.param(sp.CLoader, id="libyaml"))


SOURCE = Source("s", "S", "job postings", "2026")


def figure_problems(**figures: object) -> list[str]:
    """What the stats validator says about one snapshot with ``figures``."""
    check = Checker("f")
    parse_stats([{"source": "s", "as_of": "2026", **figures}], {"s": SOURCE}, check)
    return check.problems


# -- figures: finite and within range ------------------------------------------------------


@pytest.mark.parametrize(("figures", "expected"), [
    ({"salary": {"median": math.inf}}, "stats[0].salary.median: inf is not a finite number"),
    ({"salary": {"median": -math.inf}}, "stats[0].salary.median: -inf is not a finite number"),
    ({"salary": {"median": math.nan}}, "stats[0].salary.median: nan is not a finite number"),
    ({"remote_pct": math.nan}, "stats[0].remote_pct: nan is not a finite number"),
    ({"salary": {"median": MAX_SALARY + 1}},
     f"salary.median: {MAX_SALARY + 1} is above the limit for a salary, {MAX_SALARY:,} a year"),
    ({"open_positions": MAX_COUNT + 1},
     f"open_positions: {MAX_COUNT + 1} is above the limit for a count, {MAX_COUNT:,}"),
    ({"salary": {"n": 10**5000}}, "salary.n: a number of about 5,001 digits is above the limit"),
    ({"remote_pct": 140}, "remote_pct: 140 is not a percentage (0 to 100)"),
])
def test_figures_are_finite_and_in_range(figures: dict, expected: str) -> None:
    found = figure_problems(**figures)
    assert any(expected in p for p in found), found


def test_figures_at_the_limits_are_accepted() -> None:
    assert figure_problems(salary={"median": MAX_SALARY, "n": MAX_COUNT}, remote_pct=100,
                           open_positions=0) == []


# -- dates that exist -----------------------------------------------------------------------


@pytest.mark.parametrize(("value", "expected"), [
    ("2025-02-30", "'2025-02-30' is not a date that exists"),
    ("2025-13", "'2025-13' is not a date that exists"),
    ("2025-00-10", "'2025-00-10' is not a date that exists"),
    ("1800", "'1800' is not a date from 1900 to 2100"),
    ("2026\n", "'2026\\n' is not a date (YYYY, YYYY-MM or YYYY-MM-DD)"),
    ("２０２６", "'２０２６' is not a date (YYYY, YYYY-MM or YYYY-MM-DD)"),  # full-width digits
    (["2026"], "a list is not a date"),
])
def test_dates_must_exist(value: object, expected: str) -> None:
    found = figure_problems(as_of=value)
    assert any(f"stats[0].as_of: {expected}" in p for p in found), found


@pytest.mark.parametrize("value", ["2024", "2024-02", "2024-02-29", 2026])
def test_real_dates_are_accepted(value: object) -> None:
    assert figure_problems(as_of=value) == []


# -- text: valid Unicode, bounded length ---------------------------------------------------


def faq_problems(**fields: object) -> list[str]:
    check = PathChecker(rename={"faq[0]": ""})
    parse_faq({"faq": [{"question": "Q?", "answer": "A.", **fields}]}, {}, check)
    return [str(p) for p in check.items]


@pytest.mark.parametrize(("fields", "expected"), [
    ({"question": "what is \ud800 this?"},
     "question: contains a lone surrogate (U+D800), which is not valid Unicode"),
    ({"answer": "nul \x00 here"}, "answer: contains a NUL character"),
    ({"tags": ["ok", "\udfff"]}, "tags[1]: contains a lone surrogate (U+DFFF)"),
    ({"question": "q" * 301}, f"question: is 301 characters; the limit is {text_chars('question')}"),
    ({"answer": "a " * 1500}, "answer: is 2,999 characters; the limit is 2,000"),
    ({"tags": [f"t{i}" for i in range(21)]}, f"tags: has 21 items; the limit is {list_items('tags')}"),
    ({"tags": ["x" * 41]}, f"tags[0]: is 41 characters; the limit is {item_chars('tags')}"),
])
def test_faq_texts_are_valid_unicode_and_bounded(fields: dict, expected: str) -> None:
    found = faq_problems(**fields)
    assert any(expected in p for p in found), found


def role_problems(fields: dict) -> list[str]:
    check = PathChecker()
    parse_role({"slug": "x", "name": "X", **fields}, "x.yaml", {}, check)
    return [str(p) for p in check.items]


@pytest.mark.parametrize(("fields", "expected"), [
    ({"name": "N" * 81}, "name: is 81 characters; the limit is 80"),
    ({"focus": "f" * 301}, "focus: is 301 characters; the limit is 300"),
    ({"summary": "s" * 2001}, "summary: is 2,001 characters; the limit is 2,000"),
    ({"aliases": ["a" * 61]}, "aliases[0]: is 61 characters; the limit is 60"),
    ({"aliases": [f"a{i}" for i in range(51)]}, "aliases: has 51 items; the limit is 50"),
    ({"metros": ["m" * 501]}, "metros[0]: is 501 characters; the limit is 500"),
    ({"career": {"ceiling": "c" * 2001}}, "career.ceiling: is 2,001 characters; the limit is 2,000"),
    ({"name": "bad \ud800"}, "name: contains a lone surrogate"),
    ({1: "x"}, "1: is not a known field"),
    ({"\ud800": "x"}, "'\\ud800': is not a known field"),
])
def test_role_fields_are_bounded(fields: dict, expected: str) -> None:
    found = role_problems(fields)
    assert any(expected in p for p in found), found


def test_problem_messages_quote_any_value_without_failing() -> None:
    assert shown(10**5000).startswith("a number of about 5,001 digits")
    assert shown("x" * 10_000).endswith("…'") and len(shown("x" * 10_000)) < 70
    assert shown("\ud800") == "'\\ud800'"
    assert shown({"a": 1}) == "a mapping"


# -- the role-add path obeys the limits role.set does (issue 10, defect 1) -----------------


@pytest.mark.parametrize("document", [
    {"slug": "long-role", "name": "L" * 50_000},
    {"slug": "long-role", "name": "Long Role", "focus": "f" * 50_000},
])
def test_role_add_applies_the_name_and_focus_limits(tmp_path: Path, document: dict) -> None:
    db = build(tmp_path)
    before = db.read_bytes()
    with pytest.raises(ChangeError) as refused:
        edits.apply_change(db, moderator(), Change("role.add", {"document": document}))
    field = "name" if len(document["name"]) > 80 else "focus"
    limit = text_chars(field)
    assert [p.path for p in refused.value.problems] == [field]
    assert f"is 50,000 characters; the limit is {limit}" in str(refused.value)
    assert db.read_bytes() == before


def test_an_alias_obeys_the_alias_limits(tmp_path: Path) -> None:
    db = build(tmp_path)
    before = db.read_bytes()
    for alias, expected in (("a" * 61, "is 61 characters; the limit is 60"),
                            ("bad \ud800", "lone surrogate")):
        with pytest.raises(ChangeError, match=expected):
            edits.apply_change(db, moderator(), Change("alias.add", {"role": "mlops-engineer",
                                                                     "alias": alias}))
    assert db.read_bytes() == before


def test_huge_numbers_and_dates_never_reach_sqlite(tmp_path: Path) -> None:
    db = build(tmp_path)
    before = db.read_bytes()
    cases = [
        ({"salary.median": math.inf}, "2026", "inf is not a finite number"),
        ({"salary.median": 10**30}, "2026", "is above the limit for a salary"),
        ({"salary.median": 150_000}, "2025-02-30", "is not a date that exists"),
    ]
    for values, as_of, expected in cases:
        with pytest.raises(ChangeError, match=expected):
            edits.apply_change(db, moderator(), Change("figure.set", {
                "role": "mlops-engineer", "source": source_id(), "as_of": as_of,
                "values": values}))
    for entry in (2**63, 10**30, "99999999999999999999"):
        with pytest.raises(ChangeError, match="entry numbers are whole numbers from 1 to"):
            edits.apply_change(db, moderator(), Change("faq.remove", {"id": entry}))
    assert db.read_bytes() == before


@pytest.mark.parametrize(("typed", "number"), [
    ("12", 12), ("#12", 12), (" 7 ", 7), (12, 12), (str(MAX_ID), MAX_ID),
    (str(MAX_ID + 1), None), (MAX_ID + 1, None), ("0", None), (-3, None), ("²", None),
    ("١٢", None), (True, None), ("1e3", None), ("9" * 5000, None), (None, None),
])
def test_entry_ids_are_bounded_to_sqlite_integers(typed: object, number: int | None) -> None:
    assert parse_entry_id(typed) == number


# -- safe parsing: nesting checked before any parser recurses ------------------------------


def test_json_nesting_is_measured_outside_strings() -> None:
    assert sp.json_depth_line("[" * 20 + "]" * 20) is None
    assert sp.json_depth_line("[" * 21 + "]" * 21) == 1
    assert sp.json_depth_line('{"a": "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[\\"[[[[[["}') is None
    assert sp.json_depth_line('{\n"a":\n' + "[" * 30) == 3


@pytest.mark.parametrize("text", [
    "[" * 100_000 + "]" * 100_000,
    '{"a": ' * 50_000 + "1" + "}" * 50_000,
])
def test_deep_json_is_refused_before_parsing(text: str) -> None:
    with pytest.raises(sp.InputRefused, match=f"nested more than {MAX_NESTING_DEPTH} levels"):
        sp.load_json(text)


def test_long_json_numbers_are_refused_before_converting() -> None:
    with pytest.raises(sp.InputRefused, match=f"5,000 digits; numbers are limited to "
                                              f"{MAX_NUMBER_DIGITS} digits"):
        sp.load_json('{"n": ' + "9" * 5000 + "}")
    assert sp.load_json('{"n": -12345678901234567890}') == {"n": -12345678901234567890}
    assert math.isinf(sp.load_json('{"n": 1e999}')["n"])  # the validators refuse it by field


@pytest.mark.parametrize("loader", LOADERS)
@pytest.mark.parametrize("text", [
    "faq: " + "[" * 100_000 + "]" * 100_000 + "\n",
    "faq: " + "{a: " * 5_000 + "1" + "}" * 5_000 + "\n",
    "faq:\n" + "".join(" " * i + "- \n" for i in range(1, 1300)),
    "".join(" " * i + "a:\n" for i in range(1300)),
])
def test_deep_yaml_is_refused_before_composing(loader: type, text: str) -> None:
    with pytest.raises(sp.InputRefused, match=f"nested more than {MAX_NESTING_DEPTH} levels"):
        sp.load_yaml(text, loader=loader)


@pytest.mark.parametrize("loader", LOADERS)
def test_yaml_numbers_dates_and_aliases(loader: type) -> None:
    with pytest.raises(sp.InputRefused, match="5,000 digits") as refused:
        sp.load_yaml("a: 1\nb: " + "9" * 5000 + "\n", loader=loader)
    assert refused.value.line == 2
    with pytest.raises(sp.InputRefused, match="digits"):
        sp.load_yaml("b: 0x" + "f" * 5000 + "\n", loader=loader)
    data, _ = sp.load_yaml("d: 2025-02-30\ne: 2026-03-01\nf: .inf\ng: 12\n", loader=loader)
    assert data == {"d": "2025-02-30", "e": "2026-03-01", "f": math.inf, "g": 12}
    with pytest.raises(sp.InputRefused, match="aliases"):
        sp.load_yaml("a: &x [1]\nb: *x\n", loader=loader)
    assert sp.load_yaml("a: &x [1]\nb: *x\n", loader=loader, allow_aliases=True)[0] == \
        {"a": [1], "b": [1]}
