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
    """Every event carries `patient_id`, `institution_id` (where it happened) and, where one is
    known, `department_id`; `on_site` is True only when the patient had to be there. The journey
    (`onetrip.journey.episodes`) relies on the ids named below to join events into episodes."""

    # scheduling: a booking became effective (booked directly, or a held one confirmed). On site
    # only when booked at a window, kiosk or in clinic. data: booking_id, session_id, doctor_id,
    # slot_start, pool (pool kind), booking_channel, referral (bool: booked by primary care)
    APPOINTMENT_BOOKED = "appointment.booked"
    # scheduling. data: booking_id, reason ("patient", "stop_clinic")
    APPOINTMENT_CANCELLED = "appointment.cancelled"
    # scheduling. on_site. data: visit_id (= booking_id), booking_id, late (bool), walk_in (bool)
    VISIT_CHECKED_IN = "visit.checked_in"
    # scheduling. on_site. data: visit_id, booking_id, checked_in_at, waited_minutes (called −
    # checked in, each time to the minute: the national formula, domain-rules §8 #23)
    VISIT_CALLED = "visit.called"
    # scheduling. on_site. data: visit_id, booking_id, doctor_id, consulting_room
    CONSULTATION_STARTED = "consultation.started"
    # exams. Every exam event: institution_id = the performing institution, department_id = the
    # ordering doctor's department (None for an outside doctor), data: order_id, item_code,
    # ordering_institution_id.
    EXAM_ORDERED = "exam.ordered"
    # exams (booked or moved). data: + starts_at, device_id, room, time_slotted (bool),
    # rescheduled (bool)
    EXAM_BOOKED = "exam.booked"
    # exams. on_site. data: + checked_in_at
    EXAM_CHECKED_IN = "exam.checked_in"
    # exams. on_site. The patient was called in. data: + waited_minutes (check-in → start)
    EXAM_STARTED = "exam.started"
    # exams. data: + reason
    EXAM_CANCELLED = "exam.cancelled"
    # exams. data: as every exam event
    EXAM_NO_SHOW = "exam.no_show"
    # reports: a report attached to its order (not a quarantined one). department_id as the
    # exam events. data: report_id, order_id, ordering_institution_id, status, version,
    # critical (bool)
    REPORT_FILED = "report.filed"
    # billing. channel = settlement mode; on_site unless paid remotely (mobile, inpatient
    # mobile, pay-later) with a remote instrument. data: settlement_id, bill_id, mode,
    # payment_channel, total_fen, insurance_fen (fund + personal account), cash_fen,
    # consulting_room (in-clinic settlement: the room's label, else ""), clinic_id (in-clinic
    # settlement: the consulting room, else None), fees (bool: charges were settled, so a
    # medical e-bill is due; False for a deposit top-up or a pay-after-treatment repayment)
    PAYMENT_SETTLED = "payment.settled"
    # billing. data: settlement_id, refund_id, amount_fen
    PAYMENT_REFUNDED = "payment.refunded"
    # referral: a referral sent; institution_id = the sending institution, department_id = the
    # receiving department (None downward). data: referral_id, direction ("up", "down"),
    # to_institution_id, urgency, target, booking_id (clinic referrals, else None)
    REFERRAL_SENT = "referral.sent"
    # referral: the receiving institution answered; institution_id = the receiver. data:
    # referral_id, direction, outcome ("accepted", "redirected"), minutes (answered − sent, to
    # the minute), booking_id (the booking the referral now holds: moved by the green channel)
    REFERRAL_ANSWERED = "referral.answered"
    # referral: a remote consultation or reading answered; institution_id = the consulting
    # centre. data: request_id, kind, requesting_institution_id, minutes (answered − requested),
    # overdue (bool: answered after its turnaround clock ran out)
    CONSULTATION_ANSWERED = "consultation.answered"


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
