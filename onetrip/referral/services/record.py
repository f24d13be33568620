"""The shared record across levels (R-NET-4): one patient summary — problems, allergies,
medications, results, encounters, referrals — read by the institutions treating the patient.

A treating institution reads it when the patient consented: on a referral it sent or received
(the referring doctor records the patient's agreement) or by signing a family doctor contract
with one of its teams. The patient always reads their own. Every staff read is audited."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from onetrip.core import audit
from onetrip.core.actors import Actor, ActorKind
from onetrip.core.errors import PermissionDenied
from onetrip.core.models import AuditAction
from onetrip.identity.models import Patient
from onetrip.referral.models import (
    ConsultationRequest,
    ContractStatus,
    Direction,
    FamilyDoctorContract,
    Referral,
    ReferralStatus,
)
from onetrip.referral.queries import Tracked, track
from onetrip.referral.services.common import patient_for, require_staff
from onetrip.referral.services.contracts import open_contract
from onetrip.reports import services as reports
from onetrip.scheduling import queries as scheduling

MAX_ROWS = 20


@dataclass(frozen=True)
class Entry:
    """One line of the summary and where it comes from."""

    text: str
    since: dt.datetime
    source: str


@dataclass(frozen=True)
class SharedRecord:
    patient: Patient
    problems: list[Entry]
    allergies: list[Entry]
    medications: list[Entry]
    results: list  # reports.Report, newest first
    encounters: list[scheduling.BookingSummary]
    referrals: list[Tracked]
    consultations: list[ConsultationRequest]
    contract: FamilyDoctorContract | None


def record_consented(patient_id: int, institution_id: int) -> bool:
    """Whether the patient agreed that `institution_id` reads their shared record."""
    party = Q(from_institution_id=institution_id) | Q(to_institution_id=institution_id)
    return (
        Referral.objects.filter(party, patient_id=patient_id, record_shared=True)
        .exclude(status=ReferralStatus.CANCELLED)
        .exists()
        or FamilyDoctorContract.objects.filter(
            patient_id=patient_id,
            status=ContractStatus.SIGNED,
            team__institution_id=institution_id,
        ).exists()
    )


@transaction.atomic
def shared_record(patient_id: int, *, actor: Actor) -> SharedRecord:
    if actor.kind == ActorKind.STAFF:
        require_staff(actor, "identity.view_patient")
    elif actor.kind != ActorKind.PATIENT:
        raise PermissionDenied(_("Only staff or the patient's own account can read the record."))
    patient = patient_for(patient_id, actor)
    if actor.kind == ActorKind.STAFF:
        if not record_consented(patient.pk, actor.institution_id):
            raise PermissionDenied(
                _("The patient has not agreed to share their record with your institution."),
                code="no_consent",
            )
        audit.record(
            actor, AuditAction.VIEW, patient, patient_id=patient.pk, summary="shared record"
        )
    return _summary(patient, actor)


def _summary(patient: Patient, actor: Actor) -> SharedRecord:
    referrals = list(
        Referral.objects.select_related(
            "from_institution", "to_institution", "to_department", "care_plan"
        )
        .filter(patient=patient)
        .exclude(status=ReferralStatus.CANCELLED)
        .order_by("-sent_at")[:MAX_ROWS]
    )
    problems, allergies, medications = [], [], []
    for referral in referrals:
        source = str(referral.from_institution)
        problems.append(Entry(referral.diagnosis, referral.sent_at, source))
        if referral.allergies:
            allergies.append(Entry(referral.allergies, referral.sent_at, source))
        plan = (
            getattr(referral, "care_plan", None) if referral.direction == Direction.DOWN else None
        )
        medication = plan.medication if plan else referral.medications
        if medication:
            medications.append(Entry(medication, referral.sent_at, source))
    appointment_ids = list(
        scheduling.visible_appointments(actor)
        .filter(patient=patient)
        .order_by("-visit_date")
        .values_list("pk", flat=True)[:MAX_ROWS]
    )
    bookings = scheduling.booking_summaries(appointment_ids)
    return SharedRecord(
        patient=patient,
        problems=_distinct(problems),
        allergies=_distinct(allergies),
        medications=medications[:5],
        results=list(
            reports.visible_reports(actor)
            .filter(patient=patient)
            .select_related("performing_institution")[:MAX_ROWS]
        ),
        encounters=[bookings[pk] for pk in appointment_ids if pk in bookings],
        referrals=track(referrals),
        consultations=list(
            ConsultationRequest.objects.select_related(
                "requesting_institution", "consulting_institution", "report"
            )
            .filter(patient=patient)
            .order_by("-requested_at")[:MAX_ROWS]
        ),
        contract=open_contract(patient.pk),
    )


def _distinct(entries: list[Entry]) -> list[Entry]:
    """The newest entry of each text."""
    seen: set[str] = set()
    kept = []
    for entry in entries:
        if entry.text not in seen:
            seen.add(entry.text)
            kept.append(entry)
    return kept
