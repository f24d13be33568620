"""A booking that writes nothing beside `scheduling_book` is that one statement in a
transaction of its own, without `BEGIN` and `COMMIT` round trips (D323); when its answer needs
Python's writes beside it, the function raises (D326), PostgreSQL undoes it, and the booking is
made again in one transaction, as before. An app user's booking charges its fee in the call and
goes alone too; a refused fee undoes the booking within the statement. Committed transactions
are what these tests check, so they run outside the test's own transaction, on PostgreSQL."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection

from onetrip.billing.models import Bill, Charge
from onetrip.billing.services import sources as billing_sources
from onetrip.conftest import actor_for
from onetrip.core.errors import DomainError
from onetrip.core.models import AuditEvent
from onetrip.notifications.models import Notification
from onetrip.scheduling.api_keys import client_actor, issue_api_key
from onetrip.scheduling.models import Appointment, SlotPool
from onetrip.scheduling.services import booking
from onetrip.scheduling.tests.helpers import (
    add_doctor_sessions,
    assert_counters_match_bookings,
    first_slot,
    person,
    session_on,
)

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def his(make_staff, tertiary, rf):
    """The tertiary hospital's own system booking at its windows with an API key: no fee."""
    admin = actor_for(make_staff("sysadmin", tertiary))
    client, _key = issue_api_key(tertiary.pk, "HIS", "window", actor=admin)
    return client_actor(client, rf.get("/"))


@pytest.fixture
def sent(monkeypatch):
    """Each statement's SQL and whether it ran in a transaction of its own (autocommit)."""
    seen: list[tuple[str, bool]] = []

    def wrapper(execute, sql, params, many, context):
        seen.append((sql, connection.get_autocommit()))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(wrapper):
        yield seen


def book(actor, patient, slot, channel="window", **request) -> Appointment:
    return booking.book_slot(
        booking.BookingRequest(patient_id=patient.pk, slot_id=slot.pk, channel=channel, **request),
        actor=actor,
    )


def test_a_key_booking_is_one_statement_without_a_transaction_around_it(
    postgres_only, sessions, register, his, sent
):
    patient = person(register, 1)
    slot = first_slot(session_on(sessions, 2))
    sent.clear()

    appointment = book(his, patient, slot)

    [(sql, alone)] = sent
    assert "scheduling_book(" in sql
    assert alone
    stored = Appointment.objects.get()
    assert (stored.pk, stored.status) == (appointment.pk, "booked")
    assert AuditEvent.objects.filter(object_id=str(stored.pk), action="create").exists()
    assert Notification.objects.filter(template="appointment_booked").count() == 1
    assert_counters_match_bookings()


def test_a_refusal_alone_writes_nothing(postgres_only, sessions, register, his, sent):
    patient = person(register, 1)
    slot = first_slot(session_on(sessions, 2))
    book(his, patient, slot)
    sent.clear()

    with pytest.raises(booking.BookingRefused) as refused:
        book(his, patient, slot)

    assert refused.value.code == "already_booked"
    assert [alone for _sql, alone in sent] == [True]
    assert Appointment.objects.count() == 1
    assert_counters_match_bookings()


def test_a_name_the_function_leaves_to_python_is_booked_again_in_one_transaction(
    postgres_only, sessions, register, his, sent
):
    patient = person(register, 2, name="José Li")
    slot = first_slot(session_on(sessions, 2))

    appointment = book(his, patient, slot)

    calls = [alone for sql, alone in sent if "scheduling_book(" in sql]
    assert calls == [True, False]  # undone alone, then made with Python's notice beside it
    assert Appointment.objects.get().pk == appointment.pk
    notice = Notification.objects.get(template="appointment_booked")
    assert notice.params["number"] == appointment.booking_number
    assert_counters_match_bookings()


def test_expired_holds_reclaimed_alone_are_reclaimed_again_with_their_fees_withdrawn(
    postgres_only, sessions, register, clerk, his, clock, sent
):
    slot = first_slot(session_on(sessions, 2))  # two units open at the window
    holds = [book(clerk, person(register, n), slot, hold=True) for n in (1, 2)]
    fees = [booking.registration_key(hold.pk) for hold in holds]
    assert all(billing_sources.charge_state(key) for key in fees)  # the clerk's holds charge it
    clock.advance(dt.timedelta(minutes=15))
    sent.clear()

    appointment = book(his, person(register, 3), slot)

    calls = [alone for sql, alone in sent if "scheduling_book(" in sql]
    assert calls == [True, False]
    assert appointment.status == "booked"
    assert set(
        Appointment.objects.filter(pk__in=[h.pk for h in holds]).values_list("status", flat=True)
    ) == {"expired"}
    assert [billing_sources.charge_state(key) for key in fees] == [None, None]
    assert_counters_match_bookings()


def test_a_staff_booking_keeps_its_transaction_for_the_fee(
    postgres_only, sessions, register, clerk, sent
):
    book(clerk, person(register, 1), first_slot(session_on(sessions, 2)))

    calls = [alone for sql, alone in sent if "scheduling_book(" in sql]
    assert calls == [False]


def test_an_app_users_booking_and_its_fee_are_one_statement_alone(
    postgres_only, sessions, patient_actor, sent
):
    app, patient = patient_actor
    slot = first_slot(session_on(sessions, 7))
    sent.clear()

    appointment = book(app, patient, slot, channel="app")

    [(sql, alone)] = sent
    assert "scheduling_book(" in sql
    assert alone
    fee = billing_sources.charge_state(booking.registration_key(appointment.pk))
    assert (fee.amount_fen, fee.paid, fee.bill.visit_reference) == (
        5000,
        False,
        f"V{appointment.booking_number}",
    )
    assert Notification.objects.filter(template="appointment_booked").count() == 1
    assert_counters_match_bookings()


def test_a_fee_refused_alone_leaves_no_booking_no_unit_taken_and_no_bill(
    postgres_only, sessions, patient_actor, medicine, sent
):
    app, patient = patient_actor
    unpriced = add_doctor_sessions(medicine, name="王医生", weekday=1, fee_fen=700)
    slot = first_slot(unpriced.order_by("date").first())
    counters = list(SlotPool.objects.order_by("pk").values_list("pk", "booked"))
    audit_rows = AuditEvent.objects.count()
    sent.clear()

    with pytest.raises(DomainError) as refused:
        book(app, patient, slot, channel="app")

    assert refused.value.code == "fee_not_priced"
    assert [alone for sql, alone in sent if "scheduling_book(" in sql] == [True]  # not made again
    assert not Appointment.objects.exists()
    assert list(SlotPool.objects.order_by("pk").values_list("pk", "booked")) == counters
    assert not Bill.objects.exists()
    assert not Charge.objects.exists()
    assert AuditEvent.objects.count() == audit_rows
    assert not Notification.objects.filter(template="appointment_booked").exists()
