"""Inpatient deposit (R-PAY-1, D50): top-ups through every channel with Idempotency-Key, a
balance that is top-ups − discharge draws − refunds, a liability in the journal, discharge
settlement with the surplus refunded to the top-ups' channels newest first or the shortfall paid
through a channel, once however often it is asked, and the low-balance reminder."""

import pytest
from django.db import IntegrityError, transaction
from django.db.models import F

from onetrip.billing.models import (
    DepositAccount,
    DepositTopUp,
    Payment,
    Refund,
    SandboxTrade,
    Settlement,
)
from onetrip.billing.services import deposits, payments
from onetrip.billing.services.deposit_ledger import REMIND_BELOW_FEN
from onetrip.billing.services.settlements import close_payment
from onetrip.billing.tests.helpers import (
    charge_inpatient,
    deliver,
    discharge,
    journal_balances,
    provider_pays,
    settle,
    top_up,
    wechat_notice,
)
from onetrip.core.errors import DomainError, InvalidInput
from onetrip.notifications.models import Notification

pytestmark = pytest.mark.django_db


def account_of(bill) -> DepositAccount:
    return DepositAccount.objects.get(bill=bill)


def assert_balance_identity(bill) -> None:
    account = account_of(bill)
    assert account.balance_fen == (account.topped_up_fen - account.drawn_fen - account.refunded_fen)
    assert sum(journal_balances().values()) == 0  # every posting balanced
    # The liability is exactly the balance held for the patient.
    assert -journal_balances().get("inpatient_deposit", 0) == account.balance_fen


def test_a_cash_top_up_is_a_liability_not_revenue_and_a_retry_tops_up_once(
    inpatient_bill, cashier, clock
):
    first = top_up(inpatient_bill, cashier, 100_000, idempotency_key="zy-top-1")
    again = top_up(inpatient_bill, cashier, 100_000, idempotency_key="zy-top-1")

    assert first.pk == again.pk
    assert DepositTopUp.objects.count() == 1
    assert account_of(inpatient_bill).balance_fen == 100_000
    assert journal_balances() == {"cash": 100_000, "inpatient_deposit": -100_000}
    assert first.settlement.mode == "inpatient_deposit"
    assert first.settlement.status == "settled"
    assert first.credited_at is not None
    assert_balance_identity(inpatient_bill)


def test_reusing_a_key_for_another_amount_is_refused(inpatient_bill, cashier, clock):
    top_up(inpatient_bill, cashier, 100_000, idempotency_key="zy-top-2")
    with pytest.raises(InvalidInput) as refused:
        top_up(inpatient_bill, cashier, 50_000, idempotency_key="zy-top-2")
    assert refused.value.errors[0].code == "key_reused"


def test_a_wechat_top_up_credits_the_balance_only_when_the_provider_confirms(
    inpatient_bill, cashier, clock
):
    made = top_up(inpatient_bill, cashier, 50_000, channel="wechat", mode="inpatient_mobile")
    assert made.settlement.status == "pending"
    assert made.settlement.payment.cashier_url
    assert account_of(inpatient_bill).balance_fen == 0

    trade = provider_pays(made.settlement)
    deliver("wechat", wechat_notice(trade))
    deliver("wechat", wechat_notice(trade))  # a second delivery changes nothing

    assert account_of(inpatient_bill).balance_fen == 50_000
    assert journal_balances() == {"wechat": 50_000, "inpatient_deposit": -50_000}


@pytest.mark.parametrize(
    ("amount", "code"),
    [
        (-100, "negative"),
        (0, "negative"),
        (99.5, "not_integer"),
        ("100", "not_integer"),
        (True, "not_integer"),
    ],
)
def test_invalid_amounts_are_refused_changing_nothing(inpatient_bill, cashier, amount, code):
    with pytest.raises(InvalidInput) as refused:
        top_up(inpatient_bill, cashier, amount)
    assert (refused.value.errors[0].field, refused.value.errors[0].code) == ("amount_fen", code)
    assert not DepositAccount.objects.exists()
    assert not Settlement.objects.exists()


def test_an_outpatient_bill_has_no_deposit(bill, cashier):
    with pytest.raises(DomainError) as refused:
        top_up(bill, cashier, 10_000)
    assert refused.value.code == "not_inpatient"
    assert not Settlement.objects.exists()


def test_the_database_keeps_the_balance_equal_to_top_ups_less_draws_and_refunds(
    inpatient_bill, cashier, clock
):
    top_up(inpatient_bill, cashier, 10_000)
    account = DepositAccount.objects.filter(bill=inpatient_bill)
    with pytest.raises(IntegrityError), transaction.atomic():
        account.update(balance_fen=F("balance_fen") + 1)  # money out of nowhere
    with pytest.raises(IntegrityError), transaction.atomic():
        account.update(drawn_fen=20_000, balance_fen=-10_000)  # below zero


def test_discharge_draws_the_deposit_and_refunds_the_surplus_newest_top_up_first(
    inpatient_bill, cashier, clock
):
    older = top_up(inpatient_bill, cashier, 10_000)  # 100.00 cash at admission
    newer = top_up(inpatient_bill, cashier, 30_000, channel="wechat", mode="inpatient_mobile")
    deliver("wechat", wechat_notice(provider_pays(newer.settlement)))

    done = discharge(inpatient_bill, cashier)

    settlement = done.settlement
    assert (settlement.mode, settlement.channel, settlement.status) == (
        "discharge",
        "deposit",
        "settled",
    )
    assert settlement.total_fen == settlement.cash_fen == settlement.deposit_fen == 20_500
    assert settlement.payment.amount_fen == 0
    # 400.00 paid in − 205.00 drawn = 195.00 back, all of it to the newer (WeChat) top-up.
    (refund,) = done.refunds
    assert refund.amount_fen == 19_500
    assert refund.payment.settlement_id == newer.settlement_id
    assert SandboxTrade.objects.get().refunded_fen == 19_500
    older.refresh_from_db()
    newer.refresh_from_db()
    assert (older.refunded_fen, newer.refunded_fen) == (0, 19_500)
    account = account_of(inpatient_bill)
    assert (account.topped_up_fen, account.drawn_fen, account.refunded_fen) == (
        40_000,
        20_500,
        19_500,
    )
    assert account.balance_fen == 0
    assert account.discharged_at is not None
    assert journal_balances() == {
        "cash": 10_000,
        "wechat": 30_000 - 19_500,
        "inpatient_deposit": 0,
        "revenue": -20_500,
    }
    assert_balance_identity(inpatient_bill)


def test_a_surplus_larger_than_the_newest_top_up_spreads_to_older_ones(
    inpatient_bill, cashier, clock
):
    top_up(inpatient_bill, cashier, 30_000)
    top_up(inpatient_bill, cashier, 5_000, channel="bank_card", reference="POS-1")
    done = discharge(inpatient_bill, cashier)
    assert [(r.payment.channel, r.amount_fen) for r in done.refunds] == [
        ("bank_card", 5_000),
        ("cash", 9_500),
    ]
    assert_balance_identity(inpatient_bill)


def test_a_shortfall_is_paid_through_the_channel_given(inpatient_bill, cashier, clock):
    top_up(inpatient_bill, cashier, 10_000)

    done = discharge(inpatient_bill, cashier, channel="bank_card", reference="POS-77")

    settlement = done.settlement
    assert settlement.status == "settled"
    assert (settlement.channel, settlement.cash_fen, settlement.deposit_fen) == (
        "bank_card",
        20_500,
        10_000,
    )
    assert settlement.payment.amount_fen == 10_500
    assert done.refunds == []
    assert account_of(inpatient_bill).balance_fen == 0
    assert journal_balances() == {
        "cash": 10_000,
        "bank_card": 10_500,
        "inpatient_deposit": 0,
        "revenue": -20_500,
    }


def test_a_shortfall_without_a_channel_is_refused_changing_nothing(inpatient_bill, cashier, clock):
    top_up(inpatient_bill, cashier, 10_000)
    with pytest.raises(DomainError) as refused:
        discharge(inpatient_bill, cashier)
    assert refused.value.code == "deposit_insufficient"
    account = account_of(inpatient_bill)
    assert (account.balance_fen, account.drawn_fen, account.discharged_at) == (10_000, 0, None)
    assert not inpatient_bill.charges.filter(settlement__isnull=False).exists()
    assert not Settlement.objects.filter(mode="discharge").exists()


def test_discharge_asked_again_settles_once(inpatient_bill, cashier, clock):
    top_up(inpatient_bill, cashier, 50_000)
    first = discharge(inpatient_bill, cashier, idempotency_key="out-1")
    again = discharge(inpatient_bill, cashier, idempotency_key="out-1")
    double_click = discharge(inpatient_bill, cashier)

    assert first.settlement.pk == again.settlement.pk == double_click.settlement.pk
    assert Settlement.objects.filter(mode="discharge").count() == 1
    assert Refund.objects.count() == 1
    assert journal_balances()["revenue"] == -20_500
    with pytest.raises(DomainError) as refused:
        top_up(inpatient_bill, cashier, 10_000)
    assert refused.value.code == "already_discharged"


def test_a_shortfall_paid_by_wechat_that_is_never_paid_gives_the_draw_back(
    inpatient_bill, cashier, clock
):
    top_up(inpatient_bill, cashier, 10_000)
    done = discharge(inpatient_bill, cashier, channel="wechat")
    assert done.settlement.status == "pending"
    assert done.settlement.payment.amount_fen == 10_500
    assert account_of(inpatient_bill).balance_fen == 0

    # The provider closes the order unpaid (its CLOSED notice, or the sweep finding it closed).
    close_payment(done.settlement.payment)

    account = account_of(inpatient_bill)
    assert (account.balance_fen, account.drawn_fen, account.discharged_at) == (10_000, 0, None)
    assert Settlement.objects.get(pk=done.settlement.pk).status == "cancelled"
    again = discharge(inpatient_bill, cashier, channel="cash")
    assert again.settlement.status == "settled"
    assert_balance_identity(inpatient_bill)


def test_discharge_with_insurance_draws_only_the_personal_cash(
    inpatient_bill, patient, tertiary, cashier, clock
):
    charge_inpatient(patient, tertiary, cashier, code="SP-NUT", key="zy-3")  # self-paid 50.00
    top_up(inpatient_bill, cashier, 100_000)

    done = discharge(inpatient_bill, cashier, use_insurance=True)

    settlement = done.settlement
    assert settlement.insurance_settlement_id
    assert settlement.fund_fen + settlement.account_fen > 0
    assert settlement.deposit_fen == settlement.cash_fen
    assert sum(r.amount_fen for r in done.refunds) == 100_000 - settlement.cash_fen
    assert_balance_identity(inpatient_bill)


def test_discharge_with_everything_settled_on_the_ward_refunds_the_whole_balance(
    inpatient_bill, cashier, clock
):
    top_up(inpatient_bill, cashier, 30_000)
    settle(inpatient_bill, cashier, channel="cash", mode="bedside")
    done = discharge(inpatient_bill, cashier)
    assert done.settlement is None
    assert [r.amount_fen for r in done.refunds] == [30_000]
    assert account_of(inpatient_bill).discharged_at is not None


def test_a_top_up_is_not_refunded_as_a_fee(inpatient_bill, cashier, clock):
    made = top_up(inpatient_bill, cashier, 30_000)
    with pytest.raises(DomainError) as refused:
        payments.refund(settlement_id=made.settlement_id, amount_fen=100, reason="x", actor=cashier)
    assert refused.value.code == "deposit_top_up"
    with pytest.raises(DomainError) as refused:
        payments.refund_in_full(settlement_id=made.settlement_id, reason="x", actor=cashier)
    assert refused.value.code == "deposit_top_up"
    assert not Refund.objects.exists()


def test_part_of_the_balance_can_be_refunded_but_never_more(inpatient_bill, cashier, clock):
    top_up(inpatient_bill, cashier, 30_000)
    with pytest.raises(InvalidInput) as refused:
        deposits.refund_deposit(
            bill_id=inpatient_bill.pk, amount_fen=30_001, reason="退预交金", actor=cashier
        )
    assert refused.value.errors[0].code == "exceeds_balance"
    for _ in range(2):  # a retry with the same key refunds once
        deposits.refund_deposit(
            bill_id=inpatient_bill.pk,
            amount_fen=10_000,
            reason="退预交金",
            idempotency_key="back-1",
            actor=cashier,
        )
    assert account_of(inpatient_bill).balance_fen == 20_000
    assert Payment.objects.get().refunded_fen == 10_000
    assert_balance_identity(inpatient_bill)


def test_a_low_balance_against_the_charges_texts_the_patient_once_a_day(
    catalogue, patient, tertiary, cashier, clock
):
    first = charge_inpatient(patient, tertiary, cashier, code="DR-AMX", key="low-0")
    top_up(first.bill, cashier, REMIND_BELOW_FEN + 1_250 + 18_000)
    assert not Notification.objects.filter(template="deposit_low").exists()

    charge_inpatient(patient, tertiary, cashier, code="EX-CT", key="low-1")  # headroom = limit
    assert not Notification.objects.filter(template="deposit_low").exists()
    charge_inpatient(patient, tertiary, cashier, code="DR-AMX", key="low-2")  # now below it
    charge_inpatient(patient, tertiary, cashier, code="DR-AMX", key="low-3")

    (notice,) = Notification.objects.filter(template="deposit_low")
    assert notice.phone == patient.phone
    assert notice.params["admission"] == "ZY20261123001"
    assert notice.params["charges"] == "205.00"
