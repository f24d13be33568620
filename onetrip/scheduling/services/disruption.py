"""Stop-clinic (停诊) and substitution (替诊) (R-APPT-5).

Stopping a session cancels its bookings as `clinic_stopped` (their units stay taken: the session
is closed anyway) and, in the same transaction, texts every affected patient and reserves a
rebooking offer for them before anyone else can take it: a held unit with a doctor of the same
title in the same department that day, nearest to the original time, or else the next free time
of the same doctor. The patient accepts with one tap (`accept_offer`) or declines
(`decline_offer`). A stopped booking that was paid and ends without a booked replacement (no
offer, declined, or the offer's hold ran out) is owed a refund; billing reads that from here.

Substituting keeps every booking, names the doctor who will see the patients and tells them.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy

from onetrip.consortium.models import Doctor
from onetrip.core import audit, clock
from onetrip.core.actors import Actor, ActorKind, Channel
from onetrip.core.errors import DomainError, InvalidInput, NotFound
from onetrip.core.models import AuditAction
from onetrip.identity import services as identity
from onetrip.notifications import services as notifications
from onetrip.scheduling import domain_events
from onetrip.scheduling.models import (
    ACTIVE_STATUSES,
    Appointment,
    AppointmentStatus,
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

OFFER_HOLD = dt.timedelta(hours=24)
REASON_MAX_LENGTH = 200


@dataclass(frozen=True)
class Offer:
    slot_id: int
    starts_at: dt.datetime


# --- the console's view of sessions ----------------------------------------------------------


@dataclass(frozen=True)
class SessionOverview:
    session: ClinicSession
    booked: int  # live bookings and holds
    changeable: bool  # open and not yet over: can be stopped or substituted
    substitutes: list[Doctor]  # the department's other doctors


def session_overview(
    day: dt.date, *, actor: Actor, department_id: int | None = None
) -> list[SessionOverview]:
    """The sessions of the actor's institution on one day, with their booking counts."""
    actor.require_perm("scheduling.view_clinicsession")
    sessions = ClinicSession.objects.select_related(
        "doctor", "substitute", "department", "clinic"
    ).filter(institution_id=actor.institution_id, date=day)
    if department_id is not None:
        sessions = sessions.filter(department_id=department_id)
    sessions = list(sessions.order_by("starts_at", "department__code", "doctor__name", "pk"))
    booked = dict(
        Appointment.objects.filter(session__in=sessions, status__in=ACTIVE_STATUSES)
        .values("session")
        .annotate(n=Count("pk"))
        .values_list("session", "n")
    )
    doctors: dict[int, list[Doctor]] = defaultdict(list)
    for doctor in Doctor.objects.filter(
        department_id__in={s.department_id for s in sessions}
    ).order_by("name", "pk"):
        doctors[doctor.department_id].append(doctor)
    now = clock.now()
    return [
        SessionOverview(
            session=s,
            booked=booked.get(s.pk, 0),
            changeable=s.status == SessionStatus.OPEN and s.ends_at > now,
            substitutes=[d for d in doctors[s.department_id] if d.pk != s.doctor_id],
        )
        for s in sessions
    ]


# --- who is affected ------------------------------------------------------------------------


def awaiting_patients(session: ClinicSession, now: dt.datetime) -> QuerySet[Appointment]:
    """Bookings of the session whose patient has not yet been seen (a hold still running, a
    booking, a patient checked in or called)."""
    live_hold = Q(status=AppointmentStatus.HELD, held_until__gt=now)
    waiting = Q(
        status__in=(
            AppointmentStatus.BOOKED,
            AppointmentStatus.CHECKED_IN,
            AppointmentStatus.CALLED,
        )
    )
    return Appointment.objects.filter(live_hold | waiting, session=session)


def _session_for_change(session_id: int, actor: Actor, now: dt.datetime) -> ClinicSession:
    """The open, not yet finished session of the actor's institution, locked."""
    session = (
        ClinicSession.objects.select_for_update(of=("self",), no_key=True)
        .select_related("doctor")
        .filter(pk=session_id, institution_id=actor.institution_id)
        .first()
    )
    if session is None:
        raise NotFound(gettext_lazy("No such clinic session."))
    if session.status == SessionStatus.STOPPED:
        raise DomainError(gettext_lazy("This clinic session is already stopped."), code="stopped")
    if session.ends_at <= now:
        raise DomainError(gettext_lazy("This clinic session is over."), code="over")
    return session


# --- stop-clinic ----------------------------------------------------------------------------


def stop_session(session_id: int, reason: str, *, actor: Actor) -> ClinicSession:
    actor.require_perm("scheduling.stop_session")
    reason = " ".join(reason.split())
    if not reason:
        raise InvalidInput.field(
            "reason", gettext_lazy("Give the reason for stopping."), "required"
        )
    if len(reason) > REASON_MAX_LENGTH:
        raise InvalidInput.field("reason", gettext_lazy("This value is too long."), "too_long")
    with transaction.atomic():
        return _stop(session_id, reason, actor)


def _stop(session_id: int, reason: str, actor: Actor) -> ClinicSession:
    now = clock.now()
    session = _session_for_change(session_id, actor, now)
    session.status = SessionStatus.STOPPED
    session.stop_reason = reason
    session.save(update_fields=["status", "stop_reason"])
    # Waits for bookings in flight on these pools to commit, so the query below sees them.
    SlotPool.objects.filter(slot__session=session).update(is_open=False)
    affected = list(
        awaiting_patients(session, now)
        .select_for_update(of=("self",), no_key=True)
        .select_related("patient", "slot")
        .order_by("slot__starts_at", "booked_at", "pk")
    )
    # Stop them all first: a patient's stopped booking must no longer count against the
    # per-day limits when their replacement is booked.
    Appointment.objects.filter(pk__in=[a.pk for a in affected]).update(
        status=AppointmentStatus.CLINIC_STOPPED
    )
    for appointment in affected:
        _rebook(appointment, session, actor, now)
    _close_waitlist(session, actor)
    audit.record(
        actor,
        AuditAction.UPDATE,
        session,
        summary=f"clinic session stopped; {len(affected)} patients affected",
        changes={"reason": reason},
    )
    return session


def _rebook(
    appointment: Appointment, session: ClinicSession, actor: Actor, now: dt.datetime
) -> None:
    was = appointment.status
    appointment.status = AppointmentStatus.CLINIC_STOPPED
    replacement = _reserve_offer(appointment, actor, now)
    if replacement is not None:
        summary = f"clinic stopped; rebooking offer {replacement.pk} held"
    else:
        fee = booking.settle_fee_of_ended_booking(
            booking.fee_key(appointment), reason=AppointmentStatus.CLINIC_STOPPED
        )
        if was == AppointmentStatus.HELD:
            summary = "clinic stopped; hold released"
        else:
            # A fee taken at a window or by a hospital's own system is refunded at its till.
            summary = f"clinic stopped; no rebooking offer; {fee or 'refund due'}"
    audit.record(
        actor,
        AuditAction.UPDATE,
        appointment,
        patient_id=appointment.patient_id,
        summary=summary,
        changes={"from": was, "offer": replacement.pk if replacement else None},
    )
    if was != AppointmentStatus.HELD:  # a hold was never an effective booking
        domain_events.cancelled(appointment, session, "stop_clinic")
    _notify_stopped(appointment, session, replacement)


def rebooking_offers(appointment: Appointment, now: dt.datetime) -> list[Offer]:
    """What a patient of a stopped session can be offered, best first: the same-level doctor's
    time nearest the original one that day, then the same doctor's next free time."""
    offers = (_same_level_offer(appointment, now), _same_doctor_offer(appointment, now))
    return [offer for offer in offers if offer is not None]


def _free_slots(
    session: ClinicSession, channel: str, now: dt.datetime
) -> list[tuple[int, dt.datetime]]:
    """The session's future slots with a unit open to `channel`, earliest first."""
    kinds = open_pools(channel, session.date, now, session_policy(session))
    pools = SlotPool.objects.filter(slot__session=session, kind__in=kinds, starts_at__gt=now)
    free = with_remaining(pools, now).filter(remaining__gt=0).order_by("starts_at", "slot_id")
    return list(dict.fromkeys(free.values_list("slot_id", "starts_at")))


def _same_level_offer(appointment: Appointment, now: dt.datetime) -> Offer | None:
    stopped = appointment.session
    title = stopped.doctor.title
    # The doctor who actually sees the patients decides the level of a substituted session.
    same_level = Q(substitute__isnull=True, doctor__title=title) | Q(substitute__title=title)
    sessions = (
        ClinicSession.objects.filter(
            same_level,
            department_id=stopped.department_id,
            date=stopped.date,
            status=SessionStatus.OPEN,
        )
        .exclude(doctor_id=stopped.doctor_id)
        .exclude(pk=stopped.pk)
    )
    wanted = appointment.slot.starts_at
    candidates = [
        slot for session in sessions for slot in _free_slots(session, appointment.channel, now)
    ]
    if not candidates:
        return None
    slot_id, starts_at = min(candidates, key=lambda c: (abs(c[1] - wanted), c[1], c[0]))
    return Offer(slot_id, starts_at)


def _same_doctor_offer(appointment: Appointment, now: dt.datetime) -> Offer | None:
    stopped = appointment.session
    later = ClinicSession.objects.filter(
        doctor_id=stopped.doctor_id,
        starts_at__gt=stopped.starts_at,
        status=SessionStatus.OPEN,
    ).order_by("starts_at")
    for session in later:
        free = _free_slots(session, appointment.channel, now)
        if free:
            return Offer(*free[0])
    return None


def _reserve_offer(appointment: Appointment, actor: Actor, now: dt.datetime) -> Appointment | None:
    """Hold the best offer the patient's own limits allow, before any other booker can take it."""
    for offer in rebooking_offers(appointment, now):
        request = booking.BookingRequest(
            patient_id=appointment.patient_id,
            slot_id=offer.slot_id,
            channel=appointment.channel,
            priority=appointment.priority,
            walk_in=appointment.is_walk_in,
        )
        try:
            replacement = booking.book_on_behalf(
                request,
                booked_by=f"stop-clinic offer ({actor.label})",
                hold_until=min(now + OFFER_HOLD, offer.starts_at),
            )
        except booking.BookingRefused:
            continue
        replacement.replaces = appointment
        replacement.save(update_fields=["replaces"])
        return replacement
    return None


def _close_waitlist(session: ClinicSession, actor: Actor) -> None:
    """Nobody can get a place in a stopped session: those waiting are told and let go, so they
    can wait for another session."""
    waiting = (
        WaitlistEntry.objects.select_for_update(of=("self",), no_key=True)
        .select_related("patient")
        .filter(session=session, status=WaitlistStatus.WAITING)
    )
    for entry in waiting:
        entry.status = WaitlistStatus.CANCELLED
        entry.save(update_fields=["status"])
        audit.record(
            actor,
            AuditAction.UPDATE,
            entry,
            patient_id=entry.patient_id,
            summary="waitlist closed: clinic stopped",
        )
        notifications.notify(
            "waitlist_closed",
            phone=entry.patient.phone,
            subject=entry,
            params={"doctor": session.doctor.name, "date": f"{session.date:%Y-%m-%d}"},
        )


def _notify_stopped(
    appointment: Appointment, session: ClinicSession, replacement: Appointment | None
) -> None:
    values = {
        "doctor": session.doctor.name,
        "date": f"{session.date:%Y-%m-%d}",
    }
    if replacement is None:
        template = "clinic_stopped"
        values["time"] = f"{timezone.localtime(appointment.slot.starts_at):%H:%M}"
    else:
        template = "clinic_stopped_offer"
        new_slot = replacement.slot
        values |= {
            "new_doctor": replacement.session.doctor.name,
            "new_date": f"{replacement.visit_date:%Y-%m-%d}",
            "new_time": f"{timezone.localtime(new_slot.starts_at):%H:%M}",
            "until": f"{timezone.localtime(replacement.held_until):%m-%d %H:%M}",
            "path": reverse("patient-appointment", args=[replacement.pk]),
        }
    notifications.notify(
        template, phone=appointment.patient.phone, subject=appointment, params=values
    )


# --- answering a rebooking offer ------------------------------------------------------------


def _offer_for_update(appointment_id: int, actor: Actor) -> Appointment:
    """A rebooking offer the actor may answer for (the patient's account, or staff who may
    read the patient and book for them), locked."""
    booking.require_booking_role(actor)
    offer = (
        Appointment.objects.select_for_update(of=("self",), no_key=True)
        .select_related("replaces", "session")
        .filter(
            pk=appointment_id,
            replaces__isnull=False,
            patient__in=identity.accessible_patients(actor),
        )
        .first()
    )
    if offer is None:
        raise NotFound(gettext_lazy("No such rebooking offer."))
    return offer


@transaction.atomic
def accept_offer(appointment_id: int, *, actor: Actor) -> Appointment:
    """One tap: the held replacement becomes the patient's booking, at no extra charge."""
    offer = _offer_for_update(appointment_id, actor)
    if offer.status == AppointmentStatus.BOOKED:
        return offer  # a repeated tap
    confirmed = booking.confirm_hold(offer.pk, actor=actor)
    audit.record(
        actor,
        AuditAction.UPDATE,
        offer.replaces,
        patient_id=offer.patient_id,
        summary=f"rebooking offer {offer.pk} accepted",
    )
    return confirmed


@transaction.atomic
def decline_offer(appointment_id: int, *, actor: Actor) -> Appointment:
    """The patient does not want the replacement: its unit goes back to sale (first to those
    waiting) and the stopped booking is owed its refund."""
    offer = _offer_for_update(appointment_id, actor)
    if offer.status != AppointmentStatus.HELD:
        raise booking.BookingRefused(
            gettext_lazy("This offer can no longer be declined."), code="not_declinable"
        )
    # The platform cancels what it booked: the patient's cancellation deadline does not apply.
    platform = Actor(
        kind=ActorKind.SYSTEM, label=f"declined offer ({actor.label})"[:150], channel=Channel.SYSTEM
    )
    cancelled = booking.cancel_appointment(offer.pk, actor=platform)
    # A booking is held until paid, so a stopped booking without a hold deadline was paid for.
    paid = offer.replaces.held_until is None
    audit.record(
        actor,
        AuditAction.UPDATE,
        cancelled,
        patient_id=cancelled.patient_id,
        summary=f"rebooking offer declined; refund due for appointment {offer.replaces_id}"
        if paid
        else "rebooking offer declined",
    )
    return cancelled


# --- substitution ---------------------------------------------------------------------------


@transaction.atomic
def substitute_session(
    session_id: int, substitute_doctor_id: int, *, actor: Actor
) -> ClinicSession:
    """Another doctor of the same department sees the session's patients; bookings stand."""
    actor.require_perm("scheduling.stop_session")
    now = clock.now()
    session = _session_for_change(session_id, actor, now)
    substitute = _check_substitute(session, substitute_doctor_id)
    if session.substitute_id == substitute.pk:
        return session
    previous = session.substitute_id
    session.substitute = substitute
    session.save(update_fields=["substitute"])
    audit.record(
        actor,
        AuditAction.UPDATE,
        session,
        summary=f"substitute doctor {substitute.pk} for doctor {session.doctor_id}",
        changes={"substitute": substitute.pk, "previous": previous},
    )
    for appointment in awaiting_patients(session, now).select_related("patient", "slot"):
        notifications.notify(
            "clinic_substituted",
            phone=appointment.patient.phone,
            subject=appointment,
            params={
                "date": f"{session.date:%Y-%m-%d}",
                "time": f"{timezone.localtime(appointment.slot.starts_at):%H:%M}",
                "doctor": substitute.name,
                "title": substitute.title,
                "absent": session.doctor.name,
            },
            occasion=f"substitute {substitute.pk}",
        )
    return session


def _check_substitute(session: ClinicSession, doctor_id: int) -> Doctor:
    doctor = Doctor.objects.filter(
        pk=doctor_id,
        department_id=session.department_id,
        department__institution_id=session.institution_id,
    ).first()
    if doctor is None:
        raise InvalidInput.field(
            "substitute_doctor_id",
            gettext_lazy("Choose a doctor of the same department."),
            "other_department",
        )
    if doctor.pk == session.doctor_id:
        raise InvalidInput.field(
            "substitute_doctor_id",
            gettext_lazy("Choose a doctor other than the session's own."),
            "same_doctor",
        )
    working = Q(doctor=doctor, substitute__isnull=True) | Q(substitute=doctor)
    busy = (
        ClinicSession.objects.filter(
            working,
            status=SessionStatus.OPEN,
            starts_at__lt=session.ends_at,
            ends_at__gt=session.starts_at,
        )
        .exclude(pk=session.pk)
        .exists()
    )
    if busy:
        raise InvalidInput.field(
            "substitute_doctor_id",
            gettext_lazy("This doctor has a clinic session at the same time."),
            "busy",
        )
    return doctor
