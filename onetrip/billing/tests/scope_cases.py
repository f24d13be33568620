"""Billing's registrations for the generated scoping and audit test (`core/tests/scoping.py`)."""

from __future__ import annotations

from onetrip.billing.models import CatalogueItem
from onetrip.billing.services import charges, deposits
from onetrip.billing.tests.helpers import settle
from onetrip.core.tests.scoping import Staff, Target, World


def _bill(world: World, *, inpatient: bool = False):
    CatalogueItem.objects.get_or_create(
        code="EX-CT",
        defaults={
            "name": "胸部CT平扫",
            "kind": "exam",
            "charge_category": "examination",
            "insurance_category": "B",
            "unit_price_fen": 18000,
        },
    )
    charge = charges.create_charge(
        charges.ChargeRequest(
            patient_id=world.patient.pk,
            institution_id=world.home.pk,
            visit_reference="ZY-1" if inpatient else "MZ-1",
            item_code="EX-CT",
            quantity=1,
            source="ward" if inpatient else "exam_order",
            source_key="line-zy" if inpatient else "line-mz",
            visit_kind="inpatient" if inpatient else "outpatient",
        ),
        actor=world.actor("finance"),
    )
    return charge.bill


def a_bill(world: World) -> Target:
    return Target({"bill_id": _bill(world).pk}, world.patient.pk)


def a_bill_to_settle(world: World) -> Target:
    return Target(
        {"bill_id": _bill(world).pk}, world.patient.pk, body={"mode": "window", "channel": "cash"}
    )


def a_deposit(world: World, body: dict | None = None) -> Target:
    bill = _bill(world, inpatient=True)
    deposits.top_up(
        deposits.TopUpRequest(bill_id=bill.pk, amount_fen=50_000, channel="cash"),
        actor=world.actor("finance"),
    )
    return Target({"bill_id": bill.pk}, world.patient.pk, body=body)


def a_paid_settlement(world: World, body: dict) -> Target:
    settlement = settle(_bill(world), world.actor("finance"), channel="cash", mode="window")
    return Target({"settlement_id": settlement.pk}, world.patient.pk, body=body)


def a_charge_line(world: World) -> Target:
    """A charge of the home patient to the home institution (both out of the outsider's reach)."""
    _bill(world)
    return Target(
        {},
        world.patient.pk,
        body={
            "patient_id": world.patient.pk,
            "institution_id": world.home.pk,
            "visit_reference": "MZ-2",
            "item_code": "EX-CT",
            "quantity": 1,
            "source": "exam_order",
            "source_key": "line-2",
        },
    )


CASES = {
    "POST /api/billing/charges": Staff(a_charge_line, "finance"),
    "GET /api/billing/bills/{bill_id}": Staff(a_bill, "finance"),
    "POST /api/billing/bills/{bill_id}/settlements": Staff(a_bill_to_settle, "finance"),
    "POST /api/billing/settlements/{settlement_id}/refunds": Staff(
        lambda w: a_paid_settlement(w, {"amount_fen": 100, "reason": "overcharged"}), "finance"
    ),
    "POST /api/billing/settlements/{settlement_id}/full-refund": Staff(
        lambda w: a_paid_settlement(w, {"reason": "cancelled visit"}), "finance"
    ),
    "GET /api/billing/bills/{bill_id}/deposit": Staff(a_deposit, "finance"),
    "POST /api/billing/bills/{bill_id}/deposit/top-ups": Staff(
        lambda w: a_deposit(w, {"amount_fen": 100, "channel": "cash"}), "finance"
    ),
    "POST /api/billing/bills/{bill_id}/deposit/refunds": Staff(
        lambda w: a_deposit(w, {"amount_fen": 100, "reason": "early discharge"}), "finance"
    ),
    "POST /api/billing/bills/{bill_id}/discharge": Staff(
        lambda w: a_deposit(w, {"channel": "cash"}), "finance"
    ),
}
