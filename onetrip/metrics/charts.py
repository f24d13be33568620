"""Trend charts as server-rendered SVG: no script, no chart library, nothing fetched."""

from __future__ import annotations

from decimal import Decimal

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

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
    line, and nothing for a month without data. Numbers are formatted here and every text is
    escaped; the page draws about forty of these, so no template engine per bar."""
    values = [p.figure.value for p in points if p.figure.value is not None]
    top = max([*values, target or Decimal(0), Decimal(1)])
    if unit == Unit.PERCENT:
        top = max(top, Decimal(100))
    top = float(top) * 1.1
    left, bottom, plot_h = 4, height - 16, height - 24
    step = (width - left * 2) / max(len(points), 1)

    def y(value: float) -> float:
        return bottom - plot_h * value / top

    parts = [
        f'<svg class="chart" role="img" aria-label="{escape(label)}" '
        f'viewBox="0 0 {width} {height}" width="100%" preserveAspectRatio="none" '
        f'xmlns="http://www.w3.org/2000/svg">'
        f'<line x1="{left}" x2="{width - left}" y1="{bottom}" y2="{bottom}" stroke="#d0d7de"/>'
    ]
    for index, point in enumerate(points):
        x = left + index * step
        parts.append(
            f'<text x="{x + step / 2:.1f}" y="{height - 4}" font-size="9" text-anchor="middle" '
            f'fill="#57606a">{escape(point.period.code[5:])}</text>'
        )
        value = point.figure.value
        if value is None:
            continue
        top_y = y(float(value))
        status = escape(point.figure.status)
        parts.append(
            f'<rect class="bar {status}" x="{x + step * 0.15:.1f}" y="{top_y:.1f}" '
            f'width="{step * 0.7:.1f}" height="{bottom - top_y:.1f}" '
            f'fill="{COLOURS.get(point.figure.status, "#8c959f")}">'
            f"<title>{escape(point.period.code)} {escape(value)}</title></rect>"
        )
    if target is not None:
        target_y = f"{y(float(target)):.1f}"
        parts.append(
            f'<line class="target" x1="{left}" x2="{width - left}" y1="{target_y}" '
            f'y2="{target_y}" stroke="#24292f" stroke-dasharray="4 3" stroke-width="1"/>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text above is escaped
