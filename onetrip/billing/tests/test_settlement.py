"""Settlement modes, counter channels, the journal and bad input (R-PAY-1/2, issue 6 items 2, 7)."""

import datetime as dt

import pytest
from django.db.models import Sum

from onetrip.billing.models import JournalLine, Payment, Settlement
from onetrip.billing.services import journal, payments, settlements
from onetrip.billing.services.settlements import (
    PaymentRefused,
    in_clinic_coverage,
    in_clinic_room_coverage,
)
from onetrip.billing.tests.helpers import settle
from onetrip.conftest import NOW
from onetrip.core.errors import InvalidInput
from onetrip.ebills.models import EBill

pytestmark = pytest.mark.django_db


def assert_every_entry_balances():
    for entry_id in JournalLine.objects.values_list("entry_id", flat=True).distinct():
        sums = JournalLine.objects.filter(entry_id=entry_id).aggregate(
            d=Sum("debit_fen"), c=Sum("credit_fen")
        )
        assert sums["d"] == sums["c"]


@pytest.mark.parametrize(
    ("channel", "reference"), [("cash", ""), ("cheque", "CHQ-0091"), ("bank_card", "POS-778812")]
)
def test_counter_channels_settle_at_once_with_the_mode_recorded(bill, cashier, channel, reference):
    settlement = settle(bill, cashier, channel=channel, mode="window", reference=reference)
    assert settlement.status == "settled"
    assert settlement.mode == "window"
    assert settlement.cash_fen == settlement.total_fen == 21500
    assert settlement.payment.status == "succeeded"
    assert_every_entry_balances()
    assert (
        JournalLine.objects.get(
            account=channel if channel != "bank_card" else "bank_card", credit_fen=0
        ).debit_fen
        == 21500
    )


def test_a_cheque_needs_its_number(bill, cashier):
    with pytest.raises(InvalidInput) as refused:
        settle(bill, cashier, channel="cheque", mode="window")
    assert refused.value.errors[0].code == "reference_required"
    assert not Settlement.objects.exists()


def test_paying_an_already_settled_bill_is_refused(bill, cashier):
    settle(bill, cashier, channel="cash", mode="window")
    with pytest.raises(PaymentRefused) as refused:
        settle(bill, cashier, channel="cash", mode="window")
    assert refused.value.code == "already_settled"
    assert Settlement.objects.count() == 1


def test_a_bill_waiting_for_its_wechat_payment_cannot_be_paid_again(bill, cashier):
    pending = settle(bill, cashier, channel="wechat")
    assert pending.status == "pending"
    assert pending.payment.cashier_url
    with pytest.raises(PaymentRefused) as refused:
        settle(bill, cashier, channel="cash", mode="window")
    assert refused.value.code == "payment_pending"


def test_the_same_idempotency_key_answers_with_the_first_settlement(bill, cashier):
    first = settle(bill, cashier, channel="cash", mode="window", idempotency_key="k-1")
    again = settle(bill, cashier, channel="cash", mode="window", idempotency_key="k-1")
    assert first.pk == again.pk
    assert Payment.objects.count() == 1


@pytest.mark.parametrize(("field", "value"), [("mode", "teleport"), ("channel", "bitcoin")])
def test_unknown_modes_and_channels_are_field_errors(bill, cashier, field, value):
    extra = {"mode": "window", "channel": "cash", field: value}
    with pytest.raises(InvalidInput) as refused:
        settle(bill, cashier, **extra)
    assert refused.value.errors[0].field == field


def test_an_unbalanced_posting_is_never_written(bill, cashier):
    settlement = settle(bill, cashier, channel="cash", mode="window")
    before = JournalLine.objects.count()
    with pytest.raises(journal.UnbalancedEntry):
        journal.post(settlement, "broken", [("cash", 100, 0), ("revenue", 0, 99)])
    assert JournalLine.objects.count() == before


def test_in_clinic_coverage_is_the_share_of_outpatient_settlements_made_in_clinic(
    bill, cashier, catalogue, patient, tertiary, clock
):
    from onetrip.billing.services import charges

    settle(bill, cashier, channel="cash", mode="in_clinic")
    other = charges.create_charge(
        charges.ChargeRequest(
            patient_id=patient.pk,
            institution_id=tertiary.pk,
            visit_reference="MZ2",
            item_code="REG01",
            quantity=1,
            source="registration",
            source_key="reg-2",
        ),
        actor=cashier,
    ).bill
    settle(other, cashier, channel="cash", mode="kiosk")
    day = dt.timedelta(days=1)
    assert in_clinic_coverage(institution_id=tertiary.pk, since=NOW - day, until=NOW + day) == 0.5


def test_in_clinic_room_coverage_counts_rooms_that_settled_in_the_room(
    bill, cashier, tertiary, clock
):
    from onetrip.consortium.models import Clinic, Department

    medicine = Department.objects.create(institution=tertiary, code="IM", name="内科")
    rooms = [
        Clinic.objects.create(department=medicine, name=f"诊室{n}", kind="general")
        for n in range(4)
    ]
    settle(bill, cashier, channel="cash", mode="in_clinic", clinic_id=rooms[0].pk)
    day = dt.timedelta(days=1)
    coverage = in_clinic_room_coverage(institution_id=tertiary.pk, since=NOW - day, until=NOW + day)
    assert coverage == 0.25


def test_a_cash_settlement_and_its_e_bill_cost_a_bounded_number_of_round_trips(
    bill, cashier, django_assert_max_num_queries, django_capture_on_commit_callbacks
):
    """Issue 14 (D229–D232, D245): every statement is a round trip the cashier waits for; a read
    of what the request already holds coming back shows here first. 15: the settlement and the
    follow-ups of the registration and prescription lines; the e-bill is the worker's (9: the
    claim, the identity document, the institution lock, the earlier e-bill, the number, the
    fiscal record, the e-bill, its audit row, `ebill_id`; and two savepoints' four)."""
    with django_assert_max_num_queries(15), django_capture_on_commit_callbacks(execute=True):
        settlement = settle(bill, cashier, channel="cash", mode="window", idempotency_key="k-1")
    assert settlement.status == "settled"
    assert settlement.payment.status == "succeeded"
    settlement.refresh_from_db()
    assert (settlement.ebill_id, settlement.ebill_due) == ("", True)
    with django_assert_max_num_queries(14):
        assert settlements.issue_due_ebills(batch=1).issued == 1
    settlement.refresh_from_db()
    assert settlement.ebill_id
    assert not settlement.ebill_due
    ebill = EBill.objects.get(pk=settlement.ebill_id)
    assert ebill.issuer == settlement.settled_by == cashier.label
    assert_every_entry_balances()


def test_the_ebill_worker_issues_each_due_ebill_once_and_keeps_a_failed_one_due(
    bill, cashier, monkeypatch
):
    """D245: the settlement is the queue; a failure rolls its e-bill back and leaves it due."""
    settlement = settle(bill, cashier, channel="cash", mode="window")
    calls = []

    def refuse(*args, **kwargs):
        calls.append(args)
        raise RuntimeError("fiscal platform down")

    monkeypatch.setattr(settlements.seams, "issue_ebill", refuse)
    done = settlements.issue_due_ebills()
    assert (done.issued, done.failed, len(calls)) == (0, (settlement.pk,), 1)
    assert not EBill.objects.exists()
    assert settlements.issue_due_ebills(skip=frozenset({settlement.pk})).failed == ()
    monkeypatch.undo()
    assert settlements.issue_due_ebills().issued == 1
    assert settlements.issue_due_ebills().issued == 0
    settlement.refresh_from_db()
    assert EBill.objects.get().pk == int(settlement.ebill_id)


def test_a_refund_before_the_worker_issues_the_ebill_then_red_letters_it(
    bill, cashier, django_capture_on_commit_callbacks
):
    settlement = settle(bill, cashier, channel="cash", mode="window")
    with django_capture_on_commit_callbacks(execute=True):
        payments.refund(settlement_id=settlement.pk, amount_fen=100, reason="退费", actor=cashier)
    settlement.refresh_from_db()
    assert settlement.ebill_id
    assert not settlement.ebill_due
    normal, red = EBill.objects.order_by("pk")
    assert (normal.kind, red.kind, red.original_id) == ("normal", "red_letter", normal.pk)
    assert settlements.issue_due_ebills().issued == 0  # nothing unreversed follows
