"""What the indicators read from the inpatient domain (R-INP-3, bed turnover, length of stay,
pre-admission waiting): discharged stays by discharge day, and the beds that are open.

Definitions (D153), every one counted on the day of discharge at the discharging institution:
- an elective operation: a discharged stay whose notice was elective with a planned procedure;
- a day surgery: such a stay admitted as day surgery and discharged within 48 hours (a 24-hour
  stay kept longer by exception with its reason still counts; longer does not);
- length of stay: whole days from admission to discharge, at least 1 (a same-day stay is a day);
- pre-admission waiting: whole days from the notice to admission;
- on a clinical pathway: a discharged stay whose pathway was completed (still on it at
  discharge); a stay that left its pathway does not count (D154)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator

from django.db.models import Q, QuerySet
from django.utils import timezone

from onetrip.inpatient.models import Admission, AdmissionStatus, Bed

NO_DEPARTMENT = 0  # as metrics' rollups key "no department"

ELECTIVE_OPERATION = Q(urgency="elective") & ~Q(planned_procedure="")
DAY_SURGERY = ELECTIVE_OPERATION & Q(counted_as_day_surgery=True)
EVERY_STAY = Q()
ON_PATHWAY = Q(pathway__status="completed")

Row = tuple[int, int, dt.date, str, int]


def _bounds(start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    zone = timezone.get_current_timezone()
    return (
        dt.datetime.combine(start, dt.time(), tzinfo=zone),
        dt.datetime.combine(end, dt.time(), tzinfo=zone),
    )


def discharged(
    start: dt.date,
    end: dt.date,
    condition: Q = EVERY_STAY,
    institution_ids: tuple[int, ...] | None = None,
) -> QuerySet[Admission]:
    since, until = _bounds(start, end)
    found = Admission.objects.filter(
        condition,
        status=AdmissionStatus.DISCHARGED,
        discharged_at__gte=since,
        discharged_at__lt=until,
    )
    if institution_ids is not None:
        found = found.filter(institution_id__in=institution_ids)
    return found


def _local_day(moment: dt.datetime) -> dt.date:
    return timezone.localtime(moment).date()


def stay_days(admission: Admission) -> int:
    assert admission.admitted_at is not None
    assert admission.discharged_at is not None
    days = (_local_day(admission.discharged_at) - _local_day(admission.admitted_at)).days
    return max(days, 1)


def waiting_days(admission: Admission) -> int:
    assert admission.admitted_at
    return (_local_day(admission.admitted_at) - _local_day(admission.issued_at)).days


def discharge_rows(
    condition: Q = EVERY_STAY, value: Callable[[Admission], int] | None = None
) -> Callable[[dt.date, dt.date], Iterator[Row]]:
    """Rows (institution, department, day, "", count or summed value) of discharged stays,
    added up in Python so the demo's SQLite and PostgreSQL count the same days."""

    def rows(start: dt.date, end: dt.date) -> Iterator[Row]:
        totals: dict[tuple[int, int, dt.date], int] = {}
        for admission in discharged(start, end, condition).order_by("pk"):
            key = (
                admission.institution_id,
                admission.department_id or NO_DEPARTMENT,
                _local_day(admission.discharged_at),  # type: ignore[arg-type]
            )
            totals[key] = totals.get(key, 0) + (value(admission) if value else 1)
        for (institution_id, department_id, day), total in sorted(totals.items()):
            yield (institution_id, department_id, day, "", total)

    return rows


def discharge_records(condition: Q = EVERY_STAY):
    def records(institution_ids: tuple[int, ...], department_id: int | None, start, end):
        found = discharged(start, end, condition, institution_ids)
        if department_id:
            found = found.filter(department_id=department_id)
        return found.select_related("patient")

    return records


def open_beds(institution_ids: tuple[int, ...]) -> tuple[int, set[int]]:
    """The beds of the institutions' wards, and which institutions have wards here (the others
    still report their beds in their returns)."""
    beds = Bed.objects.filter(room__ward__institution_id__in=institution_ids)
    with_wards = set(beds.values_list("room__ward__institution_id", flat=True).distinct())
    return beds.count(), with_wards
