"""The public-health indicators' records (D174), read by metrics: each function answers, for the
records in a period, (institution, day, counted-in-numerator) facts and the records themselves
for the drill-down.

- Vaccination on schedule: programme doses (the 2021 children's schedule) given in the period;
  on schedule when given from the due day to the day before the next month of age (及时接种).
  Adult vaccines and doses beyond the schedule are outside the indicator.
- AEFI reported within the limit: adverse events reported in the period; within the limit when
  reported no later than 48 hours after discovery.
- Hut readings followed up: out-of-range hut readings received in the period; followed up when
  the township doctor recorded a follow-up within 24 hours of receipt.
- Home visits done: home visits scheduled in the period; done when the nurse recorded the visit
  by the end of the day it was scheduled for.
- Maternal-child management coverage (孕产妇和3岁以下儿童系统管理, D187): the people the
  maternal-child service is for, each counted once per fact. A mother counts on the day of her
  delivery (at the institution that registered her): managed when registered before 13 weeks
  (早孕建册), with at least five antenatal checks done and both postnatal visits (the home visit
  and the 42-day check). A child with a child health record (a check booked or done) counts on
  each of the first three birthdays (at the institution of the first check): managed when that
  year's checks of the 4-2-1 schedule were done (four of the 1–12-month checks, both of the
  18- and 24-month checks, one of the 30- and 36-month checks).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db.models import QuerySet
from django.utils import timezone

from onetrip.identity.models import Patient
from onetrip.publichealth import mch_schedule, schedule
from onetrip.publichealth.models import (
    AdverseEvent,
    AntenatalCheck,
    ChildCheck,
    Dose,
    HomeVisit,
    HutReading,
    PostnatalVisit,
    Pregnancy,
)
from onetrip.publichealth.services.vaccination import AEFI_REPORT_LIMIT

FOLLOW_UP_LIMIT = dt.timedelta(hours=24)
_CHILD_DOSES = {(d.product_code, d.dose_number): d.age_months for d in schedule.CHILD_SCHEDULE}

Fact = tuple[int, dt.date, bool]


def programme_doses(since: dt.datetime, until: dt.datetime) -> QuerySet[Dose]:
    return Dose.objects.filter(
        given_at__gte=since, given_at__lt=until, lot__product__programme=True
    ).select_related("patient", "lot__product", "visit")


def dose_on_schedule(dose: Dose) -> bool:
    months = _CHILD_DOSES.get((dose.lot.product.code, dose.visit.dose_number))
    if months is None:
        return False
    born = dose.patient.birth_date
    given = timezone.localtime(dose.given_at).date()
    due = schedule.add_months(born, months)
    return due <= given < schedule.add_months(born, months + 1)


def vaccination_facts(since: dt.datetime, until: dt.datetime) -> Iterable[Fact]:
    for dose in programme_doses(since, until):
        if (dose.lot.product.code, dose.visit.dose_number) in _CHILD_DOSES:
            day = timezone.localtime(dose.given_at).date()
            yield dose.lot.institution_id, day, dose_on_schedule(dose)


def adverse_events(since: dt.datetime, until: dt.datetime) -> QuerySet[AdverseEvent]:
    return AdverseEvent.objects.filter(
        reported_at__gte=since, reported_at__lt=until
    ).select_related("dose__lot")


def aefi_facts(since: dt.datetime, until: dt.datetime) -> Iterable[Fact]:
    for event in adverse_events(since, until):
        in_time = event.reported_at - event.discovered_at <= AEFI_REPORT_LIMIT
        yield event.dose.lot.institution_id, timezone.localtime(event.reported_at).date(), in_time


def out_of_range_readings(since: dt.datetime, until: dt.datetime) -> QuerySet[HutReading]:
    return HutReading.objects.filter(
        out_of_range=True, received_at__gte=since, received_at__lt=until
    ).select_related("device")


def hut_facts(since: dt.datetime, until: dt.datetime) -> Iterable[Fact]:
    for reading in out_of_range_readings(since, until):
        done = (
            reading.followed_up_at is not None
            and reading.followed_up_at - reading.received_at <= FOLLOW_UP_LIMIT
        )
        yield reading.device.hut_id, timezone.localtime(reading.received_at).date(), done


def home_visits(since: dt.datetime, until: dt.datetime) -> QuerySet[HomeVisit]:
    return HomeVisit.objects.filter(
        scheduled_for__gte=since, scheduled_for__lt=until
    ).select_related("order")


def home_visit_done(visit: HomeVisit) -> bool:
    """Recorded no later than the end of the day it was scheduled for."""
    if visit.done_at is None:
        return False
    return (
        timezone.localtime(visit.done_at).date() <= timezone.localtime(visit.scheduled_for).date()
    )


def home_visit_facts(since: dt.datetime, until: dt.datetime) -> Iterable[Fact]:
    for visit in home_visits(since, until):
        day = timezone.localtime(visit.scheduled_for).date()
        yield visit.order.institution_id, day, home_visit_done(visit)


# --- maternal-child management coverage ---------------------------------------------------------


def _days(since: dt.datetime, until: dt.datetime) -> tuple[dt.date, dt.date]:
    return timezone.localtime(since).date(), timezone.localtime(until).date()


def pregnancy_managed(pregnancy: Pregnancy) -> bool:
    registered = timezone.localtime(pregnancy.registered_at).date()
    early = (registered - pregnancy.last_period).days < mch_schedule.EARLY_REGISTRATION_DAYS
    checks = AntenatalCheck.objects.filter(pregnancy=pregnancy, done_at__isnull=False).count()
    postnatal = PostnatalVisit.objects.filter(pregnancy=pregnancy).count()
    return early and checks >= mch_schedule.MINIMUM_ANTENATAL_CHECKS and postnatal == 2


def _mother_facts(
    since: dt.datetime, until: dt.datetime
) -> Iterable[tuple[int, int, dt.date, bool]]:
    first, last = _days(since, until)
    for pregnancy in Pregnancy.objects.filter(delivered_on__gte=first, delivered_on__lt=last):
        assert pregnancy.delivered_on is not None
        yield (
            pregnancy.patient_id,
            pregnancy.institution_id,
            pregnancy.delivered_on,
            pregnancy_managed(pregnancy),
        )


def _child_facts(
    since: dt.datetime, until: dt.datetime
) -> Iterable[tuple[int, int, dt.date, bool]]:
    first, last = _days(since, until)
    years = len(mch_schedule.CHILD_YEARS)
    checks = (
        ChildCheck.objects.filter(
            patient__birth_date__gt=schedule.add_months(first, -12 * years) - dt.timedelta(days=1),
            patient__birth_date__lt=schedule.add_months(last, -12),
        )
        .select_related("patient")
        .order_by("patient_id", "pk")
    )
    by_child: dict[int, list[ChildCheck]] = {}
    for check in checks:
        by_child.setdefault(check.patient_id, []).append(check)
    for patient_id, found in by_child.items():
        born = found[0].patient.birth_date
        done = {c.age_months for c in found if c.done_at is not None}
        for year, months, required in mch_schedule.CHILD_YEARS:
            birthday = schedule.add_months(born, 12 * year)
            if first <= birthday < last:
                managed = len(done & set(months)) >= required
                yield patient_id, found[0].institution_id, birthday, managed


def _people_facts(since: dt.datetime, until: dt.datetime):
    yield from _mother_facts(since, until)
    yield from _child_facts(since, until)


def maternal_child_facts(since: dt.datetime, until: dt.datetime) -> Iterable[Fact]:
    for _patient_id, institution_id, day, managed in _people_facts(since, until):
        yield institution_id, day, managed


def maternal_child_people(
    since: dt.datetime, until: dt.datetime, institution_ids, *, managed_only: bool
) -> QuerySet[Patient]:
    """The mothers and children behind the figure, for the drill-down."""
    wanted = set(institution_ids)
    found = {
        patient_id
        for patient_id, institution_id, _day, managed in _people_facts(since, until)
        if institution_id in wanted and (managed or not managed_only)
    }
    return Patient.objects.filter(pk__in=found).order_by("pk")
