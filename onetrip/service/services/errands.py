"""Errands at the one window (R-SVC-1): a ticket opened for an errand of the catalogue, promised
by its turnaround from the one clock, done (stamped with the hospital's one seal) or refused with
a reason; the patient is told by SMS when a phone number is given."""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from onetrip.core import audit, clock
from onetrip.core.actors import Actor
from onetrip.core.errors import DomainError, FieldError, InvalidInput, NotFound
from onetrip.core.models import AuditAction
from onetrip.notifications import services as notifications
from onetrip.service.errands import BY_CODE
from onetrip.service.models import ErrandTicket, TicketStatus
from onetrip.service.services.common import require_staff, text

HANDLE = "service.add_errandticket"


class WrongState(DomainError):
    status = 409


@dataclass(frozen=True)
class TicketIn:
    errand: str
    contact_name: str
    contact_phone: str = ""
    details: str = ""


@transaction.atomic
def open_ticket(data: TicketIn, *, actor: Actor) -> ErrandTicket:
    require_staff(actor, HANDLE)
    errors: list[FieldError] = []
    errand = BY_CODE.get(data.errand)
    if errand is None:
        errors.append(FieldError("errand", _("Choose one of the options."), "invalid_choice"))
    name = text(errors, "contact_name", data.contact_name, 50)
    phone = text(errors, "contact_phone", data.contact_phone, 20, required=False)
    if phone and not (phone.isdigit() and len(phone) == 11):
        errors.append(FieldError("contact_phone", _("Enter an 11-digit mobile number.")))
    details = text(errors, "details", data.details, 500, required=False)
    if errors:
        raise InvalidInput(*errors)
    now = clock.now()
    ticket = ErrandTicket.objects.create(
        reference=f"new-{secrets.token_hex(8)}",
        institution_id=actor.institution_id,
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
        summary=f"errand {ticket.reference} opened ({errand.code})",
    )
    return ticket


def _locked(ticket_id: int, actor: Actor) -> ErrandTicket:
    require_staff(actor, HANDLE)
    ticket = (
        ErrandTicket.objects.select_for_update()
        .filter(pk=ticket_id, institution_id=actor.institution_id)
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
    audit.record(actor, AuditAction.UPDATE, ticket, summary=f"errand {ticket.reference} done")
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
    audit.record(actor, AuditAction.UPDATE, ticket, summary=f"errand {ticket.reference} refused")
    _tell(ticket)
    return ticket


def window_tickets(*, actor: Actor) -> list[ErrandTicket]:
    require_staff(actor, HANDLE)
    return list(
        ErrandTicket.objects.filter(institution_id=actor.institution_id).order_by(
            "status", "due_at"
        )[:200]
    )


def ticket_for_staff(ticket_id: int, *, actor: Actor) -> ErrandTicket:
    require_staff(actor, HANDLE)
    ticket = ErrandTicket.objects.filter(pk=ticket_id, institution_id=actor.institution_id).first()
    if ticket is None:
        raise NotFound(_("No such errand."))
    return ticket
