"""The price catalogue and charges (issue 6 item 1). Other domains (registration, exam orders,
prescriptions) call `create_charge` once per source line; the line's key makes retries free."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from onetrip.billing.models import Bill, CatalogueItem, Charge, ChargeSource, VisitKind
from onetrip.billing.services import deposit_ledger, scope
from onetrip.billing.services.common import whole_fen
from onetrip.core import audit, clock
from onetrip.core.actors import Actor
from onetrip.core.bounds import MAX_FEN, MAX_QUANTITY
from onetrip.core.errors import DomainError, InvalidInput, KeyReused, NotFound
from onetrip.core.models import AuditAction
from onetrip.identity.models import Patient


@dataclass(frozen=True)
class ChargeRequest:
    patient_id: int
    institution_id: int
    visit_reference: str
    item_code: str
    quantity: int
    source: str
    source_key: str
    visit_kind: str = VisitKind.OUTPATIENT
    # A line charged again on another bill (transfers) keeps the price first charged and
    # refunded; every other line is priced by the catalogue (None).
    unit_price_fen: int | None = None


def create_charge(request: ChargeRequest, *, actor: Actor) -> Charge:
    """Charge one catalogue item to the visit's bill (opened on the first charge)."""
    whole_fen("quantity", request.quantity, most=MAX_QUANTITY)
    if request.unit_price_fen is not None:
        whole_fen("unit_price_fen", request.unit_price_fen, positive=False)
    if request.source not in ChargeSource.values:
        raise InvalidInput.field("source", _("Choose a charge source."))
    if request.visit_kind not in VisitKind.values:
        raise InvalidInput.field("visit_kind", _("Choose outpatient or inpatient."))
    if not request.source_key or len(request.source_key) > 100:
        raise InvalidInput.field("source_key", _("Name the order line this charge is for."))
    if not request.visit_reference or len(request.visit_reference) > 40:
        raise InvalidInput.field("visit_reference", _("Give the visit number."))
    scope.check_charge_scope(
        patient_id=request.patient_id, institution_id=request.institution_id, actor=actor
    )
    earlier = _earlier(request)
    if earlier is not None:
        return earlier
    try:
        return _charge(request, actor)
    except IntegrityError:
        # A concurrent retry of the same order line won; answer with its charge.
        earlier = _earlier(request)
        if earlier is None:
            raise
        return earlier


def _earlier(request: ChargeRequest) -> Charge | None:
    """The charge an earlier request made for this order line, if it asked for the same."""
    earlier = Charge.objects.select_related("bill").filter(source_key=request.source_key).first()
    if earlier is not None and _charged_for(earlier) != _asked_for(request):
        raise charged_differently()
    return earlier


# The refusals of `_charge` that `billing_charge_registration_fee` answers with a code
# (`sources.charged_in_call`): their words live here once.
def charged_differently() -> InvalidInput:
    return KeyReused.field(
        "source_key", _("This order line was already charged differently."), "key_reused"
    )


def visit_mismatch() -> DomainError:
    return DomainError(_("This visit belongs to another patient."), code="visit_mismatch")


def too_large() -> InvalidInput:
    return InvalidInput.field(
        "quantity", _("The line's amount is past what one charge may be."), "too_large"
    )


def _charged_for(charge: Charge) -> tuple:
    bill = charge.bill
    return (
        bill.patient_id,
        bill.institution_id,
        bill.visit_reference,
        charge.code,
        charge.quantity,
        charge.source,
    )


def _asked_for(request: ChargeRequest) -> tuple:
    return (
        request.patient_id,
        request.institution_id,
        request.visit_reference,
        request.item_code,
        request.quantity,
        request.source,
    )


@transaction.atomic
def _charge(request: ChargeRequest, actor: Actor) -> Charge:
    item = CatalogueItem.objects.filter(code=request.item_code, is_active=True).first()
    if item is None:
        raise InvalidInput.field("item_code", _("No such item in the price catalogue."))
    patient = Patient.objects.filter(pk=request.patient_id).first()
    if patient is None:
        raise NotFound(_("No such patient."))
    now = clock.now()
    bill, _created = Bill.objects.get_or_create(
        institution_id=request.institution_id,
        visit_reference=request.visit_reference,
        defaults={"patient": patient, "visit_kind": request.visit_kind, "opened_at": now},
    )
    if bill.patient_id != patient.pk:
        raise visit_mismatch()
    unit_price = item.unit_price_fen if request.unit_price_fen is None else request.unit_price_fen
    amount = unit_price * request.quantity
    if amount > MAX_FEN:
        raise too_large()
    charge = Charge.objects.create(
        bill=bill,
        item=item,
        code=item.code,
        name=item.name,
        charge_category=item.charge_category,
        insurance_category=item.insurance_category,
        quantity=request.quantity,
        unit_price_fen=unit_price,
        amount_fen=amount,
        source=request.source,
        source_key=request.source_key,
        charged_at=now,
    )
    audit.record(
        actor,
        AuditAction.CREATE,
        charge,
        patient_id=patient.pk,
        summary=f"charge {item.code} x{request.quantity} on {bill.visit_reference}",
    )
    if bill.visit_kind == VisitKind.INPATIENT:
        deposit_ledger.remind_if_low(bill)
    return charge


@dataclass(frozen=True)
class ItemisedBill:
    bill: Bill
    charges: list[Charge]
    total_fen: int
    outstanding_fen: int


def itemised_bill(bill: Bill) -> ItemisedBill:
    charges = list(bill.charges.select_related("settlement").order_by("charged_at", "pk"))
    return ItemisedBill(
        bill=bill,
        charges=charges,
        total_fen=sum(c.amount_fen for c in charges),
        outstanding_fen=sum(c.amount_fen for c in charges if c.settlement_id is None),
    )
