"""Exam pages (R-EXAM-1/3, R-APPT-8): the one-trip plan offered on the patient's phone, at the
doctor's desk right after ordering and at the appointment-centre console; the booked plan; the
exam desk's check-in list. Pages only read and call the services, whose refusals are shown as
messages."""

from __future__ import annotations

import datetime as dt
import uuid

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from onetrip.consortium.models import Institution
from onetrip.core import clock
from onetrip.core.actors import Actor
from onetrip.core.bounds import parse_day
from onetrip.core.errors import DomainError, InvalidInput
from onetrip.core.pages import refusals_as_http, staff_page
from onetrip.exams import planning, services
from onetrip.exams.models import (
    LARGE_EQUIPMENT,
    Device,
    ExamItem,
    ExamOrder,
    OrderStatus,
)
from onetrip.identity import services as identity
from onetrip.web.sessions import patient_page


def _preferred_days(request: HttpRequest) -> list[dt.date]:
    try:
        return [parse_day(value) for value in request.GET.getlist("day")]
    except ValueError:
        raise InvalidInput.field("preferred_days", _("Choose days from the list.")) from None


def _day_choices(chosen: list[dt.date]) -> list[dict]:
    today = clock.today()
    days = [today + dt.timedelta(days=n) for n in range(planning.HORIZON_DAYS)]
    return [{"date": day, "checked": day in chosen} for day in days]


def _choices(request: HttpRequest) -> list[services.SlotChoice]:
    """The accepted exams, posted as "order|device|start" values."""
    picked = []
    for index, value in enumerate(request.POST.getlist("exam")):
        try:
            order_id, device_id, starts_at = value.split("|")
            picked.append(
                services.SlotChoice(
                    int(order_id), int(device_id), dt.datetime.fromisoformat(starts_at)
                )
            )
        except ValueError:
            raise InvalidInput.field(
                f"exams[{index}]", _("This plan is garbled; plan again.")
            ) from None
    return picked


def _plan_page(
    request: HttpRequest, patient_id: int, actor: Actor, template: str, booked_url: str, extra=None
) -> HttpResponse:
    """Propose (GET) or book (POST) the patient's plan."""
    if request.method == "POST" and request.POST.get("action") == "confirm":
        try:
            plan = services.confirm_plan(
                patient_id,
                _choices(request),
                actor=actor,
                idempotency_key=request.POST.get("key", ""),
            )
        except DomainError as exc:
            messages.error(request, str(exc.message))
        else:
            return redirect(booked_url, plan.pk)
    chosen: list[dt.date] = []
    try:
        chosen = _preferred_days(request)
        proposal = planning.propose_plan(
            patient_id,
            actor=actor,
            preferred_days=chosen,
            preferred_time=request.GET.get("time", ""),
        )
    except InvalidInput as exc:
        messages.error(request, str(exc.message))
        proposal = planning.propose_plan(patient_id, actor=actor)
    context = {
        "proposal": proposal,
        "days": _day_choices(chosen),
        "time": request.GET.get("time", ""),
        "key": uuid.uuid4().hex,
        **(extra or {}),
    }
    return render(request, template, context)


def _booked_plan(request: HttpRequest, plan_id: int, actor: Actor, template: str) -> HttpResponse:
    with refusals_as_http():
        plan = services.view_plan(plan_id, actor=actor)
    orders = (
        ExamOrder.objects.filter(plan=plan)
        .select_related("item", "device", "performing_institution")
        .order_by("starts_at")
    )
    return render(request, template, {"plan": plan, "orders": orders})


# --- patient (phone) ------------------------------------------------------------------------


@patient_page
def patient_exams(request: HttpRequest, *, actor: Actor) -> HttpResponse:
    patients = list(identity.patients_of_account(actor.account_id))
    orders = (
        ExamOrder.objects.filter(patient__in=patients)
        .exclude(status=OrderStatus.CANCELLED)
        .select_related("item", "device", "performing_institution", "patient")
        .order_by("status", "starts_at", "-ordered_at")
    )
    people = [
        {
            "patient": patient,
            "waiting": [
                o for o in orders if o.patient_id == patient.pk and o.status == OrderStatus.ORDERED
            ],
            "booked": [
                o for o in orders if o.patient_id == patient.pk and o.status != OrderStatus.ORDERED
            ],
        }
        for patient in patients
    ]
    return render(request, "exams/patient_exams.html", {"people": people})


@patient_page
def patient_plan(request: HttpRequest, patient_id: int, *, actor: Actor) -> HttpResponse:
    return _plan_page(request, patient_id, actor, "exams/patient_plan.html", "exams-patient-plan")


@patient_page
def patient_booked_plan(request: HttpRequest, plan_id: int, *, actor: Actor) -> HttpResponse:
    return _booked_plan(request, plan_id, actor, "exams/patient_booked_plan.html")


# --- staff (desk) ---------------------------------------------------------------------------


@staff_page("exams.book_exam")
def staff_console(request: HttpRequest, *, actor: Actor) -> HttpResponse:
    """The appointment centre: patients with exams waiting to be booked here, and a search."""
    query = request.GET.get("q", "").strip()
    found = identity.search_patients(query, actor=actor) if query else None
    waiting = (
        ExamOrder.objects.filter(
            status=OrderStatus.ORDERED,
            performing_institution_id=actor.institution_id,
            patient__in=identity.accessible_patients(actor),
        )
        .select_related("patient", "item")
        .order_by("ordered_at")[:200]
    )
    return render(
        request, "exams/staff_console.html", {"q": query, "found": found, "waiting": waiting}
    )


@staff_page("exams.book_exam")
def staff_plan(request: HttpRequest, patient_id: int, *, actor: Actor) -> HttpResponse:
    """The doctor's desk after ordering (and the console): order, see the plan, book it."""
    if request.method == "POST" and request.POST.get("action") == "order":
        try:
            services.place_exam_order(
                patient_id=patient_id,
                item_code=request.POST.get("item_code", ""),
                performing_institution_id=_int_or_none(
                    request.POST.get("performing_institution_id")
                ),
                actor=actor,
            )
        except DomainError as exc:
            messages.error(request, str(exc.message))
        return redirect("exams-staff-plan", patient_id)
    patient = get_object_or_404(identity.accessible_patients(actor), pk=patient_id)
    extra = {
        "patient": patient,
        "items": ExamItem.objects.filter(is_active=True),
        "institutions": _performing_institutions(actor),
    }
    return _plan_page(
        request, patient_id, actor, "exams/staff_plan.html", "exams-staff-booked-plan", extra
    )


def _int_or_none(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


def _performing_institutions(actor: Actor) -> list[Institution]:
    """Here, and the hospitals whose large equipment primary care may book (R-APPT-8)."""
    ids = {actor.institution_id}
    if actor.has_perm("exams.order_large_equipment"):
        ids |= set(
            Device.objects.filter(kind__in=LARGE_EQUIPMENT, is_active=True).values_list(
                "institution_id", flat=True
            )
        )
    return list(Institution.objects.filter(pk__in=ids))


@staff_page("exams.book_exam")
def staff_booked_plan(request: HttpRequest, plan_id: int, *, actor: Actor) -> HttpResponse:
    return _booked_plan(request, plan_id, actor, "exams/staff_booked_plan.html")


@staff_page("exams.check_in_exam")
def staff_today(request: HttpRequest, *, actor: Actor) -> HttpResponse:
    """The exam desk: today's exams here; check in on arrival, start when called in."""
    if request.method == "POST":
        order_id = _int_or_none(request.POST.get("order")) or 0
        try:
            if request.POST.get("action") == "start":
                services.start_exam(order_id, actor=actor)
            else:
                services.check_in_exam(order_id, actor=actor)
        except DomainError as exc:
            messages.error(request, str(exc.message))
        return redirect("exams-staff-today")
    today = timezone.localtime(clock.now()).date()
    orders = (
        ExamOrder.objects.filter(
            performing_institution_id=actor.institution_id,
            starts_at__date=today,
            status__in=(
                OrderStatus.BOOKED,
                OrderStatus.CHECKED_IN,
                OrderStatus.COMPLETED,
                OrderStatus.NO_SHOW,
            ),
        )
        .select_related("patient", "item", "device")
        .order_by("starts_at")
    )
    return render(request, "exams/staff_today.html", {"orders": orders, "today": today})
