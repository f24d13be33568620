"""Errands at the one window (R-SVC-1): a ticket opened for an errand of the catalogue, promised
by its turnaround from the one clock, done (stamped with the hospital's one seal) or refused with
a reason; the patient is told by SMS when a phone number is given."""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass

from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from onetrip.consortium.models import Institution
from onetrip.core import audit, clock, limits
from onetrip.core.actors import Actor, ActorKind
from onetrip.core.errors import DomainError, FieldError, InvalidInput, NotFound
from onetrip.core.models import AuditAction
from onetrip.identity import services as identity
from onetrip.notifications import services as notifications
from onetrip.service.errands import BY_CODE
from onetrip.service.models import ErrandTicket, TicketStatus
from onetrip.service.services.common import institution_of, require_staff, text

HANDLE = "service.add_errandticket"


class WrongState(DomainError):
    status = 409


@dataclass(frozen=True)
class TicketIn:
    errand: str
    contact_name: str
    contact_phone: str = ""
    details: str = ""
    # A patient of this hospital the errand is for: it then shows on their phone too.
    patient_id: int | None = None


@transaction.atomic
def open_ticket(data: TicketIn, *, actor: Actor) -> ErrandTicket:
    require_staff(actor, HANDLE)
    patient = None
    if data.patient_id:
        patient = identity.accessible_patients(actor).filter(pk=data.patient_id).first()
        if patient is None:
            raise InvalidInput.field("patient_id", _("No such patient here."), "invalid_choice")
    return _open(data, actor=actor, institution_id=institution_of(actor), patient=patient)


@transaction.atomic
def open_on_phone(
    errand: str, *, patient_id: int, institution_id: int, details: str, actor: Actor
) -> ErrandTicket:
    """The patient opens an errand on the phone for a patient their account holds; the service
    centre then carries it like one taken at the counter, and it is on the phone's list."""
    if actor.kind != ActorKind.PATIENT:
        raise InvalidInput.field("patient_id", _("Open it on the phone."))
    limits.spend("service_filing_per_account", str(actor.account_id))
    patient = identity.accessible_patients(actor).filter(pk=patient_id or 0).first()
    errors: list[FieldError] = []
    if patient is None:
        errors.append(FieldError("patient_id", _("Choose a patient."), "invalid_choice"))
    if not Institution.objects.filter(pk=institution_id or 0).exists():
        errors.append(FieldError("institution_id", _("Choose a hospital."), "invalid_choice"))
    if errors or patient is None:
        raise InvalidInput(*errors)
    data = TicketIn(errand, patient.name, patient.phone, details)
    return _open(data, actor=actor, institution_id=institution_id, patient=patient)


def _open(data: TicketIn, *, actor: Actor, institution_id: int, patient) -> ErrandTicket:
    errors: list[FieldError] = []
    errand = BY_CODE.get(data.errand)
    if errand is None:
        errors.append(FieldError("errand", _("Choose one of the options."), "invalid_choice"))
    name = text(errors, "contact_name", data.contact_name, 50)
    phone = text(errors, "contact_phone", data.contact_phone, 20, required=False)
    if phone and not (phone.isdigit() and len(phone) == 11):
        errors.append(FieldError("contact_phone", _("Enter an 11-digit mobile number.")))
    details = text(errors, "details", data.details, 500, required=False)
    if errors or errand is None:
        raise InvalidInput(*errors)
    now = clock.now()
    ticket = ErrandTicket.objects.create(
        reference=f"new-{secrets.token_hex(8)}",
        institution_id=institution_id,
        patient=patient,
        errand=errand.code,
        contact_name=name,
        contact_phone=phone,
        details=details,
        fee_fen=errand.fee_fen,
        status=TicketStatus.OPEN,
        opened_at=now,
        due_at=now + dt.timedelta(hours=errand.turnaround_hours),
    )
    ticket.reference = f"YC{now:%y%m%d}{ticket.pk:05d}"
    ticket.save(update_fields=["reference"])
    audit.record(
        actor,
        AuditAction.CREATE,
        ticket,
        patient_id=ticket.patient_id,
        summary=f"errand {ticket.reference} opened ({errand.code})",
    )
    return ticket


def _locked(ticket_id: int, actor: Actor) -> ErrandTicket:
    require_staff(actor, HANDLE)
    ticket = (
        ErrandTicket.objects.select_for_update()
        .filter(pk=ticket_id, institution_id=institution_of(actor))
        .first()
    )
    if ticket is None:
        raise NotFound(_("No such errand."))
    if ticket.status != TicketStatus.OPEN:
        raise WrongState(_("This errand is already finished."), code="wrong_state")
    return ticket


def _tell(ticket: ErrandTicket) -> None:
    notifications.notify(
        "errand_done" if ticket.status == TicketStatus.DONE else "errand_refused",
        phone=ticket.contact_phone,
        subject=ticket,
        params={"reference": ticket.reference},
    )


@transaction.atomic
def finish(ticket_id: int, *, actor: Actor) -> ErrandTicket:
    ticket = _locked(ticket_id, actor)
    now = clock.now()
    ticket.status = TicketStatus.DONE
    ticket.closed_at = now
    ticket.on_time = now <= ticket.due_at
    ticket.save()
    audit.record(
        actor,
        AuditAction.UPDATE,
        ticket,
        patient_id=ticket.patient_id,
        summary=f"errand {ticket.reference} done",
    )
    _tell(ticket)
    return ticket


@transaction.atomic
def refuse(ticket_id: int, *, reason: str, actor: Actor) -> ErrandTicket:
    ticket = _locked(ticket_id, actor)
    errors: list[FieldError] = []
    reason = text(errors, "reason", reason, 300)
    if errors:
        raise InvalidInput(*errors)
    ticket.status = TicketStatus.REFUSED
    ticket.refusal_reason = reason
    ticket.closed_at = clock.now()
    ticket.save()
    audit.record(
        actor,
        AuditAction.UPDATE,
        ticket,
        patient_id=ticket.patient_id,
        summary=f"errand {ticket.reference} refused",
    )
    _tell(ticket)
    return ticket


def window_tickets(*, actor: Actor) -> list[ErrandTicket]:
    require_staff(actor, HANDLE)
    return list(
        ErrandTicket.objects.filter(institution_id=institution_of(actor)).order_by(
            "status", "due_at"
        )[:200]
    )


def ticket_for_staff(ticket_id: int, *, actor: Actor) -> ErrandTicket:
    require_staff(actor, HANDLE)
    ticket = ErrandTicket.objects.filter(pk=ticket_id, institution_id=institution_of(actor)).first()
    if ticket is None:
        raise NotFound(_("No such errand."))
    if ticket.patient_id is not None:
        audit.record_staff_read(
            actor, ticket, patient_id=ticket.patient_id, summary=f"errand {ticket.reference} read"
        )
    return ticket


def patient_tickets(actor: Actor) -> QuerySet[ErrandTicket]:
    """The errands opened on the phone for the patients this account holds, newest first."""
    patients = identity.accessible_patients(actor).values("pk")
    return (
        ErrandTicket.objects.filter(patient_id__in=patients)
        .select_related("institution", "patient")
        .order_by("-opened_at")
    )


def ticket_for_patient(ticket_id: int, *, actor: Actor) -> ErrandTicket:
    ticket = patient_tickets(actor).filter(pk=ticket_id).first()
    if ticket is None:
        raise NotFound(_("No such errand."))
    return ticket
