"""A counter settlement's rules exist twice (D290, as a booking's do: D180): the SQL function
`billing_settle_at_counter` decides and writes it in one round trip on PostgreSQL,
`settlements._settle` with `take_payment` and `_complete` does on SQLite (the demo); since D330
the function also opens a phone payment's settlement (WeChat Pay, Alipay), pending. Random
sequences of charges, counter and phone settlements (five channels, four modes and the phone's,
idempotency keys, the cashier, another institution's cashier and the system), phone payments
left pending, closed orders and clock moves run through both on the same fresh data; any
difference in an answer (a refusal's code and words, the settlement made) or in the rows written
(settlements, payments, charges taken, journal entries and lines, audit rows, domain events)
fails."""

from __future__ import annotations

import datetime as dt
import os
import re

import pytest
from django.db import connection, transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from onetrip.billing.models import (
    Charge,
    JournalEntry,
    JournalLine,
    Payment,
    PaymentStatus,
    Settlement,
)
from onetrip.billing.services import charges, counter_database, payments
from onetrip.billing.services.journal import UnbalancedEntry
from onetrip.billing.services.settlements import SettlementRequest, settle_bill
from onetrip.billing.tests.conftest import TWIN_BILLS
from onetrip.conftest import NOW
from onetrip.core.errors import DomainError
from onetrip.core.models import AuditEvent, DomainEvent

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the SQL twin runs on PostgreSQL (set DATABASE_URL)"
)

BILLS = TWIN_BILLS
ITEMS = ("REG01", "EX-CT", "DR-AMX", "FREE")
SOURCES = ("registration", "exam_order", "prescription")
MINUTES = (1, 90, 24 * 60)

charge = st.tuples(
    st.just("charge"),
    st.integers(0, BILLS - 1),
    st.sampled_from(ITEMS),
    st.integers(1, 3),
    st.sampled_from(SOURCES),
)
counter = st.tuples(
    st.just("settle"),
    st.integers(0, BILLS - 1),
    st.sampled_from(["window", "in_clinic", "kiosk", "bedside"]),
    st.sampled_from(["cash", "cheque", "bank_card", "wechat", "alipay"]),
    st.sampled_from(["", "", "k1", "k2"]),
    st.sampled_from(["cashier", "cashier", "system", "outsider"]),
    st.booleans(),  # a reference given (a cheque or card needs one)
    st.booleans(),  # in the room: the clinic named
)
phone = st.tuples(
    st.just("phone"), st.integers(0, BILLS - 1), st.sampled_from(["wechat", "alipay"])
)
close = st.tuples(st.just("close"))
advance = st.tuples(st.just("advance"), st.sampled_from(MINUTES))
operations = st.lists(
    st.one_of(charge, counter, counter, counter, phone, close, advance), min_size=3, max_size=25
)


def run(world, clock, steps, *, in_database: bool, monkeypatch) -> tuple:
    """Run `steps` with one twin deciding; return every answer and the rows they left, with
    settlements named by the order they were made (the twins' keys differ), then roll back."""
    monkeypatch.setattr(counter_database, "settles_in_database", lambda: in_database)
    answers = []
    with transaction.atomic():
        clock.set(NOW)
        first_settlement = Settlement.objects.order_by("-pk").values_list("pk", flat=True)[:1]
        floor = first_settlement[0] if first_settlement else 0
        for number, step in enumerate(steps):
            try:
                answers.append(perform(world, clock, step, number))
            except DomainError as error:
                answers.append(f"{error.code}: {error}")
            except UnbalancedEntry as error:
                answers.append(f"unbalanced: {error}")
        rows = written(world, floor)
        names = rows.pop("names")
        answers = [_named(answer, names) for answer in answers]
        transaction.set_rollback(True)
    return answers, rows


def perform(world, clock, step, number) -> str:
    kind, *args = step
    bills = world["bills"]
    if kind == "advance":
        clock.advance(dt.timedelta(minutes=args[0]))
        return "advanced"
    if kind == "charge":
        bill, item, quantity, source = args
        made = charges.create_charge(
            charges.ChargeRequest(
                patient_id=world["patient"].pk,
                institution_id=world["tertiary"].pk,
                visit_reference=bills[bill].visit_reference,
                item_code=item,
                quantity=quantity,
                source=source,
                source_key=f"line-{number}",
            ),
            actor=world["actors"]["cashier"],
        )
        return f"charged {made.amount_fen}"
    if kind == "phone":
        settlement = settle_bill(
            SettlementRequest(bill_id=bills[args[0]].pk, mode="mobile", channel=args[1]),
            actor=world["actors"]["cashier"],
        )
        return f"S{settlement.pk} {settlement.status} {settlement.payment.status}"
    if kind == "close":
        pending = Payment.objects.filter(
            status=PaymentStatus.PENDING, settlement__bill__in=bills
        ).order_by("-pk")
        payment = pending.select_related("settlement__bill").first()
        if payment is None:
            return "nothing to close"
        return f"closed {payments.close_payment(payment)}"
    bill, mode, channel, key, who, with_reference, in_room = args
    settlement = settle_bill(
        SettlementRequest(
            bill_id=bills[bill].pk,
            mode=mode,
            channel=channel,
            reference="SLIP-7" if with_reference else "",
            clinic_id=world["room"].pk if in_room else None,
            idempotency_key=key,
        ),
        actor=world["actors"][who],
    )
    payment = settlement.payment
    return (
        f"S{settlement.pk} {settlement.status} {settlement.total_fen} {settlement.cash_fen} "
        f"{settlement.settled_by!r} {settlement.ebill_due} P{payment.pk} {payment.status} "
        f"{payment.amount_fen} {payment.out_trade_no}"
    )


def _named(text: str, names: dict[int, str]) -> str:
    """Settlement and payment keys and the keys inside order numbers replaced by the order in
    which the settlements were made."""
    text = re.sub(r"S(\d+)", lambda m: names.get(int(m.group(1)), "?"), text)
    text = re.sub(r"P(\d+)", "P", text)
    return re.sub(r"(OT\d{8})(\d{10})", lambda m: m.group(1) + names[int(m.group(2))], text)


def written(world, floor: int) -> dict:
    bills = {bill.pk: index for index, bill in enumerate(world["bills"])}
    made = list(Settlement.objects.filter(pk__gt=floor).order_by("pk").values_list("pk", flat=True))
    names = {pk: f"#{index}" for index, pk in enumerate(made)}
    fields = [f.attname for f in Settlement._meta.concrete_fields if f.attname != "id"]
    settlements = [
        (names[row.pop("id")], bills[row.pop("bill_id")], row)
        for row in Settlement.objects.filter(pk__in=made).order_by("pk").values("id", *fields)
    ]
    payment_fields = [
        f.attname for f in Payment._meta.concrete_fields if f.attname not in ("id", "settlement_id")
    ]
    payments_made = [
        (
            names[row.pop("settlement_id")],
            _named(row.pop("out_trade_no"), names),
            bool(row.pop("cashier_url")),  # the sandbox's signs the order's key
            row,
        )
        for row in Payment.objects.filter(settlement__in=made)
        .order_by("pk")
        .values("settlement_id", *payment_fields)
    ]
    taken = sorted(
        (key, names.get(settlement)) if settlement else (key, None)
        for key, settlement in Charge.objects.filter(bill__in=world["bills"]).values_list(
            "source_key", "settlement_id"
        )
    )
    entries = [
        (
            names[entry.settlement_id],
            entry.memo,
            entry.posted_at,
            list(
                JournalLine.objects.filter(entry=entry)
                .order_by("pk")
                .values_list("account", "debit_fen", "credit_fen")
            ),
        )
        for entry in JournalEntry.objects.filter(settlement__in=made).order_by("pk")
    ]
    keys = [str(pk) for pk in made]
    audit = [
        (names[int(row.object_id)], row.action, _named(row.summary, names), row.changes,
         row.actor_kind,
         row.actor_label, row.actor_user_id, row.actor_account_id, row.institution_id,
         row.patient_id, row.ip, row.channel, row.occurred_at)
        for row in AuditEvent.objects.filter(
            object_type="billing.settlement", object_id__in=keys
        ).order_by("pk")
    ]  # fmt: skip
    events = [
        (names[int(row.subject_id)], row.kind, row.occurred_at, row.patient_id,
         row.institution_id, row.department_id, row.on_site, row.channel,
         {**row.data, "settlement_id": names[row.data["settlement_id"]],
          "bill_id": bills[row.data["bill_id"]]})
        for row in DomainEvent.objects.filter(
            subject_type="billing.settlement", subject_id__in=keys
        ).order_by("pk")
    ]  # fmt: skip
    return {
        "names": names,
        "settlements": settlements,
        "payments": payments_made,
        "charges": taken,
        "journal": entries,
        "audit": audit,
        "events": events,
    }


@settings(
    max_examples=int(os.environ.get("ONETRIP_TWIN_EXAMPLES", "25")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=operations)
def test_the_sql_and_python_twins_settle_every_sequence_alike(world, clock, monkeypatch, steps):
    in_python = run(world, clock, steps, in_database=False, monkeypatch=monkeypatch)
    in_database = run(world, clock, steps, in_database=True, monkeypatch=monkeypatch)
    answers, rows = in_database
    assert answers == in_python[0]
    for kind, written_in_python in in_python[1].items():
        assert (kind, rows[kind]) == (kind, written_in_python)


def test_the_function_decides_a_counter_settlement_in_one_statement(bill, cashier, monkeypatch):
    """The settlement, its payment, journal, audit rows and event are one call; the lines'
    follow-ups (registration, prescription: other apps') follow in Python."""
    calls = []
    real = counter_database.decide
    monkeypatch.setattr(counter_database, "decide", lambda **kw: calls.append(1) or real(**kw))
    settlement = settle_bill(
        SettlementRequest(bill_id=bill.pk, mode="window", channel="cash"), actor=cashier
    )
    assert calls == [1]
    assert (settlement.status, settlement.payment.status) == ("settled", "succeeded")
    assert settlement.payment.settlement is settlement


@pytest.mark.parametrize("channel", ["wechat", "alipay"])
def test_the_function_opens_a_phone_payment_in_one_statement(bill, cashier, monkeypatch, channel):
    """The settlement and its payment are opened, pending, in one call; the provider's order
    follows and its cashier address is kept (D330)."""
    calls = []
    real = counter_database.decide
    monkeypatch.setattr(counter_database, "decide", lambda **kw: calls.append(1) or real(**kw))
    settlement = settle_bill(
        SettlementRequest(bill_id=bill.pk, mode="mobile", channel=channel), actor=cashier
    )
    assert calls == [1]
    payment = Payment.objects.get(settlement=settlement)
    assert (settlement.status, payment.status) == ("pending", "pending")
    assert payment.cashier_url
    assert payment.cashier_url == settlement.payment.cashier_url
