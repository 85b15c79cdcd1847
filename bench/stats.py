"""Summaries of timing samples and the plain-text tables the bench prints."""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from typing import Any


def percentile(sorted_values: Sequence[float], q: float) -> float:
    """The ``q`` quantile (0-1) by the nearest-rank method: an observed sample, never an
    interpolation, so a p99 of 100 samples is the 99th slowest one actually seen."""
    if not sorted_values:
        return math.nan
    rank = max(1, math.ceil(q * len(sorted_values)))
    return sorted_values[rank - 1]


def summarise_ns(samples_ns: Sequence[int]) -> dict[str, Any]:
    """Median, p99, mean, min and max in microseconds, plus the sample count."""
    values = sorted(s / 1000 for s in samples_ns)
    if not values:
        return {"n": 0}
    return {
        "n": len(values),
        "median_us": round(statistics.median(values), 2),
        "p99_us": round(percentile(values, 0.99), 2),
        "mean_us": round(statistics.fmean(values), 2),
        "min_us": round(values[0], 2),
        "max_us": round(values[-1], 2),
    }


def fmt_us(value: float | None) -> str:
    """A duration given in microseconds, in the unit a reader takes in at a glance."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    if value < 1000:
        return f"{value:.1f} µs"
    if value < 1_000_000:
        return f"{value / 1000:.2f} ms"
    return f"{value / 1_000_000:.2f} s"


def fmt_ratio(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}×"


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]], title: str = "") -> str:
    """A fixed-width text table; numbers right-aligned, text left-aligned."""
    cells = [[str(h) for h in headers]] + [["" if c is None else str(c) for c in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    numeric = [
        all(_looks_numeric(row[i]) for row in cells[1:]) and len(cells) > 1
        for i in range(len(headers))
    ]

    def line(row: Sequence[str]) -> str:
        return "  ".join(
            c.rjust(w) if num else c.ljust(w) for c, w, num in zip(row, widths, numeric, strict=True)
        ).rstrip()

    out = [title, "=" * len(title)] if title else []
    out.append(line(cells[0]))
    out.append("  ".join("-" * w for w in widths))
    out += [line(row) for row in cells[1:]]
    return "\n".join(out)


def _looks_numeric(text: str) -> bool:
    return text == "—" or text[:1].isdigit() or (text[:1] == "-" and text[1:2].isdigit())
