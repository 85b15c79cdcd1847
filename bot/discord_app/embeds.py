"""Turn a core Reply into Discord embeds that respect every Discord limit.

Limits (Discord's): title 256, description 4,096, 25 fields of name 256 / value 1,024,
footer 2,048, and 6,000 characters across all embeds of one message. A reply that does
not fit one embed becomes several pages (sent with buttons by the paginator), split at
line breaks with code blocks closed and reopened, so nothing is ever cut off.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import discord

from bot.core.reply import Reply, split_message

TITLE_LIMIT = 256
DESCRIPTION_LIMIT = 4096
FIELD_NAME_LIMIT = 256
FIELD_VALUE_LIMIT = 1024
FIELD_COUNT_LIMIT = 25
FOOTER_LIMIT = 2048
EMBED_TOTAL_LIMIT = 6000
#: Characters kept free for the "Page 12/34 · " footer marker of paged replies.
_PAGE_MARKER_ROOM = 20

COLOURS = {
    "answer": discord.Colour.blurple(),
    "help": discord.Colour.light_grey(),
    "error": discord.Colour.red(),
    "decline": discord.Colour.orange(),
}


@dataclass
class _Page:
    title: str
    description: str = ""
    fields: list[tuple[str, str, bool]] = field(default_factory=list)
    footer: str = ""

    def size(self) -> int:
        return (len(self.title) + len(self.description) + len(self.footer)
                + sum(len(n) + len(v) for n, v, _ in self.fields))


def _shorten(text: str, limit: int) -> str:
    """For names only (titles, field names): long names end with an ellipsis at a word."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0]
    return cut + "…"


_MARKDOWN_ESCAPE = re.compile(r"\\([\\*_~`|>\[\]#+-])")


def _footer_text(reply: Reply) -> str:
    """Footers render no markdown: drop the text form's "-# " marks and its escapes."""
    lines = [line.removeprefix("-# ").strip() for line in reply.footer.splitlines()]
    return "\n".join(_MARKDOWN_ESCAPE.sub(r"\1", line) for line in lines if line)


def reply_pages(reply: Reply) -> list[discord.Embed]:
    """The reply as one embed, or several pages when it is too long for one."""
    title = _shorten(reply.title, TITLE_LIMIT)
    footer_room = FOOTER_LIMIT - _PAGE_MARKER_ROOM
    footer_chunks = split_message(_footer_text(reply), footer_room) if reply.footer else [""]
    footer = footer_chunks[0]
    extra_footer = footer_chunks[1:]
    blocks: list[tuple[str, str, bool]] = []
    for f in reply.fields:
        for i, chunk in enumerate(split_message(f.value, FIELD_VALUE_LIMIT)):
            blocks.append((_shorten(f.name if i == 0 else f"{f.name} (cont.)", FIELD_NAME_LIMIT),
                           chunk, f.inline))
    for section in reply.sections:
        for i, chunk in enumerate(split_message(section.body, FIELD_VALUE_LIMIT)):
            name = section.heading if i == 0 else f"{section.heading} (cont.)"
            blocks.append((_shorten(name or "\u200b", FIELD_NAME_LIMIT), chunk, False))
    if reply.suggestions:
        tries = " · ".join(f"`{s}`" for s in reply.suggestions)
        for chunk in split_message(tries, FIELD_VALUE_LIMIT):
            blocks.append(("Try", chunk, False))
    if extra_footer:
        for chunk in split_message("\n".join(extra_footer), FIELD_VALUE_LIMIT):
            blocks.append(("Sources (cont.)", chunk, False))

    # Room left on every page once the title, footer and a "Page N/M · " marker are counted.
    budget = EMBED_TOTAL_LIMIT - len(title) - len(footer) - _PAGE_MARKER_ROOM
    lead_limit = min(DESCRIPTION_LIMIT, budget)
    lead_chunks = split_message(reply.lead, lead_limit) if reply.lead else [""]
    pages = [_Page(title, d, footer=footer) for d in lead_chunks]
    page = pages[-1]
    for block in blocks:
        added = len(block[0]) + len(block[1])
        full = page.size() + added + _PAGE_MARKER_ROOM > EMBED_TOTAL_LIMIT
        if len(page.fields) >= FIELD_COUNT_LIMIT or full:
            page = _Page(title, footer=footer)
            pages.append(page)
        page.fields.append(block)

    colour = COLOURS.get(reply.kind, COLOURS["answer"])
    embeds = []
    for number, p in enumerate(pages, start=1):
        embed = discord.Embed(title=p.title, description=p.description or None, colour=colour)
        for name, value, inline in p.fields:
            embed.add_field(name=name, value=value, inline=inline)
        footer_text = p.footer
        if len(pages) > 1:
            marker = f"Page {number}/{len(pages)}"
            footer_text = f"{marker} · {footer_text}" if footer_text else marker
        if footer_text:
            embed.set_footer(text=footer_text)
        embeds.append(embed)
    return embeds

