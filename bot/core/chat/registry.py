"""The one place that decides what a message asks: every intent declared once, and the
ordered stages that choose among them.

An intent is one ``Intent`` entry: its name, the vocabulary facet that signals it (the
phrases live in ``vocabulary/facets.yaml``), how many roles it needs (with fewer, the
member is asked which), whether an FAQ entry may answer it instead, its builder (in
``answers``) and its template (``templates/chat/<template>``). Adding an intent is one
entry here, one builder, one template and one vocabulary entry (README, "Architecture").

Planning is ``STAGES``: each stage reads the ``Planning`` (the immutable Understanding
plus the conversation) and returns a Plan or None. The first Plan wins; no stage
changes another's plan afterwards. The FAQ stage is the only one that looks ahead: it
weighs what the question stages read against the best FAQ entry, and keeps whichever
answers better.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from bot.core.chat import age, answers, changers, lexicon, outlook, passages, pay_cuts, planner, preparation
from bot.core.chat.answers import Built, Ctx
from bot.core.chat.catalog import Catalog
from bot.core.chat.faq import FaqHit, FaqIndex
from bot.core.chat.intents import Understanding, slug_terms
from bot.core.chat.memory import Conversation
from bot.core.chat.planner import Plan, Planning
from bot.core.chat.vocabulary import VocabularyError
from bot.knowledge.models import FaqEntry


@dataclass(frozen=True, slots=True)
class Intent:
    """One thing the chat can answer (or decline), declared once."""

    name: str
    builder: Callable[[Ctx], Built]
    #: The template the builder renders (``templates/chat/<template>``), for readers and
    #: the registry's own test; a builder may pick a variant of it.
    template: str
    #: The vocabulary facet whose phrases signal it (``vocabulary/facets.yaml``), if any.
    signals: str | None = None
    #: Roles it needs; with fewer the member is asked which role they mean.
    roles: int = 0
    #: An FAQ entry may answer instead when it fits the message better.
    faq: bool = True
    #: It answers from the knowledge (as opposed to declining, redirecting or chatting):
    #: only these are said unasked, and only these get the "I don't cover X" note.
    answers: bool = False


def _faq_answer(c: Ctx) -> Built:
    hit: FaqHit = c.plan.detail["hit"]
    return answers.faq(c, hit)


INTENTS: dict[str, Intent] = {i.name: i for i in (
    Intent("figures", answers.figures, "figures.j2", "salary", roles=1, answers=True),
    Intent("rank", answers.rank, "rank.j2", "choose", roles=1, answers=True),
    Intent("market_total", answers.market_total, "market_total.j2", "market", answers=True),
    Intent("salary_check", answers.salary_check, "salary_check.j2", "salary", roles=1,
           faq=False, answers=True),
    Intent("skills", answers.skills, "skills.j2", "skills", roles=1, answers=True),
    Intent("skills_fit", answers.skills_fit, "skills_fit.j2", "skills", answers=True),
    Intent("list_item", answers.list_item, "list_item.j2", None, faq=False, answers=True),
    Intent("path", answers.path, "path.j2", "path", roles=1, answers=True),
    Intent("switch", answers.switch, "switch.j2", "switch", answers=True),
    Intent("getting_in", answers.getting_in, "getting_in.j2", "getting_in", answers=True),
    Intent("week", answers.week, "week.j2", "week", roles=1, answers=True),
    Intent("metros", answers.metros, "metros.j2", "metros", roles=1, answers=True),
    Intent("postings", answers.postings, "postings.j2", "postings", roles=1, answers=True),
    Intent("market", answers.market, "market.j2", "market", roles=1, answers=True),
    Intent("overview", answers.overview, "overview.j2", "overview", roles=1, answers=True),
    Intent("compare", answers.compare, "compare.j2", "compare", roles=2, answers=True),
    Intent("side_by_side", answers.side_by_side, "side_by_side.j2", "compare", roles=3,
           answers=True),
    Intent("choose", answers.choose, "choose_interest.j2", "choose", roles=1, answers=True),
    Intent("sources", answers.sources, "sources.j2", None, faq=False, answers=True),
    Intent("by_source", answers.by_source, "by_source.j2", None, roles=1, answers=True),
    Intent("suggest", answers.suggest, "suggest.j2", None, roles=1),
    Intent("also_called", answers.also_called, "also_called.j2", "also_called", roles=1,
           answers=True),
    Intent("pay_cut", pay_cuts.answer, "salary_cut.j2", "salary", roles=1, faq=False,
           answers=True),
    Intent("preparation", preparation.build, "preparation.j2", None, roles=1, answers=True),
    Intent("maths", preparation.build_maths, "maths.j2", None, roles=1, answers=True),
    Intent("outlook", outlook.build, "outlook.j2", None, roles=1, answers=True),
    Intent("age", age.build, "age.j2", None, faq=False, answers=True),
    Intent("same_job", answers.also_called, "also_called.j2", None, roles=1, faq=False,
           answers=True),
    Intent("detail", passages.build, "detail.j2", None, roles=1, faq=False, answers=True),
    Intent("decline", answers.decline, "decline.j2", None, faq=False),
    Intent("profile", answers.profile, "profile.j2", None, faq=False),
    Intent("faq", _faq_answer, "faq.j2", None, faq=False),
    Intent("greeting", answers.simple("greeting.j2"), "greeting.j2", faq=False),
    Intent("thanks", answers.simple("thanks.j2"), "thanks.j2", faq=False),
    Intent("help", answers.simple("help.j2"), "help.j2"),
    Intent("list_roles", answers.simple("list_roles.j2"), "list_roles.j2", faq=False),
    Intent("clarify", answers.simple("clarify.j2"), "clarify.j2"),
    Intent("offtopic", answers.simple("offtopic.j2"), "offtopic.j2"),
    Intent("out_of_scope", answers.simple("offtopic.j2"), "offtopic.j2"),
    Intent("empty", answers.simple("help.j2"), "help.j2", faq=False),
)}

#: Intents that answer from the knowledge base.
ANSWERS = frozenset(name for name, i in INTENTS.items() if i.answers)


def check_facets(facets: Iterable[str]) -> None:
    """Every facet of the vocabulary must be one the planner ranks or some intent's
    signal; a misspelt facet fails here, at import, naming the file and the facet."""
    known = set(planner.PRIORITY) | {i.signals for i in INTENTS.values() if i.signals}
    for facet in facets:
        if facet not in known:
            raise VocabularyError(f"facets.yaml: facets.{facet}: no intent or planner facet "
                                  f"of that name (known: {', '.join(sorted(known))})")


check_facets(lexicon.FACET_WORDS)


def register(intent: Intent) -> None:
    """Add (or replace) an intent; the worked example in the README uses this."""
    INTENTS[intent.name] = intent


def build(plan: Plan, u: Understanding, catalog: Catalog, prefix: str) -> Built:
    """The Reply for ``plan`` (and the topic to remember)."""
    ctx = Ctx(plan, u, catalog, prefix)
    intent = INTENTS.get(plan.intent, INTENTS["offtopic"])
    if len(ctx.roles) < intent.roles:
        return Built(ctx.render("clarify.j2", plan=plan), None)
    return intent.builder(ctx)


# -- the FAQ stage ---------------------------------------------------------------------

#: Weak-evidence answers give way to an FAQ entry this close to the question.
FAQ_OVER_WEAK = 0.6
_WHY = re.compile(r"^(?:why|how come|whats the point|is it true|what does .{1,40} mean)\b")
#: "what is o*net", "what does p75 mean": a definition, which one distinctive word can ask.
_DEFINITION = re.compile(r"^(?:what|whats|what is|what are|what does|define|explain|meaning of)\b")


def faq_terms(u: Understanding) -> list[str]:
    """The message's words for FAQ search, with each role mention replaced by its slug."""
    return slug_terms(u)


@dataclass(frozen=True)
class FaqArbitration:
    """The FAQ index of the view and whether the bot was addressed: what the FAQ stage
    needs beyond the Planning."""

    index: Callable[[], FaqIndex]
    has_entries: bool
    addressed: bool = True
    #: The server's own FAQ entry that closely fits the question, if any (``server_faq``).
    own: Callable[[Understanding], FaqHit | None] | None = None

    def __call__(self, p: Planning, reading: Plan) -> Plan | None:
        hit = self.best(p, reading)
        return None if hit is None else Plan("faq", roles=reading.roles, detail={"hit": hit},
                                              confident=hit.confident)

    def best(self, p: Planning, decided: Plan) -> FaqHit | None:
        """The FAQ entry to answer with instead of ``decided``, if one fits well enough."""
        u, conv_topic = p.u, p.topic
        # Some declines may have an FAQ entry that answers better ("what courses should I
        # take to become an AI PM", "do remote jobs pay less").
        half_comparison = decided.intent == "decline" and (
            decided.detail.get("compare") or decided.reason in ("education", "remote_pay"))
        intent = INTENTS.get(decided.intent)
        if not self.has_entries or ((intent is None or not intent.faq) and not half_comparison):
            return None
        ranked = p.ranked
        why = bool(_WHY.match(u.cleaned.text))
        if conv_topic is not None and decided.intent == conv_topic.intent and not ranked:
            return None  # a follow-up of the last answer, not a new question
        role_words = {t for m in u.roles for t in u.tokens[m.start:m.end]}
        bare_role = u.role_slugs and not [t for t in u.content_tokens if t not in role_words]
        figure_question = decided.intent == "rank" and u.comparative and u.score(
            (decided.facets or ("salary",))[0]) >= 3 and not u.cleaned.text.startswith("do")
        weak = (
            half_comparison  # "mlops vs devops" may be a question the FAQ answers
            or decided.intent in ("clarify", "help", "offtopic", "out_of_scope", "suggest")
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
        catalog = p.catalog
        in_scope = set(u.role_slugs) | set(conv_topic.roles if conv_topic else ())

        def about_these_roles(entry: FaqEntry) -> bool:
            # An entry about particular roles ("What is the difference between MLOps and
            # DevOps?") answers only a message about one of them.
            roles = catalog.entry_roles(entry)
            return not roles or bool(roles & in_scope)

        index = self.index()
        terms = faq_terms(u)
        hit = index.best(terms, allowed=about_these_roles)
        if hit is None and (why or _DEFINITION.match(u.cleaned.text)) and not u.role_slugs:
            hit = index.best(terms, allowed=about_these_roles, min_matched=1)
        if hit is None:
            return None
        if not self.addressed and not hit.confident:
            return None
        if (decided.intent in ANSWERS or decided.intent == "suggest") and not why \
                and hit.coverage < FAQ_OVER_WEAK:
            return None
        return hit


def server_faq_stage(p: Planning) -> Plan | None:
    """A FAQ entry this server's moderators wrote answers a question that closely matches
    its own question before any structured answer, in that server only."""
    own = getattr(p.faq, "own", None)
    hit = own(p.u) if own is not None else None
    if hit is None:
        return None
    return Plan("faq", roles=p.roles, detail={"hit": hit, "own": True}, confident=True)


def faq_stage(p: Planning) -> Plan | None:
    """FAQ arbitration: an FAQ entry when it answers better than what the stages after
    this one read; otherwise nothing, and that reading stands."""
    if p.faq is None:
        return None
    return p.faq(p, reading(p, after="faq"))


# -- the stages ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Stage:
    name: str
    run: Callable[[Planning], Plan | None]


STAGES: tuple[Stage, ...] = (
    Stage("server_faq", server_faq_stage),      # this server's own entry, when it fits
    Stage("faq", faq_stage),                    # an FAQ entry, if it beats what follows
    Stage("out_of_scope", planner.out_of_scope),  # "help with my cover letter": redirect
    Stage("social", planner.social),            # greetings, thanks, help, "what roles"
    Stage("changer", changers.stage),           # "ex-lawyer, which role?": before unknown roles
    Stage("unknown", planner.unknown),          # roles and companies not held
    Stage("pay_cut", pay_cuts.stage),           # pay by level, country, year, remote (survey)
    Stage("not_held_figures", planner.not_held_figures),  # figures not held (place, bonus...)
    Stage("preparation", preparation.stage),    # degree, PhD, maths for a named role
    Stage("outlook", outlook.stage),            # "will AI replace X": no forecast held
    Stage("age", age.stage),                    # "too late to switch at 45": FAQ + way in
    Stage("not_held", planner.not_held),        # other topics not held (trends, levels...)
    Stage("by_source", planner.by_source),      # one role per source; a source not held
    Stage("about_me", planner.about_me),        # "is 150k good for me", "i'm a pm"
    Stage("same_job", planner.same_job),        # two titles of one job: "the same job"
    Stage("question", planner.question),        # explicit facet questions and follow-ups
    Stage("detail", passages.stage),            # a detail: the knowledge's own sentences
    Stage("suggest", planner.suggest),          # a role named, the question unclear
    Stage("redirect", planner.redirect),        # nothing fits: a friendly redirect
)


def _outcome(p: Planning, stage: Stage) -> Plan | None:
    if stage.name not in p.outcomes:
        p.outcomes[stage.name] = stage.run(p)
    return p.outcomes[stage.name]


def reading(p: Planning, after: str) -> Plan:
    """The plan of the first stage after ``after`` that decides (each run at most once)."""
    names = [s.name for s in STAGES]
    for stage in STAGES[names.index(after) + 1:]:
        plan = _outcome(p, stage)
        if plan is not None:
            return plan
    return Plan("offtopic")


def decide(p: Planning) -> Plan:
    """The plan of the first stage that decides."""
    for stage in STAGES:
        plan = _outcome(p, stage)
        if plan is not None:
            return plan
    return Plan("offtopic")


def plan(u: Understanding, conv: Conversation | None, catalog: Catalog) -> Plan:
    """Choose the answer for ``u`` without consulting the FAQ (tests and tools)."""
    return decide(Planning.read(u, conv, catalog))
