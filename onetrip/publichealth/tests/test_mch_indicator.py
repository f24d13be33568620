"""The maternal-child management coverage (D187) on a hand-counted scenario with traps, November
2026 at the township centre:

Mothers delivered in November (denominator 3 of them; a fourth delivered in October is outside):
  A registered at 10 weeks, 5 checks, home visit and 42-day check            → managed
  B registered at 14 weeks (trap: after 13), 5 checks, both postnatal visits  → not
  C registered at 9 weeks, only 4 checks (trap), both postnatal visits       → not
Children with a first, second or third birthday in November (3 of them):
  D first birthday 11-10, checks at 1, 3, 6 and 8 months done                → managed
  E first birthday 11-12, checks at 1, 3 and 6 done, 8 booked only (trap)    → not
  F second birthday 11-20, only the 18-month check of year two (trap)        → not
  G third birthday in December: outside
Coverage 2 of 6, and the raw recomputation agrees.
"""

from __future__ import annotations

import datetime as dt

from onetrip.conftest import NOW
from onetrip.identity.models import Patient
from onetrip.metrics import services as metrics
from onetrip.metrics.definitions import METRICS_BY_CODE, Scope
from onetrip.metrics.periods import parse_period
from onetrip.metrics.tests.further import recompute_maternal_child
from onetrip.publichealth import indicators
from onetrip.publichealth.models import AntenatalCheck, ChildCheck, PostnatalVisit, Pregnancy


def _person(sex: str, born: dt.date) -> Patient:
    return Patient.objects.create(
        name="测试", sex=sex, birth_date=born, registered_at=NOW, updated_at=NOW
    )


def _mother(township, *, registered_week: int, checks: int, delivered: dt.date):
    patient = _person("female", dt.date(1993, 1, 1))
    last_period = delivered - dt.timedelta(days=275)
    pregnancy = Pregnancy.objects.create(
        institution=township,
        patient=patient,
        last_period=last_period,
        due_date=last_period + dt.timedelta(days=280),
        gravida=1,
        para=0,
        registered_at=dt.datetime.combine(
            last_period + dt.timedelta(weeks=registered_week), dt.time(10), NOW.tzinfo
        ),
        registered_by="test",
        delivered_on=delivered,
    )
    for number in range(1, checks + 1):
        AntenatalCheck.objects.create(pregnancy=pregnancy, number=number, done_at=NOW, weeks=10)
    for kind in ("home_visit", "day_42"):
        PostnatalVisit.objects.create(
            pregnancy=pregnancy, kind=kind, done_at=NOW, notes="正常", recorded_by="test"
        )
    return pregnancy


def _child(township, *, born: dt.date, done: tuple[int, ...], booked=()):
    child = _person("male", born)
    for months in done:
        ChildCheck.objects.create(
            institution=township,
            patient=child,
            age_months=months,
            done_at=NOW,
            weight_grams=9000,
            length_mm=750,
        )
    for months in booked:
        ChildCheck.objects.create(institution=township, patient=child, age_months=months)


def test_coverage_counts_the_managed_mothers_and_children(clock, township):
    nov = dt.date(2026, 11, 1)
    _mother(township, registered_week=10, checks=5, delivered=nov + dt.timedelta(2))
    _mother(township, registered_week=14, checks=5, delivered=nov + dt.timedelta(5))
    _mother(township, registered_week=9, checks=4, delivered=nov + dt.timedelta(9))
    _mother(township, registered_week=8, checks=6, delivered=dt.date(2026, 10, 30))
    _child(township, born=dt.date(2025, 11, 10), done=(1, 3, 6, 8))
    _child(township, born=dt.date(2025, 11, 12), done=(1, 3, 6), booked=(8,))
    _child(township, born=dt.date(2024, 11, 20), done=(1, 3, 6, 8, 12, 18))
    _child(township, born=dt.date(2023, 12, 2), done=(30, 36))

    period = parse_period("2026-11")
    scope = Scope((township.pk,))
    found = metrics.recomputed_totals(scope, period)
    figure = metrics.figure(METRICS_BY_CODE["maternal_child_coverage"], found, scope)
    assert (figure.numerator, figure.denominator) == (2, 6)

    def local_day(moment):
        return moment.astimezone(NOW.tzinfo).date()

    assert recompute_maternal_child({township.pk}, nov, dt.date(2026, 12, 1), local_day) == {
        "maternal_child_coverage": (2, 6)
    }
    since = dt.datetime(2026, 11, 1, tzinfo=NOW.tzinfo)
    until = dt.datetime(2026, 12, 1, tzinfo=NOW.tzinfo)
    managed = indicators.maternal_child_people(since, until, [township.pk], managed_only=True)
    assert managed.count() == 2
    assert indicators.maternal_child_people(since, until, [0], managed_only=False).count() == 0
