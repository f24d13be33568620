"""The mother-and-child schedules as data (R-PH-2).

Antenatal checks: 孕前和孕期保健指南（2018）, Chinese Society of Obstetrics and Gynecology
(中华医学会妇产科学分会), recommended weeks 6–13+6, 14–19+6, 20–24, 25–28, 29–32, 33–36, then
weekly from 37 to 41; the 国家基本公共卫生服务规范（第三版, 2017） asks for at least five checks
during pregnancy and registration (建册) before 13 weeks. Windows are in days of pregnancy
counted from the first day of the last menstrual period (LMP); the expected date of delivery is
LMP + 280 days (Naegele's rule).

Postnatal care (same 规范): a home visit within 7 days of discharge (产后访视) and the 42-day
check (产后42天健康检查).

Children 0–6 (same 规范, 0～6岁儿童健康管理): checks at 1, 3, 6, 8, 12, 18, 24, 30 and 36 months,
then yearly at 4, 5 and 6 years — in the first three years four, two and one a year at least
(the "4-2-1" of 3岁以下儿童系统管理).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from onetrip.publichealth.schedule import add_months

PREGNANCY_DAYS = 280
EARLY_REGISTRATION_DAYS = 13 * 7  # registered before 13 weeks (早孕建册)
MINIMUM_ANTENATAL_CHECKS = 5
POSTNATAL_HOME_VISIT_DAYS = 7
POSTNATAL_CHECK_DAY = 42


@dataclass(frozen=True)
class CheckWindow:
    number: int
    first_day: int  # days of pregnancy, inclusive
    last_day: int

    def label(self) -> str:
        return f"{_weeks(self.first_day)}–{_weeks(self.last_day)}"


def _weeks(days: int) -> str:
    weeks, extra = divmod(days, 7)
    return f"{weeks}+{extra}" if extra else str(weeks)


ANTENATAL_CHECKS: tuple[CheckWindow, ...] = (
    CheckWindow(1, 6 * 7, 13 * 7 + 6),
    CheckWindow(2, 14 * 7, 19 * 7 + 6),
    CheckWindow(3, 20 * 7, 24 * 7 + 6),
    CheckWindow(4, 25 * 7, 28 * 7 + 6),
    CheckWindow(5, 29 * 7, 32 * 7 + 6),
    CheckWindow(6, 33 * 7, 36 * 7 + 6),
    CheckWindow(7, 37 * 7, 37 * 7 + 6),
    CheckWindow(8, 38 * 7, 38 * 7 + 6),
    CheckWindow(9, 39 * 7, 39 * 7 + 6),
    CheckWindow(10, 40 * 7, 40 * 7 + 6),
    CheckWindow(11, 41 * 7, 41 * 7 + 6),
)
CHECK_NUMBERS = frozenset(w.number for w in ANTENATAL_CHECKS)

CHILD_CHECK_MONTHS: tuple[int, ...] = (1, 3, 6, 8, 12, 18, 24, 30, 36, 48, 60, 72)
# 4-2-1: the checks of each of the first three years, and how many of them make it managed.
CHILD_YEARS: tuple[tuple[int, tuple[int, ...], int], ...] = (
    (1, (1, 3, 6, 8, 12), 4),
    (2, (18, 24), 2),
    (3, (30, 36), 1),
)


def due_date(last_period: dt.date) -> dt.date:
    return last_period + dt.timedelta(days=PREGNANCY_DAYS)


def pregnancy_day(last_period: dt.date, on: dt.date) -> int:
    return (on - last_period).days


@dataclass(frozen=True)
class DueCheck:
    number: int
    opens_on: dt.date
    closes_on: dt.date
    weeks: str


def antenatal_windows(last_period: dt.date) -> list[DueCheck]:
    return [
        DueCheck(
            w.number,
            last_period + dt.timedelta(days=w.first_day),
            last_period + dt.timedelta(days=w.last_day),
            w.label(),
        )
        for w in ANTENATAL_CHECKS
    ]


def child_check_day(birth_date: dt.date, age_months: int) -> dt.date:
    return add_months(birth_date, age_months)
