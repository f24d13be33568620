"""Correctness under load (R-APPT-3/4/5): clients booking and cancelling at the same moment never
overbook, never lose a booking and never double-book a patient, and a refusal is always a clear
refusal, never a database error. Needs a real server with row locks: PostgreSQL."""

import datetime as dt
from collections import Counter

import pytest

from onetrip.conftest import NOW, race
from onetrip.notifications.testing import delivered
from onetrip.scheduling.models import ACTIVE_STATUSES, Appointment, SlotPool
from onetrip.scheduling.policy import DEFAULT_POLICY
from onetrip.scheduling.quotas import open_pools
from onetrip.scheduling.services.booking import BookingRequest, book_slot, cancel_appointment
from onetrip.scheduling.services.disruption import stop_session
from onetrip.scheduling.tests.helpers import (
    add_doctor_sessions,
    assert_counters_match_bookings,
    first_slot,
    person,
    session_on,
)

pytestmark = pytest.mark.django_db(transaction=True)


def at_window(clerk, patient_id: int, slot_id: int, **request):
    def attempt() -> int:
        booking = BookingRequest(
            patient_id=patient_id, slot_id=slot_id, channel="window", **request
        )
        return book_slot(booking, actor=clerk).pk

    return attempt


def test_many_patients_racing_for_one_time_get_exactly_its_open_units(
    postgres_only, sessions, register, clerk
):
    slot = first_slot(session_on(sessions, 2))  # within 3 days: the primary-care unit is open too
    kinds = open_pools("window", slot.session.date, NOW, DEFAULT_POLICY)
    open_units = sum(
        SlotPool.objects.filter(slot=slot, kind__in=kinds).values_list("capacity", flat=True)
    )
    assert open_units == 2
    patients = [person(register, number) for number in range(1, 41)]

    outcomes = race([at_window(clerk, patient.pk, slot.pk) for patient in patients])

    booked = [outcome for outcome in outcomes if isinstance(outcome, int)]
    assert len(booked) == open_units
    assert Counter(o for o in outcomes if not isinstance(o, int)) == {"full": 40 - open_units}
    assert Appointment.objects.filter(slot=slot, status__in=ACTIVE_STATUSES).count() == open_units
    assert delivered().count() == open_units
    assert_counters_match_bookings()


def test_one_patient_firing_bookings_for_one_department_day_gets_one(
    postgres_only, sessions, medicine, register, clerk
):
    monday = session_on(sessions, 7)
    afternoon = add_doctor_sessions(medicine, name="王医生", weekday=0).get(date=monday.date)
    slots = [*monday.slots.order_by("starts_at")[:4], *afternoon.slots.order_by("starts_at")[:4]]
    patient = person(register, 1)

    outcomes = race([at_window(clerk, patient.pk, slot.pk) for slot in slots])

    booked = [outcome for outcome in outcomes if isinstance(outcome, int)]
    assert len(booked) == 1
    refusals = {outcome for outcome in outcomes if not isinstance(outcome, int)}
    assert refusals <= {"already_booked", "limit_department_day"}
    assert Appointment.objects.filter(patient=patient).count() == 1
    assert_counters_match_bookings()


def test_retries_with_one_idempotency_key_make_one_booking(postgres_only, sessions, patient_actor):
    actor, patient = patient_actor
    slot = first_slot(session_on(sessions, 7))
    request = BookingRequest(
        patient_id=patient.pk, slot_id=slot.pk, channel="app", idempotency_key="tap-1"
    )

    outcomes = race([lambda: book_slot(request, actor=actor).pk] * 8)

    (appointment,) = Appointment.objects.all()
    assert outcomes == [appointment.pk] * 8
    assert delivered().count() == 1
    assert_counters_match_bookings()


def test_cancelling_while_others_book_keeps_every_counter_true(
    postgres_only, sessions, register, clerk
):
    slot = first_slot(session_on(sessions, 2))  # two units open at the window
    holders = [person(register, number) for number in (1, 2)]
    held = [at_window(clerk, patient.pk, slot.pk)() for patient in holders]
    others = [person(register, number) for number in range(3, 13)]

    def cancel(appointment_id: int):
        return lambda: cancel_appointment(appointment_id, actor=clerk).status

    outcomes = race([cancel(pk) for pk in held] + [at_window(clerk, p.pk, slot.pk) for p in others])

    assert outcomes[:2] == ["cancelled", "cancelled"]
    booked = [outcome for outcome in outcomes[2:] if isinstance(outcome, int)]
    assert set(outcomes[2:]) - set(booked) <= {"full"}
    assert len(booked) <= 2
    live = Appointment.objects.filter(slot=slot, status__in=ACTIVE_STATUSES)
    assert sorted(live.values_list("pk", flat=True)) == sorted(booked)
    assert_counters_match_bookings()


def test_expired_holds_reclaimed_by_racing_bookers_are_given_back_once(
    postgres_only, sessions, register, clerk, clock
):
    slot = first_slot(session_on(sessions, 2))
    holds = [at_window(clerk, person(register, n).pk, slot.pk, hold=True)() for n in (1, 2)]
    others = [person(register, number) for number in range(3, 13)]
    clock.advance(dt.timedelta(minutes=15))

    outcomes = race([at_window(clerk, p.pk, slot.pk) for p in others])

    assert len([outcome for outcome in outcomes if isinstance(outcome, int)]) == 2
    assert outcomes.count("full") == 8
    assert set(Appointment.objects.filter(pk__in=holds).values_list("status", flat=True)) == {
        "expired"
    }
    assert_counters_match_bookings()


def test_a_booking_racing_a_stop_clinic_is_either_refused_or_stopped_and_told(
    postgres_only, sessions, register, clerk
):
    """R-APPT-5: nobody ends up booked into a stopped session without a notice."""
    session = session_on(sessions, 2)
    slots = list(session.slots.order_by("starts_at")[:6])
    patients = [person(register, number) for number in range(1, 7)]
    bookings = [at_window(clerk, p.pk, s.pk) for p, s in zip(patients, slots, strict=True)]

    def stop():
        stop_session(session.pk, "医生临时外出会诊", actor=clerk)
        return "stopped-it"

    outcomes = race([*bookings, stop])

    assert outcomes[-1] == "stopped-it"
    assert set(outcomes[:-1]) <= {*(o for o in outcomes[:-1] if isinstance(o, int)), "stopped"}
    live = Appointment.objects.filter(session=session, status__in=ACTIVE_STATUSES)
    assert not live.exists()
    for appointment_id in (o for o in outcomes if isinstance(o, int)):
        stopped = Appointment.objects.get(pk=appointment_id)
        assert stopped.status == "clinic_stopped"
        assert (
            delivered().filter(phone=stopped.patient.phone, purpose__startswith="clinic").exists()
        )


def test_a_mixed_rush_of_bookings_and_holds_on_few_times_never_overbooks(
    postgres_only, sessions, register, clerk
):
    """The release rush in miniature, through the one-statement booking (D180): thirty
    patients book or hold (every other one) at the window on three times at once."""
    slots = list(session_on(sessions, 2).slots.order_by("starts_at")[:3])
    patients = [person(register, number) for number in range(1, 31)]
    attempts = [
        at_window(clerk, patient.pk, slots[n % 3].pk, hold=n % 2 == 0)
        for n, patient in enumerate(patients)
    ]

    outcomes = race(attempts)

    booked = [outcome for outcome in outcomes if isinstance(outcome, int)]
    assert set(outcomes) - set(booked) <= {"full"}
    for slot in slots:
        live = Appointment.objects.filter(slot=slot, status__in=ACTIVE_STATUSES).count()
        assert live == sum(SlotPool.objects.filter(slot=slot).values_list("booked", flat=True))
        assert live <= sum(SlotPool.objects.filter(slot=slot).values_list("capacity", flat=True))
    assert len(booked) == Appointment.objects.filter(status__in=ACTIVE_STATUSES).count()
    assert_counters_match_bookings()
