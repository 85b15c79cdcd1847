"""Jinja2 rendering of replies.

All wording lives in ``bot/core/templates``. A template writes the whole answer and
marks its parts with ``{{ part("title") }}``, ``{{ part("section") }}`` and so on; the
renderer cuts the output at those marks into a Reply. Marks are control characters that
``finalize`` strips from every value, so nothing a user or moderator typed can open a
section, and values are escaped for Discord (markdown and mentions) on the way in.
``StrictUndefined`` makes a missing field fail loudly in tests instead of printing
"None", and a None value reaching output raises for the same reason.

Filters that format figures return ``Safe`` text, which ``finalize`` passes through. A
macro's output has already been escaped inside the macro, so templates pass it through
with ``| safe`` (this environment's ``safe`` marks text as ``Safe``; it is never applied
to raw values).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, MutableMapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from types import FunctionType
from typing import Any

import jinja2
import jinja2.runtime

from bot.core.figures import skills_sources_to_cite
from bot.core.holdings import has_figures, held_topics, holds, holds_only_name
from bot.core.markup import clean, clean_code
from bot.core.reply import Field, Reply, Section
from bot.core.verdict import THRESHOLDS, same_items
from bot.knowledge import fields

TEMPLATE_DIR = Path(__file__).with_name("templates")
_MARK = "\x1e"
_SEP = "\x1f"
_PARTS = ("title", "lead", "section", "field", "footer", "suggest", "kind", "roles")
_BLANK_LINES = re.compile(r"\n[ \t]*\n(?:[ \t]*\n)+")


class Safe(str):
    """Text produced by the renderer's own filters: already escaped, shown as is."""

    __slots__ = ()


def _finalize(value: Any) -> str:
    kind = type(value)  # the two common cases first (a hundred values in a compare)
    if kind is Safe:
        return value  # type: ignore[no-any-return]  # a Safe is a str
    if kind is str:
        return clean(value)
    if isinstance(value, Safe):
        return value
    if value is None:
        raise ValueError("a None value reached a template; guard it with `is not none`")
    if isinstance(value, bool):
        raise TypeError("a bool reached a template output")
    if isinstance(value, int | float):
        return _number(value)
    if isinstance(value, str):
        return clean(value)
    raise TypeError(f"{type(value).__name__} cannot be shown directly; format it in the template")


def _number(value: float) -> str:
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,.1f}"


# ---------------------------------------------------------------------------------------
# Filters: formatting figures. They return Safe text built only from numbers.


#: From here up an amount is shown in millions ($1M rather than $999.5K or $1000K).
_MILLIONS_FROM = 999_500


def money(value: float | None) -> Safe:
    """$150K for 150000, $127.5K for 127500, $1.25M for 1250000 (two decimals at most in
    millions, so an amount a member typed as "2.25m" is shown as typed, not as $2.2M)."""
    if value is None:
        return Safe("")
    if value >= _MILLIONS_FROM:
        millions = f"{value / 1_000_000:.2f}".rstrip("0").rstrip(".")
        return Safe(f"${millions}M")
    thousands = value / 1000
    if abs(thousands - round(thousands)) < 0.05:
        return Safe(f"${round(thousands)}K")
    return Safe(f"${thousands:.1f}K")


def pct(value: float | None, digits: int = 0) -> Safe:
    """9% for 9; 0.3% with ``digits=1``; whole numbers never show a trailing .0."""
    if value is None:
        return Safe("")
    if digits and round(value, digits) != round(value):
        return Safe(f"{value:.{digits}f}%")
    return Safe(f"{round(value):d}%")


def count(value: float | None) -> Safe:
    """12,345: thousands separated, as people read counts."""
    if value is None:
        return Safe("")
    return Safe(_number(value))


def and_list(items: Iterable[str], conj: str = "and") -> Safe:
    """'a, b and c': each item escaped."""
    items = [clean(str(i)) for i in items]
    if not items:
        return Safe("")
    if len(items) == 1:
        return Safe(items[0])
    return Safe(f"{', '.join(items[:-1])} {conj} {items[-1]}")


def level_mix(experience: Any) -> Safe:
    """'Senior 40%, Mid 35%, Entry 25%': an experience mix's known levels in display order.

    A filter rather than a loop in a macro: the loop's ``loop.last`` made jinja build a
    loop context, and the two mixes in a compare cost about 25 µs of its render.
    """
    return Safe(", ".join([f"{clean(level.capitalize())} {pct(value)}"
                           for level, value in experience.items()]))


def lower_first(text: str) -> Safe:
    """'Deploys models.' -> 'deploys models' (for use mid-sentence)."""
    text = clean(text).rstrip(".")
    return Safe(text[:1].lower() + text[1:])


def table(rows: Sequence[Sequence[Any]], *headers: str) -> Safe:
    """A fixed-width table in a code block; rows whose values are all blank are left out.

    Written as plain loops rather than nested generators: compare's ten-row table took
    about 20 µs that way, a tenth of rendering a whole compare.
    """
    grid: list[list[str]] = [["", *(clean_code(h) or "—" for h in headers)]] if headers else []
    for row in rows:
        for c in row[1:]:
            if c is not None and c != "":
                grid.append([clean_code(str(cell)) or "—" for cell in row])
                break
    if len(grid) == (1 if headers else 0):
        return Safe("")
    widths = [max(map(len, column)) for column in zip(*grid, strict=True)]
    lines = ["  ".join(map(str.ljust, row, widths)).rstrip() for row in grid]
    return Safe("```\n" + "\n".join(lines) + "\n```")


def bullets(items: Iterable[str], numbered: bool = False) -> Safe:
    """One escaped item per line, as a markdown list."""
    lines = [
        f"{i}. {clean(str(item))}" if numbered else f"- {clean(str(item))}"
        for i, item in enumerate(items, start=1)
    ]
    return Safe("\n".join(lines))


def codeblock(text: str, lang: str = "") -> Safe:
    """Text shown verbatim in a code block (raw data): backticks and mentions defused."""
    return Safe(f"```{lang}\n{clean_code(str(text)).rstrip()}\n```")


def code(text: str) -> Safe:
    """Inline code (for commands to try)."""
    return Safe(f"`{clean_code(str(text))}`")


_VOWEL_SOUND_LETTERS = set("AEFHILMNORSX")


def article(name: str) -> Safe:
    """'an' or 'a' for a role name: 'an MLOps Engineer', 'a Data Scientist', 'an AI PM'."""
    word = name.split()[0] if name.split() else ""
    if sum(ch.isupper() for ch in word) >= 2:  # read as letters: M-L-Ops, A-I
        return Safe("an" if word[:1] in _VOWEL_SOUND_LETTERS else "a")
    return Safe("an" if word[:1].lower() in "aeiou" else "a")


@dataclass(frozen=True, slots=True)
class CompareCells:
    """The figures of compare's side-by-side table, one role's column each (``_a``,
    ``_b``), formatted by the filters above; "" where a role holds no such figure.

    Built in Python once per reply because the table's twenty cells, each a guarded
    chain of attribute look-ups, cost jinja about 40 µs against a few here (a fresh
    compare is timed against discord.py's floor, issue 16). Only figures are made here:
    the row labels and the words after a count stay in ``compare.j2``.
    """

    openings: bool  # either column counts openings rather than salary responses
    open_a: str
    open_b: str
    share_a: str
    share_b: str
    avg_a: str  # the average salary range, "$120K–$150K"
    avg_b: str
    band_a: str  # the 25th–75th percentile band, only where there is no average range
    band_b: str
    median_a: str
    median_b: str
    p75_a: str
    p75_b: str
    remote_a: str
    remote_b: str
    skill_a: str  # the role's top skill
    skill_b: str
    n_a: str  # the salary sample's size
    n_b: str


def _column(role: Any, snap: Any, share: float | None) -> tuple[str, ...]:
    skill = role.skills[0] if role.skills else ""
    if not snap:
        return ("", pct(share, 1) if share is not None else "", "", "", "", "", "", skill, "")
    sal = snap.salary
    return (
        count(snap.open_positions) if snap.open_positions is not None else "",
        pct(share, 1) if share is not None else "",
        f"{money(sal.avg_low)}–{money(sal.avg_high)}" if sal.has_avg_range else "",
        f"{money(sal.p25)}–{money(sal.p75)}" if sal.has_band and not sal.has_avg_range else "",
        money(sal.median),
        money(sal.p75),
        pct(snap.remote_pct) if snap.remote_pct is not None else "",
        skill,
        count(sal.n) if sal.n is not None else "",
    )


def compare_cells(a: Any, sa: Any, share_a: float | None,
                  b: Any, sb: Any, share_b: float | None) -> CompareCells:
    """The side-by-side table's cells for roles ``a`` and ``b`` and their snapshots."""
    ca, cb = _column(a, sa, share_a), _column(b, sb, share_b)
    openings = bool((sa and sa.source.counts_are_openings) or (sb and sb.source.counts_are_openings))
    return CompareCells(openings, *(cell for pair in zip(ca, cb, strict=True) for cell in pair))


def part(name: str) -> Safe:
    """A mark that starts a part of the reply; see the module docstring."""
    if name not in _PARTS:
        raise ValueError(f"unknown reply part {name!r}")
    return Safe(f"{_MARK}{name}{_SEP}")


class _Context(jinja2.runtime.Context):
    """jinja2's context with a quicker ``call`` for plain functions and macros.

    Every ``{{ part(...) }}``, macro call and global function in a template goes through
    ``Context.call``, which each time looks for jinja's ``pass_context`` marks on the
    object and on its ``__call__`` and pops two keywords: about a microsecond, a dozen
    and a half times in a compare. A plain Python function without the mark, or a
    macro, called without keywords needs none of that; anything else takes jinja's path.
    """

    def call(__self, __obj: Any, *args: Any, **kwargs: Any) -> Any:
        kind = type(__obj)
        if not kwargs and (kind is jinja2.runtime.Macro or (
                kind is FunctionType and "jinja_pass_arg" not in __obj.__dict__)):
            try:
                return __obj(*args)
            except StopIteration:  # as jinja2 does: a StopIteration must not end the render
                return __self.environment.undefined(
                    "value was undefined because a callable raised a StopIteration exception")
        return super().call(__obj, *args, **kwargs)


class _Environment(jinja2.Environment):
    """jinja2's environment with each template's globals in one plain dict.

    jinja2 gives every template a ``ChainMap`` over the environment's globals, and every
    render and every ``{% include %}`` copies it into a new context while every
    ``{% import %}`` compares its keys with the importing context's: over a ChainMap each
    of those walks both maps in Python. A dict does the same in C. The globals are all
    set in ``environment()`` before the first template loads (jinja2 asks for that
    too: changes after a load are not guaranteed to show), so nothing is lost.
    """

    context_class = _Context

    def make_globals(self, d: MutableMapping[str, Any] | None) -> MutableMapping[str, Any]:
        return {**self.globals, **(d or {})}


@lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    """The shared Jinja environment; templates are compiled once and cached."""
    env = _Environment(
        loader=jinja2.FileSystemLoader(TEMPLATE_DIR),
        undefined=jinja2.StrictUndefined,
        finalize=_finalize,
        autoescape=False,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
        auto_reload=False,
        extensions=["jinja2.ext.do"],
    )
    env.filters.update(money=money, pct=pct, count=count, and_list=and_list,
                       lower_first=lower_first, table=table, article=article, bullets=bullets, code=code,
                       codeblock=codeblock, level_mix=level_mix,
                       safe=Safe)
    # What a role holds: templates leave out what is missing and offer only what is there.
    env.globals.update(part=part, thresholds=THRESHOLDS, has_figures=has_figures,
                       held_topics=held_topics, holds=holds, holds_only_name=holds_only_name,
                       compare_cells=compare_cells, skills_sources_to_cite=skills_sources_to_cite,
                       same_items=same_items)
    # How a field of the field table is named and shown (its unit's filter) in kb replies.
    env.globals.update(field_label=fields.label, field_shown=fields.shown)
    return env


def _tidy(text: str) -> str:
    return _BLANK_LINES.sub("\n\n", text).strip()


def render(template: str, **context: Any) -> Reply:
    """Render ``template`` with ``context`` and cut the output into a Reply."""
    output = environment().get_template(template).render(**context)
    values: dict[str, Any] = {"title": "", "lead": "", "footer": "", "kind": "answer"}
    sections: list[Section] = []
    fields: list[Field] = []
    suggestions: list[str] = []
    roles: tuple[str, ...] = ()
    for chunk in output.split(_MARK)[1:]:
        name, _, body = chunk.partition(_SEP)
        if name in ("title", "lead", "footer", "kind"):
            values[name] = _tidy(body)
        elif name in ("section", "field"):
            heading, _, rest = body.strip().partition("\n")
            rest = _tidy(rest)
            if not rest:
                continue  # an empty section is left out rather than shown blank
            if name == "section":
                sections.append(Section(heading.strip(), rest))
            else:
                fields.append(Field(heading.strip(), rest))
        elif name == "suggest":
            suggestions += [line.strip() for line in body.splitlines() if line.strip()]
        elif name == "roles":
            roles = tuple(s for s in body.split() if s)
    return Reply(
        title=values["title"],
        lead=values["lead"],
        sections=tuple(sections),
        fields=tuple(fields),
        footer=values["footer"],
        suggestions=tuple(suggestions),
        kind=values["kind"],
        roles=roles,
    )


#: Read left to right: a Discord escape as ``bot.core.markup`` writes them (a backslash
#: before a markdown character, or before the mark of a line that would otherwise become
#: a list or heading), or code, which Discord shows verbatim and is kept whole. An escaped
#: backtick is consumed as an escape first, so it never opens code.
_ESCAPE_OR_CODE = re.compile(
    r"\\(?P<char>[\\*_~`|>\[\]#+.\-])"  # \* \_ \[ ... and \- \# at a line's start
    r"|(?m:^(?P<indent>[ \t]*))\\(?P<number>\d+\.)"  # \1. at a line's start
    r"|```.*?(?:```|\Z)|`[^`\n]*`",
    re.DOTALL,
)


def unescape_for_terminal(text: str) -> str:
    """Discord-flavoured text without the escapes meant for Discord (``roles\\[0\\]`` reads
    ``roles[0]``), for a terminal, which shows backslashes literally.

    The one place the terminal undoes what ``finalize`` (``bot.core.markup.clean``) did to
    values; code spans and blocks, which Discord shows verbatim, are left as they are.
    Only backslashes are removed, so every figure stays exactly as Discord shows it.
    """
    return _ESCAPE_OR_CODE.sub(_unescaped, text)


def _unescaped(match: re.Match[str]) -> str:
    if match["char"] is not None:
        return match["char"]
    if match["number"] is not None:
        return match["indent"] + match["number"]
    return match.group()  # code, verbatim


def warm_templates() -> int:
    """Compile every template now, so the first person to ask does not wait for it.

    A long-running front end (the Discord bot) calls this at start; one-shot commands
    such as ``careerbot ask`` compile only the template they use. Returns how many.
    """
    env = environment()
    names = env.list_templates(extensions=["j2"])
    for name in names:
        env.get_template(name)
    return len(names)
