"""Outpatient fees moved under the inpatient policy at admission (R-PAY-7, D191).

The pre-admission exams and the pre-anaesthesia consultation of an elective-surgery patient are
charged on outpatient bills while they wait; at admission they belong to the stay, so that
inpatient insurance pays them with the rest. An unpaid line moves to the inpatient bill as it
is; a paid one is refunded (its line only, as a cancelled booking's fee is) and charged again on
the inpatient bill under the key `inpatient:<its key>`. Asking again moves nothing twice."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import transaction

from onetrip.billing.models import Bill, Charge, VisitKind
from onetrip.billing.services import charges, payments
from onetrip.billing.services.scope import bills_in_scope, no_such_bill
from onetrip.billing.services.settlements import PaymentRefused
from onetrip.core import audit
from onetrip.core.actors import Actor
from onetrip.core.errors import InvalidInput
from onetrip.core.models import AuditAction

MOVED_PREFIX = "inpatient:"


@dataclass
class MovedFees:
    """Source keys of the lines now on the inpatient bill (`moved`), of those the ones paid
    and refunded first (`refunded`), and paid lines left where they are (`left`: an insured
    settlement of several lines, which the finance desk divides, or an item since withdrawn from
    the price catalogue)."""

    moved: list[str] = field(default_factory=list)
    refunded: list[str] = field(default_factory=list)
    left: list[str] = field(default_factory=list)


def move_to_inpatient_bill(
    *, source_keys: list[str], bill_id: int, reason: str, actor: Actor
) -> MovedFees:
    """Move the patient's outpatient lines named by `source_keys` onto the inpatient bill."""
    result = MovedFees()
    with transaction.atomic():
        bill = (
            bills_in_scope(actor)
            .select_for_update(no_key=True, of=("self",))
            .filter(pk=bill_id, visit_kind=VisitKind.INPATIENT)
            .first()
        )
        if bill is None:
            raise no_such_bill()
        for key in sorted(set(source_keys)):
            _move_line(key, bill, reason, actor, result)
    return result


def _move_line(key: str, bill: Bill, reason: str, actor: Actor, result: MovedFees) -> None:
    charge = (
        Charge.objects.select_for_update(no_key=True, of=("self",))
        .select_related("bill")
        .filter(source_key=key, bill__patient_id=bill.patient_id)
        .first()
    )
    if charge is None:
        return
    if charge.bill_id == bill.pk or Charge.objects.filter(source_key=MOVED_PREFIX + key).exists():
        result.moved.append(key)
        return
    if charge.bill.visit_kind != VisitKind.OUTPATIENT:
        return
    if charge.settlement_id is None:
        Charge.objects.filter(pk=charge.pk, settlement__isnull=True).update(bill=bill)
        _audit(
            actor,
            charge,
            bill,
            f"fee {charge.code} moved from {charge.bill.visit_reference} to inpatient bill "
            f"{bill.visit_reference}",
        )
        result.moved.append(key)
        return
    try:
        with transaction.atomic():
            payments.refund_line(source_key=key, reason=reason, actor=actor)
            # Through the one charging path, so the line gets its checks and audit row; at the
            # price refunded, not today's catalogue price.
            again = charges.create_charge(
                charges.ChargeRequest(
                    patient_id=bill.patient_id,
                    institution_id=bill.institution_id,
                    visit_reference=bill.visit_reference,
                    item_code=charge.code,
                    quantity=charge.quantity,
                    source=charge.source,
                    source_key=MOVED_PREFIX + key,
                    visit_kind=VisitKind.INPATIENT,
                    unit_price_fen=charge.unit_price_fen,
                ),
                actor=actor,
            )
    except (PaymentRefused, InvalidInput):
        # Not refundable alone, or no longer chargeable (its item withdrawn from the catalogue):
        # the refund is undone and the line stays paid where it is.
        result.left.append(key)
        return
    _audit(
        actor,
        again,
        bill,
        f"fee {charge.code} refunded on {charge.bill.visit_reference} and charged again to "
        f"inpatient bill {bill.visit_reference}",
    )
    result.moved.append(key)
    result.refunded.append(key)


def _audit(actor: Actor, charge: Charge, bill: Bill, summary: str) -> None:
    audit.record(actor, AuditAction.UPDATE, charge, patient_id=bill.patient_id, summary=summary)
