"""Helpers for the stop-clinic, check-in and queue tests: distinct patients (own name, phone
and resident ID, so masking and per-patient messages can be told apart) booked at the window
into a slot given by its local start time."""

import datetime as dt

from onetrip.conftest import NOW
from onetrip.core.demo import resident_id_number
from onetrip.identity import services as identity
from onetrip.scheduling.models import Appointment, ClinicSession
from onetrip.scheduling.services.booking import BookingRequest, book_slot

GIVEN_NAMES = "一二三四五六七八九"


def at(hhmm: str, days_ahead: int = 0) -> dt.datetime:
    hours, minutes = map(int, hhmm.split(":"))
    return NOW.replace(hour=hours, minute=minutes) + dt.timedelta(days=days_ahead)


def resident_id(n: int) -> str:
    return resident_id_number("110101", dt.date(1985, 6, 1), "female", n)


def person(register, n: int, **overrides):
    """The n-th extra patient (n < 100), registered at the tertiary hospital's window."""
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
