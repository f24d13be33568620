"""The domain events referral emits (`core.events.EventKind`, R-KPI-1), one call beside each audit
row: a referral sent, a referral answered, a consultation answered. The indicators of referred
visits, downward referrals and turnaround are counted from them."""

from __future__ import annotations

import datetime as dt

from onetrip.core import events
from onetrip.core.events import EventKind
from onetrip.referral.models import ConsultationRequest, Referral


def whole_minutes(start: dt.datetime, end: dt.datetime) -> int:
    """Minutes between two instants, each taken to the minute (as queueing time is counted)."""
    return int(
        (
            end.replace(second=0, microsecond=0) - start.replace(second=0, microsecond=0)
        ).total_seconds()
        // 60
    )


def sent(referral: Referral) -> None:
    events.emit(
        EventKind.REFERRAL_SENT,
        subject=referral,
        patient_id=referral.patient_id,
        institution_id=referral.from_institution_id,
        department_id=referral.to_department_id,
        occurred_at=referral.sent_at,
        data={
            "referral_id": referral.pk,
            "direction": referral.direction,
            "to_institution_id": referral.to_institution_id,
            "urgency": referral.urgency,
            "target": referral.target,
            "booking_id": referral.appointment_id,
        },
    )


def answered(referral: Referral) -> None:
    events.emit(
        EventKind.REFERRAL_ANSWERED,
        subject=referral,
        patient_id=referral.patient_id,
        institution_id=referral.to_institution_id,
        department_id=referral.to_department_id,
        occurred_at=referral.decided_at,
        data={
            "referral_id": referral.pk,
            "direction": referral.direction,
            "outcome": referral.status,
            "minutes": whole_minutes(referral.sent_at, referral.decided_at),
            "booking_id": referral.appointment_id,
        },
    )


def consultation_answered(request: ConsultationRequest) -> None:
    events.emit(
        EventKind.CONSULTATION_ANSWERED,
        subject=request,
        patient_id=request.patient_id,
        institution_id=request.consulting_institution_id,
        occurred_at=request.answered_at,
        data={
            "request_id": request.pk,
            "kind": request.kind,
            "requesting_institution_id": request.requesting_institution_id,
            "minutes": whole_minutes(request.requested_at, request.answered_at),
            "overdue": request.answered_at > request.due_at,
        },
    )
