"""What the indicators read of the pharmacy (R-RX-1/2), per institution and day, in the seed's
words: prescriptions ready when the patient arrived, the wait at the window, deliveries on time.
Each reader returns (institution id, day, value) and the records behind it."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterator

from django.db.models import QuerySet
from django.utils import timezone

from onetrip.pharmacy.models import Delivery, DeliveryStatus, DispenseOrder

DailyValue = tuple[int, dt.date, int]


def _day(moment: dt.datetime) -> dt.date:
    return timezone.localtime(moment).date()


def _totals(pairs: Iterator[tuple[int, dt.datetime, int]]) -> list[DailyValue]:
    totals: dict[tuple[int, dt.date], int] = defaultdict(int)
    for institution_id, moment, value in pairs:
        totals[institution_id, _day(moment)] += value
    return [(pk, day, value) for (pk, day), value in sorted(totals.items()) if value]


def arrivals(since: dt.datetime, until: dt.datetime) -> QuerySet[DispenseOrder]:
    """Window prescriptions whose patient said on the phone they had arrived, by arrival."""
    return DispenseOrder.objects.filter(arrived_at__gte=since, arrived_at__lt=until).order_by(
        "arrived_at", "pk"
    )


def arrivals_by_day(since: dt.datetime, until: dt.datetime, *, ready: bool) -> list[DailyValue]:
    return _totals(
        (o.institution_id, o.arrived_at, 1)
        for o in arrivals(since, until)
        if not ready or (o.ready_at is not None and o.ready_at <= o.arrived_at)
    )


def handed_over_after_arrival(since: dt.datetime, until: dt.datetime) -> QuerySet[DispenseOrder]:
    return DispenseOrder.objects.filter(
        collected_at__gte=since, collected_at__lt=until, arrived_at__isnull=False
    ).order_by("collected_at", "pk")


def window_wait_by_day(
    since: dt.datetime, until: dt.datetime, *, minutes: bool
) -> list[DailyValue]:
    """Hand-overs to a patient who had said they arrived: counted, or the whole minutes from
    the arrival to the hand-over (0 when the drugs were handed over as they arrived)."""
    return _totals(
        (
            o.institution_id,
            o.collected_at,
            max(0, int((o.collected_at - o.arrived_at).total_seconds() // 60)) if minutes else 1,
        )
        for o in handed_over_after_arrival(since, until)
    )


def deliveries_due(since: dt.datetime, until: dt.datetime) -> QuerySet[Delivery]:
    return (
        Delivery.objects.filter(due_at__gte=since, due_at__lt=until)
        .select_related("order")
        .order_by("due_at", "pk")
    )


def deliveries_due_by_day(
    since: dt.datetime, until: dt.datetime, *, on_time: bool
) -> list[DailyValue]:
    """Deliveries promised for those days (by the promise), or those of them delivered by it;
    one still on its way past its promise is late."""
    return _totals(
        (d.order.institution_id, d.due_at, 1)
        for d in deliveries_due(since, until)
        if not on_time
        or (
            d.status == DeliveryStatus.DELIVERED
            and d.delivered_at is not None
            and d.delivered_at <= d.due_at
        )
    )
