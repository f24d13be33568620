"""The immunisation schedules as data (R-PH-1).

Children: 国家免疫规划疫苗儿童免疫程序及说明（2021年版）, National Health Commission, the table
of recommended ages for each programme vaccine and dose. Where the programme allows a live or an
inactivated vaccine (Japanese encephalitis, hepatitis A), the live one is listed, as most
provinces use it. Ages are in months from birth (the 2021 edition says "出生时", "1月龄" …,
"6周岁"); a dose is on schedule when it is given before the next month of age begins, the
edition's rule for the timely-vaccination rate (及时接种率).

Adults: seasonal influenza (one dose a season), HPV (three doses at 0, 2 and 6 months) and the
rabies post-exposure series (Essen regimen: days 0, 3, 7, 14 and 28), with intervals in days
from the first dose.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

EDITION = "国家免疫规划疫苗儿童免疫程序（2021年版）"


@dataclass(frozen=True)
class ChildDose:
    product_code: str
    dose_number: int
    age_months: int


@dataclass(frozen=True)
class SeriesDose:
    product_code: str
    dose_number: int
    days_after_first: int


CHILD_SCHEDULE: tuple[ChildDose, ...] = (
    ChildDose("HepB", 1, 0),
    ChildDose("BCG", 1, 0),
    ChildDose("HepB", 2, 1),
    ChildDose("IPV", 1, 2),
    ChildDose("IPV", 2, 3),
    ChildDose("DTaP", 1, 3),
    ChildDose("bOPV", 1, 4),
    ChildDose("DTaP", 2, 4),
    ChildDose("DTaP", 3, 5),
    ChildDose("HepB", 3, 6),
    ChildDose("MPSV-A", 1, 6),
    ChildDose("MMR", 1, 8),
    ChildDose("JE-L", 1, 8),
    ChildDose("MPSV-A", 2, 9),
    ChildDose("DTaP", 4, 18),
    ChildDose("MMR", 2, 18),
    ChildDose("HepA-L", 1, 18),
    ChildDose("JE-L", 2, 24),
    ChildDose("MPSV-AC", 1, 36),
    ChildDose("bOPV", 2, 48),
    ChildDose("DT", 1, 72),
    ChildDose("MPSV-AC", 2, 72),
)

ADULT_SERIES: tuple[SeriesDose, ...] = (
    SeriesDose("FLU", 1, 0),
    SeriesDose("HPV", 1, 0),
    SeriesDose("HPV", 2, 60),
    SeriesDose("HPV", 3, 180),
    SeriesDose("RAB", 1, 0),
    SeriesDose("RAB", 2, 3),
    SeriesDose("RAB", 3, 7),
    SeriesDose("RAB", 4, 14),
    SeriesDose("RAB", 5, 28),
)

# The programme's vaccines (free of charge) and the self-paid ones, with their Chinese names.
PRODUCT_NAMES: dict[str, str] = {
    "HepB": "乙肝疫苗",
    "BCG": "卡介苗",
    "IPV": "脊灰灭活疫苗",
    "bOPV": "二价脊灰减毒活疫苗",
    "DTaP": "百白破疫苗",
    "DT": "白破疫苗",
    "MMR": "麻腮风疫苗",
    "JE-L": "乙脑减毒活疫苗",
    "MPSV-A": "A群流脑多糖疫苗",
    "MPSV-AC": "A群C群流脑多糖疫苗",
    "HepA-L": "甲肝减毒活疫苗",
    "FLU": "流感疫苗",
    "HPV": "HPV疫苗",
    "RAB": "人用狂犬病疫苗",
}
PROGRAMME_CODES = frozenset(d.product_code for d in CHILD_SCHEDULE)


def add_months(day: dt.date, months: int) -> dt.date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    # The 31st of a month without one falls on that month's last day.
    for last in (31, 30, 29, 28):
        try:
            return dt.date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise AssertionError("unreachable")


@dataclass(frozen=True)
class Due:
    product_code: str
    dose_number: int
    due_on: dt.date
    timely_until: dt.date  # the day before the next month of age begins

    @property
    def name(self) -> str:
        return PRODUCT_NAMES[self.product_code]


def child_doses_due(birth_date: dt.date) -> list[Due]:
    """Every programme dose for a child born on `birth_date`, in order of due date."""
    return [
        Due(
            d.product_code,
            d.dose_number,
            add_months(birth_date, d.age_months),
            add_months(birth_date, d.age_months + 1) - dt.timedelta(days=1),
        )
        for d in CHILD_SCHEDULE
    ]


def series_doses(product_code: str) -> tuple[SeriesDose, ...]:
    return tuple(d for d in ADULT_SERIES if d.product_code == product_code)


def doses_in_series(product_code: str) -> int:
    child = [d for d in CHILD_SCHEDULE if d.product_code == product_code]
    return len(child) if child else len(series_doses(product_code))
