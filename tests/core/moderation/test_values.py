"""Reading what moderators type (``bot.core.moderation.values``)."""

from __future__ import annotations

import pytest

from bot.core.moderation import Moderation, field_name, parse_value


@pytest.mark.parametrize(("field", "typed", "value"), [
    ("salary.median", "180k", 180_000), ("salary.median", "$180,000", 180_000),
    ("remote_pct", "12%", 12), ("remote_pct", "12.5", 12.5), ("salary.median", "none", None),
    ("focus", "Keeps 3 things running", "Keeps 3 things running"),
    ("salary.median", "lots", "lots"),
])
def test_parse_value(field: str, typed: str, value: object) -> None:
    assert parse_value(field, typed) == value


def test_field_names_accept_short_forms() -> None:
    assert field_name("median") == "salary.median"
    assert field_name("Remote") == "remote_pct"
    assert field_name("experience.senior") == "experience.senior"
    assert field_name("focus") == "focus"
    assert field_name("shoe size") is None
    assert ("salary.median", "salary.median") in Moderation.field_choices("median")
