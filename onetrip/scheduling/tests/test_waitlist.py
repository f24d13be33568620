"""候补 waitlist (R-APPT-5): patients wait for a session full for their channel, one wait each;
a cancellation books the first in line automatically and tells them by SMS; someone whose own
limits forbid the booking is passed over and keeps their place."""

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import translation

from onetrip.notifications.testing import delivered
from onetrip.scheduling.models import ClinicSession, WaitlistEntry
from onetrip.scheduling.services.booking import cancel_appointment
from onetrip.scheduling.services.waitlist import join_waitlist, leave_waitlist
from onetrip.scheduling.tests.helpers import (
    add_doctor_sessions,
    first_slot,
    person,
    refused,
    session_on,
    sign_in_patient,
)

pytestmark = pytest.mark.django_db

TUESDAY = dt.date(2026, 12, 1)  # its primary-care units return on 24 November


@pytest.fixture
def small_session(clock, medicine) -> ClinicSession:
    """Tuesday 1 December 14:00–14:20, two slots for one patient each: one unit for primary
    care (not yet open to anyone else), one online."""
    sessions = add_doctor_sessions(
        medicine,
        name="王医生",
        weekday=1,
        start_time=dt.time(14, 0),
        end_time=dt.time(14, 20),
        capacity_per_slot=1,
    )
    return sessions.get(date=TUESDAY)


def online_slot(session: ClinicSession):
    return session.slots.get(pools__kind="shared_online")


def test_only_a_session_full_for_the_channel_can_be_waited_for(
    small_session, book, patient_actor, register, clerk
):
    actor, patient = patient_actor
    assert (
        refused(lambda: join_waitlist(patient.pk, small_session.pk, channel="app", actor=actor))
        == "not_full"
    )
    book(online_slot(small_session))  # the primary-care unit is left, not open to the window
    waiting = person(register, 1)
    entry = join_waitlist(waiting.pk, small_session.pk, channel="window", actor=clerk)
    assert (entry.status, entry.channel, entry.session_id) == (
        "waiting",
        "window",
        small_session.pk,
    )
    assert WaitlistEntry.objects.count() == 1


def test_an_expired_hold_leaves_the_session_open_to_book_not_to_wait(
    small_session, book, register, clerk, clock
):
    book(online_slot(small_session), hold=True)
    clock.advance(dt.timedelta(minutes=15))
    waiting = person(register, 1)
    assert (
        refused(lambda: join_waitlist(waiting.pk, small_session.pk, channel="window", actor=clerk))
        == "not_full"
    )


def test_one_wait_per_patient(small_session, sessions, book, register, clerk):
    book(online_slot(small_session))
    waiting = person(register, 1)
    join_waitlist(waiting.pk, small_session.pk, channel="window", actor=clerk)
    assert (
        refused(lambda: join_waitlist(waiting.pk, small_session.pk, channel="window", actor=clerk))
        == "already_waiting"
    )
    assert WaitlistEntry.objects.count() == 1


def test_a_stopped_or_finished_session_cannot_be_waited_for(
    small_session, book, register, clerk, clock
):
    book(online_slot(small_session))
    waiting = person(register, 1)

    def join():
        return join_waitlist(waiting.pk, small_session.pk, channel="window", actor=clerk)

    clock.set(small_session.ends_at)
    assert refused(join) == "closed"
    clock.set(small_session.starts_at)
    ClinicSession.objects.filter(pk=small_session.pk).update(status="stopped")
    assert refused(join) == "closed"
    assert not WaitlistEntry.objects.exists()


def test_a_cancellation_books_the_first_in_line_and_tells_them(
    small_session, book, patient_actor, register, clerk
):
    appointment = book(online_slot(small_session))
    first = person(register, 1)
    second = person(register, 2)
    first_entry = join_waitlist(first.pk, small_session.pk, channel="window", actor=clerk)
    join_waitlist(second.pk, small_session.pk, channel="window", actor=clerk)
    delivered().delete()

    with translation.override("en"):
        cancel_appointment(appointment.pk, actor=patient_actor[0])

    first_entry.refresh_from_db()
    assert first_entry.status == "booked"
    booked = first_entry.appointment
    assert (booked.patient_id, booked.slot_id, booked.status) == (
        first.pk,
        appointment.slot_id,
        "booked",
    )
    assert booked.pool_id == appointment.pool_id
    assert WaitlistEntry.objects.get(patient=second).status == "waiting"
    sms = delivered(purpose="appointment_booked").get()  # the freed time's confirmation
    assert sms.phone == first.phone
    assert delivered(purpose="appointment_cancelled").get().phone == patient_actor[1].phone
    assert "2026-12-01" in sms.body
    assert "14:10–14:20" in sms.body


def test_someone_whose_limits_forbid_it_is_passed_over_and_keeps_their_place(
    small_session, sessions, book, patient_actor, register, clerk
):
    appointment = book(online_slot(small_session))
    first = person(register, 1)
    second = person(register, 2)
    first_entry = join_waitlist(first.pk, small_session.pk, channel="window", actor=clerk)
    second_entry = join_waitlist(second.pk, small_session.pk, channel="window", actor=clerk)
    # The first in line has since booked the same department's morning that Tuesday.
    book(first_slot(session_on(sessions, 8)), patient_id=first.pk, channel="window", actor=clerk)

    cancel_appointment(appointment.pk, actor=patient_actor[0])

    first_entry.refresh_from_db()
    second_entry.refresh_from_db()
    assert (first_entry.status, first_entry.appointment) == ("waiting", None)
    assert second_entry.status == "booked"
    assert second_entry.appointment.slot_id == appointment.slot_id


def test_leaving_the_waitlist(small_session, book, patient_actor, register, clerk):
    appointment = book(online_slot(small_session))
    waiting = person(register, 1)
    entry = join_waitlist(waiting.pk, small_session.pk, channel="window", actor=clerk)
    assert leave_waitlist(entry.pk, actor=clerk).status == "cancelled"
    cancel_appointment(appointment.pk, actor=patient_actor[0])
    entry.refresh_from_db()
    assert (entry.status, entry.appointment) == ("cancelled", None)


def test_the_sweep_gives_an_expired_hold_to_the_first_in_line(
    small_session, book, register, clerk, clock
):
    held = book(online_slot(small_session), hold=True)
    waiting = person(register, 1)
    entry = join_waitlist(waiting.pk, small_session.pk, channel="window", actor=clerk)
    clock.advance(dt.timedelta(minutes=15))

    call_command("sweep_holds", stdout=StringIO())

    held.refresh_from_db()
    entry.refresh_from_db()
    assert held.status == "expired"
    assert entry.status == "booked"
    assert (entry.appointment.slot_id, entry.appointment.status) == (held.slot_id, "booked")


def test_the_waitlist_page_asks_who_is_waiting_and_hides_others_patients(
    client, sessions, patient_actor, register
):
    actor, _patient = patient_actor
    session = sessions[1]
    sign_in_patient(client, actor.account_id)
    url = f"/p/book/sessions/{session.pk}/waitlist"
    nobody_chosen = client.post(url, {})
    assert (nobody_chosen.status_code, nobody_chosen.url) == (
        302,
        f"/p/book/sessions/{session.pk}/",
    )
    # Another person's record: the same 404 as a record that does not exist (D107).
    stranger = person(register, 7)
    assert client.post(url, {"patient": stranger.pk}).status_code == 404
    assert not WaitlistEntry.objects.exists()
