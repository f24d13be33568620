"""Pharmacy pages: the dispensing queue, deliveries and the window screen at /staff/pharmacy/, and
the patient's medicines on the phone at /p/medicines/ (pay, where and when to collect, delivery)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from onetrip.core.actors import Actor
from onetrip.core.errors import DomainError
from onetrip.core.masking import mask_name
from onetrip.core.pages import add_domain_errors, staff_page
from onetrip.pharmacy import forms
from onetrip.pharmacy.models import Delivery, DispenseStatus
from onetrip.pharmacy.services import delivery as deliveries
from onetrip.pharmacy.services import dispensing
from onetrip.prescribing.services import prescriptions
from onetrip.web.links import bill_link
from onetrip.web.sessions import patient_page

# --- the pharmacy -------------------------------------------------------------------------


@staff_page(dispensing.VIEW)
def queue(request: HttpRequest, *, actor: Actor) -> HttpResponse:
    orders = dispensing.queue(actor=actor)
    return render(
        request,
        "pharmacy/queue.html",
        {
            "to_pick": [o for o in orders if o.status == DispenseStatus.QUEUED],
            "at_window": [
                o for o in orders if o.status in (DispenseStatus.READY, DispenseStatus.CALLED)
            ],
            "deliveries": Delivery.objects.filter(
                order__in=[o for o in orders if o.status == DispenseStatus.HOME]
            )
            .exclude(status="delivered")
            .select_related("order__patient", "order__prescription"),
            "proof_form": forms.ProofForm(),
        },
    )


def _step(request, verb, object_id: int, done: str) -> HttpResponse:
    try:
        verb(object_id)
    except DomainError as exc:
        if exc.status == 404:
            raise
        messages.error(request, str(exc.message))
    else:
        messages.success(request, done)
    return redirect("pharmacy-queue")


@require_POST
@staff_page(dispensing.DISPENSE)
def ready(request: HttpRequest, order_id: int, *, actor: Actor) -> HttpResponse:
    return _step(
        request,
        lambda pk: dispensing.mark_ready(pk, actor=actor),
        order_id,
        _("Ready; the patient is told."),
    )


@require_POST
@staff_page(dispensing.DISPENSE)
def call(request: HttpRequest, order_id: int, *, actor: Actor) -> HttpResponse:
    return _step(
        request, lambda pk: dispensing.call(pk, actor=actor), order_id, _("Called to the window.")
    )


@require_POST
@staff_page(dispensing.DISPENSE)
def hand_over(request: HttpRequest, order_id: int, *, actor: Actor) -> HttpResponse:
    return _step(
        request, lambda pk: dispensing.hand_over(pk, actor=actor), order_id, _("Handed over.")
    )


@require_POST
@staff_page(dispensing.DISPENSE)
def decoct(request: HttpRequest, delivery_id: int, *, actor: Actor) -> HttpResponse:
    return _step(
        request,
        lambda pk: deliveries.start_decoction(pk, actor=actor),
        delivery_id,
        _("Decoction started; the patient is told."),
    )


@require_POST
@staff_page(dispensing.DISPENSE)
def dispatch(request: HttpRequest, delivery_id: int, *, actor: Actor) -> HttpResponse:
    return _step(
        request,
        lambda pk: deliveries.dispatch(pk, actor=actor),
        delivery_id,
        _("Handed to the courier; the patient has the code."),
    )


@require_POST
@staff_page(dispensing.DISPENSE)
def confirm(request: HttpRequest, delivery_id: int, *, actor: Actor) -> HttpResponse:
    code = request.POST.get("code", "")
    return _step(
        request,
        lambda pk: deliveries.confirm_delivery(pk, code=code, actor=actor),
        delivery_id,
        _("Delivered to the patient."),
    )


@staff_page(dispensing.VIEW)
def screen(request: HttpRequest, *, actor: Actor) -> HttpResponse:
    """The window screen: who is called to which window (names masked), refreshed by htmx."""
    template = (
        "pharmacy/_board.html" if request.headers.get("HX-Request") else "pharmacy/screen.html"
    )
    called = [(o, mask_name(o.patient.name)) for o in dispensing.calling(actor.institution_id)]
    return render(request, template, {"called": called})


# --- the patient's phone ----------------------------------------------------------------------


@patient_page
def patient_home(request: HttpRequest, *, actor: Actor) -> HttpResponse:
    return render(
        request,
        "pharmacy/patient_home.html",
        {"found": prescriptions.patient_prescriptions(actor)[:30]},
    )


def _patient_context(prescription_id: int, actor: Actor, form=None) -> dict:
    prescription = prescriptions.prescription_for_patient(prescription_id, actor=actor)
    order = dispensing.order_for_patient(prescription_id, actor=actor)
    delivery = Delivery.objects.filter(order=order).first() if order else None
    bill = prescriptions.unpaid_bill(prescription)
    return {
        "p": prescription,
        "lines": prescription.lines.select_related("drug"),
        "pay_link": bill_link(bill) if bill is not None else "",
        "order": order,
        "delivery": delivery,
        "tracking": deliveries.tracking(delivery) if delivery else [],
        "form": form or forms.DeliveryForm(initial={"recipient_phone": prescription.patient.phone}),
    }


@patient_page
def patient_prescription(
    request: HttpRequest, prescription_id: int, *, actor: Actor
) -> HttpResponse:
    context = _patient_context(prescription_id, actor)
    template = (
        "pharmacy/_state.html" if request.headers.get("HX-Request") else "pharmacy/patient.html"
    )
    return render(request, template, context)


@require_POST
@patient_page
def patient_arrived(request: HttpRequest, prescription_id: int, *, actor: Actor) -> HttpResponse:
    dispensing.arrive(prescription_id, actor=actor)
    return redirect("pharmacy-patient-prescription", prescription_id)


@require_POST
@patient_page
def patient_delivery(request: HttpRequest, prescription_id: int, *, actor: Actor) -> HttpResponse:
    form = forms.DeliveryForm(request.POST)
    if form.is_valid():
        try:
            deliveries.request_delivery(prescription_id, actor=actor, **form.cleaned_data)
        except DomainError as exc:
            if exc.status == 404:
                raise
            add_domain_errors(form, exc)
        else:
            messages.success(request, _("Home delivery requested."))
            return redirect("pharmacy-patient-prescription", prescription_id)
    context = _patient_context(prescription_id, actor, form)
    return render(request, "pharmacy/patient.html", context, status=400)
