"""Full refunds including the insurance part (issue 6 item 7, D45): 2208 reverses the insurance
settlement, the personal cash goes back to the original channel, the journal returns every
account to zero and a red-letter e-bill reverses what was left; partial refunds stay cash-only."""

from collections import defaultdict

import pytest

from onetrip.billing.models import JournalLine, Payment, Refund, SandboxTrade, Settlement
from onetrip.billing.services import charges, payments, settlements
from onetrip.billing.services.settlements import PaymentRefused
from onetrip.billing.tests.helpers import deliver, provider_pays, settle, wechat_notice
from onetrip.core.errors import InvalidInput
from onetrip.ebills.models import EBill
from onetrip.insurance.models import (
    InsuranceSettlement,
    PlatformExchange,
    SandboxPerson,
    SandboxSettlement,
)

# Transactional: the e-bill and its red letters are issued after commit, as in production.
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def insured_bill(bill, patient, tertiary, cashier):
    """215.00 of covered items plus a 50.00 self-paid (丙类) drug: fund, account and cash."""
    charges.create_charge(
        charges.ChargeRequest(
            patient_id=patient.pk,
            institution_id=tertiary.pk,
            visit_reference=bill.visit_reference,
            item_code="SP-NUT",
            quantity=1,
            source="prescription",
            source_key="rx-full-1",
        ),
        actor=cashier,
    )
    return bill


@pytest.fixture
def paid_insured(insured_bill, cashier, clock):
    settlement = settle(insured_bill, cashier, channel="wechat", use_insurance=True)
    deliver("wechat", wechat_notice(provider_pays(settlement)))
    settlements.issue_due_ebills()  # the e-bill worker (D245)
    settlement.refresh_from_db()
    assert settlement.status == "settled"
    assert settlement.account_fen > 0
    assert settlement.cash_fen > 0
    return settlement


def balances() -> dict[str, int]:
    net: dict[str, int] = defaultdict(int)
    for line in JournalLine.objects.all():
        net[line.account] += line.debit_fen - line.credit_fen
    return net


def red_letters() -> list[EBill]:
    return list(EBill.objects.filter(kind="red_letter").order_by("pk"))


def test_a_full_refund_reverses_insurance_and_returns_cash_to_the_channel(paid_insured, cashier):
    balance_before = SandboxPerson.objects.get().account_balance_fen
    done = payments.refund_in_full(settlement_id=paid_insured.pk, reason="退费", actor=cashier)

    assert done.status == "refunded"
    assert InsuranceSettlement.objects.get().status == "reversed"
    assert SandboxSettlement.objects.get().reversed
    person = SandboxPerson.objects.get()
    assert person.account_balance_fen == balance_before + paid_insured.account_fen
    trade = SandboxTrade.objects.get()
    assert trade.refunded_fen == paid_insured.cash_fen == Payment.objects.get().refunded_fen
    assert set(balances().values()) == {0}  # every account back where it started
    (red,) = red_letters()
    assert (red.total_fen, red.fund_fen, red.account_fen, red.cash_fen) == (
        -paid_insured.total_fen,
        -paid_insured.fund_fen,
        -paid_insured.account_fen,
        -paid_insured.cash_fen,
    )
    assert red.original_id == int(paid_insured.ebill_id)


def test_a_partial_refund_is_personal_cash_only_then_the_rest_in_full(paid_insured, cashier):
    with pytest.raises(InvalidInput) as refused:
        payments.refund(
            settlement_id=paid_insured.pk,
            amount_fen=paid_insured.cash_fen + 1,
            reason="more than the cash",
            actor=cashier,
        )
    assert refused.value.errors[0].code == "exceeds_paid"
    payments.refund(settlement_id=paid_insured.pk, amount_fen=2000, reason="药退", actor=cashier)
    assert InsuranceSettlement.objects.get().status == "settled"  # a partial refund keeps it

    payments.refund_in_full(settlement_id=paid_insured.pk, reason="全退", actor=cashier)
    assert SandboxTrade.objects.get().refunded_fen == paid_insured.cash_fen
    assert [r.amount_fen for r in Refund.objects.order_by("pk")] == [
        2000,
        paid_insured.cash_fen - 2000,
    ]
    assert set(balances().values()) == {0}
    assert [r.total_fen for r in red_letters()] == [-2000, -(paid_insured.total_fen - 2000)]
    assert sum(r.cash_fen for r in red_letters()) == -paid_insured.cash_fen
    with pytest.raises(PaymentRefused) as again:
        payments.refund(settlement_id=paid_insured.pk, amount_fen=1, reason="x", actor=cashier)
    assert again.value.code == "not_paid"


def test_asking_again_changes_nothing(paid_insured, cashier):
    for _ in range(2):
        done = payments.refund_in_full(settlement_id=paid_insured.pk, reason="退费", actor=cashier)
    assert done.status == "refunded"
    assert PlatformExchange.objects.filter(infno="2208").count() == 1
    assert Refund.objects.count() == 1
    assert len(red_letters()) == 1


def test_a_crash_after_2208_is_finished_by_asking_again(paid_insured, cashier, monkeypatch):
    def crash(*args, **kwargs):
        raise RuntimeError("killed after the platform reversed, before our refund committed")

    monkeypatch.setattr(payments, "refund_cash", crash)
    with pytest.raises(RuntimeError):
        payments.refund_in_full(settlement_id=paid_insured.pk, reason="退费", actor=cashier)
    monkeypatch.undo()
    assert InsuranceSettlement.objects.get().status == "reversed"  # the platform's side stays
    assert Settlement.objects.get(pk=paid_insured.pk).status == "settled"

    done = payments.refund_in_full(settlement_id=paid_insured.pk, reason="退费", actor=cashier)
    assert done.status == "refunded"
    assert PlatformExchange.objects.filter(infno="2208").count() == 1
    assert set(balances().values()) == {0}


def test_settle_again_after_a_full_refund_goes_through_the_national_flow_afresh(
    paid_insured, insured_bill, cashier
):
    payments.refund_in_full(
        settlement_id=paid_insured.pk, reason="改医保结算", settle_again=True, actor=cashier
    )
    assert charges.itemised_bill(insured_bill).outstanding_fen == paid_insured.total_fen
    again = settle(insured_bill, cashier, channel="wechat", use_insurance=True)
    deliver("wechat", wechat_notice(provider_pays(again)))
    again.refresh_from_db()
    assert again.status == "settled"
    assert again.total_fen == paid_insured.total_fen
    assert InsuranceSettlement.objects.filter(status="settled").count() == 1
    settlements.issue_due_ebills()  # the e-bill worker (D245)
    assert EBill.objects.filter(kind="normal").count() == 2


def test_an_insurance_only_settlement_is_refunded_without_a_cash_refund(bill, cashier, clock):
    settlement = settle(bill, cashier, channel="insurance", mode="window")
    assert settlement.status == "settled"
    assert settlement.cash_fen == 0
    done = payments.refund_in_full(settlement_id=settlement.pk, reason="退费", actor=cashier)
    assert done.status == "refunded"
    assert not Refund.objects.exists()
    assert InsuranceSettlement.objects.get().status == "reversed"
    assert set(balances().values()) == {0}


def test_a_self_paid_settlement_is_refunded_in_full_without_insurance(bill, cashier, clock):
    settlement = settle(bill, cashier, channel="cash", mode="window")
    payments.refund_in_full(settlement_id=settlement.pk, reason="退费", actor=cashier)
    assert Refund.objects.get().amount_fen == settlement.total_fen
    assert not PlatformExchange.objects.filter(infno="2208").exists()
    assert set(balances().values()) == {0}


def test_refunding_in_full_what_was_not_paid_is_refused(insured_bill, cashier, clock):
    settlement = settle(insured_bill, cashier, channel="wechat", use_insurance=True)
    with pytest.raises(PaymentRefused) as refused:
        payments.refund_in_full(settlement_id=settlement.pk, reason="x", actor=cashier)
    assert refused.value.code == "not_paid"
    assert not PlatformExchange.objects.filter(infno="2208").exists()
    with pytest.raises(InvalidInput):
        payments.refund_in_full(settlement_id=settlement.pk, reason=" ", actor=cashier)
