"""Check-in and queue calling (R-APPT-6/7).

A patient checks in at a kiosk, a window or the nurse desk by booking number, identity document
or e-health card QR code, from `early_check_in_minutes` before the slot; after the slot has ended
the patient is late (still checked in, called later: see `queueing`); once the no-show grace has
passed the booking counts as missed and is refused here. Check-in, call and consultation start
are timestamped on the appointment, so waiting time (called − checked in) can be measured.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from onetrip.core import audit, clock
from onetrip.core.actors import Actor, ActorKind
from onetrip.core.errors import DomainError, InvalidInput, NotFound, PermissionDenied
from onetrip.core.models import AuditAction
from onetrip.identity.documents import validate_document
from onetrip.identity.models import IdentityDocument
from onetrip.identity.services import accessible_patients, face_checked_today
from onetrip.scheduling import domain_events
from onetrip.scheduling.models import (
    Appointment,
    AppointmentStatus,
    BookingChannel,
    ClinicSession,
    PriorityClass,
    SessionStatus,
    booking_number_for,
)
from onetrip.scheduling.queueing import QueueEntry, order_queue
from onetrip.scheduling.services import booking, waitlist
from onetrip.scheduling.services.schedule import session_policy

_BOOKING_NUMBER = re.compile(r"[0-9]{9,}")
# Everyone who has checked in, waiting or already called: the queue and its history.
QUEUE_STATUSES = (
    AppointmentStatus.CHECKED_IN,
    AppointmentStatus.CALLED,
    AppointmentStatus.IN_CONSULTATION,
    AppointmentStatus.COMPLETED,
)


# --- check-in -------------------------------------------------------------------------------


def check_in(
    *,
    booking_number: str | None = None,
    doc_type: str | None = None,
    doc_number: str | None = None,
    issuing_country: str = "",
    institution_id: int,
    actor: Actor,
    priority: int | None = None,
) -> Appointment:
    """Check a patient in at an institution. Staff at the desk may set the priority class on
    seeing proof (a military ID, a disability card); a kiosk cannot. A repeated scan returns
    the check-in already made."""
    _require_desk(actor, institution_id)
    if priority is not None:
        if actor.kind != ActorKind.STAFF:
            raise PermissionDenied(gettext_lazy("Only staff can set a priority class."))
        if priority not in PriorityClass.values:
            raise InvalidInput.field("priority", gettext_lazy("Choose a priority class."))
    now = clock.now()
    if booking_number:
        appointment_id = _appointment_id(booking_number)
        with transaction.atomic():
            appointment = _by_number(appointment_id, institution_id)
            return _check_in(appointment, now, actor, priority)
    if doc_type or doc_number:
        document = validate_document(
            doc_type or "",
            doc_number or "",
            issuing_country=issuing_country,
            field="doc_number",
            today=now.date(),
        )
        with transaction.atomic():
            appointment = _by_document(document.doc_type, document.number, institution_id, now)
            return _check_in(appointment, now, actor, priority)
    raise InvalidInput.field(
        "booking_number",
        gettext_lazy("Enter the booking number or scan an identity document."),
        "required",
    )


@transaction.atomic
def check_in_on_phone(appointment_id: int, *, actor: Actor) -> Appointment:
    """The patient (or a family member acting for them) checks in from the phone, under the
    desk's rules: today, from `early_check_in_minutes` before the slot, not once missed (D78)."""
    if actor.kind != ActorKind.PATIENT:
        raise PermissionDenied(gettext_lazy("Check in at the desk or a kiosk."))
    appointment = (
        Appointment.objects.select_for_update(of=("self",), no_key=True)
        .select_related("slot", "session")
        .filter(pk=appointment_id, patient__in=accessible_patients(actor))
        .first()
    )
    if appointment is None:
        raise NotFound(gettext_lazy("No such appointment."))
    # Nobody at a desk sees who checks in from a phone: the face check does (R-ID-3).
    needs_face = settings.ONETRIP_FACE_CHECK_ON_PHONE_CHECK_IN
    if (
        needs_face
        and appointment.status == AppointmentStatus.BOOKED
        and not face_checked_today(appointment.patient_id)
    ):
        raise DomainError(gettext_lazy("Check the patient's face first."), code="face_check_needed")
    return _check_in(appointment, clock.now(), actor, None)


def _require_desk(actor: Actor, institution_id: int) -> None:
    """Staff with the check-in permission, or a kiosk registered to the institution."""
    if actor.kind == ActorKind.CLIENT:
        allowed = actor.client_channel == BookingChannel.KIOSK
    else:
        actor.require_perm("scheduling.check_in")
        allowed = True
    if not allowed:
        raise PermissionDenied(gettext_lazy("You cannot check patients in here."))
    if actor.institution_id != institution_id:
        # Another institution's desk is another institution's appointments: 404, as for any
        # object out of scope (D107).
        raise NotFound(gettext_lazy("No booking with this number here."))


def _appointment_id(number: str) -> int:
    digits = "".join(unicodedata.normalize("NFKC", number).split())
    if not _BOOKING_NUMBER.fullmatch(digits):
        raise InvalidInput.field(
            "booking_number", gettext_lazy("A booking number has 9 digits."), "format"
        )
    appointment_id = int(digits[:-1])
    if booking_number_for(appointment_id) != digits:
        raise InvalidInput.field(
            "booking_number",
            gettext_lazy("This booking number is not valid: check each digit."),
            "checksum",
        )
    return appointment_id


def _bookings_here(institution_id: int) -> QuerySet[Appointment]:
    return (
        Appointment.objects.select_for_update(of=("self",), no_key=True)
        .select_related("slot", "session")
        .filter(session__institution_id=institution_id)
    )


def _by_number(appointment_id: int, institution_id: int) -> Appointment:
    appointment = _bookings_here(institution_id).filter(pk=appointment_id).first()
    if appointment is None:
        # Also the answer for another institution's booking: no probing across institutions.
        raise NotFound(gettext_lazy("No booking with this number here."))
    return appointment


def _by_document(doc_type: str, number: str, institution_id: int, now: dt.datetime) -> Appointment:
    """Today's booking here of the patient holding the document (or of a child registered under
    it as guardian): the first whose check-in is still possible, else one already checked in,
    else any (so the refusal explains what is wrong with it)."""
    holders = IdentityDocument.objects.filter(doc_type=doc_type, number=number).values("patient_id")
    today = _bookings_here(institution_id).filter(
        patient_id__in=holders,
        visit_date=now.date(),
        status__in=(
            AppointmentStatus.HELD,
            AppointmentStatus.BOOKED,
            AppointmentStatus.CHECKED_IN,
        ),
    )
    candidates = list(today.order_by("slot__starts_at", "pk"))
    if not candidates:
        raise NotFound(gettext_lazy("No booking here today for this document."))

    def preference(appointment: Appointment) -> int:
        if appointment.status == AppointmentStatus.CHECKED_IN:
            return 1
        return 0 if now <= _missed_after(appointment) else 2

    return min(candidates, key=preference)


def _missed_after(appointment: Appointment) -> dt.datetime:
    grace = session_policy(appointment.session).no_show_grace_minutes
    return appointment.slot.ends_at + dt.timedelta(minutes=grace)


def _check_in(
    appointment: Appointment, now: dt.datetime, actor: Actor, priority: int | None
) -> Appointment:
    if appointment.status == AppointmentStatus.CHECKED_IN:
        return appointment
    if appointment.visit_date != now.date():
        message = _("This booking is for %(date)s.") % {
            "date": f"{appointment.visit_date:%Y-%m-%d}"
        }
        raise DomainError(message, code="not_today")
    if appointment.status == AppointmentStatus.HELD:
        raise DomainError(
            gettext_lazy("This booking is not confirmed yet: pay or accept it first."),
            code="not_confirmed",
        )
    if appointment.status != AppointmentStatus.BOOKED:
        message = _("This booking cannot be checked in: %(status)s.") % {
            "status": appointment.get_status_display()
        }
        raise DomainError(message, code="not_checkable")
    policy = session_policy(appointment.session)
    opens = appointment.slot.starts_at - dt.timedelta(minutes=policy.early_check_in_minutes)
    if now < opens:
        message = _("Check-in opens at %(time)s.") % {"time": f"{timezone.localtime(opens):%H:%M}"}
        raise DomainError(message, code="too_early")
    if now > _missed_after(appointment):
        raise DomainError(
            gettext_lazy("This booking was missed; please go to the registration window."),
            code="missed",
        )
    _mark_checked_in(appointment, now, priority)
    late = now > appointment.slot.ends_at
    audit.record(
        actor,
        AuditAction.UPDATE,
        appointment,
        patient_id=appointment.patient_id,
        summary="checked in late" if late else "checked in",
        changes={"priority": appointment.priority},
    )
    domain_events.checked_in(appointment, appointment.session, late=late)
    return appointment


def _mark_checked_in(appointment: Appointment, now: dt.datetime, priority: int | None) -> None:
    appointment.status = AppointmentStatus.CHECKED_IN
    appointment.checked_in_at = now
    if priority is not None:
        appointment.priority = priority
    appointment.save(update_fields=["status", "checked_in_at", "priority"])


@transaction.atomic
def register_walk_in(
    patient_id: int,
    session_id: int,
    *,
    actor: Actor,
    priority: int = PriorityClass.ORDINARY,
) -> Appointment:
    """A patient without a booking at the window: booked into today's session's next free
    window time as a walk-in and checked in at once (walk-ins follow booked patients of the same
    slot in the queue)."""
    actor.require_perm("scheduling.check_in")
    now = clock.now()
    session = _session_here(session_id, actor)
    if session.date != now.date():
        raise booking.BookingRefused(
            gettext_lazy("Walk-ins are registered for today's sessions only."), code="not_today"
        )
    slot_id = waitlist.free_slot_for(session, BookingChannel.WINDOW, now)
    if slot_id is None:
        raise booking.BookingRefused(gettext_lazy("This session is fully booked."), code="full")
    request = booking.BookingRequest(
        patient_id=patient_id,
        slot_id=slot_id,
        channel=BookingChannel.WINDOW,
        priority=priority,
        walk_in=True,
    )
    appointment = booking.book_slot(request, actor=actor)
    _mark_checked_in(appointment, now, None)
    audit.record(
        actor,
        AuditAction.UPDATE,
        appointment,
        patient_id=appointment.patient_id,
        summary="walk-in checked in",
    )
    domain_events.checked_in(appointment, session, late=False)
    return appointment


# --- calling --------------------------------------------------------------------------------


def session_here(session_id: int, *, actor: Actor) -> ClinicSession:
    """A clinic session of the actor's own institution (404 for any other)."""
    return _session_here(session_id, actor)


def _session_here(session_id: int, actor: Actor, *, for_update: bool = False) -> ClinicSession:
    sessions = ClinicSession.objects.select_related("doctor", "substitute", "clinic")
    if for_update:
        sessions = sessions.select_for_update(of=("self",), no_key=True)
    session = sessions.filter(pk=session_id, institution_id=actor.institution_id).first()
    if session is None:
        raise NotFound(gettext_lazy("No such clinic session."))
    return session


def _entry(appointment: Appointment) -> QueueEntry:
    return QueueEntry(
        key=appointment.pk,
        priority=appointment.priority,
        slot_starts_at=appointment.slot.starts_at,
        slot_ends_at=appointment.slot.ends_at,
        checked_in_at=appointment.checked_in_at,
        is_walk_in=appointment.is_walk_in,
        called_at=appointment.called_at,
    )


def _ordered_waiting(session: ClinicSession, rows: list[Appointment]) -> list[Appointment]:
    by_key = {a.pk: a for a in rows}
    late_every = session_policy(session).late_insert_every
    return [by_key[e.key] for e in order_queue(map(_entry, rows), late_every=late_every)]


def _queue_rows(session: ClinicSession) -> list[Appointment]:
    return list(
        Appointment.objects.select_related("slot", "patient").filter(
            session=session, status__in=QUEUE_STATUSES, checked_in_at__isnull=False
        )
    )


@transaction.atomic
def call_next(session_id: int, *, actor: Actor) -> Appointment | None:
    """Call the head of the queue; None when nobody is waiting. The session row is locked, so
    two desks calling at once call two different patients."""
    actor.require_perm("scheduling.call_patients")
    session = _session_here(session_id, actor, for_update=True)
    if session.status == SessionStatus.STOPPED:
        raise DomainError(gettext_lazy("This clinic session is stopped."), code="stopped")
    waiting = _ordered_waiting(session, _queue_rows(session))
    if not waiting:
        return None
    head = waiting[0]
    head.status = AppointmentStatus.CALLED
    head.called_at = clock.now()
    head.save(update_fields=["status", "called_at"])
    audit.record(actor, AuditAction.UPDATE, head, patient_id=head.patient_id, summary="called")
    domain_events.called(head, session)
    return head


@transaction.atomic
def start_consultation(appointment_id: int, *, actor: Actor) -> Appointment:
    actor.require_perm("scheduling.call_patients")
    appointment = (
        Appointment.objects.select_for_update(no_key=True)
        .filter(pk=appointment_id, session__institution_id=actor.institution_id)
        .first()
    )
    if appointment is None:
        raise NotFound(gettext_lazy("No such appointment."))
    if appointment.status != AppointmentStatus.CALLED:
        raise DomainError(
            gettext_lazy("Only a patient who has been called can start the consultation."),
            code="not_called",
        )
    appointment.status = AppointmentStatus.IN_CONSULTATION
    appointment.consultation_started_at = clock.now()
    appointment.save(update_fields=["status", "consultation_started_at"])
    audit.record(
        actor,
        AuditAction.UPDATE,
        appointment,
        patient_id=appointment.patient_id,
        summary="consultation started",
    )
    domain_events.consultation_started(appointment, appointment.session)
    return appointment


# --- the board ------------------------------------------------------------------------------


@dataclass(frozen=True)
class SessionQueue:
    session: ClinicSession
    called: list[Appointment]  # called or in consultation, latest call first
    waiting: list[Appointment]  # in calling order
    numbers: dict[int, int]  # appointment id → check-in number (签到号), stable once given
    not_arrived: list[Appointment]  # booked for the session, not checked in yet, by time


def session_queue(session_id: int, *, actor: Actor) -> SessionQueue:
    """What the calling screen and the nurse desk show."""
    actor.require_perm("scheduling.view_appointment")
    session = _session_here(session_id, actor)
    rows = _queue_rows(session)
    arrival = sorted(rows, key=lambda a: (a.checked_in_at, a.pk))
    called = sorted(
        (
            a
            for a in rows
            if a.status in (AppointmentStatus.CALLED, AppointmentStatus.IN_CONSULTATION)
        ),
        key=lambda a: (a.called_at, a.pk),
        reverse=True,
    )
    return SessionQueue(
        session=session,
        called=called,
        waiting=_ordered_waiting(session, rows),
        numbers={a.pk: number for number, a in enumerate(arrival, start=1)},
        not_arrived=list(
            Appointment.objects.select_related("slot", "patient")
            .filter(session=session, status=AppointmentStatus.BOOKED)
            .order_by("slot__starts_at", "pk")
        ),
    )


# --- the patient's place in the queue ---------------------------------------------------------


@dataclass(frozen=True)
class QueuePlace:
    """Where one checked-in patient stands, as the phone shows it."""

    status: str
    number: int | None  # check-in number (签到号)
    ahead: int  # patients to be called before this one
    expected_wait_minutes: int
    now_calling: int | None  # check-in number of the latest call in the session


def queue_place(appointment: Appointment) -> QueuePlace:
    """The patient's place: the same order the desk calls in (`queueing.order_queue`), and a wait
    estimated from the session's pace (minutes per patient: the slot length over its capacity)."""
    session = appointment.session
    rows = _queue_rows(session)
    arrival = sorted(rows, key=lambda a: (a.checked_in_at, a.pk))
    numbers = {a.pk: number for number, a in enumerate(arrival, start=1)}
    waiting = [a.pk for a in _ordered_waiting(session, rows)]
    ahead = waiting.index(appointment.pk) if appointment.pk in waiting else 0
    called = [a for a in rows if a.called_at is not None]
    latest = max(called, key=lambda a: (a.called_at, a.pk)) if called else None
    return QueuePlace(
        status=appointment.status,
        number=numbers.get(appointment.pk),
        ahead=ahead,
        expected_wait_minutes=ahead * minutes_per_patient(appointment),
        now_calling=numbers[latest.pk] if latest else None,
    )


def minutes_per_patient(appointment: Appointment) -> int:
    slot = appointment.slot
    minutes = int((slot.ends_at - slot.starts_at).total_seconds() // 60)
    capacity = sum(slot.pools.values_list("capacity", flat=True)) or 1
    return max(1, round(minutes / capacity))
