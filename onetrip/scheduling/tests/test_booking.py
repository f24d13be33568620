"""Booking, holding and cancelling (R-APPT-1/3/4/5) with a frozen clock: real-name patients only,
each refusal with its own code and nothing written, holds that expire, idempotent retries, the
cancellation deadline."""

import datetime as dt

import pytest

from onetrip.conftest import NOW, SHANGHAI, actor_for
from onetrip.consortium import services as consortium
from onetrip.core.actors import SYSTEM, Actor, ActorKind
from onetrip.core.errors import InvalidInput, NotFound, PermissionDenied
from onetrip.core.models import AuditEvent
from onetrip.demo.loader import resident_id_number
from onetrip.identity.models import MobileAccount
from onetrip.identity.services import DocumentInput
from onetrip.notifications.models import ContactPreference
from onetrip.notifications.testing import delivered
from onetrip.scheduling.models import (
    Appointment,
    ClinicSession,
    SchedulingPolicy,
    SlotPool,
)
from onetrip.scheduling.services import availability
from onetrip.scheduling.services.booking import (
    BookingRefused,
    BookingRequest,
    book_slot,
    cancel_appointment,
    confirm_hold,
)
from onetrip.scheduling.tests.helpers import (
    add_doctor_sessions,
    first_slot,
    footprint,
    person,
    refused,
    session_on,
)

pytestmark = pytest.mark.django_db


def pool_of(slot, kind: str) -> SlotPool:
    return SlotPool.objects.get(slot=slot, kind=kind)


# --- booking --------------------------------------------------------------------------------


def test_a_patient_books_a_released_slot(sessions, book, patient_actor):
    slot = first_slot(session_on(sessions, 7))
    appointment = book(slot)
    assert appointment.status == "booked"
    assert appointment.pool.kind == "shared_online"
    assert (appointment.channel, appointment.visit_date) == ("app", dt.date(2026, 11, 30))
    assert appointment.patient_id == patient_actor[1].pk
    assert pool_of(slot, "shared_online").booked == 1
    assert pool_of(slot, "primary_care").booked == 0
    assert len(appointment.booking_number) == 9
    assert AuditEvent.objects.filter(summary="appointment booked via app").count() == 1


def test_the_confirmation_sms_gives_the_booking_number_and_the_visit_window(sessions, book):
    slot = sessions.get(date=dt.date(2026, 11, 30)).slots.order_by("starts_at")[4]  # 08:40
    ContactPreference.objects.create(phone="13812345678", language="en", updated_at=NOW)
    appointment = book(slot)  # the SMS speaks the language the phone's holder chose
    (sms,) = delivered()
    assert (sms.phone, sms.purpose) == ("13812345678", "appointment_booked")
    assert sms.body == (
        "[OneTrip] 张* is booked at 市第一人民医院: 李医生, 2026-11-30, arrive 08:40–08:50. "
        f"Booking number {appointment.booking_number}. "
        f"Details: http://127.0.0.1:8000/p/appointments/{appointment.pk}"
    )


def test_only_patients_the_actor_may_see_can_be_booked(
    sessions, book, patient_actor, make_staff, township
):
    slot = first_slot(session_on(sessions, 7))
    patient = patient_actor[1]
    stranger = MobileAccount.objects.create(phone="13900000000", created_at=NOW)
    strangers_app = Actor(kind=ActorKind.PATIENT, label="139****0000", account_id=stranger.pk)
    other_window = actor_for(make_staff("registration", township))
    before = footprint()
    with pytest.raises(NotFound):
        book(slot, actor=strangers_app)
    with pytest.raises(NotFound):
        book(slot, actor=other_window, channel="window")
    with pytest.raises(NotFound):
        book(slot, patient_id=patient.pk + 1000)
    assert footprint() == before


def test_a_past_time_is_refused(sessions, book):
    today = session_on(sessions, 0)  # 08:00 today; it is 09:30
    assert refused(lambda: book(first_slot(today))) == "past"


def test_a_stopped_session_is_refused(sessions, book):
    session = session_on(sessions, 7)
    ClinicSession.objects.filter(pk=session.pk).update(status="stopped")
    assert refused(lambda: book(first_slot(session))) == "stopped"


def test_a_time_full_for_the_channel_is_refused_though_other_pools_have_room(
    sessions, book, register, clerk
):
    slot = first_slot(session_on(sessions, 8))  # one online unit, one for primary care
    other = person(register, 1)
    taken = book(slot, patient_id=other.pk, channel="window", actor=clerk)
    assert taken.pool.kind == "shared_online"
    assert refused(lambda: book(slot)) == "full"
    assert pool_of(slot, "primary_care").booked == 0


def test_a_day_beyond_the_window_is_not_released(sessions, book):
    slot = first_slot(session_on(sessions, 16))
    assert refused(lambda: book(slot)) == "not_released"


def test_the_fourteenth_day_opens_at_seven(sessions, book, clock):
    slot = first_slot(session_on(sessions, 14))
    clock.set(dt.datetime(2026, 11, 23, 6, 59, 59, tzinfo=SHANGHAI))
    assert refused(lambda: book(slot)) == "not_released"
    clock.set(dt.datetime(2026, 11, 23, 7, 0, tzinfo=SHANGHAI))
    assert book(slot).status == "booked"


def test_patients_book_only_through_their_own_channel(sessions, book, clerk, make_staff, tertiary):
    slot = first_slot(session_on(sessions, 7))
    nurse = actor_for(make_staff("nurse", tertiary))
    before = footprint()
    for channel in ("window", "in_clinic", "primary_care", "phone"):
        with pytest.raises(PermissionDenied):
            book(slot, channel=channel)
    with pytest.raises(PermissionDenied):
        book(slot, channel="window", actor=nurse)
    with pytest.raises(PermissionDenied):  # the primary-care pool is for primary-care staff
        book(slot, channel="primary_care", actor=clerk)
    with pytest.raises(InvalidInput):
        book(slot, channel="fax")
    assert footprint() == before


def test_one_session_is_booked_once(sessions, book):
    session = session_on(sessions, 7)
    book(first_slot(session))
    assert refused(lambda: book(session.slots.order_by("starts_at")[3])) == "already_booked"


def test_one_booking_per_department_per_day(sessions, book, medicine):
    afternoons = add_doctor_sessions(medicine, name="王医生", weekday=0)
    book(first_slot(session_on(sessions, 7)))
    monday_afternoon = afternoons.get(date=dt.date(2026, 11, 30))
    assert refused(lambda: book(first_slot(monday_afternoon))) == "limit_department_day"


def test_the_daily_cap_counts_every_department(sessions, book, tertiary):
    SchedulingPolicy.objects.create(institution=tertiary, rules={"daily_cap": 1})
    surgery = consortium.add_department(tertiary, code="SU", name="外科", actor=SYSTEM)
    afternoons = add_doctor_sessions(surgery, name="赵医生", weekday=0)
    book(first_slot(session_on(sessions, 7)))
    monday_afternoon = afternoons.get(date=dt.date(2026, 11, 30))
    assert refused(lambda: book(first_slot(monday_afternoon))) == "limit_daily"


def test_the_weekly_cap_counts_monday_to_sunday(sessions, book, tertiary, medicine):
    SchedulingPolicy.objects.create(
        institution=tertiary, department=medicine, rules={"weekly_cap": 2}
    )
    book(first_slot(session_on(sessions, 7)))  # Monday 30 November
    book(first_slot(session_on(sessions, 8)))
    assert refused(lambda: book(first_slot(session_on(sessions, 11)))) == "limit_weekly"
    assert book(first_slot(session_on(sessions, 14))).status == "booked"  # the next Monday


# --- holds ----------------------------------------------------------------------------------


def test_an_expired_hold_gives_its_unit_back(sessions, book, patient_actor, register, clerk, clock):
    session = session_on(sessions, 8)
    slot = first_slot(session)
    held = book(slot, hold=True)
    clock.advance(dt.timedelta(minutes=15))
    # Shown free at once, though nothing has reclaimed it yet.
    view = availability.session_slots(session, "app", NOW + dt.timedelta(minutes=15))[0]
    assert (view.remaining, view.pools["shared_online"]) == (1, 1)
    assert pool_of(slot, "shared_online").booked == 1
    with pytest.raises(BookingRefused) as refusal:
        confirm_hold(held.pk, actor=patient_actor[0])
    assert refusal.value.code == "hold_expired"

    other = person(register, 1)
    taken = book(slot, patient_id=other.pk, channel="window", actor=clerk)
    assert taken.pool.kind == "shared_online"
    assert Appointment.objects.get(pk=held.pk).status == "expired"
    assert pool_of(slot, "shared_online").booked == 1


# --- idempotency ----------------------------------------------------------------------------


def test_same_idempotency_key_returns_the_same_booking(sessions, book):
    slot = first_slot(session_on(sessions, 7))
    first = book(slot, idempotency_key="k1")
    again = book(slot, idempotency_key="k1")
    assert again.pk == first.pk
    assert pool_of(slot, "shared_online").booked == 1
    assert Appointment.objects.count() == delivered().count() == 1


def test_a_key_reused_for_another_booking_is_refused(sessions, book):
    session = session_on(sessions, 7)
    book(first_slot(session), idempotency_key="k1")
    before = footprint()
    with pytest.raises(InvalidInput) as refusal:
        book(session.slots.order_by("starts_at")[1], idempotency_key="k1")
    assert refusal.value.status == 409  # a reused key is a conflict (D61)
    (error,) = refusal.value.errors
    assert (error.field, error.code) == ("idempotency_key", "key_reused")
    assert footprint() == before


# --- cancellation ---------------------------------------------------------------------------


def test_cancelling_before_the_deadline_returns_the_unit_to_its_pool(
    sessions, book, patient_actor, clock
):
    session = session_on(sessions, 7)
    slot = first_slot(session)
    appointment = book(slot)
    deadline = dt.datetime(2026, 11, 29, 15, 0, tzinfo=SHANGHAI)  # 15:00 the day before
    clock.set(deadline)
    cancelled = cancel_appointment(appointment.pk, actor=patient_actor[0])
    assert (cancelled.status, cancelled.cancelled_at) == ("cancelled", deadline)
    assert pool_of(slot, "shared_online").booked == 0
    view = availability.session_slots(session, "app", deadline)[0]
    # Both units are open to the app now: the primary-care one has returned (3 days ahead).
    assert (view.remaining, view.pools) == (2, {"shared_online": 1, "primary_care": 1})
    assert AuditEvent.objects.filter(summary="appointment cancelled").count() == 1


def test_after_the_deadline_only_the_window_cancels(
    sessions, book, patient_actor, clerk, make_staff, tertiary, clock
):
    appointment = book(first_slot(session_on(sessions, 7)))
    clock.set(dt.datetime(2026, 11, 29, 15, 0, 1, tzinfo=SHANGHAI))
    with pytest.raises(BookingRefused) as refusal:
        cancel_appointment(appointment.pk, actor=patient_actor[0])
    assert refusal.value.code == "deadline_passed"
    doctor = actor_for(make_staff("doctor", tertiary))
    with pytest.raises(BookingRefused) as refusal:
        cancel_appointment(appointment.pk, actor=doctor)
    assert refusal.value.code == "deadline_passed"
    assert Appointment.objects.get(pk=appointment.pk).status == "booked"
    assert cancel_appointment(appointment.pk, actor=clerk).status == "cancelled"


def test_staff_who_do_not_book_cannot_cancel(sessions, book, make_staff, tertiary):
    appointment = book(first_slot(session_on(sessions, 7)))
    pharmacist = actor_for(make_staff("pharmacist", tertiary))  # may read the patient
    with pytest.raises(PermissionDenied):
        cancel_appointment(appointment.pk, actor=pharmacist)
    assert Appointment.objects.get(pk=appointment.pk).status == "booked"


def test_a_cancelled_primary_care_unit_returns_to_everyone_within_seven_days(
    sessions, book, register, clerk, make_staff, township
):
    township_window = actor_for(make_staff("registration", township))
    township_doctor = actor_for(make_staff("doctor", township))
    document = resident_id_number("330902", dt.date(1958, 6, 1), "female", 10)
    villager = register(
        actor=township_window,
        name="陈芳",
        sex="female",
        birth_date=dt.date(1958, 6, 1),
        documents=[DocumentInput("resident_id", document)],
    )
    slot = first_slot(session_on(sessions, 2))  # Wednesday: within seven days
    request = BookingRequest(patient_id=villager.pk, slot_id=slot.pk, channel="primary_care")
    referral = book_slot(request, actor=township_doctor)
    assert referral.pool.kind == "primary_care"
    other = person(register, 1)
    assert book(slot, patient_id=other.pk, channel="window", actor=clerk).pool.kind == (
        "shared_online"
    )
    cancel_appointment(referral.pk, actor=township_doctor)
    assert pool_of(slot, "primary_care").booked == 0
    assert book(slot).pool.kind == "primary_care"


@pytest.mark.parametrize("claim", [{"priority": 1}, {"walk_in": True}])
def test_only_staff_grant_priority_or_walk_in(sessions, book, claim):
    """R-APPT-6: priority classes are given by staff who saw the proof, not claimed online."""
    before = footprint()
    with pytest.raises(PermissionDenied):
        book(first_slot(session_on(sessions, 7)), **claim)
    assert footprint() == before
