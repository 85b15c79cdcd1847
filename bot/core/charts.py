"""Salary charts: each role's salary spread as a picture, drawn from the figures the text shows.

A chart is described by data (``SalaryChart``: a title and a list of labelled spreads),
not by the roles it came from, so the survey cuts of a later issue can be drawn the same
way; the Reply carries that data, and the terminal (``ask --chart FILE``) and Discord
(an attachment shown as the embed image) draw the same picture from it.

Nothing is drawn that the knowledge does not hold. The seed's job-postings roles hold an
average range, a median and a 75th percentile but no 25th; the survey roles hold a
25th–75th percentile band and a median. Each spread's bar is the range that role's text
shows (the average range when held, as ``compare`` shows it, else the 25th–75th band) and
is labelled as what it is; a 75th percentile that is not the bar's end is its own marker.
A role without salary figures is left out and named in the caption.

Drawing uses matplotlib's Agg backend, imported only when a chart is drawn (so start-up
of ``careerbot ask`` does not pay for it), and each picture is cached by the figures it
shows: a knowledge view's chart is drawn once, an edited figure draws a new one, and the
cache is bounded.
"""

from __future__ import annotations

import io
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from bot.core.render import money
from bot.knowledge.models import StatSnapshot

#: What a spread's bar is, as its legend and caption name it.
BAND_AVG_RANGE = "avg range"
BAND_PERCENTILES = "p25–p75"

#: The attachment's file name; the embed image points at ``attachment://`` + this.
FILENAME = "salary.png"

#: Charts kept drawn (each some tens of KB); least recently used dropped beyond this.
CACHE_SIZE = 64

# Okabe–Ito colours (safe for the common colour-vision deficiencies), on an opaque light
# card so the picture reads the same in Discord's dark and light themes. Every colour
# here keeps at least 3:1 contrast with the card (WCAG's figure for graphics), text 4.5:1.
CARD = "#FFFFFF"
TEXT = "#000000"
MUTED_TEXT = "#4D4D4D"
GRID = "#D9D9D9"
BAND_COLOURS = {BAND_AVG_RANGE: "#0072B2", BAND_PERCENTILES: "#009E73"}
MEDIAN_COLOUR = "#D55E00"
P75_COLOUR = "#000000"

#: Picture size: inches wide, inches per spread row plus fixed room, dots per inch.
WIDTH_IN = 8.0
ROW_IN = 0.85
FIXED_IN = 2.3
DPI = 120


@dataclass(frozen=True, slots=True)
class Spread:
    """One labelled salary spread: a bar (``low``–``high``, what ``band`` says it is),
    the median, and a 75th percentile drawn apart when it is not the bar's end."""

    label: str
    band: str = ""
    low: int | None = None
    high: int | None = None
    median: int | None = None
    p75: int | None = None
    n: int | None = None
    counted: str = ""
    source: str = ""

    @property
    def has_bar(self) -> bool:
        return self.low is not None and self.high is not None

    @property
    def p75_marker(self) -> int | None:
        """The 75th percentile when it is not already the bar's top end."""
        if self.p75 is None or (self.band == BAND_PERCENTILES and self.high == self.p75):
            return None
        return self.p75


@dataclass(frozen=True, slots=True)
class SalaryChart:
    """What a chart shows: a title, the spreads in order, and labels left out for want
    of salary figures (named in the caption). Frozen and hashable: it is the cache key."""

    title: str
    spreads: tuple[Spread, ...]
    missing: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Figure:
    """One figure a chart drew: whose, which (``low``, ``high``, ``median``, ``p75``), how much."""

    label: str
    which: str
    value: int


@dataclass(frozen=True, slots=True)
class Chart:
    """A drawn chart: PNG bytes, its size in pixels, and every figure it drew."""

    png: bytes
    width: int
    height: int
    figures: tuple[Figure, ...]
    filename: str = FILENAME


# ---------------------------------------------------------------------------------------
# From the knowledge to chart data


def spread_of(label: str, snap: StatSnapshot | None) -> Spread | None:
    """The spread one snapshot holds, or None when it holds no salary figure to draw."""
    if snap is None:
        return None
    s = snap.salary
    if s.has_avg_range:
        band, low, high = BAND_AVG_RANGE, s.avg_low, s.avg_high
    elif s.has_band:
        band, low, high = BAND_PERCENTILES, s.p25, s.p75
    else:
        band, low, high = "", None, None
    if low is None and s.median is None and s.p75 is None:
        return None
    counted = "postings" if snap.source.counts_are_openings else "responses"
    return Spread(label=label, band=band, low=low, high=high, median=s.median, p75=s.p75,
                  n=s.n, counted=counted, source=f"{snap.source.name} ({snap.as_of})")


def salary_chart(title: str, items: Sequence[tuple[str, StatSnapshot | None]]) -> SalaryChart | None:
    """Chart data for labelled snapshots; None when not one of them holds a salary figure."""
    spreads: list[Spread] = []
    missing: list[str] = []
    for label, snap in items:
        spread = spread_of(label, snap)
        if spread is None:
            missing.append(label)
        else:
            spreads.append(spread)
    if not spreads:
        return None
    return SalaryChart(title=title, spreads=tuple(spreads), missing=tuple(missing))


def figures_of(chart: SalaryChart) -> tuple[Figure, ...]:
    """Every figure the chart shows, in drawing order: what ``draw`` puts on the picture."""
    out: list[Figure] = []
    for sp in chart.spreads:
        if sp.has_bar:
            out += [Figure(sp.label, "low", sp.low), Figure(sp.label, "high", sp.high)]  # type: ignore[arg-type]
        if sp.median is not None:
            out.append(Figure(sp.label, "median", sp.median))
        if sp.p75_marker is not None:
            out.append(Figure(sp.label, "p75", sp.p75_marker))
    return tuple(out)


def caption(chart: SalaryChart) -> str:
    """The lines under the picture: each spread's sample and source, and who is left out."""
    lines = []
    for sp in chart.spreads:
        what = sp.band or "median only"
        sample = f"n={sp.n:,} {sp.counted}" if sp.n is not None else "n not given"
        lines.append(f"{sp.label}: {what}, {sample}; {sp.source}")
    if chart.missing:
        lines.append("No salary figures for " + ", ".join(chart.missing) + ", so not drawn.")
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------
# Drawing

#: matplotlib's pyplot state is global; one drawing at a time (Discord may draw in a thread).
_DRAW_LOCK = threading.Lock()


def warm() -> None:
    """Import matplotlib and render one throwaway card with text, so the first member who
    asks for a chart does not wait for the import and font set-up (about 0.5 s here).

    The Discord front end runs this in a worker thread once it is connected; the card is
    never shown and holds no figure.
    """
    with _DRAW_LOCK:
        import matplotlib

        matplotlib.use("Agg", force=False)
        from matplotlib.figure import Figure as MplFigure

        fig = MplFigure(figsize=(2, 1), dpi=DPI, facecolor=CARD)
        fig.text(0.1, 0.5, "careerbot", fontsize=9, color=TEXT, fontweight="bold")
        fig.savefig(io.BytesIO(), format="png")


def draw(chart: SalaryChart) -> Chart:
    """The chart as a PNG, drawn once per distinct ``chart`` (see ``CACHE_SIZE``)."""
    return _draw_cached(chart)


@lru_cache(maxsize=CACHE_SIZE)
def _draw_cached(chart: SalaryChart) -> Chart:
    with _DRAW_LOCK:
        return _draw(chart)


def _draw(chart: SalaryChart) -> Chart:
    import matplotlib  # imported here so start-up does not pay for it

    matplotlib.use("Agg", force=False)
    from matplotlib.artist import Artist
    from matplotlib.figure import Figure as MplFigure
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    rows = len(chart.spreads)
    cap = caption(chart)
    cap_lines = cap.count("\n") + 1
    height = FIXED_IN + ROW_IN * rows + 0.2 * cap_lines
    fig = MplFigure(figsize=(WIDTH_IN, height), dpi=DPI, facecolor=CARD)
    bottom = (0.35 + 0.2 * cap_lines) / height
    top = 1 - 1.0 / height
    ax = fig.add_axes((0.27, bottom, 0.68, top - bottom), facecolor=CARD)

    drawn: list[Figure] = []
    values = [f.value for f in figures_of(chart)]
    lo, hi = min(values), max(values)
    pad = max((hi - lo) * 0.12, 10_000)
    ax.set_xlim(lo - pad, hi + pad)
    ax.set_ylim(rows - 0.4, -0.6)
    for y, sp in enumerate(chart.spreads):
        if sp.low is not None and sp.high is not None:  # sp.has_bar, spelled out so mypy narrows
            colour = BAND_COLOURS[sp.band]
            ax.barh(y, sp.high - sp.low, left=sp.low, height=0.42, color=colour, edgecolor=colour)
            ax.text(sp.low, y + 0.36, money(sp.low), ha="center", va="top", fontsize=9, color=TEXT)
            ax.text(sp.high, y + 0.36, money(sp.high), ha="center", va="top", fontsize=9, color=TEXT)
            drawn += [Figure(sp.label, "low", sp.low), Figure(sp.label, "high", sp.high)]
        if sp.median is not None:
            ax.plot([sp.median, sp.median], [y - 0.33, y + 0.33], color=MEDIAN_COLOUR, linewidth=3.5,
                    solid_capstyle="butt")
            ax.text(sp.median, y - 0.36, f"median {money(sp.median)}", ha="center", va="bottom",
                    fontsize=9, color=TEXT, fontweight="bold")
            drawn.append(Figure(sp.label, "median", sp.median))
        if sp.p75_marker is not None:
            ax.plot([sp.p75_marker], [y], marker="D", markersize=8, color=P75_COLOUR,
                    markeredgecolor=CARD, linestyle="none")
            ax.text(sp.p75_marker, y + 0.36, f"p75 {money(sp.p75_marker)}", ha="center", va="top",
                    fontsize=9, color=TEXT)
            drawn.append(Figure(sp.label, "p75", sp.p75_marker))

    ax.set_yticks(range(rows), [f"{sp.label}\n({sp.band or 'median only'})" for sp in chart.spreads],
                  fontsize=10, color=TEXT)
    ax.tick_params(axis="x", colors=MUTED_TEXT, labelsize=9)
    ax.tick_params(axis="y", length=0)
    ax.xaxis.set_major_formatter(lambda v, _pos: str(money(v)) if v >= 0 else "")
    ax.grid(axis="x", color=GRID, linewidth=0.8)
    ax.set_axisbelow(True)
    for side in ("top", "right", "left"):
        ax.spines[side].set_visible(False)
    ax.spines["bottom"].set_color(MUTED_TEXT)
    fig.suptitle(chart.title, x=0.02, y=1 - 0.18 / height, ha="left", va="top", fontsize=13,
                 fontweight="bold", color=TEXT)

    handles: list[Artist] = [Patch(color=BAND_COLOURS[b], label=b) for b in BAND_COLOURS
               if any(sp.band == b for sp in chart.spreads)]
    if any(sp.median is not None for sp in chart.spreads):
        handles.append(Line2D([], [], color=MEDIAN_COLOUR, linewidth=3.5, label="median"))
    if any(sp.p75_marker is not None for sp in chart.spreads):
        handles.append(Line2D([], [], color=P75_COLOUR, marker="D", linestyle="none",
                              label="75th percentile"))
    fig.legend(handles=handles, loc="upper left", bbox_to_anchor=(0.01, 1 - 0.5 / height),
               ncols=len(handles), frameon=False, fontsize=9, labelcolor=TEXT)
    fig.text(0.02, 0.12 / height, cap, ha="left", va="bottom", fontsize=8.5, color=MUTED_TEXT,
             linespacing=1.4)

    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", facecolor=CARD, metadata={"Software": None})
    width, height_px = fig.canvas.get_width_height()
    return Chart(png=buffer.getvalue(), width=width, height=height_px, figures=tuple(drawn))
