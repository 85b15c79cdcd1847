"""Decide what to answer: one Understanding plus the conversation so far -> a Plan.

The order of decisions is the product's priorities: first what the bot must not answer
(roles, places, companies, trends or figures it does not hold: a plain "I don't know"),
then what the message clearly asks, then what a follow-up inherits from the last
answer ("and remote?" keeps the roles, "and pm?" keeps the question), and last the
FAQ, a request to name a role, or a friendly redirect.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Protocol

from bot.core.chat import lexicon
from bot.core.chat.catalog import Catalog
from bot.core.chat.intents import Understanding, echoable
from bot.core.chat.memory import Conversation, Topic
from bot.core.figures import has_source

#: Facets in the order ties are broken: the more specific question wins.
PRIORITY = ("postings", "week", "switch", "getting_in", "path", "skills", "metros",
            "market", "remote", "seniority", "salary", "openings", "choose", "compare",
            "overview")
#: A facet needs this score to count as asked.
MIN_SCORE = 2
#: A facet this strong, with a role named, is answered despite an out-of-scope phrase.
OUT_OF_SCOPE_OVERRIDE = 4
#: Roles named together from which a comparison is a side-by-side of all of them.
SIDE_BY_SIDE_MIN = 3
#: A way-in phrase this strong ("get started", "break into") beside a level ("entry-level")
#: asks how to get in at that level, not the experience mix.
WAY_IN_OVER_LEVEL = 5
#: What ``_intent`` reads when a message names a role but asks nothing it can tell: not
#: the profile (that answers only "tell me about X"), but the detail/suggest stages.
VAGUE = "vague"

NOT_HELD_WITH_FIGURES = ("equity", "bonus", "total_comp", "hourly")
#: Words that make a message with one known and one unknown role a comparison, which
#: cannot be answered without figures for both.
_VERSUS = ("vs", "versus", "or", "compared to", "compare", "than", "against", "difference between",
           "better than", "more than", "less than")
#: "which role fits", "what job": asking for roles (with skills named, a skills match).
_FIT_WORDS = ("which role", "what role", "which job", "what job", "fits", "fit", "suits",
              "suit", "which roles", "what roles", "roles use", "roles need", "which career",
              "what career", "good for", "should i do", "should i be", "which jobs", "what jobs",
              "jobs use", "jobs need", "jobs fit", "roles fit", "careers fit")
#: A question about every role at once, answered as a ranking.
_EVERY_ROLE = ("all roles", "all the roles", "every role", "each role", "all jobs", "all the jobs",
               "every job", "rank", "ranking", "ranked", "across roles", "across all",
               "all of the roles", "all your roles", "all data roles", "all the data roles",
               "of all roles", "any role", "which role", "what role")
#: A path question whose subject is other jobs ("which jobs lead into X") asks the way in.
_WAYS_IN = ("which jobs", "what jobs", "which roles", "what roles", "which careers",
            "what careers", "what background", "which background", "what backgrounds",
            "which backgrounds", "which positions", "what positions")
_LEAD_INTO = ("lead into", "leads into", "lead to", "leads to", "feed into", "feeds into",
              "path into", "paths into", "route into", "routes into", "go into", "pipeline into")
#: Move words whose subject is the role itself ("what can a research scientist move
#: into"): the answer is where the role leads, not how to get into it.
_MOVE_WORDS = ("move", "moving", "switch", "switching", "transition", "transitioning", "pivot",
               "pivoting", "go", "jump", "exit", "options", "next")


#: A "switch" score this high ("pivot", "switch", "transition") with a target role asks
#: the way in, over week or path words beside it.
_MOVE_SCORE = 4
#: How the member asks to make a move themselves ("how do i pivot to X").
_HOW_DO_I = ("how do i", "how can i", "how would i", "how should i", "how could i", "how to",
             "how does one", "how do you", "what steps", "best way to")


@dataclass
class Plan:
    """What to answer and about which roles; ``answers.build`` turns it into a Reply."""

    intent: str
    roles: tuple[str, ...] = ()
    facets: tuple[str, ...] = ()
    metric: str | None = None
    reason: str | None = None
    detail: dict = field(default_factory=dict)
    #: The message itself named the roles or the question clearly (for unasked replies).
    confident: bool = False


def _ranked_facets(u: Understanding) -> list[tuple[str, int]]:
    """Facets asked, strongest first; a facet only the vocabulary and the registry know
    (a new intent's) ranks after the listed ones on equal scores."""
    order = {f: i for i, f in enumerate(PRIORITY)}
    items = [(f, s) for f, s in u.scores.items() if s >= MIN_SCORE]
    return sorted(items, key=lambda fs: (-fs[1], order.get(fs[0], len(PRIORITY))))


@dataclass
class Planning:
    """What every planning stage reads: the message, the conversation, and what follows
    from both (the roles in scope, the facets asked, the member's own role). Computed once
    per message; each stage's outcome is kept, so a stage consulted by another (the FAQ
    stage weighs what the question stages read) is never run twice."""

    u: Understanding
    conv: Conversation | None
    catalog: Catalog
    #: The roles the message itself named (before a follow-up's bare title counts).
    named: tuple[str, ...]
    explicit: tuple[str, ...]
    roles: tuple[str, ...]
    from_memory: bool
    all_roles: tuple[str, ...]
    topic: Topic | None
    ranked: list[tuple[str, int]]
    top: str | None
    top_score: int
    my_role: str | None
    my_salary: int | None
    background: str | None
    figure_facets: list[str]
    inherited_figures: bool
    source: str | None
    #: FAQ arbitration's inputs (None: no FAQ consulted, as in ``plan``).
    faq: FaqArbiter | None = None
    outcomes: dict[str, Plan | None] = field(default_factory=dict)

    @classmethod
    def read(cls, u: Understanding, conv: Conversation | None, catalog: Catalog,
             faq: FaqArbiter | None = None) -> Planning:
        topic = conv.topic if conv else None
        named = tuple(u.role_slugs)
        if not named and u.head_roles and topic is not None and (u.followup or u.comparative):
            # "and for analysts?" in a conversation about data roles: the one role so named.
            u = u.with_roles((*u.roles, *u.head_roles))
        explicit = tuple(u.role_slugs)
        my_role = u.self_role or (conv.my_role if conv else None)
        roles = _resolve_roles(u, conv, catalog, explicit, my_role)
        ranked = _ranked_facets(u)
        figure_facets = [f for f in lexicon.FIGURE_FACETS if u.score(f) >= MIN_SCORE]
        return cls(
            u=u, conv=conv, catalog=catalog, named=named, explicit=explicit, roles=roles,
            from_memory=not explicit and bool(roles),
            all_roles=tuple(r.slug for r in catalog.knowledge.role_list()), topic=topic,
            ranked=ranked, top=ranked[0][0] if ranked else None,
            top_score=ranked[0][1] if ranked else 0, my_role=my_role,
            my_salary=None if u.injection else (u.self_salary or (conv.my_salary if conv else None)),
            background=u.background or (conv.background if conv else None),
            figure_facets=figure_facets,
            inherited_figures=(not figure_facets and topic is not None and u.followup
                               and any(f in lexicon.FIGURE_FACETS for f in topic.facets)),
            source=u.source_hint or (topic.source if topic and not explicit else None),
            faq=faq)


class FaqArbiter(Protocol):
    """The FAQ stage's view of the FAQ (``faq_stage`` in the registry)."""

    def __call__(self, p: Planning, reading: Plan) -> Plan | None: ...


def social(p: Planning) -> Plan | None:
    """Empty messages, greetings, thanks, and questions about the bot itself."""
    u, top = p.u, p.top
    if not u.tokens or not any(t.isalnum() for t in u.tokens):
        return Plan("empty")
    if u.greeting and not p.named and top is None:
        return Plan("greeting")
    if u.thanks and not p.named and top is None:
        return Plan("thanks")
    figure_asked = any(u.score(f) >= 3 for f in lexicon.FIGURE_FACETS)
    if u.list_roles and not figure_asked:
        return Plan("list_roles", confident=True)
    if u.asks_sources and not p.named:
        return Plan("sources", confident=True)
    if u.help and not p.named and p.top_score < 4:
        return Plan("help")
    return None


def out_of_scope(p: Planning) -> Plan | None:
    """A request outside careers advice ("can you help with my cover letter", "how do i
    tell my manager ..."): a friendly redirect, even mid-conversation, never a fact from
    the previous topic. A clear question about a role beside it still wins."""
    u = p.u
    if not u.any(lexicon.OUT_OF_SCOPE):
        return None
    if p.explicit and p.top_score >= OUT_OF_SCOPE_OVERRIDE and p.top != "overview":
        return None  # "what skills should i put on my resume as a data engineer"
    return Plan("out_of_scope")


def unknown(p: Planning) -> Plan | None:
    """Roles and companies the knowledge does not hold (also as one side of a
    comparison): a plain "I don't hold that", before anything is read as a question."""
    u, catalog, explicit, roles, top = p.u, p.catalog, p.explicit, p.roles, p.top
    unknown = [q for q in u.unknown_roles if not _is_background_phrase(u, q)]
    if unknown and not explicit and not (u.background and top in ("getting_in", "switch")):
        phrase = unknown[0] if echoable(unknown[0], catalog) else ""
        return Plan("decline", roles=(), reason="unknown_role",
                    detail={"phrase": phrase, "suggest": _suggest(catalog, unknown[0])},
                    confident=True)
    if unknown and len(explicit) == 1 and u.any(_VERSUS) and not u.background \
            and not _is_background_phrase(u, unknown[0]):
        # "cloud engineer vs data engineer": half a comparison is no comparison.
        phrase = unknown[0] if echoable(unknown[0], catalog) else ""
        facets = tuple(f for f in lexicon.FIGURE_FACETS if u.score(f) >= MIN_SCORE)[:1] \
            or ("salary",)
        return Plan("decline", roles=explicit, reason="unknown_role", facets=facets,
                    detail={"phrase": phrase, "suggest": _suggest(catalog, unknown[0]),
                            "compare": True}, confident=True)
    if u.companies and (u.score("salary") >= 3 or u.score("openings") >= 2 or "companies" in
                        u.companies or u.score("market") >= 1):
        return Plan("decline", roles=roles[:1], reason="company", confident=True)
    return None


def not_held_figures(p: Planning) -> Plan | None:
    """Figures the knowledge does not hold: for a place, equity, bonus, hourly rates,
    another currency or tax, or pay split by remote work the survey cannot show."""
    u, roles, topic = p.u, p.roles, p.topic
    figure_facets, inherited_figures = p.figure_facets, p.inherited_figures
    if u.places and (figure_facets or inherited_figures):
        metro_question = u.any(("where", "hub", "hubs", "good for", "good place", "live in",
                                "city", "cities", "metro", "metros", "location", "locations",
                                "relocate", "move to", "based"))
        if not metro_question:
            facet = figure_facets[0] if figure_facets else topic.facets[0]  # type: ignore[union-attr]
            return Plan("decline", roles=roles[:2], reason="place", facets=(facet,),
                        detail={"place": u.places[0]}, confident=True)
    for kind in NOT_HELD_WITH_FIGURES:
        if kind in u.not_held:
            return Plan("decline", roles=roles[:2], reason=kind, facets=("salary",), confident=True)
    for kind in ("currency", "tax"):
        if kind in u.not_held and (u.score("salary") >= 2 or kind == "tax"
                                   or (kind == "currency" and u.numbers.foreign_currency)):
            return Plan("decline", roles=roles[:2], reason=kind, facets=("salary",),
                        confident=True)
    if "remote_pay" in u.not_held:
        return Plan("decline", roles=roles[:1], reason="remote_pay", facets=("salary",),
                    confident=True)
    return None


def not_held(p: Planning) -> Plan | None:
    """Topics the knowledge does not hold: applicants, demographics, education the
    preparation stage did not answer, trends and forecasts, a percentile or a level's pay
    not held: a plain "I don't hold that", before anything is read as a question."""
    u, roles, topic, top = p.u, p.roles, p.topic, p.top
    figure_facets, inherited_figures = p.figure_facets, p.inherited_figures
    for kind in ("applicants", "demographics", "education"):
        if kind in u.not_held:
            return Plan("decline", roles=roles[:2], reason=kind, confident=True)
    if "trend" in u.not_held and top not in ("switch", "getting_in", "skills", "week",
                                             "postings", "metros"):
        facet = figure_facets[0] if figure_facets else (
            topic.facets[0] if inherited_figures and topic else "openings" if u.any(
                ("jobs", "demand", "openings", "positions", "hiring", "market")) else "salary")
        return Plan("decline", roles=roles[:2], reason="trend", facets=(facet,), confident=True)
    if u.percentile and (u.score("salary") >= MIN_SCORE or (topic and "salary" in topic.facets)):
        return Plan("decline", roles=roles[:2], reason="percentile", facets=("salary",),
                    detail={"percentile": u.percentile}, confident=True)
    if u.seniority_pay and roles and not u.numbers.amounts and not u.my_ref:
        step = u.seniority_pay if u.seniority_pay[:1].isupper() else None
        return Plan("decline", roles=roles[:2], reason="seniority_pay", facets=("salary",),
                    detail={"level": u.seniority_pay, "step": step}, confident=True)
    return None


def by_source(p: Planning) -> Plan | None:
    """ "mlops in the survey vs the postings": one role, each source side by side; a
    source asked for that a role lacks is declined."""
    u, explicit, roles, topic, source = p.u, p.explicit, p.roles, p.topic, p.source
    if (u.across_sources or (u.asks_sources and explicit)) and len(explicit or roles) == 1 \
            and not u.cleaned.text.startswith(("why", "how come")):
        facets = tuple(f for f in lexicon.FIGURE_FACETS if u.score(f) >= MIN_SCORE) or (
            topic.facets if topic and topic.facets and p.inherited_figures else ("salary",))
        return Plan("by_source", roles=(explicit or roles)[:1], facets=facets[:2], metric=u.metric,
                    confident=bool(explicit))
    lacking = [s for s in roles if source and not has_source(p.catalog.role(s), source)]
    if source and lacking and (p.figure_facets or p.inherited_figures or u.metric or not roles):
        facet = p.figure_facets[0] if p.figure_facets else (
            topic.facets[0] if p.inherited_figures and topic and topic.facets else "salary")
        return Plan("decline", roles=tuple(roles[:2]), reason="source", facets=(facet,),
                    detail={"source": source, "lacking": tuple(lacking)}, confident=True)
    return None


def about_me(p: Planning) -> Plan | None:
    """What members say about themselves: a pay check, or a self-introduction."""
    u, roles, my_role, my_salary, source = p.u, p.roles, p.my_role, p.my_salary, p.source
    amount = None if u.injection else (u.numbers.amounts[0] if u.numbers.amounts else None)
    check_words = u.any(_CHECK_WORDS)
    if amount is not None and (roles or my_role) and (check_words or u.self_salary):
        role = roles[0] if roles else my_role
        return Plan("salary_check", roles=(role,), metric=u.metric,  # type: ignore[arg-type]
                    detail={"amount": amount, "self": bool(u.self_salary), "source": source},
                    confident=True)
    if amount is None and my_salary is not None and (u.my_ref or u.back_ref) and (
            u.score("salary") >= MIN_SCORE or u.metric or check_words):
        role = my_role or (roles[0] if roles else None)
        if role:
            return Plan("salary_check", roles=(role,), metric=u.metric,
                        detail={"amount": my_salary, "self": True, "source": source},
                        confident=False)
    statement = (u.self_role or u.background) and not u.asking and p.top_score < 4 \
        and not u.list_roles
    if statement and not u.injection:
        return Plan("profile", roles=(u.self_role,) if u.self_role else (),
                    detail={"background": u.background, "step": u.self_step,
                            "background_text": u.background_text})
    return None


_CHECK_WORDS = ("lowball", "lowballed", "low", "good", "fair", "decent", "enough",
                "underpaid", "overpaid", "high", "above", "below", "under", "over",
                "competitive", "reasonable", "ok", "okay", "solid", "worth", "bad",
                "too low", "too high", "offer", "offered", "normal", "average",
                "median", "percentile", "75th", "top", "market rate", "compare")


def question(p: Planning) -> Plan | None:
    """What the message asks, explicitly or as a follow-up of the last answer ("and
    remote?" keeps the roles, "and pm?" keeps the question). None when it asks nothing
    this stage can tell (a later stage suggests or redirects)."""
    u, catalog, conv, topic = p.u, p.catalog, p.conv, p.topic
    explicit, roles, all_roles = p.explicit, p.roles, p.all_roles
    my_role, background, source = p.my_role, p.background, p.source
    intent, facets = _intent(u, p.ranked, topic, background, roles)
    if intent is None or intent == VAGUE:
        return None
    if intent == "week" and explicit and not u.injection and asks_particular(u):
        # "which teams does an mlops engineer deal with day to day": the week words are
        # the time frame; what is asked is one particular (the teams), which the detail
        # stage answers from the knowledge's own sentences, or says it does not hold.
        return None
    if intent == "overview" and explicit and not u.injection and asks_detail(u):
        # "what is the dress code for ai engineers": a particular question, not "what is
        # X"; the detail stage answers it from the knowledge's sentences, or says so.
        return None
    if intent == "list" and topic and topic.list_kind == "skills" and explicit and \
            explicit[0] != topic.list_role:
        # "and for mlops?" after "number 3 on that list": the same position, another role.
        return Plan("skills", roles=explicit[:1], detail={"ordinal": topic.ordinal},
                    confident=False)
    if intent == "list" and topic and u.numbers.ordinal is None:
        # Inherited from a list answer but naming no position ("is pytorch on there"):
        # the question is about the list itself.
        intent = {"skills": "skills", "progression": "path", "related": "path",
                  "week": "week", "metros": "metros"}.get(topic.list_kind or "", "overview")
        roles = (topic.list_role,) if topic.list_role else roles
    if intent == "list" and topic and topic.list_items:
        return Plan("list_item", roles=(topic.list_role,) if topic.list_role else (),
                    detail={"ordinal": u.numbers.ordinal, "kind": topic.list_kind,
                            "items": topic.list_items}, confident=False)
    if u.skills and not explicit and intent not in ("figures", "rank", "switch", "market_total") \
            and u.any(_FIT_WORDS):
        # "i know python and sql, which role fits me": roles holding the most of them; "what
        # data jobs fit" ranks the data roles only.
        return Plan("skills_fit", roles=_named_group(u, catalog, every_ai=True), confident=True)
    unknown_words = [t for t in u.content_tokens if t not in catalog.vocabulary]
    bare_choice = intent in ("choose", "compare") and not unknown_words
    if not u.domain and not explicit and not (topic and (u.followup or u.injection)) \
            and not bare_choice:
        return None
    if not explicit and (u.total or u.ai_wide) and (intent == "market" or (
            u.total and intent == "figures" and "openings" in facets)):
        # "how big is the ai job market", "is the ai job market growing": the market as a
        # whole is the count of positions tracked (one snapshot, no trend).
        intent = "market_total"
    if intent in ("figures", "choose", "compare", "overview") and not explicit \
            and u.any(_EVERY_ROLE) and not (intent == "choose" and u.interests):
        # "rank all roles by salary", "compare all the data roles": a ranking, per source.
        group = _named_group(u, catalog)
        roles = group or all_roles
        if intent in ("choose", "compare") and u.criterion:
            facets = ({"pay": "salary", "entry": "seniority"}.get(u.criterion, u.criterion),)
        elif intent != "figures" or not facets:
            facets = ("salary",)
        intent = "rank"
    if intent in ("figures", "choose", "compare") and not roles:
        if len(all_roles) == 1:
            roles = all_roles
        elif intent == "figures" and (u.comparative or u.scope_all):
            intent = "rank"
            roles = _named_group(u, catalog) or all_roles
        elif intent == "figures" and u.metric == "gap" and catalog.default_pair:
            roles = catalog.default_pair
        elif intent in ("choose", "compare"):
            roles = all_roles if len(all_roles) == 2 or u.criterion or u.interests else \
                catalog.default_pair
    if intent == "figures" and len(roles) >= 2 and u.comparative and not u.scope_all \
            and len(facets) == 1 and u.metric != "gap":
        intent = "rank"
    needs_role = intent not in ("getting_in", "choose", "compare", "rank", "market_total")
    if needs_role and not roles:
        if len(all_roles) == 1:
            roles = all_roles
        else:
            return Plan("clarify", facets=facets, detail={"intent": intent})
    if intent == "choose" and len(explicit) == 1 and not offers_choice(u):
        # "should i worry a company wants mlops but ...": "should i" beside one role and
        # no alternative is no choice between roles; the detail stage reads what it asks
        # (never the default pair, which would name a role the member did not).
        return None
    if intent in ("compare", "choose") and len(roles) < 2:
        if len(all_roles) == 2:
            roles = all_roles
        elif roles and roles[0] in catalog.default_pair:
            roles = tuple(dict.fromkeys((*roles, *catalog.default_pair)))
        elif intent == "compare":
            intent = "overview"
    if intent in ("compare", "overview") and len(explicit) >= SIDE_BY_SIDE_MIN:
        # "how do ai engineer, ml engineer, research engineer and applied scientist differ":
        # every role named, side by side, not the first two.
        return Plan("side_by_side", roles=explicit, facets=facets, confident=True)
    if intent == "switch" and len(roles) == 1 and u.to_role is None and not background \
            and (not my_role or my_role == roles[0]) and u.any(_MOVE_WORDS):
        # "what can a data analyst move into": where the role leads.
        intent = "path"
    elif intent == "switch" and not explicit and my_role and u.to_role is None \
            and u.any(_MOVE_WORDS):
        # "i'm a data analyst" ... "what should i move into": where their role leads.
        intent, roles = "path", (my_role,)
    if intent in ("switch",) and len(roles) < 2 and not (my_role or background or u.from_role):
        intent = "getting_in"
    confident = bool(explicit) and p.top_score >= 3 and not p.from_memory
    return Plan(intent, roles=tuple(roles), facets=tuple(facets), metric=u.metric,
                detail={"background": background, "my_role": my_role, "source": source,
                        "background_text": u.background_text or (conv.background_text if conv else None),
                        "my_step": u.self_step or (conv.my_step if conv else None)},
                confident=confident)



def _intent(u: Understanding, ranked: list[tuple[str, int]], topic: Topic | None, background: str | None,
            roles: tuple[str, ...]) -> tuple[str | None, tuple[str, ...]]:
    """The intent name and, for figure answers, the facets asked."""
    scores = dict(ranked)
    list_ref = u.any(("that list", "the list", "this list", "on the list", "that one",
                      "on there", "in that list", "the same list"))
    if u.numbers.ordinal is not None and topic and topic.list_items and (
            list_ref or (not roles and scores.get("skills", 0) < 4)
            or (u.followup and not u.role_slugs)):
        return "list", ()
    if not ranked:
        if topic is not None and (u.followup or u.back_ref or u.other_ref or u.role_slugs
                                  or u.scope_all or u.my_ref or u.injection):
            return topic.intent, topic.facets
        if background and (len(u.role_slugs) >= 2 or (u.role_slugs and u.asking) or u.any(
                ("which", "shorter", "path", "easier", "best", "should", "or"))):
            return "getting_in", ()
        if len(u.role_slugs) >= 2:
            return "compare", ()  # "mle or rs"
        if u.role_slugs:
            # An injection naming a role gets the role's plain facts, whatever it says.
            return ("overview", ()) if _bare_role(u) or u.injection else (VAGUE, ())
        return None, ()
    top = ranked[0][0]
    if u.background and not u.role_slugs and top not in lexicon.FIGURE_FACETS \
            and top not in ("week", "postings", "skills") \
            and (scores[top] < 4 or top in ("switch", "path", "choose", "getting_in")):
        # "SRE here, where could I go in AI?": where someone can go from their background.
        return "getting_in", ()
    if top in ("week", "path") and u.to_role and u.directional \
            and scores.get("switch", 0) >= _MOVE_SCORE \
            and (scores[top] <= scores["switch"] or u.any(_HOW_DO_I)):
        # "i already write terraform, how do i pivot to mlops": a move towards a role
        # is the way in (from a role held, a switch); the work they describe is where
        # they start, not a question about the target's week or where it leads.
        if u.from_role and u.from_role != u.to_role:
            return "switch", ()
        return "getting_in", ()
    if top == "path" and u.to_role and u.any(_WAYS_IN) and u.any(_LEAD_INTO):
        # "which jobs lead into ai product management?": the ways into the role named
        # after "into", not where that role leads.
        return "getting_in", ()
    if top == "overview" and len(u.role_slugs) >= 2:
        # "what is the difference between X and Y": two roles named ask for both.
        top = "compare"
    figure = [f for f in lexicon.FIGURE_FACETS if scores.get(f, 0) >= 3]
    if topic is not None and topic.intent in ("figures", "rank") and topic.facets and u.followup \
            and u.role_slugs and top in ("compare", "overview") and not figure:
        # "compared to research scientists?" after a salary answer: the same figure.
        return "figures", topic.facets
    if u.numbers.ordinal is not None and top == "skills":
        return "skills", ()
    # A strong figure question names figures even beside words like "which" or "better".
    if top in ("choose", "compare") and u.criterion and u.criterion != "openings" and \
            not u.interests:
        return "choose", (u.criterion,)
    if top == "choose" and u.interests:
        return "choose", ()
    if top in ("choose",) and background and not u.criterion:
        return "getting_in", ()
    if top == "seniority" and scores.get("getting_in", 0) >= WAY_IN_OVER_LEVEL:
        # "how does an entry-level engineer get started in X": the way in (whose answer
        # shows the entry-level share too), not only the experience mix.
        return "getting_in", ()
    if top == "getting_in" or (background and top in ("path", "choose") and
                               u.any(("shorter", "shortest", "easier", "which path", "best path"))):
        # Two roles named with a background ("i'm a software engineer, mlops or pm?") are
        # two destinations, not a move between them, unless "from"/"to" says so.
        if u.from_role and u.to_role and u.from_role != u.to_role and (
                u.directional or not background):
            return "switch", ()
        return "getting_in", ()
    if top == "switch" or (u.from_role and u.to_role and u.any(("move into", "become", "becoming",
                                                                  "go from", "switch", "pivot"))):
        return "switch", ()
    if top in lexicon.FIGURE_FACETS or (figure and top in ("choose", "compare", "overview",
                                                           "market")):
        facets = [f for f in lexicon.FIGURE_FACETS if scores.get(f, 0) >= 3] or [top]
        if top in lexicon.FIGURE_FACETS and top not in facets:
            facets.insert(0, top)
        if "openings" in facets and len(facets) > 1 and scores.get("openings", 0) < 4:
            facets.remove("openings")
        if "seniority" in facets and len(facets) > 1 and scores.get("seniority", 0) < 4:
            facets.remove("seniority")
        if u.criterion and top in ("choose", "compare"):
            return "choose", (u.criterion,)
        return "figures", tuple(facets)
    if top == "choose":
        return "choose", ((u.criterion,) if u.criterion else ())
    if top == "compare":
        return ("compare", ()) if len(roles) != 1 else ("overview", ())
    if top == "overview" and topic is not None and not u.role_slugs and (u.followup or u.back_ref):
        return topic.intent, topic.facets
    return top, ()


#: Words that offer an alternative: with one of these, "should i ..." about one role may
#: still be a choice ("mlops, or should i stay put", "which is better for me, mlops?").
_CHOICE_WORDS = ("or", "vs", "versus", "which", "between", "either", "than", "compared",
                 "instead", "alternative", "alternatives", "options")


def offers_choice(u: Understanding) -> bool:
    """Does the message weigh alternatives (a criterion, an interest, a comparative or a
    word that offers another option), rather than only say "should i" about one role?"""
    return bool(u.criterion or u.interests or u.negative_interests or u.comparative
                or u.any(_CHOICE_WORDS))


#: Words that ask about a role as a whole ("tell me about", "what does X do", "explain the
#: role"): a message with nothing else besides role names asks for the overview.
OVERVIEW_WORDS = frozenset(
    w for phrase in lexicon.FACET_WORDS["overview"] for w in phrase.split()) | frozenset({
        "role", "roles", "job", "jobs", "position", "career", "careers", "title", "engineer",
        "engineers", "manager", "managers", "work", "day", "life", "overview", "info",
        "information", "details", "detail", "general", "quick", "summary", "intro",
    })
_WORD = re.compile(r"[a-z0-9]+")


def asks_detail(u: Understanding) -> bool:
    """Does the message ask something particular about its roles, not their overview (a
    word left besides role names, stop words and overview words)?"""
    named = {i for m in u.roles for i in range(m.start, m.end)}
    words = (w for i, t in enumerate(u.tokens) if i not in named for w in _WORD.findall(t))
    return any(w not in lexicon.STOPWORDS and len(w) > 1 and w not in OVERVIEW_WORDS
               for w in words)


#: Words of the week vocabulary ("typical", "day", "tasks"): after "which"/"what" they ask
#: for the week itself ("what tasks", "what day"), not one particular of it.
_WEEK_WORDS = frozenset(w for phrase in lexicon.FACET_WORDS["week"] for w in phrase.split())
#: "what kind of", "which sort of": words between the question word and its noun.
_KIND_WORDS = frozenset({"kind", "kinds", "sort", "sorts", "type", "types", "of"})
#: Who a role works with: asked with these, the week words only frame the question.
_WITH_WHOM = ("deal with", "deals with", "work with", "works with", "working with",
              "collaborate with", "interact with", "talk to", "talks to", "report to",
              "reports to", "partner with", "who do", "who does", "whom")


def asks_particular(u: Understanding) -> bool:
    """Does the message ask one particular of the work ("which teams", "what metrics",
    "who do they work with") rather than what the week holds? Read from the noun after
    "which"/"what" (not a week word, a stop word or a role's name) or a with-whom phrase."""
    if u.any(_WITH_WHOM):
        return True
    named = {i for m in u.roles for i in range(m.start, m.end)}
    tokens = u.tokens
    for i, token in enumerate(tokens):
        if token not in ("which", "what"):
            continue
        j = i + 1
        while j < len(tokens) and tokens[j] in _KIND_WORDS:
            j += 1
        if j >= len(tokens) or j in named:
            continue
        noun = tokens[j]
        if noun.isalpha() and len(noun) > 2 and noun not in lexicon.STOPWORDS \
                and noun not in _WEEK_WORDS and noun not in OVERVIEW_WORDS:
            return True
    return False


def _bare_role(u: Understanding) -> bool:
    """The message is little more than a role's name ("mlops?", "ai pm pls"): asking for
    an overview of it, as "tell me about X" does."""
    role_words = {t for m in u.roles for t in u.tokens[m.start:m.end]}
    rest = [t for t in u.content_tokens if t not in role_words]
    return not rest


#: Words asking whether two titles are one job ("is X the same as Y", "X vs Y difference").
_SAME_JOB = ("same", "same as", "same thing", "difference", "different", "differ", "vs",
             "versus", "or", "compared to")


def same_job(p: Planning) -> Plan | None:
    """Two titles the knowledge treats as one job, asked about together ("is ml
    infrastructure engineer the same as mlops?"): the names it knows for that job, which
    says they are one, not the job's profile or a comparison of the role with itself."""
    u = p.u
    spellings: dict[str, set[str]] = {}
    for m in u.roles:
        spellings.setdefault(m.slug, set()).add(" ".join(u.tokens[m.start:m.end]))
    twice = [slug for slug, texts in spellings.items() if len(texts) >= 2]
    if len(spellings) == 1 and twice and u.any(_SAME_JOB):
        return Plan("same_job", roles=(twice[0],), confident=True)
    return None


def suggest(p: Planning) -> Plan | None:
    """A role named with a question the stages before could not tell: offer two or three
    things held for that role, instead of its profile."""
    if p.explicit:
        return Plan("suggest", roles=p.explicit[:1])
    return None


def redirect(p: Planning) -> Plan:
    """Nothing else fits: a request to name a role, or a friendly redirect."""
    return Plan("offtopic")


def _named_group(u: Understanding, catalog: Catalog, every_ai: bool = False) -> tuple[str, ...]:
    """Roles a word before "roles"/"jobs" picks out ("the data roles", "research jobs").
    With ``every_ai``, "ai roles" means every role (all of them are AI careers), not the
    ones with "AI" in their names."""
    words = u.tokens
    out: list[str] = []
    for i, token in enumerate(words[1:], start=1):
        if token not in ("roles", "jobs", "positions", "careers", "titles", "role", "job",
                         "career", "title"):
            continue
        word = words[i - 1]
        if every_ai and word == "ai":
            continue
        forms = {word, *(head for head, fields in lexicon.FIELD_NAMES.items() if word in fields)}
        if word == "ml":
            forms |= {"machine", "mlops"}
        for role in catalog.knowledge.role_list():
            name_words = set(role.name.casefold().split())
            if forms & name_words and role.slug not in out:
                out.append(role.slug)
    return tuple(out) if len(out) >= 2 else ()


_NEGATED_AUX = frozenset({"doesnt", "dont"})


def contrast_ellipsis(u: Understanding) -> bool:
    """ "what does mlops need that pm doesn't?": a "doesn't" with nothing after it
    contrasts the role with another one. A "doesn't" followed by its verb ("a company
    that doesn't have models in production") is an ordinary negation, naming no other
    role."""
    tokens = u.tokens
    return any(t in _NEGATED_AUX and (i + 1 == len(tokens) or not tokens[i + 1].isalnum())
               for i, t in enumerate(tokens))


def _resolve_roles(u: Understanding, conv: Conversation | None, catalog: Catalog,
                   explicit: tuple[str, ...], my_role: str | None) -> tuple[str, ...]:
    """The roles a message is about: named, or taken from the conversation."""
    all_roles = [r.slug for r in catalog.knowledge.role_list()]
    topic = conv.topic if conv else None
    recent = list(conv.recent_roles) if conv else []
    current = list(topic.roles) if topic and topic.roles else recent[:1]
    pair = list(catalog.default_pair)
    if explicit:
        roles = list(explicit)
        # "is that more than mlops?": compare what was just discussed with the role named.
        if len(roles) == 1 and u.comparative and (u.back_ref or u.followup) and current:
            roles = [s for s in current if s != roles[0]][:1] + roles
        if len(roles) == 1 and (contrast_ellipsis(u) or u.any((
                "unique", "only", "differ", "different", "distinct", "exclusive",
                "that the other"))):
            others = [s for s in (*current, *recent) if s != roles[0]]
            if not others and roles[0] in pair:
                others = [s for s in pair if s != roles[0]]
            if others:
                roles.append(others[0])
        if u.scope_all and len(roles) == 1:
            others = [s for s in (*current, *recent) if s != roles[0]]
            if others:
                roles.append(others[0])
        return tuple(roles)
    if u.other_ref:
        # "The other one": the other role of this conversation, else of the default pair.
        base = current or ([my_role] if my_role else [])
        pool = [*recent, *(pair if base and base[0] in pair else [])]
        candidates = [s for s in pool if s not in base]
        return (candidates[0],) if base and candidates else ()
    if u.my_ref and my_role and not u.scope_all:
        return (my_role,)
    if u.scope_all:
        if len(current) >= 2:
            return tuple(current)
        if len(recent) >= 2:
            return tuple(recent[:2])
        return tuple(pair) if pair else (tuple(all_roles) if len(all_roles) <= 2 else ())
    if current and u.comparative and len(current) == 1 and not u.my_ref:
        others = [s for s in recent if s not in current]
        if others:
            return (current[0], others[0])
        if current[0] in pair:
            return tuple(pair)
    if current:
        return tuple(current)
    if my_role and (u.back_ref or u.my_ref or u.self_role):
        return (my_role,)
    return ()


def _is_background_phrase(u: Understanding, phrase: str) -> bool:
    if u.background_text and (phrase in u.background_text or u.background_text in phrase):
        return True
    return bool(u.background and u.any(("coming from", "background", "as a", "as an", "im a",
                                        "im an", "i am a", "i am an", "from a", "from an",
                                        "former", "ex")) and phrase.split()[-1] in lexicon.TITLE_HEADS
                and u.score("salary") < 3)


def _suggest(catalog: Catalog, phrase: str) -> str | None:
    """A role to offer instead of an unknown one, only when the name is nearly the same."""
    match = catalog.index.resolve(phrase)
    return match.slug if match.ok and match.score >= 90 else None
