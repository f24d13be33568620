"""Helpers shared by the scheduling tests: finding the fixture's sessions, distinct patients,
more doctors, window bookings at a given time, the callers of the API, and the check that a
refusal wrote nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db.models import Count, Q, Sum

from onetrip.billing.tests.helpers import deliver, provider_pays, settle, wechat_notice
from onetrip.conftest import NOW, actor_for
from onetrip.consortium import services as consortium
from onetrip.consortium.models import ClinicKind, DoctorTitle
from onetrip.core.actors import SYSTEM
from onetrip.core.models import AuditEvent
from onetrip.demo.loader import resident_id_number
from onetrip.identity import services as identity
from onetrip.identity.models import PatientAffiliation
from onetrip.notifications.testing import delivered
from onetrip.scheduling.api_keys import issue_api_key
from onetrip.scheduling.models import (
    ACTIVE_STATUSES,
    Appointment,
    ClinicSession,
    Period,
    SessionTemplate,
    Slot,
    SlotPool,
)
from onetrip.scheduling.services import booking, schedule
from onetrip.scheduling.services.booking import BookingRefused, BookingRequest, book_slot
from onetrip.web.sessions import SESSION_KEY


def session_on(sessions, days_ahead: int) -> ClinicSession:
    return sessions.get(date=NOW.date() + dt.timedelta(days=days_ahead))


def first_slot(session: ClinicSession) -> Slot:
    return session.slots.order_by("starts_at").first()


GIVEN_NAMES = "一二三四五六七八九"


def at(hhmm: str, days_ahead: int = 0) -> dt.datetime:
    hours, minutes = map(int, hhmm.split(":"))
    return NOW.replace(hour=hours, minute=minutes) + dt.timedelta(days=days_ahead)


def resident_id(n: int) -> str:
    return resident_id_number("110101", dt.date(1985, 6, 1), "female", n)


def person(register, n: int, **overrides):
    """The n-th extra real-name patient (n < 500), registered at the tertiary hospital's window,
    with a name, phone and resident ID of their own."""
    fields = {
        "name": f"王{GIVEN_NAMES[n % 9]}芳",
        "sex": "female",
        "birth_date": dt.date(1985, 6, 1),
        "phone": f"1390000{n:04d}",
        "documents": [identity.DocumentInput("resident_id", resident_id(n))],
    }
    return register(**(fields | overrides))


def book_at(clerk, patient, session: ClinicSession, hhmm: str, **request) -> Appointment:
    """Book `patient` at the clerk's window into the slot of `session` starting at `hhmm`."""
    slot = session.slots.get(starts_at=at(hhmm, (session.date - NOW.date()).days))
    return book_slot(
        BookingRequest(patient_id=patient.pk, slot_id=slot.pk, channel="window", **request),
        actor=clerk,
    )


def add_doctor_sessions(department, *, name: str, weekday: int, **template):
    """Another doctor of `department` with one weekly session (afternoons 14:00–16:00 in
    10-minute slots for two unless `template` says otherwise), generated for the fixture's
    three weeks."""
    doctor = consortium.add_doctor(department, name=name, title=DoctorTitle.ATTENDING, actor=SYSTEM)
    clinic = consortium.add_clinic(
        department, name=f"{name}门诊", kind=ClinicKind.GENERAL, actor=SYSTEM
    )
    fields = {
        "period": Period.AFTERNOON,
        "start_time": dt.time(14, 0),
        "end_time": dt.time(16, 0),
        "slot_minutes": 10,
        "capacity_per_slot": 2,
        "valid_from": NOW.date(),
    }
    fields.update(template)
    SessionTemplate.objects.create(doctor=doctor, clinic=clinic, weekday=weekday, **fields)
    schedule.generate_sessions(
        institution_id=department.institution_id,
        date_from=NOW.date(),
        date_to=NOW.date() + dt.timedelta(days=20),
        actor=SYSTEM,
    )
    return ClinicSession.objects.filter(doctor=doctor).order_by("date")


def footprint() -> tuple:
    """Everything a booking writes, to show that a refusal wrote nothing."""
    return (
        Appointment.objects.count(),
        SlotPool.objects.aggregate(booked=Sum("booked"))["booked"],
        delivered().count(),
        AuditEvent.objects.count(),
        PatientAffiliation.objects.count(),
    )


def refused(attempt) -> str:
    """Run a booking that must be refused; return its code after checking nothing was written."""
    before = footprint()
    with pytest.raises(BookingRefused) as refusal:
        attempt()
    assert footprint() == before
    return refusal.value.code


TOWNSHIP_PATIENT_ID = "110105198506121248"  # 李娜, female, born 1985-06-12


def township_patient(register, make_staff, township):
    """A patient registered at the township health centre (and nowhere else)."""
    return register(
        name="李娜",
        sex="female",
        birth_date=dt.date(1985, 6, 12),
        phone="13900002222",
        documents=[identity.DocumentInput("resident_id", TOWNSHIP_PATIENT_ID)],
        actor=actor_for(make_staff("registration", township)),
    )


def township_key(make_staff, tertiary, township, channel: str = "primary_care") -> str:
    """An API key of the township's HIS, issued by the lead hospital's administrator."""
    admin = actor_for(make_staff("sysadmin", tertiary))
    _client, key = issue_api_key(township.pk, "东山乡卫生院 HIS", channel, actor=admin)
    return key


def sign_in_patient(client, account_id: int):
    """The Django test client with the app's patient session for `account_id`."""
    session = client.session
    session[SESSION_KEY] = account_id
    session.save()
    return client


def pay_on_phone(appointment, patient_actor):
    """The patient pays the fee with WeChat Pay; the provider's signed notice settles it."""
    settlement = settle(
        booking.registration_fee(appointment).bill, patient_actor, channel="wechat", mode="mobile"
    )
    deliver("wechat", wechat_notice(provider_pays(settlement)))
    settlement.refresh_from_db()
    return settlement


def assert_counters_match_bookings() -> None:
    """Every pool's counter equals its live bookings and stays within its capacity."""
    pools = SlotPool.objects.annotate(
        live=Count("appointments", filter=Q(appointments__status__in=ACTIVE_STATUSES))
    )
    for pool in pools:
        assert 0 <= pool.booked <= pool.capacity
        assert pool.booked == pool.live, pool
