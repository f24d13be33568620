"""The self-service kiosk's booking pages (issue 15 item 11, D105).

A kiosk is a registered system of its hospital: its browser is signed in once with the kiosk's
API key (channel "kiosk"), and every booking it makes is the kiosk's, from the kiosk pool. The
patient identifies with an ID card or the e-health card's QR code, picks a department and a time
with the fee and the cancellation deadline shown, and leaves with a slip and the fee payable at
the kiosk. "Finish" (or the next patient's card) forgets the patient."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from onetrip.consortium.models import Department
from onetrip.core import clock, limits
from onetrip.core.actors import Actor, client_ip
from onetrip.core.errors import DomainError, InvalidInput
from onetrip.identity import services as identity
from onetrip.scheduling import api_keys
from onetrip.scheduling.models import (
    ApiClient,
    Appointment,
    BookingChannel,
    ClinicSession,
    SessionStatus,
)
from onetrip.scheduling.services import availability, booking
from onetrip.scheduling.services.schedule import session_policy
from onetrip.scheduling.views import _new_key, _present_appointment, _yuan
from onetrip.web.links import bill_link

DEVICE_KEY = "kiosk_client_id"
PATIENT_KEY = "kiosk_patient_id"
BOOKED_KEY = "kiosk_appointment_id"
DAYS_SHOWN = 7


class DeviceForm(forms.Form):
    key = forms.CharField(
        label=_("Kiosk key"), max_length=200, widget=forms.PasswordInput(render_value=False)
    )


class IdentifyForm(forms.Form):
    doc_type = forms.ChoiceField(
        label=_("Document"),
        choices=[("resident_id", _("Resident ID card")), ("e_health_card", _("E-health card"))],
    )
    doc_number = forms.CharField(label=_("Number or scanned code"), max_length=200)


def _kiosk(request: HttpRequest) -> Actor | None:
    """The kiosk this browser is signed in as, while its key is active."""
    client_id = request.session.get(DEVICE_KEY)
    client = (
        ApiClient.objects.filter(pk=client_id, is_active=True, channel=BookingChannel.KIOSK).first()
        if isinstance(client_id, int)
        else None
    )
    return api_keys.client_actor(client, request) if client else None


def _forget_patient(request: HttpRequest) -> None:
    request.session.pop(PATIENT_KEY, None)
    request.session.pop(BOOKED_KEY, None)


@require_http_methods(["GET", "POST"])
def kiosk_home(request: HttpRequest) -> HttpResponse:
    """Signed in: the card reader (an ID card or an e-health card's code). Not yet: the kiosk's
    key, entered once by the hospital's staff when the kiosk is set up."""
    kiosk = _kiosk(request)
    if kiosk is None:
        return _device_sign_in(request)
    if request.method == "POST" and request.POST.get("action") == "finish":
        _forget_patient(request)
        return redirect("kiosk-home")
    form = IdentifyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        _forget_patient(request)
        try:
            patient = identity.patient_at_kiosk(
                form.cleaned_data["doc_type"], form.cleaned_data["doc_number"], actor=kiosk
            )
        except InvalidInput as exc:
            for error in exc.errors:
                form.add_error("doc_number", str(error.message))
        except DomainError as exc:  # no record here, too many look-ups
            form.add_error("doc_number", str(exc.message))
        else:
            request.session[PATIENT_KEY] = patient.pk
            return redirect("kiosk-book")
    return render(request, "scheduling/kiosk_home.html", {"form": form})


def _device_sign_in(request: HttpRequest) -> HttpResponse:
    form = DeviceForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            limits.spend("kiosk_key_per_client_address", client_ip(request))
        except DomainError as exc:
            form.add_error("key", str(exc.message))
        else:
            client = api_keys.client_for_key(form.cleaned_data["key"].strip())
            if client is None or client.channel != BookingChannel.KIOSK:
                form.add_error("key", _("This is not the key of an active kiosk."))
            else:
                request.session.cycle_key()
                request.session[DEVICE_KEY] = client.pk
                return redirect("kiosk-home")
    return render(request, "scheduling/kiosk_device.html", {"form": form})


def _patient(request: HttpRequest, kiosk: Actor):
    patient_id = request.session.get(PATIENT_KEY)
    if not isinstance(patient_id, int):
        return None
    return identity.accessible_patients(kiosk).filter(pk=patient_id).first()


@require_http_methods(["GET", "POST"])
def kiosk_book(request: HttpRequest) -> HttpResponse:
    """The kiosk hospital's departments, then the chosen one's sessions of the coming days with
    the times the kiosk pool still has; a tap on a time books it."""
    kiosk = _kiosk(request)
    patient = _patient(request, kiosk) if kiosk else None
    if kiosk is None or patient is None:
        return redirect("kiosk-home")
    if request.method == "POST":
        slot_id = request.POST.get("slot", "")
        try:
            appointment = booking.book_slot(
                booking.BookingRequest(
                    patient_id=patient.pk,
                    slot_id=int(slot_id) if slot_id.isdigit() else 0,
                    channel=BookingChannel.KIOSK,
                    idempotency_key=request.POST.get("key", "")[:64],
                ),
                actor=kiosk,
            )
        except DomainError as exc:
            messages.error(request, str(exc.message))
            return redirect(request.get_full_path())
        request.session[BOOKED_KEY] = appointment.pk
        return redirect("kiosk-slip")
    return render(
        request, "scheduling/kiosk_book.html", _choices(request, kiosk) | {"patient": patient}
    )


def _choices(request: HttpRequest, kiosk: Actor) -> dict[str, Any]:
    now = clock.now()
    departments = list(
        Department.objects.filter(institution_id=kiosk.institution_id).order_by("code")
    )
    wanted = request.GET.get("department", "")
    department = next((d for d in departments if str(d.pk) == wanted), None)
    boards = []
    if department is not None:
        sessions = (
            ClinicSession.objects.filter(
                department=department,
                status=SessionStatus.OPEN,
                ends_at__gt=now,
                date__lte=now.date() + dt.timedelta(days=DAYS_SHOWN),
            )
            .select_related("doctor", "clinic")
            .order_by("starts_at")
        )
        for session in sessions:
            free = [
                view
                for view in availability.session_slots(session, BookingChannel.KIOSK, now)
                if view.remaining
            ]
            if free:
                deadline = booking.cancel_deadline(session.date, session_policy(session))
                boards.append(
                    {
                        "session": session,
                        "fee": _yuan(session.fee_fen),
                        "cancel_until": deadline,
                        "slots": free,
                    }
                )
    return {
        "departments": departments,
        "department": department,
        "boards": boards,
        "key": _new_key(),
    }


def kiosk_slip(request: HttpRequest) -> HttpResponse:
    """The booking just made: where and when, the number, and the fee to pay here."""
    kiosk = _kiosk(request)
    patient = _patient(request, kiosk) if kiosk else None
    appointment_id = request.session.get(BOOKED_KEY)
    if kiosk is None or patient is None or not isinstance(appointment_id, int):
        return redirect("kiosk-home")
    appointment = (
        Appointment.objects.select_related("session", "slot", "patient")
        .filter(pk=appointment_id, patient=patient, session__institution_id=kiosk.institution_id)
        .first()
    )
    if appointment is None:
        return redirect("kiosk-home")
    fee = booking.registration_fee(appointment)
    context = {
        "a": _present_appointment(appointment, clock.now()),
        "pay_url": bill_link(fee.bill, place="kiosk") if fee and not fee.paid else "",
    }
    return render(request, "scheduling/kiosk_slip.html", context)
