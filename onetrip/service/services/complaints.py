"""Complaints and praise (R-SVC-2): filed on the phone or entered by staff for the telephone, web
and box channels; routed to the responsible department; answered before a deadline set by
severity from the one clock; escalated by the sweep when the deadline passes; closed by the
complaints officer and rated by the patient. The patient is told at each step."""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Avg, Count, F, Q, QuerySet
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from onetrip.consortium.models import Department, Institution
from onetrip.core import audit, clock, limits
from onetrip.core.actors import SYSTEM, Actor, ActorKind
from onetrip.core.errors import DomainError, FieldError, InvalidInput, NotFound
from onetrip.core.models import AuditAction
from onetrip.identity import services as identity
from onetrip.notifications import services as notifications
from onetrip.service.models import (
    Complaint,
    ComplaintCause,
    ComplaintChannel,
    ComplaintKind,
    ComplaintStatus,
    ComplaintStep,
    Severity,
)
from onetrip.service.services.common import choice, institution_of, require_staff, text

FILE = "service.add_complaint"
VIEW = "service.view_complaint"
HANDLE = "service.handle_complaints"

# The promised response time by severity (D110); an escalated complaint gets one more day at
# each level.
RESPONSE_HOURS = {Severity.LOW: 120, Severity.MEDIUM: 48, Severity.HIGH: 24}
ESCALATION_GRACE = dt.timedelta(hours=24)
OPEN = (ComplaintStatus.RECEIVED, ComplaintStatus.ROUTED)


class WrongState(DomainError):
    status = 409


@dataclass(frozen=True)
class ComplaintIn:
    kind: str
    cause: str
    severity: str
    description: str
    institution_id: int | None = None  # the patient's choice; staff file at their own
    patient_id: int | None = None  # the patient filing on the phone (own record or a proxy)
    channel: str = ComplaintChannel.APP
    contact_name: str = ""
    contact_phone: str = ""


def patient_path(complaint: Complaint) -> str:
    return reverse("service-patient-complaint", args=[complaint.pk])


def _tell(complaint: Complaint, template: str, occasion: str = "") -> None:
    notifications.notify(
        template,
        phone=complaint.contact_phone,
        subject=complaint,
        params={"reference": complaint.reference, "path": patient_path(complaint)},
        # One purpose, several steps: each step is its own notice.
        occasion=f"{template}:{occasion}",
    )


def _step(complaint: Complaint, step: str, note: str = "") -> None:
    ComplaintStep.objects.create(complaint=complaint, at=clock.now(), step=step, note=note[:500])


@transaction.atomic
def file_complaint(data: ComplaintIn, *, actor: Actor) -> Complaint:
    errors: list[FieldError] = []
    choice(errors, "kind", data.kind, ComplaintKind)
    choice(errors, "cause", data.cause, ComplaintCause)
    choice(errors, "severity", data.severity, Severity)
    description = text(errors, "description", data.description, 2000)
    patient = None
    if actor.kind == ActorKind.PATIENT:
        channel: str = ComplaintChannel.APP
        limits.spend("service_filing_per_account", str(actor.account_id))
        patient = identity.accessible_patients(actor).filter(pk=data.patient_id or 0).first()
        if patient is None:
            errors.append(FieldError("patient_id", _("Choose a patient."), "invalid_choice"))
        institution_id: int | None = data.institution_id
        if not Institution.objects.filter(pk=institution_id or 0).exists():
            errors.append(FieldError("institution_id", _("Choose a hospital."), "invalid_choice"))
        name = patient.name if patient else ""
        phone = patient.phone if patient else ""
    else:
        require_staff(actor, FILE)
        channel = choice(errors, "channel", data.channel, ComplaintChannel)
        if channel == ComplaintChannel.APP:
            errors.append(
                FieldError("channel", _("The app channel is the patient's own."), "invalid_choice")
            )
        institution_id = institution_of(actor)
        name = text(errors, "contact_name", data.contact_name, 50)
        phone = text(errors, "contact_phone", data.contact_phone, 20, required=False)
        if phone and not (phone.isdigit() and len(phone) == 11):
            errors.append(FieldError("contact_phone", _("Enter an 11-digit mobile number.")))
    if errors or institution_id is None:
        raise InvalidInput(*errors)
    now = clock.now()
    complaint = Complaint.objects.create(
        reference=f"new-{secrets.token_hex(8)}",
        institution_id=institution_id,
        patient=patient,
        contact_name=name,
        contact_phone=phone,
        channel=channel,
        kind=data.kind,
        cause=data.cause,
        severity=data.severity,
        description=description,
        status=ComplaintStatus.RECEIVED,
        filed_at=now,
        due_at=now + dt.timedelta(hours=RESPONSE_HOURS[Severity(data.severity)]),
    )
    complaint.reference = f"TS{now:%y%m%d}{complaint.pk:05d}"
    complaint.save(update_fields=["reference"])
    _step(complaint, "received")
    audit.record(
        actor,
        AuditAction.CREATE,
        complaint,
        patient_id=complaint.patient_id,
        summary=f"complaint {complaint.reference} filed ({complaint.kind}, {channel})",
    )
    _tell(complaint, "complaint_received")
    return complaint


def _locked(complaint_id: int, actor: Actor) -> Complaint:
    require_staff(actor, HANDLE)
    complaint = (
        Complaint.objects.select_for_update()
        .filter(pk=complaint_id, institution_id=institution_of(actor))
        .first()
    )
    if complaint is None:
        raise NotFound(_("No such complaint."))
    return complaint


@transaction.atomic
def route_complaint(complaint_id: int, *, department_id: int, severity: str, actor: Actor):
    """The officer sends the complaint to the responsible department and confirms its severity;
    the deadline runs from the filing."""
    complaint = _locked(complaint_id, actor)
    if complaint.status not in OPEN:
        raise WrongState(_("This complaint is already answered."), code="wrong_state")
    errors: list[FieldError] = []
    choice(errors, "severity", severity, Severity)
    department = Department.objects.filter(
        pk=department_id or 0, institution_id=institution_of(actor)
    ).first()
    if department is None:
        errors.append(FieldError("department_id", _("Choose a department."), "invalid_choice"))
    if errors or department is None:
        raise InvalidInput(*errors)
    complaint.department = department
    complaint.severity = severity
    if not complaint.escalation_level:
        complaint.due_at = complaint.filed_at + dt.timedelta(
            hours=RESPONSE_HOURS[Severity(severity)]
        )
    complaint.status = ComplaintStatus.ROUTED
    complaint.save()
    _step(complaint, "routed", department.name)
    audit.record(
        actor,
        AuditAction.UPDATE,
        complaint,
        patient_id=complaint.patient_id,
        summary=f"complaint {complaint.reference} routed to {department.code}",
        changes={"department_id": department.pk, "severity": severity},
    )
    _tell(complaint, "complaint_routed", occasion=f"routed-{department.pk}")
    return complaint


@transaction.atomic
def respond(complaint_id: int, *, response: str, actor: Actor) -> Complaint:
    """The department's answer, recorded by the officer; the patient reads it on the phone."""
    complaint = _locked(complaint_id, actor)
    if complaint.status not in OPEN:
        raise WrongState(_("This complaint is already answered."), code="wrong_state")
    errors: list[FieldError] = []
    response = text(errors, "response", response, 2000)
    if errors:
        raise InvalidInput(*errors)
    now = clock.now()
    complaint.response = response
    complaint.responded_at = now
    complaint.status = ComplaintStatus.RESPONDED
    complaint.save()
    _step(complaint, "responded")
    audit.record(
        actor,
        AuditAction.UPDATE,
        complaint,
        patient_id=complaint.patient_id,
        summary=f"complaint {complaint.reference} answered",
    )
    _tell(complaint, "complaint_responded")
    return complaint


@transaction.atomic
def close_complaint(complaint_id: int, *, actor: Actor) -> Complaint:
    """Closed after the answer; the patient is asked to rate the outcome."""
    complaint = _locked(complaint_id, actor)
    if complaint.status != ComplaintStatus.RESPONDED:
        raise WrongState(_("Record the answer before closing."), code="wrong_state")
    now = clock.now()
    complaint.status = ComplaintStatus.CLOSED
    complaint.closed_at = now
    answered_at = complaint.responded_at or now  # RESPONDED implies it is set
    complaint.closed_on_time = answered_at <= complaint.due_at and (complaint.escalation_level == 0)
    complaint.save()
    _step(complaint, "closed")
    audit.record(
        actor,
        AuditAction.UPDATE,
        complaint,
        patient_id=complaint.patient_id,
        summary=f"complaint {complaint.reference} closed",
        changes={"on_time": complaint.closed_on_time},
    )
    _tell(complaint, "complaint_closed")
    return complaint


@transaction.atomic
def rate_closure(complaint_id: int, *, rating: int, comment: str = "", actor: Actor) -> Complaint:
    complaint = patient_complaints(actor).select_for_update().filter(pk=complaint_id).first()
    if complaint is None:
        raise NotFound(_("No such complaint."))
    errors: list[FieldError] = []
    if not isinstance(rating, int) or not 1 <= rating <= 5:
        errors.append(FieldError("rating", _("Give 1 to 5 stars."), "invalid_choice"))
    comment = text(errors, "comment", comment, 500, required=False)
    if errors:
        raise InvalidInput(*errors)
    if complaint.status != ComplaintStatus.CLOSED or complaint.rating is not None:
        raise WrongState(_("This complaint cannot be rated now."), code="wrong_state")
    complaint.rating = rating
    complaint.rating_comment = comment
    complaint.rated_at = clock.now()
    complaint.save()
    _step(complaint, "rated", str(rating))
    audit.record(
        actor,
        AuditAction.UPDATE,
        complaint,
        patient_id=complaint.patient_id,
        summary=f"complaint {complaint.reference} rated {rating}",
    )
    return complaint


def escalate_overdue(*, actor: Actor = SYSTEM) -> int:
    """The sweep (manage.py escalate_complaints): every complaint still unanswered past its
    deadline goes up one level, gets one more day, and the patient is told. Each in its own
    transaction; a complaint answered meanwhile is skipped by the conditional update."""
    now = clock.now()
    ids = list(
        Complaint.objects.filter(status__in=OPEN, due_at__lt=now)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    done = 0
    for pk in ids:
        with transaction.atomic():
            moved = Complaint.objects.filter(pk=pk, status__in=OPEN, due_at__lt=now).update(
                escalation_level=F("escalation_level") + 1,
                escalated_at=now,
                due_at=now + ESCALATION_GRACE,
            )
            if not moved:
                continue
            complaint = Complaint.objects.get(pk=pk)
            _step(complaint, "escalated", str(complaint.escalation_level))
            audit.record(
                actor,
                AuditAction.UPDATE,
                complaint,
                patient_id=complaint.patient_id,
                summary=f"complaint {complaint.reference} escalated to level "
                f"{complaint.escalation_level}",
            )
            _tell(complaint, "complaint_escalated", occasion=f"level-{complaint.escalation_level}")
            done += 1
    return done


# --- reading ----------------------------------------------------------------------------------


def worklist(*, actor: Actor) -> list[Complaint]:
    """The officer's worklist: the institution's complaints, open ones first by deadline. The
    patients named on it are read, so each is audited."""
    require_staff(actor, VIEW)
    found = list(
        Complaint.objects.filter(institution_id=institution_of(actor))
        .select_related("department")
        .order_by("closed_at", "due_at")[:200]
    )
    found.sort(key=lambda c: (c.status == ComplaintStatus.CLOSED, c.due_at))
    with transaction.atomic():
        for complaint in found:
            if complaint.patient_id:
                audit.record(
                    actor,
                    AuditAction.VIEW,
                    complaint,
                    patient_id=complaint.patient_id,
                    summary=f"complaint {complaint.reference} listed",
                )
    return found


@dataclass(frozen=True)
class MonthRow:
    department: str
    cause: str
    filed: int
    closed: int
    closed_on_time: int
    average_rating: float | None


def monthly_statistics(year: int, month: int, *, actor: Actor) -> list[MonthRow]:
    """The month's complaints at the officer's institution by department and cause: filed,
    closed, closed on time and the average rating (counts only; no patient is named)."""
    require_staff(actor, VIEW)
    rows = (
        Complaint.objects.filter(
            institution_id=institution_of(actor),
            kind=ComplaintKind.COMPLAINT,
            filed_at__year=year,
            filed_at__month=month,
        )
        .values("department__name", "cause")
        .annotate(
            filed=Count("pk"),
            closed=Count("pk", filter=Q(status=ComplaintStatus.CLOSED)),
            on_time=Count("pk", filter=Q(closed_on_time=True)),
            rating=Avg("rating"),
        )
        .order_by("department__name", "cause")
    )
    return [
        MonthRow(
            department=row["department__name"] or "",
            cause=str(ComplaintCause(row["cause"]).label),
            filed=row["filed"],
            closed=row["closed"],
            closed_on_time=row["on_time"],
            average_rating=round(row["rating"], 1) if row["rating"] is not None else None,
        )
        for row in rows
    ]


def complaint_for_staff(complaint_id: int, *, actor: Actor) -> Complaint:
    require_staff(actor, VIEW)
    complaint = (
        Complaint.objects.filter(pk=complaint_id, institution_id=institution_of(actor))
        .select_related("department", "institution")
        .first()
    )
    if complaint is None:
        raise NotFound(_("No such complaint."))
    if complaint.patient_id:
        audit.record_staff_read(
            actor,
            complaint,
            patient_id=complaint.patient_id,
            summary=f"complaint {complaint.reference} read",
        )
    return complaint


def patient_complaints(actor: Actor) -> QuerySet[Complaint]:
    patients = identity.accessible_patients(actor).values("pk")
    return Complaint.objects.filter(patient_id__in=patients).order_by("-filed_at")


def complaint_for_patient(complaint_id: int, *, actor: Actor) -> Complaint:
    complaint = (
        patient_complaints(actor)
        .filter(pk=complaint_id)
        .select_related("institution", "department")
        .first()
    )
    if complaint is None:
        raise NotFound(_("No such complaint."))
    return complaint
