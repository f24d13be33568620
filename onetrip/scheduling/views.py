"""Booking pages (R-APPT-1/2/4/6).

A patient books on a phone, one step per page: institution → department → doctor → day → time →
who the visit is for. A registration window books callers and walk-ins; a doctor books a return
visit in clinic, beyond the public window. Pages only read; every booking and cancellation goes
through `booking.book_slot` / `booking.cancel_appointment`, whose refusals are shown as messages.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from pypinyin import lazy_pinyin

from onetrip.billing.services import outstanding as billing
from onetrip.billing.services.sources import FeeNotPriced
from onetrip.consortium.models import Department, Doctor, Institution
from onetrip.core import clock
from onetrip.core.actors import Actor
from onetrip.core.bounds import parse_id
from onetrip.core.errors import DomainError, InvalidInput, NotFound
from onetrip.core.pages import staff_page
from onetrip.identity import services as identity
from onetrip.identity.presenters import present_patient
from onetrip.scheduling import queries
from onetrip.scheduling.models import (
    ACTIVE_STATUSES,
    Appointment,
    AppointmentStatus,
    BookingChannel,
    ClinicSession,
    PoolKind,
    PriorityClass,
    SessionStatus,
    Slot,
    WaitlistEntry,
    WaitlistStatus,
)
from onetrip.scheduling.policy import BookingPolicy
from onetrip.scheduling.quotas import pool_horizons, primary_care_return_at
from onetrip.scheduling.services import availability, booking, disruption, queue, waitlist
from onetrip.scheduling.services.schedule import policy_for, session_policy
from onetrip.web.sessions import patient_page

APP = BookingChannel.APP


# --- reads shared by the pages --------------------------------------------------------------


def _new_key() -> str:
    # One key per rendered form, so submitting the same form twice books once.
    return uuid.uuid4().hex


def _show_refusal(request: HttpRequest, exc: DomainError) -> None:
    messages.error(request, str(exc.message))


def _last_open_day(channel: str, now: dt.datetime, policy: BookingPolicy) -> dt.date | None:
    """The last visit day any pool open to `channel` reaches at `now` (None: no limit)."""
    horizons = list(pool_horizons(channel, now, policy).values())
    return None if None in horizons else max(horizons)


def _bookable_sessions(now: dt.datetime) -> QuerySet[ClinicSession]:
    return ClinicSession.objects.filter(status=SessionStatus.OPEN, ends_at__gt=now)


def _remaining(session: ClinicSession, channel: str, now: dt.datetime) -> int:
    return sum(view.remaining for view in availability.session_slots(session, channel, now))


@dataclass(frozen=True)
class DayChoice:
    session: ClinicSession
    remaining: int


def _doctor_policy(doctor: Doctor) -> BookingPolicy:
    return policy_for(
        institution_id=doctor.department.institution_id,
        department_id=doctor.department_id,
        doctor_id=doctor.pk,
    )


def _released_days(doctor: Doctor, policy: BookingPolicy, now: dt.datetime) -> Iterator[DayChoice]:
    """The doctor's sessions from now to the last day released to the app, with what is left;
    lazy, so "the next free day" stops at the first session with a free time."""
    sessions = ClinicSession.objects.filter(doctor=doctor, ends_at__gt=now)
    last = _last_open_day(APP, now, policy)
    if last is not None:
        sessions = sessions.filter(date__lte=last)
    for session in sessions.order_by("starts_at"):
        yield DayChoice(session, _remaining(session, APP, now))


def _yuan(fen: int) -> str:
    return f"¥{fen // 100}.{fen % 100:02d}"


def _fee_state(appointment: Appointment) -> tuple[str, Any]:
    """("none" | "unpaid" | "paying" | "paid", the fee on its bill) of a live booking."""
    if not appointment.session.fee_fen:
        return "none", None
    fee = booking.registration_fee(appointment)
    if fee is None:
        return "none", None
    if fee.paid:
        return "paid", fee
    return ("paying" if fee.settlement_id else "unpaid"), fee


IN_QUEUE = (
    AppointmentStatus.CHECKED_IN,
    AppointmentStatus.CALLED,
    AppointmentStatus.IN_CONSULTATION,
)


def _present_appointment(appointment: Appointment, now: dt.datetime) -> dict[str, Any]:
    session = appointment.session
    deadline = booking.cancel_deadline(appointment.visit_date, session_policy(session))
    is_live = appointment.status in (AppointmentStatus.HELD, AppointmentStatus.BOOKED)
    fee_state, fee = _fee_state(appointment) if is_live else ("none", None)
    is_today = appointment.visit_date == now.date()
    return {
        "id": appointment.pk,
        "number": appointment.booking_number,
        "patient_name": appointment.patient.name,
        "doctor": session.doctor,
        "department": session.department,
        "institution": session.institution,
        "clinic": session.clinic,
        "date": appointment.visit_date,
        "window": queries.visit_window(appointment.slot.starts_at, appointment.slot.ends_at),
        "fee": _yuan(session.fee_fen),
        "fee_state": fee_state,
        "status": appointment.status,
        "status_label": appointment.get_status_display(),
        "channel": appointment.channel,
        "channel_label": appointment.get_channel_display(),
        "priority_label": appointment.get_priority_display(),
        "is_walk_in": appointment.is_walk_in,
        "is_live": is_live,
        "cancel_until": deadline,
        "may_cancel": is_live and now <= deadline,
        "may_reschedule": appointment.status == AppointmentStatus.BOOKED and now <= deadline,
        "may_check_in": appointment.status == AppointmentStatus.BOOKED and is_today,
        "in_queue": appointment.status in IN_QUEUE and is_today,
        "held_until": appointment.held_until,
        "may_pay": fee_state == "unpaid",
        "bill_visit": fee.bill.visit_reference if fee is not None else "",
        # A stop-clinic rebooking offer, held for the patient to accept or decline.
        "is_offer": appointment.status == AppointmentStatus.HELD
        and appointment.replaces_id is not None,
    }


# --- patient: booking on a phone ------------------------------------------------------------


def _trail(*steps: tuple[str, str]) -> list[dict[str, str]]:
    """The choices made so far, each a link back to where it was made."""
    return [{"label": label, "url": url} for label, url in steps]


def _institution_step(institution: Institution) -> tuple[str, str]:
    return institution.name, reverse("patient-book-institution", args=[institution.pk])


def _department_step(department: Department) -> tuple[str, str]:
    return department.name, reverse("patient-book-department", args=[department.pk])


def _doctor_step(doctor: Doctor) -> tuple[str, str]:
    return doctor.name, reverse("patient-book-doctor", args=[doctor.pk])


@patient_page
def book_institutions(request: HttpRequest, *, actor: Actor) -> HttpResponse:
    now = clock.now()
    institutions = Institution.objects.filter(
        pk__in=_bookable_sessions(now).values("institution_id")
    ).order_by("code")
    return render(request, "scheduling/book_institutions.html", {"institutions": institutions})


def _name_matches(name: str, query: str) -> bool:
    """A doctor's name by characters, full pinyin or pinyin initials ("zhang wei", "zw")."""
    wanted = query.lower().replace(" ", "")
    if not wanted or wanted in name:
        return bool(wanted)
    syllables = lazy_pinyin(name)
    return "".join(syllables).startswith(wanted) or "".join(s[0] for s in syllables).startswith(
        wanted
    )


@patient_page
def book_search(request: HttpRequest, *, actor: Actor) -> HttpResponse:
    """Booking by doctor (name or pinyin initials) and by date: the matching sessions with what
    is left, each one tap from its times."""
    now = clock.now()
    query = request.GET.get("q", "").strip()[:20]
    days = [now.date() + dt.timedelta(days=n) for n in range(8)]
    wanted_day = request.GET.get("date", "")
    day = next((d for d in days if d.isoformat() == wanted_day), None)
    sessions = (
        _bookable_sessions(now)
        .select_related("doctor", "department", "institution")
        .order_by("starts_at")
    )
    # One day, or the coming week when only a name is given.
    sessions = sessions.filter(date=day) if day else sessions.filter(date__lte=days[-1])
    rows = []
    if query or day is not None:
        for session in sessions:
            if query and not _name_matches(session.doctor.name, query):
                continue
            remaining = _remaining(session, APP, now)
            if remaining:
                rows.append(
                    {"session": session, "remaining": remaining, "fee": _yuan(session.fee_fen)}
                )
            if len(rows) >= 30:
                break
    context = {"q": query, "days": days, "day": day, "rows": rows, "searched": bool(query or day)}
    return render(request, "scheduling/book_search.html", context)


@patient_page
def book_departments(request: HttpRequest, institution_id: int, *, actor: Actor) -> HttpResponse:
    now = clock.now()
    institution = get_object_or_404(Institution, pk=institution_id)
    departments = Department.objects.filter(
        institution=institution, pk__in=_bookable_sessions(now).values("department_id")
    ).order_by("code")
    rows = []
    for department in departments:
        found = availability.next_available(
            department_ids=[department.pk], channel=APP, now=now, limit=1
        )
        rows.append({"department": department, "next": found[0].starts_at if found else None})
    context = {
        "institution": institution,
        "rows": rows,
        "trail": _trail(_institution_step(institution)),
    }
    return render(request, "scheduling/book_departments.html", context)


@patient_page
def book_doctors(request: HttpRequest, department_id: int, *, actor: Actor) -> HttpResponse:
    now = clock.now()
    department = get_object_or_404(
        Department.objects.select_related("institution"), pk=department_id
    )
    doctors = Doctor.objects.filter(
        department=department, pk__in=_bookable_sessions(now).values("doctor_id")
    ).select_related("department")
    rows = []
    for doctor in doctors.order_by("name"):
        days = _released_days(doctor, _doctor_policy(doctor), now)
        free = next((day for day in days if day.remaining), None)
        rows.append(
            {
                "doctor": doctor,
                "next_day": free.session.date if free else None,
                "remaining": free.remaining if free else 0,
                "fee": _yuan(free.session.fee_fen) if free else "",
            }
        )
    context = {
        "department": department,
        "rows": rows,
        "trail": _trail(_institution_step(department.institution), _department_step(department)),
    }
    return render(request, "scheduling/book_doctors.html", context)


@patient_page
def book_days(request: HttpRequest, doctor_id: int, *, actor: Actor) -> HttpResponse:
    """The doctor's profile and released days; the chosen day (else the first with a free time)
    shows its times, so a time is one tap from here."""
    now = clock.now()
    doctor = get_object_or_404(
        Doctor.objects.select_related("department__institution"), pk=doctor_id
    )
    policy = _doctor_policy(doctor)
    days = list(_released_days(doctor, policy, now))
    wanted = _number(request.GET.get("session"))
    shown = next((d for d in days if d.session.pk == wanted), None) or next(
        (d for d in days if d.remaining), None
    )
    context = {
        "doctor": doctor,
        "days": days,
        "shown": shown,
        "times": _time_choices(shown.session, now) if shown else [],
        "fee": _yuan(shown.session.fee_fen) if shown else "",
        "policy": policy,
        "trail": _trail(
            _institution_step(doctor.department.institution),
            _department_step(doctor.department),
            _doctor_step(doctor),
        ),
    }
    return render(request, "scheduling/book_days.html", context)


@dataclass(frozen=True)
class TimeChoice:
    slot_id: int
    starts_at: dt.datetime
    ends_at: dt.datetime
    remaining: int
    state: str  # "open", "full" or "past"


def _time_choices(session: ClinicSession, now: dt.datetime) -> list[TimeChoice]:
    choices = []
    for view in availability.session_slots(session, APP, now):
        if view.remaining:
            state = "open"
        elif view.starts_at <= now:
            state = "past"
        else:
            state = "full"
        choices.append(
            TimeChoice(view.slot_id, view.starts_at, view.ends_at, view.remaining, state)
        )
    return choices


def _opens_at(session: ClinicSession, now: dt.datetime) -> dt.datetime | None:
    """When the app may first book this session's day, if that is still to come."""
    policy = session_policy(session)
    last = _last_open_day(APP, now, policy)
    if last is None or session.date <= last:
        return None
    day = session.date - dt.timedelta(days=policy.window_days)
    return timezone.make_aware(dt.datetime.combine(day, policy.release_time))


def _session_for_booking(session_id: int) -> ClinicSession:
    return get_object_or_404(
        ClinicSession.objects.select_related("doctor", "clinic", "department", "institution"),
        pk=session_id,
    )


def _session_trail(session: ClinicSession) -> list[dict[str, str]]:
    return _trail(
        _institution_step(session.institution),
        _department_step(session.department),
        _doctor_step(session.doctor),
        (f"{session.date:%m-%d}", reverse("patient-book-session", args=[session.pk])),
    )


@patient_page
def book_times(request: HttpRequest, session_id: int, *, actor: Actor) -> HttpResponse:
    now = clock.now()
    session = _session_for_booking(session_id)
    times = _time_choices(session, now)
    cards = identity.family_of_account(actor.account_id)
    context = {
        "session": session,
        "fee": _yuan(session.fee_fen),
        "times": times,
        "opens_at": _opens_at(session, now),
        "trail": _session_trail(session),
        # Full (and still to come, not stopped): the patient may wait for a freed time.
        "may_wait": session.status == SessionStatus.OPEN
        and session.ends_at > now
        and not any(t.state == "open" for t in times)
        and not _opens_at(session, now),
        "waiting_form": PatientBookingForm(cards, initial={"key": _new_key()}),
    }
    return render(request, "scheduling/book_times.html", context)


class PatientBookingForm(forms.Form):
    patient = forms.TypedChoiceField(
        label=gettext_lazy("Who is the appointment for?"), coerce=int, widget=forms.RadioSelect
    )
    key = forms.CharField(widget=forms.HiddenInput, max_length=100)

    def __init__(self, cards: list[identity.FamilyCard], *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["patient"]
        field.choices = [
            (card.patient.pk, f"{card.patient.name} · {card.grant.patient_label}") for card in cards
        ]
        # The account holder's own record first; else the only or first family member.
        own = next((c for c in cards if c.grant.relationship == "self"), None)
        if cards:
            field.initial = (own or cards[0]).patient.pk


@patient_page
def book_confirm(request: HttpRequest, slot_id: int, *, actor: Actor) -> HttpResponse:
    """The last step: who the visit is for. A refusal comes back here as a message."""
    slot = get_object_or_404(Slot, pk=slot_id)
    cards = identity.family_of_account(actor.account_id)
    if request.method == "POST":
        form = PatientBookingForm(cards, request.POST)
        pay_with = request.POST.get("pay_with", "")
        if form.is_valid():
            try:
                appointment = booking.book_slot(
                    booking.BookingRequest(
                        patient_id=form.cleaned_data["patient"],
                        slot_id=slot.pk,
                        channel=APP,
                        # Paying now holds the time until the payment confirms it.
                        hold=bool(pay_with),
                        idempotency_key=form.cleaned_data["key"],
                    ),
                    actor=actor,
                )
            except (booking.BookingRefused, FeeNotPriced, InvalidInput) as exc:
                _show_refusal(request, exc)
                return redirect("patient-book-confirm", slot_id=slot.pk)
            if pay_with:
                return _pay_fee(request, appointment, pay_with, actor)
            return redirect("patient-appointment", appointment_id=appointment.pk)
    else:
        form = PatientBookingForm(cards, initial={"key": _new_key()})
    now = clock.now()
    session = _session_for_booking(slot.session_id)
    remaining = next(
        (
            view.remaining
            for view in availability.session_slots(session, APP, now)
            if view.slot_id == slot.pk
        ),
        0,
    )
    context = {
        "window": queries.visit_window(slot.starts_at, slot.ends_at),
        "session": session,
        "fee": _yuan(session.fee_fen),
        "pay_online": session.fee_fen > 0,
        "pay_channels": billing.PHONE_CHANNELS,
        "cancel_until": booking.cancel_deadline(session.date, session_policy(session)),
        "past_deadline": now > booking.cancel_deadline(session.date, session_policy(session)),
        "hold_minutes": session_policy(session).hold_minutes,
        "remaining": remaining,
        "opens_at": _opens_at(session, now),
        "form": form,
        "has_patients": bool(cards),
        "trail": _session_trail(session),
    }
    return render(request, "scheduling/book_confirm.html", context)


def _pay_fee(request: HttpRequest, appointment: Appointment, channel: str, actor: Actor):
    """Start paying the booking's fee; back on the booking's page once paid."""
    here = reverse("patient-appointment", args=[appointment.pk])
    fee = booking.registration_fee(appointment)
    if fee is None or fee.paid:
        return redirect(here)
    try:
        settlement = billing.pay_on_phone(bill_id=fee.bill.pk, channel=channel, actor=actor)
    except DomainError as exc:
        _show_refusal(request, exc)
        return redirect(here)
    return redirect(billing.cashier_redirect(settlement, here))


@patient_page
def patient_appointment(request: HttpRequest, appointment_id: int, *, actor: Actor) -> HttpResponse:
    """One booking: its fee and whether it is paid, check-in, the place in the queue, the way to
    the room, and changing or cancelling it."""
    appointment = queries.appointment_for(appointment_id, actor=actor)
    if request.method == "POST":
        answer = _answer_offer(request, appointment, actor)
        if answer is not None:
            return answer
        if request.POST.get("action") == "check_in":
            return _check_in_on_phone(request, appointment, actor)
        return _pay_fee(request, appointment, request.POST.get("channel", ""), actor)
    if request.GET.get("BizToken"):  # back from the face check
        checked = identity.finish_face_check(request.GET["BizToken"], actor=actor)
        if checked.status == "failed":
            messages.error(
                request, _("The face did not match the identity card: check in at a desk.")
            )
            return redirect("patient-appointment", appointment_id=appointment.pk)
        return _check_in_on_phone(request, appointment, actor)
    context = {
        "a": _present_appointment(appointment, clock.now()),
        "pay_channels": billing.PHONE_CHANNELS,
    }
    if context["a"]["fee_state"] == "paying":
        here = reverse("patient-appointment", args=[appointment.pk])
        paying = booking.registration_fee(appointment)
        context["resume_url"] = billing.resume_cashier(paying.settlement_id, here)
    if context["a"]["in_queue"]:
        context["place"] = queue.queue_place(appointment)
    return render(request, "scheduling/appointment.html", context)


def _check_in_on_phone(request: HttpRequest, appointment: Appointment, actor: Actor):
    """Check in; the first time of the day the patient's face is checked first (D78)."""
    here = reverse("patient-appointment", args=[appointment.pk])
    try:
        queue.check_in_on_phone(appointment.pk, actor=actor)
    except DomainError as exc:
        if exc.code != "face_check_needed" or request.GET.get("BizToken"):
            _show_refusal(request, exc)
            return redirect(here)
        try:
            return redirect(
                identity.start_face_check(
                    appointment.patient_id, purpose="check_in", redirect_url=here, actor=actor
                )
            )
        except DomainError as refused:
            _show_refusal(request, refused)
            return redirect(here)
    messages.success(request, _("You are checked in. Wait to be called."))
    return redirect(here)


def _answer_offer(request: HttpRequest, appointment: Appointment, actor: Actor):
    """Accepting or declining a stop-clinic rebooking offer (the SMS sends the patient here)."""
    action = request.POST.get("action")
    if action not in ("accept_offer", "decline_offer"):
        return None
    try:
        if action == "accept_offer":
            disruption.accept_offer(appointment.pk, actor=actor)
            messages.success(request, _("The new time is yours."))
        else:
            disruption.decline_offer(appointment.pk, actor=actor)
            messages.success(request, _("Offer declined. Any fee paid is refunded."))
    except DomainError as exc:
        _show_refusal(request, exc)
    return redirect("patient-appointment", appointment_id=appointment.pk)


@patient_page
def patient_queue(request: HttpRequest, appointment_id: int, *, actor: Actor) -> HttpResponse:
    """The place in the queue, polled by the booking's page while the patient waits."""
    appointment = queries.appointment_for(appointment_id, actor=actor)
    context = {"a": _present_appointment(appointment, clock.now())}
    if context["a"]["in_queue"]:
        context["place"] = queue.queue_place(appointment)
    return render(request, "scheduling/_queue_place.html", context)


@patient_page
def patient_reschedule(request: HttpRequest, appointment_id: int, *, actor: Actor) -> HttpResponse:
    """改约: another time of the same department and fee, the same doctor's first."""
    appointment = queries.appointment_for(appointment_id, actor=actor)
    if request.method == "POST":
        slot_id = _number(request.POST.get("slot"))
        try:
            moved = booking.reschedule_appointment(appointment.pk, slot_id or 0, actor=actor)
        except DomainError as exc:
            _show_refusal(request, exc)
            return redirect("patient-appointment-reschedule", appointment_id=appointment.pk)
        messages.success(request, _("Your booking was moved. The fee goes with it."))
        return redirect("patient-appointment", appointment_id=moved.pk)
    now = clock.now()
    sessions = (
        _bookable_sessions(now)
        .filter(department_id=appointment.department_id, fee_fen=appointment.session.fee_fen)
        .select_related("doctor")
        .order_by("starts_at")
    )
    last = _last_open_day(APP, now, session_policy(appointment.session))
    if last is not None:
        sessions = sessions.filter(date__lte=last)
    same_doctor = [s for s in sessions if s.doctor_id == appointment.session.doctor_id]
    others = [s for s in sessions if s.doctor_id != appointment.session.doctor_id]
    choices = [
        {"session": session, "times": [t for t in _time_choices(session, now) if t.remaining]}
        for session in same_doctor + others
    ]
    context = {
        "a": _present_appointment(appointment, now),
        "choices": [c for c in choices if c["times"]][:10],
        "current_slot": appointment.slot_id,
    }
    return render(request, "scheduling/reschedule.html", context)


@patient_page
def patient_appointments(request: HttpRequest, *, actor: Actor) -> HttpResponse:
    """Bookings still to come first (soonest first), then past and cancelled ones."""
    now = clock.now()
    mine = queries.visible_appointments(actor).select_related("patient")
    coming = Q(status__in=ACTIVE_STATUSES, slot__ends_at__gt=now)
    upcoming = mine.filter(coming).order_by("slot__starts_at", "pk")
    others = mine.exclude(coming).order_by("-slot__starts_at", "-pk")[:20]
    waiting = (
        WaitlistEntry.objects.filter(
            status=WaitlistStatus.WAITING,
            patient__in=identity.accessible_patients(actor),
            session__ends_at__gt=now,
        )
        .select_related("patient", "session__doctor", "session__department")
        .order_by("joined_at")
    )
    context = {
        "upcoming": [_present_appointment(a, now) for a in upcoming],
        "others": [_present_appointment(a, now) for a in others],
        "waiting": waiting,
    }
    return render(request, "scheduling/appointments.html", context)


@patient_page
@require_POST
def patient_join_waitlist(request: HttpRequest, session_id: int, *, actor: Actor) -> HttpResponse:
    """候补: wait for a full session; a freed time is booked for the first in line."""
    patient_id = _number(request.POST.get("patient"))
    if patient_id is None:
        messages.error(request, _("Choose who is waiting."))
        return redirect("patient-book-session", session_id=session_id)
    try:
        waitlist.join_waitlist(patient_id, session_id, channel=APP, actor=actor)
    except NotFound:
        raise  # another's patient or no such session: 404, as everywhere
    except DomainError as exc:
        _show_refusal(request, exc)
        return redirect("patient-book-session", session_id=session_id)
    messages.success(request, _("You are on the waiting list; we text you if a time frees up."))
    return redirect("patient-appointments")


@patient_page
@require_POST
def patient_leave_waitlist(request: HttpRequest, entry_id: int, *, actor: Actor) -> HttpResponse:
    try:
        waitlist.leave_waitlist(entry_id, actor=actor)
    except NotFound:
        raise  # another's entry: 404, as everywhere
    except DomainError as exc:
        _show_refusal(request, exc)
    return redirect("patient-appointments")


@patient_page
@require_POST
def patient_cancel(request: HttpRequest, appointment_id: int, *, actor: Actor) -> HttpResponse:
    appointment = queries.appointment_for(appointment_id, actor=actor)
    fee_state, fee = _fee_state(appointment)
    try:
        booking.cancel_appointment(appointment.pk, actor=actor)
    except booking.BookingRefused as exc:
        _show_refusal(request, exc)
        return redirect("patient-appointment", appointment_id=appointment.pk)
    if fee_state == "paid":
        messages.success(
            request,
            _("Booking cancelled. The %(amount)s fee is refunded to where you paid it from.")
            % {"amount": _yuan(fee.amount_fen)},
        )
    else:
        messages.success(request, _("Booking cancelled."))
    return redirect("patient-appointments")


# --- staff: window and in-clinic booking ----------------------------------------------------


@dataclass(frozen=True)
class Desk:
    """A staff booking page: which channels it books through, and whether it takes walk-ins
    and queue priority (the window) or not (a doctor's return-visit booking)."""

    title: Promise
    channels: tuple[str, ...]
    at_window: bool

    def channels_for(self, actor: Actor) -> list[str]:
        """The desk's channels this staff member may book through."""
        return [c for c in self.channels if actor.has_perm(booking.STAFF_CHANNEL_PERMISSIONS[c])]


WINDOW_DESK = Desk(
    gettext_lazy("Window booking"),
    (BookingChannel.WINDOW, BookingChannel.PHONE),
    at_window=True,
)
RETURN_VISIT_DESK = Desk(
    gettext_lazy("Return-visit booking"),
    (BookingChannel.IN_CLINIC,),
    at_window=False,
)


class DeskBookingForm(forms.Form):
    patient = forms.IntegerField(
        error_messages={"required": gettext_lazy("Find the patient first.")},
        widget=forms.HiddenInput,
    )
    slot = forms.IntegerField(error_messages={"required": gettext_lazy("Choose a time.")})
    channel = forms.ChoiceField(widget=forms.HiddenInput)
    walk_in = forms.BooleanField(label=gettext_lazy("Walk-in (on site today)"), required=False)
    priority = forms.TypedChoiceField(
        label=gettext_lazy("Queue priority"),
        choices=PriorityClass.choices,
        coerce=int,
        initial=PriorityClass.ORDINARY,
    )
    key = forms.CharField(widget=forms.HiddenInput, max_length=100)

    def __init__(self, desk: Desk, actor: Actor, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["channel"].choices = [(c, c) for c in desk.channels_for(actor)]
        if not desk.at_window:
            del self.fields["walk_in"]
            del self.fields["priority"]


def _number(value: str | None) -> int | None:
    try:
        return parse_id(value or "")
    except ValueError:
        return None


def _pick(items: list[Any], wanted: int | None, default: Any) -> Any:
    return next((item for item in items if item.pk == wanted), default)


@dataclass(frozen=True)
class SessionBoard:
    session: ClinicSession
    times: list[availability.SlotView]
    pools: list[tuple[str, int]]  # (pool label, units left)
    fee: str
    primary_care_return_at: dt.datetime  # when unused primary-care units join the shared pool
    primary_care_returned: bool


def _board(session: ClinicSession, channel: str, now: dt.datetime) -> SessionBoard:
    views = availability.session_slots(session, channel, now)
    pools = [
        (str(label), sum(view.pools.get(kind, 0) for view in views))
        for kind, label in PoolKind.choices
    ]
    return_at = primary_care_return_at(session.date, session_policy(session))
    return SessionBoard(session, views, pools, _yuan(session.fee_fen), return_at, now >= return_at)


def _desk_choices(request: HttpRequest, actor: Actor, desk: Desk) -> dict[str, Any]:
    """What the desk shows: department, doctor (or any), channel and day, from the query string
    with defaults (a doctor starts on their own sessions), and the sessions of that day."""
    now = clock.now()
    query = request.GET
    own = Doctor.objects.filter(user=actor.user).first()
    departments = list(
        Department.objects.filter(institution_id=actor.institution_id).order_by("code")
    )
    default_department = _pick(departments, own.department_id if own else None, None)
    department = _pick(
        departments,
        _number(query.get("department")),
        default_department or next(iter(departments), None),
    )
    doctors = list(Doctor.objects.filter(department=department).order_by("name"))
    doctor = _pick(doctors, _number(query.get("doctor")), None)
    if doctor is None and "doctor" not in query:
        doctor = _pick(doctors, own.pk if own else None, None)
    channels = desk.channels_for(actor)
    channel = query.get("channel") if query.get("channel") in channels else channels[0]
    sessions = ClinicSession.objects.filter(department=department, ends_at__gt=now)
    if doctor is not None:
        sessions = sessions.filter(doctor=doctor)
    if department is not None:
        policy = policy_for(
            institution_id=department.institution_id,
            department_id=department.pk,
            doctor_id=doctor.pk if doctor else None,
        )
        last = _last_open_day(channel, now, policy)
        if last is not None:
            sessions = sessions.filter(date__lte=last)
    days = sorted(set(sessions.values_list("date", flat=True)))
    wanted_day = query.get("date", "")
    day = next((d for d in days if d.isoformat() == wanted_day), days[0] if days else None)
    on_day = sessions.filter(date=day).select_related("doctor", "clinic").order_by("starts_at")
    return {
        "departments": departments,
        "department": department,
        "doctors": doctors,
        "doctor": doctor,
        "channels": [(c, BookingChannel(c).label) for c in channels],
        "channel": channel,
        "days": days,
        "day": day,
        "boards": [_board(session, channel, now) for session in on_day],
    }


def _desk(request: HttpRequest, actor: Actor, desk: Desk) -> HttpResponse:
    if request.method == "POST":
        return _desk_book(request, actor, desk)
    context = _desk_choices(request, actor, desk)
    patient_id = _number(request.GET.get("patient"))
    query = request.GET.get("q", "").strip()
    found = identity.search_patients(query, actor=actor) if query else None
    context.update(
        desk=desk,
        q=query,
        found=None if found is None else [present_patient(p, actor=actor) for p in found],
        # Showing the chosen patient is a read of their record, audited like any other.
        patient=(
            present_patient(identity.view_patient(patient_id, actor=actor), actor=actor)
            if patient_id
            else None
        ),
        keep=_keep_query(request, "q", "patient"),
        form=DeskBookingForm(
            desk,
            actor,
            initial={"patient": patient_id, "channel": context["channel"], "key": _new_key()},
        ),
    )
    return render(request, "scheduling/desk.html", context)


def _keep_query(request: HttpRequest, *dropped: str) -> str:
    """The desk's query string without the given keys, to build links that change only them."""
    kept = {k: v for k, v in request.GET.items() if k not in dropped}
    return urlencode(kept)


def _desk_book(request: HttpRequest, actor: Actor, desk: Desk) -> HttpResponse:
    form = DeskBookingForm(desk, actor, request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, " ".join(errors))
        return redirect(request.get_full_path())
    data = form.cleaned_data
    try:
        appointment = booking.book_slot(
            booking.BookingRequest(
                patient_id=data["patient"],
                slot_id=data["slot"],
                channel=data["channel"],
                idempotency_key=data["key"],
                priority=data.get("priority", PriorityClass.ORDINARY),
                walk_in=data.get("walk_in", False),
            ),
            actor=actor,
        )
    except (booking.BookingRefused, InvalidInput) as exc:
        _show_refusal(request, exc)
        return redirect(request.get_full_path())
    return redirect("staff-booking-slip", appointment_id=appointment.pk)


@staff_page("scheduling.book_at_window", "scheduling.book_by_phone")
def window_booking(request: HttpRequest, *, actor: Actor) -> HttpResponse:
    return _desk(request, actor, WINDOW_DESK)


@staff_page("scheduling.book_in_clinic")
def return_visit_booking(request: HttpRequest, *, actor: Actor) -> HttpResponse:
    return _desk(request, actor, RETURN_VISIT_DESK)


@staff_page("scheduling.view_appointment")
def booking_slip(request: HttpRequest, appointment_id: int, *, actor: Actor) -> HttpResponse:
    appointment = queries.view_appointment(appointment_id, actor=actor)
    context = {"a": _present_appointment(appointment, clock.now())}
    return render(request, "scheduling/slip.html", context)
