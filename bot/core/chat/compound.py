"""Compound questions: one message, several questions, every part answered in order.

"how much do mlops engineers earn, and which is more remote-friendly?" is two questions.
``split_parts`` cuts a cleaned message where a new question starts: after a question
mark, at a semicolon, at "and"/"also"/"plus" before a question word, at a sentence
break before one. "ml and data engineers" is not cut: "and" is followed by a role, not
a question. The engine plans each part in turn, as successive turns of the same
conversation, so a later part without a role ("and what skills do they need?") is about
the roles the earlier parts named. ``combine`` puts up to ``MAX_PARTS`` answers into one
Reply that fits one Discord message and says when a part had to be left for later.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace

from bot.core.chat import lexicon
from bot.core.chat.intents import facet_totals
from bot.core.reply import Reply, render_text
from bot.core.splitting import MESSAGE_LIMIT

#: Parts answered in one reply; more are named as left for a follow-up.
MAX_PARTS = 3
#: Words a question starts with: a clause starting with one after "and" is a question.
_QUESTION_WORDS = (r"what|whats|how|hows|which|where|why|who|when|is|are|do|does|did|can|"
                   r"could|should|would|will|any|tell me|what about|how about|whats the")
#: Pay words (the salary vocabulary's decisive single words): "how do i pivot to mlops
#: without a pay cut" asks the way in and the target's pay.
_PAY = "|".join(sorted(p for p, w in lexicon.FACET_WORDS["salary"].items()
                       if w >= 3 and p.isalpha()))
_KEEPING = r"without|while keeping|and keep|but keep|with no|and not lose"
_CUT = re.compile(
    rf"(?<=\?)\s+(?=\S)"                                   # after a question mark
    rf"|\s+(?=(?:{_KEEPING})\s+(?:\S+\s+){{0,3}}(?:{_PAY})\b)"  # "... without a pay cut"
    rf"|\s*;\s*"                                           # at a semicolon
    rf"|(?:\s*,)?\s+(?=(?:and|also|plus)\s+(?:{_QUESTION_WORDS})\b)"  # "and how ..."
    rf"|(?<=[.!])\s+(?=(?:also\s+|and\s+)?(?:{_QUESTION_WORDS})\b)"   # ". what ..."
)
_WORD = re.compile(r"[a-z0-9]+")
_QUESTION_START = re.compile(rf"(?:{_QUESTION_WORDS})\b")
#: A part needs this many words to stand alone; shorter ones join the part before.
MIN_WORDS = 2


#: "data/applied/research scientist": words sharing one title's head, joined by slashes.
_ALTERNATIVES = re.compile(r"\b([a-z0-9]+(?:\s?/\s?[a-z0-9]+)+)\s+([a-z]+)\b")


def expand_alternatives(text: str) -> str:
    """ "what does a data/applied/research scientist do" names three roles: each word
    before the shared title head gets it ("data scientist, applied scientist and research
    scientist"). Only before a job title's head ("scientist", "engineers"), so "ci/cd
    pipelines" stays as written."""
    def expand(m: re.Match[str]) -> str:
        head = m.group(2)
        if head not in lexicon.TITLE_HEADS:
            return m.group(0)
        words = [w.strip() for w in m.group(1).split("/")]
        named = [f"{w} {head}" for w in words]
        return ", ".join(named[:-1]) + f" and {named[-1]}"

    return _ALTERNATIVES.sub(expand, text) if "/" in text else text


#: A list item after a comma asks its own facet when it is this short and scores this much.
LIST_ITEM_WORDS = 4
LIST_ITEM_SCORE = 3
#: Facets that weigh roles as a whole ("pharmacist vs data analyst, who earns more?"): a
#: list holding one is one question, not a list of facets.
_WHOLE_ROLE_FACETS = frozenset({"compare", "choose", "overview"})
_LIST_SEP = re.compile(r"\s*,\s*(?:and\s+)?|\s+and\s+")


def _top_facet(text: str) -> str | None:
    words = " ".join(_WORD.findall(text))
    scores = {f: s for f, s in facet_totals(f" {words} ").items() if s >= LIST_ITEM_SCORE}
    return max(scores, key=lambda f: scores[f]) if scores else None


def facet_list(piece: str) -> list[str]:
    """ "data scientist salary, skills and remote share": a list of facets joined by
    commas is one question per facet. Each item after the first must be short and ask a
    facet of its own (none asked twice); otherwise the piece stays whole ("ml, data and
    analytics engineers", "python, sql and spark")."""
    if "," not in piece:
        return [piece]
    items = [i.strip() for i in _LIST_SEP.split(piece) if i.strip()]
    if len(items) < 2:
        return [piece]
    facets = [_top_facet(i) for i in items]
    rest_short = all(len(_WORD.findall(i)) <= LIST_ITEM_WORDS or _QUESTION_START.match(i)
                     for i in items[1:])
    if not rest_short or None in facets or len(set(facets)) != len(facets) \
            or set(facets) & _WHOLE_ROLE_FACETS:
        return [piece]
    return items


def split_parts(text: str) -> list[str]:
    """The questions in ``text`` (a cleaned message's text), in order; one part when it
    holds one question. Fragments too short to be a question join the part before,
    unless they are an item of a list of facets."""
    parts: list[str] = []
    pieces = [item for piece in _CUT.split(text) for item in facet_list(piece.strip(" ,;"))]
    for piece in pieces:
        piece = piece.strip(" ,;")
        if not piece:
            continue
        if parts and len(_WORD.findall(piece)) < MIN_WORDS and _top_facet(piece) is None:
            parts[-1] = f"{parts[-1]} {piece}"
        else:
            parts.append(piece)
    return parts or [text]


#: Parts whose reply adds nothing beside another part's answer ("thanks", "i'm a pm").
QUIET = frozenset({"greeting", "thanks", "empty", "profile"})


def _body(reply: Reply) -> str:
    """A reply's text without its footer and suggestions (they are merged)."""
    return render_text(replace(reply, footer="", suggestions=(), title=reply.title))


def combine(replies: Sequence[Reply], left_out: int, note: str) -> Reply:
    """One reply from the parts' replies, in order: bodies one after another, each source
    line once, the last part's suggestions. ``left_out`` parts (beyond ``MAX_PARTS`` or
    the message limit) are announced with ``note`` rather than dropped silently."""
    bodies: list[str] = []
    footer: list[str] = []
    kept: list[Reply] = []
    for reply in replies:
        body = _body(reply)
        if body in bodies:
            continue  # a part that only repeats another ("asking for a friend" as a follow-up)
        lines = [line for line in reply.footer.splitlines() if line.strip()]
        new_footer = footer + [line for line in lines if line not in footer]
        size = len("\n\n".join([*bodies, body])) + len("\n".join(new_footer)) + len(note) + 8
        if kept and size > MESSAGE_LIMIT:
            left_out += 1
            continue
        bodies.append(body)
        footer = new_footer
        kept.append(reply)
    lead = "\n\n".join(bodies)
    if left_out:
        lead = f"{lead}\n\n{note}"
    kinds = {r.kind for r in kept}
    kind = "answer" if "answer" in kinds else ("decline" if "decline" in kinds else kept[0].kind)
    roles = tuple(dict.fromkeys(s for r in kept for s in r.roles))
    return Reply(title="", lead=lead, footer="\n".join(footer),
                 suggestions=kept[-1].suggestions, kind=kind, roles=roles)
