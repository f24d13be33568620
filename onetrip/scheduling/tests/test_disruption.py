"""Stop-clinic and substitution (R-APPT-5) with a frozen clock: every affected patient is texted
in the same transaction and held a rebooking offer before ordinary bookers (a same-level doctor's
time that day, else the same doctor's next time), accepted with one tap or declined for a refund;
a substitute doctor keeps every booking."""

import datetime as dt

import pytest
from django.db.models import Sum

from onetrip.conftest import NOW, actor_for
from onetrip.consortium import services as consortium
from onetrip.consortium.models import DoctorTitle
from onetrip.core.actors import SYSTEM
from onetrip.core.errors import DomainError, InvalidInput, NotFound, PermissionDenied
from onetrip.core.models import AuditEvent
from onetrip.notifications.testing import delivered
from onetrip.scheduling.models import Appointment, SlotPool, WaitlistEntry
from onetrip.scheduling.services import disruption, waitlist
from onetrip.scheduling.services.booking import BookingRefused
from onetrip.scheduling.tests.helpers import add_doctor_sessions, at, book_at, person, session_on

pytestmark = pytest.mark.django_db

MONDAY = 7  # days ahead: Monday 2026-11-30, released for booking, cancellation still open


@pytest.fixture
def absent(sessions, medicine):
    """Doctor A (attending) has Monday afternoon sessions, 14:00–16:00; A's is the session to
    stop. (The fixture's chief physician works Monday mornings in the same department.)"""
    return add_doctor_sessions(medicine, name="陈医生", weekday=0)


@pytest.fixture
def stopped(absent):
    return session_on(absent, MONDAY)


@pytest.fixture
def patients(register, patient_actor):
    """The patient with a mobile account, and a second patient."""
    return patient_actor[1], person(register, 2)


def stopped_sms():
    return list(delivered().filter(purpose="clinic_stopped").order_by("phone"))


def booked_units(session) -> int:
    return SlotPool.objects.filter(slot__session=session).aggregate(n=Sum("booked"))["n"]


def test_stopping_a_session_stops_its_bookings_and_texts_each_patient(
    clock, stopped, patients, clerk
):
    first, second = patients
    a1 = book_at(clerk, first, stopped, "15:00")
    a2 = book_at(clerk, second, stopped, "14:30")
    units = booked_units(stopped)

    disruption.stop_session(stopped.pk, " 医生外出 会诊 ", actor=clerk)

    stopped.refresh_from_db()
    assert (stopped.status, stopped.stop_reason) == ("stopped", "医生外出 会诊")
    assert {a.status for a in Appointment.objects.filter(pk__in=[a1.pk, a2.pk])} == {
        "clinic_stopped"
    }
    assert booked_units(stopped) == units  # the closed session's units are not put on sale
    messages = stopped_sms()
    assert [m.phone for m in messages] == sorted([first.phone, second.phone])
    assert all("陈医生" in m.body and "2026-11-30" in m.body for m in messages)
    assert AuditEvent.objects.filter(
        object_id=str(stopped.pk), summary="clinic session stopped; 2 patients affected"
    ).exists()


def test_each_patient_is_held_the_same_level_doctors_time_nearest_theirs(
    clock, absent, stopped, patients, clerk, medicine
):
    colleague = add_doctor_sessions(medicine, name="周医生", weekday=0)  # attending too
    first, second = patients
    a1 = book_at(clerk, first, stopped, "15:00")
    a2 = book_at(clerk, second, stopped, "14:30")

    disruption.stop_session(stopped.pk, "illness", actor=clerk)

    same_level = session_on(colleague, MONDAY)
    for original, time in ((a1, "15:00"), (a2, "14:30")):
        offer = Appointment.objects.get(replaces=original)
        assert (offer.status, offer.session_id, offer.channel) == ("held", same_level.pk, "window")
        assert offer.slot.starts_at == at(time, MONDAY)
        assert offer.held_until == NOW + disruption.OFFER_HOLD
    sms = delivered().get(purpose="clinic_stopped", phone=first.phone)
    assert "周医生" in sms.body
    assert "15:00" in sms.body
    audit = AuditEvent.objects.get(object_id=str(a1.pk), summary__startswith="clinic stopped")
    assert audit.summary == f"clinic stopped; rebooking offer {a1.replacements.get().pk} held"


def test_the_held_offer_comes_before_ordinary_bookers(
    clock, stopped, patients, clerk, register, medicine
):
    # The colleague's session has one slot of two units open to the window (its primary-care
    # unit has returned to everyone 7 days ahead): the offer holds one before anyone books.
    colleague = add_doctor_sessions(medicine, name="周医生", weekday=0, end_time=dt.time(14, 10))
    first, _second = patients
    original = book_at(clerk, first, stopped, "15:00")

    disruption.stop_session(stopped.pk, "illness", actor=clerk)

    offer = original.replacements.get()
    assert offer.slot.starts_at == at("14:00", MONDAY)
    book_at(clerk, person(register, 3), session_on(colleague, MONDAY), "14:00")
    with pytest.raises(BookingRefused) as refused:
        book_at(clerk, person(register, 4), session_on(colleague, MONDAY), "14:00")
    assert refused.value.code == "full"


def test_without_a_same_level_doctor_the_same_doctors_next_time_is_held(
    clock, absent, stopped, patients, clerk
):
    next_week = session_on(absent, MONDAY + 7)
    expected = waitlist.free_slot_for(next_week, "window", NOW)
    original = book_at(clerk, patients[0], stopped, "15:00")

    disruption.stop_session(stopped.pk, "illness", actor=clerk)

    offer = original.replacements.get()
    assert (offer.session_id, offer.slot_id, offer.status) == (next_week.pk, expected, "held")


def test_with_nothing_to_offer_the_paid_booking_is_owed_a_refund(clock, absent, patients, clerk):
    last = session_on(absent, MONDAY + 7)  # no later session is scheduled yet
    original = book_at(clerk, patients[0], last, "15:00")

    disruption.stop_session(last.pk, "illness", actor=clerk)

    assert not original.replacements.exists()
    audit = AuditEvent.objects.get(object_id=str(original.pk), summary__startswith="clinic stopped")
    assert audit.summary == "clinic stopped; no rebooking offer; refund due"
    assert len(stopped_sms()) == 1


def test_the_patient_accepts_the_offer_with_one_tap(
    clock, absent, stopped, patients, patient_actor, clerk
):
    original = book_at(clerk, patients[0], stopped, "15:00")
    disruption.stop_session(stopped.pk, "illness", actor=clerk)
    offer = original.replacements.get()
    account = patient_actor[0]

    accepted = disruption.accept_offer(offer.pk, actor=account)
    again = disruption.accept_offer(offer.pk, actor=account)

    assert (accepted.status, accepted.held_until) == ("booked", None)
    assert again.status == "booked"
    assert (
        delivered()
        .filter(purpose="appointment_booked", body__contains=offer.booking_number)
        .exists()
    )
    assert (
        AuditEvent.objects.filter(
            object_id=str(original.pk), summary=f"rebooking offer {offer.pk} accepted"
        ).count()
        == 1
    )


def test_declining_puts_the_unit_back_and_records_the_refund_due(
    clock, absent, stopped, patients, patient_actor, clerk
):
    original = book_at(clerk, patients[0], stopped, "15:00")
    disruption.stop_session(stopped.pk, "illness", actor=clerk)
    offer = original.replacements.get()
    units = SlotPool.objects.get(pk=offer.pool_id).booked

    declined = disruption.decline_offer(offer.pk, actor=patient_actor[0])

    assert declined.status == "cancelled"
    assert SlotPool.objects.get(pk=offer.pool_id).booked == units - 1
    assert AuditEvent.objects.filter(
        object_id=str(offer.pk),
        summary=f"rebooking offer declined; refund due for appointment {original.pk}",
    ).exists()
    with pytest.raises(BookingRefused) as refused:
        disruption.decline_offer(offer.pk, actor=patient_actor[0])
    assert refused.value.code == "not_declinable"


def test_an_offer_not_accepted_in_time_lapses(
    clock, absent, stopped, patients, patient_actor, clerk
):
    original = book_at(clerk, patients[0], stopped, "15:00")
    disruption.stop_session(stopped.pk, "illness", actor=clerk)
    clock.advance(disruption.OFFER_HOLD + dt.timedelta(minutes=1))
    with pytest.raises(BookingRefused) as refused:
        disruption.accept_offer(original.replacements.get().pk, actor=patient_actor[0])
    assert refused.value.code == "hold_expired"


def test_only_an_offer_can_be_answered_as_one(clock, stopped, patients, patient_actor, clerk):
    ordinary = book_at(clerk, patients[0], stopped, "15:00")
    with pytest.raises(NotFound):
        disruption.accept_offer(ordinary.pk, actor=patient_actor[0])


def test_a_stopped_session_refuses_new_bookings(clock, stopped, register, clerk):
    disruption.stop_session(stopped.pk, "illness", actor=clerk)
    with pytest.raises(BookingRefused) as refused:
        book_at(clerk, person(register, 3), stopped, "15:30")
    assert refused.value.code == "stopped"


def test_stopping_needs_the_permission_a_reason_and_a_session_here(
    clock, stopped, patients, clerk, make_staff, tertiary, township
):
    book_at(clerk, patients[0], stopped, "15:00")
    with pytest.raises(PermissionDenied):
        disruption.stop_session(
            stopped.pk, "illness", actor=actor_for(make_staff("doctor", tertiary))
        )
    with pytest.raises(InvalidInput) as refused:
        disruption.stop_session(stopped.pk, "  ", actor=clerk)
    assert refused.value.errors[0].field == "reason"
    with pytest.raises(NotFound):
        disruption.stop_session(
            stopped.pk, "illness", actor=actor_for(make_staff("registration", township))
        )
    stopped.refresh_from_db()
    assert stopped.status == "open"
    assert stopped_sms() == []


def test_a_stopped_or_finished_session_cannot_be_stopped(clock, sessions, stopped, clerk):
    disruption.stop_session(stopped.pk, "illness", actor=clerk)
    with pytest.raises(DomainError) as refused:
        disruption.stop_session(stopped.pk, "again", actor=clerk)
    assert refused.value.code == "stopped"
    clock.set(at("11:00"))
    with pytest.raises(DomainError) as refused:
        disruption.stop_session(session_on(sessions, 0).pk, "too late", actor=clerk)
    assert refused.value.code == "over"


def test_patients_waiting_for_the_session_are_let_go_and_told(clock, stopped, patients, clerk):
    waiting = WaitlistEntry.objects.create(
        patient=patients[1], session=stopped, channel="window", joined_at=NOW, booked_by="test"
    )
    disruption.stop_session(stopped.pk, "illness", actor=clerk)
    waiting.refresh_from_db()
    assert waiting.status == "cancelled"
    assert [m.phone for m in stopped_sms()] == [patients[1].phone]


# --- substitution ---------------------------------------------------------------------------


def test_a_substitute_keeps_the_bookings_and_tells_every_patient(
    clock, stopped, patients, clerk, doctor
):
    first, second = patients
    bookings = [book_at(clerk, first, stopped, "15:00"), book_at(clerk, second, stopped, "14:30")]

    disruption.substitute_session(stopped.pk, doctor.pk, actor=clerk)  # free in the afternoon

    stopped.refresh_from_db()
    assert (stopped.status, stopped.substitute_id) == ("open", doctor.pk)
    assert {a.status for a in Appointment.objects.filter(pk__in=[b.pk for b in bookings])} == {
        "booked"
    }
    messages = delivered().filter(purpose="clinic_substituted").order_by("phone")
    assert [m.phone for m in messages] == sorted([first.phone, second.phone])
    assert all("李医生" in m.body and "陈医生" in m.body for m in messages)
    assert AuditEvent.objects.filter(
        object_id=str(stopped.pk), summary__startswith=f"substitute doctor {doctor.pk}"
    ).exists()


def test_the_substitute_must_be_another_free_doctor_of_the_department(
    clock, absent, stopped, clerk, medicine, tertiary
):
    surgery = consortium.add_department(tertiary, code="SU", name="外科", actor=SYSTEM)
    surgeon = consortium.add_doctor(surgery, name="孙医生", title=DoctorTitle.CHIEF, actor=SYSTEM)
    busy = add_doctor_sessions(medicine, name="周医生", weekday=0).first().doctor
    for candidate, code in (
        (surgeon, "other_department"),
        (stopped.doctor, "same_doctor"),
        (busy, "busy"),
    ):
        with pytest.raises(InvalidInput) as refused:
            disruption.substitute_session(stopped.pk, candidate.pk, actor=clerk)
        assert (refused.value.errors[0].field, refused.value.errors[0].code) == (
            "substitute_doctor_id",
            code,
        )
    stopped.refresh_from_db()
    assert stopped.substitute_id is None
    assert not delivered().filter(purpose="clinic_substituted").exists()


def test_the_console_lists_a_days_sessions_with_their_bookings(
    clock, sessions, stopped, patients, clerk, doctor
):
    book_at(clerk, patients[0], stopped, "15:00")
    rows = disruption.session_overview(stopped.date, actor=clerk)
    assert [(r.session.doctor.name, r.booked, r.changeable) for r in rows] == [
        ("李医生", 0, True),
        ("陈医生", 1, True),
    ]
    assert [d.pk for d in rows[1].substitutes] == [doctor.pk]
