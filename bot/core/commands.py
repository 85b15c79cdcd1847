"""The commands the bot answers: compare, role, salary, skills, path, week, switch, roles,
help, and about.

Each command is a ``CommandSpec`` (name, usage, how many roles it takes) and a handler
that gathers the figures and hands them to its template. The Discord layer builds its
hybrid commands from ``COMMANDS``, so names, descriptions and usage are defined once.
``about`` is registered apart (``ABOUT``, in ``REGISTRY``): its Discord command lives in
its own cog, which adds what only a running bot knows (uptime, latency).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

from bot.core import cut_words
from bot.core import verdict as verdict_mod
from bot.core.about import about as about_reply
from bot.core.about import package_version
from bot.core.charts import salary_chart
from bot.core.figures import (
    TOTAL_POSITIONS_KEY,
    SourceUse,
    missing_source,
    other_sources,
    pick_pair,
    pick_snapshot,
    share_of_listings,
    shared_alternative,
    source_uses,
)
from bot.core.holdings import has_figures
from bot.core.render import render
from bot.core.reply import Reply
from bot.knowledge.models import Knowledge, MarketFact, Role, StatSnapshot
from bot.text.names import Match


@dataclass
class CommandContext:
    """What a handler needs besides its roles: the knowledge view and how to word things."""

    knowledge: Knowledge
    prefix: str
    assumed: list[Match] = field(default_factory=list)
    options: dict[str, str] = field(default_factory=dict)

    def role_name(self, slug: str) -> str:
        return self.knowledge.roles[slug].name

    @property
    def total_positions(self) -> MarketFact | None:
        return self.knowledge.market.get(TOTAL_POSITIONS_KEY)

    def share_of_listings(self, snap: StatSnapshot | None) -> float | None:
        """A role's share of all tracked positions (``figures.share_of_listings``)."""
        return share_of_listings(self.knowledge, snap)

    def snapshot(self, role: Role) -> StatSnapshot | None:
        return pick_snapshot(role, self.options.get("source"))

    def render(self, template: str, **values: object) -> Reply:
        assumed = [(m.query, self.role_name(m.slug)) for m in self.assumed if m.slug]
        return render(template, prefix=self.prefix, assumed=assumed,
                      total=self.total_positions, **values)


def with_chart(reply: Reply, title: str, pairs: Sequence[tuple[Role, StatSnapshot | None]]) -> Reply:
    """The reply with the salary spreads of the snapshots it shows, for front ends to draw."""
    chart = salary_chart(title, [(role.name, snap) for role, snap in pairs])
    return replace(reply, chart=chart) if chart is not None else reply


#: An unknown-role reply lists every role when there are at most this many ...
LIST_ALL_ROLES_UP_TO = 30
#: ... and past that names this many close to what was typed, and how many more there are:
CLOSE_ROLES = 8
#: roles whose name or an alias is at least this like it (rapidfuzz token_sort_ratio,
#: 0-100, on the words in any order: "vision engineer" finds "Computer Vision Engineer").
CLOSE_ROLE_SCORE = 50.0


def unknown_role(ctx: CommandContext, spec: CommandSpec, query: str,
                 suggestions: Sequence[str], retries: Sequence[str],
                 close_roles: Callable[[str, int], list[Role]]) -> Reply:
    """The reply to a role name nobody has: the roles meant, maybe, and what to try.

    A small catalogue is listed whole; a large one (thousands of roles after imports)
    gets the few roles ``close_roles`` finds nearest to ``query`` and a pointer to
    ``roles``, rather than a reply paging through every role on each typo.
    """
    knowledge = ctx.knowledge
    meant = [knowledge.roles[s] for s in suggestions]
    if len(knowledge.roles) <= LIST_ALL_ROLES_UP_TO:
        listed, more = knowledge.role_list(), 0
    else:  # the roles "did you mean" offers first, then the closest others
        listed = list({r.slug: r for r in (*meant, *close_roles(query, CLOSE_ROLES))}.values())
        listed = listed[:max(CLOSE_ROLES, len(meant))]
        more = len(knowledge.roles) - len(listed)
    return render("unknown_role.j2", prefix=ctx.prefix, query=query, spec=spec,
                  suggestions=meant, retries=list(retries), roles=listed, more=more)


# ---------------------------------------------------------------------------------------
# Handlers


def compare(ctx: CommandContext, roles: list[Role]) -> Reply:
    a, b = roles
    hint = ctx.options.get("source")
    sa, sb = pick_pair(a, b, hint)
    verdict = verdict_mod.compute(a, sa, b, sb)
    mixed = sa is not None and sb is not None and sa.source.id != sb.source.id
    reply = ctx.render(
        "compare.j2", a=a, b=b, sa=sa, sb=sb, v=verdict, mixed=mixed,
        bare=[r for r, s in ((a, sa), (b, sb)) if not has_figures(s)],
        share_a=ctx.share_of_listings(sa), share_b=ctx.share_of_listings(sb),
        uses=source_uses([(a, sa), (b, sb)]), hint=hint, missing=missing_source([a, b], hint),
        alternative=None if mixed else shared_alternative(a, b, sa),
    )
    return with_chart(reply, f"Salary: {a.name} vs {b.name}", [(a, sa), (b, sb)])


def role_profile(ctx: CommandContext, roles: list[Role]) -> Reply:
    (role,) = roles
    snap = ctx.snapshot(role)
    hint = ctx.options.get("source")
    return ctx.render("role.j2", r=role, s=snap, share=ctx.share_of_listings(snap),
                      uses=source_uses([(role, snap)]), others=other_sources(role, snap),
                      hint=hint, missing=missing_source([role], hint))


def salary(ctx: CommandContext, roles: list[Role]) -> Reply:
    asked = [k for k in cut_words.CUT_OPTIONS if k in ctx.options]
    if asked:
        return salary_cut(ctx, roles, asked)
    hint = ctx.options.get("source")
    if len(roles) == 2:
        a, b = roles
        sa, sb = pick_pair(a, b, hint)
        mixed = bool(sa and sb and sa.source.id != sb.source.id)
        reply = ctx.render("salary.j2", pair=True, a=a, b=b, sa=sa, sb=sb,
                          v=verdict_mod.compute(a, sa, b, sb), mixed=mixed,
                          uses=source_uses([(a, sa), (b, sb)]), hint=hint,
                          missing=missing_source([a, b], hint),
                          alternative=None if mixed else shared_alternative(a, b, sa))
        return with_chart(reply, f"Salary: {a.name} vs {b.name}", [(a, sa), (b, sb)])
    (role,) = roles
    snap = ctx.snapshot(role)
    reply = ctx.render("salary.j2", pair=False, r=role, s=snap, others=other_sources(role, snap),
                       uses=source_uses([(role, snap)]), hint=hint,
                       missing=missing_source([role], hint))
    return with_chart(reply, f"Salary: {role.name}", [(role, snap)])


def salary_cut(ctx: CommandContext, roles: list[Role], asked: list[str]) -> Reply:
    """``!salary ds level:entry``, ``country:uk``, ``year:2024``, ``trend``, ``remote:yes``:
    one role's survey figures for one cut (see ``bot.core.cut_words.lookup``)."""
    if len(roles) != 1 or len(asked) != 1:
        return ctx.render("salary_cut.j2", state="one_at_a_time", roles=roles, asked=asked)
    (role,), (dimension,) = roles, asked
    typed = ctx.options[dimension]
    found = cut_words.lookup(role, dimension, cut_words.value_of(dimension, typed), typed)
    uses = [SourceUse(c.source, c.as_of, c.filters, ((role.name, c.n),))
            for c in (found.cell,) if c is not None and c.published]
    if found.state == "trend" and found.cells:
        first = found.cells[0]
        uses = [SourceUse(first.source, first.as_of, first.filters)]
    return ctx.render("salary_cut.j2", state=found.state, f=found, r=role, uses=uses,
                      words=cut_words)


def skills(ctx: CommandContext, roles: list[Role]) -> Reply:
    if len(roles) == 2:
        a, b = roles
        return ctx.render("skills.j2", pair=True, a=a, b=b,
                          overlap=verdict_mod.skill_overlap(a, b))
    (role,) = roles
    return ctx.render("skills.j2", pair=False, r=role)


def path(ctx: CommandContext, roles: list[Role]) -> Reply:
    (role,) = roles
    snap = ctx.snapshot(role)
    return ctx.render("path.j2", r=role, s=snap, uses=source_uses([(role, snap)]))


def week(ctx: CommandContext, roles: list[Role]) -> Reply:
    (role,) = roles
    return ctx.render("week.j2", r=role)


def switch(ctx: CommandContext, roles: list[Role]) -> Reply:
    a, b = roles
    return ctx.render("switch.j2", a=a, b=b, overlap=verdict_mod.skill_overlap(a, b))


def roles_shown(role: Role) -> object:
    """All ``roles.j2`` shows of a role (its name, first three aliases, and its handle for
    the suggested command), and all the list's order depends on (the name)."""
    return role.name, role.aliases[:3], role.handle


def roles_list(ctx: CommandContext, roles: list[Role]) -> Reply:
    listed = [(r, ctx.snapshot(r)) for r in ctx.knowledge.role_list()]
    return ctx.render("roles.j2", roles=listed)


def ask(ctx: CommandContext, roles: list[Role]) -> Reply:
    """Reached only when no chat handler is configured: explain how to ask instead."""
    return ctx.render("not_command.j2", commands=COMMANDS)


def help_command(ctx: CommandContext, roles: list[Role], topic: str | None = None) -> Reply:
    spec = find_command(topic) if topic else None
    return ctx.render("help.j2", commands=REGISTRY, spec=spec, topic=topic)


def about_command(ctx: CommandContext, roles: list[Role]) -> Reply:
    """``!about`` in the core (the terminal): the shared wording, without the gateway's
    facts and without server settings, which only front ends that know the asker show."""
    return about_reply(ctx.knowledge, version=package_version(), prefix=ctx.prefix,
                       mention=False)


# ---------------------------------------------------------------------------------------
# The registry


@dataclass(frozen=True, slots=True)
class Param:
    """One role parameter, as slash commands show it."""

    name: str
    description: str
    required: bool = True


@dataclass(frozen=True, slots=True)
class CommandSpec:
    name: str
    summary: str
    usage: str
    example: str
    params: tuple[Param, ...]
    handler: Callable[..., Reply]
    aliases: tuple[str, ...] = ()
    options: tuple[str, ...] = ()
    #: The parameter is free text (a question), not role names: the Advisor hands it to
    #: its chat handler instead of resolving roles.
    free_text: bool = False
    #: For a command that reads every role (``roles``): what its reply shows of one role.
    #: A server's view may give the answer composed on the view it was made from when,
    #: for every role its overlay changed, this is equal in both (``advisor._Composed``);
    #: None: any changed role makes the answer the server's own.
    shows: Callable[[Role], object] | None = None

    @property
    def min_roles(self) -> int:
        return sum(1 for p in self.params if p.required)

    @property
    def max_roles(self) -> int:
        return len(self.params)


_ROLE_A = Param("role_a", "First role, e.g. mlops")
_ROLE_B = Param("role_b", "Second role, e.g. ai pm")
_ROLE = Param("role", "A role, e.g. mlops or ai pm")
_ROLE_B_OPT = Param("role_b", "Optional second role to compare with", required=False)

COMMANDS: tuple[CommandSpec, ...] = (
    CommandSpec("compare", "Compare two roles: verdict, figures side by side, skills, switching.",
                "compare <role> <role>", 'compare mlops pm', (_ROLE_A, _ROLE_B), compare,
                aliases=("vs", "versus", "cmp"), options=("source",)),
    CommandSpec("role", "Profile of one role: focus, key figures, skills, path, market.",
                "role <role>", "role mlops", (_ROLE,), role_profile,
                aliases=("profile", "info"), options=("source",)),
    CommandSpec("salary", "Salary figures for one role, or two side by side.",
                "salary <role> [role] [level:entry|country:uk|year:2024|trend|remote:yes]",
                "salary mlops pm", (_ROLE, _ROLE_B_OPT), salary,
                aliases=("pay", "salaries", "comp"), options=("source", *cut_words.CUT_OPTIONS)),
    CommandSpec("skills", "Top skills and tools for a role, or shared and unique for two.",
                "skills <role> [role]", "skills mlops pm", (_ROLE, _ROLE_B_OPT), skills,
                aliases=("skill", "tools", "stack")),
    CommandSpec("path", "Career progression and how people get into a role.",
                "path <role>", "path pm", (_ROLE,), path,
                aliases=("career", "progression", "ladder")),
    CommandSpec("week", "What a typical week in the role looks like.",
                "week <role>", "week mlops", (_ROLE,), week,
                aliases=("day", "dayinlife", "typical")),
    CommandSpec("switch", "What to learn to move from one role to another.",
                "switch <from role> <to role>", "switch mlops pm",
                (Param("from_role", "The role you have now"),
                 Param("to_role", "The role you want")), switch,
                aliases=("move", "transition", "pivot")),
    CommandSpec("ask", "Ask a question in your own words, e.g. which has more remote jobs.",
                "ask <question>", "ask how much do mlops engineers make?",
                (Param("question", "Your question, e.g. which has more remote jobs?"),), ask,
                free_text=True),
    CommandSpec("roles", "List the roles I know about.", "roles", "roles", (), roles_list,
                aliases=("list",), shows=roles_shown),
    CommandSpec("help", "How to use the bot, or one command in detail.", "help [command]",
                "help compare", (), help_command, aliases=("commands", "h")),
)

#: ``about``: answered by the core everywhere; on Discord by its own cog (see the docstring).
ABOUT = CommandSpec("about", "The version and what I know: the knowledge's date, its sources "
                    "and roles.", "about", "about", (), about_command)
#: Every command the core answers, as help lists them.
REGISTRY: tuple[CommandSpec, ...] = (*COMMANDS, ABOUT)

_BY_NAME = {alias: spec for spec in REGISTRY for alias in (spec.name, *spec.aliases)}


def find_command(name: str | None) -> CommandSpec | None:
    """The command called ``name`` or one of its aliases (any case, leading prefix ignored)."""
    if not name:
        return None
    return _BY_NAME.get(name.strip().lstrip("!/").lower())
