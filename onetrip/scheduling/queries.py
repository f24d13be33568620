"""Reads shared by the JSON API and FHIR: which appointments a caller may see, the channel a
caller books through when it does not say, and how a visit window is written.

A staff member's or an external system's look at one appointment is a view of a patient's record
(R-ORG-3), so it leaves an audit row, as `identity.services.view_patient` does."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from onetrip.core import audit, clock
from onetrip.core.actors import Actor, ActorKind
from onetrip.core.errors import NotFound
from onetrip.core.models import AuditAction
from onetrip.identity import services as identity
from onetrip.scheduling.models import (
    Appointment,
    AppointmentStatus,
    BookingChannel,
    SessionCapacity,
    SessionStatus,
    SlotPool,
)

DETAILS = (
    "slot",
    "pool",
    "session__doctor",
    "session__substitute",
    "session__clinic",
    "session__department",
    "session__institution",
)


def with_details(appointments: QuerySet[Appointment]) -> QuerySet[Appointment]:
    """Everything a confirmation shows, in one query."""
    return appointments.select_related(*DETAILS)


def has_details(appointment: Appointment) -> bool:
    """Whether `appointment` was read `with_details` (its related rows are loaded)."""
    for path in DETAILS:
        record: Any = appointment
        for name in path.split("__"):
            field = record._meta.get_field(name)
            if not field.is_cached(record):
                return False
            record = getattr(record, name)
            if record is None:
                break  # no substitute: nothing further to load
    return True


def visible_appointments(actor: Actor) -> QuerySet[Appointment]:
    """Appointments of the patients the actor may read."""
    if actor.kind == ActorKind.STAFF:
        actor.require_perm("scheduling.view_appointment")
    return with_details(Appointment.objects.filter(patient__in=identity.accessible_patients(actor)))


def appointment_for(appointment_id: int, *, actor: Actor) -> Appointment:
    """One appointment as the actor may see it; "absent" and "not yours" look the same."""
    appointment = visible_appointments(actor).filter(pk=appointment_id).first()
    if appointment is None:
        raise NotFound(_("No such appointment."))
    return appointment


@transaction.atomic
def view_appointment(appointment_id: int, *, actor: Actor) -> Appointment:
    appointment = appointment_for(appointment_id, actor=actor)
    if actor.kind in (ActorKind.STAFF, ActorKind.CLIENT):
        audit.record(
            actor,
            AuditAction.VIEW,
            appointment,
            patient_id=appointment.patient_id,
            summary="appointment",
        )
    return appointment


@transaction.atomic
def search_appointments(
    patient_id: int, *, statuses: list[str] | None, count: int, actor: Actor
) -> tuple[list[Appointment], int]:
    """A patient's appointments the actor may read (FHIR `Appointment?patient=…`), latest
    first: the first `count` and how many there are; a staff or system search is audited."""
    matches = visible_appointments(actor).filter(patient_id=patient_id)
    if statuses is not None:
        matches = matches.filter(status__in=statuses)
    total = matches.count()
    page = list(matches.order_by("-slot__starts_at", "-pk")[:count])
    if actor.kind in (ActorKind.STAFF, ActorKind.CLIENT):
        audit.record(
            actor,
            AuditAction.SEARCH,
            Appointment,
            patient_id=patient_id,
            summary=f"FHIR appointment search ({total} found)",
        )
    return page, total


def usual_channel(actor: Actor) -> str:
    """The booking channel a caller means when it names none: an external system's key has one,
    patients book in the app, and staff at a window."""
    if actor.kind == ActorKind.CLIENT:
        return actor.client_channel
    if actor.kind == ActorKind.PATIENT:
        return BookingChannel.APP
    return BookingChannel.WINDOW


def visit_window(
    starts_at: dt.datetime, ends_at: dt.datetime, *, zone: dt.tzinfo | None = None
) -> str:
    """The time to arrive, as the confirmation and the slip print it: "08:40–08:50" (in the
    current time zone, or `zone` when a caller looked it up once for many)."""
    if zone is None:
        return f"{timezone.localtime(starts_at):%H:%M}–{timezone.localtime(ends_at):%H:%M}"
    return f"{starts_at.astimezone(zone):%H:%M}–{ends_at.astimezone(zone):%H:%M}"


def open_pools(
    start: dt.date,
    end: dt.date,
    *,
    kinds: tuple[str, ...] | None = None,
    institution_ids: tuple[int, ...] | None = None,
    department_id: int | None = None,
) -> QuerySet[SlotPool]:
    """Slot pools of the days start … end (exclusive) still open (not of a stopped session): the
    appointment sources offered, for the monitoring indicators (R-APPT-3/9)."""
    zone = timezone.get_current_timezone()
    pools = SlotPool.objects.filter(
        is_open=True,
        starts_at__gte=dt.datetime.combine(start, dt.time(), tzinfo=zone),
        starts_at__lt=dt.datetime.combine(end, dt.time(), tzinfo=zone),
    )
    if kinds is not None:
        pools = pools.filter(kind__in=kinds)
    if institution_ids is not None:
        pools = pools.filter(department__institution_id__in=institution_ids)
    if department_id is not None:
        pools = pools.filter(department_id=department_id)
    return pools.select_related("department", "slot__session__doctor").order_by("starts_at", "id")


def open_capacity_by_day(
    start: dt.date, end: dt.date, *, kinds: tuple[str, ...] | None = None
) -> list[tuple[int, int, dt.date, int]]:
    """(institution id, department id, day, capacity) of the open pools of those days."""
    return list(
        open_pools(start, end, kinds=kinds)
        .annotate(day=TruncDate("starts_at"))
        .values_list("department__institution_id", "department_id", "day")
        .annotate(capacity=Sum("capacity"))
        .order_by()
    )


# A booking that still stood on its visit day: the patient was expected (R-KPI-2 no-shows).
DUE_STATUSES = (
    AppointmentStatus.BOOKED,
    AppointmentStatus.CHECKED_IN,
    AppointmentStatus.CALLED,
    AppointmentStatus.IN_CONSULTATION,
    AppointmentStatus.COMPLETED,
    AppointmentStatus.NO_SHOW,
)
# Of those, the patient never checked in (no sweep marks them: a visit day that has ended
# leaves them booked).
MISSED_STATUSES = (AppointmentStatus.BOOKED, AppointmentStatus.NO_SHOW)


def appointments_due(
    start: dt.date,
    end: dt.date,
    *,
    missed: bool = False,
    institution_ids: tuple[int, ...] | None = None,
    department_id: int | None = None,
) -> QuerySet[Appointment]:
    """Bookings for visits on the days start … end (exclusive) that still stood on the visit
    day (not cancelled, expired, stopped or an unpaid hold), or with `missed` those of them never
    checked in. Only visit days that have ended count: today's patients may still come."""
    end = min(end, clock.today())
    due = Appointment.objects.filter(
        visit_date__gte=start,
        visit_date__lt=end,
        status__in=MISSED_STATUSES if missed else DUE_STATUSES,
        is_walk_in=False,
    )
    if institution_ids is not None:
        due = due.filter(session__institution_id__in=institution_ids)
    if department_id is not None:
        due = due.filter(session__department_id=department_id)
    return due.select_related("session__doctor").order_by("visit_date", "id")


def attendance_by_day(start: dt.date, end: dt.date) -> list[tuple[int, int, dt.date, int, int]]:
    """(institution id, department id, visit day, bookings due, bookings missed) of the visit
    days start … end (exclusive) that have ended."""
    return list(
        appointments_due(start, end)
        .values_list("session__institution_id", "session__department_id", "visit_date")
        .annotate(due=Count("id"), missed=Count("id", filter=Q(status__in=MISSED_STATUSES)))
        .order_by()
    )


def open_capacity_by_day_and_kind(
    start: dt.date, end: dt.date
) -> list[tuple[int, int, dt.date, str, int]]:
    """(institution id, department id, day, pool kind, capacity) of the open pools of those days,
    every kind in one read: from the sessions' capacities by kind (D239), a row per session and
    kind instead of one per pool."""
    grouped = (
        SessionCapacity.objects.filter(
            session__date__gte=start,
            session__date__lt=end,
            session__status=SessionStatus.OPEN,
        )
        .values_list("session__institution_id", "session__department_id", "kind", "session__date")
        .annotate(total=Sum("capacity"))
        .order_by()
    )
    return [(i, d, day, kind, total) for i, d, kind, day, total in grouped]


@dataclass(frozen=True)
class BookingSummary:
    """What another domain shows about a booking it links to (a referral, a follow-up): where
    and when, and how far the visit has come."""

    appointment_id: int
    booking_number: str
    status: str
    status_label: str
    institution_id: int
    institution: str
    department: str
    doctor: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    checked_in_at: dt.datetime | None

    @property
    def visited(self) -> bool:
        return self.checked_in_at is not None

    @property
    def window(self) -> str:
        return visit_window(self.starts_at, self.ends_at)


def booking_summaries(appointment_ids: Iterable[int]) -> dict[int, BookingSummary]:
    """Summaries of the bookings by id (unknown ids are left out); one query. The caller has
    already decided that its reader may see them."""
    found = with_details(Appointment.objects.filter(pk__in=set(appointment_ids)))
    return {
        a.pk: BookingSummary(
            appointment_id=a.pk,
            booking_number=a.booking_number,
            status=a.status,
            status_label=str(a.get_status_display()),
            institution_id=a.session.institution_id,
            institution=str(a.session.institution),
            department=a.session.department.name,
            doctor=(a.session.substitute or a.session.doctor).name,
            starts_at=a.slot.starts_at,
            ends_at=a.slot.ends_at,
            checked_in_at=a.checked_in_at,
        )
        for a in found
    }
