"""Parse JSON and YAML written by people without letting the text break the parser.

``json.loads`` and PyYAML's composer recurse once per level of nesting, so one line of
100,000 ``[`` ends the process with a RecursionError; Python refuses to convert integers
of more than 4,300 digits; YAML turns ``2025-02-30`` into a date and raises on it. Each
of those is an exception nobody catches, so the person who typed it sees a traceback (or
"something went wrong") instead of what was wrong.

Here the nesting is measured *before* a parser may recurse (for JSON by scanning the
brackets outside strings, for YAML from the parser's event stream, which PyYAML and
libyaml both produce without recursion), numbers are refused by their length before
they are converted, and YAML timestamps stay the text they were written as, for the
date validator to check. What is refused raises ``InputRefused`` naming the limit (and
the line when known); what is merely malformed still raises the parser's own error.
"""

from __future__ import annotations

import json
import re
from typing import Any, Protocol, TypeAlias

import yaml
from yaml.constructor import ConstructorError, SafeConstructor

from bot.knowledge.limits import MAX_NESTING_DEPTH, MAX_NUMBER_DIGITS


class InputRefused(Exception):
    """A document was not parsed because it breaks a limit; ``line`` is 1-based if known."""

    def __init__(self, message: str, line: int | None = None) -> None:
        self.message = message
        self.line = line
        super().__init__(message)


def _too_deep(line: int | None) -> InputRefused:
    return InputRefused(f"lists and mappings are nested more than {MAX_NESTING_DEPTH} levels "
                        f"deep; the limit is {MAX_NESTING_DEPTH}", line)


def _too_long(literal: str) -> InputRefused:
    digits = len(literal.lstrip("+-"))
    return InputRefused(f"a number is written with {digits:,} digits; numbers are limited to "
                        f"{MAX_NUMBER_DIGITS} digits")


# -- JSON ----------------------------------------------------------------------------------

#: A JSON string (escapes included) or a bracket. Brackets inside strings are skipped by
#: matching the whole string, exactly where ``json`` would read one.
_JSON_TOKEN = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{}]', re.DOTALL)


def json_depth_line(text: str, limit: int = MAX_NESTING_DEPTH) -> int | None:
    """The line where ``text`` first nests deeper than ``limit``, or None if it never does."""
    depth = 0
    for match in _JSON_TOKEN.finditer(text):
        char = text[match.start()]
        if char in "[{":
            depth += 1
            if depth > limit:
                return text.count("\n", 0, match.start()) + 1
        elif char in "]}":
            depth -= 1
    return None


def _json_int(literal: str) -> int:
    if len(literal.lstrip("+-")) > MAX_NUMBER_DIGITS:
        raise _too_long(literal)
    return int(literal)


def load_json(text: str) -> Any:
    """``json.loads`` with bounded nesting and number length.

    Raises ``InputRefused``, or ``json.JSONDecodeError`` for text that is not JSON.
    ``NaN`` and ``Infinity`` are read as floats: the validators refuse them by field.
    """
    line = json_depth_line(text)
    if line is not None:
        raise _too_deep(line)
    return json.loads(text, parse_int=_json_int)


# -- YAML ----------------------------------------------------------------------------------


# Both loaders below are SafeConstructors; PyYAML's stubs want the loader classes named.
# A string: CSafeLoader exists only when PyYAML was built with libyaml.
_SafeLoaders: TypeAlias = "yaml.SafeLoader | yaml.CSafeLoader"


def _bounded_int(loader: _SafeLoaders, node: yaml.ScalarNode) -> int:
    literal = str(node.value).replace("_", "")
    if len(literal.lstrip("+-")) > MAX_NUMBER_DIGITS:
        raise ConstructorError(None, None, _too_long(literal).message, node.start_mark)
    return SafeConstructor.construct_yaml_int(loader, node)


def _timestamp_as_text(loader: _SafeLoaders, node: yaml.ScalarNode) -> str:
    """A date stays as written ("2026-03-01"), so an impossible one reaches the validator."""
    return loader.construct_scalar(node)


class PureLoader(yaml.SafeLoader):
    """PyYAML's own safe loader with bounded integers and dates kept as text."""


PureLoader.add_constructor("tag:yaml.org,2002:int", _bounded_int)
PureLoader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp_as_text)

_CSafeLoader = getattr(yaml, "CSafeLoader", None)
if _CSafeLoader is not None:
    class CLoader(_CSafeLoader):  # type: ignore[misc, valid-type]
        """The same rules over libyaml's parser: about five times faster."""

    CLoader.add_constructor("tag:yaml.org,2002:int", _bounded_int)
    CLoader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp_as_text)
    #: libyaml's loader when PyYAML was built with it, else PyYAML's own.
    YAML_LOADER: type = CLoader
else:  # pragma: no cover - PyYAML built without libyaml
    YAML_LOADER = PureLoader

_OPEN = (yaml.SequenceStartEvent, yaml.MappingStartEvent)
_CLOSE = (yaml.SequenceEndEvent, yaml.MappingEndEvent)


class _Mark(Protocol):
    """Where an event starts: PyYAML's Mark, or libyaml's."""

    line: int


def _line(mark: _Mark | None) -> int | None:
    """1-based line of a mark; PyYAML's events always carry one, its types allow None."""
    return mark.line + 1 if mark is not None else None


def _check_events(text: str, loader: type, allow_aliases: bool) -> None:
    """Walk the event stream (no recursion) and stop at the first level too deep."""
    depth = 0
    try:
        for event in yaml.parse(text, Loader=loader):
            if isinstance(event, _OPEN):
                depth += 1
                if depth > MAX_NESTING_DEPTH:
                    raise _too_deep(_line(event.start_mark))
            elif isinstance(event, _CLOSE):
                depth -= 1
            elif isinstance(event, yaml.AliasEvent) and not allow_aliases:
                raise InputRefused("YAML aliases (*name) are not accepted",
                                   _line(event.start_mark))
    except yaml.MarkedYAMLError as exc:
        # libyaml has a nesting limit of its own (1,000 levels): say it the same way.
        if "nesting depth" in str(exc.problem or ""):
            mark = exc.problem_mark
            raise _too_deep(mark.line + 1 if mark is not None else None) from None
        raise


def load_yaml(text: str, *, loader: type | None = None,
              allow_aliases: bool = False) -> tuple[Any, yaml.Node | None]:
    """The data of one YAML document and its node tree (for line numbers).

    Raises ``InputRefused`` for a document nested too deep, with a number too long, or
    (unless ``allow_aliases``) with aliases, which can multiply a small file into a huge
    one; raises ``yaml.YAMLError`` for text that is not YAML.
    """
    loader = loader or YAML_LOADER
    _check_events(text, loader, allow_aliases)
    instance = loader(text)
    try:
        node = instance.get_single_node()
        data = instance.construct_document(node) if node is not None else None
    except ConstructorError as exc:
        if exc.problem and "numbers are limited" in exc.problem:
            mark = exc.problem_mark
            raise InputRefused(exc.problem, mark.line + 1 if mark is not None else None) \
                from None
        raise
    finally:
        instance.dispose()
    return data, node
