"""Scheduling's registrations for the generated scoping and audit test (`core/tests/scoping.py`).

The objects: weekday morning sessions of an internal-medicine doctor at the home hospital
(08:00–11:00, 10-minute slots for two, no fee), and bookings of the home patient in them."""

from __future__ import annotations

import datetime as dt

from django.db.models import F

from onetrip.conftest import NOW
from onetrip.consortium import services as consortium
from onetrip.consortium.models import ClinicKind, DoctorTitle
from onetrip.core.actors import SYSTEM
from onetrip.core.tests.scoping import OwnPatient, Staff, Target, Unscoped, World
from onetrip.scheduling.models import (
    Appointment,
    ClinicSession,
    Period,
    SessionTemplate,
    SlotPool,
)
from onetrip.scheduling.services import booking, disruption, queue, schedule, waitlist
from onetrip.scheduling.services.booking import BookingRequest
from onetrip.scheduling.services.queue import booking_number_for

TIMETABLE = "the public timetable: who works when and which times are free, no patient's data"
QUEUE_BOARD = (
    "a session's queue board (masked names and numbers, like the other worklists in "
    "docs/security.md): no one patient's data is read"
)


def _sessions(world: World):
    """The home hospital's sessions for this week and the next (made once per world)."""
    if not hasattr(world, "clinic_sessions"):
        department = consortium.add_department(world.home, code="IM", name="内科", actor=SYSTEM)
        doctor = consortium.add_doctor(
            department, name="李医生", title=DoctorTitle.CHIEF, actor=SYSTEM
        )
        world.substitute_doctor = consortium.add_doctor(
            department, name="周医生", title=DoctorTitle.ATTENDING, actor=SYSTEM
        )
        clinic = consortium.add_clinic(
            department, name="内科门诊", kind=ClinicKind.GENERAL, actor=SYSTEM
        )
        for weekday in range(5):
            SessionTemplate.objects.create(
                doctor=doctor,
                clinic=clinic,
                weekday=weekday,
                period=Period.MORNING,
                start_time=dt.time(8, 0),
                end_time=dt.time(11, 0),
                slot_minutes=10,
                capacity_per_slot=2,
                valid_from=NOW.date(),
            )
        schedule.generate_sessions(
            institution_id=world.home.pk,
            date_from=NOW.date(),
            date_to=NOW.date() + dt.timedelta(days=13),
            actor=SYSTEM,
        )
        world.clinic_sessions = ClinicSession.objects.filter(doctor=doctor).order_by("date")
    return world.clinic_sessions


def a_session(world: World, days_ahead: int = 1) -> ClinicSession:
    return _sessions(world).get(date=NOW.date() + dt.timedelta(days=days_ahead))


def a_free_slot(world: World, days_ahead: int = 1, hhmm: str = "10:00"):
    session = a_session(world, days_ahead)
    hours, minutes = map(int, hhmm.split(":"))
    starts = NOW.replace(hour=hours, minute=minutes) + dt.timedelta(days=days_ahead)
    return session.slots.get(starts_at=starts)


def an_appointment(world: World, days_ahead: int = 1, hhmm: str = "10:00", hold=False):
    """The home patient's booking, made at the home hospital's window."""
    slot = a_free_slot(world, days_ahead, hhmm)
    return booking.book_slot(
        BookingRequest(patient_id=world.patient.pk, slot_id=slot.pk, channel="window", hold=hold),
        actor=world.clerk,
    )


def the_appointment(world: World, **kwargs) -> Target:
    appointment = an_appointment(world, **kwargs)
    return Target({"appointment_id": appointment.pk}, world.patient.pk)


def a_booking_request(world: World) -> Target:
    slot = a_free_slot(world)
    body = {"patient_id": world.patient.pk, "slot_id": slot.pk}
    return Target({}, world.patient.pk, body=body)


def a_checked_in_appointment(world: World) -> Appointment:
    """Today's 09:40 booking, checked in at the desk (the clock reads 09:30)."""
    appointment = an_appointment(world, days_ahead=0, hhmm="09:40")
    return queue.check_in(
        booking_number=booking_number_for(appointment.pk),
        institution_id=world.home.pk,
        actor=world.actor("registration"),
    )


def todays_queue(world: World, body: dict | None = None) -> Target:
    appointment = a_checked_in_appointment(world)
    return Target({"session_id": appointment.session_id}, world.patient.pk, body=body)


def a_called_patient(world: World) -> Target:
    appointment = a_checked_in_appointment(world)
    queue.call_next(appointment.session_id, actor=world.actor("nurse"))
    return Target(
        {"session_id": appointment.session_id, "appointment_id": appointment.pk},
        world.patient.pk,
    )


def a_desk_check_in(world: World) -> Target:
    appointment = an_appointment(world, days_ahead=0, hhmm="09:40")
    return Target(
        {"session_id": appointment.session_id},
        world.patient.pk,
        body={"booking_number": booking_number_for(appointment.pk)},
    )


def an_api_check_in(world: World) -> Target:
    target = a_desk_check_in(world)
    return Target({}, world.patient.pk, body=target.body | {"institution_id": world.home.pk})


def a_session_with_a_booking(world: World, body: dict | None = None) -> Target:
    appointment = an_appointment(world)
    return Target({"session_id": appointment.session_id}, world.patient.pk, body=body)


def a_substitute(world: World) -> Target:
    target = a_session_with_a_booking(world)
    body = {"doctor": world.substitute_doctor.pk}
    return Target(target.path, target.patient_id, body=body)


def a_rebooking_offer(world: World) -> Target:
    """Tomorrow's session stopped: the patient is held a replacement the day after."""
    appointment = an_appointment(world)
    disruption.stop_session(appointment.session_id, "医生外出会诊", actor=world.clerk)
    offer = Appointment.objects.get(replaces=appointment)
    return Target({"appointment_id": offer.pk}, world.patient.pk)


def a_full_session(world: World) -> ClinicSession:
    """Tomorrow's session with every unit taken (as if booked by others)."""
    session = a_session(world)
    SlotPool.objects.filter(slot__session=session).update(booked=F("capacity"))
    return session


def a_waitlist_request(world: World) -> Target:
    body = {"patient_id": world.patient.pk, "session_id": a_full_session(world).pk}
    return Target({}, world.patient.pk, body=body)


def a_waitlist_page_request(world: World) -> Target:
    body = {"patient": world.patient.pk}
    return Target({"session_id": a_full_session(world).pk}, world.patient.pk, body=body)


def a_waitlist_entry(world: World) -> Target:
    entry = waitlist.join_waitlist(
        world.patient.pk, a_full_session(world).pk, channel="window", actor=world.clerk
    )
    return Target({"entry_id": entry.pk}, world.patient.pk)


def both(make, role: str = "registration", also_ok: tuple[int, ...] = (), method: str = "GET"):
    """The staff and the patient's own account may both call the operation."""
    return (
        Staff(make, role, also_ok=also_ok, method=method),
        OwnPatient(make, also_ok=also_ok, method=method),
    )


CASES = {
    "GET /api/scheduling/departments/{department_id}/next-available": Unscoped(TIMETABLE),
    "GET /api/scheduling/sessions": Unscoped(TIMETABLE),
    "GET /api/scheduling/sessions/{session_id}/slots": Unscoped(TIMETABLE),
    "p/book/institutions/<id:institution_id>/": Unscoped(TIMETABLE),
    "p/book/departments/<id:department_id>/": Unscoped(TIMETABLE),
    "p/book/doctors/<id:doctor_id>/": Unscoped(TIMETABLE),
    "p/book/sessions/<id:session_id>/": Unscoped(TIMETABLE),
    "p/book/slots/<id:slot_id>/": Unscoped(TIMETABLE),
    "fhir/Schedule/<str:schedule_id>": Unscoped(TIMETABLE),
    "fhir/Slot/<str:slot_id>": Unscoped(TIMETABLE),
    "POST /api/scheduling/appointments": both(a_booking_request),
    "GET /api/scheduling/appointments/{appointment_id}": both(the_appointment),
    # A hold is confirmed by asking only when it has no fee to pay: this one has none.
    "POST /api/scheduling/appointments/{appointment_id}/confirm": both(
        lambda w: the_appointment(w, hold=True)
    ),
    "POST /api/scheduling/appointments/{appointment_id}/cancel": both(the_appointment),
    "POST /api/scheduling/appointments/{appointment_id}/accept-offer": both(a_rebooking_offer),
    "POST /api/scheduling/appointments/{appointment_id}/decline-offer": both(a_rebooking_offer),
    "POST /api/scheduling/check-ins": Staff(an_api_check_in, "registration"),
    "POST /api/scheduling/waitlist": both(a_waitlist_request),
    "DELETE /api/scheduling/waitlist/{entry_id}": both(a_waitlist_entry),
    "p/appointments/<id:appointment_id>": OwnPatient(the_appointment),
    "p/appointments/<id:appointment_id>/cancel": OwnPatient(the_appointment, method="POST"),
    "p/appointments/<id:appointment_id>/queue": OwnPatient(the_appointment),
    "p/appointments/<id:appointment_id>/reschedule": OwnPatient(the_appointment),
    "p/book/sessions/<id:session_id>/waitlist": OwnPatient(a_waitlist_page_request, method="POST"),
    "p/waitlist/<id:entry_id>/leave": OwnPatient(a_waitlist_entry, method="POST"),
    "staff/booking/appointments/<id:appointment_id>": Staff(the_appointment, "registration"),
    "staff/clinic/sessions/<id:session_id>/stop": Staff(
        lambda w: a_session_with_a_booking(w, {"reason": "医生外出会诊"}),
        "registration",
        method="POST",
    ),
    "staff/clinic/sessions/<id:session_id>/substitute": Staff(
        a_substitute,
        "registration",
        method="POST",
        audited=False,
        why_not_audited="changes the session's doctor, not a patient's record (the session's "
        "audit row names no patient; each patient is told by SMS)",
    ),
    "staff/clinic/sessions/<id:session_id>/screen": Staff(
        todays_queue, "nurse", audited=False, why_not_audited=QUEUE_BOARD
    ),
    "staff/clinic/sessions/<id:session_id>/desk": Staff(
        todays_queue, "nurse", audited=False, why_not_audited=QUEUE_BOARD
    ),
    "staff/clinic/sessions/<id:session_id>/call-next": Staff(todays_queue, "nurse", method="POST"),
    "staff/clinic/sessions/<id:session_id>/check-in": Staff(
        a_desk_check_in, "registration", method="POST"
    ),
    "staff/clinic/sessions/<id:session_id>/appointments/<id:appointment_id>/start": Staff(
        a_called_patient, "nurse", method="POST"
    ),
    "fhir/Appointment/<str:appointment_id>": Staff(the_appointment, "registration"),
}
