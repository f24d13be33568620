"""What the indicators read of prescribing, per institution and day: the pharmacist's review
turnaround and the online follow-up visits."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.db.models import QuerySet
from django.utils import timezone

from onetrip.prescribing.models import OnlineVisit, Prescription, VisitStatus

DailyValue = tuple[int, dt.date, int]


def _totals(pairs) -> list[DailyValue]:
    totals: dict[tuple[int, dt.date], int] = defaultdict(int)
    for institution_id, moment, value in pairs:
        totals[institution_id, timezone.localtime(moment).date()] += value
    return [(pk, day, value) for (pk, day), value in sorted(totals.items()) if value]


def reviewed(since: dt.datetime, until: dt.datetime) -> QuerySet[Prescription]:
    return Prescription.objects.filter(reviewed_at__gte=since, reviewed_at__lt=until).order_by(
        "reviewed_at", "pk"
    )


def reviews_by_day(since: dt.datetime, until: dt.datetime, *, minutes: bool) -> list[DailyValue]:
    """Prescriptions approved or returned on those days, or the whole minutes each waited from
    being written to being reviewed."""
    return _totals(
        (
            p.institution_id,
            p.reviewed_at,
            int((p.reviewed_at - p.written_at).total_seconds() // 60) if minutes else 1,
        )
        for p in reviewed(since, until)
    )


def online_visits(since: dt.datetime, until: dt.datetime) -> QuerySet[OnlineVisit]:
    return OnlineVisit.objects.filter(starts_at__gte=since, starts_at__lt=until).order_by(
        "starts_at", "pk"
    )


def online_visits_by_day(since: dt.datetime, until: dt.datetime, *, held: bool) -> list[DailyValue]:
    """Online follow-ups booked for those days, or those of them held (closed with a note)."""
    return _totals(
        (v.institution_id, v.starts_at, 1)
        for v in online_visits(since, until)
        if not held or v.status == VisitStatus.CLOSED
    )
