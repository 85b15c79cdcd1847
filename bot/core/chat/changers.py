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


def stage(p: Planning) -> Plan | None:
    """The ``changer`` planning stage: no role named, a changer's background stated and a
    role or a way in asked for: the way-in answer for that background."""
    u = p.u
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
