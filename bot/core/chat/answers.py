"""Build the Reply for a Plan: gather figures from the Knowledge models, pick a template.

Every figure comes from a role's snapshot (or the market facts) and is formatted by the
renderer's filters; wording lives in ``bot/core/templates/chat/*.j2``. A figure that is
missing for a role is never filled in: the answer says it is not held and offers what
is. Each builder returns the Reply and the Topic the memory keeps for follow-ups.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from bot.core import verdict as verdict_mod
from bot.core.chat import lexicon
from bot.core.chat.catalog import Catalog
from bot.core.chat.faq import FaqHit
from bot.core.chat.intents import Understanding
from bot.core.chat.memory import Topic
from bot.core.chat.planner import Plan
from bot.core.chat.vocabulary.ways import WORDS
from bot.core.figures import (
    TOTAL_POSITIONS_KEY,
    SourceUse,
    has_source,
    pick_pair,
    pick_snapshot,
    share_of_listings,
)
from bot.core.holdings import has_figures, holds
from bot.core.render import render
from bot.core.reply import Reply
from bot.knowledge.models import Knowledge, MarketFact, Role, Source, StatSnapshot
from bot.text.names import alias_key

_WORDS = re.compile(r"[a-z]+")
#: Salary samples smaller than this are called "a small sample" in the context line.
SMALL_SAMPLE = 50
#: How many description words one interest can score for a role (see ``choose``).
INTEREST_CAP = 3
#: Roles listed at most in a ranking across every role.
RANK_LIMIT = 5
#: Words naming a seniority level in a question, mapped to the Experience field.
LEVEL_WORDS = {
    "executive": ("executive", "executives", "exec", "execs", "c level", "c suite"),
    "entry": ("junior", "juniors", "entry", "grad", "grads", "graduate", "newbie", "newbies",
              "beginner", "beginners", "fresher", "freshers", "intern", "interns", "newcomer",
              "newcomers", "jr", "new"),
    "senior": ("senior", "seniors", "experienced", "sr", "veterans"),
    "mid": ("mid", "midlevel"),
}
#: "which pays the least": a ranking from the bottom.
LOW_WORDS = ("least", "lowest", "smallest", "fewest", "worst", "less", "lower", "cheapest",
             "bottom", "poorest", "worse", "hardest", "harder", "toughest", "tougher")
HIGH_WORDS = ("more", "most", "higher", "highest", "largest", "biggest", "best", "top",
              "better", "greatest")
FACET_LABELS = {"salary": "salary", "openings": "open positions", "remote": "remote share",
                "seniority": "experience mix"}


@dataclass
class Built:
    reply: Reply
    topic: Topic | None


@dataclass
class Ctx:
    """What every builder needs."""

    plan: Plan
    u: Understanding
    catalog: Catalog
    prefix: str

    @property
    def knowledge(self) -> Knowledge:
        return self.catalog.knowledge

    def role(self, slug: str) -> Role:
        return self.knowledge.roles[slug]

    @property
    def roles(self) -> list[Role]:
        return [self.knowledge.roles[s] for s in self.plan.roles if s in self.knowledge.roles]

    def render(self, template: str, **values: object) -> Reply:
        assumed: list[tuple[str, str]] = []
        if self.u.corrected:  # a typo was corrected: say which role it was read as
            roles = self.knowledge.roles
            assumed = [(typed, roles[m.slug].name) for typed, fixed in self.u.corrected
                       for m in self.u.roles
                       if fixed in m.query.split() or typed in m.query.split()]
        return render(f"chat/{template}", prefix=self.prefix, total=self.total,
                      known=self.knowledge.role_list(), assumed=assumed[:1], **values)

    @property
    def total(self) -> MarketFact | None:
        return self.knowledge.market.get(TOTAL_POSITIONS_KEY)

    @property
    def source(self) -> str | None:
        """The kind of source the member asked for ("survey", "postings"), if any."""
        return self.plan.detail.get("source")

    def snapshot(self, role: Role) -> StatSnapshot | None:
        """The role's figures from the source asked for, else its primary source."""
        return pick_snapshot(role, self.source)

    def pair(self, a: Role, b: Role) -> tuple[StatSnapshot | None, StatSnapshot | None]:
        """Two roles' figures from one source: the one asked for, else one they share."""
        if self.source and has_source(a, self.source) and has_source(b, self.source):
            return pick_pair(a, b, self.source)
        return pick_pair(a, b, None)


def uses_for(pairs: Sequence[tuple[Role, StatSnapshot | None]], with_n: bool) -> list[SourceUse]:
    """Footer entries for the snapshots shown; sample sizes only when salaries are shown."""
    out: dict[tuple[str, str, str], SourceUse] = {}
    ns: dict[tuple[str, str, str], list[tuple[str, int]]] = {}
    for role, snap in pairs:
        if snap is None:
            continue
        key = (snap.source.id, snap.as_of, snap.filters)
        out.setdefault(key, SourceUse(snap.source, snap.as_of, snap.filters))
        if with_n and snap.salary.n is not None:
            ns.setdefault(key, []).append((role.name, snap.salary.n))
    return [SourceUse(u.source, u.as_of, u.filters, tuple(ns.get(k, ()))) for k, u in out.items()]


def shared_source(pairs: list[tuple[Role, StatSnapshot | None]]) -> tuple[Source, list[Role]] | None:
    """(source, roles) when every figure shown comes from one source that is not the usual
    (first-listed) source of some of the roles, so the reply can say which it used."""
    snaps = [s for _, s in pairs if s is not None]
    if not snaps or len(snaps) != len(pairs) or len({s.source.id for s in snaps}) != 1:
        return None
    off = [r for r, s in pairs if r.stats and s is not None and r.stats[0].source.id != s.source.id]
    return (snaps[0].source, off) if off else None


def level_asked(u: Understanding) -> str | None:
    for level, words in LEVEL_WORDS.items():
        if u.any(words):
            return level
    return None


# ---------------------------------------------------------------------------------------
# Figures


def _metric_value(snap: StatSnapshot | None, metric: str) -> float | None:
    if snap is None:
        return None
    if metric == "avg":
        return snap.salary.avg_midpoint
    if metric == "band":
        return snap.salary.median if snap.salary.has_band else None
    value: float | None = getattr(snap.salary, metric, None)
    return value


def _facet_value(snap: StatSnapshot | None, facet: str, metric: str | None,
                 level: str | None) -> float | None:
    if snap is None:
        return None
    if facet == "salary":
        return _metric_value(snap, metric or "median")
    if facet == "openings":
        return snap.open_positions if snap.source.counts_are_openings else None
    if facet == "remote":
        return snap.remote_pct
    if facet == "seniority":
        share: float | None = getattr(snap.experience, level or "entry")
        return share
    return None


def _salary_metric(plan: Plan, snaps: list[StatSnapshot | None]) -> str | None:
    """The salary figure to lead with: the one asked, else the median, else what is held.

    "Average" and "range" mean what the source has: a job-postings source gives an
    average salary range, a salary survey a mean and a 25th–75th percentile band.
    """
    held = [s for s in snaps if s is not None]
    if plan.metric in ("avg", "range"):
        if any(s.salary.has_avg_range for s in held):
            return "avg"
        if plan.metric == "range" and any(s.salary.has_band for s in held):
            return "band"
        if any(s.salary.mean is not None for s in held):
            return "mean"
        return "band" if any(s.salary.has_band for s in held) else "avg"
    if plan.metric and plan.metric != "gap":
        return plan.metric
    for metric in ("median", "avg", "mean", "p75"):
        if any(_metric_value(s, metric) is not None for s in snaps):
            return metric
    return None


def figures(c: Ctx) -> Built:
    roles = c.roles
    if len(roles) >= 2:
        sa, sb = c.pair(roles[0], roles[1])
        snaps = [sa, sb, *[c.snapshot(r) for r in roles[2:]]]
    else:
        snaps = [c.snapshot(r) for r in roles]
    facets = list(c.plan.facets) or ["salary"]
    level = level_asked(c.u)
    metric = _salary_metric(c.plan, snaps) if "salary" in facets else None
    if len(roles) >= 2:
        snaps = [*_pair_holding(c, roles[0], roles[1], snaps[0], snaps[1], facets, level),
                 *snaps[2:]]
        metric = _salary_metric(c.plan, snaps) if "salary" in facets else None
    # A figure that no role has is not held: say so instead of answering around it.
    missing = [f for f in facets
               if all(_facet_value(s, f, metric if f == "salary" else None, level) is None
                      for s in snaps)]
    if missing and len(missing) == len(facets):
        # Not in the usual source; another source of the role may hold it ("mean salary for
        # mlops": the survey has one). Said as such, never blended into the usual figures.
        others = [] if c.source or len(roles) != 1 else [
            (roles[0], s, v, f) for f in missing for s in roles[0].stats
            if s is not snaps[0] and (v := _facet_value(s, f, metric if f == "salary" else None,
                                                         level)) is not None]
        return decline(c, reason="missing", facets=tuple(missing), detail={
            "metric": metric if metric in ("mean", "p25", "p75", "median", "n", "band") else
            c.plan.metric, "level": level, "alternatives": others[:1],
            "usual": snaps[0] if others else None})
    facets = [f for f in facets if f not in missing]
    rows = [(r, s, share_of_listings(c.knowledge, s)) for r, s in zip(roles, snaps, strict=True)]
    pair = len(rows) >= 2
    verdict = verdict_mod.compute(roles[0], snaps[0], roles[1], snaps[1]) if pair else None
    not_held_for = [c.role(s) for s in c.plan.detail.get("not_held_for", ())
                    if s in c.knowledge.roles]
    reply = c.render("figures.j2", rows=rows, facets=facets, metric=metric,
                     asked_metric=c.plan.metric, level=level, share_asked=c.u.share, v=verdict,
                     pair=pair, small=SMALL_SAMPLE, missing=missing, not_held_for=not_held_for,
                     shared=shared_source([(r, s) for r, s, _ in rows]) if pair else None,
                     uses=uses_for([(r, s) for r, s, _ in rows], "salary" in facets))
    return Built(reply, Topic("figures", tuple(r.slug for r in roles), tuple(facets),
                              metric=c.plan.metric, source=c.source))


def _pair_holding(c: Ctx, a: Role, b: Role, sa: StatSnapshot | None, sb: StatSnapshot | None,
                  facets: list[str], level: str | None) -> tuple[StatSnapshot | None, ...]:
    """Two roles' snapshots, moved to another source both share when the usual shared
    one lacks a figure asked for ("25th percentile for ai pm and mlops": the survey)."""
    def holds(x: StatSnapshot | None, y: StatSnapshot | None) -> bool:
        metric = _salary_metric(c.plan, [x, y])
        return all(_facet_value(s, f, metric if f == "salary" else None, level) is not None
                   for f in facets for s in (x, y))

    if c.source or holds(sa, sb):
        return sa, sb
    for xa in a.stats:
        xb = next((s for s in b.stats if s.source.id == xa.source.id), None)
        if xb is not None and holds(xa, xb):
            return xa, xb
    return sa, sb


def rank(c: Ctx) -> Built:
    """Which role leads on one figure: two roles compared, or every role ranked.

    Across many roles the ranking is made per source (figures from a job-postings
    source and from a salary survey measure different things), each source's roles
    ranked on that source's own snapshot.
    """
    facet = (c.plan.facets or ("salary",))[0]
    level = level_asked(c.u) or ("entry" if facet == "seniority" else None)
    roles = c.roles
    if len(roles) == 2:
        sa, sb = c.pair(roles[0], roles[1])
        sa, sb = _pair_holding(c, roles[0], roles[1], sa, sb, [facet], level)
        groups: Sequence[Sequence[tuple[Role, StatSnapshot | None]]] = [[(roles[0], sa), (roles[1], sb)]]
    else:
        groups = _by_source(roles)
        if c.source:
            # "which pays most according to the survey": that source's ranking only.
            asked = [g for g in groups if g and has_source(g[0][0], c.source)
                     and pick_snapshot(g[0][0], c.source) is g[0][1]]
            groups = asked or groups
    metric = _salary_metric(c.plan, [s for g in groups for _, s in g]) \
        if facet == "salary" else None
    if metric == "band":
        metric = "median"
    ranked: list[list[tuple[Role, StatSnapshot, float]]] = []
    low = c.u.any(LOW_WORDS) and not c.u.any(HIGH_WORDS)
    for group in groups:
        held = [(r, s, v) for r, s in group  # (no value without a snapshot; `s` narrows the type)
                if s is not None and (v := _facet_value(s, facet, metric, level)) is not None]
        if held:
            ranked.append(sorted(held, key=lambda x: x[2] if low else -x[2]))
    shown_roles = {r.slug for g in ranked for r, _, _ in g}
    lacking = [r for r in roles if r.slug not in shown_roles]
    if not ranked:
        return decline(c, reason="missing", facets=(facet,), detail={"metric": c.plan.metric,
                                                                     "level": level})
    if len(ranked) == 1 and len(ranked[0]) == 1 and len(roles) == 2:
        # Only one of the two holds the figure: answer for it, and say the other lacks it.
        detail = {**c.plan.detail, "not_held_for": tuple(r.slug for r in lacking)}
        return figures(Ctx(Plan("figures", (ranked[0][0][0].slug,), (facet,), c.plan.metric,
                                detail=detail), c.u, c.catalog, c.prefix))
    first = ranked[0]
    pair_v = None
    if len(first) == 2:
        pair_v = verdict_mod.compute(first[0][0], first[0][1], first[1][0], first[1][1])
    groups_shown = [(g[:RANK_LIMIT], max(0, len(g) - RANK_LIMIT)) for g in ranked]
    mixed = len(ranked) == 1 and len({s.source.id for _, s, _ in first}) > 1
    reply = c.render("rank.j2", groups=groups_shown, lacking=lacking, facet=facet, metric=metric,
                     low=low,
                     level=level, v=pair_v, mixed=mixed, criterion=c.plan.detail.get("criterion"),
                     shared=shared_source([(r, s) for r, s, _ in first])
                     if len(roles) == 2 else None,
                     uses=uses_for([(r, s) for g, _ in groups_shown for r, s, _ in g],
                                   facet == "salary"))
    shown = tuple(r.slug for r, _, _ in first[:RANK_LIMIT])
    return Built(reply, Topic("figures" if len(shown) <= 2 else "rank", shown, (facet,),
                              metric=c.plan.metric, source=c.source))


def _by_source(roles: list[Role]) -> list[list[tuple[Role, StatSnapshot]]]:
    """Roles grouped by the sources their snapshots come from, job postings first."""
    groups: dict[str, list[tuple[Role, StatSnapshot]]] = {}
    kinds: dict[str, bool] = {}
    for role in roles:
        for snap in role.stats:
            groups.setdefault(snap.source.id, []).append((role, snap))
            kinds[snap.source.id] = snap.source.counts_are_openings
    order = sorted(groups, key=lambda sid: (not kinds[sid], -len(groups[sid])))
    return [groups[sid] for sid in order]


def by_source(c: Ctx) -> Built:
    """One role's figures from each source it has, side by side, never blended."""
    role = c.roles[0]
    facets = [f for f in c.plan.facets if f in ("salary", "openings", "remote", "seniority")]
    metric = _salary_metric(c.plan, list(role.stats)) if "salary" in facets else None
    level = level_asked(c.u) or "entry"
    extra = list({s.id: s for s in (role.skills_source, role.week_source, role.related_source)
                  if s is not None}.values())
    reply = c.render("by_source.j2", r=role, snaps=list(role.stats), facets=facets or ["salary"],
                     extra=extra,
                     metric=metric or "median", level=level,
                     uses=uses_for([(role, s) for s in role.stats], "salary" in facets))
    return Built(reply, Topic("figures", (role.slug,), tuple(facets), metric=c.plan.metric))


def market_total(c: Ctx) -> Built:
    total = c.total
    if total is None:
        return decline(c, reason="missing", facets=("openings",), detail={})
    # Asked how the market is doing rather than how big it is: say the count is a snapshot.
    reply = c.render("market_total.j2", fact=total, outlook=not c.u.total)
    return Built(reply, Topic("market_total"))


def salary_check(c: Ctx) -> Built:
    role = c.roles[0]
    snap = c.snapshot(role)
    amount = c.plan.detail["amount"]
    if snap is None or snap.salary.is_empty:
        return decline(c, reason="missing", facets=("salary",), detail={"metric": None})
    s = snap.salary
    points = [(label, value) for label, value in (
        ("25th percentile", s.p25), ("median", s.median), ("mean", s.mean),
        ("75th percentile", s.p75)) if value is not None]
    focus = {"median": "median", "p75": "75th percentile", "p25": "25th percentile",
             "mean": "mean"}.get(c.plan.metric or "")
    if focus and not any(label == focus for label, _ in points):
        return decline(c, reason="missing", facets=("salary",), detail={"metric": c.plan.metric})
    below = [(label, v) for label, v in points if amount < v]
    above = [(label, v) for label, v in points if amount > v]
    equal = [(label, v) for label, v in points if amount == v]
    target = next((v for label, v in points if label == focus), None)
    reply = c.render("salary_check.j2", r=role, s=snap, amount=amount, points=points,
                     below=below, above=above, equal=equal, focus=focus, target=target,
                     small=SMALL_SAMPLE,
                     own=c.plan.detail.get("self", False),
                     uses=uses_for([(role, snap)], True))
    return Built(reply, Topic("figures", (role.slug,), ("salary",), metric=c.plan.metric,
                              source=c.source))


# ---------------------------------------------------------------------------------------
# Skills


def skills(c: Ctx) -> Built:
    u = c.u
    roles = [r for r in c.roles if r.skills or r.tools]
    if not roles:
        return decline(c, reason="missing", facets=("skills",), detail={})
    ordinal = u.numbers.ordinal if u.numbers.ordinal is not None else c.plan.detail.get("ordinal")
    asks_pair = len(c.roles) >= 2 or u.scope_all
    if len(c.roles) >= 2:
        a, b = c.roles[0], c.roles[1]
        overlap = verdict_mod.skill_overlap(a, b)
        if overlap is None:
            return decline(c, reason="missing", facets=("skills",), detail={})
        mode = "unique" if u.any(("unique", "only", "doesnt", "dont", "not", "differ", "differs",
                                  "different", "difference", "differentiating", "that")) \
            and not u.any(("share", "shared", "both", "common", "overlap", "same", "transfer")) \
            else "shared"
        if u.any(("how many", "overlap", "how much")) and not u.any(("unique", "only")):
            mode = "overlap"
        reply = c.render("skills_pair.j2", a=a, b=b, ov=overlap, mode=mode)
        return Built(reply, Topic("skills", (a.slug, b.slug), ("skills",), list_kind="shared",
                                  list_items=overlap.shared))
    role = roles[0]
    asked = [k for k in u.skills]
    tech = [t for t in u.tech if t not in ("ml",) or u.asks_need]
    if u.skill_categories and not asked:
        return _skill_categories(c, role)
    if (asked or tech) and (u.asks_need or u.cleaned.is_question or u.score("skills") < 4):
        return _skill_need(c, role, asked, tech)
    tools_asked = u.any(("tools", "tool", "tooling", "stack", "tech stack", "technologies", "use"))
    if ordinal is not None:
        items = role.skills
        index = len(items) if ordinal == -1 else ordinal
        if not items or not 1 <= index <= len(items):
            return decline(c, reason="list_position", detail={"size": len(items), "ordinal": ordinal,
                                                              "list": "top skills", "name": role.name})
        reply = c.render("skill_nth.j2", r=role, index=index, skill=items[index - 1])
        return Built(reply, Topic("list", (role.slug,), ("skills",), list_kind="skills",
                                  list_items=role.skills, list_role=role.slug, ordinal=index))
    singular = u.has("skill") and not u.any(("skills", "top 8", "top eight", "list"))
    mode = "top" if (u.any(("top skill", "#", "most important", "number one", "main skill",
                            "biggest skill", "1 skill", "most wanted", "most in demand",
                            "most needed", "key skill", "most common", "most popular",
                            "most requested")) or singular) and not u.numbers.top_n else "list"
    reply = c.render("skills.j2", r=role, mode=mode, tools=tools_asked, pair=asks_pair,
                     top_n=u.numbers.top_n)
    return Built(reply, Topic("skills", (role.slug,), ("skills",), list_kind="skills",
                              list_items=role.skills, list_role=role.slug))


def _skill_categories(c: Ctx, role: Role) -> Built:
    """ "what cloud do data engineers use": the role's skills of that kind, with ranks."""
    refs = c.catalog.role_skills.get(role.slug, {})
    found = []
    for category in c.u.skill_categories:
        members = lexicon.SKILL_CATEGORIES[category][1]
        items = sorted(((ref.name, ref.rank) for key, ref in refs.items() if key in members),
                       key=lambda x: (x[1] is None, x[1] or 0))
        found.append({"name": category, "ranked": [(n, r) for n, r in items if r],
                      "also": [n for n, r in items if not r]})
    reply = c.render("skill_category.j2", r=role, found=found)
    return Built(reply, Topic("skills", (role.slug,), ("skills",), list_kind="skills",
                              list_items=role.skills, list_role=role.slug))


def skills_fit(c: Ctx) -> Built:
    """ "i know docker and python, what fits": roles ranked by how many of the named skills
    they hold, in their top skills or among their tools (synonyms applied by the
    catalog), then by how high those skills rank. A role holding some of them is listed
    with what it holds, never "none has both" while one holds one of them."""
    asked = list(dict.fromkeys(c.u.skills))
    pool = c.roles or c.knowledge.role_list()
    rows = []
    for role in pool:
        refs = c.catalog.role_skills.get(role.slug, {})
        held = [(c.catalog.skill_names[k], refs[k].rank, refs[k].area) for k in asked if k in refs]
        if held:
            # A tool counts as held, ranked after every top skill.
            rank_sum = sum(rank or len(role.skills) + 1 for _, rank, _ in held)
            rows.append((-len(held), rank_sum, role, held))
    rows.sort(key=lambda x: (x[0], x[1], x[2].name))
    # Roles holding the same skills at the same places form one line ("SQL ranked 2:
    # Data Analyst, Data Engineer and 9 more"), so ties are shown as ties, not in an
    # order the data does not give.
    groups: dict[tuple, list[Role]] = {}
    for _, _, role, held in rows:
        groups.setdefault(tuple(held), []).append(role)
    names = [c.catalog.skill_names[k] for k in asked]
    held_anywhere = {name for *_, held in rows for name, _, _ in held}
    shown = list(groups.items())[:SKILL_FIT_GROUPS]
    shown_roles = [r for _, roles in shown for r in roles]
    in_top = sum(1 for _, _, _, held in rows
                 if len(held) == len(asked) and all(rank for _, rank, _ in held))
    reply = c.render("skills_fit.j2", names=names, groups=shown, per_line=SKILL_FIT_NAMES,
                     in_top=in_top,
                     more=sum(len(roles) for _, roles in list(groups.items())[SKILL_FIT_GROUPS:]),
                     everywhere=[n for n in names if n not in held_anywhere],
                     sources=list({r.skills_source.id: r.skills_source for r in shown_roles
                                   if r.skills_source}.values()))
    return Built(reply, Topic("choose", tuple(r.slug for r in shown_roles[:2]), ()))


def _skill_need(c: Ctx, role: Role, asked: list[str], tech: list[str]) -> Built:
    """ "do I need kubernetes for X": its rank, the tool area naming it, or not listed."""
    refs = c.catalog.role_skills.get(role.slug, {})
    findings = []
    for key in asked:
        name = c.catalog.skill_names[key]
        ref = refs.get(key)
        note = ""
        if ref and ref.area:
            group = next((g for g in role.tools if g.area == ref.area), None)
            note = group.note if group else ""
        elsewhere = [(c.role(slug).name, r.rank) for slug, rs in c.catalog.role_skills.items()
                     if slug != role.slug and (r := rs.get(key)) is not None and r.rank]
        findings.append({"name": name, "rank": ref.rank if ref else None,
                         "area": ref.area if ref else None, "note": note,
                         "elsewhere": elsewhere[:1], "mention": ""})
    for phrase in tech:
        words = phrase.casefold()
        mention = next((g.note for g in role.tools if words in g.note.casefold()), "") or next(
            (t for t in role.week_tasks if words in t.casefold()), "")
        findings.append({"name": phrase, "rank": None, "area": None, "note": "",
                         "elsewhere": [], "mention": mention, "plain": True})
    reply = c.render("skill_need.j2", r=role, findings=findings[:3])
    return Built(reply, Topic("skills", (role.slug,), ("skills",), list_kind="skills",
                              list_items=role.skills, list_role=role.slug))


def list_item(c: Ctx) -> Built:
    items = tuple(c.plan.detail.get("items") or ())
    ordinal = c.plan.detail.get("ordinal")
    kind = c.plan.detail.get("kind") or "list"
    role = c.roles[0] if c.roles else None
    index = len(items) if ordinal == -1 else (ordinal or 1)
    if not 1 <= index <= len(items):
        return decline(c, reason="list_position", detail={
            "size": len(items), "ordinal": ordinal, "list": kind, "name": role.name if role else ""})
    reply = c.render("list_item.j2", r=role, index=index, item=items[index - 1], kind=kind,
                     size=len(items))
    return Built(reply, Topic("list", (role.slug,) if role else (), list_kind=kind,
                              list_items=items, list_role=role.slug if role else None,
                              ordinal=index))


# ---------------------------------------------------------------------------------------
# Path, switching, getting in, week, metros, postings, market, overview


def path(c: Ctx) -> Built:
    u = c.u
    role = c.roles[0]
    step = None
    for slug, pos, display in u.steps:
        if slug == role.slug:
            step = (pos, display)
            break
    my_step = c.plan.detail.get("my_step")
    if step is None and my_step and my_step[0] == role.slug and (u.my_ref or u.has("next")):
        step = (my_step[1], my_step[2])
    mode = "progression"
    if step is not None or u.any(("next step", "whats next", "comes after", "after", "next")):
        mode = "next"
    if u.any(("lead to", "leads to", "where can", "grow into", "long term", "end up", "lead",
              "where does it lead", "roles can", "become later", "exit")) and step is None:
        mode = "leads"
    if u.any(("ceiling", "how high", "how far", "cap")):
        mode = "ceiling"
    if u.any(("top of the ladder", "highest", "top of", "the top", "most senior")):
        mode = "top"
    if u.any(("related", "similar", "adjacent", "close to", "exit", "options", "move into",
              "move to", "switch to", "transition to", "transition into", "pivot to",
              "pivot into", "go next", "move on")) and step is None:
        mode = "related" if u.any(("related", "similar", "adjacent", "close to")) \
            or not role.leads_to else "leads"
    if mode == "next" and step is None and role.progression:
        step = (-1, "")
    reply = c.render("path.j2", r=role, mode=mode, step=step)
    if (mode == "related" or not role.progression) and role.related:
        # The list the answer showed is O*NET's related occupations: "number 2 on that list".
        return Built(reply, Topic("path", (role.slug,), ("path",), list_kind="related",
                                  list_items=role.related, list_role=role.slug))
    return Built(reply, Topic("path", (role.slug,), ("path",), list_kind="progression",
                              list_items=role.progression, list_role=role.slug))


def job_zone_roles(roles: Sequence[Role]) -> frozenset[str]:
    """The roles whose way-in and switching answers add O*NET's Job Zone line (issue 13):
    those whose way in is the project's general guidance or not held, so the Job Zone is
    the only sourced word on preparation. A seed role's way in comes from its own source,
    which the answer already quotes."""
    return frozenset(r.slug for r in roles
                     if r.job_zones and (r.path_guidance or not r.getting_in))


def switch(c: Ctx) -> Built:
    u = c.u
    roles = c.roles
    my_role = c.plan.detail.get("my_role")
    if u.from_role and u.to_role and u.from_role != u.to_role:
        a, b = c.role(u.from_role), c.role(u.to_role)
    elif len(roles) >= 2:
        a, b = roles[0], roles[1]
    elif my_role and roles and roles[0].slug != my_role:
        a, b = c.role(my_role), roles[0]
    elif u.from_role and len(c.knowledge.roles) == 2:
        a = c.role(u.from_role)
        b = next(r for r in c.knowledge.role_list() if r.slug != u.from_role)
    elif u.from_role:
        return Built(c.render("clarify.j2", plan=c.plan), None)
    else:
        return getting_in(c)
    overlap = verdict_mod.skill_overlap(a, b)
    reply = c.render("switch.j2", a=a, b=b, ov=overlap, zone_ok=job_zone_roles([b]))
    return Built(reply, Topic("switch", (a.slug, b.slug), ("switch",), list_kind="to learn",
                              list_items=overlap.only_b if overlap else ()))


def _background_routes(c: Ctx, background: str | None, text: str | None) -> list[Role]:
    """Roles whose shortest road starts from the user's background."""
    if not background or background in ("other", "newcomer"):
        return []
    phrases = [*lexicon.BACKGROUNDS.get(background, ()), background, *([text] if text else [])]
    members = {alias_key(m) for m in phrases}
    # Only multi-word phrases match inside longer names: "engineer" alone (a software
    # engineer's group) must not match "DevOps engineer".
    partial = {alias_key(m) for m in phrases if len(m.split()) > 1}
    out = []
    for role in c.knowledge.role_list():
        for origin in role.best_from:
            key = alias_key(origin)
            if key in members or any(m in key or key in m for m in partial):
                out.append(role)
                break
    return out


def _changer_label(name: str | None) -> str | None:
    """How a way-in answer names a career changer's background (``vocabulary/ways.yaml``)."""
    return next((ch.label for ch in WORDS.changers if ch.name == name), None)


def getting_in(c: Ctx) -> Built:
    u = c.u
    background = c.plan.detail.get("background")
    text = c.plan.detail.get("background_text")
    named = c.roles if u.role_slugs or c.plan.roles else []
    routes = _background_routes(c, background, text)
    changer = c.plan.detail.get("changer")
    scope = named or c.knowledge.role_list()
    entry_rows = [(r, c.snapshot(r)) for r in scope]
    entry_rows = [(r, s) for r, s in entry_rows if s is not None and s.experience.entry is not None]
    how_long = u.any(("how long", "how many months", "how many years", "how fast", "how quickly"))
    newcomer = background == "newcomer" or level_asked(u) == "entry" or u.any(
        ("no experience", "zero experience", "without experience"))
    if changer and routes:
        newcomer = False  # a career changer with roads from their background: those roads
    if not newcomer:
        entry_rows = []
    if not named and not routes and len(entry_rows) > 2:
        # "which role is easiest to get into as a junior": entry-level shares, ranked
        # source by source rather than listed role by role.
        plan = Plan("rank", tuple(r.slug for r in scope), ("seniority",), None,
                    detail=c.plan.detail)
        ranked = rank(Ctx(plan, u, c.catalog, c.prefix))
        if changer:
            # A career changer from another field: say why these roles, then the ranking.
            note = c.render("changer_rank.j2", changer=_changer_label(changer)).lead
            ranked = Built(replace(ranked.reply, lead=f"{note}\n{ranked.reply.lead}"), ranked.topic)
        return ranked
    my_role = c.plan.detail.get("my_role")
    if my_role in c.knowledge.roles and len([r for r in named if r.slug != my_role]) >= 2 \
            and not any(r.best_from and not r.path_guidance for r in named if r.slug != my_role):
        # "i'm a data analyst, data science or data engineering?": no routes held for
        # either, so compare how much of the member's own top skills each one shares.
        origin = c.role(my_role)
        overlaps = [(r, verdict_mod.skill_overlap(origin, r)) for r in named if r.slug != my_role]
        moves = sorted([(r, o) for r, o in overlaps if o is not None], key=lambda x: -x[1].pct)
        if moves:
            reply = c.render("closer_move.j2", origin=origin, moves=moves)
            return Built(reply, Topic("switch", tuple(r.slug for r, _ in moves), ("switch",)))
    snap = c.snapshot(named[0]) if len(named) == 1 else None
    no_route = len(named) == 1 and not named[0].best_from and not named[0].getting_in
    snap_uses = uses_for([(named[0], snap)], False) if no_route and snap else []
    reply = c.render("getting_in.j2", roles=list(named), routes=routes, background=background,
                     snap=snap if no_route else None, snap_uses=snap_uses,
                     background_text=text, entry_rows=entry_rows,
                     all_roles=c.knowledge.role_list(), how_long=how_long,
                     experienced=verdict_mod.THRESHOLDS.experienced_entry_pct,
                     uses=uses_for(entry_rows, False),
                     zone_ok=job_zone_roles([*named, *routes[:1]]),
                     changer=_changer_label(changer))
    shown = tuple(r.slug for r in (named or routes))
    return Built(reply, Topic("getting_in", shown, ("getting_in",)))


def week(c: Ctx) -> Built:
    role = c.roles[0]
    if not role.week_tasks:
        return decline(c, reason="missing", facets=("week",), detail={})
    words = {w for w in c.u.content_tokens if len(w) > 3 and w not in c.catalog.role_tokens
             and w not in ("week", "weekly", "typical", "actually", "does", "life", "like",
                           "look", "looks", "normal", "work", "day", "daily", "what")}
    matches = [t for t in role.week_tasks if sum(w in t.casefold() for w in words) >= 1] \
        if words and c.u.any(("do", "does")) and not c.u.any(("what does", "what do")) else []
    reply = c.render("week.j2", r=role, matches=matches[:2])
    return Built(reply, Topic("week", (role.slug,), ("week",), list_kind="week",
                              list_items=role.week_tasks, list_role=role.slug))


def metros(c: Ctx) -> Built:
    roles = [r for r in c.roles if r.metros]
    if not roles:
        return decline(c, reason="missing", facets=("metros",), detail={})
    places = []
    for place in c.u.places:
        key = alias_key(place)
        aliases = {"nyc": "newyork", "ny": "newyork", "sf": "sanfrancisco", "bayarea": "sanfrancisco",
                   "la": "losangeles", "siliconvalley": "sanfrancisco"}
        key = aliases.get(key, key)
        places.append((place, key))
    checks = []
    for place, key in places[:1]:
        for role in roles:
            listed = next((m for m in role.metros if alias_key(m) == key), None)
            checks.append((place, role, listed))
    remote_rows = [(r, s) for r in roles if (s := c.snapshot(r)) is not None
                   and s.remote_pct is not None] if c.u.any(("live in", "relocate", "move to",
                                                             "need to live", "have to live")) else []
    reply = c.render("metros.j2", roles=roles, checks=checks, remote_rows=remote_rows,
                     uses=uses_for(remote_rows, False))
    return Built(reply, Topic("metros", tuple(r.slug for r in roles), ("metros",),
                              list_kind="metros", list_items=roles[0].metros,
                              list_role=roles[0].slug))


def postings(c: Ctx) -> Built:
    roles = [r for r in c.roles if r.postings_good or r.red_flags]
    if not roles:
        return decline(c, reason="missing", facets=("postings",), detail={})
    flags_first = c.u.any(("red flag", "red flags", "warning", "avoid", "watch", "bad", "flags"))
    reply = c.render("postings.j2", roles=roles[:2], flags_first=flags_first)
    return Built(reply, Topic("postings", tuple(r.slug for r in roles[:2]), ("postings",)))


def market(c: Ctx) -> Built:
    roles = [r for r in c.roles if r.market]
    if not roles:
        return decline(c, reason="missing", facets=("market",), detail={})
    rows = [(r, c.snapshot(r)) for r in roles[:2]]
    rows_open = [(r, s, share_of_listings(c.knowledge, s)) for r, s in rows
                 if s is not None and s.open_positions is not None and s.source.counts_are_openings]
    reply = c.render("market.j2", roles=roles[:2], rows=rows_open,
                     uses=uses_for([(r, s) for r, s, _ in rows_open], False))
    return Built(reply, Topic("market", tuple(r.slug for r in roles[:2]), ("market",)))


def overview(c: Ctx) -> Built:
    role = c.roles[0]
    snap = c.snapshot(role)
    reply = c.render("overview.j2", r=role, s=snap, share=share_of_listings(c.knowledge, snap),
                     uses=uses_for([(role, snap)], True))
    return Built(reply, Topic("overview", (role.slug,), ()))


def compare(c: Ctx) -> Built:
    a, b = c.roles[0], c.roles[1]
    sa, sb = c.pair(a, b)
    v = verdict_mod.compute(a, sa, b, sb)
    mixed = sa is not None and sb is not None and sa.source.id != sb.source.id
    reply = c.render("compare.j2", a=a, b=b, sa=sa, sb=sb, v=v, mixed=mixed,
                     bare=[r for r, s in ((a, sa), (b, sb)) if not has_figures(s)],
                     shared=shared_source([(a, sa), (b, sb)]),
                     uses=uses_for([(a, sa), (b, sb)], True))
    return Built(reply, Topic("compare", (a.slug, b.slug), (), source=c.source))


def choose(c: Ctx) -> Built:
    u = c.u
    criterion = (c.plan.facets or (None,))[0]
    facet = {"remote": "remote", "pay": "salary", "entry": "seniority", "openings": "openings"}.get(
        criterion or "")
    if facet:
        plan = Plan("rank", c.plan.roles, (facet,), c.plan.metric, detail={"criterion": criterion})
        return rank(Ctx(plan, u, c.catalog, c.prefix))
    roles = c.roles
    if u.interests or u.negative_interests:
        scored = []
        own = {_stem(w) for w in u.interest_words}
        for role in roles:
            words = c.catalog.role_words.get(role.slug, frozenset())
            hits = [len(words & set(lexicon.INTERESTS[g])) for g in u.interests]
            misses = [len(words & set(lexicon.INTERESTS[g])) for g in u.negative_interests]
            # Each interest counts up to a cap, so a role with a long description does not
            # win on word count alone; the member's own words count most where the role's
            # one-line focus has them. The raw overlap only breaks ties.
            focus = {_stem(w) for w in _words(role.focus)}
            score = sum(min(h, INTEREST_CAP) for h in hits) - sum(min(m, INTEREST_CAP) for m in misses)
            score += 4 * len(own & focus) + len(own & {_stem(w) for w in words})
            scored.append(((score, sum(hits) - sum(misses)), role))
        scored.sort(key=lambda x: (-x[0][0], -x[0][1]))
        if scored and scored[0][0][0] > 0:
            best = scored[0][1]
            tied = [r for s, r in scored[1:] if s == scored[0][0]]
            others = tied[:3] if tied else [r for _, r in scored[1:3]]
            reply = c.render("choose_interest.j2", best=best, others=others, tied=bool(tied),
                             interests=u.interests or u.negative_interests)
            return Built(reply, Topic("choose", tuple(r.slug for _, r in scored[:2]), ()))
    if len(roles) >= 2:
        return compare(c)
    if not roles:
        return Built(c.render("clarify.j2", plan=c.plan), None)
    return overview(c)


# ---------------------------------------------------------------------------------------
# Declines, social, FAQ


def _stem(word: str) -> str:
    """ "pipelines" and "pipeline" as one word, for matching interests to descriptions."""
    return word[:-1] if len(word) > 4 and word.endswith("s") else word


def _words(text: str) -> list[str]:
    return _WORDS.findall(text.casefold())


def decline(c: Ctx, reason: str | None = None, facets: tuple[str, ...] | None = None,
            detail: dict | None = None) -> Built:
    reason = reason or c.plan.reason or "missing"
    facets = facets if facets is not None else c.plan.facets
    detail = {**c.plan.detail, **(detail or {})}
    roles = c.roles
    offers = [(r, c.snapshot(r)) for r in roles[:2]]
    offers = [(r, s) for r, s in offers if s is not None]
    with_salary = "salary" in facets or reason in ("place", "trend", "company", "percentile",
                                                   "seniority_pay", "equity", "bonus",
                                                   "total_comp", "hourly", "source")
    lacking = [c.role(s) for s in detail.get("lacking", ()) if s in c.knowledge.roles]
    alternatives = detail.get("alternatives") or []
    if alternatives:
        offers = []
        uses = uses_for([(r, s) for r, s, _, _ in alternatives], facets[:1] == ("salary",))
    else:
        uses = uses_for(offers, with_salary and (not facets or facets[0] == "salary"))
    reply = c.render("decline.j2", reason=reason, facets=facets, d=detail, roles=roles,
                     offers=offers, with_salary=with_salary, lacking=lacking,
                     alternatives=alternatives, small=SMALL_SAMPLE,
                     phrase=detail.get("phrase", ""), uses=uses)
    topic = Topic("figures", tuple(r.slug for r in roles), tuple(facets),
                  source=None if reason == "source" else c.source) if roles and facets \
        and all(f in ("salary", "openings", "remote", "seniority") for f in facets) else None
    return Built(reply, topic)


def simple(template: str) -> Callable[[Ctx], Built]:
    def build(c: Ctx) -> Built:
        return Built(c.render(template, plan=c.plan), None)

    return build


def sources(c: Ctx) -> Built:
    """Where the figures come from: every source the knowledge view cites, and for what."""
    knowledge = c.knowledge
    rows = []
    for source in knowledge.sources.values():
        figures_for = [r for r in knowledge.role_list() if any(s.source.id == source.id
                                                                for s in r.stats)]
        described = [r for r in knowledge.role_list() if source.id in {
            getattr(r.skills_source, "id", None), getattr(r.week_source, "id", None),
            getattr(r.related_source, "id", None)}]
        market = [f for f in knowledge.market.values() if f.source.id == source.id]
        if figures_for or described or market:
            rows.append({"source": source, "figures": figures_for, "described": described,
                         "market": market})
    reply = c.render("sources.j2", rows=rows)
    return Built(reply, None)


def profile(c: Ctx) -> Built:
    role = c.roles[0] if c.roles else None
    reply = c.render("profile.j2", r=role, background=c.plan.detail.get("background"),
                     alias_only=bool(role and c.u.background and c.u.background_text
                                     and len(c.u.background_text.split()) == 1),
                     background_text=c.plan.detail.get("background_text"),
                     step=c.plan.detail.get("step"))
    return Built(reply, Topic("profile", (role.slug,) if role else ()))


#: Lines of a skills-fit answer (roles holding the same skills alike share a line), and
#: role names on one line before "and N more".
SKILL_FIT_GROUPS = 4
SKILL_FIT_NAMES = 8
#: Roles set side by side at most; more are named as left out.
SIDE_BY_SIDE_MAX = 6


def side_by_side(c: Ctx) -> Built:
    """Three to six roles named together ("how do ai engineer, ml engineer, research
    engineer and applied scientist differ?"): one line each, what it does and its key
    figures, each from its own snapshot (the footer names every source used)."""
    roles = c.roles[:SIDE_BY_SIDE_MAX]
    rows = [(r, c.snapshot(r)) for r in roles]
    facet = next((f for f in c.plan.facets if f in FACET_LABELS), None)
    reply = c.render("side_by_side.j2", rows=rows, facet=facet,
                     dropped=c.roles[SIDE_BY_SIDE_MAX:], uses=uses_for(rows, True))
    return Built(reply, Topic("compare", tuple(r.slug for r in roles), ()))


def also_called(c: Ctx) -> Built:
    """ "what else is an mlops engineer called": the other titles the knowledge treats as
    the same job (the role's aliases), each once, longest spellings only."""
    role = c.roles[0]
    seen = {alias_key(role.name), alias_key(role.slug)}
    titles = []
    for alias in sorted(role.aliases, key=len, reverse=True):
        key = alias_key(alias)
        if key not in seen and not any(key in s for s in seen):
            seen.add(key)
            titles.append(alias)
    reply = c.render("also_called.j2", r=role, titles=sorted(titles, key=str.casefold))
    return Built(reply, Topic("overview", (role.slug,), ()))


#: What a suggestion offers for a role, in order, when a question about it is unclear:
#: holdings topic keys (the wording of each offer is in ``suggest.j2``).
SUGGEST_TOPICS = ("week", "salary", "getting_in", "skills", "path", "remote", "market")
#: How many things a suggestion offers.
SUGGEST_COUNT = 3


def suggest(c: Ctx) -> Built:
    """A role named, the question unclear: two or three things held for it to ask, not
    its profile (which answers only "tell me about X")."""
    role = c.roles[0]
    offers = [t for t in SUGGEST_TOPICS if holds(role, t)][:SUGGEST_COUNT]
    reply = c.render("suggest.j2", r=role, offers=offers,
                     unanswered=bool(c.plan.detail.get("unanswered")))
    return Built(reply, Topic("overview", (role.slug,), ()))


def faq(c: Ctx, hit: FaqHit) -> Built:
    reply = c.render("faq.j2", entry=hit.entry)
    return Built(reply, None)
