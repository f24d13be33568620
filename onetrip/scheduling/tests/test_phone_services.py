"""The services behind the phone's journeys (issue 15): every fee booking on the bill, 改约 with
the fee following, the age rules, check-in on the phone after a face check, the place in the
queue, the day-before reminder and the cancellation message."""

import datetime as dt

import pytest

from onetrip.billing.models import Charge
from onetrip.conftest import actor_for
from onetrip.consortium.models import Department
from onetrip.core.errors import DomainError
from onetrip.demo.loader import resident_id_number
from onetrip.identity import services as identity
from onetrip.identity.face_sandbox import film
from onetrip.notifications.testing import delivered
from onetrip.scheduling.models import Appointment, AppointmentStatus, SlotPool
from onetrip.scheduling.services import booking, queue
from onetrip.scheduling.services.booking import BookingRequest, book_slot
from onetrip.scheduling.tests.helpers import (
    book_at,
    first_slot,
    pay_on_phone,
    person,
    refused,
    session_on,
)

pytestmark = pytest.mark.django_db


def face_needed(attempt) -> bool:
    with pytest.raises(DomainError) as refusal:
        attempt()
    return refusal.value.code == "face_check_needed"


def app_booking(actor, patient, slot, **request):
    return book_slot(
        BookingRequest(patient_id=patient.pk, slot_id=slot.pk, channel="app", **request),
        actor=actor,
    )


def test_a_window_booking_puts_the_fee_on_the_visits_bill(sessions, clerk, register, clock):
    patient = person(register, 1)
    appointment = book_at(clerk, patient, session_on(sessions, 1), "08:30")
    fee = booking.registration_fee(appointment)
    assert (fee.amount_fen, fee.paid) == (5000, False)
    assert fee.bill.visit_reference == f"V{appointment.booking_number}"


def test_a_booking_paid_later_is_booked_and_its_fee_waits(sessions, patient_actor, clock):
    actor, patient = patient_actor
    appointment = app_booking(actor, patient, first_slot(session_on(sessions, 2)))
    assert appointment.status == AppointmentStatus.BOOKED
    assert not booking.registration_fee(appointment).paid


def test_rescheduling_moves_the_booking_and_the_paid_fee_goes_with_it(
    sessions, patient_actor, clock
):
    actor, patient = patient_actor
    old = app_booking(actor, patient, first_slot(session_on(sessions, 2)), hold=True)
    pay_on_phone(old, actor)
    target = session_on(sessions, 3).slots.order_by("starts_at")[2]

    moved = booking.reschedule_appointment(old.pk, target.pk, actor=actor)

    old.refresh_from_db()
    assert old.status == AppointmentStatus.CANCELLED
    assert (moved.status, moved.slot_id, moved.replaces_id) == ("booked", target.pk, old.pk)
    assert booking.registration_fee(moved).paid
    assert Charge.objects.count() == 1  # charged once, refunded never
    assert SlotPool.objects.get(slot=old.slot, kind=old.pool.kind).booked == 0
    again = booking.reschedule_appointment(
        moved.pk, session_on(sessions, 4).slots.order_by("starts_at")[1].pk, actor=actor
    )
    assert booking.registration_fee(again).paid  # the fee follows a second move too


def test_an_unpaid_fee_paid_after_a_move_confirms_nothing_and_refunds_nothing(
    sessions, patient_actor, clock
):
    actor, patient = patient_actor
    old = app_booking(actor, patient, first_slot(session_on(sessions, 2)))
    moved = booking.reschedule_appointment(
        old.pk, session_on(sessions, 3).slots.order_by("starts_at")[2].pk, actor=actor
    )
    settlement = pay_on_phone(moved, actor)
    settlement.refresh_from_db()
    assert settlement.status == "settled"  # not refunded: the moved booking carries the fee
    moved.refresh_from_db()
    assert moved.status == AppointmentStatus.BOOKED


def test_a_move_after_the_deadline_or_to_another_department_is_refused(
    sessions, patient_actor, clock, medicine
):
    actor, patient = patient_actor
    tomorrow = app_booking(actor, patient, first_slot(session_on(sessions, 1)))
    clock.advance(dt.timedelta(hours=6))  # 15:30, after the deadline
    target = session_on(sessions, 3).slots.order_by("starts_at")[2]
    assert refused(lambda: booking.reschedule_appointment(tomorrow.pk, target.pk, actor=actor)) == (
        "deadline_passed"
    )
    tomorrow.refresh_from_db()
    assert tomorrow.status == AppointmentStatus.BOOKED


def test_a_six_year_old_is_refused_by_adult_cardiology(sessions, clerk, register, medicine, clock):
    Department.objects.filter(pk=medicine.pk).update(min_age_years=14)  # adults only
    child = register(
        name="张小明",
        birth_date=dt.date(2020, 5, 1),
        documents=[
            identity.DocumentInput(
                "resident_id", resident_id_number("110101", dt.date(2020, 5, 1), "male", 7)
            )
        ],
    )
    with pytest.raises(booking.BookingRefused) as caught:
        book_at(clerk, child, session_on(sessions, 2), "08:30")
    assert caught.value.code == "age_rule"
    assert "6" in str(caught.value.message)
    assert not Appointment.objects.exists()


def test_phone_check_in_needs_a_face_check_the_same_day(sessions, patient_actor, clerk, clock):
    actor, patient = patient_actor
    mine = book_at(clerk, patient, session_on(sessions, 0), "09:50")
    assert face_needed(lambda: queue.check_in_on_phone(mine.pk, actor=actor))

    url = identity.start_face_check(patient.pk, purpose="check_in", redirect_url="/p/", actor=actor)
    token = url.rstrip("/").rsplit("/", 1)[-1]
    film(token, same_person=False)
    assert identity.finish_face_check(token, actor=actor).status == "failed"
    assert face_needed(lambda: queue.check_in_on_phone(mine.pk, actor=actor))

    url = identity.start_face_check(patient.pk, purpose="check_in", redirect_url="/p/", actor=actor)
    token = url.rstrip("/").rsplit("/", 1)[-1]
    film(token, same_person=True)
    assert identity.finish_face_check(token, actor=actor).status == "passed"
    assert queue.check_in_on_phone(mine.pk, actor=actor).status == AppointmentStatus.CHECKED_IN


def test_the_place_in_the_queue_moves_as_the_desk_calls(
    sessions, patient_actor, clerk, register, make_staff, tertiary, clock, settings
):
    settings.ONETRIP_FACE_CHECK_ON_PHONE_CHECK_IN = False
    actor, patient = patient_actor
    today = session_on(sessions, 0)
    first = book_at(clerk, person(register, 1), today, "09:40")
    mine = book_at(clerk, patient, today, "09:50")
    queue.check_in(booking_number=first.booking_number, institution_id=tertiary.pk, actor=clerk)
    queue.check_in_on_phone(mine.pk, actor=actor)

    place = queue.queue_place(Appointment.objects.get(pk=mine.pk))
    assert (place.number, place.ahead, place.expected_wait_minutes) == (2, 1, 5)  # 10 min / 2
    nurse = actor_for(make_staff("nurse", tertiary))
    queue.call_next(today.pk, actor=nurse)
    place = queue.queue_place(Appointment.objects.get(pk=mine.pk))
    assert (place.ahead, place.now_calling) == (0, 1)


def test_the_day_before_reminder_is_queued_once_per_booking(sessions, patient_actor, clock):
    actor, patient = patient_actor
    appointment = app_booking(actor, patient, first_slot(session_on(sessions, 1)))
    day = appointment.visit_date
    assert booking.send_day_before_reminders(day=day) == 1
    assert booking.send_day_before_reminders(day=day) == 1  # queued again: the outbox dedupes
    (reminder,) = delivered().filter(purpose="appointment_reminder")
    assert "/p/appointments/" in reminder.body
    assert reminder.body.count("http") == 1


def test_cancelling_a_paid_booking_says_the_fee_goes_back(sessions, patient_actor, clock):
    actor, patient = patient_actor
    appointment = app_booking(actor, patient, first_slot(session_on(sessions, 3)), hold=True)
    pay_on_phone(appointment, actor)
    booking.cancel_appointment(appointment.pk, actor=actor)
    (message,) = delivered().filter(purpose="appointment_cancelled")
    assert "50.00" in message.body
    assert "退" in message.body


def test_a_patient_cannot_check_in_someone_elses_booking(sessions, patient_actor, clerk, register):
    actor, _patient = patient_actor
    stranger = book_at(clerk, person(register, 2), session_on(sessions, 0), "09:50")
    with pytest.raises(DomainError) as caught:
        queue.check_in_on_phone(stranger.pk, actor=actor)
    assert caught.value.status == 404
