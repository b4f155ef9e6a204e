"""Trend charts as inline SVG: labs over time, plan events and the projection band.

Drawn on the server (no JavaScript, nothing fetched): a few hundred bytes per chart, readable
by screen readers through its ``<title>``/``<desc>`` and the data table the page puts beside it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from html import escape

from markupsafe import Markup

__all__ = ["Band", "trend_svg"]

_WIDTH, _HEIGHT = 640, 240
_LEFT, _RIGHT, _TOP, _BOTTOM = 72, 16, 28, 40


@dataclass(frozen=True)
class Band:
    """The projection: dates with low, central and high values."""

    dates: Sequence[date]
    low: Sequence[float]
    central: Sequence[float]
    high: Sequence[float]


def _nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    span = high - low or abs(high) or 1.0
    raw = span / count
    magnitude = 10 ** math.floor(math.log10(raw))
    step = min((m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw), default=raw)
    first = math.ceil(low / step) * step
    ticks = []
    value = first
    while value <= high + 1e-12:
        ticks.append(round(value, 10))
        value += step
    return ticks


def trend_svg(
    *,
    title: str,
    unit: str,
    points: Sequence[tuple[date, float]],
    band: Band | None = None,
    events: Sequence[tuple[date, str]] = (),
    digits: int = 2,
) -> Markup:
    """An SVG line chart of ``points`` with an optional band and vertical event markers."""
    dates = [d for d, _ in points] + list(band.dates if band else []) + [d for d, _ in events]
    values = [v for _, v in points]
    if band:
        values += list(band.low) + list(band.high)
    if not dates or not values:
        return Markup("")
    start, end = min(dates), max(dates)
    days = max((end - start).days, 1)
    low, high = min(values), max(values)
    pad = (high - low) * 0.1 or abs(high) * 0.1 or 1.0
    low, high = low - pad, high + pad

    def x(day: date) -> float:
        return _LEFT + (day - start).days / days * (_WIDTH - _LEFT - _RIGHT)

    def y(value: float) -> float:
        return _TOP + (high - value) / (high - low) * (_HEIGHT - _TOP - _BOTTOM)

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {_WIDTH} {_HEIGHT}" role="img" '
        f'class="chart" aria-labelledby="t-{id(points)} d-{id(points)}">',
        f'<title id="t-{id(points)}">{escape(title)} ({escape(unit)})</title>',
        f'<desc id="d-{id(points)}">{len(points)} results from {start} to {end}'
        + (", with the projection band made at signing" if band else "")
        + "</desc>",
    ]
    for tick in _nice_ticks(low, high):
        parts.append(
            f'<line x1="{_LEFT}" x2="{_WIDTH - _RIGHT}" y1="{y(tick):.1f}" y2="{y(tick):.1f}" '
            'class="grid"/>'
            f'<text x="{_LEFT - 6}" y="{y(tick) + 4:.1f}" class="tick" text-anchor="end">'
            f"{tick:g}</text>"
        )
    parts.append(
        f'<text x="{_LEFT}" y="{_HEIGHT - 6}" class="tick">{start:%d %b %Y}</text>'
        f'<text x="{_WIDTH - _RIGHT}" y="{_HEIGHT - 6}" class="tick" text-anchor="end">'
        f"{end:%d %b %Y}</text>"
    )
    if band and band.dates:
        upper = " ".join(
            f"{x(d):.1f},{y(v):.1f}" for d, v in zip(band.dates, band.high, strict=True)
        )
        lower = " ".join(
            f"{x(d):.1f},{y(v):.1f}"
            for d, v in reversed(list(zip(band.dates, band.low, strict=True)))
        )
        centre = " ".join(
            f"{x(d):.1f},{y(v):.1f}" for d, v in zip(band.dates, band.central, strict=True)
        )
        parts.append(
            f'<polygon points="{upper} {lower}" class="band"><title>projection band'
            "</title></polygon>"
        )
        parts.append(f'<polyline points="{centre}" class="central"/>')
    for day, label in events:
        parts.append(
            f'<line x1="{x(day):.1f}" x2="{x(day):.1f}" y1="{_TOP}" y2="{_HEIGHT - _BOTTOM}" '
            f'class="event"><title>{escape(label)} ({day})</title></line>'
            f'<text x="{x(day) + 4:.1f}" y="{_TOP - 6}" class="event-label">{escape(label)}</text>'
        )
    if points:
        line = " ".join(f"{x(d):.1f},{y(v):.1f}" for d, v in points)
        parts.append(f'<polyline points="{line}" class="observed"/>')
        for d, v in points:
            parts.append(
                f'<circle cx="{x(d):.1f}" cy="{y(v):.1f}" r="4" class="point">'
                f"<title>{d}: {v:.{digits}f} {escape(unit)}</title></circle>"
            )
    parts.append("</svg>")
    return Markup("".join(parts))
