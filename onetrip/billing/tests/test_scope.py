"""Billing answers only inside the caller's institution (issue 12 item 1): staff of a township
centre reach none of the tertiary hospital's bills, settlements or deposits, and cannot charge
its patients or charge to it. Every attempt is the 404 a missing bill gets, and changes nothing.
"""

import json

import pytest

from onetrip.billing.models import Charge, DepositTopUp, Refund, Settlement
from onetrip.billing.services import charges
from onetrip.billing.tests.helpers import settle
from onetrip.conftest import actor_for
from onetrip.core.models import AuditEvent
from onetrip.scheduling.tests.helpers import township_patient

pytestmark = pytest.mark.django_db


@pytest.fixture
def outsider(client, make_staff, township):
    """A finance clerk of the township centre, signed in."""
    client.force_login(make_staff("finance", township).user)
    return client


def post(client, path, payload):
    return client.post(path, json.dumps(payload), content_type="application/json")


def footprint():
    return (
        Settlement.objects.count(),
        Refund.objects.count(),
        DepositTopUp.objects.count(),
        Charge.objects.count(),
    )


def test_another_institutions_bill_is_not_found_for_reads_or_payments(outsider, bill, cashier):
    paid = settle(bill, cashier, channel="cash", mode="window")
    before = footprint()
    attempts = [
        outsider.get(f"/api/billing/bills/{bill.pk}"),
        post(
            outsider,
            f"/api/billing/bills/{bill.pk}/settlements",
            {"mode": "window", "channel": "cash"},
        ),
        post(
            outsider,
            f"/api/billing/settlements/{paid.pk}/refunds",
            {"amount_fen": 100, "reason": "x"},
        ),
        post(outsider, f"/api/billing/settlements/{paid.pk}/full-refund", {"reason": "x"}),
    ]
    assert [a.status_code for a in attempts] == [404] * len(attempts)
    assert all(a.json()["code"] == "unknown_bill" or a.json()["status"] == 404 for a in attempts)
    assert footprint() == before


def test_another_institutions_deposit_is_not_found(outsider, inpatient_bill, cashier):
    before = footprint()
    bill_id = inpatient_bill.pk
    attempts = [
        outsider.get(f"/api/billing/bills/{bill_id}/deposit"),
        post(
            outsider,
            f"/api/billing/bills/{bill_id}/deposit/top-ups",
            {"amount_fen": 100, "channel": "cash"},
        ),
        post(
            outsider,
            f"/api/billing/bills/{bill_id}/deposit/refunds",
            {"amount_fen": 100, "reason": "x"},
        ),
        post(outsider, f"/api/billing/bills/{bill_id}/discharge", {"channel": "cash"}),
    ]
    assert [a.status_code for a in attempts] == [404] * len(attempts)
    assert footprint() == before


def test_a_charge_to_another_institution_or_its_patient_is_refused(
    outsider, patient, tertiary, township, catalogue
):
    line = {
        "patient_id": patient.pk,
        "visit_reference": "MZ-X",
        "item_code": "REG01",
        "quantity": 1,
        "source": "registration",
        "source_key": "outsider-1",
    }
    to_the_hospital = post(
        outsider, "/api/billing/charges", {**line, "institution_id": tertiary.pk}
    )
    # The patient is the hospital's: not affiliated with the township centre.
    to_own_centre = post(outsider, "/api/billing/charges", {**line, "institution_id": township.pk})
    assert (to_the_hospital.status_code, to_own_centre.status_code) == (404, 404)
    assert not Charge.objects.exists()


def test_the_cashier_desk_cannot_refund_another_institutions_settlement(
    client, make_staff, register, township, bill, cashier
):
    paid = settle(bill, cashier, channel="cash", mode="window")
    # The outsider opens a bill of their own centre, then posts the hospital's settlement id.
    township_clerk = actor_for(make_staff("finance", township))
    own = township_patient(register, make_staff, township)
    charges.create_charge(
        charges.ChargeRequest(
            patient_id=own.pk,
            institution_id=township.pk,
            visit_reference="MZ-T1",
            item_code="REG01",
            quantity=1,
            source="registration",
            source_key="t-1",
        ),
        actor=township_clerk,
    )
    client.force_login(township_clerk.user)
    desk = "/staff/billing/desk/?visit=MZ-T1"
    client.post(
        desk, {"action": "refund", "settlement_id": paid.pk, "amount_fen": 100, "reason": "x"}
    )
    client.post(desk, {"action": "refund_in_full", "settlement_id": paid.pk, "reason": "x"})
    assert not Refund.objects.exists()
    paid.refresh_from_db()
    assert paid.status == "settled"


def test_a_bill_read_by_staff_is_audited(client, cashier, bill):
    client.force_login(cashier.user)
    assert client.get(f"/api/billing/bills/{bill.pk}").status_code == 200
    row = AuditEvent.objects.filter(action="view", object_type="billing.bill").get()
    assert (row.patient_id, row.actor_user_id) == (bill.patient_id, cashier.user.pk)
