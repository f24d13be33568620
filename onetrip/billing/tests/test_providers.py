"""WeChat Pay and Alipay sandboxes: signed notices (duplicated, out of order, forged), active
query recovery after a crash, refunds, statements and reconciliation (R-PAY-2, issue 6 items
3, 4, 5, 7)."""

import datetime as dt
import json

import pytest

from onetrip.billing.models import JournalLine, Payment, ProviderNotice, Refund, Settlement
from onetrip.billing.sandbox import alipay as alipay_sandbox
from onetrip.billing.sandbox import wechat as wechat_sandbox
from onetrip.billing.services import payments, reconciliation, sources
from onetrip.billing.services.settlements import PaymentRefused
from onetrip.billing.tests.helpers import (
    alipay_notice,
    deliver,
    provider_pays,
    settle,
    wechat_notice,
)
from onetrip.conftest import NOW
from onetrip.core.errors import InvalidInput

pytestmark = pytest.mark.django_db


@pytest.fixture
def paid_wechat(bill, cashier, clock):
    settlement = settle(bill, cashier, channel="wechat")
    response = deliver("wechat", wechat_notice(provider_pays(settlement)))
    assert response.status_code == 204
    settlement.refresh_from_db()
    return settlement


def test_a_verified_wechat_notice_settles_the_bill(paid_wechat):
    assert paid_wechat.status == "settled"
    assert paid_wechat.payment.status == "succeeded"
    assert paid_wechat.payment.provider_trade_no.startswith("4200")


def test_duplicated_wechat_notices_credit_once(paid_wechat):
    trade = wechat_sandbox.SandboxTrade.objects.get(out_trade_no=paid_wechat.payment.out_trade_no)
    notice = wechat_notice(trade)
    assert deliver("wechat", notice).status_code == 204
    assert deliver("wechat", notice).status_code == 204  # the very same delivery again
    assert deliver("wechat", wechat_notice(trade)).status_code == 204  # a retry with a new id
    assert JournalLine.objects.filter(entry__memo="settlement").count() == 2
    assert ProviderNotice.objects.count() == 3


def test_a_forged_wechat_signature_is_refused_and_changes_nothing(bill, cashier, clock):
    settlement = settle(bill, cashier, channel="wechat")
    headers, body = wechat_notice(provider_pays(settlement))
    tampered = body.replace(b'"summary"', b'"summery"')
    response = deliver("wechat", (headers, tampered))
    assert response.status_code == 400
    assert json.loads(response.content)["code"] == "FAIL"
    settlement.refresh_from_db()
    assert settlement.status == "pending"
    assert not ProviderNotice.objects.exists()


def test_a_stale_wechat_notice_is_refused(bill, cashier, clock):
    settlement = settle(bill, cashier, channel="wechat")
    notice = wechat_notice(provider_pays(settlement))
    clock.advance(dt.timedelta(minutes=30))
    assert deliver("wechat", notice).status_code == 400


def test_a_notice_for_an_unknown_order_is_refused(bill, cashier, clock):
    settlement = settle(bill, cashier, channel="alipay")
    trade = provider_pays(settlement)
    trade.out_trade_no = "OT-NOT-OURS-1"
    response = deliver("alipay", alipay_notice(trade))
    assert response.content == b"failure"
    assert Settlement.objects.get().status == "pending"


def test_alipay_notices_out_of_order_and_forged(bill, cashier, clock):
    settlement = settle(bill, cashier, channel="alipay")
    trade = provider_pays(settlement)
    forged = alipay_notice(trade)[1].replace(b"total_amount=215.00", b"total_amount=2.15")
    assert deliver("alipay", ({}, forged)).content == b"failure"
    assert deliver("alipay", alipay_notice(trade)).content == b"success"
    # WAIT_BUYER_PAY arriving late, after TRADE_SUCCESS, must not undo anything.
    late = alipay_notice(trade, trade_status="WAIT_BUYER_PAY")
    assert deliver("alipay", late).content == b"success"
    settlement.refresh_from_db()
    assert settlement.status == "settled"
    assert settlement.payment.status == "succeeded"


def test_provider_paid_but_we_crashed_is_recovered_by_active_query(
    bill, cashier, clock, monkeypatch
):
    settlement = settle(bill, cashier, channel="wechat")
    trade = provider_pays(settlement)  # committed at the provider

    def crash(*args, **kwargs):
        raise RuntimeError("process killed before our settlement committed")

    # After the settlement's writes, before commit (the follow-ups come last on both paths).
    monkeypatch.setattr(sources, "run_follow_ups_of_lines", crash)
    with pytest.raises(RuntimeError):
        deliver("wechat", wechat_notice(trade))
    monkeypatch.undo()
    settlement.refresh_from_db()
    assert settlement.status == "pending"
    assert not JournalLine.objects.exists()

    clock.advance(payments.QUERY_AFTER)
    report = payments.reconcile_pending()
    settlement.refresh_from_db()
    assert report.settled == 1
    assert settlement.status == "settled"
    assert payments.reconcile_pending().settled == 0  # running it again changes nothing


def test_an_order_the_provider_never_saw_is_released_after_a_while(bill, cashier, clock):
    settlement = settle(bill, cashier, channel="wechat")
    wechat_sandbox.SandboxTrade.objects.all().delete()  # the order never reached the provider
    clock.advance(payments.ABANDON_AFTER)
    assert payments.reconcile_pending().closed == 1
    assert Payment.objects.get().status == "closed"
    assert settle(bill, cashier, channel="cash", mode="window").status == "settled"
    assert Settlement.objects.filter(pk=settlement.pk, status="cancelled").exists()


@pytest.mark.parametrize("channel", ["wechat", "alipay"])
def test_partial_then_full_refund_back_to_the_original_channel(bill, cashier, clock, channel):
    settlement = settle(bill, cashier, channel=channel)
    trade = provider_pays(settlement)
    notice = wechat_notice(trade) if channel == "wechat" else alipay_notice(trade)
    deliver(channel, notice)
    payments.refund(
        settlement_id=settlement.pk, amount_fen=5000, reason="CT cancelled", actor=cashier
    )
    payments.refund(
        settlement_id=settlement.pk, amount_fen=16500, reason="visit cancelled", actor=cashier
    )
    trade.refresh_from_db()
    assert trade.refunded_fen == 21500
    with pytest.raises(InvalidInput) as refused:
        payments.refund(settlement_id=settlement.pk, amount_fen=1, reason="again", actor=cashier)
    assert refused.value.errors[0].code == "exceeds_paid"
    assert Refund.objects.count() == 2


@pytest.mark.parametrize(
    ("amount", "code"),
    [(-100, "negative"), (12.5, "not_integer"), ("100", "not_integer"), (21501, "exceeds_paid")],
)
def test_bad_refund_amounts_change_nothing(paid_wechat, cashier, amount, code):
    with pytest.raises(InvalidInput) as refused:
        payments.refund(settlement_id=paid_wechat.pk, amount_fen=amount, reason="x", actor=cashier)
    assert refused.value.errors[0].code == code
    assert not Refund.objects.exists()


def test_refunding_an_unpaid_settlement_is_refused(bill, cashier, clock):
    settlement = settle(bill, cashier, channel="wechat")
    with pytest.raises(PaymentRefused):
        payments.refund(settlement_id=settlement.pk, amount_fen=100, reason="x", actor=cashier)


def test_a_refund_retried_with_its_key_is_made_once(paid_wechat, cashier):
    for _ in range(2):
        payments.refund(
            settlement_id=paid_wechat.pk,
            amount_fen=100,
            reason="x",
            idempotency_key="r-1",
            actor=cashier,
        )
    assert Refund.objects.count() == 1


@pytest.mark.parametrize("channel", ["wechat", "alipay"])
def test_daily_statement_reconciles_and_lists_every_mismatch(bill, cashier, clock, channel):
    settlement = settle(bill, cashier, channel=channel)
    trade = provider_pays(settlement)
    notice = wechat_notice(trade) if channel == "wechat" else alipay_notice(trade)
    deliver(channel, notice)
    payments.refund(settlement_id=settlement.pk, amount_fen=500, reason="x", actor=cashier)
    sandbox = wechat_sandbox if channel == "wechat" else alipay_sandbox
    statement = (sandbox.tradebill if channel == "wechat" else sandbox.bill)(NOW.date())
    clean = reconciliation.reconcile_day(channel=channel, day=NOW.date(), statement=statement)
    assert clean.matched == 2
    assert clean.mismatches == []

    Payment.objects.update(amount_fen=21400, refunded_fen=0)  # our record is now wrong
    run = reconciliation.reconcile_day(channel=channel, day=NOW.date(), statement=statement)
    assert [m["problem"] for m in run.mismatches] == ["amount_differs"]


def test_compare_names_each_kind_of_mismatch():
    from onetrip.billing.channels.base import StatementRow

    ours = {
        ("payment", "A"): (100, "paid"),
        ("payment", "B"): (200, "paid"),
        ("payment", "C"): (300, "waiting"),
        ("payment", "D"): (400, "paid"),
    }
    theirs = [
        StatementRow("payment", "A", 100, "paid"),
        StatementRow("payment", "B", 201, "paid"),
        StatementRow("payment", "C", 300, "paid"),
        StatementRow("payment", "E", 5, "paid"),
    ]
    matched, mismatches = reconciliation.compare(ours, theirs)
    assert matched == 1
    assert {(m.problem, m.key) for m in mismatches} == {
        ("amount_differs", "B"),
        ("status_differs", "C"),
        ("missing_here", "E"),
        ("missing_at_provider", "D"),
    }


def test_the_commands_recover_and_reconcile(bill, cashier, clock):
    from io import StringIO

    from django.core.management import call_command

    settlement = settle(bill, cashier, channel="alipay")
    provider_pays(settlement)  # the notice is lost
    clock.advance(payments.QUERY_AFTER)
    out = StringIO()
    call_command("billing_reconcile_pending", stdout=out)
    assert out.getvalue().startswith("settled 1,")
    out = StringIO()
    call_command("billing_reconcile_day", "alipay", NOW.date().isoformat(), stdout=out)
    assert out.getvalue().strip() == "matched 1, mismatches 0"
