"""What the indicators read of the service centre (R-SVC-1/2), by the day a thing finished:
complaints closed (and whether on time), complaints rated (and how), errands done (and whether
by the promised time). Praise is not a complaint and is left out of all three."""

from __future__ import annotations

import datetime as dt

from django.db.models import QuerySet

from onetrip.service.models import (
    Complaint,
    ComplaintKind,
    ComplaintStatus,
    ErrandTicket,
    TicketStatus,
)


def complaints_closed(since: dt.datetime, until: dt.datetime) -> QuerySet[Complaint]:
    return Complaint.objects.filter(
        kind=ComplaintKind.COMPLAINT,
        status=ComplaintStatus.CLOSED,
        closed_at__gte=since,
        closed_at__lt=until,
    )


def complaints_rated(since: dt.datetime, until: dt.datetime) -> QuerySet[Complaint]:
    return Complaint.objects.filter(
        kind=ComplaintKind.COMPLAINT,
        rating__isnull=False,
        rated_at__gte=since,
        rated_at__lt=until,
    )


def errands_done(since: dt.datetime, until: dt.datetime) -> QuerySet[ErrandTicket]:
    """Errands done (stamped) at the one window; a refused errand was not done."""
    return ErrandTicket.objects.filter(
        status=TicketStatus.DONE, closed_at__gte=since, closed_at__lt=until
    )
