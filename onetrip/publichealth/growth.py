"""Growth against the WHO Child Growth Standards (R-PH-2): z-scores by the LMS method and the
growth chart drawn server-side as SVG (no script, no external asset).

z = ((X / M) ** L - 1) / (L * S), or ln(X / M) / S when L = 0 (Cole & Green 1992; the WHO
standards' method). Between whole months L, M and S are interpolated linearly, with age in
months = days / 30.4375 as in the WHO tables. Weight-for-age z-scores beyond ±3 are adjusted as
the WHO asks (distance to the ±3 SD line measured in units of the 2–3 SD interval), since the
skewed tail otherwise overstates them; stature uses the plain formula (L = 1).
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from enum import Enum

from onetrip.publichealth import who_growth

DAYS_PER_MONTH = 30.4375
LAST_MONTH = 60
STANDING_FROM_MONTH = 24


class Measure(Enum):
    WEIGHT = "weight"  # kg
    STATURE = "stature"  # cm, length under 24 months, height from 24


def _table(measure: Measure, sex: str, age_months: float):
    """The rows for `sex` ("male", else girls' tables) and the month of the first row."""
    boy = sex == "male"
    if measure is Measure.WEIGHT:
        return (who_growth.WEIGHT_BOYS if boy else who_growth.WEIGHT_GIRLS), 0
    if age_months < STANDING_FROM_MONTH:
        return (who_growth.LENGTH_BOYS if boy else who_growth.LENGTH_GIRLS), 0
    return (who_growth.HEIGHT_BOYS if boy else who_growth.HEIGHT_GIRLS), STANDING_FROM_MONTH


def lms_at(measure: Measure, sex: str, age_months: float) -> tuple[float, float, float]:
    if not 0 <= age_months <= LAST_MONTH:
        raise ValueError("the WHO standards cover 0 to 60 months")
    rows, first_month = _table(measure, sex, age_months)
    offset = age_months - first_month
    low = min(int(offset), len(rows) - 2)
    share = offset - low
    lam, median, s = (a + (b - a) * share for a, b in zip(rows[low], rows[low + 1], strict=True))
    return lam, median, s


def value_at(z: float, lms: tuple[float, float, float]) -> float:
    lam, median, s = lms
    if lam == 0:
        return median * math.exp(s * z)
    return median * (1 + lam * s * z) ** (1 / lam)


def z_score(measure: Measure, sex: str, age_months: float, value: float) -> float:
    lms = lms_at(measure, sex, age_months)
    lam, median, s = lms
    z = math.log(value / median) / s if lam == 0 else ((value / median) ** lam - 1) / (lam * s)
    if measure is Measure.WEIGHT and abs(z) > 3:
        sign = 1 if z > 0 else -1
        sd3, sd2 = value_at(3 * sign, lms), value_at(2 * sign, lms)
        z = sign * 3 + (value - sd3) / abs(sd3 - sd2)
    return z


def age_in_months(birth_date: dt.date, on: dt.date) -> float:
    return (on - birth_date).days / DAYS_PER_MONTH


@dataclass(frozen=True)
class Point:
    age_months: float
    value: float
    z: float


@dataclass(frozen=True)
class Chart:
    measure: Measure
    svg: str
    points: list[Point]


# --- the SVG -------------------------------------------------------------------------------

_W, _H, _LEFT, _BOTTOM, _TOP, _RIGHT = 340, 240, 34, 26, 10, 10
_LINES = ((-2, "#c0392b"), (0, "#2e7d32"), (2, "#c0392b"))


def chart(
    measure: Measure, sex: str, points: list[tuple[float, float]], *, title: str, unit: str
) -> Chart:
    """The −2, 0 and +2 SD curves for the first five years (or the months up to the last point
    and a year more, whichever is less) with the child's measurements on top."""
    measured = [
        Point(age, value, z_score(measure, sex, age, value))
        for age, value in points
        if 0 <= age <= LAST_MONTH
    ]
    last = max([a for a, _v in points] + [0.0])
    months = min(LAST_MONTH, max(12, int(math.ceil(last / 6.0)) * 6 + 12))
    curves = {
        z: [(m, value_at(z, lms_at(measure, sex, m))) for m in range(months + 1)]
        for z, _c in _LINES
    }
    low = min(v for _m, v in curves[-2]) * 0.9
    high = max(v for _m, v in curves[2]) * 1.05
    if measured:
        low = min(low, min(p.value for p in measured))
        high = max(high, max(p.value for p in measured))

    def x(month: float) -> float:
        return _LEFT + (month / months) * (_W - _LEFT - _RIGHT)

    def y(value: float) -> float:
        return _H - _BOTTOM - (value - low) / (high - low) * (_H - _BOTTOM - _TOP)

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {_W} {_H}" role="img" '
        f'class="growth-chart" data-measure="{measure.value}">',
        f"<title>{_escape(title)}</title>",
        f'<rect x="{_LEFT}" y="{_TOP}" width="{_W - _LEFT - _RIGHT}" '
        f'height="{_H - _TOP - _BOTTOM}" fill="#fff" stroke="#999"/>',
    ]
    step = 6 if months <= 36 else 12
    for month in range(0, months + 1, step):
        parts.append(
            f'<text x="{x(month):.1f}" y="{_H - 8}" font-size="9" text-anchor="middle">'
            f"{month}</text>"
        )
    for value in _ticks(low, high):
        parts.append(
            f'<text x="{_LEFT - 3}" y="{y(value) + 3:.1f}" font-size="9" text-anchor="end">'
            f"{value:g}</text>"
        )
    for z, colour in _LINES:
        path = " ".join(f"{x(m):.1f},{y(v):.1f}" for m, v in curves[z])
        parts.append(
            f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="1.2" '
            f'data-z="{z}"/>'
        )
    if measured:
        path = " ".join(f"{x(p.age_months):.1f},{y(p.value):.1f}" for p in measured)
        parts.append(f'<polyline points="{path}" fill="none" stroke="#1565c0" stroke-width="1.5"/>')
        for p in measured:
            parts.append(
                f'<circle cx="{x(p.age_months):.1f}" cy="{y(p.value):.1f}" r="3" fill="#1565c0" '
                f'class="measurement"><title>{p.value:g} {_escape(unit)} · z {p.z:+.1f}</title>'
                f"</circle>"
            )
    parts.append("</svg>")
    return Chart(measure, "".join(parts), measured)


def _ticks(low: float, high: float) -> list[float]:
    span = high - low
    step = next(s for s in (1, 2, 5, 10, 20) if span / s <= 8)
    first = math.ceil(low / step) * step
    return [first + i * step for i in range(int((high - first) // step) + 1)]


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
