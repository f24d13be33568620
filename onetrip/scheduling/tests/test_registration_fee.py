"""A booking held for payment (R-APPT-4, issue 4 item 3) with its registration fee on the visit's
bill, paid on the phone (R-PAY-1/2): paying confirms it, an unpaid hold that runs out or is
cancelled takes its fee off the bill, and a fee paid for a booking that ended is refunded."""

import datetime as dt
import re
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from onetrip.billing.models import Charge, SettlementStatus
from onetrip.billing.services import sources as billing_sources
from onetrip.billing.tests.helpers import deliver, provider_pays, settle, wechat_notice
from onetrip.core.errors import DomainError
from onetrip.core.models import AuditEvent
from onetrip.notifications.testing import delivered
from onetrip.scheduling.models import Appointment
from onetrip.scheduling.services import booking_database, disruption
from onetrip.scheduling.services.booking import (
    cancel_appointment,
    confirm_hold,
    registration_fee,
    sweep_expired_holds,
)
from onetrip.scheduling.tests.helpers import (
    first_slot,
    footprint,
    pay_on_phone,
    refused,
    session_on,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def held(sessions, book):
    return book(first_slot(session_on(sessions, 7)), hold=True)


def test_a_held_booking_is_confirmed_by_paying_its_fee(held, patient_actor, clock):
    actor, patient = patient_actor
    fee = registration_fee(held)
    assert (fee.amount_fen, fee.paid) == (5000, False)
    assert fee.bill.visit_reference == f"V{held.booking_number}"
    assert fee.bill.patient_id == patient.pk
    assert refused(lambda: confirm_hold(held.pk, actor=actor)) == "fee_unpaid"

    clock.advance(dt.timedelta(minutes=14))
    settlement = pay_on_phone(held, actor)

    assert settlement.status == SettlementStatus.SETTLED
    held.refresh_from_db()
    assert (held.status, held.held_until) == ("booked", None)
    assert registration_fee(held).paid
    assert delivered().filter(purpose="appointment_booked").count() == 1
    assert confirm_hold(held.pk, actor=actor).status == "booked"  # the "I have paid" tap


def test_a_hold_that_runs_out_unpaid_takes_its_fee_off_the_bill(held, clock):
    bill = registration_fee(held).bill
    clock.advance(dt.timedelta(minutes=15))

    sweep_expired_holds()

    assert Appointment.objects.get(pk=held.pk).status == "expired"
    assert registration_fee(held) is None
    assert not Charge.objects.filter(bill=bill).exists()
    withdrawn = AuditEvent.objects.get(object_type="billing.charge", action="delete")
    assert "expired" in withdrawn.summary


def test_a_fee_paid_after_the_hold_ran_out_is_refunded(
    held, patient_actor, clock, django_capture_on_commit_callbacks
):
    actor, _patient = patient_actor
    settlement = settle(registration_fee(held).bill, actor, channel="wechat", mode="mobile")
    clock.advance(dt.timedelta(minutes=16))
    sweep_expired_holds()  # the unit goes back on sale while the payment is still open

    with django_capture_on_commit_callbacks(execute=True):
        deliver("wechat", wechat_notice(provider_pays(settlement)))

    settlement.refresh_from_db()
    assert settlement.status == SettlementStatus.REFUNDED
    assert settlement.payment.refunded_fen == 5000
    assert Appointment.objects.get(pk=held.pk).status == "expired"


def test_cancelling_a_paid_booking_refunds_its_fee_to_the_phone(
    held, patient_actor, django_capture_on_commit_callbacks
):
    actor, _patient = patient_actor
    settlement = pay_on_phone(held, actor)

    with django_capture_on_commit_callbacks(execute=True):
        cancel_appointment(held.pk, actor=actor)

    settlement.refresh_from_db()
    assert settlement.status == SettlementStatus.REFUNDED
    assert (settlement.payment.channel, settlement.payment.refunded_fen) == ("wechat", 5000)


def test_cancelling_an_unpaid_hold_withdraws_its_fee(held, patient_actor):
    cancel_appointment(held.pk, actor=patient_actor[0])
    assert registration_fee(held) is None


def test_a_stopped_clinic_refunds_a_paid_fee_when_nothing_replaces_the_booking(
    sessions, held, patient_actor, clerk, django_capture_on_commit_callbacks
):
    settlement = pay_on_phone(held, patient_actor[0])
    # The department's only doctor, with no later session to move to: nothing replaces it.
    session = held.session
    sessions.filter(date__gt=session.date).update(status="stopped")

    with django_capture_on_commit_callbacks(execute=True):
        disruption.stop_session(session.pk, "illness", actor=clerk)

    assert Appointment.objects.get(pk=held.pk).status == "clinic_stopped"
    settlement.refresh_from_db()
    assert settlement.status == SettlementStatus.REFUNDED


def test_a_fee_the_catalogue_does_not_price_refuses_the_hold_and_writes_nothing(sessions, book):
    session = session_on(sessions, 7)
    sessions.filter(pk=session.pk).update(fee_fen=1234)
    slot = first_slot(session)

    before = footprint()
    with pytest.raises(DomainError) as refusal:
        book(slot, hold=True)
    assert (refusal.value.status, refusal.value.code) == (409, "fee_not_priced")
    assert footprint() == before
    assert not Charge.objects.exists()


def test_an_app_users_booking_charges_its_fee_in_the_booking_statement(sessions, book):
    """D343: on PostgreSQL the booking call charges the fee through billing's own function: one
    statement writes the booking, the bill, the line and billing's audit row."""
    slot = first_slot(session_on(sessions, 7))

    with CaptureQueriesContext(connection) as queries:
        booked = book(slot)

    if connection.vendor == "postgresql":
        sent = [q["sql"].split("(")[0] for q in queries if "SAVEPOINT" not in q["sql"]]
        assert sent == [
            "SELECT outcome, appointment_id, pool_kind, detail::text FROM scheduling_book"
        ]
    fee = registration_fee(booked)
    assert (fee.amount_fen, fee.paid, fee.bill.visit_reference) == (
        5000,
        False,
        f"V{booked.booking_number}",
    )
    charged = AuditEvent.objects.get(object_type="billing.charge", action="create")
    assert charged.summary == f"charge REG-5000 x1 on V{booked.booking_number}"
    assert charged.actor_kind == "patient"


def test_the_booking_call_writes_billing_rows_only_through_billings_function():
    """D343's boundary, which import-linter cannot see in SQL: scheduling's SQL writes no billing
    table (it calls billing's function), and billing's SQL names nothing of scheduling's, the
    direction the layers contract allows (scheduling above billing)."""
    sql = Path(booking_database.__file__).resolve().parents[1] / "sql"
    billing_sql = Path(billing_sources.__file__).resolve().parents[1] / "sql"

    def code(path: Path) -> str:  # without the comments, which may name the other side
        return re.sub(r"--.*", "", path.read_text())

    booking_call = code(sql / "scheduling_book.sql")
    assert not re.findall(r"(?:INSERT INTO|UPDATE|DELETE FROM)\s+billing_", booking_call)
    assert "billing_charge_registration_fee(" in booking_call
    for path in billing_sql.glob("*.sql"):
        assert "scheduling_" not in code(path), path.name
