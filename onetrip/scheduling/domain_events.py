"""The domain events scheduling emits (`core.events.EventKind`, R-KPI-1/2): one `emit` each,
called beside the audit row of the change, so each is one INSERT in the change's transaction."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from onetrip.core import events
from onetrip.core.events import EventKind
from onetrip.scheduling.models import Appointment, BookingChannel, ClinicSession

# Bookings made where the patient stands: a window, a kiosk, the consulting room.
ON_SITE_CHANNELS = (BookingChannel.WINDOW, BookingChannel.KIOSK, BookingChannel.IN_CLINIC)


def waited_minutes(checked_in_at: dt.datetime, called_at: dt.datetime) -> int:
    """Check-in → called in whole minutes, both times taken to the minute as the national
    formula records them (domain-rules §8 #23): 08:59:50 → 09:00:10 is one minute."""

    def to_minute(moment: dt.datetime) -> dt.datetime:
        return moment.replace(second=0, microsecond=0)

    return (to_minute(called_at) - to_minute(checked_in_at)) // dt.timedelta(minutes=1)


def _emit(kind: str, appointment: Appointment, session: ClinicSession, **fields) -> None:
    events.emit(
        kind,
        subject=appointment,
        patient_id=appointment.patient_id,
        institution_id=session.institution_id,
        department_id=session.department_id,
        **fields,
    )


def booked(appointment: Appointment, session: ClinicSession, pool: str) -> None:
    """A booking became effective: booked at once, or a hold confirmed."""
    channel = appointment.channel
    _emit(
        EventKind.APPOINTMENT_BOOKED,
        appointment,
        session,
        on_site=channel in ON_SITE_CHANNELS,
        channel=channel,
        data={
            "booking_id": appointment.pk,
            "session_id": session.pk,
            "doctor_id": session.substitute_id or session.doctor_id,
            "slot_start": timezone.localtime(appointment.slot.starts_at).isoformat(),
            "pool": pool,
            "booking_channel": channel,
            "referral": channel == BookingChannel.PRIMARY_CARE,
        },
    )


def cancelled(appointment: Appointment, session: ClinicSession, reason: str) -> None:
    _emit(
        EventKind.APPOINTMENT_CANCELLED,
        appointment,
        session,
        channel=appointment.channel,
        data={"booking_id": appointment.pk, "reason": reason},
    )


def checked_in(appointment: Appointment, session: ClinicSession, *, late: bool) -> None:
    _emit(
        EventKind.VISIT_CHECKED_IN,
        appointment,
        session,
        on_site=True,
        occurred_at=appointment.checked_in_at,
        data={
            "visit_id": appointment.pk,
            "booking_id": appointment.pk,
            "late": late,
            "walk_in": appointment.is_walk_in,
        },
    )


def called(appointment: Appointment, session: ClinicSession) -> None:
    _emit(
        EventKind.VISIT_CALLED,
        appointment,
        session,
        on_site=True,
        occurred_at=appointment.called_at,
        data={
            "visit_id": appointment.pk,
            "booking_id": appointment.pk,
            "checked_in_at": timezone.localtime(appointment.checked_in_at).isoformat(),
            "waited_minutes": waited_minutes(appointment.checked_in_at, appointment.called_at),
        },
    )


def consultation_started(appointment: Appointment, session: ClinicSession) -> None:
    clinic = session.clinic
    _emit(
        EventKind.CONSULTATION_STARTED,
        appointment,
        session,
        on_site=True,
        occurred_at=appointment.consultation_started_at,
        data={
            "visit_id": appointment.pk,
            "booking_id": appointment.pk,
            "doctor_id": session.substitute_id or session.doctor_id,
            "consulting_room": clinic.location or clinic.name,
        },
    )
