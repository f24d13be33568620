"""What the other domains ask of the lines they charged, keyed by their `source_key`.

A booking held for payment (R-APPT-4, issue 4 item 3) charges its registration fee here; the
patient pays it like any bill (R-PAY-1, mobile); the settlement tells scheduling through the
follow-up it registered with `when_paid` (billing may not import scheduling), in the
settlement's own transaction, so a paid fee and a confirmed booking commit together.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from onetrip.billing.models import (
    Bill,
    CatalogueItem,
    Charge,
    ChargeCategory,
    ChargeSource,
    InsuranceCategory,
    ItemKind,
    SettlementStatus,
)
from onetrip.billing.services import charges, deposit_ledger
from onetrip.billing.services.charges import ChargeRequest, create_charge
from onetrip.core import audit
from onetrip.core.actors import Actor, ActorKind
from onetrip.core.errors import DomainError, InvalidInput
from onetrip.core.models import AuditAction

# handler(source_keys, *, settlement_id, actor): runs inside the settling transaction.
PaidFollowUp = Callable[..., None]
_follow_ups: dict[str, PaidFollowUp] = {}


class FeeNotPriced(DomainError):
    status = 409


def when_paid(source: str, handler: PaidFollowUp) -> None:
    """Register the owning domain's follow-up for settled charges of `source` (one per source,
    registered at start-up)."""
    _follow_ups[source] = handler


def run_paid_follow_ups(settlement_id: int, *, charges: list[Charge], actor: Actor) -> None:
    """Called once, when a settlement of charges becomes settled, with its charges in key
    order."""
    run_follow_ups_of_lines(
        settlement_id,
        lines=[(charge.source, charge.source_key) for charge in charges],
        actor=actor,
    )


def run_follow_ups_of_lines(
    settlement_id: int, *, lines: list[tuple[str, str]], actor: Actor
) -> None:
    """`run_paid_follow_ups` with the lines as (source, source_key), in key order: what the
    counter settlement's SQL call answers with (D290)."""
    keys_by_source: dict[str, list[str]] = {}
    for source, source_key in lines:
        if source in _follow_ups:
            keys_by_source.setdefault(source, []).append(source_key)
    for source, keys in keys_by_source.items():
        handler = _follow_ups.get(source)
        if handler is not None:
            handler(keys, settlement_id=settlement_id, actor=actor)


def registration_item_code(fee_fen: int) -> str:
    """The price-catalogue code of a registration fee: one item per fee level (REG-<fen>)."""
    return f"REG-{fee_fen}"


def registration_fee_item(fee_fen: int) -> CatalogueItem:
    """The catalogue's item (unsaved) for a registration fee level: general care, insurance
    category A. Setting up a consortium prices every fee its session templates charge; a fee
    without one is refused at booking (`fee_not_priced`)."""
    return CatalogueItem(
        code=registration_item_code(fee_fen),
        name=f"门诊诊查费（{fee_fen // 100}元）",
        kind=ItemKind.SERVICE,
        charge_category=ChargeCategory.GENERAL_CARE,
        insurance_category=InsuranceCategory.A,
        unit_price_fen=fee_fen,
    )


def charge_registration_fee(
    *,
    patient_id: int,
    institution_id: int,
    visit_reference: str,
    fee_fen: int,
    source_key: str,
    actor: Actor,
) -> Charge:
    """The registration fee of a booking, on the bill of its visit. Scheduling has already
    decided that the caller may book the session (a township window books upward into the
    hospital's primary-care pool), so the fee is charged in the session institution's scope."""
    if actor.kind in (ActorKind.STAFF, ActorKind.CLIENT):
        actor = replace(actor, institution_id=institution_id)
    try:
        return create_charge(
            ChargeRequest(
                patient_id=patient_id,
                institution_id=institution_id,
                visit_reference=visit_reference,
                item_code=registration_item_code(fee_fen),
                quantity=1,
                source=ChargeSource.REGISTRATION,
                source_key=source_key,
            ),
            actor=actor,
        )
    except InvalidInput as exc:
        if exc.errors[0].field != "item_code":
            raise
        raise fee_not_priced() from exc


def fee_not_priced() -> FeeNotPriced:
    """A gap in the price catalogue that the patient cannot mend."""
    return FeeNotPriced(
        _("This clinic's fee cannot be paid online; book at a window."), code="fee_not_priced"
    )


def charged_in_call(answer: dict[str, Any]) -> None:
    """What `billing_charge_registration_fee` (the SQL twin of `charge_registration_fee`, called
    inside another app's statement: the booking's, D343) answered, ended as
    `charge_registration_fee` ends: billing's error for a refusal (the caller's transaction
    then rolls back what the statement wrote), the inpatient deposit reminder `_charge` sends
    for a new line on an inpatient bill, nothing else."""
    refused = {
        "fee_not_priced": fee_not_priced,
        "key_reused": charges.charged_differently,
        "visit_mismatch": charges.visit_mismatch,
        "too_large": charges.too_large,
    }.get(answer["outcome"])
    if refused is not None:
        raise refused()
    if answer.get("inpatient"):
        deposit_ledger.remind_if_low(Bill.objects.get(pk=answer["bill_id"]))


@dataclass(frozen=True)
class ChargeState:
    bill: Bill
    amount_fen: int
    settlement_id: int | None
    paid: bool


def charge_state(source_key: str) -> ChargeState | None:
    """The line charged under `source_key`, if any, and whether it is paid."""
    charge = (
        Charge.objects.filter(source_key=source_key).select_related("bill", "settlement").first()
    )
    if charge is None:
        return None
    paid = charge.settlement is not None and charge.settlement.status == SettlementStatus.SETTLED
    return ChargeState(charge.bill, charge.amount_fen, charge.settlement_id, paid)


@transaction.atomic
def void_unpaid_charge(source_key: str, *, reason: str, actor: Actor) -> bool:
    """Withdraw a line nobody paid or is paying (a hold that ran out, a booking cancelled before
    payment). A line on a settlement, pending or done, stays: the settlement's own outcome
    decides what happens to it. Charges post nothing to the journal until settled, so removing
    an unpaid one leaves the books as they were; the audit row keeps what it was."""
    charge = Charge.objects.filter(source_key=source_key).values("pk", "bill_id").first()
    if charge is None:
        return False
    # The bill's row lock orders this after (or before) any settlement taking its charges.
    bill = Bill.objects.select_for_update(no_key=True).get(pk=charge["bill_id"])
    unpaid = Charge.objects.filter(pk=charge["pk"], settlement__isnull=True).first()
    if unpaid is None:
        return False
    audit.record(
        actor,
        AuditAction.DELETE,
        unpaid,
        patient_id=bill.patient_id,
        summary=f"charge {unpaid.code} withdrawn from {bill.visit_reference}: {reason}"[:200],
        changes={"amount_fen": unpaid.amount_fen, "source_key": source_key},
    )
    unpaid.delete()
    return True
