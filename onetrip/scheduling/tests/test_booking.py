"""Booking rules (R-APPT-2/3/4/5) with a frozen clock."""

import datetime as dt

import pytest

from onetrip.scheduling.models import Appointment, SlotPool
from onetrip.scheduling.services.booking import BookingRefused
from onetrip.scheduling.tests.conftest import first_slot, session_on

pytestmark = pytest.mark.django_db


def test_a_patient_books_a_released_slot(sessions, book):
    slot = first_slot(session_on(sessions, 7))
    appointment = book(slot)
    assert appointment.status == "booked"
    assert appointment.pool.kind == "shared_online"
    assert SlotPool.objects.get(pk=appointment.pool_id).booked == 1
    assert len(appointment.booking_number) == 9


def test_a_day_beyond_the_window_is_not_released(sessions, book):
    slot = first_slot(session_on(sessions, 16))
    with pytest.raises(BookingRefused) as refused:
        book(slot)
    assert refused.value.code == "not_released"
    assert Appointment.objects.count() == 0


def test_same_idempotency_key_returns_the_same_booking(sessions, book):
    slot = first_slot(session_on(sessions, 7))
    first = book(slot, idempotency_key="k1")
    again = book(slot, idempotency_key="k1")
    assert again.pk == first.pk
    assert SlotPool.objects.get(pk=first.pool_id).booked == 1


def test_one_booking_per_department_per_day(sessions, book, clock):
    session = session_on(sessions, 7)
    book(first_slot(session))
    with pytest.raises(BookingRefused) as refused:
        book(session.slots.order_by("starts_at")[3])
    assert refused.value.code == "already_booked"
    clock.advance(dt.timedelta(minutes=1))


def test_availability_shows_each_pool_and_next_free_slots(sessions, book, medicine):
    from onetrip.core import clock
    from onetrip.scheduling.services import availability

    session = session_on(sessions, 7)
    slot = first_slot(session)
    book(slot)
    views = availability.session_slots(session, "app", clock.now())
    first = views[0]
    assert first.slot_id == slot.pk
    assert sum(first.pools.values()) == 1  # two units, one taken
    nxt = availability.next_available(department_ids=[medicine.pk], channel="app", now=clock.now())
    assert nxt
    assert all(n.starts_at > clock.now() for n in nxt)
