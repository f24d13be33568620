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
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db.models import QuerySet
from django.utils import timezone

from onetrip.publichealth import schedule
from onetrip.publichealth.models import AdverseEvent, Dose, HomeVisit, HutReading
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
