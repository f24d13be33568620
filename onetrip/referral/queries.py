"""Reads of the referral domain: the referral office's and the family doctor's worklists, one
referral with where it stands, and the patient's own referrals, care plans and contract.

Where a referral stands after it was answered is read from scheduling and exams when shown
(booked, visited, missed), never copied. Staff see only the referrals their institution sent or
received; every staff read of them leaves an audit row (R-ORG-3)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.db.models import Prefetch, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from onetrip.core import audit
from onetrip.core.actors import Actor, ActorKind
from onetrip.core.errors import NotFound, PermissionDenied
from onetrip.core.models import AuditAction
from onetrip.exams import services as exams
from onetrip.identity import services as identity
from onetrip.referral.models import (
    ConsultationRequest,
    ConsultationStatus,
    Direction,
    FollowUp,
    Referral,
    ReferralStatus,
    Urgency,
)
from onetrip.referral.services.common import require_staff
from onetrip.scheduling import queries as scheduling

VIEW = "referral.view_referral"

# Where a referral stands, as its worklists and the patient's phone say it.
STAGES = {
    "waiting": _("Waiting for an answer"),
    "redirected": _("Redirected"),
    "cancelled": _("Cancelled"),
    "booked": _("Booked, visit to come"),
    "exam_to_book": _("Exam ordered, time to be booked"),
    "visited": _("Visit happened"),
    "missed": _("Visit missed"),
    "booking_ended": _("Booking cancelled"),
    "plan_received": _("Care plan received"),
}
_VISITED = ("checked_in", "called", "in_consultation", "completed")
_BOOKING_ENDED = ("cancelled", "expired", "clinic_stopped")


@dataclass(frozen=True)
class Tracked:
    """A referral with its booking or exam as they stand now."""

    referral: Referral
    booking: scheduling.BookingSummary | None
    exam: exams.OrderSummary | None

    @property
    def stage(self) -> str:
        status = self.referral.status
        if status in (ReferralStatus.REDIRECTED, ReferralStatus.CANCELLED):
            return status
        if self.referral.direction == Direction.DOWN:
            return "plan_received" if status == ReferralStatus.ACCEPTED else "waiting"
        outcome = self._visit_outcome()
        if outcome is not None:
            return outcome
        if status == ReferralStatus.SENT:
            return "waiting"
        if self.exam is not None and self.exam.status == "ordered":
            return "exam_to_book"
        return "booked"

    def _visit_outcome(self) -> str | None:
        """Visited, missed or ended, from the booking or the exam; None while still to come."""
        if self.booking is not None:
            if self.booking.status in _VISITED:
                return "visited"
            if self.booking.status == "no_show":
                return "missed"
            if self.booking.status in _BOOKING_ENDED:
                return "booking_ended"
        if self.exam is not None:
            if self.exam.status in ("checked_in", "completed"):
                return "visited"
            if self.exam.status == "no_show":
                return "missed"
            if self.exam.status == "cancelled":
                return "booking_ended"
        return None

    @property
    def stage_label(self) -> str:
        return str(STAGES[self.stage])

    @property
    def is_open(self) -> bool:
        return self.stage in ("waiting", "booked", "exam_to_book")


def track(referrals: list[Referral]) -> list[Tracked]:
    """Each referral with its booking and exam; two queries whatever the number."""
    bookings = scheduling.booking_summaries(r.appointment_id for r in referrals if r.appointment_id)
    orders = exams.order_summaries([r.exam_order_id for r in referrals if r.exam_order_id])
    return [
        Tracked(r, bookings.get(r.appointment_id), orders.get(r.exam_order_id)) for r in referrals
    ]


def _with_details(referrals: QuerySet[Referral]) -> QuerySet[Referral]:
    return referrals.select_related(
        "patient", "from_institution", "to_institution", "to_department", "redirected_to"
    ).prefetch_related(
        Prefetch("care_plan__follow_ups", queryset=FollowUp.objects.order_by("due_date", "pk"))
    )


def _audit_list(actor: Actor, what: str) -> None:
    with transaction.atomic():
        audit.record(actor, AuditAction.SEARCH, Referral, summary=what)


# --- the referral office --------------------------------------------------------------------


@dataclass(frozen=True)
class OfficeWorklist:
    to_answer: list[Tracked]  # upward referrals received, urgent first
    to_visit: list[Tracked]  # accepted, the visit still to come
    recent: list[Tracked]  # received and closed (visited, missed, redirected) lately
    sent_down: list[Tracked]  # downward referrals sent, with the family doctor's receipt


def office_worklist(*, actor: Actor, recent: int = 30) -> OfficeWorklist:
    require_staff(actor, "referral.manage_referrals")
    here = actor.institution_id
    received = list(
        _with_details(Referral.objects.filter(to_institution_id=here, direction=Direction.UP))
        .exclude(status=ReferralStatus.CANCELLED)
        .order_by("-sent_at")[:300]
    )
    tracked = track(received)
    waiting = [t for t in tracked if t.referral.status == ReferralStatus.SENT]
    waiting.sort(key=lambda t: (t.referral.urgency != Urgency.URGENT, t.referral.sent_at))
    to_visit = [t for t in tracked if t.referral.status == ReferralStatus.ACCEPTED and t.is_open]
    closed = [t for t in tracked if t.referral.status != ReferralStatus.SENT and not t.is_open]
    sent_down = track(
        list(
            _with_details(
                Referral.objects.filter(from_institution_id=here, direction=Direction.DOWN)
            ).order_by("-sent_at")[:recent]
        )
    )
    _audit_list(actor, "referral office worklist")
    return OfficeWorklist(waiting, to_visit, closed[:recent], sent_down)


# --- the family doctor ----------------------------------------------------------------------


@dataclass(frozen=True)
class DoctorWorklist:
    plans_received: list[Tracked]  # downward referrals with follow-ups to book
    sent_up: list[Tracked]  # upward referrals sent, where they stand
    consultations_sent: list[ConsultationRequest]
    consultations_to_answer: list[ConsultationRequest]


def doctor_worklist(*, actor: Actor, recent: int = 50) -> DoctorWorklist:
    require_staff(actor, VIEW)
    here = actor.institution_id
    plans = list(
        _with_details(Referral.objects.filter(to_institution_id=here, direction=Direction.DOWN))
        .exclude(status=ReferralStatus.CANCELLED)
        .order_by("status", "-sent_at")[:recent]
    )
    sent_up = list(
        _with_details(
            Referral.objects.filter(from_institution_id=here, direction=Direction.UP)
        ).order_by("-sent_at")[:recent]
    )
    consultations = ConsultationRequest.objects.select_related(
        "patient", "requesting_institution", "consulting_institution", "report"
    )
    sent = list(
        consultations.filter(requesting_institution_id=here).order_by("-requested_at")[:recent]
    )
    to_answer = list(
        consultations.filter(
            consulting_institution_id=here, status=ConsultationStatus.REQUESTED
        ).order_by("due_at")
    )
    _audit_list(actor, "family doctor worklist")
    return DoctorWorklist(track(plans), track(sent_up), sent, to_answer)


# --- one referral ---------------------------------------------------------------------------


@transaction.atomic
def referral_for(referral_id: int, *, actor: Actor) -> Tracked:
    """One referral as its sending or receiving institution (or its patient) sees it; any other
    reader is told there is no such referral."""
    referrals = _with_details(Referral.objects.filter(pk=referral_id))
    if actor.kind == ActorKind.STAFF:
        require_staff(actor, VIEW)
        here = actor.institution_id
        referrals = referrals.filter(Q(from_institution_id=here) | Q(to_institution_id=here))
    elif actor.kind == ActorKind.PATIENT:
        referrals = referrals.filter(patient__in=identity.accessible_patients(actor))
    else:
        raise PermissionDenied(_("Only staff or the patient's own account can read referrals."))
    referral = referrals.first()
    if referral is None:
        raise NotFound(_("No such referral."))
    if actor.kind == ActorKind.STAFF:
        audit.record(
            actor, AuditAction.VIEW, referral, patient_id=referral.patient_id, summary="referral"
        )
    return track([referral])[0]


# --- the patient ----------------------------------------------------------------------------


def patient_referrals(*, actor: Actor) -> list[Tracked]:
    """The referrals of the patients a mobile account acts for, newest first."""
    mine = identity.accessible_patients(actor)
    return track(
        list(
            _with_details(Referral.objects.filter(patient__in=mine))
            .exclude(status=ReferralStatus.CANCELLED)
            .order_by("-sent_at")[:50]
        )
    )
