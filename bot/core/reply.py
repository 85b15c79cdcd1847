"""The one value the core returns, and its plain-text form.

Front ends never compose wording: Discord turns a Reply into embeds, the terminal
prints ``render_text``. Because both start from the same Reply, they give the same
answer for the same input.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

# Splitting lives in its own module; these names are part of this module's interface.
from bot.core.splitting import MESSAGE_LIMIT as MESSAGE_LIMIT
from bot.core.splitting import MIN_SPLIT_LIMIT as MIN_SPLIT_LIMIT
from bot.core.splitting import split_message as split_message

if TYPE_CHECKING:  # charts imports the renderer, which imports this module
    from bot.core.charts import SalaryChart


@dataclass(frozen=True, slots=True)
class Section:
    """A headed block of the answer (a verdict, a table, a list of skills)."""

    heading: str
    body: str


@dataclass(frozen=True, slots=True)
class Field:
    """A short name/value pair; Discord shows these inline, side by side."""

    name: str
    value: str
    inline: bool = True


@dataclass(frozen=True, slots=True)
class Reply:
    """A complete answer.

    ``kind`` is "answer", "help", "error" (bad input: usage, unknown role) or "decline"
    (the bot does not hold what was asked). ``footer`` names the sources and dates of
    every figure shown. ``suggestions`` are commands or questions to try next.
    """

    title: str
    lead: str = ""
    sections: tuple[Section, ...] = ()
    fields: tuple[Field, ...] = ()
    footer: str = ""
    suggestions: tuple[str, ...] = ()
    kind: str = "answer"
    #: Roles the answer was about, so a follow-up ("and remote?") knows the subject.
    roles: tuple[str, ...] = field(default=())
    #: The salary spread to draw beside the text (``compare``, ``salary``): data, not a
    #: picture, so every front end draws the same one; the text is complete without it.
    chart: SalaryChart | None = None


def render_text(reply: Reply) -> str:
    """The reply as Discord-flavoured markdown text: what the terminal prints."""
    parts: list[str] = []
    if reply.title:
        parts.append(f"**{reply.title}**")
    if reply.lead:
        parts.append(reply.lead)
    if reply.fields:
        parts.append("\n".join(f"**{f.name}:** {f.value}" for f in reply.fields))
    for section in reply.sections:
        parts.append(f"__{section.heading}__\n{section.body}" if section.heading else section.body)
    if reply.suggestions:
        parts.append("Try: " + " · ".join(f"`{s}`" for s in reply.suggestions))
    if reply.footer:
        lines = [line for line in reply.footer.splitlines() if line.strip()]
        parts.append("\n".join(line if line.startswith("-# ") else f"-# {line}" for line in lines))
    return "\n\n".join(parts)
