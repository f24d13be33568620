"""Deposit races on PostgreSQL (D50): concurrent discharges settle and refund once, a top-up
racing a discharge either lands before it (and is refunded with the surplus) or is refused, and
a double-submitted top-up is paid in once. The balance identity and the journal hold throughout."""

import pytest
from django.db.models import Sum

from onetrip.billing.models import DepositAccount, DepositTopUp, Refund, Settlement
from onetrip.billing.tests.helpers import discharge, journal_balances, top_up
from onetrip.conftest import race

pytestmark = pytest.mark.django_db(transaction=True)


def assert_ledger_consistent(bill) -> DepositAccount:
    account = DepositAccount.objects.get(bill=bill)
    credited = DepositTopUp.objects.filter(credited_at__isnull=False).aggregate(
        total=Sum("amount_fen")
    )["total"]
    refunded = Refund.objects.aggregate(total=Sum("amount_fen"))["total"] or 0
    assert account.topped_up_fen == credited
    assert account.refunded_fen == refunded
    assert account.balance_fen == (account.topped_up_fen - account.drawn_fen - account.refunded_fen)
    net = journal_balances()
    assert sum(net.values()) == 0
    assert -net.get("inpatient_deposit", 0) == account.balance_fen
    return account


def test_concurrent_discharges_settle_and_refund_once(
    postgres_only,
    inpatient_bill,
    cashier,
    clock,
):
    top_up(inpatient_bill, cashier, 50_000)
    outcomes = race([lambda: discharge(inpatient_bill, cashier).settlement.pk] * 4)

    assert len(set(outcomes)) == 1, outcomes
    assert Settlement.objects.filter(mode="discharge").count() == 1
    assert Refund.objects.get().amount_fen == 50_000 - 20_500
    account = assert_ledger_consistent(inpatient_bill)
    assert (account.balance_fen, account.drawn_fen) == (0, 20_500)


def test_a_top_up_racing_discharge_lands_before_it_or_is_refused(
    postgres_only,
    inpatient_bill,
    cashier,
    clock,
):
    top_up(inpatient_bill, cashier, 30_000)
    outcomes = race(
        [
            lambda: top_up(inpatient_bill, cashier, 10_000).pk,
            lambda: discharge(inpatient_bill, cashier).settlement.pk,
        ]
    )

    assert isinstance(outcomes[1], int), outcomes
    assert isinstance(outcomes[0], int) or outcomes[0] == "already_discharged", outcomes
    account = assert_ledger_consistent(inpatient_bill)
    assert account.balance_fen == 0
    assert account.drawn_fen == 20_500
    # Whatever was paid in and not drawn went back.
    assert account.refunded_fen == account.topped_up_fen - 20_500


def test_a_double_submitted_top_up_pays_in_once(
    postgres_only,
    inpatient_bill,
    cashier,
    clock,
):
    outcomes = race(
        [lambda: top_up(inpatient_bill, cashier, 10_000, idempotency_key="same").pk] * 4
    )
    assert len(set(outcomes)) == 1, outcomes
    assert DepositTopUp.objects.count() == 1
    assert assert_ledger_consistent(inpatient_bill).balance_fen == 10_000
