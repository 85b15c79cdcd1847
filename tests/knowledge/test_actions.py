"""Typed actions (``bot.knowledge.actions``): every name the audit log knows has one class and
one planner, the untyped form turns into the same action, and both write the same."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from bot.knowledge import edits
from bot.knowledge.actions import (
    ACTIONS,
    Action,
    Alias,
    FaqAdd,
    ModRole,
    SetFigures,
    SetPrefix,
    as_action,
    is_config,
)
from bot.knowledge.changes import Change, ChangeError
from bot.knowledge.planners import PLANNERS
from tests.moderation_support import MLOPS, build, mlops_stats, moderator, source_id

#: Every action the write path has taken, by the name the audit log stores, with data.
SAMPLES: dict[str, dict[str, object]] = {
    "figure.set": {"role": MLOPS, "source": "s", "as_of": "2026", "values": {"remote_pct": 5}},
    "role.set": {"role": MLOPS, "field": "focus", "value": "Runs models."},
    "alias.add": {"role": MLOPS, "alias": "model ops"},
    "alias.remove": {"role": MLOPS, "alias": "model ops"},
    "faq.add": {"question": "Q?", "answer": "A.", "tags": ["t"], "source": None},
    "faq.edit": {"id": 100_001, "answer": "B."},
    "faq.remove": {"id": 100_001},
    "role.add": {"document": {"slug": "x-role", "name": "X"}},
    "role.remove": {"role": "x-role"},
    "source.add": {"document": {"id": "club", "name": "Club", "kind": "survey", "date": "2026"}},
    "config.prefix": {"prefix": "?"},
    "config.unasked": {"on": False},
    "config.modrole.add": {"role_id": "555"},
    "config.modrole.remove": {"role_id": "555"},
    "config.channel.add": {"channel_id": "987"},
    "config.channel.remove": {"channel_id": "987"},
    "config.gaps": {"on": False},
    "config.gaps.retention": {"days": 30},
    "gap.answer": {"keys": ["k1"], "label": "Is a bootcamp enough?", "question": "Q?",
                   "answer": "A.", "tags": ["t"], "source": None},
    "gap.dismiss": {"keys": ["k1"], "label": "Is a bootcamp enough?"},
}


def test_every_action_name_has_one_class_and_a_planner() -> None:
    assert set(ACTIONS) == set(SAMPLES)
    assert set(ACTIONS.values()) <= set(PLANNERS)


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_the_untyped_form_turns_into_its_action_keeping_name_data_and_origin(name: str) -> None:
    action = as_action(Change(name, SAMPLES[name], "faq[3]"))
    assert type(action) is ACTIONS[name] and action.action == name
    assert action.origin == "faq[3]"
    assert action.is_config == name.startswith("config.") == is_config(name)
    given = {k: v for k, v in dataclasses.asdict(action).items() if k not in ("origin", "op")}
    assert {k: v for k, v in given.items() if v is not None} == \
        {k: v for k, v in SAMPLES[name].items() if v is not None}


def test_actions_are_frozen_values() -> None:
    action = Alias("add", MLOPS, "model ops")
    with pytest.raises(dataclasses.FrozenInstanceError):
        action.alias = "other"  # type: ignore[misc]
    assert action == Alias("add", MLOPS, "model ops") and action != Alias("remove", MLOPS, "model ops")
    assert ModRole("remove", "5").action == "config.modrole.remove"
    assert SetPrefix(None).is_config and not FaqAdd("Q?", "A.").is_config


def test_an_unknown_name_is_refused_by_name() -> None:
    with pytest.raises(ChangeError, match=r"'faq\.frobnicate' is not a known change"):
        as_action(Change("faq.frobnicate", {}))


def test_a_typed_action_and_its_untyped_form_write_the_same(tmp_path: Path) -> None:
    db = build(tmp_path)
    values = {"salary.median": mlops_stats()["salary"]["median"] + 1000}
    typed = edits.apply_change(db, moderator("42"), SetFigures(
        MLOPS, source_id(), mlops_stats()["as_of"], values))
    untyped = edits.apply_change(db, moderator("43"), Change("figure.set", {
        "role": MLOPS, "source": source_id(), "as_of": mlops_stats()["as_of"], "values": values}))
    assert (typed.action, typed.target, typed.before, typed.after) == \
        (untyped.action, untyped.target, untyped.before, untyped.after) == \
        ("figure.set", MLOPS, typed.before, typed.after)
    assert isinstance(typed.after, dict) and typed.after["salary.median"] == values["salary.median"]


def test_a_new_action_registers_with_two_decorators() -> None:
    """The recipe the module doc gives: a class and a planner, nothing else to edit."""
    from bot.knowledge.actions import ACTIONS as registry
    from bot.knowledge.actions import register
    from bot.knowledge.changes import Plan
    from bot.knowledge.planners import plans

    @register("test.noop")
    @dataclasses.dataclass(frozen=True, slots=True)
    class Noop(Action):
        note: str

    @plans(Noop)
    def plan_noop(s: object, a: Noop) -> Plan:
        return Plan(a.action, a.note, None, None, ())

    try:
        action = as_action(Change("test.noop", {"note": "hi"}))
        assert action == Noop("hi") and PLANNERS[Noop] is plan_noop
    finally:
        registry.pop("test.noop")
        PLANNERS.pop(Noop)
