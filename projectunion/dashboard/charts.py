"""Charts drawn on the server: inline SVG and HTML, no script and no CDN.

Bar charts are HTML rows (the labels are text at the page's size, readable on
a 360-px phone and in Chinese) with an SVG bar each; the monthly trend is one
SVG whose view box is phone-sized, so its text stays readable when it scales.
Every bar and column links to the people behind its number, and carries its
exact value as a tooltip (``<title>``) and as text.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from flask_babel import format_decimal
from markupsafe import Markup, escape

RED = "#b4232a"
BLUE = "#1f5fae"


@dataclass(frozen=True)
class Series:
    name: str
    label: Any
    color: str


@dataclass(frozen=True)
class Point:
    label: str  # the group (a district, a province) or the tick under a column (a month)
    values: dict[str, int]
    hrefs: dict[str, str]
    sub: str = ""  # a second tick line (the year under January)
    title: str = ""  # the full name of the period, for tooltips


def number(value: Any) -> str:
    return format_decimal(value, format="#,##0")


def nice_step(value: float, ticks: int = 4) -> int:
    """A round step (1, 2 or 5 × 10^k, at least 1) so that ``ticks`` steps reach ``value``."""
    wanted = max(1.0, value / ticks)
    exp = 10 ** math.floor(math.log10(wanted))
    for step in (1, 2, 5, 10):
        if step * exp >= wanted:
            return int(step * exp)
    return int(10 * exp)


def legend(series: Sequence[Series]) -> Markup:
    items = "".join(
        f'<span class="chart-key"><svg width="12" height="12" aria-hidden="true"><rect width="12" height="12" '
        f'rx="2" fill="{s.color}"/></svg>{escape(s.label)}</span>'
        for s in series
    )
    return Markup(f'<p class="chart-legend">{items}</p>')  # nosec B704 # every text in it went through escape(); colours and numbers are ours


def bars(points: Sequence[Point], series: Sequence[Series], empty: Any) -> Markup:
    """Horizontal bars, one group per row, one bar per series, all on one scale."""
    if not points:
        return Markup(f'<p class="muted">{escape(empty)}</p>')  # nosec B704 # the message is escaped
    top = max(1, *(p.values.get(s.name, 0) for p in points for s in series))
    rows = []
    for p in points:
        lines = []
        for s in series:
            value = p.values.get(s.name, 0)
            width = 100 * value / top
            tip = f"{p.label} · {s.label}: {number(value)}"
            lines.append(
                f'<a class="hbar-line" href="{escape(p.hrefs[s.name])}" title="{escape(tip)}">'
                f'<svg class="hbar-svg" viewBox="0 0 100 10" preserveAspectRatio="none" aria-hidden="true">'
                f'<rect width="100" height="10" fill="#eceef1"/>'
                f'<rect width="{width:.2f}" height="10" fill="{s.color}"/></svg>'
                f'<span class="hbar-val"><span class="sr-only">{escape(s.label)}: </span>{number(value)}</span></a>'
            )
        rows.append(
            f'<li class="hbar"><span class="hbar-label">{escape(p.label)}</span><span>{"".join(lines)}</span></li>'
        )
    return Markup(legend(series) + Markup(f'<ul class="hbars">{"".join(rows)}</ul>'))  # nosec B704 # labels, tips and links escaped


def trend(
    points: Sequence[Point],
    series: Series,
    kind: str,
    title: Any,
    fmt: Callable[[Any], str] = number,
) -> Markup:
    """Columns (``kind="columns"``) or a line with dots (``"line"``) over the months or years of the period."""
    width, height = 360, 200
    left, right, top, bottom = 44, 8, 12, 40
    plot_w, plot_h = width - left - right, height - top - bottom
    step_value = nice_step(max((p.values.get(series.name, 0) for p in points), default=0))
    peak = 4 * step_value
    step = plot_w / max(1, len(points))
    out = [
        f'<svg class="trend" viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title)}" '
        f'font-family="inherit" font-size="11">'
    ]
    for i in range(5):  # grid lines and the scale
        value = step_value * i
        y = top + plot_h - plot_h * i / 4
        out.append(f'<line x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}" stroke="#dde1e6"/>')
        out.append(f'<text x="{left - 4}" y="{y + 4:.1f}" text-anchor="end" fill="#5d6670">{escape(fmt(value))}</text>')
    every = max(1, math.ceil(len(points) / 12))  # at most twelve ticks
    coords = []
    for i, p in enumerate(points):
        value = p.values.get(series.name, 0)
        x = left + step * i + step / 2
        y = top + plot_h - plot_h * value / peak
        coords.append((x, y))
        tip = f"{p.title or p.label}: {fmt(value)}"
        href = escape(p.hrefs[series.name])
        if kind == "columns":
            w = max(2.0, step * 0.7)
            out.append(
                f'<a href="{href}"><title>{escape(tip)}</title><rect x="{x - w / 2:.1f}" y="{y:.1f}" '
                f'width="{w:.1f}" height="{top + plot_h - y:.1f}" fill="{series.color}"/></a>'
            )
        if i % every == 0 or i == len(points) - 1:
            out.append(f'<text x="{x:.1f}" y="{height - bottom + 15}" text-anchor="middle" fill="#1f2328">'
                       f"{escape(p.label)}</text>")  # fmt: skip
            if p.sub:
                out.append(f'<text x="{x:.1f}" y="{height - bottom + 29}" text-anchor="middle" fill="#5d6670">'
                           f"{escape(p.sub)}</text>")  # fmt: skip
    if kind == "line" and coords:
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y in coords)
        out.append(f'<polyline points="{path}" fill="none" stroke="{series.color}" stroke-width="2"/>')
        for (x, y), p in zip(coords, points, strict=True):
            tip = f"{p.title or p.label}: {fmt(p.values.get(series.name, 0))}"
            out.append(
                f'<a href="{escape(p.hrefs[series.name])}"><title>{escape(tip)}</title>'
                f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" fill="{series.color}"/></a>'
            )
    out.append(f'<line x1="{left}" x2="{width - right}" y1="{top + plot_h}" y2="{top + plot_h}" stroke="#5d6670"/>')
    out.append("</svg>")
    return Markup("".join(out))  # nosec B704 # every text in it went through escape(); colours and numbers are ours
