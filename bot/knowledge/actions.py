"""The changes the write path makes, one typed (frozen) dataclass per action.

Each action names itself (``action``: the string the audit log stores, unchanged from
when actions were strings, so history and undo read entries of either age alike) and
says whether it touches a server's settings (``config``: Manage Server or the owner) or
its knowledge (a moderator). ``bot.knowledge.planners`` plans each class; the facade in
``bot.core.moderation`` builds them from what people type, ``bot.knowledge.transfer``
from an import file.

The fields are typed as a well-formed request holds them, but the planners still check
every value at run time: an import file or an old caller (``Change``, the untyped form
kept for scripts and tests) can put anything there, and the reply must name it.

Adding an action: a dataclass here decorated with ``@register("thing.verb")`` (its
fields, and ``origin`` for an import's position), a planner in ``planners.py`` decorated
with ``@plans(Thing)``, and, if replies should list what it changed, a case in
``bot.core.moderation.diffs``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from typing import Any, ClassVar, TypeVar

from bot.knowledge.changes import Change, ChangeError, Problem
from bot.knowledge.validation import shown


@dataclass(frozen=True, slots=True)
class Action:
    """A requested change. ``origin`` is where it came from in an import file."""

    #: The audit log's name for it ("faq.add"), set by ``register``.
    NAME: ClassVar[str] = ""
    #: A server setting (Manage Server or the owner) rather than the knowledge (moderators).
    CONFIG: ClassVar[bool] = False

    origin: str = field(default="", kw_only=True)

    @property
    def action(self) -> str:
        """The name the audit log stores, as ``Change.action`` and ``Plan.action`` spell it."""
        return self.NAME

    @property
    def is_config(self) -> bool:
        return self.CONFIG

    @classmethod
    def from_data(cls, name: str, data: Mapping[str, Any], origin: str) -> Action:
        """The action from its untyped form (``Change``): each field from the key of its name."""
        values = {f.name: data.get(f.name) for f in fields(cls) if f.name != "origin"}
        return cls(**values, origin=origin)


A = TypeVar("A", bound=type[Action])

#: Every action class by the names it answers to (an operation's two names, for "op" classes).
ACTIONS: dict[str, type[Action]] = {}


def register(*names: str, config: bool = False) -> Callable[[A], A]:
    """Make an action class known by ``names`` (the first is its own name, unless the class
    computes it from an ``op`` field)."""

    def mark(cls: A) -> A:
        cls.NAME = names[0]
        cls.CONFIG = config
        for name in names:
            ACTIONS[name] = cls
        return cls

    return mark


def _op(name: str) -> str:
    return name.rsplit(".", 1)[1]


# ---------------------------------------------------------------------------------------
# The knowledge


@register("figure.set")
@dataclass(frozen=True, slots=True)
class SetFigures(Action):
    """Figures of one role from one source: ``values`` maps figure names to values (None
    clears one); ``as_of`` is required for a source the role has no figures from yet."""

    role: str
    source: str | None
    as_of: str | None
    values: Mapping[str, Any]


@register("role.set")
@dataclass(frozen=True, slots=True)
class SetSection(Action):
    """One text field (a section: focus, skills ...) of a role; None removes it."""

    role: str
    field: str
    value: Any


@register("alias.add", "alias.remove")
@dataclass(frozen=True, slots=True)
class Alias(Action):
    op: str  # "add" or "remove"
    role: str
    alias: str

    @property
    def action(self) -> str:
        return f"alias.{self.op}"

    @classmethod
    def from_data(cls, name: str, data: Mapping[str, Any], origin: str) -> Action:
        return cls(_op(name), data.get("role"), data.get("alias"), origin=origin)  # type: ignore[arg-type]


@register("faq.add")
@dataclass(frozen=True, slots=True)
class FaqAdd(Action):
    question: str
    answer: str
    tags: list[str] | None = None
    source: str | None = None


@register("faq.edit")
@dataclass(frozen=True, slots=True)
class FaqEdit(Action):
    """Change a server's own FAQ entry ``id``: the fields given (None keeps one)."""

    id: int | str
    question: str | None = None
    answer: str | None = None
    tags: list[str] | None = None
    source: str | None = None


@register("faq.remove")
@dataclass(frozen=True, slots=True)
class FaqRemove(Action):
    id: int | str


@register("role.add")
@dataclass(frozen=True, slots=True)
class RoleAdd(Action):
    """A new role: ``document`` is a whole role file's content."""

    document: Mapping[str, Any]


@register("role.remove")
@dataclass(frozen=True, slots=True)
class RoleRemove(Action):
    role: str


@register("source.add")
@dataclass(frozen=True, slots=True)
class SourceAdd(Action):
    """A new source: ``document`` is one sources.yaml entry."""

    document: Mapping[str, Any]


# ---------------------------------------------------------------------------------------
# A server's settings


@register("config.prefix", config=True)
@dataclass(frozen=True, slots=True)
class SetPrefix(Action):
    prefix: str | None  # None: the bot's default


@register("config.unasked", config=True)
@dataclass(frozen=True, slots=True)
class SetUnasked(Action):
    on: bool | str  # as typed: anything but a bool is refused, naming it


@register("config.modrole.add", "config.modrole.remove", config=True)
@dataclass(frozen=True, slots=True)
class ModRole(Action):
    """A moderator role of the server, added or removed."""

    op: str
    role_id: str

    @property
    def action(self) -> str:
        return f"config.modrole.{self.op}"

    @classmethod
    def from_data(cls, name: str, data: Mapping[str, Any], origin: str) -> Action:
        return cls(_op(name), data.get("role_id"), origin=origin)  # type: ignore[arg-type]


@register("config.channel.add", "config.channel.remove", config=True)
@dataclass(frozen=True, slots=True)
class QaChannel(Action):
    """A channel where the bot answers questions nobody addressed to it."""

    op: str
    channel_id: str

    @property
    def action(self) -> str:
        return f"config.channel.{self.op}"

    @classmethod
    def from_data(cls, name: str, data: Mapping[str, Any], origin: str) -> Action:
        return cls(_op(name), data.get("channel_id"), origin=origin)  # type: ignore[arg-type]


@register("config.gaps", config=True)
@dataclass(frozen=True, slots=True)
class SetGaps(Action):
    """Record this server's knowledge gaps and answer ratings, or not."""

    on: bool | str  # as typed: anything but a bool is refused, naming it


@register("config.gaps.retention", config=True)
@dataclass(frozen=True, slots=True)
class SetGapRetention(Action):
    """How many days recorded gaps and ratings are kept."""

    days: int | str


@register("gap.answer")
@dataclass(frozen=True, slots=True)
class GapAnswer(Action):
    """An FAQ entry written from a group of recorded questions (``keys``, shown as
    ``label``), and the group marked answered by it: one change, one undo."""

    keys: list[str]
    label: str
    question: str
    answer: str
    tags: list[str] | None = None
    source: str | None = None


@register("gap.dismiss")
@dataclass(frozen=True, slots=True)
class GapDismiss(Action):
    """A group of recorded questions set aside, so ``kb gaps`` no longer lists it."""

    keys: list[str]
    label: str


def as_action(change: Action | Change) -> Action:
    """A typed action from either form; ``ChangeError`` for a name no action has."""
    if isinstance(change, Action):
        return change
    cls = ACTIONS.get(change.action) if isinstance(change.action, str) else None
    if cls is None:
        raise ChangeError([Problem("action", f"{shown(change.action)} is not a known change")])
    return cls.from_data(change.action, change.data, change.origin)


def is_config(action: str) -> bool:
    """Does the action named ``action`` change a server's settings?"""
    cls = ACTIONS.get(action)
    return cls.CONFIG if cls is not None else action.startswith("config.")
