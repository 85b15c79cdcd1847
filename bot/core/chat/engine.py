"""The chat pipeline: message -> clean -> understand -> plan (with memory) -> Reply.

``ChatEngine`` is the Advisor's chat handler (``chat(request, knowledge) -> Reply |
None``). For a message addressed to the bot (DM, mention, reply, ``!ask``, the terminal)
it always answers: a figure, a plain "I don't hold that", a request to name a role, or a
short redirect. For a message it was not asked (``Request.addressed`` False, in a
channel moderators marked for Q&A) it answers only when confident: the message names a
role and clearly asks something the knowledge base holds, or matches an FAQ entry
closely. Nothing else is said, so the bot never interrupts small talk.
"""

from __future__ import annotations

import logging
import re
from dataclasses import replace
from typing import TYPE_CHECKING

# A module, not its names: bot.core.gaps imports the chat package (which imports this).
from bot.core import gaps as gap_log
from bot.core.chat import answers
from bot.core.chat.catalog import Catalog, derive, shared_faq_index
from bot.core.chat.compound import (
    MAX_PARTS,
    QUIET,
    combine,
    expand_alternatives,
    split_parts,
)
from bot.core.chat.faq import FaqIndex
from bot.core.chat.intents import Understanding, echoable, understand
from bot.core.chat.memory import Conversation, ConversationMemory, Key, Topic, conversation_key
from bot.core.chat.normalize import Cleaned, clean_message
from bot.core.chat.planner import Plan, Planning
from bot.core.chat.registry import ANSWERS, FaqArbitration, build, decide
from bot.core.chat.registry import faq_terms as faq_terms
from bot.core.chat.server_faq import ServerFaq
from bot.core.render import render
from bot.core.reply import Reply, render_text
from bot.core.request import Request
from bot.knowledge.models import Knowledge
from bot.knowledge.role_index import role_index

if TYPE_CHECKING:
    from bot.core.gaps import GapRecorder

log = logging.getLogger(__name__)

#: What a command's answer is about, as the chat's own answers record it (intent, facets):
#: a follow-up of ``!compare mlops pm`` reads like one of "compare mlops and pm".
COMMAND_TOPICS: dict[str, tuple[str, tuple[str, ...]]] = {
    "compare": ("figures", ("salary",)),
    "salary": ("figures", ("salary",)),
    "role": ("overview", ()),
    "skills": ("skills", ("skills",)),
    "path": ("path", ("path",)),
    "week": ("week", ("week",)),
    "switch": ("switch", ("switch",)),
}
#: Plans of a statement that is no question of its own ("been in legal for years."): in a
#: compound message it is context for the next part, not a part to answer.
_CONTEXT_ONLY = frozenset({"clarify", "offtopic", "suggest", "profile"})
_QUESTION_START = re.compile(
    r"^(?:who|what|whats|which|when|where|why|how|hows|is|are|do|does|did|can|could|should|"
    r"would|will|any|anyone|tell|explain)\b")


def _note_unknown(built: answers.Built, u: Understanding, decided: Plan,
                  catalog: Catalog) -> answers.Built:
    """An answer about known roles says so when the message also named one without data."""
    unknown = [p for p in u.unknown_roles
               if not (u.background_text and (p in u.background_text or u.background_text in p))]
    if not unknown or decided.intent not in ANSWERS or built.reply.kind != "answer":
        return built
    phrase = unknown[0] if echoable(unknown[0], catalog) else ""
    note = render("chat/unknown_note.j2", phrase=phrase)
    lead = f"{built.reply.lead}\n{note.lead}" if built.reply.lead else note.lead
    return answers.Built(replace(built.reply, lead=lead), built.topic)


def _build_catalog(knowledge: Knowledge) -> Catalog:
    parent, changes = knowledge.parent, knowledge.changes
    if parent is not None and changes is not None:
        return derive_catalog(ChatEngine.catalog(parent), knowledge, changes.roles)
    return Catalog.build(knowledge, role_index(knowledge))


def derive_catalog(parent: Catalog, knowledge: Knowledge, changed: frozenset[str]) -> Catalog:
    """The chat catalogue of a server's view (``knowledge``) from the catalogue of the view
    it was made from (``parent``), whose roles it shares but for the slugs ``changed``
    (edited, added or removed: ``ViewChanges.roles``).

    ``bot.core.chat.catalog.derive`` replaces only those roles' parts, so an edited
    server's first question costs what its edit touches, not the whole catalogue (it
    builds whole itself when the view's role order does not follow the parent's)."""
    return derive(parent, knowledge, changed, role_index(knowledge))


class ChatEngine:
    """Answers free-form questions from a knowledge view; keeps per-user memory."""

    def __init__(self, memory: ConversationMemory | None = None,
                 recorder: GapRecorder | None = None) -> None:
        self.memory = memory if memory is not None else ConversationMemory()
        #: Where answered messages are reported for the knowledge-gap log (the Discord
        #: bot sets one; the terminal and JSONL record nothing).
        self.recorder = recorder
        self.server_faq = ServerFaq()

    # -- what each knowledge view keeps for the chat (``Knowledge.derived``) ----------------

    @staticmethod
    def catalog(knowledge: Knowledge) -> Catalog:
        """The view's chat catalogue (names, steps, skills), built once per view."""
        return knowledge.derived("chat.catalog", _build_catalog)

    @staticmethod
    def faq_index(knowledge: Knowledge) -> FaqIndex:
        """The view's FAQ search index (shared by views whose FAQ entries are the same)."""
        return knowledge.derived("chat.faq_index", lambda k: shared_faq_index(k.faq))

    # -- the handler -------------------------------------------------------------------

    def __call__(self, request: Request, knowledge: Knowledge) -> Reply | None:
        """Answer ``request`` (an advisor Request); None when an unasked message is not ours.

        A message addressed to the bot that holds several questions is answered part by
        part (``compound``), each part as the next turn of the conversation, in one reply.
        A statement before a question ("been in legal for years. which data role fits?")
        is not a part of its own: it stays with the question it introduces.
        """
        cleaned = clean_message(request.text)
        expanded = expand_alternatives(cleaned.text)
        if expanded != cleaned.text:
            cleaned = clean_message(expanded)
        addressed = getattr(request, "addressed", True)
        parts = split_parts(cleaned.text) if addressed else [cleaned.text]
        if len(parts) == 1:
            decided = self._decide(cleaned, request, knowledge, addressed)
            return self._answer(decided, request).reply if decided else None
        answered: list[tuple[str, Reply, bool]] = []
        carry = ""
        for i, part in enumerate(parts):
            part_cleaned = clean_message(f"{carry} {part}".strip())
            asked = part_cleaned.is_question or bool(_QUESTION_START.match(part_cleaned.text))
            decided = self._decide(part_cleaned, request, knowledge, addressed)
            if decided is None:
                continue
            if not asked and i + 1 < len(parts) and decided[1].intent in _CONTEXT_ONLY:
                carry = part_cleaned.text  # context for the question that follows
                continue
            carry = ""
            if len(answered) == MAX_PARTS:
                answered.append(("left", Reply(title=""), True))
                continue
            intent = "injection" if decided[0].u.injection else decided[1].intent
            answered.append((intent, self._answer(decided, request).reply, asked))
        left = sum(1 for i, _, _ in answered if i == "left")
        answered = [a for a in answered if a[0] != "left"]
        # A remark beside a question ("thanks", "asking for a friend") needs no reply of
        # its own, nor does an instruction to the bot; a request outside the bot's scope
        # does (a redirect).
        substantive = [(i, r) for i, r, asked in answered
                       if i not in QUIET and i != "injection"
                       and not (i in _CONTEXT_ONLY and not asked)]
        kept = [r for _, r in (substantive or [(i, r) for i, r, _ in answered])]
        kept = list({render_text(r): r for r in kept}.values())  # a part repeating another
        if not kept:
            return None
        if len(kept) == 1 and not left:
            return kept[0]
        note = render("chat/compound_more.j2", prefix=request.prefix).lead
        return combine(kept, left, note)

    def _decide(self, cleaned: Cleaned, request: Request, knowledge: Knowledge,
                addressed: bool) -> tuple[Planning, Plan] | None:
        """Understand and plan one question (a whole message or one part of it); None when
        an unasked message is not ours. Nothing is remembered yet."""
        catalog = self.catalog(knowledge)
        u = understand(cleaned, catalog)
        conv = self.memory.get(conversation_key(request.user_id, request.channel_id,
                                                request.guild_id))
        arbiter = FaqArbitration(lambda: self.faq_index(knowledge), bool(knowledge.faq),
                                 addressed, lambda u: self.server_faq.answer(u, knowledge))
        planning = Planning.read(u, conv, catalog, arbiter)
        decided = decide(planning)
        if decided.intent != "faq" and not addressed and not self._confident(planning.u, decided):
            return None
        return planning, decided

    def _answer(self, decided: tuple[Planning, Plan], request: Request) -> answers.Built:
        """Build the reply for a decided plan and remember what it was about."""
        planning, plan_ = decided
        u, catalog = planning.u, planning.catalog
        built = build(plan_, u, catalog, request.prefix)
        built = _note_unknown(built, u, plan_, catalog)
        key = conversation_key(request.user_id, request.channel_id, request.guild_id)
        self._remember(key, planning.conv, u, plan_, built)
        hit = plan_.detail.get("hit") if plan_.intent == "faq" else None
        gap_log.report_answer(self.recorder, request, u, plan_.intent, plan_.confident,
                              built.reply, hit, bool(plan_.detail.get("own")))
        return built

    def note_command(self, request: Request, command: str, roles: tuple[str, ...]) -> None:
        """Remember what a command's answer was about, as a chat answer's would be, so a
        follow-up ("and remote?" after ``!week pm``) keeps its subject. The Advisor calls
        this after every command that answered about roles, whatever the front end."""
        intent, facets = COMMAND_TOPICS.get(command, ("overview", ()))
        key = conversation_key(request.user_id, request.channel_id, request.guild_id)
        conv = self.memory.get(key) or Conversation()
        topic = Topic(intent, tuple(roles), facets, source=None)
        # One ``replace`` for both fields: this runs for every command answered.
        self.memory.put(key, replace(conv, topic=topic, recent_roles=conv.recent_with(roles)))

    def understand(self, text: str, knowledge: Knowledge) -> tuple[Understanding, Plan]:
        """What the pipeline reads from ``text`` without memory (for tests and tools)."""
        catalog = self.catalog(knowledge)
        planning = Planning.read(understand(clean_message(text), catalog), None, catalog)
        return planning.u, decide(planning)

    # -- decisions ---------------------------------------------------------------------

    @staticmethod
    def _confident(u: Understanding, decided: Plan) -> bool:
        """May an unasked message be answered? Only a clear question we hold the answer to."""
        if decided.intent not in ANSWERS or not decided.confident:
            return False
        if u.injection or u.unknown_roles or u.not_held:
            return False
        return u.cleaned.is_question or bool(_QUESTION_START.match(u.cleaned.text))

    def _remember(self, key: Key, conv: Conversation | None, u: Understanding, decided: Plan,
                  built: answers.Built) -> None:
        conv = conv or Conversation()
        if not u.injection:
            if u.self_role:
                conv = replace(conv, my_role=u.self_role, my_step=u.self_step)
            if u.self_salary is not None:
                conv = replace(conv, my_salary=u.self_salary)
            if (u.background and u.background != "other") or (u.background == "other" and not u.self_role):
                conv = replace(conv, background=u.background, background_text=u.background_text)
        if built.topic is not None:
            conv = replace(conv, topic=built.topic).with_roles(built.topic.roles)
        self.memory.put(key, conv)
