"""商保直赔 (R-PAY-8, D100): the patient's commercial insurer pays its share of their own part at
settlement, through the sandbox insurer, and gets it back with a full refund."""

import datetime as dt

import pytest

from onetrip.billing.models import JournalLine, Settlement
from onetrip.billing.services import payments, settlements
from onetrip.billing.tests.helpers import discharge, settle, top_up
from onetrip.core.actors import SYSTEM
from onetrip.core.errors import DomainError, InvalidInput
from onetrip.ebills.models import EBill
from onetrip.ebills.presenters import present
from onetrip.insurance import commercial
from onetrip.insurance.models import DirectSettlement, SandboxCommercialPolicy
from onetrip.insurance.tests.commercial_helpers import sandbox_policy

pytestmark = pytest.mark.django_db


@pytest.fixture
def policy(patient, clock):
    sandbox_policy()
    return commercial.register_policy(
        patient_id=patient.pk, insurer="picc_health", policy_number="picc2026000123", actor=SYSTEM
    )


def _balances(settlement):
    totals = {}
    for line in JournalLine.objects.filter(entry__settlement=settlement):
        totals[line.account] = totals.get(line.account, 0) + line.debit_fen - line.credit_fen
    return {account: amount for account, amount in totals.items() if amount}


def test_the_insurer_confirms_a_policy_and_its_terms(policy, patient):
    assert (policy.patient_id, policy.policy_number) == (patient.pk, "PICC2026000123")
    assert (policy.deductible_fen, policy.ratio_bp, policy.annual_cap_fen) == (
        5_000,
        8_000,
        100_000,
    )
    assert policy.valid_until == dt.date(2026, 12, 31)


def test_an_unknown_policy_is_refused_on_its_field(patient, clock):
    sandbox_policy()
    with pytest.raises(InvalidInput) as refused:
        commercial.register_policy(
            patient_id=patient.pk, insurer="picc_health", policy_number="NOPE123", actor=SYSTEM
        )
    assert refused.value.errors[0].field == "policy_number"
    assert refused.value.errors[0].code == "unknown_policy"


def test_the_insurer_pays_its_share_at_settlement(
    policy, bill, cashier, django_capture_on_commit_callbacks
):
    # 215.00 self-paid: 50.00 deductible, then 80% of 165.00 = 132.00 by the insurer.
    with django_capture_on_commit_callbacks(execute=True):
        settlement = settle(bill, cashier, channel="cash", use_commercial=True)
    assert settlements.issue_due_ebills().issued == 1  # the e-bill worker (D245)
    settlement.refresh_from_db()
    assert settlement.status == "settled"
    assert (settlement.total_fen, settlement.commercial_fen, settlement.cash_fen) == (
        21_500,
        13_200,
        8_300,
    )
    assert settlement.payment.amount_fen == 8_300
    direct = DirectSettlement.objects.get(pk=settlement.commercial_id)
    assert direct.status == "settled"
    assert direct.claim_number
    assert direct.billing_reference == str(settlement.pk)
    assert (direct.deductible_fen, direct.insurer_fen) == (5_000, 13_200)
    assert _balances(settlement) == {
        "commercial_receivable": 13_200,
        "cash": 8_300,
        "revenue": -21_500,
    }
    insurer = SandboxCommercialPolicy.objects.get()
    assert (insurer.year_deductible_fen, insurer.year_paid_fen) == (5_000, 13_200)
    ebill = EBill.objects.get(settlement_reference=str(settlement.pk))
    assert ebill.cash_fen == 21_500  # the own part, of which the insurer paid on their behalf
    shown = present(ebill)
    assert shown["commercial"] == "¥132.00"
    assert shown["commercial_claim"] == direct.claim_number


def test_the_yearly_cap_limits_the_share(patient, bill, cashier, clock):
    sandbox_policy(annual_cap_fen=100_000, year_paid_fen=95_000, year_deductible_fen=5_000)
    commercial.register_policy(
        patient_id=patient.pk, insurer="picc_health", policy_number="PICC2026000123", actor=SYSTEM
    )
    settlement = settle(bill, cashier, channel="cash", use_commercial=True)
    assert (settlement.commercial_fen, settlement.cash_fen) == (5_000, 16_500)


def test_a_full_refund_reverses_the_insurers_part(
    policy, bill, cashier, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        settlement = settle(bill, cashier, channel="cash", use_commercial=True)
    with django_capture_on_commit_callbacks(execute=True):
        payments.refund_in_full(settlement_id=settlement.pk, reason="退费", actor=cashier)
    settlement.refresh_from_db()
    assert settlement.status == "refunded"
    assert DirectSettlement.objects.get(pk=settlement.commercial_id).status == "reversed"
    insurer = SandboxCommercialPolicy.objects.get()
    assert (insurer.year_deductible_fen, insurer.year_paid_fen) == (0, 0)
    assert _balances(settlement) == {}
    red = EBill.objects.get(kind="red_letter")
    assert red.total_fen == -21_500
    # Asking again changes nothing.
    again = payments.refund_in_full(settlement_id=settlement.pk, reason="退费", actor=cashier)
    assert again.status == "refunded"


def test_no_policy_is_refused_and_nothing_is_settled(bill, cashier, clock):
    with pytest.raises(DomainError) as refused:
        settle(bill, cashier, channel="cash", use_commercial=True)
    assert refused.value.code == "no_commercial_policy"
    assert not Settlement.objects.exists()
    assert bill.charges.filter(settlement__isnull=False).count() == 0


def test_an_expired_policy_is_refused(patient, bill, cashier, clock):
    sandbox_policy(valid_from=dt.date(2025, 1, 1), valid_until=dt.date(2025, 12, 31), year=2025)
    commercial.register_policy(
        patient_id=patient.pk, insurer="picc_health", policy_number="PICC2026000123", actor=SYSTEM
    )
    with pytest.raises(DomainError) as refused:
        settle(bill, cashier, channel="cash", use_commercial=True)
    assert refused.value.code == "policy_expired"
    assert not Settlement.objects.exists()
    assert not DirectSettlement.objects.exists()


def test_with_national_insurance_the_insurer_shares_the_own_part_after_the_fund(
    policy, bill, cashier, clock
):
    settlement = settle(bill, cashier, channel="cash", use_insurance=True, use_commercial=True)
    own = settlement.total_fen - settlement.fund_fen - settlement.account_fen
    direct = DirectSettlement.objects.get(pk=settlement.commercial_id)
    assert direct.base_fen == own
    assert settlement.commercial_fen + settlement.cash_fen == own
    assert settlement.commercial_fen == max(0, own - 5_000) * 8_000 // 10_000


def test_the_cashier_desk_settles_with_the_insurers_share(policy, bill, cashier, client, clock):
    client.force_login(cashier.user)
    form = {"action": "settle", "mode": "window", "channel": "cash", "use_commercial": "on"}
    answer = client.post(f"/staff/billing/desk/?visit={bill.visit_reference}", form)
    assert answer.status_code == 302
    settlement = Settlement.objects.get()
    assert (settlement.commercial_fen, settlement.cash_fen) == (13_200, 8_300)
    page = client.get(f"/staff/billing/desk/?visit={bill.visit_reference}")
    assert "132.00" in page.content.decode()


def test_the_api_settles_with_the_insurers_share(policy, bill, cashier, client, clock):
    client.force_login(cashier.user)
    answer = client.post(
        f"/api/billing/bills/{bill.pk}/settlements",
        {"mode": "window", "channel": "cash", "use_commercial": True},
        content_type="application/json",
    )
    assert answer.status_code == 201, answer.content
    assert answer.json()["commercial_fen"] == 13_200
    assert answer.json()["cash_fen"] == 8_300


def test_at_discharge_the_deposit_covers_what_the_insurer_leaves(
    policy, inpatient_bill, cashier, clock
):
    # 205.00 self-paid: the insurer 80% of 155.00 = 124.00, the deposit 81.00 of its 100.00.
    top_up(inpatient_bill, cashier, 10_000)
    done = discharge(inpatient_bill, cashier, use_commercial=True)
    settlement = done.settlement
    assert (settlement.commercial_fen, settlement.cash_fen, settlement.deposit_fen) == (
        12_400,
        8_100,
        8_100,
    )
    assert sum(refund.amount_fen for refund in done.refunds) == 1_900
