"""The one value the core returns, and its plain-text form.

Front ends never compose wording: Discord turns a Reply into embeds, the terminal
prints ``render_text``. Because both start from the same Reply, they give the same
answer for the same input.
"""

from __future__ import annotations

from dataclasses import dataclass, field

#: Discord's limit for one message's content.
MESSAGE_LIMIT = 2000


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


def split_message(text: str, limit: int = MESSAGE_LIMIT) -> list[str]:
    """Split text into chunks of at most ``limit`` characters for Discord.

    Prefers paragraph breaks, then line breaks, then spaces; a single word longer than
    the limit is the only thing ever cut. A code block cut across chunks is closed at
    the end of one chunk and reopened in the next so both still render as code.
    """
    if limit < 20:
        raise ValueError("limit too small to split sensibly")
    chunks: list[str] = []
    rest = text.strip("\n")
    while len(rest) > limit:
        window = rest[:limit]
        cut = -1
        for sep in ("\n\n", "\n", " "):
            cut = window.rfind(sep)
            if cut > limit // 4:
                break
        if cut <= 0:
            cut = limit
        chunk, rest = rest[:cut].rstrip(), rest[cut:].lstrip(" \n")
        if chunk.count("```") % 2 == 1:
            # Reserve room for the fence we add; re-cut if needed.
            if len(chunk) + 4 > limit:
                back = chunk[: limit - 4].rfind("\n")
                back = back if back > 0 else limit - 4
                rest = chunk[back:].lstrip("\n") + "\n" + rest
                chunk = chunk[:back]
            if chunk.count("```") % 2 == 1:
                chunk += "\n```"
                rest = "```\n" + rest
        chunks.append(chunk)
    if rest:
        chunks.append(rest)
    return chunks
