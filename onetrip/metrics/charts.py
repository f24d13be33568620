"""Trend charts as server-rendered SVG: no script, no chart library, nothing fetched."""

from __future__ import annotations

from decimal import Decimal

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from onetrip.metrics.definitions import Unit
from onetrip.metrics.services import Status, TrendPoint

COLOURS = {Status.MET: "#1a7f37", Status.MISSED: "#cf222e", Status.NO_TARGET: "#0969da"}


def trend_svg(
    points: list[TrendPoint],
    *,
    target: Decimal | None,
    unit: str,
    label: str,
    width: int = 320,
    height: int = 120,
) -> SafeString:
    """Bars per month (green met, red missed, blue without a numeric target), a dashed target
    line, and nothing for a month without data."""
    values = [p.figure.value for p in points if p.figure.value is not None]
    top = max([*values, target or Decimal(0), Decimal(1)])
    if unit == Unit.PERCENT:
        top = max(top, Decimal(100))
    top = float(top) * 1.1
    left, bottom, plot_h = 4, height - 16, height - 24
    step = (width - left * 2) / max(len(points), 1)

    def y(value: float) -> float:
        return bottom - plot_h * value / top

    bars = []
    for index, point in enumerate(points):
        x = left + index * step
        month = point.period.code[5:]
        bars.append(
            format_html(
                '<text x="{}" y="{}" font-size="9" text-anchor="middle" fill="#57606a">{}</text>',
                f"{x + step / 2:.1f}",
                height - 4,
                month,
            )
        )
        value = point.figure.value
        if value is None:
            continue
        top_y = y(float(value))
        bars.append(
            format_html(
                '<rect class="bar {}" x="{}" y="{}" width="{}" height="{}" fill="{}">'
                "<title>{} {}</title></rect>",
                point.figure.status,
                f"{x + step * 0.15:.1f}",
                f"{top_y:.1f}",
                f"{step * 0.7:.1f}",
                f"{bottom - top_y:.1f}",
                COLOURS.get(point.figure.status, "#8c959f"),
                point.period.code,
                value,
            )
        )
    line = ""
    if target is not None:
        target_y = f"{y(float(target)):.1f}"
        line = format_html(
            '<line class="target" x1="{}" x2="{}" y1="{}" y2="{}" stroke="#24292f" '
            'stroke-dasharray="4 3" stroke-width="1"/>',
            left,
            width - left,
            target_y,
            target_y,
        )
    return format_html(
        '<svg class="chart" role="img" aria-label="{}" viewBox="0 0 {} {}" width="100%" '
        'preserveAspectRatio="none" xmlns="http://www.w3.org/2000/svg">'
        '<line x1="{}" x2="{}" y1="{}" y2="{}" stroke="#d0d7de"/>{}{}</svg>',
        label,
        width,
        height,
        left,
        width - left,
        bottom,
        bottom,
        format_html_join("", "{}", ((bar,) for bar in bars)),
        line,
    )
