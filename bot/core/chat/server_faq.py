"""A server's own FAQ entries win when they fit, and the matching that groups knowledge gaps.

A moderator who writes "Is a bootcamp enough?" for their server means it to be the answer
when a member asks that, even if the planner could read the question as something it
answers from data (a ranking, an overview). So, before any structured answer, a message
that *closely* matches the question of an entry that server's moderators wrote (never
another server's, never a global entry) gets that entry.

"Closely" is one symmetric test on the words that carry meaning, the same words and stems
the FAQ search uses (``bot.core.chat.faq``: its stop words, its list of words too common to
count as evidence, its crude stemmer, role mentions replaced by their slugs): at least
``MIN_SHARED`` of them shared, and the shared words covering at least ``MIN_OVERLAP`` of
the message's words *and* of the entry's question's. So "are bootcamps really enough?",
"would a bootcamp be enough to land a job" and "bootcamp enough?" all find "Is a bootcamp
enough?", while "is a bootcamp worth it" (half the words) does not.

The gap log (``bot.core.gaps``) groups recorded questions with this same test, so the
phrasings of one group are the phrasings the entry written from it will answer.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from bot.core.chat.faq import GENERIC, FaqHit, content_terms, stem
from bot.core.chat.intents import Understanding, slug_terms
from bot.core.chat.normalize import clean_message, join_names
from bot.knowledge.models import FaqEntry, Knowledge

#: Share of each side's meaningful words the shared ones must cover.
MIN_OVERLAP = 0.6
#: ...and at least this many shared words.
MIN_SHARED = 1


def stems_of(tokens: Sequence[str]) -> frozenset[str]:
    """The meaningful words of a message as stems (role slugs kept whole), generic words
    dropped unless nothing else is left."""
    terms = content_terms(list(tokens))
    words = {t if "-" in t else stem(t) for t in terms if t not in GENERIC}
    return frozenset(words or {t if "-" in t else stem(t) for t in terms})


def question_stems(u: Understanding) -> frozenset[str]:
    """The stems of an understood message, each role mention replaced by its slug (so
    "ml ops" and "mlops engineer" are one word)."""
    return stems_of(slug_terms(u))


def text_stems(text: str) -> frozenset[str]:
    """The stems of a plain text (an entry's question), cleaned as messages are."""
    return stems_of(clean_message(join_names(text)).tokens)


def close(a: frozenset[str], b: frozenset[str]) -> bool:
    """Do two sets of stems say the same thing? (see the module docstring)"""
    if not a or not b:
        return False
    shared = len(a & b)
    return shared >= MIN_SHARED and shared / len(a) >= MIN_OVERLAP \
        and shared / len(b) >= MIN_OVERLAP


def key_of(stems: Iterable[str]) -> str:
    """A stored, comparable form of a set of stems: sorted, space-separated."""
    return " ".join(sorted(stems))


@dataclass(frozen=True, slots=True)
class _Entry:
    entry: FaqEntry
    stems: frozenset[str]


def _own_entries(knowledge: Knowledge) -> tuple[_Entry, ...]:
    if knowledge.changes is not None and not knowledge.changes.faq:
        return ()  # the FAQ of the view it was made from (the global one): none of its own
    own = knowledge.guild_id
    return tuple(_Entry(e, text_stems(" ".join((e.question, *e.tags))))
                 for e in knowledge.faq if own is not None and e.guild_id == own)


class ServerFaq:
    """Per knowledge view, the server's own entries with their question's stems."""

    @staticmethod
    def _entries(knowledge: Knowledge) -> tuple[_Entry, ...]:
        """The view's own entries with their stems, made once per view."""
        return knowledge.derived("chat.server_faq", _own_entries)

    def answer(self, u: Understanding, knowledge: Knowledge) -> FaqHit | None:
        """The server's own entry whose question closely matches ``u``, if any (the one
        sharing most words when several do)."""
        entries = self._entries(knowledge)
        if not entries:
            return None
        asked = question_stems(u)
        best: tuple[int, _Entry] | None = None
        for candidate in entries:
            if close(asked, candidate.stems):
                shared = len(asked & candidate.stems)
                if best is None or shared > best[0]:
                    best = (shared, candidate)
        if best is None:
            return None
        shared, found = best
        return FaqHit(found.entry, 0.0, shared / len(asked), shared)
