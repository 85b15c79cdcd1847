"""Plain data classes for what the knowledge base holds.

They are frozen so one loaded catalogue can be shared by every request without copies,
and they carry no I/O so the core and its tests can build them directly.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar, cast

#: The ``kind`` of an occupational database such as O*NET (skills, tasks, related work).
T = TypeVar("T")
_MISSING: Any = object()
#: Knowledge views that keep what the core derives from them (role index, answers,
#: indexes); servers nobody edited share the global view, so this counts the global view
#: and the edited servers most recently active. A server's view derives its state from
#: the global view's (``ViewChanges``), a few KB, so as many views keep it as the store
#: keeps views (``store.VIEW_CACHE_SIZE``).
PREPARED_VIEWS = 1024
#: Of those, the views that also keep their chat catalogue: derived state named in
#: ``CATALOG_STATE`` is dropped past this many views, the rest is kept. A server's
#: catalogue derived from the global view's shares its tables (``chat.catalog.derive``,
#: copy-on-write: about 6 KiB with one alias of its own, 100 KiB when it copied them), so
#: every prepared view keeps one; one built whole (an edit changing a quarter of the
#: roles, or reordering them) is about 110 KiB.
CATALOG_VIEWS = PREPARED_VIEWS
CATALOG_STATE = frozenset({"chat.catalog"})

OCCUPATIONAL_DATABASE = "occupational database"


#: Lists of texts on a role: the ``Role`` fields of that name, which the database keeps as
#: rows of ``role_items`` with this ``list`` name (the builder writes them, the store reads).
ROLE_LISTS = ("progression", "leads_to", "best_from", "getting_in_steps", "week_tasks",
              "red_flags", "metros", "related", "occupations")
#: The ``role_items`` list holding a role's O*NET Job Zones, one JSON object per occupation.
JOB_ZONES_LIST = "job_zones"

@dataclass(frozen=True, slots=True)
class Source:
    """Where a figure comes from; shown in every reply footer that uses it."""

    id: str
    name: str
    kind: str
    date: str
    note: str = ""
    url: str = ""
    licence: str = ""
    attribution: str = ""

    @property
    def counts_are_openings(self) -> bool:
        """Only job-posting sources count open positions; a survey counts responses."""
        return self.kind == "job postings"

    @property
    def describes_occupations(self) -> bool:
        """An occupational database (O*NET): its skills and tasks describe occupations,
        which are broader than job titles, so replies word them differently."""
        return self.kind == OCCUPATIONAL_DATABASE

    @property
    def short_hint(self) -> str:
        """The word a member types in ``source:<word>`` to pick this kind of source."""
        return self.kind.split()[-1] if self.kind.split() else self.id


@dataclass(frozen=True, slots=True)
class Salary:
    """Salary figures in USD a year; any of them may be unknown for a source."""

    avg_low: int | None = None
    avg_high: int | None = None
    median: int | None = None
    p25: int | None = None
    p75: int | None = None
    mean: int | None = None
    n: int | None = None

    @property
    def has_avg_range(self) -> bool:
        return self.avg_low is not None and self.avg_high is not None

    @property
    def avg_midpoint(self) -> float | None:
        if not self.has_avg_range:
            return None
        return (self.avg_low + self.avg_high) / 2  # type: ignore[operator]

    @property
    def has_band(self) -> bool:
        return self.p25 is not None and self.p75 is not None

    @property
    def is_empty(self) -> bool:
        return all(
            v is None
            for v in (self.avg_low, self.avg_high, self.median, self.p25, self.p75, self.mean)
        )


EXPERIENCE_LEVELS = ("senior", "mid", "entry", "executive")


@dataclass(frozen=True, slots=True)
class Experience:
    """Share of postings (or responses) by seniority, in percent."""

    senior: float | None = None
    mid: float | None = None
    entry: float | None = None
    executive: float | None = None

    def items(self) -> list[tuple[str, float]]:
        """Known levels in display order (senior first, as the seed shows them)."""
        return [
            (level, value)
            for level in EXPERIENCE_LEVELS
            if (value := getattr(self, level)) is not None
        ]

    @property
    def is_empty(self) -> bool:
        return not self.items()


@dataclass(frozen=True, slots=True)
class StatSnapshot:
    """One dated set of figures for a role from one source."""

    source: Source
    as_of: str
    open_positions: int | None = None
    salary: Salary = field(default_factory=Salary)
    remote_pct: float | None = None
    experience: Experience = field(default_factory=Experience)
    filters: str = ""
    #: Figures of the field table (``bot.knowledge.fields``) the model has no attribute
    #: for, as (name, value) pairs: a figure added to the table needs no model change.
    extra: tuple[tuple[str, float], ...] = ()

    def figure(self, name: str) -> float | str | None:
        """Any figure of the field table by its name (``salary.median``, ``remote_pct``),
        None when unknown; how templates show a figure added by a table entry."""
        for key, value in self.extra:
            if key == name:
                return value
        node: object = self
        for part in name.split("."):
            node = getattr(node, part, None)
        return node if isinstance(node, int | float | str) and not isinstance(node, bool) else None


#: The dimensions the salary survey's figures are split by (``SurveyCut.dimension``).
CUT_DIMENSIONS = ("level", "country", "year", "remote")


@dataclass(frozen=True, slots=True)
class SurveyCut:
    """One cell of a role's survey figures split by one dimension (``CUT_DIMENSIONS``):
    ``level`` entry/mid/senior/executive, ``country`` an ISO code as the survey records
    it, ``year`` a work year, ``remote`` remote/onsite.

    A cell below the import's minimum n is kept, without figures, so a reply can decline
    it with its n and ``withheld`` (the reason) instead of pretending nothing was asked.
    ``filters`` are the snapshot's filters without the dimension this cell cuts.
    """

    dimension: str
    value: str
    source: Source
    as_of: str
    filters: str
    n: int
    min_n: int
    salary: Salary = field(default_factory=Salary)
    withheld: str = ""

    @property
    def published(self) -> bool:
        return not self.withheld


@dataclass(frozen=True, slots=True)
class ToolGroup:
    """Tools or skills the prose names for a role, grouped by the area they serve."""

    area: str
    items: tuple[str, ...]
    note: str = ""


@dataclass(frozen=True, slots=True)
class JobZone:
    """The preparation O*NET's Job Zone records for one occupation a role maps to."""

    occupation: str
    zone: int
    meaning: str


@dataclass(frozen=True, slots=True)
class Role:
    """Everything the knowledge base knows about one role."""

    slug: str
    name: str
    aliases: tuple[str, ...] = ()
    focus: str = ""
    summary: str = ""
    stats: tuple[StatSnapshot, ...] = ()
    skills: tuple[str, ...] = ()
    skills_source: Source | None = None
    tools: tuple[ToolGroup, ...] = ()
    progression: tuple[str, ...] = ()
    leads_to: tuple[str, ...] = ()
    ceiling: str = ""
    best_from: tuple[str, ...] = ()
    getting_in: str = ""
    getting_in_steps: tuple[str, ...] = ()
    week_tasks: tuple[str, ...] = ()
    week_summary: str = ""
    week_source: Source | None = None
    market: str = ""
    postings_good: str = ""
    red_flags: tuple[str, ...] = ()
    metros: tuple[str, ...] = ()
    related: tuple[str, ...] = ()
    related_source: Source | None = None
    #: The O*NET occupations the role maps to ("Data Scientists (15-2051.00)"), through
    #: the reviewed crosswalk; skills, tasks and related work from O*NET describe these.
    occupations: tuple[str, ...] = ()
    #: O*NET's Job Zone of each of those occupations (the preparation it records).
    job_zones: tuple[JobZone, ...] = ()
    job_zone_source: Source | None = None
    #: The progression, routes and steps are the project's general guidance (from
    #: ``mappings/career-guidance.yaml``), not from a data source: replies say so.
    path_guidance: bool = False
    #: Survey figures by level, country, year and remote (``SurveyCut``), newest snapshot
    #: first; derived from ``knowledge/generated/salary-survey/cuts/`` at build time.
    survey_cuts: tuple[SurveyCut, ...] = ()

    def cuts(self, dimension: str) -> tuple[SurveyCut, ...]:
        """The newest snapshot's cells of one dimension, in the order the import lists them."""
        cells = [c for c in self.survey_cuts if c.dimension == dimension]
        return tuple(c for c in cells if c.as_of == cells[0].as_of) if cells else ()

    def cut(self, dimension: str, value: str) -> SurveyCut | None:
        """The newest snapshot's cell for one value of a dimension, or None if not listed."""
        return next((c for c in self.cuts(dimension) if c.value == value), None)

    @property
    def handle(self) -> str:
        """The shortest one-word name the role answers to, for suggested commands."""
        words = [a for a in self.aliases if " " not in a]
        return min(words, key=len) if words else self.slug

    def snapshot(self, source_id: str | None = None) -> StatSnapshot | None:
        """The figures to show: the named source's, else the first listed (the primary)."""
        if source_id is not None:
            return next((s for s in self.stats if s.source.id == source_id), None)
        return self.stats[0] if self.stats else None


@dataclass(frozen=True, slots=True)
class MarketFact:
    """A market-wide figure such as the number of positions tracked."""

    key: str
    label: str
    value: float
    source: Source
    as_of: str


@dataclass(frozen=True, slots=True)
class FaqEntry:
    """A question and answer written for the FAQ; ``guild_id`` None means global."""

    id: int
    question: str
    answer: str
    tags: tuple[str, ...] = ()
    guild_id: str | None = None
    source: Source | None = None


@dataclass(frozen=True, slots=True)
class ViewChanges:
    """What an overlay view changed against the view it was made from (its ``parent``),
    so what is derived from the parent (role index, answers, indexes) can be reused for
    everything the overlay left alone instead of being rebuilt per server.

    ``roles``: every slug whose role is not the parent's object (edited, added or
    removed). ``names``: those whose names (name, slug, aliases) differ, which is all the
    role index sees. ``content``: those that differ in anything a reply about the role
    shows besides its alias list (an alias added beside the shortest one-word name the
    role answers to, ``Role.handle``, changes name resolution only). ``faq`` and
    ``sources``: the view's FAQ entries or sources are not the parent's objects."""

    roles: frozenset[str] = frozenset()
    names: frozenset[str] = frozenset()
    content: frozenset[str] = frozenset()
    faq: bool = False
    sources: bool = False


@dataclass(frozen=True, slots=True)
class Knowledge:
    """One consistent, read-only view of the knowledge base (global or one server's)."""

    roles: dict[str, Role]
    sources: dict[str, Source]
    market: dict[str, MarketFact]
    faq: tuple[FaqEntry, ...] = ()
    guild_id: str | None = None
    #: The view this one was made from (a server's view: the global view), and what its
    #: overlay changed there; None for a view made from the files alone.
    parent: Knowledge | None = field(default=None, repr=False, compare=False)
    changes: ViewChanges | None = field(default=None, repr=False, compare=False)
    #: ``role_list``'s order, sorted once per view (a view's roles never change).
    _by_name: list[Role] = field(default_factory=list, init=False, repr=False, compare=False)
    #: What the core derives from this view, by name (see ``derived``).
    _derived: dict[str, Any] = field(default_factory=dict, init=False, repr=False,
                                     compare=False)

    def derived(self, name: str, build: Callable[[Knowledge], T]) -> T:
        """What the core derives from this view (its role index, chat catalogue, FAQ and
        passage indexes, prepared answers), built by ``build`` on first use and kept on
        the view itself: a moderator's edit or a rebuild makes a new view, so nothing
        derived from old data is ever served, and no cache elsewhere keys on a view.
        Only the ``PREPARED_VIEWS`` most recently used views keep theirs (``PREPARED``),
        so memory stays bounded however many servers have edited views."""
        PREPARED.touch(self)
        if name in CATALOG_STATE and CATALOGS.size < PREPARED.size:
            # With the same bound, every prepared view keeps its catalogue: the views
            # ``PREPARED`` drops lose it with the rest, so a second order of use would
            # only repeat the first (one more move per question, for nothing).
            CATALOGS.touch(self)
        found = self._derived.get(name, _MISSING)
        if found is _MISSING:
            found = self._derived.setdefault(name, build(self))
        return cast(T, found)

    def kept(self, name: str) -> Any:
        """What ``derived`` keeps under ``name`` on this view, or None, without counting
        as a use of the view: for a server's view reading its parent's state, which its
        own use already keeps at hand (one dict lookup, not an LRU touch under a lock)."""
        return self._derived.get(name)

    def role_list(self) -> list[Role]:
        """Roles sorted by name, the order lists and autocomplete show them in."""
        if len(self._by_name) != len(self.roles):
            self._by_name[:] = sorted(self.roles.values(), key=lambda r: r.name.lower())
        return list(self._by_name)


class _Prepared:
    """The views that keep their derived state: the ``size`` most recently used. When a
    view falls out, its state is dropped (rebuilt if it is used again); the view itself
    lives on as long as the store holds it. Entries hold the view, so an id here always
    names the object it was taken from."""

    def __init__(self, size: int, only: frozenset[str] | None = None) -> None:
        """``only``: the derived state dropped when a view falls out (None: all of it)."""
        self.size = size
        self.only = only
        self._views: OrderedDict[int, Knowledge] = OrderedDict()
        self._lock = threading.Lock()
        #: The view touched last: touched again (one message reads several things derived
        #: from its view), it is already the most recent, so nothing moves.
        self._last: Knowledge | None = None

    def touch(self, view: Knowledge) -> None:
        if self._last is view:
            return
        key = id(view)
        with self._lock:
            self._last = view
            try:
                self._views.move_to_end(key)  # one lookup where "in" and a move took two
                return
            except KeyError:
                pass
            self._views[key] = view
            while len(self._views) > self.size:
                _, old = self._views.popitem(last=False)
                if self.only is None:
                    old._derived.clear()
                else:
                    for name in self.only:
                        old._derived.pop(name, None)

    def __len__(self) -> int:
        return len(self._views)


#: Knowledge views whose derived state is kept, least recently used dropped first.
PREPARED = _Prepared(PREPARED_VIEWS)
#: Knowledge views whose chat catalogue is kept, least recently used dropped first.
CATALOGS = _Prepared(CATALOG_VIEWS, CATALOG_STATE)
