"""A patient's next steps, with time and place (R-KPI-2: the one trip, step by step): today's
and the coming week's visits with when check-in opens, exams with their preparation, bills
to pay and reports that are ready. Read from the domains' own records through their reads, so a
step disappears the moment it is done."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Q, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from onetrip.billing.models import Bill
from onetrip.billing.money import fen_to_yuan
from onetrip.core import clock
from onetrip.core.actors import Actor
from onetrip.exams.models import ExamOrder, OrderStatus
from onetrip.identity import services as identity
from onetrip.reports import services as reports
from onetrip.scheduling import queries
from onetrip.scheduling.models import AppointmentStatus
from onetrip.scheduling.services.schedule import session_policy
from onetrip.web.links import bill_link

AHEAD = dt.timedelta(days=7)  # how far ahead the page looks
REPORTS_SINCE = dt.timedelta(days=7)  # how long a ready report stays a step

APPOINTMENT, CHECK_IN, QUEUE, EXAM, EXAM_TO_BOOK, PAYMENT, REPORT = (
    "appointment",
    "check_in",
    "queue",
    "exam",
    "exam_to_book",
    "payment",
    "report",
)


@dataclass(frozen=True)
class Step:
    kind: str
    patient: str
    title: str
    at: dt.datetime | None  # when to be there (None: whenever the patient likes)
    place: str
    detail: str
    url: str
    is_today: bool


def _time(moment: dt.datetime) -> str:
    return f"{timezone.localtime(moment):%H:%M}"


def next_steps(*, actor: Actor) -> list[Step]:
    """Everything the signed-in account's patients have to do, soonest first."""
    now = clock.now()
    today = timezone.localdate(now)
    until = now + AHEAD
    steps = [
        *_visits(actor, now, until, today),
        *_exams(actor, now, until, today),
        *_payments(actor),
        *_reports(actor, now),
    ]
    far = dt.datetime.max.replace(tzinfo=dt.UTC)
    return sorted(steps, key=lambda s: (not s.is_today, s.at or far, s.kind, s.title))


def _visits(actor: Actor, now: dt.datetime, until: dt.datetime, today: dt.date) -> list[Step]:
    live = (
        AppointmentStatus.HELD,
        AppointmentStatus.BOOKED,
        AppointmentStatus.CHECKED_IN,
        AppointmentStatus.CALLED,
        AppointmentStatus.IN_CONSULTATION,
    )
    appointments = (
        queries.visible_appointments(actor)
        .select_related("patient")
        .filter(status__in=live, slot__ends_at__gt=now - dt.timedelta(hours=4))
        .filter(slot__starts_at__lt=until)
        .order_by("slot__starts_at", "pk")
    )
    steps = []
    for appointment in appointments:
        session = appointment.session
        slot = appointment.slot
        doctor = session.substitute or session.doctor
        place = " · ".join(
            part
            for part in (session.institution.name, session.department.name, session.clinic.location)
            if part
        )
        window = queries.visit_window(slot.starts_at, slot.ends_at)
        is_today = appointment.visit_date == today
        status = appointment.status
        if status == AppointmentStatus.HELD:
            kind, at = PAYMENT, appointment.held_until
            title = _("Pay the registration fee to keep your booking")
            detail = _("Held until %(time)s.") % {"time": _time(appointment.held_until)}
        elif status == AppointmentStatus.BOOKED and is_today:
            opens = slot.starts_at - dt.timedelta(
                minutes=session_policy(session).early_check_in_minutes
            )
            kind, at = CHECK_IN, opens
            title = _("Check in for %(doctor)s") % {"doctor": doctor.name}
            detail = _(
                "At a kiosk or the nurse desk from %(opens)s; your time is %(window)s. "
                "Booking number %(number)s."
            ) % {"opens": _time(opens), "window": window, "number": appointment.booking_number}
        elif status == AppointmentStatus.BOOKED:
            kind, at = APPOINTMENT, slot.starts_at
            title = _("Visit %(doctor)s") % {"doctor": doctor.name}
            detail = _("%(date)s %(window)s. Booking number %(number)s.") % {
                "date": f"{appointment.visit_date:%Y-%m-%d}",
                "window": window,
                "number": appointment.booking_number,
            }
        else:
            kind, at = QUEUE, appointment.called_at or appointment.checked_in_at
            if status == AppointmentStatus.CHECKED_IN:
                title = _("Wait to be called by %(doctor)s") % {"doctor": doctor.name}
            else:
                title = _("Go in to see %(doctor)s") % {"doctor": doctor.name}
            detail = _("Checked in at %(time)s.") % {"time": _time(appointment.checked_in_at)}
        steps.append(
            Step(
                kind=kind,
                patient=appointment.patient.name,
                title=title,
                at=at,
                place=place,
                detail=detail,
                url=reverse("patient-appointment", args=[appointment.pk]),
                is_today=is_today,
            )
        )
    return steps


def _exams(actor: Actor, now: dt.datetime, until: dt.datetime, today: dt.date) -> list[Step]:
    patients = identity.accessible_patients(actor)
    orders = (
        ExamOrder.objects.filter(patient__in=patients)
        .filter(
            Q(status=OrderStatus.ORDERED)
            | Q(
                status__in=(OrderStatus.BOOKED, OrderStatus.CHECKED_IN),
                ends_at__gt=now,
                starts_at__lt=until,
            )
        )
        .select_related("item", "device", "performing_institution", "patient")
        .order_by("starts_at", "ordered_at", "pk")
    )
    steps = []
    for order in orders:
        item = order.item
        if order.status == OrderStatus.ORDERED:
            steps.append(
                Step(
                    kind=EXAM_TO_BOOK,
                    patient=order.patient.name,
                    title=_("Book your exam: %(exam)s") % {"exam": item.display_name},
                    at=None,
                    place=order.performing_institution.name,
                    detail=item.preparation,
                    url=reverse("exams-patient"),
                    is_today=False,
                )
            )
            continue
        room = order.device.room or order.device.display_name
        is_today = timezone.localdate(order.starts_at) == today
        steps.append(
            Step(
                kind=EXAM,
                patient=order.patient.name,
                title=_("Exam: %(exam)s") % {"exam": item.display_name},
                at=order.starts_at,
                place=f"{order.performing_institution.name} · {room}",
                detail=item.preparation
                or _("Arrive a few minutes early and check in at the exam desk."),
                url=reverse("exams-patient"),
                is_today=is_today,
            )
        )
    return steps


def _payments(actor: Actor) -> list[Step]:
    bills = (
        Bill.objects.filter(patient__in=identity.accessible_patients(actor))
        .annotate(
            due_fen=Sum("charges__amount_fen", filter=Q(charges__settlement__isnull=True)),
            due_lines=Count("charges", filter=Q(charges__settlement__isnull=True)),
        )
        .filter(due_lines__gt=0)
        .select_related("institution", "patient")
        .order_by("opened_at", "pk")
    )
    return [
        Step(
            kind=PAYMENT,
            patient=bill.patient.name,
            title=_("Pay %(amount)s") % {"amount": f"¥{fen_to_yuan(bill.due_fen)}"},
            at=None,
            place=bill.institution.name,
            detail=_("On your phone now, or at a kiosk: no need to queue at a window."),
            url=bill_link(bill),
            is_today=True,
        )
        for bill in bills
    ]


def _reports(actor: Actor, now: dt.datetime) -> list[Step]:
    ready = (
        reports.visible_reports(actor)
        .filter(received_at__gte=now - REPORTS_SINCE)
        .select_related("patient", "performing_institution")
        .order_by("-received_at", "-pk")
    )
    return [
        Step(
            kind=REPORT,
            patient=report.patient.name,
            title=_("Report ready: %(exam)s")
            % {"exam": report.service_name or report.service_code},
            at=None,
            place=report.performing_institution.name if report.performing_institution else "",
            detail=_("Read it on your phone; no need to collect it."),
            url=reverse("patient-report", args=[report.pk]),
            is_today=True,
        )
        for report in ready
    ]
