"""Every limit on what may be written into the knowledge base, in one place.

The same limits hold for every way in: the knowledge files, a moderator's edit (Discord
or ``careerbot kb``), a role added whole, an alias, an FAQ entry and an import. The
shared validators (``bot.knowledge.files._Checker`` and the parsers built on it) read
them from here, so a field cannot be longer, a figure larger or a file deeper through one
door than through another. Each refusal names the field and the limit.

Why limits at all: everything written is later shown to members and searched on every
message. An unbounded name or summary costs every reply that shows it (a long role name
once made splitting a reply never finish); a figure of thousands of digits or an infinite salary
cannot be formatted; a document nested a hundred thousand levels deep crashes any
recursive parser. The bounds below sit above everything the knowledge files hold today
(most fields use a third or less of theirs; ``tests/knowledge/test_validate.py`` loads
them under these limits) and far below anything that could hurt.
"""

from __future__ import annotations

import re
from typing import Final

# -- whole inputs --------------------------------------------------------------------------

#: Largest import or role file, in bytes (UTF-8). An export of the whole knowledge with
#: 4,000 FAQ entries of today's average size is about 2.2 MB as JSON (1.9 MB as YAML);
#: 5 MB leaves more than twice that, while parsing stays well under a second with libyaml.
MAX_IMPORT_BYTES: Final = 5_000_000
#: Deepest nesting of lists and mappings in an import, a role file or a ``chat --jsonl``
#: line. The deepest real shapes, an import's ``roles[].stats[].salary`` or
#: ``new_roles[].tools[].items``, are six levels; checked before any parser recurses, so
#: no input can exhaust the stack.
MAX_NESTING_DEPTH: Final = 20
#: Most digits a number may be written with (typed, or in a file). Every figure's range
#: below fits in 10 digits and an id in 19; refusing longer numbers before converting them
#: also keeps clear of Python's limit on converting huge integers to and from text.
MAX_NUMBER_DIGITS: Final = 20

# -- figures -------------------------------------------------------------------------------

#: Salaries are USD a year: above zero and at most ten million (a figure beyond that is a
#: typo or a unit mistake, never a market figure).
MAX_SALARY: Final = 10_000_000
#: Counts (open positions, sample sizes, market totals): whole numbers from 0 to a billion.
MAX_COUNT: Final = 1_000_000_000
#: Percentages (remote share, experience mix) run from 0 to 100.
MAX_PERCENT: Final = 100
#: Dates (a source's date, a snapshot's as_of) are YYYY, YYYY-MM or YYYY-MM-DD, must exist
#: (no 2025-02-30, no month 13) and fall in these years.
MIN_YEAR: Final = 1900
MAX_YEAR: Final = 2100

# -- ids -----------------------------------------------------------------------------------

#: Ids typed by people (history entries, FAQ entries) are stored as SQLite INTEGERs, which
#: are signed 64-bit: anything larger cannot even be looked up.
MAX_ID: Final = 2**63 - 1
#: Most history entries one ``kb history`` page may ask for.
MAX_HISTORY_ENTRIES: Final = 1_000

# -- text ----------------------------------------------------------------------------------

#: Characters of one text field (after runs of spaces are collapsed) when the field has
#: no entry in ``TEXT_CHARS``: prose such as a summary, the market outlook, an answer.
DEFAULT_TEXT_CHARS: Final = 2_000
#: Characters of one item of a list of texts without an entry in ``TEXT_CHARS``: a skill,
#: a step, a task, a metro.
DEFAULT_ITEM_CHARS: Final = 500
#: Items in one list of texts or mappings without an entry in ``LIST_ITEMS``.
DEFAULT_LIST_ITEMS: Final = 50

#: Characters per field, by the field's path with list positions dropped
#: (``faq[].question``), else by its last name (``question``); ``[]`` marks a list's items.
TEXT_CHARS: Final[dict[str, int]] = {
    # roles
    "slug": 60,
    "name": 80,  # a role's name: shown in titles, lists and every comparison
    "focus": 300,  # one line under the name
    "aliases[]": 60,
    "source": 60,  # a reference to a source id (stats, skills, week, related, FAQ)
    "filters": 300,
    "tools[].area": 80,
    # FAQ entries
    "question": 300,
    "answer": 2_000,
    "tags[]": 40,
    # sources (sources.yaml, an import's sources, a generated file's source block)
    "sources[].id": 60,
    "source.id": 60,
    "sources[].name": 120,
    "source.name": 120,
    "kind": 40,
    "url": 500,
    "licence": 200,
    # market facts
    "key": 60,
    "label": 120,
}

#: Items per list, by the list's path with positions dropped, else by its last name.
LIST_ITEMS: Final[dict[str, int]] = {
    "tags": 20,
    "stats": 20,
    "tools": 20,
}

_INDEX = re.compile(r"\[\d+\]")


def _lookup(table: dict[str, int], path: str, default: int) -> int:
    general = _INDEX.sub("[]", path)
    if general in table:
        return table[general]
    last = general.rsplit(".", 1)[-1]
    return table.get(last, default)


def text_chars(path: str) -> int:
    """The most characters the text at ``path`` (``faq[3].question``) may hold."""
    return _lookup(TEXT_CHARS, path, DEFAULT_TEXT_CHARS)


def item_chars(path: str) -> int:
    """The most characters each item of the list at ``path`` (``aliases``) may hold."""
    return _lookup(TEXT_CHARS, f"{path}[]", DEFAULT_ITEM_CHARS)


def list_items(path: str) -> int:
    """The most items the list at ``path`` may hold."""
    return _lookup(LIST_ITEMS, path, DEFAULT_LIST_ITEMS)
