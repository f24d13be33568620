"""Races on PostgreSQL (issue 6 reliability): concurrent duplicate notifications, a notice racing
the recovery sweep, double-clicked settlements and refunds never credit or refund twice."""

import datetime as dt

import pytest
from django.db.models import Sum

from onetrip.billing.models import JournalLine, Payment, Refund, SandboxTrade, Settlement
from onetrip.billing.services import charges, payments
from onetrip.billing.tests.helpers import deliver, provider_pays, settle, wechat_notice
from onetrip.conftest import race
from onetrip.ebills.models import EBill
from onetrip.insurance.models import InsuranceSettlement, PlatformExchange, SandboxSettlement

pytestmark = pytest.mark.django_db(transaction=True)


def settlement_entries() -> int:
    return JournalLine.objects.filter(entry__memo="settlement", account="revenue").count()


def test_concurrent_duplicate_notices_settle_once(postgres_only, bill, cashier, clock):
    settlement = settle(bill, cashier, channel="wechat")
    trade = provider_pays(settlement)
    same = wechat_notice(trade)
    notices = [same] * 4 + [wechat_notice(trade) for _ in range(4)]
    outcomes = race([lambda n=n: deliver("wechat", n).status_code for n in notices])
    assert outcomes == [204] * 8
    assert settlement_entries() == 1
    assert Settlement.objects.get().status == "settled"


def test_concurrent_notices_of_an_insured_payment_send_one_2207(
    postgres_only, bill, patient, tertiary, cashier, clock
):
    charges.create_charge(
        charges.ChargeRequest(
            patient_id=patient.pk,
            institution_id=tertiary.pk,
            visit_reference=bill.visit_reference,
            item_code="SP-NUT",  # self-paid: leaves a cash part for WeChat Pay
            quantity=1,
            source="prescription",
            source_key="rx-race-1",
        ),
        actor=cashier,
    )
    settlement = settle(bill, cashier, channel="wechat", use_insurance=True)
    trade = provider_pays(settlement)
    later = settlement.payment.created_at + payments.QUERY_AFTER + dt.timedelta(seconds=1)
    outcomes = race(
        [lambda: deliver("wechat", wechat_notice(trade)).status_code for _ in range(6)]
        + [lambda: payments.reconcile_pending(now=later).settled] * 2
    )
    assert outcomes[:6] == [204] * 6
    assert settlement_entries() == 1
    assert InsuranceSettlement.objects.count() == SandboxSettlement.objects.count() == 1
    assert PlatformExchange.objects.filter(infno="2207").values("msgid").distinct().count() == 1
    settlement.refresh_from_db()
    assert settlement.status == "settled"
    assert settlement.insurance_settlement_id == str(InsuranceSettlement.objects.get().pk)


def test_a_notice_racing_the_recovery_sweep_settles_once(postgres_only, bill, cashier, clock):
    settlement = settle(bill, cashier, channel="wechat")
    trade = provider_pays(settlement)
    later = settlement.payment.created_at + payments.QUERY_AFTER + dt.timedelta(seconds=1)
    outcomes = race(
        [
            lambda: deliver("wechat", wechat_notice(trade)).status_code,
            lambda: payments.reconcile_pending(now=later).settled,
            lambda: payments.reconcile_pending(now=later).settled,
        ]
    )
    assert outcomes[0] == 204
    assert settlement_entries() == 1
    assert Payment.objects.get().status == "succeeded"


def test_double_clicked_settlements_take_the_charges_once(postgres_only, bill, cashier, clock):
    outcomes = race([lambda: settle(bill, cashier, channel="cash", mode="window").pk] * 4)
    assert sorted(map(str, outcomes)).count("already_settled") == 3
    assert Settlement.objects.count() == 1
    assert settlement_entries() == 1


def test_concurrent_refunds_never_exceed_what_was_paid(postgres_only, bill, cashier, clock):
    settlement = settle(bill, cashier, channel="wechat")
    deliver("wechat", wechat_notice(provider_pays(settlement)))
    outcomes = race(
        [
            lambda: (
                payments.refund(
                    settlement_id=settlement.pk, amount_fen=8000, reason="race", actor=cashier
                ).pk
            )
        ]
        * 4
    )
    assert sum(isinstance(o, int) for o in outcomes) == 2  # 2 × 80.00 fits in 215.00, 3 do not
    refunded = Refund.objects.aggregate(total=Sum("amount_fen"))["total"]
    assert refunded == Payment.objects.get().refunded_fen == SandboxTrade.objects.get().refunded_fen


def test_concurrent_full_refunds_reverse_insurance_and_refund_cash_once(
    postgres_only, bill, patient, tertiary, cashier, clock
):
    charges.create_charge(
        charges.ChargeRequest(
            patient_id=patient.pk,
            institution_id=tertiary.pk,
            visit_reference=bill.visit_reference,
            item_code="SP-NUT",
            quantity=1,
            source="prescription",
            source_key="rx-race-2",
        ),
        actor=cashier,
    )
    settlement = settle(bill, cashier, channel="wechat", use_insurance=True)
    deliver("wechat", wechat_notice(provider_pays(settlement)))
    outcomes = race(
        [
            lambda: (
                payments.refund_in_full(
                    settlement_id=settlement.pk, reason="race", actor=cashier
                ).status
            )
        ]
        * 4
    )
    assert outcomes == ["refunded"] * 4
    assert PlatformExchange.objects.filter(infno="2208").values("msgid").distinct().count() == 1
    assert SandboxSettlement.objects.get().reversed
    assert Refund.objects.get().amount_fen == settlement.cash_fen
    assert SandboxTrade.objects.get().refunded_fen == settlement.cash_fen
    assert JournalLine.objects.filter(entry__memo="full refund", account="revenue").count() == 1
    assert EBill.objects.filter(kind="red_letter").count() == 1
