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
import threading
from dataclasses import replace
from typing import Protocol

from cachetools import LRUCache

from bot.core.chat import answers
from bot.core.chat.catalog import Catalog, shared_faq_index
from bot.core.chat.faq import FaqHit, FaqIndex
from bot.core.chat.intents import Understanding, understand
from bot.core.chat.memory import Conversation, ConversationMemory, Key, Topic, conversation_key
from bot.core.chat.normalize import clean_message
from bot.core.chat.planner import Plan, _ranked_facets, plan
from bot.core.names import RoleIndex
from bot.core.render import render
from bot.core.reply import Reply
from bot.knowledge.models import FaqEntry, Knowledge
from bot.knowledge.store import PREPARED_VIEWS

log = logging.getLogger(__name__)

#: Intents that answer from the knowledge base (as opposed to declining or redirecting).
ANSWERS = frozenset({"figures", "rank", "market_total", "salary_check", "skills", "list_item",
                     "path", "switch", "getting_in", "week", "metros", "postings", "market",
                     "overview", "compare", "choose", "sources", "by_source", "skills_fit"})
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
#: Weak-evidence answers give way to an FAQ entry this close to the question.
FAQ_OVER_WEAK = 0.6
_WHY = re.compile(r"^(?:why|how come|whats the point|is it true|what does .{1,40} mean)\b")
#: "what is o*net", "what does p75 mean": a definition, which one distinctive word can ask.
_DEFINITION = re.compile(r"^(?:what|whats|what is|what are|what does|define|explain|meaning of)\b")
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
    phrase = unknown[0] if all(w in catalog.vocabulary for w in unknown[0].split()) else ""
    note = render("chat/unknown_note.j2", phrase=phrase)
    lead = f"{built.reply.lead}\n{note.lead}" if built.reply.lead else note.lead
    return answers.Built(replace(built.reply, lead=lead), built.topic)


def faq_terms(u: Understanding) -> list[str]:
    """The message's words for FAQ search, with each role mention replaced by its slug."""
    spans = {i: m for m in u.roles for i in range(m.start, m.end)}
    terms: list[str] = []
    for i, token in enumerate(u.tokens):
        mention = spans.get(i)
        if mention is None:
            terms.append(token)
        elif i == mention.start:
            terms.append(mention.slug)
    return terms


class ChatRequest(Protocol):
    """What the engine reads of the advisor's ``Request``. That class lives in
    ``bot.core.advisor``, which imports this package, so it is described here rather than
    imported (moving ``Request`` below both is issue 11's layering work)."""

    @property
    def text(self) -> str: ...
    @property
    def user_id(self) -> str: ...
    @property
    def channel_id(self) -> str: ...
    @property
    def guild_id(self) -> str | None: ...
    @property
    def prefix(self) -> str: ...


class ChatEngine:
    """Answers free-form questions from a knowledge view; keeps per-user memory."""

    def __init__(self, memory: ConversationMemory | None = None) -> None:
        self.memory = memory if memory is not None else ConversationMemory()
        self._lock = threading.Lock()
        # Per knowledge view, least recently used evicted one at a time (servers nobody
        # edited share the global view's).
        self._catalogs: LRUCache[int, tuple[Knowledge, Catalog, FaqIndex | None]] = \
            LRUCache(maxsize=PREPARED_VIEWS)

    # -- caches ------------------------------------------------------------------------

    def catalog(self, knowledge: Knowledge, index: RoleIndex | None = None) -> Catalog:
        return self._entry(knowledge, index)[1]

    def faq_index(self, knowledge: Knowledge) -> FaqIndex:
        knowledge_, catalog, faq = self._entry(knowledge)
        if faq is None:
            faq = shared_faq_index(knowledge.faq)
            with self._lock:
                self._catalogs[id(knowledge)] = (knowledge_, catalog, faq)
        return faq

    def _entry(self, knowledge: Knowledge,
               index: RoleIndex | None = None) -> tuple[Knowledge, Catalog, FaqIndex | None]:
        with self._lock:
            cached = self._catalogs.get(id(knowledge))
            if cached is not None and cached[0] is knowledge:
                return cached
        catalog = Catalog.build(knowledge, index)
        with self._lock:
            entry = (knowledge, catalog, None)
            self._catalogs[id(knowledge)] = entry
        return entry

    # -- the handler -------------------------------------------------------------------

    def __call__(self, request: ChatRequest, knowledge: Knowledge) -> Reply | None:
        """Answer ``request`` (an advisor Request); None when an unasked message is not ours."""
        cleaned = clean_message(request.text)
        catalog = self.catalog(knowledge)
        u = understand(cleaned, catalog)
        key = conversation_key(request.user_id, request.channel_id, request.guild_id)
        conv = self.memory.get(key)
        decided = plan(u, conv, catalog)
        addressed = getattr(request, "addressed", True)
        hit = self._faq(u, decided, knowledge, addressed, conv.topic if conv else None)
        if hit is not None:
            built = answers.faq(answers.Ctx(decided, u, catalog, request.prefix), hit)
        else:
            if not addressed and not self._confident(u, decided):
                return None
            if decided.intent == "unknown":
                decided = replace(decided, intent="offtopic")
            built = answers.build(decided, u, catalog, request.prefix)
            built = _note_unknown(built, u, decided, catalog)
        self._remember(key, conv, u, decided, built)
        return built.reply

    def note_command(self, request: ChatRequest, command: str, roles: tuple[str, ...]) -> None:
        """Remember what a command's answer was about, as a chat answer's would be, so a
        follow-up ("and remote?" after ``!week pm``) keeps its subject. The Advisor calls
        this after every command that answered about roles, whatever the front end."""
        intent, facets = COMMAND_TOPICS.get(command, ("overview", ()))
        key = conversation_key(request.user_id, request.channel_id, request.guild_id)
        conv = self.memory.get(key) or Conversation()
        topic = Topic(intent, tuple(roles), facets, source=None)
        self.memory.put(key, replace(conv, topic=topic).with_roles(topic.roles))

    def understand(self, text: str, knowledge: Knowledge) -> tuple[Understanding, Plan]:
        """What the pipeline reads from ``text`` without memory (for tests and tools)."""
        catalog = self.catalog(knowledge)
        u = understand(clean_message(text), catalog)
        return u, plan(u, None, catalog)

    # -- decisions ---------------------------------------------------------------------

    def _faq(self, u: Understanding, decided: Plan, knowledge: Knowledge,
             addressed: bool, conv_topic: Topic | None = None) -> FaqHit | None:
        """The FAQ entry to answer with instead of the plan, if one fits well enough."""
        # Some declines may have an FAQ entry that answers better ("what courses should I
        # take to become an AI PM", "do remote jobs pay less").
        half_comparison = decided.intent == "decline" and (
            decided.detail.get("compare") or decided.reason in ("education", "remote_pay"))
        if not knowledge.faq or (decided.intent in ("greeting", "thanks", "empty", "list_roles",
                                                    "decline", "salary_check", "profile",
                                                    "list_item", "sources")
                                 and not half_comparison):
            return None
        ranked = _ranked_facets(u)
        why = bool(_WHY.match(u.cleaned.text))
        if conv_topic is not None and decided.intent == conv_topic.intent and not ranked:
            return None  # a follow-up of the last answer, not a new question
        role_words = {t for m in u.roles for t in u.tokens[m.start:m.end]}
        bare_role = u.role_slugs and not [t for t in u.content_tokens if t not in role_words]
        figure_question = decided.intent == "rank" and u.comparative and u.score(
            (decided.facets or ("salary",))[0]) >= 3 and not u.cleaned.text.startswith("do")
        weak = (
            half_comparison  # "mlops vs devops" may be a question the FAQ answers
            or decided.intent in ("unknown", "clarify", "help", "offtopic")
            or (not u.role_slugs and decided.intent in ("rank", "choose", "compare", "market_total")
                and not figure_question)
            or (decided.intent == "getting_in" and not u.role_slugs
                and not decided.detail.get("background"))
            or (decided.intent == "skills" and not (u.skills or u.tech) and u.score("skills") < 4)
            or (decided.intent == "overview" and not ranked and not bare_role)
            # "what's the difference between median and average": about the figures
            # themselves when no role is named and nothing came before.
            or (decided.intent == "figures" and not u.role_slugs and conv_topic is None
                and (why or u.metrics_named >= 2 or _DEFINITION.match(u.cleaned.text)))
        )
        if not (weak or why):
            return None
        catalog = self.catalog(knowledge)
        in_scope = set(u.role_slugs) | set(conv_topic.roles if conv_topic else ())

        def about_these_roles(entry: FaqEntry) -> bool:
            # An entry about particular roles ("What is the difference between MLOps and
            # DevOps?") answers only a message about one of them.
            roles = catalog.entry_roles(entry)
            return not roles or bool(roles & in_scope)

        index = self.faq_index(knowledge)
        terms = faq_terms(u)
        hit = index.best(terms, allowed=about_these_roles)
        if hit is None and (why or _DEFINITION.match(u.cleaned.text)) and not u.role_slugs:
            hit = index.best(terms, allowed=about_these_roles, min_matched=1)
        if hit is None:
            return None
        if not addressed and not hit.confident:
            return None
        if decided.intent in ANSWERS and not why and hit.coverage < FAQ_OVER_WEAK:
            return None
        return hit

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
