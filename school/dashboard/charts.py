"""Geometry for the dashboard's charts, drawn on the server as SVG.

Pure functions: numbers in, coordinates out; the templates write the SVG with
presentation attributes (x=, width=, d=) and CSS classes for the colours, so
nothing needs a script or a style="" attribute (the CSP allows neither). Every
chart has its figures in a table beside it as the text alternative.

The four quadrant lines differ in more than colour: each has its own dash
pattern and marker shape, so they can be told apart in greyscale and by
readers with any kind of colour blindness.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from school.grid import Quadrant

from .figures import Balance, Week

# Per quadrant: the dash pattern (stroke-dasharray, "" = solid) and the marker.
LINE_STYLE: dict[Quadrant, tuple[str, str]] = {
    Quadrant.INFORMAL_ORAL: ("", "circle"),
    Quadrant.FORMAL_ORAL: ("7 3", "square"),
    Quadrant.INFORMAL_WRITTEN: ("2 3", "triangle"),
    Quadrant.FORMAL_WRITTEN: ("9 3 2 3", "diamond"),
}


def marker_path(shape: str, x: float, y: float, r: float = 3.5) -> str:
    if shape == "square":
        return f"M{x - r:.1f} {y - r:.1f}h{2 * r:.1f}v{2 * r:.1f}h{-2 * r:.1f}Z"
    if shape == "triangle":
        return f"M{x:.1f} {y - r - .5:.1f}L{x + r:.1f} {y + r - .5:.1f}L{x - r:.1f} {y + r - .5:.1f}Z"
    if shape == "diamond":
        q = r + .7
        return f"M{x:.1f} {y - q:.1f}L{x + q:.1f} {y:.1f}L{x:.1f} {y + q:.1f}L{x - q:.1f} {y:.1f}Z"
    return f"M{x - r:.1f} {y:.1f}a{r} {r} 0 1 0 {2 * r:.1f} 0a{r} {r} 0 1 0 {-2 * r:.1f} 0Z"


def nice_axis(value: int) -> tuple[int, int]:
    """A round top for the y axis and the step between its ticks (at most five steps)."""
    value = max(value, 4)
    step = 1
    for step in (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 2500, 5000, 10000):
        if -(-value // step) <= 5:
            break
    return -(-value // step) * step, step


@dataclass
class Series:
    quadrant: Quadrant
    points: str  # for <polyline points="...">
    dash: str
    shape: str
    markers: list[str]
    legend_marker: str = ""


@dataclass
class Tick:
    at: float
    label: object  # an int for the y axis, a date (first of the month) for the x axis


@dataclass
class LineChart:
    width: int
    height: int
    left: int
    right: int
    top: int
    bottom: int
    series: list[Series]
    y_ticks: list[Tick]
    x_ticks: list[Tick]
    top_value: int

    @property
    def plot_bottom(self) -> int:
        return self.height - self.bottom

    @property
    def plot_right(self) -> int:
        return self.width - self.right


def trend_chart(weeks: list[Week], quadrants: tuple[Quadrant, ...], width: int = 760, height: int = 260
                ) -> LineChart:
    left, right, top, bottom = 44, 12, 12, 30
    plot_w, plot_h = width - left - right, height - top - bottom
    top_value, tick_step = nice_axis(max((w.counts[q] for w in weeks for q in quadrants), default=0))
    step_x = plot_w / max(1, len(weeks) - 1)

    def x(i: int) -> float:
        return left + (i * step_x if len(weeks) > 1 else plot_w / 2)

    def y(v: int) -> float:
        return top + plot_h - plot_h * v / top_value

    series = []
    for q in quadrants:
        dash, shape = LINE_STYLE[q]
        coords = [(x(i), y(w.counts[q])) for i, w in enumerate(weeks)]
        series.append(Series(
            quadrant=q, points=" ".join(f"{a:.1f},{b:.1f}" for a, b in coords), dash=dash, shape=shape,
            markers=[marker_path(shape, a, b) for a, b in coords], legend_marker=marker_path(shape, 17, 6),
        ))
    y_ticks = [Tick(y(v), v) for v in range(0, top_value + 1, tick_step)]
    x_ticks = [Tick(x(i), first) for i, w in enumerate(weeks) if (first := _first_of_month_in(w.start))]
    if not x_ticks or x_ticks[0].at - x(0) > 40:
        x_ticks.insert(0, Tick(x(0), weeks[0].start if weeks else None))
    return LineChart(width, height, left, right, top, bottom, series, y_ticks, x_ticks, top_value)


def _first_of_month_in(monday: dt.date) -> dt.date | None:
    for offset in range(7):
        day = monday + dt.timedelta(days=offset)
        if day.day == 1:
            return day
    return None


@dataclass
class Segment:
    key: str
    x: float
    width: float
    count: int
    share: int | None


def stacked_bar(balance: Balance) -> list[Segment]:
    """Segments of a 0-100 wide bar, one per part with a count."""
    total = balance.total
    out, at = [], 0.0
    for part in balance.parts:
        width = 100 * part.count / total if total else 0
        out.append(Segment(part.key, round(at, 2), round(width, 2), part.count, part.share))
        at += width
    return out
