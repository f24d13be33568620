"""The domain-event log's only writer: what happened in a patient's care, for the journey and the
monitoring indicators (R-KPI-1, R-KPI-2).

A domain service calls `emit` inside the transaction of its change, next to its audit row. The
event kinds are the contract between the domains that emit them and the apps that read them;
each kind's docstring below says who emits it and what `data` holds (ids as integers, amounts in
fen, times as ISO 8601 strings with offset). Add a kind here before emitting it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import connection, models, transaction

from onetrip.core import clock
from onetrip.core.models import DomainEvent


class EventKind(models.TextChoices):
    # scheduling. data: booking_id, session_id, doctor_id, slot_start, pool (pool kind),
    # booking_channel, referral (bool)
    APPOINTMENT_BOOKED = "appointment.booked"
    # scheduling. data: booking_id, reason ("patient", "stop_clinic", "expired", ...)
    APPOINTMENT_CANCELLED = "appointment.cancelled"
    # scheduling. on_site. data: visit_id, booking_id (None for a walk-in), late (bool)
    VISIT_CHECKED_IN = "visit.checked_in"
    # scheduling. on_site. data: visit_id, waited_minutes (check-in → called, national formula)
    VISIT_CALLED = "visit.called"
    # scheduling. on_site. data: visit_id, doctor_id, consulting_room
    CONSULTATION_STARTED = "consultation.started"
    # exams. data: order_id, item_code, ordering_institution_id
    EXAM_ORDERED = "exam.ordered"
    # exams. data: order_id, item_code, starts_at, device_id, time_slotted (bool)
    EXAM_BOOKED = "exam.booked"
    # exams. on_site. data: order_id, waited_minutes when known
    EXAM_CHECKED_IN = "exam.checked_in"
    # exams. data: order_id
    EXAM_CANCELLED = "exam.cancelled"
    # exams. data: order_id
    EXAM_NO_SHOW = "exam.no_show"
    # reports. data: report_id, order_id, critical (bool)
    REPORT_FILED = "report.filed"
    # billing. on_site unless paid remotely. data: settlement_id, mode, payment_channel,
    # total_fen, insurance_fen, cash_fen, consulting_room (in-clinic settlement)
    PAYMENT_SETTLED = "payment.settled"
    # billing. data: settlement_id, refund_id, amount_fen
    PAYMENT_REFUNDED = "payment.refunded"


def emit(
    kind: EventKind,
    *,
    subject: models.Model,
    patient_id: int | None,
    institution_id: int | None = None,
    department_id: int | None = None,
    on_site: bool = False,
    channel: str = "",
    occurred_at: dt.datetime | None = None,
    data: dict[str, Any] | None = None,
) -> DomainEvent:
    """Record `kind` about `subject` in the caller's transaction."""
    if not connection.in_atomic_block:
        raise transaction.TransactionManagementError(
            "events.emit must run inside the transaction of the change it reports"
        )
    return DomainEvent.objects.create(
        kind=kind,
        occurred_at=occurred_at or clock.now(),
        patient_id=patient_id,
        institution_id=institution_id,
        department_id=department_id,
        on_site=on_site,
        channel=channel,
        subject_type=subject._meta.label_lower,
        subject_id=str(subject.pk),
        data=data or {},
    )
