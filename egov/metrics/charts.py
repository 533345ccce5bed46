"""Charts drawn on the server as SVG: they need no JavaScript, scale to a phone's width, and say what they show.

Each chart is an ``<svg role="img">`` with a ``<title>`` and a ``<desc>`` (read by screen
readers) and is always followed on the page by a table of the same figures (ADR 0101).
The markup is built with ``format_html`` so every label is escaped.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

WIDTH, HEIGHT = 640, 280
LEFT, RIGHT, TOP, BOTTOM = 70, 16, 24, 44
# Text in user units: about 10 px on a 360 px phone, where the chart is drawn at half its size.
FONT = 20


def line_chart(
    *, chart_id: str, title: str, description: str, labels: Sequence[str], values: Sequence[float | None],
    goal: float | None = None, goal_label: str = "", maximum: float | None = None, unit: str = "",
) -> SafeString:
    """A line of monthly values, with the goal as a dashed line; a missing value (no data) breaks the line."""
    known = [v for v in values if v is not None]
    top = maximum if maximum is not None else max([*known, goal or 0.0, 1.0]) * 1.1
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    step = plot_w / max(len(values) - 1, 1)

    def y(value: float) -> float:
        return round(TOP + plot_h - plot_h * (value / top if top else 0), 1)

    def x(index: int) -> float:
        return round(LEFT + step * index, 1)

    grid = format_html_join(
        "", '<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="#cdd1d5" stroke-width="1"/>'
        '<text x="{}" y="{}" fill="#464c53" font-size="{}" text-anchor="end">{}{}</text>',
        ((LEFT, y(v), WIDTH - RIGHT, y(v), LEFT - 6, y(v) + 7, FONT, _short(v), unit) for v in (0, top / 2, top)),
    )
    ticks = format_html_join(
        "", '<text x="{}" y="{}" fill="#464c53" font-size="{}" text-anchor="middle">{}</text>',
        ((x(i), HEIGHT - BOTTOM + 28, FONT, label) for i, label in enumerate(labels) if len(labels) <= 12 or i % 2 == 0),
    )
    segments: list[list[tuple[float, float]]] = [[]]
    for i, value in enumerate(values):
        if value is None:
            if segments[-1]:
                segments.append([])
            continue
        segments[-1].append((x(i), y(value)))
    lines = format_html_join(
        "", '<polyline points="{}" fill="none" stroke="#256ef4" stroke-width="2.5"/>',
        ((" ".join(f"{px},{py}" for px, py in seg),) for seg in segments if seg),
    )
    dots = format_html_join(
        "", '<circle cx="{}" cy="{}" r="3.5" fill="#256ef4"/>',
        ((px, py) for seg in segments for px, py in seg),
    )
    goal_line = (
        format_html('<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="#bd2c0f" stroke-width="2" stroke-dasharray="6 4"/>'
                    '<text x="{}" y="{}" fill="#bd2c0f" font-size="{}" font-weight="bold" text-anchor="end">{}</text>',
                    LEFT, y(goal), WIDTH - RIGHT, y(goal), WIDTH - RIGHT, y(goal) - 8, FONT, goal_label)
        if goal is not None else ""
    )
    return format_html(
        '<svg class="egov-chart" width="100%" viewBox="0 0 {} {}" role="img" aria-labelledby="{}-title {}-desc" '
        'preserveAspectRatio="xMidYMid meet"><title id="{}-title">{}</title><desc id="{}-desc">{}</desc>'
        '{}{}{}{}{}</svg>',
        WIDTH, HEIGHT, chart_id, chart_id, chart_id, title, chart_id, description, grid, ticks, goal_line, lines,
        dots,
    )


def _short(value: float) -> str:
    return f"{value:,.0f}" if value >= 10 or value == 0 else f"{value:.1f}"
