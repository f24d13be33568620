"""Reporting periods: a month (`2026-11`), a quarter (`2026-Q4`) or a year (`2026`)."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from onetrip.core.errors import InvalidInput

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_QUARTER = re.compile(r"^(\d{4})-Q([1-4])$")
_YEAR = re.compile(r"^(\d{4})$")


@dataclass(frozen=True)
class Period:
    code: str
    start: dt.date  # first day
    end: dt.date  # day after the last

    @property
    def last_day(self) -> dt.date:
        return self.end - dt.timedelta(days=1)

    def months(self) -> list[Period]:
        found, current = [], month_of(self.start)
        while current.start < self.end:
            found.append(current)
            current = month_of(current.end)
        return found


def month_of(day: dt.date) -> Period:
    start = day.replace(day=1)
    end = (start + dt.timedelta(days=32)).replace(day=1)
    return Period(f"{start:%Y-%m}", start, end)


def _add_months(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def parse_period(code: str, *, field: str = "period") -> Period:
    """The period a code names; anything else is a field error."""
    code = (code or "").strip()
    if match := _MONTH.match(code):
        year, month = int(match[1]), int(match[2])
        if 1 <= month <= 12 and year >= 2000:
            return month_of(dt.date(year, month, 1))
    elif match := _QUARTER.match(code):
        year, quarter = int(match[1]), int(match[2])
        if year >= 2000:
            start = dt.date(year, 3 * quarter - 2, 1)
            return Period(code, start, _add_months(start, 3))
    elif (match := _YEAR.match(code)) and int(match[1]) >= 2000:
        year = int(match[1])
        return Period(code, dt.date(year, 1, 1), dt.date(year + 1, 1, 1))
    raise InvalidInput.field(
        field, _("Give a period as a month (2026-11), a quarter (2026-Q4) or a year (2026).")
    )


def trailing_months(period: Period, count: int) -> list[Period]:
    """The `count` months ending with the period's last month, oldest first."""
    last = month_of(period.last_day)
    return [month_of(_add_months(last.start, -offset)) for offset in range(count - 1, -1, -1)]
