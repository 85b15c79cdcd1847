"""Career changers who name no role: "been in the legal field since college, which data
role should i aim for", "non technical professional here, which ai role can i move
into", "leaving academia after my phd, how do i get the skills for a data job".

Without a role named, the question stages ask "which role do you mean?", although the
member has said what matters: where they come from. This stage reads that background
anywhere in the message (``changers`` in ``vocabulary/ways.yaml``: a PhD or academia, a
non-technical background, another field, or an occupation outside AI and data from
``occupations.yaml``) when the message asks which role to aim for or
how to get in, and plans the way-in answer with it. ``answers.getting_in`` then answers
with the roads that start from that background (the academic roads for a PhD, AI
product management's road for a non-technical background), or, for another field, the
roles most open to newcomers ranked by their entry-level share.
"""

from __future__ import annotations

from bot.core.chat import lexicon
from bot.core.chat.intents import Understanding
from bot.core.chat.planner import Plan, Planning
from bot.core.chat.vocabulary.ways import WORDS, Changer


def changer_of(u: Understanding) -> tuple[Changer, str] | None:
    """The changer background the message states, with the phrase that states it; the
    first entry of ``changers`` with a phrase in the message wins (the file's order)."""
    for changer in WORDS.changers:
        for phrase in changer.phrases:
            if u.has(phrase):
                return changer, phrase
    occupation = next((t for t in u.tokens if t in lexicon.OCCUPATIONS), None)
    if occupation is not None:  # "im a chemist": an occupation the knowledge does not cover
        changer = next(c for c in WORDS.changers if c.name == WORDS.occupation_changer[0])
        return changer, occupation
    return None


def plain_to_ai(u: Understanding) -> tuple[str, str, str] | None:
    """(role, background group, plain title) for "from traditional pm to ai pm": one role
    named twice, from a mention without an AI word (``ai_markers``) to one with it, where
    a background group names the plain title ("pm" is a product manager's). Two mentions
    alike ("from data analyst to senior data analyst") are a step up, not this."""
    if len(u.role_slugs) != 1 or not u.has("from"):
        return None
    mentions = [m for m in u.roles if m.slug == u.role_slugs[0]]
    if len(mentions) != 2:
        return None
    first, second = (" ".join(u.tokens[m.start:m.end]) for m in mentions)
    marked = [any(f" {w} " in f" {t} " for w in WORDS.ai_markers) for t in (first, second)]
    if marked != [False, True] or u.tokens.index("from") > mentions[0].start:
        return None
    group = next((g for g, phrases in lexicon.BACKGROUNDS.items() if first in phrases), None)
    return (mentions[0].slug, group, first) if group else None


def stage(p: Planning) -> Plan | None:
    """The ``changer`` planning stage: no role named, a changer's background stated and a
    role or a way in asked for: the way-in answer for that background; or a move from a
    plain title to its AI role ("from traditional pm to ai pm"): the way in from it."""
    u = p.u
    moved = plain_to_ai(u) if u.asking else None
    if moved is not None and not p.figure_facets:
        slug, group, plain = moved
        return Plan("getting_in", roles=(slug,), facets=("getting_in",), confident=True,
                    detail={"background": group, "background_text": plain})
    # A statement before a question ("been in legal for years. which role fits?") is not
    # asked on its own: the engine carries it to the question, which this stage answers.
    if p.explicit or p.figure_facets or not u.asking or not u.any(WORDS.changer_asks):
        return None  # a role named, or a figure asked ("which role pays most in finance")
    found = changer_of(u)
    if found is None:
        return None
    changer, phrase = found
    return Plan("getting_in", roles=(), facets=("getting_in",), confident=True,
                detail={"background": changer.group, "background_text": None,
                        "changer": changer.name, "changer_phrase": phrase})
