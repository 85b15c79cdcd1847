"""The field table: every figure and text field of a role, declared once.

A figure used to be spelled in six places (the models, the validators, the build's
columns, the store's reading, the export and import shape, the names moderators type),
and adding one meant editing all of them. Each entry of ``FIELDS`` now says everything
those places need, and they read it from here:

- ``name``: the dotted path files, edits and exports spell it with (``salary.median``);
  a snapshot's figure sits under ``stats[]`` of a role file, a role's text at its top.
- ``unit``: usd, percent, count or text. It picks the validation (``Checker.number``'s
  range from ``bot.knowledge.limits``: a salary above zero and at most ``MAX_SALARY``, a
  percentage from 0 to ``MAX_PERCENT``, a whole count up to ``MAX_COUNT``; a text's length
  from ``limits.text_chars``) and how replies show it (``shown``: the render filter).
- ``column``: the database column (``role_stats`` for a snapshot's figures, ``roles``
  for a role's text); by default the name with dots as underscores.
- ``short_names``: what moderators may type instead of the name (``median``).
- ``label``: how moderation replies name it (``median salary``).

Adding a figure is one entry here plus the template line that shows it (README,
"Adding a figure"). A figure the models have no attribute for is kept on the snapshot by
name (``StatSnapshot.figure``), so the entry is the only code needed. The table is a
tuple in code rather than a data file: units map to validators and filters in code, mypy
checks every entry, and nothing is parsed at import. ``register`` extends it at run time
(how tests add a figure without editing any module); every reader goes through the
functions below, which see the current table.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass
from operator import attrgetter
from typing import Any, Literal, overload

from bot.knowledge.models import Role, Source, StatSnapshot

Unit = Literal["usd", "percent", "count", "text"]
#: Where a field lives: on one statistics snapshot of a role, or on the role itself.
Scope = Literal["stats", "role"]

#: The ``Checker.number`` kind (its range from ``bot.knowledge.limits``) of each figure unit.
CHECK_KIND: Mapping[str, str] = {"usd": "money", "percent": "pct", "count": "count"}
#: The render filter (``bot.core.render``) that shows each unit; text is quoted as text.
SHOWN: Mapping[str, str] = {"usd": "money", "percent": "pct", "count": "count", "text": "text"}


@dataclass(frozen=True, slots=True)
class Field:
    """One figure or text field (see the module docstring for each attribute)."""

    name: str
    unit: Unit
    label: str
    column: str = ""
    short_names: tuple[str, ...] = ()
    scope: Scope = "stats"
    #: Only a source that counts job postings may give it (a survey counts responses).
    openings_only: bool = False
    #: A role file must give it (a role's name).
    required: bool = False

    # Worked out from the above once (validation and the build read them per figure):
    #: The database column: ``column``, else the name with dots as underscores.
    db_column: str = dataclasses.field(init=False, compare=False, repr=False)
    #: The mapping it sits in (``salary`` for ``salary.median``), or "" at the top.
    group: str = dataclasses.field(init=False, compare=False, repr=False)
    #: Its key inside its group (``median``), or its name at the top.
    key: str = dataclasses.field(init=False, compare=False, repr=False)
    is_text: bool = dataclasses.field(init=False, compare=False, repr=False)
    #: Stored as a whole number (salaries in dollars, counts).
    whole: bool = dataclasses.field(init=False, compare=False, repr=False)
    #: The ``Checker.number`` kind of a figure ("" for a text).
    check_kind: str = dataclasses.field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        derived = {
            "db_column": self.column or self.name.replace(".", "_"),
            "group": self.name.split(".", 1)[0] if "." in self.name else "",
            "key": self.name.rsplit(".", 1)[-1],
            "is_text": self.unit == "text",
            "whole": self.unit in ("usd", "count"),
            "check_kind": CHECK_KIND.get(self.unit, ""),
        }
        for attr, value in derived.items():
            object.__setattr__(self, attr, value)

    @property
    def shown(self) -> str:
        return SHOWN[self.unit]


def _salary(key: str, label: str) -> Field:
    return Field(f"salary.{key}", "usd", label, short_names=(key,))


def _share(level: str, label: str) -> Field:
    return Field(f"experience.{level}", "percent", label, column=f"exp_{level}",
                 short_names=(level,))


#: Every field, in the order a role file lists them (and validation reports problems):
#: a snapshot's figures, then a role's one-line texts.
FIELDS: tuple[Field, ...] = (
    Field("open_positions", "count", "open positions", short_names=("positions", "openings"),
          openings_only=True),
    _salary("avg_low", "average salary, low end"),
    _salary("avg_high", "average salary, high end"),
    _salary("median", "median salary"),
    _salary("p25", "25th percentile salary"),
    _salary("p75", "75th percentile salary"),
    _salary("mean", "mean salary"),
    Field("salary.n", "count", "salary sample size", short_names=("n",)),
    Field("remote_pct", "percent", "fully remote share", short_names=("remote",)),
    _share("senior", "senior share"),
    _share("mid", "mid-level share"),
    _share("entry", "entry-level share"),
    _share("executive", "executive share"),
    Field("filters", "text", "filters"),
    Field("name", "text", "name", scope="role", required=True),
    Field("focus", "text", "focus", scope="role"),
    Field("summary", "text", "summary", scope="role"),
    Field("market", "text", "market outlook", scope="role"),
)

# ---------------------------------------------------------------------------------------
# Indexes of the current table, rebuilt when it changes (``register``)

#: The snapshot's model groups: ``salary`` -> Salary, ``experience`` -> Experience.
_GROUP_MODELS: dict[str, type] = {
    f.name: f.default_factory  # type: ignore[misc]
    for f in dataclasses.fields(StatSnapshot)
    if f.default_factory is not dataclasses.MISSING
}
_SNAPSHOT_ATTRS = frozenset(f.name for f in dataclasses.fields(StatSnapshot))
_ROLE_ATTRS = frozenset(f.name for f in dataclasses.fields(Role))


def _on_model(f: Field) -> bool:
    """Has the snapshot model an attribute of its own for ``f``? Else it is kept by name."""
    if not f.group:
        return f.name in _SNAPSHOT_ATTRS
    model = _GROUP_MODELS.get(f.group)
    return model is not None and f.key in {m.name for m in dataclasses.fields(model)}


@dataclass(frozen=True)
class _Index:
    by_name: dict[str, Field]
    stats: tuple[Field, ...]
    texts: tuple[Field, ...]
    short: dict[str, str]
    #: A snapshot's top-level keys in table order, with the fields under each.
    layout: dict[str, tuple[Field, ...]]
    on_model: frozenset[str]
    #: Per figure, worked out once (the store reads thousands of snapshots):
    #: (name, group, key, whole, text, on the model).
    plan: tuple[tuple[str, str, str, bool, bool, bool], ...]
    #: (name, column, its getter on the model or None when kept in ``extra``).
    columns: tuple[tuple[str, str, Callable[[StatSnapshot], Any] | None], ...]


def _index(table: Sequence[Field]) -> _Index:
    stats = tuple(f for f in table if f.scope == "stats")
    layout: dict[str, list[Field]] = {}
    for f in stats:
        layout.setdefault(f.group or f.name, []).append(f)
    on_model = frozenset(f.name for f in stats if _on_model(f))
    return _Index(
        by_name={f.name: f for f in table},
        stats=stats,
        texts=tuple(f for f in table if f.scope == "role" and f.is_text),
        short={s: f.name for f in table for s in f.short_names},
        layout={k: tuple(v) for k, v in layout.items()},
        on_model=on_model,
        plan=tuple((f.name, f.group, f.key, f.whole, f.is_text, f.name in on_model)
                   for f in stats),
        columns=tuple((f.name, f.db_column, attrgetter(f.name) if f.name in on_model else None)
                      for f in stats),
    )


_current = _index(FIELDS)


def register(field: Field) -> None:
    """Add ``field`` to the table (after the snapshot's figures or the role's texts).

    Refuses (ValueError) a name, short name or column already taken, so one name can
    never mean two fields; a name more than one mapping deep (documents nest figures one
    level: ``salary.median``); and a role field the ``Role`` model has no text for.
    """
    global FIELDS, _current
    taken = {n for f in FIELDS for n in (f.name, *f.short_names)}
    clashes = [n for n in (field.name, *field.short_names) if n in taken]
    columns = {(f.scope, f.db_column) for f in FIELDS}
    if clashes or (field.scope, field.db_column) in columns:
        raise ValueError(f"field {field.name!r} clashes with the table: "
                         f"{', '.join(clashes) or field.db_column}")
    if field.unit not in SHOWN:
        raise ValueError(f"field {field.name!r}: unknown unit {field.unit!r}")
    if field.name.count(".") > 1:
        raise ValueError(f"field {field.name!r}: a figure sits at most one mapping deep")
    if field.scope == "role" and (not field.is_text or field.name not in _ROLE_ATTRS):
        raise ValueError(f"field {field.name!r}: a role's field must be a text the Role model has")
    last = max((i for i, f in enumerate(FIELDS) if f.scope == field.scope), default=len(FIELDS) - 1)
    FIELDS = (*FIELDS[:last + 1], field, *FIELDS[last + 1:])
    _current = _index(FIELDS)


def unregister(name: str) -> None:
    """Take a field added by ``register`` out of the table again."""
    global FIELDS, _current
    FIELDS = tuple(f for f in FIELDS if f.name != name)
    _current = _index(FIELDS)


# ---------------------------------------------------------------------------------------
# Lookups


def field(name: str) -> Field | None:
    """The field of that exact name, or None."""
    return _current.by_name.get(name)


def stat_fields() -> tuple[Field, ...]:
    """A snapshot's figures (and its filters text), in table order."""
    return _current.stats


def role_text_fields() -> tuple[Field, ...]:
    """A role's one-line texts (name, focus, ...), settable with ``kb set``."""
    return _current.texts


def snapshot_layout() -> Mapping[str, tuple[Field, ...]]:
    """A snapshot document's keys (``salary``, ``remote_pct``) and the fields under each."""
    return _current.layout


def short_name(text: str) -> str | None:
    """The field a moderator's short name means ("median" -> "salary.median"), or None."""
    return _current.short.get(text)


def shown(name: str) -> str | None:
    """The render filter that shows field ``name`` (money, pct, count, text), or None."""
    f = _current.by_name.get(name)
    return f.shown if f is not None else None


def label(name: str) -> str | None:
    """How moderation replies name field ``name``, or None for a name not in the table."""
    f = _current.by_name.get(name)
    return f.label if f is not None else None


class Names(Sequence[str]):
    """The names of some of the table's fields, read from the current table each time, so
    a constant such as ``documents.STAT_FIELDS`` follows ``register``."""

    def __init__(self, pick: Callable[[], tuple[Field, ...]]) -> None:
        self._pick = pick

    @overload
    def __getitem__(self, index: int) -> str: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[str]: ...
    def __getitem__(self, index: int | slice) -> str | Sequence[str]:
        names = [f.name for f in self._pick()]
        return names[index]

    def __len__(self) -> int:
        return len(self._pick())

    def __iter__(self) -> Iterator[str]:
        return iter([f.name for f in self._pick()])

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and any(f.name == name for f in self._pick())

    def __repr__(self) -> str:
        return f"Names({list(self)!r})"


# ---------------------------------------------------------------------------------------
# Snapshots <-> values by field name


def snapshot_from_values(source: Source, as_of: str, values: Mapping[str, Any]) -> StatSnapshot:
    """A snapshot from its figures by field name (``{"salary.median": …}``), as the
    validators check them (the store reads rows with ``row_reader``); whole-number units
    are made ints, an unknown figure None (a text "")."""
    top: dict[str, Any] = {}
    groups: dict[str, dict[str, Any]] = {}
    extra: list[tuple[str, Any]] = []
    for name, group, key, whole, text, on_model in _current.plan:
        value = values.get(name)
        if value is None:
            if text:
                value = ""
        elif whole:
            value = int(value)
        if not on_model:
            if value is not None and value != "":
                extra.append((name, value))
        elif group:
            if group in groups:
                groups[group][key] = value
            else:
                groups[group] = {key: value}
        else:
            top[name] = value
    for group, kw in groups.items():
        top[group] = _GROUP_MODELS[group](**kw)
    return StatSnapshot(source=source, as_of=as_of, extra=tuple(extra), **top)


def row_reader(columns: Collection[str]) -> Callable[[Source, str, Any], StatSnapshot]:
    """A function reading a snapshot from a ``role_stats`` row (anything indexed by column
    name) of a database with ``columns``: the store's reader, planned once per read so a
    row costs what a hand-written reader's does. A figure whose column the database lacks
    (built before its entry was added) reads as unknown."""
    index = _current
    top: list[tuple[str, str, bool]] = []
    grouped: dict[str, list[tuple[str, str]]] = {}
    extra: list[tuple[str, str]] = []
    for f in index.stats:
        column = f.db_column
        if column not in columns:
            continue
        if f.name not in index.on_model:
            extra.append((f.name, column))
        elif f.group:
            grouped.setdefault(f.group, []).append((f.key, column))
        else:
            top.append((f.name, column, f.is_text))
    groups = [(group, _GROUP_MODELS[group], tuple(cols)) for group, cols in grouped.items()]

    def read(source: Source, as_of: str, row: Any) -> StatSnapshot:
        values: dict[str, Any] = {name: (row[col] or "") if text else row[col]
                                  for name, col, text in top}
        for group, model, cols in groups:
            values[group] = model(**{key: row[col] for key, col in cols})
        if extra:
            values["extra"] = tuple((name, row[col]) for name, col in extra
                                    if row[col] is not None)
        return StatSnapshot(source=source, as_of=as_of, **values)

    return read


def snapshot_columns(snapshot: StatSnapshot) -> dict[str, Any]:
    """A snapshot's figures by database column (the build's ``role_stats`` row)."""
    index = _current
    extra = dict(snapshot.extra)
    return {column: getter(snapshot) if getter is not None else extra.get(name)
            for name, column, getter in index.columns}
