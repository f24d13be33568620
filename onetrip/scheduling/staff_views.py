"""Staff pages for running clinic sessions (desk-sized): the stop-clinic console (R-APPT-5), the
nurse's queue desk and the calling screen in the waiting area (R-APPT-6/7)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from onetrip.consortium.models import Department
from onetrip.core import clock
from onetrip.core.actors import Actor
from onetrip.core.bounds import parse_day
from onetrip.core.errors import DomainError, InvalidInput, NotFound, PermissionDenied
from onetrip.core.masking import mask_name
from onetrip.core.pages import query_day, query_id, staff_page
from onetrip.identity.documents import DocumentType
from onetrip.scheduling.models import Appointment, PriorityClass
from onetrip.scheduling.services import disruption, queue

SCREEN_WAITING_LINES = 5


@contextmanager
def _refusal_shown(request: HttpRequest) -> Iterator[None]:
    """A refused action is shown on the page it came from; 403 and 404 stay what they are."""
    try:
        yield
    except (PermissionDenied, NotFound):
        raise
    except InvalidInput as exc:
        messages.error(request, " ".join(str(error.message) for error in exc.errors))
    except DomainError as exc:
        messages.error(request, str(exc.message))


def _day(text: str | None) -> dt.date:
    try:
        return parse_day(text or "")
    except ValueError:
        return clock.today()


def _console_url(day: dt.date) -> str:
    return f"{reverse('clinic-console')}?{urlencode({'date': day.isoformat()})}"


# --- stop-clinic console --------------------------------------------------------------------


@staff_page("scheduling.stop_session")
def console(request: HttpRequest, *, actor: Actor) -> HttpResponse:
    day = query_day(request, "date") or clock.today()
    departments = Department.objects.filter(institution_id=actor.institution_id)
    chosen = query_id(request, "department")
    rows = disruption.session_overview(day, actor=actor, department_id=chosen)
    context = {
        "day": day,
        "previous_day": day - dt.timedelta(days=1),
        "next_day": day + dt.timedelta(days=1),
        "departments": departments,
        "chosen_department": chosen,
        "rows": rows,
    }
    return render(request, "scheduling/staff/console.html", context)


@staff_page("scheduling.stop_session")
@require_POST
def stop(request: HttpRequest, session_id: int, *, actor: Actor) -> HttpResponse:
    with _refusal_shown(request):
        disruption.stop_session(session_id, request.POST.get("reason", ""), actor=actor)
        messages.success(request, _("The session is stopped and its patients are notified."))
    return redirect(_console_url(_day(request.POST.get("date"))))


@staff_page("scheduling.stop_session")
@require_POST
def substitute(request: HttpRequest, session_id: int, *, actor: Actor) -> HttpResponse:
    doctor = request.POST.get("doctor", "")
    with _refusal_shown(request):
        disruption.substitute_session(
            session_id, int(doctor) if doctor.isdigit() else 0, actor=actor
        )
        messages.success(request, _("The substitute doctor is set and the patients are notified."))
    return redirect(_console_url(_day(request.POST.get("date"))))


# --- queue desk and calling screen ----------------------------------------------------------


@staff_page("scheduling.view_clinicsession")
def today(request: HttpRequest, *, actor: Actor) -> HttpResponse:
    rows = disruption.session_overview(clock.today(), actor=actor)
    return render(request, "scheduling/staff/today.html", {"rows": rows})


@dataclass(frozen=True)
class QueueLine:
    """One patient as the desk and the screen show them: name masked, numbers shown."""

    appointment: Appointment
    number: int
    name: str
    is_late: bool
    is_priority: bool


def _lines(board: queue.SessionQueue, appointments: list[Appointment]) -> list[QueueLine]:
    return [
        QueueLine(
            appointment=a,
            number=board.numbers[a.pk],
            name=mask_name(a.patient.name),
            is_late=a.checked_in_at > a.slot.ends_at,
            is_priority=a.priority != PriorityClass.ORDINARY,
        )
        for a in appointments
    ]


@staff_page("scheduling.view_appointment")
def screen(request: HttpRequest, session_id: int, *, actor: Actor) -> HttpResponse:
    board = queue.session_queue(session_id, actor=actor)
    called = _lines(board, board.called)
    current = called[0] if called else None
    context = {
        "session": board.session,
        "current": current,
        # What the screen says aloud (the browser's speech synthesis, in Mandarin).
        "announce": (
            _("Number %(number)s, %(name)s, please go to %(room)s.")
            % {"number": current.number, "name": current.name, "room": board.session.clinic.name}
            if current
            else ""
        ),
        "waiting": _lines(board, board.waiting[:SCREEN_WAITING_LINES]),
    }
    template = (
        "scheduling/staff/screen_board.html"
        if request.headers.get("HX-Request")
        else "scheduling/staff/screen.html"
    )
    return render(request, template, context)


@staff_page("scheduling.call_patients")
def desk(request: HttpRequest, session_id: int, *, actor: Actor) -> HttpResponse:
    board = queue.session_queue(session_id, actor=actor)
    context = {
        "session": board.session,
        "called": _lines(board, board.called),
        "waiting": _lines(board, board.waiting),
        "not_arrived": [(a, mask_name(a.patient.name)) for a in board.not_arrived],
        "can_check_in": actor.has_perm("scheduling.check_in"),
        "document_types": DocumentType.choices,
    }
    return render(request, "scheduling/staff/desk.html", context)


def _desk_url(session_id: int) -> str:
    return reverse("clinic-desk", args=[session_id])


@staff_page("scheduling.call_patients")
@require_POST
def call_next(request: HttpRequest, session_id: int, *, actor: Actor) -> HttpResponse:
    with _refusal_shown(request):
        called = queue.call_next(session_id, actor=actor)
        if called is None:
            messages.info(request, _("Nobody is waiting."))
        else:
            messages.success(
                request, _("Called %(name)s.") % {"name": mask_name(called.patient.name)}
            )
    return redirect(_desk_url(session_id))


@staff_page("scheduling.call_patients")
@require_POST
def start_consultation(
    request: HttpRequest, session_id: int, appointment_id: int, *, actor: Actor
) -> HttpResponse:
    with _refusal_shown(request):
        queue.start_consultation(appointment_id, actor=actor)
    return redirect(_desk_url(session_id))


@staff_page("scheduling.check_in")
@require_POST
def check_in(request: HttpRequest, session_id: int, *, actor: Actor) -> HttpResponse:
    post = request.POST
    queue.session_here(session_id, actor=actor)  # the desk of another institution's session: 404
    with _refusal_shown(request):
        appointment = queue.check_in(
            booking_number=post.get("booking_number", "").strip() or None,
            doc_type=post.get("doc_type") if post.get("doc_number", "").strip() else None,
            doc_number=post.get("doc_number", "").strip() or None,
            institution_id=actor.institution_id,
            actor=actor,
        )
        messages.success(
            request, _("%(name)s is checked in.") % {"name": mask_name(appointment.patient.name)}
        )
    return redirect(_desk_url(session_id))
