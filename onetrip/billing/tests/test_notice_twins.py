"""A paid notice's rules exist twice (D291, as a counter settlement's: D290): the SQL function
`billing_settle_notice` records and applies a verified WeChat Pay or Alipay notice in one round
trip on PostgreSQL, `payments.receive_notice` with `settle_paid_order` and `_complete` does on
SQLite (the demo). Random sequences of phone payments opened (two providers, three modes, a
deposit top-up), paid notices, the same notices delivered again, notices of a wrong amount,
closed orders, new charges, cash settlements and clock moves run through both on the same fresh
data; any difference in an answer (the provider's acknowledgement or refusal, a refusal's code)
or in the rows written (settlements, payments, charges taken, journal, audit rows, domain events,
the notices recorded) fails."""

from __future__ import annotations

import datetime as dt
import os

import pytest
from django.db import connection, transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from onetrip.billing.models import Payment, ProviderNotice, SandboxTrade
from onetrip.billing.sandbox import alipay as alipay_sandbox
from onetrip.billing.sandbox import wechat as wechat_sandbox
from onetrip.billing.services import charges, counter_database, notice_database, payments
from onetrip.billing.services.deposits import TopUpRequest, top_up
from onetrip.billing.services.settlements import SettlementRequest, settle_bill
from onetrip.billing.tests.helpers import alipay_notice, charge_inpatient, deliver, wechat_notice
from onetrip.billing.tests.test_counter_twins import BILLS, _named, written
from onetrip.conftest import NOW
from onetrip.core.errors import DomainError

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the SQL twin runs on PostgreSQL (set DATABASE_URL)"
)

open_phone = st.tuples(
    st.just("open"),
    st.integers(0, BILLS),  # BILLS: the inpatient deposit, topped up
    st.sampled_from(["wechat", "alipay"]),
    st.sampled_from(["mobile", "in_clinic", "kiosk"]),
)
on_order = st.tuples(st.sampled_from(["pay", "pay", "again", "wrong", "close"]), st.integers(0, 5))
charge = st.tuples(st.just("charge"), st.integers(0, BILLS - 1), st.integers(1, 3))
cash = st.tuples(st.just("cash"), st.integers(0, BILLS - 1))
advance = st.tuples(st.just("advance"), st.sampled_from((1, 90, 24 * 60)))
operations = st.lists(
    st.one_of(open_phone, open_phone, on_order, on_order, on_order, charge, cash, advance),
    min_size=3,
    max_size=25,
)


def run(world, clock, steps, *, in_database: bool, monkeypatch, inpatient) -> tuple:
    monkeypatch.setattr(notice_database, "settles_in_database", lambda: in_database)
    monkeypatch.setattr(counter_database, "settles_in_database", lambda: in_database)
    answers: list[str] = []
    state: dict = {"opened": [], "notices": []}
    with transaction.atomic():
        clock.set(NOW)
        floor = max(
            [
                0,
                *Payment.objects.order_by("-settlement_id").values_list("settlement_id", flat=True)[
                    :1
                ],
            ]
        )
        notices_floor = max([0, *ProviderNotice.objects.values_list("pk", flat=True)])
        for number, step in enumerate(steps):
            try:
                answers.append(perform(world, clock, step, number, state, inpatient))
            except DomainError as error:
                answers.append(f"{error.code}: {error}")
        rows = written(world, floor)
        names = rows.pop("names")
        rows["payments"] = [
            (name, order, url, {**row, "provider_trade_no": bool(row["provider_trade_no"])})
            for name, order, url, row in rows["payments"]
        ]
        rows["notices"] = [
            (row.channel, _named(row.out_trade_no, names), row.trade_state, row.received_at)
            for row in ProviderNotice.objects.filter(pk__gt=notices_floor).order_by("pk")
        ]
        answers = [_named(answer, names) for answer in answers]
        transaction.set_rollback(True)
    return answers, rows


def perform(world, clock, step, number, state, inpatient) -> str:
    kind, *args = step
    cashier = world["actors"]["cashier"]
    if kind == "advance":
        clock.advance(dt.timedelta(minutes=args[0]))
        return "advanced"
    if kind == "charge":
        bill, quantity = args
        made = charges.create_charge(
            charges.ChargeRequest(
                patient_id=world["patient"].pk,
                institution_id=world["tertiary"].pk,
                visit_reference=world["bills"][bill].visit_reference,
                item_code="DR-AMX",
                quantity=quantity,
                source="prescription",
                source_key=f"line-{number}",
            ),
            actor=cashier,
        )
        return f"charged {made.amount_fen}"
    if kind == "cash":
        settlement = settle_bill(
            SettlementRequest(bill_id=world["bills"][args[0]].pk, mode="window", channel="cash"),
            actor=cashier,
        )
        return f"S{settlement.pk} {settlement.status}"
    if kind == "open":
        bill, channel, mode = args
        if bill == BILLS:
            made = top_up(
                TopUpRequest(bill_id=inpatient.pk, amount_fen=50000, channel=channel),
                actor=cashier,
            )
            settlement = made.settlement
        else:
            settlement = settle_bill(
                SettlementRequest(
                    bill_id=world["bills"][bill].pk,
                    mode=mode,
                    channel=channel,
                    clinic_id=world["room"].pk if mode == "in_clinic" else None,
                ),
                actor=cashier,
            )
        state["opened"].append(settlement.pk)
        return f"S{settlement.pk} {settlement.status}"
    if not state["opened"]:
        return "nothing opened"
    payment = Payment.objects.select_related("settlement__bill").get(
        settlement_id=state["opened"][args[0] % len(state["opened"])]
    )
    if kind == "close":
        return f"closed {payments.close_payment(payment)}"
    if kind == "again":
        if not state["notices"]:
            return "nothing delivered"
        channel, notice = state["notices"][args[0] % len(state["notices"])]
        return _answer(deliver(channel, notice))
    sandbox = wechat_sandbox if payment.channel == "wechat" else alipay_sandbox
    if not SandboxTrade.objects.filter(out_trade_no=payment.out_trade_no).exists():
        return "no order at the provider"
    trade = sandbox.pay(payment.out_trade_no)
    if kind == "wrong":
        trade.amount_fen += 1  # the notice says another amount than the order's
    notice = wechat_notice(trade) if payment.channel == "wechat" else alipay_notice(trade)
    state["notices"].append((payment.channel, notice))
    return _answer(deliver(payment.channel, notice))


def _answer(response) -> str:
    return f"{response.status_code} {response.content.decode()}"


@pytest.fixture
def inpatient(world, cashier):
    return charge_inpatient(world["patient"], world["tertiary"], cashier, key="zy-twin")


@settings(
    max_examples=int(os.environ.get("ONETRIP_TWIN_EXAMPLES", "25")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=operations)
def test_the_sql_and_python_twins_apply_every_notice_sequence_alike(
    world, inpatient, clock, monkeypatch, steps
):
    in_python = run(
        world, clock, steps, in_database=False, monkeypatch=monkeypatch, inpatient=inpatient
    )
    in_database = run(
        world, clock, steps, in_database=True, monkeypatch=monkeypatch, inpatient=inpatient
    )
    answers, rows = in_database
    assert answers == in_python[0]
    for kind, written_in_python in in_python[1].items():
        assert (kind, rows[kind]) == (kind, written_in_python)
