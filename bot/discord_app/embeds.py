"""Turn a core Reply into Discord embeds that respect every Discord limit.

Limits (Discord's): title 256, description 4,096, 25 fields of name 256 / value 1,024,
footer 2,048, and 6,000 characters across all embeds of one message. A reply that does
not fit one embed becomes several pages (sent with buttons by the paginator), split by
``split_message`` (line breaks first, code blocks closed and reopened), so no text is
ever cut off: the lead continues in the next page's description, a long section or
field in further fields named "… (cont.)", footer text beyond the footer's room in
"Sources (cont.)" fields.

Only names Discord cannot page are shortened, with a visible ellipsis: the title (the
same on every page), and a field name, whose cut-off end then opens the field's value
("…end of the name") so even that is not lost. Any text of any length gives pages in a
number of steps proportional to its length; nothing here can loop.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field

import discord
from cachetools import LRUCache

from bot.core.reply import Reply, split_message
from bot.core.text_cuts import ELLIPSIS, shorten, shorten_at

TITLE_LIMIT = 256
DESCRIPTION_LIMIT = 4096
FIELD_NAME_LIMIT = 256
FIELD_VALUE_LIMIT = 1024
FIELD_COUNT_LIMIT = 25
FOOTER_LIMIT = 2048
EMBED_TOTAL_LIMIT = 6000
#: Characters kept free for the "Page 12/34 · " footer marker of paged replies.
_PAGE_MARKER_ROOM = 20
#: Added to the name of a field that continues the one before it.
_CONTINUED = " (cont.)"
#: The value of a field with nothing to show (Discord refuses an empty value).
_BLANK = "\u200b"

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


def _split(text: str, limit: int) -> list[str]:
    """``split_message(text, limit)``, with the common case answered at once: a text
    that fits and has no whitespace at either end (the renderer trims every part) is its
    own one chunk, which is what ``split_message`` gives it after a pass over its fences
    and cut points (most of a fresh reply's layout time, for a dozen such values)."""
    if 0 < len(text) <= limit and not text[0].isspace() and not text[-1].isspace():
        return [text]
    return split_message(text, limit)


def _chunks(text: str, limit: int) -> list[str]:
    """``text`` in pieces of at most ``limit``; a blank text is one blank-looking piece."""
    return _split(text, limit) or [_BLANK]


def _named_blocks(name: str, value: str, inline: bool) -> list[tuple[str, str, bool]]:
    """Fields showing ``value`` under ``name``: as many as the value needs, never cut.

    A name longer than Discord allows ends with an ellipsis and its cut-off end opens
    the value ("…rest of the name"), so the whole name is still shown.
    """
    name = name if name.strip() else _BLANK
    if len(name) > FIELD_NAME_LIMIT:
        cut = shorten_at(name, FIELD_NAME_LIMIT)
        value = f"{ELLIPSIS}{name[cut:].strip()}\n{value}"
        name = name[:cut].rstrip() + ELLIPSIS
    continued = shorten(name, FIELD_NAME_LIMIT - len(_CONTINUED)) + _CONTINUED
    return [(name if i == 0 else continued, chunk, inline)
            for i, chunk in enumerate(_chunks(value, FIELD_VALUE_LIMIT))]


_MARKDOWN_ESCAPE = re.compile(r"\\([\\*_~`|>\[\]#+-])")


def _footer_text(reply: Reply) -> str:
    """Footers render no markdown: drop the text form's "-# " marks and its escapes."""
    lines = [line.removeprefix("-# ").strip() for line in reply.footer.splitlines()]
    return "\n".join(_MARKDOWN_ESCAPE.sub(r"\1", line) for line in lines if line)


#: Page layouts kept, by reply (see ``reply_pages``).
LAYOUTS_KEPT = 512
_layouts: LRUCache[int, tuple[Reply, tuple[_Page, ...]]] = LRUCache(maxsize=LAYOUTS_KEPT)
_layouts_lock = threading.Lock()


def reply_pages(reply: Reply) -> list[discord.Embed]:
    """The reply as one embed, or several pages when it is too long for one.

    The layout (how the text splits into pages and fields) depends only on the reply, and
    the advisor gives the very same Reply object again for a remembered answer, so the
    layout is kept per object (``LAYOUTS_KEPT``, the reply held with it so its id cannot
    be reused); the embeds are new each time, since a sender may change them."""
    with _layouts_lock:
        kept = _layouts.get(id(reply))
    if kept is not None and kept[0] is reply:
        pages = kept[1]
    else:
        pages = _layout(reply)
        with _layouts_lock:
            _layouts[id(reply)] = (reply, pages)
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


def _layout(reply: Reply) -> tuple[_Page, ...]:
    """The reply's pages: title, description, fields and footer of each."""
    title = shorten(reply.title, TITLE_LIMIT)
    footer_room = FOOTER_LIMIT - _PAGE_MARKER_ROOM
    footer_chunks = _split(_footer_text(reply), footer_room) or [""]
    footer = footer_chunks[0]
    extra_footer = footer_chunks[1:]
    blocks: list[tuple[str, str, bool]] = []
    for f in reply.fields:
        blocks += _named_blocks(f.name, f.value, f.inline)
    for section in reply.sections:
        blocks += _named_blocks(section.heading, section.body, False)
    if reply.suggestions:
        tries = " · ".join(f"`{s}`" for s in reply.suggestions)
        blocks += [("Try", chunk, False) for chunk in _split(tries, FIELD_VALUE_LIMIT)]
    if extra_footer:
        blocks += [("Sources (cont.)", chunk, False)
                   for chunk in _split("\n".join(extra_footer), FIELD_VALUE_LIMIT)]

    # Room left on every page once the title, footer and a "Page N/M · " marker are counted.
    budget = EMBED_TOTAL_LIMIT - len(title) - len(footer) - _PAGE_MARKER_ROOM
    lead_limit = min(DESCRIPTION_LIMIT, budget)
    lead_chunks = _split(reply.lead, lead_limit) or [""]
    pages = [_Page(title, d, footer=footer) for d in lead_chunks]
    page = pages[-1]
    for block in blocks:
        added = len(block[0]) + len(block[1])
        full = page.size() + added + _PAGE_MARKER_ROOM > EMBED_TOTAL_LIMIT
        if len(page.fields) >= FIELD_COUNT_LIMIT or full:
            page = _Page(title, footer=footer)
            pages.append(page)
        page.fields.append(block)
    return tuple(pages)

