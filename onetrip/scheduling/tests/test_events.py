"""The domain events scheduling emits (R-KPI-1, R-KPI-2), through the real services: a booking
that takes effect, a cancellation, check-in, the call with the minutes waited, the consultation."""

import datetime as dt

import pytest
from django.utils import timezone

from onetrip.conftest import NOW, actor_for
from onetrip.core.models import DomainEvent
from onetrip.scheduling.domain_events import waited_minutes
from onetrip.scheduling.services import booking, disruption, queue
from onetrip.scheduling.tests.helpers import (
    add_doctor_sessions,
    book_at,
    first_slot,
    pay_on_phone,
    session_on,
)

pytestmark = pytest.mark.django_db


def events(kind):
    return list(DomainEvent.objects.filter(kind=kind).order_by("id"))


@pytest.fixture
def nurse(make_staff, tertiary):
    return actor_for(make_staff("nurse", tertiary))


def test_an_app_booking_is_an_event_made_away_from_the_hospital(clock, sessions, book):
    session = session_on(sessions, 7)
    slot = first_slot(session)
    appointment = book(slot)
    [event] = events("appointment.booked")
    assert (event.patient_id, event.institution_id, event.department_id) == (
        appointment.patient_id,
        session.institution_id,
        session.department_id,
    )
    assert (event.on_site, event.channel, event.occurred_at) == (False, "app", NOW)
    assert event.data == {
        "booking_id": appointment.pk,
        "session_id": session.pk,
        "doctor_id": session.doctor_id,
        "slot_start": timezone.localtime(slot.starts_at).isoformat(),
        "pool": "shared_online",
        "booking_channel": "app",
        "referral": False,
    }


def test_a_window_booking_is_made_on_site(clock, sessions, clerk, register):
    book_at(clerk, register(), session_on(sessions, 0), "10:00")
    [event] = events("appointment.booked")
    assert (event.on_site, event.channel) == (True, "window")


def test_a_hold_takes_effect_when_confirmed_not_before(clock, sessions, book, patient_actor):
    held = book(first_slot(session_on(sessions, 7)), hold=True)
    assert events("appointment.booked") == []
    pay_on_phone(held, patient_actor[0])
    [event] = events("appointment.booked")
    assert event.data["booking_id"] == held.pk


def test_a_cancellation_names_the_booking_and_why(clock, sessions, book, patient_actor):
    appointment = book(first_slot(session_on(sessions, 7)))
    booking.cancel_appointment(appointment.pk, actor=patient_actor[0])
    [event] = events("appointment.cancelled")
    assert (event.on_site, event.data) == (
        False,
        {"booking_id": appointment.pk, "reason": "patient"},
    )


def test_a_stopped_clinic_cancels_its_effective_bookings(
    clock, sessions, medicine, clerk, register
):
    stopped = session_on(add_doctor_sessions(medicine, name="陈医生", weekday=0), 7)
    appointment = book_at(clerk, register(), stopped, "15:00")
    disruption.stop_session(stopped.pk, "illness", actor=clerk)
    [event] = events("appointment.cancelled")
    assert event.data == {"booking_id": appointment.pk, "reason": "stop_clinic"}


def test_check_in_call_and_consultation_are_on_site_with_the_minutes_waited(
    clock, sessions, clerk, register, nurse, make_staff, tertiary
):
    today = session_on(sessions, 0)
    appointment = book_at(clerk, register(), today, "10:00")
    clock.advance(dt.timedelta(seconds=50))  # checked in at 09:30:50
    queue.check_in(
        booking_number=appointment.booking_number, institution_id=tertiary.pk, actor=nurse
    )
    clock.advance(dt.timedelta(minutes=12, seconds=20))  # called at 09:43:10
    queue.call_next(today.pk, actor=nurse)
    doctor = actor_for(make_staff("doctor", tertiary))
    queue.start_consultation(appointment.pk, actor=doctor)

    [checked_in] = events("visit.checked_in")
    [called] = events("visit.called")
    [started] = events("consultation.started")
    assert all(e.on_site for e in (checked_in, called, started))
    assert checked_in.data == {
        "visit_id": appointment.pk,
        "booking_id": appointment.pk,
        "late": False,
        "walk_in": False,
    }
    assert called.data["waited_minutes"] == 13  # 09:30 → 09:43, to the minute
    assert called.occurred_at == NOW + dt.timedelta(minutes=13, seconds=10)
    assert started.data["consulting_room"] == "内科专家门诊"
    assert started.department_id == today.department_id


def test_a_walk_in_is_booked_and_checked_in_on_site(clock, sessions, clerk, register):
    today = session_on(sessions, 0)
    queue.register_walk_in(register().pk, today.pk, actor=clerk)
    [booked] = events("appointment.booked")
    [checked_in] = events("visit.checked_in")
    assert (booked.on_site, checked_in.data["walk_in"]) == (True, True)


def test_waiting_minutes_count_minutes_as_recorded():
    at = NOW.replace(second=0)
    assert waited_minutes(at + dt.timedelta(seconds=59), at + dt.timedelta(seconds=61)) == 1
    assert waited_minutes(at, at + dt.timedelta(seconds=59)) == 0


def test_the_booking_hot_path_pays_no_more_than_one_insert_for_its_event(clock, sessions, book):
    """Issue 4: the event rides in the booking's transaction as one INSERT and nothing else;
    on PostgreSQL the booking function writes it in the booking's own call (D207)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        book(first_slot(session_on(sessions, 7)))
    touching = [q["sql"] for q in queries if "core_domainevent" in q["sql"]]
    if connection.vendor == "postgresql":
        assert touching == []
    else:
        assert len(touching) == 1
        assert touching[0].startswith('INSERT INTO "core_domainevent"')
    assert len(events("appointment.booked")) == 1
