"""Lending and lost-and-found at the service centre (R-SVC-1). A wheelchair or other item is lent
against a deposit charged on a bill of its own (billing's SERVICE_CENTRE source), handed over
once the deposit is paid and refunded through billing when it comes back. An item is never lent
twice: the equipment row is locked and a partial unique index allows one open loan per item.
Found items are logged, searched and handed over only after the claimant's identity document is
checked (and, when the item carried one, matched)."""

from __future__ import annotations

import hashlib
import secrets
import unicodedata

from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from onetrip.billing.models import ChargeSource
from onetrip.billing.services import payments as billing_payments
from onetrip.billing.services import sources as billing_sources
from onetrip.billing.services.charges import ChargeRequest, create_charge
from onetrip.core import audit, clock
from onetrip.core.actors import Actor
from onetrip.core.errors import DomainError, FieldError, InvalidInput, NotFound
from onetrip.core.masking import mask_document_number
from onetrip.core.models import AuditAction
from onetrip.identity import services as identity
from onetrip.identity.documents import validate_document
from onetrip.service.models import (
    OPEN_LOAN,
    Equipment,
    FoundItem,
    FoundStatus,
    Loan,
    LoanStatus,
)
from onetrip.service.services.common import institution_of, require_staff, text

LEND = "service.add_loan"
FOUND = "service.add_founditem"


class WrongState(DomainError):
    status = 409


def deposit_key(loan: Loan) -> str:
    return f"service:loan:{loan.pk}"


# --- lending ---------------------------------------------------------------------------------


def equipment_list(*, actor: Actor) -> list[tuple[Equipment, Loan | None]]:
    """Every item of the hospital with its open loan, if any."""
    require_staff(actor, LEND)
    items = Equipment.objects.filter(institution_id=institution_of(actor)).order_by("kind", "code")
    open_loans = {
        loan.equipment_id: loan
        for loan in Loan.objects.filter(
            institution_id=institution_of(actor), status__in=OPEN_LOAN
        ).select_related("patient")
    }
    return [(item, open_loans.get(item.pk)) for item in items]


@transaction.atomic
def lend(*, equipment_id: int, patient_id: int, actor: Actor) -> Loan:
    """Open a loan of a free item to a patient of this hospital and charge its deposit."""
    require_staff(actor, LEND)
    # The item's row lock orders two desks lending it at once; the second sees the first loan.
    equipment = (
        Equipment.objects.select_for_update()
        .filter(pk=equipment_id, institution_id=institution_of(actor))
        .first()
    )
    if equipment is None:
        raise NotFound(_("No such item."))
    patient = identity.accessible_patients(actor).filter(pk=patient_id or 0).first()
    if patient is None:
        raise InvalidInput.field("patient_id", _("No such patient here."), "invalid_choice")
    if Loan.objects.filter(equipment=equipment, status__in=OPEN_LOAN).exists():
        raise WrongState(_("This item is already lent."), code="already_lent")
    now = clock.now()
    try:
        with transaction.atomic():
            loan = Loan.objects.create(
                reference=f"new-{secrets.token_hex(8)}",
                institution_id=institution_of(actor),
                equipment=equipment,
                patient=patient,
                status=LoanStatus.AWAITING_DEPOSIT,
                deposit_fen=0,
                opened_at=now,
            )
    except IntegrityError as exc:  # the unique index, should the lock ever be bypassed
        raise WrongState(_("This item is already lent."), code="already_lent") from exc
    loan.reference = f"JY{now:%y%m%d}{loan.pk:05d}"
    charge = create_charge(
        ChargeRequest(
            patient_id=patient.pk,
            institution_id=institution_of(actor),
            visit_reference=loan.reference,
            item_code=equipment.deposit_item_code,
            quantity=1,
            source=ChargeSource.SERVICE_CENTRE,
            source_key=deposit_key(loan),
        ),
        actor=actor,
    )
    loan.deposit_fen = charge.amount_fen
    loan.save(update_fields=["reference", "deposit_fen"])
    audit.record(
        actor,
        AuditAction.CREATE,
        loan,
        patient_id=patient.pk,
        summary=f"loan {loan.reference} opened ({equipment.code})",
    )
    return loan


def _locked_loan(loan_id: int, actor: Actor, status: str) -> Loan:
    require_staff(actor, LEND)
    loan = (
        Loan.objects.select_for_update()
        .filter(pk=loan_id, institution_id=institution_of(actor))
        .select_related("equipment")
        .first()
    )
    if loan is None:
        raise NotFound(_("No such loan."))
    if loan.status != status:
        raise WrongState(_("This loan is not at that step."), code="wrong_state")
    return loan


def deposit_paid(loan: Loan) -> bool:
    state = billing_sources.charge_state(deposit_key(loan))
    return state is not None and state.paid


def deposit_bill(loan: Loan):
    state = billing_sources.charge_state(deposit_key(loan))
    return state.bill if state is not None and not state.paid else None


@transaction.atomic
def hand_over(loan_id: int, *, actor: Actor) -> Loan:
    loan = _locked_loan(loan_id, actor, LoanStatus.AWAITING_DEPOSIT)
    if not deposit_paid(loan):
        raise WrongState(_("The deposit is not paid yet."), code="deposit_unpaid")
    loan.status = LoanStatus.LENT
    loan.lent_at = clock.now()
    loan.save()
    audit.record(
        actor,
        AuditAction.UPDATE,
        loan,
        patient_id=loan.patient_id,
        summary=f"loan {loan.reference} handed over",
    )
    return loan


@transaction.atomic
def take_back(loan_id: int, *, actor: Actor) -> Loan:
    """The item is back: the deposit is refunded through billing and the item is free again."""
    loan = _locked_loan(loan_id, actor, LoanStatus.LENT)
    billing_payments.refund_line(
        source_key=deposit_key(loan), reason=f"{loan.reference} returned", actor=actor
    )
    loan.status = LoanStatus.RETURNED
    loan.returned_at = clock.now()
    loan.save()
    audit.record(
        actor,
        AuditAction.UPDATE,
        loan,
        patient_id=loan.patient_id,
        summary=f"loan {loan.reference} returned, deposit refunded",
    )
    return loan


@transaction.atomic
def cancel(loan_id: int, *, actor: Actor) -> Loan:
    """A loan whose deposit was never paid: the charge is withdrawn and the item free again."""
    loan = _locked_loan(loan_id, actor, LoanStatus.AWAITING_DEPOSIT)
    if deposit_paid(loan):
        raise WrongState(_("The deposit is paid: hand the item over."), code="deposit_paid")
    billing_sources.void_unpaid_charge(
        deposit_key(loan), reason=f"{loan.reference} cancelled", actor=actor
    )
    loan.status = LoanStatus.CANCELLED
    loan.save()
    audit.record(
        actor,
        AuditAction.UPDATE,
        loan,
        patient_id=loan.patient_id,
        summary=f"loan {loan.reference} cancelled",
    )
    return loan


def loan_for_staff(loan_id: int, *, actor: Actor) -> Loan:
    require_staff(actor, LEND)
    loan = (
        Loan.objects.filter(pk=loan_id, institution_id=institution_of(actor))
        .select_related("patient", "equipment")
        .first()
    )
    if loan is None:
        raise NotFound(_("No such loan."))
    audit.record_staff_read(
        actor, loan, patient_id=loan.patient_id, summary=f"loan {loan.reference} read"
    )
    return loan


# --- lost and found ----------------------------------------------------------------------------


def _document_digest(number: str) -> str:
    # Normalised as identity normalises a document number (full-width digits, spaces, case).
    normalised = "".join(unicodedata.normalize("NFKC", number).split()).upper()
    return hashlib.sha256(normalised.encode()).hexdigest()


@transaction.atomic
def log_found(
    *, description: str, found_where: str, owner_document: str = "", actor: Actor
) -> FoundItem:
    require_staff(actor, FOUND)
    errors: list[FieldError] = []
    description = text(errors, "description", description, 200)
    where = text(errors, "found_where", found_where, 100)
    owner_document = text(errors, "owner_document", owner_document, 40, required=False)
    if errors:
        raise InvalidInput(*errors)
    now = clock.now()
    item = FoundItem.objects.create(
        reference=f"new-{secrets.token_hex(8)}",
        institution_id=institution_of(actor),
        description=description,
        found_where=where,
        found_at=now,
        owner_document_digest=_document_digest(owner_document) if owner_document else "",
        status=FoundStatus.HELD,
    )
    item.reference = f"SW{now:%y%m%d}{item.pk:05d}"
    item.save(update_fields=["reference"])
    audit.record(actor, AuditAction.CREATE, item, summary=f"found item {item.reference} logged")
    return item


def search_found(query: str, *, actor: Actor) -> QuerySet[FoundItem]:
    require_staff(actor, FOUND)
    items = FoundItem.objects.filter(institution_id=institution_of(actor))
    query = (query or "").strip()[:50]
    if query:
        items = items.filter(
            Q(description__icontains=query)
            | Q(found_where__icontains=query)
            | Q(reference__iexact=query)
        )
    return items.order_by("status", "-found_at")[:200]


@transaction.atomic
def claim(
    item_id: int, *, claimant_name: str, doc_type: str, doc_number: str, actor: Actor
) -> FoundItem:
    """Hand a found item to its owner: a valid identity document is required, and when the item
    carried one, it must be the same."""
    require_staff(actor, FOUND)
    item = (
        FoundItem.objects.select_for_update()
        .filter(pk=item_id, institution_id=institution_of(actor))
        .first()
    )
    if item is None:
        raise NotFound(_("No such item."))
    if item.status != FoundStatus.HELD:
        raise WrongState(_("This item has already been claimed."), code="already_claimed")
    errors: list[FieldError] = []
    name = text(errors, "claimant_name", claimant_name, 50)
    if errors:
        raise InvalidInput(*errors)
    document = validate_document(doc_type, doc_number, field="doc_number", today=clock.today())
    if item.owner_document_digest and item.owner_document_digest != _document_digest(
        document.number
    ):
        raise InvalidInput.field(
            "doc_number", _("This is not the document found with the item."), "not_owner"
        )
    item.status = FoundStatus.CLAIMED
    item.claimant_name = name
    item.claimant_document = mask_document_number(document.number)
    item.claimed_at = clock.now()
    item.save()
    audit.record(actor, AuditAction.UPDATE, item, summary=f"found item {item.reference} claimed")
    return item


def found_for_staff(item_id: int, *, actor: Actor) -> FoundItem:
    require_staff(actor, FOUND)
    item = FoundItem.objects.filter(pk=item_id, institution_id=institution_of(actor)).first()
    if item is None:
        raise NotFound(_("No such item."))
    return item
