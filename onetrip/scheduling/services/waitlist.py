"""候补: patients wait for a full session and the first in line gets a freed unit (R-APPT-5)."""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy

from onetrip.core import audit, clock
from onetrip.core.actors import Actor
from onetrip.core.errors import NotFound
from onetrip.core.models import AuditAction
from onetrip.identity import services as identity
from onetrip.scheduling.models import (
    ACTIVE_STATUSES,
    Appointment,
    ClinicSession,
    SessionStatus,
    SlotPool,
    WaitlistEntry,
    WaitlistStatus,
)
from onetrip.scheduling.quotas import open_pools
from onetrip.scheduling.services import booking
from onetrip.scheduling.services.availability import with_remaining
from onetrip.scheduling.services.schedule import session_policy


def free_slot_for(session: ClinicSession, channel: str, now: dt.datetime) -> int | None:
    """The earliest future slot of the session with a unit open to `channel`, if any (a unit of
    an expired hold is free, as availability shows it)."""
    kinds = open_pools(channel, session.date, now, session_policy(session))
    pools = SlotPool.objects.filter(slot__session=session, kind__in=kinds, starts_at__gt=now)
    pool = with_remaining(pools, now).filter(remaining__gt=0).order_by("starts_at", "pk").first()
    return pool.slot_id if pool else None


def join_waitlist(patient_id: int, session_id: int, *, channel: str, actor: Actor) -> WaitlistEntry:
    booking.check_channel(actor, channel)
    try:
        with transaction.atomic():
            return _join(patient_id, session_id, channel, actor)
    except IntegrityError:
        raise booking.BookingRefused(
            gettext_lazy("You are already waiting for another session."), code="already_waiting"
        ) from None


def _join(patient_id: int, session_id: int, channel: str, actor: Actor) -> WaitlistEntry:
    now = clock.now()
    if not identity.accessible_patients(actor).filter(pk=patient_id).exists():
        raise NotFound(gettext_lazy("No such patient."))
    session = ClinicSession.objects.filter(pk=session_id).first()
    if session is None:
        raise NotFound(gettext_lazy("No such clinic session."))
    if session.status == SessionStatus.STOPPED or session.ends_at <= now:
        raise booking.BookingRefused(
            gettext_lazy("This session can no longer be waited for."), code="closed"
        )
    if Appointment.objects.filter(
        patient_id=patient_id, session=session, status__in=ACTIVE_STATUSES
    ).exists():
        raise booking.BookingRefused(
            gettext_lazy("You already have a booking in this session."), code="already_booked"
        )
    if free_slot_for(session, channel, now) is not None:
        raise booking.BookingRefused(
            gettext_lazy("This session still has free times; book one instead."), code="not_full"
        )
    entry = WaitlistEntry.objects.create(
        patient_id=patient_id,
        session=session,
        channel=channel,
        joined_at=now,
        booked_by=actor.label,
    )
    audit.record(actor, AuditAction.CREATE, entry, patient_id=patient_id, summary="joined waitlist")
    return entry


@transaction.atomic
def leave_waitlist(entry_id: int, *, actor: Actor) -> WaitlistEntry:
    booking.require_booking_role(actor)
    entry = (
        WaitlistEntry.objects.select_for_update(no_key=True)
        .filter(
            pk=entry_id,
            status=WaitlistStatus.WAITING,
            patient__in=identity.accessible_patients(actor),
        )
        .first()
    )
    if entry is None:
        raise NotFound(gettext_lazy("No such waitlist entry."))
    entry.status = WaitlistStatus.CANCELLED
    entry.save(update_fields=["status"])
    audit.record(
        actor, AuditAction.UPDATE, entry, patient_id=entry.patient_id, summary="left waitlist"
    )
    return entry


def offer_freed_capacity(session: ClinicSession, *, now: dt.datetime) -> None:
    """Book freed units for those waiting, first in line first, inside the caller's transaction.
    Someone whose own limits now forbid the booking keeps their place for the next unit."""
    waiting = WaitlistEntry.objects.select_for_update(no_key=True).filter(
        session=session, status=WaitlistStatus.WAITING
    )
    for entry in waiting.order_by("joined_at", "pk"):
        slot_id = free_slot_for(session, entry.channel, now)
        if slot_id is None:
            return
        request = booking.BookingRequest(
            patient_id=entry.patient_id, slot_id=slot_id, channel=entry.channel
        )
        try:
            with transaction.atomic():
                appointment = booking.book_on_behalf(
                    request, booked_by=f"waitlist ({entry.booked_by})"
                )
        except booking.BookingRefused:
            continue
        entry.status = WaitlistStatus.BOOKED
        entry.appointment = appointment
        # The booking's own confirmation SMS tells the patient.
        entry.save(update_fields=["status", "appointment"])
