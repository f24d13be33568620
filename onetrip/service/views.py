"""Service-centre pages: the complaints officer's worklist and one complaint (route, answer,
close); a complaint entered at the desk for the telephone, web and box channels; record copies;
the one window's tickets; on the phone the patient's service centre (complaints and praise, record
copies, errands and stamped certificates); and the public check page of a certificate's QR code.
The desks behind the window are in `staff_views.py`."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from onetrip.consortium.models import Department, Institution
from onetrip.core import clock
from onetrip.core.actors import Actor
from onetrip.core.courier import courier
from onetrip.core.masking import mask_name
from onetrip.core.pages import REFUSED, attempt, staff_page
from onetrip.identity import services as identity
from onetrip.service import forms
from onetrip.service.attempts import refuse_with_reason
from onetrip.service.errands import CATALOGUE
from onetrip.service.models import ComplaintStatus, CopyStatus
from onetrip.service.pdf import certificate_pdf_response, copy_pdf
from onetrip.service.services import certificates, complaints, errands, record_copies
from onetrip.web.links import bill_link
from onetrip.web.sessions import patient_page

# --- the complaints officer -----------------------------------------------------------------


@staff_page(complaints.VIEW)
def worklist(request: HttpRequest, *, actor: Actor) -> HttpResponse:
    found = complaints.worklist(actor=actor)
    now = clock.now()
    return render(
        request,
        "service/worklist.html",
        {
            "open": [c for c in found if c.status != ComplaintStatus.CLOSED],
            "closed": [c for c in found if c.status == ComplaintStatus.CLOSED],
            "now": now,
            "month": now,
            "statistics": complaints.monthly_statistics(now.year, now.month, actor=actor),
        },
    )


@staff_page(complaints.FILE)
def staff_new_complaint(request: HttpRequest, *, actor: Actor) -> HttpResponse:
    form = forms.StaffComplaintForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        complaint = attempt(
            request,
            lambda: complaints.file_complaint(
                complaints.ComplaintIn(**form.cleaned_data), actor=actor
            ),
            done=lambda filed: _("Recorded as %(ref)s.") % {"ref": filed.reference},
            form=form,
            not_found_is_page=False,
        )
        if complaint is not REFUSED:
            if actor.has_perm(complaints.VIEW):
                return redirect("service-complaint", complaint.pk)
            return redirect("service-complaint-new")
    return render(request, "service/staff_new.html", {"form": form})


def _detail(request, actor, complaint_id, route_form=None, respond_form=None, status=200):
    complaint = complaints.complaint_for_staff(complaint_id, actor=actor)
    route_form = route_form or forms.RouteForm(
        initial={"severity": complaint.severity, "department_id": complaint.department_id}
    )
    route_form.fields["department_id"].choices = [
        (d.pk, d.name)
        for d in Department.objects.filter(institution_id=actor.institution_id).order_by("code")
    ]
    context = {
        "c": complaint,
        "steps": complaint.steps.all(),
        "route_form": route_form,
        "respond_form": respond_form or forms.RespondForm(),
        "overdue": complaint.status in complaints.OPEN and complaint.due_at < clock.now(),
        "can_handle": actor.has_perm(complaints.HANDLE),
    }
    return render(request, "service/detail.html", context, status=status)


@staff_page(complaints.VIEW)
def complaint_detail(request: HttpRequest, complaint_id: int, *, actor: Actor) -> HttpResponse:
    return _detail(request, actor, complaint_id)


@require_POST
@staff_page(complaints.HANDLE)
def route(request: HttpRequest, complaint_id: int, *, actor: Actor) -> HttpResponse:
    form = forms.RouteForm(request.POST)
    form.fields["department_id"].choices = [
        (d.pk, d.name) for d in Department.objects.filter(institution_id=actor.institution_id)
    ]
    if form.is_valid():
        routed = attempt(
            request,
            lambda: complaints.route_complaint(complaint_id, actor=actor, **form.cleaned_data),
            done=_("Sent to the department."),
            form=form,
        )
        if routed is not REFUSED:
            return redirect("service-complaint", complaint_id)
    return _detail(request, actor, complaint_id, route_form=form, status=400)


@require_POST
@staff_page(complaints.HANDLE)
def respond(request: HttpRequest, complaint_id: int, *, actor: Actor) -> HttpResponse:
    form = forms.RespondForm(request.POST)
    if form.is_valid():
        answered = attempt(
            request,
            lambda: complaints.respond(
                complaint_id, response=form.cleaned_data["response"], actor=actor
            ),
            done=_("Answer recorded; the patient is told."),
            form=form,
        )
        if answered is not REFUSED:
            return redirect("service-complaint", complaint_id)
    return _detail(request, actor, complaint_id, respond_form=form, status=400)


@require_POST
@staff_page(complaints.HANDLE)
def close(request: HttpRequest, complaint_id: int, *, actor: Actor) -> HttpResponse:
    attempt(
        request,
        lambda: complaints.close_complaint(complaint_id, actor=actor),
        done=_("Closed; the patient is asked to rate it."),
    )
    return redirect("service-complaint", complaint_id)


# --- the patient's phone --------------------------------------------------------------------


@patient_page
def patient_home(request: HttpRequest, *, actor: Actor) -> HttpResponse:
    return render(
        request,
        "service/patient_home.html",
        {
            "complaints": complaints.patient_complaints(actor).select_related("institution")[:50],
            "copies": record_copies.patient_copies(actor)[:50],
            "errands": errands.patient_tickets(actor)[:50],
            "certificates": certificates.patient_certificates(actor)[:50],
        },
    )


@patient_page
def patient_new_complaint(request: HttpRequest, *, actor: Actor) -> HttpResponse:
    form = forms.PatientComplaintForm(request.POST or None)
    form.fields["patient_id"].choices = [
        (p.pk, p.name) for p in identity.accessible_patients(actor).order_by("pk")
    ]
    form.fields["institution_id"].choices = [
        (i.pk, i.name) for i in Institution.objects.order_by("code")
    ]
    if request.method == "POST" and form.is_valid():
        complaint = attempt(
            request,
            lambda: complaints.file_complaint(
                complaints.ComplaintIn(**form.cleaned_data), actor=actor
            ),
            done=_("Thank you. We will answer you."),
            form=form,
            not_found_is_page=False,
        )
        if complaint is not REFUSED:
            return redirect("service-patient-complaint", complaint.pk)
    return render(request, "service/patient_new.html", {"form": form})


@patient_page
def patient_complaint(request: HttpRequest, complaint_id: int, *, actor: Actor) -> HttpResponse:
    complaint = complaints.complaint_for_patient(complaint_id, actor=actor)
    return render(
        request,
        "service/patient_complaint.html",
        {"c": complaint, "steps": complaint.steps.all(), "rate_form": forms.RateForm()},
    )


@require_POST
@patient_page
def patient_rate(request: HttpRequest, complaint_id: int, *, actor: Actor) -> HttpResponse:
    complaint = complaints.complaint_for_patient(complaint_id, actor=actor)
    form = forms.RateForm(request.POST)
    if form.is_valid():
        rated = attempt(
            request,
            lambda: complaints.rate_closure(complaint_id, actor=actor, **form.cleaned_data),
            done=_("Thank you for your rating."),
            form=form,
            not_found_is_page=False,
        )
        if rated is not REFUSED:
            return redirect("service-patient-complaint", complaint_id)
    return render(
        request,
        "service/patient_complaint.html",
        {"c": complaint, "steps": complaint.steps.all(), "rate_form": form},
        status=400,
    )


# --- medical record copies ----------------------------------------------------------------------


@staff_page(record_copies.VIEW)
def copies_office(request: HttpRequest, *, actor: Actor) -> HttpResponse:
    found = record_copies.office_list(actor=actor)
    rows = [(c, record_copies.is_paid(c)) for c in found]
    return render(request, "service/copies_office.html", {"rows": rows})


def _copy_detail(request, actor, copy_id, form=None, status=200):
    copy = record_copies.copy_for_staff(copy_id, actor=actor)
    context = {
        "copy": copy,
        "paid": record_copies.is_paid(copy),
        "form": form or forms.PrepareForm(),
        "tracking": courier().track(copy.waybill) if copy.waybill else [],
        "can_prepare": actor.has_perm(record_copies.PREPARE),
    }
    return render(request, "service/copy_detail.html", context, status=status)


@staff_page(record_copies.VIEW)
def copy_detail(request: HttpRequest, copy_id: int, *, actor: Actor) -> HttpResponse:
    return _copy_detail(request, actor, copy_id)


@require_POST
@staff_page(record_copies.PREPARE)
def copy_prepare(request: HttpRequest, copy_id: int, *, actor: Actor) -> HttpResponse:
    form = forms.PrepareForm(request.POST)
    if form.is_valid():
        prepared = attempt(
            request,
            lambda: record_copies.prepare(copy_id, pages=form.cleaned_data["pages"], actor=actor),
            done=_("Sent; the patient is told."),
            form=form,
        )
        if prepared is not REFUSED:
            return redirect("service-copy", copy_id)
    return _copy_detail(request, actor, copy_id, form=form, status=400)


@patient_page
def patient_apply_copy(request: HttpRequest, *, actor: Actor) -> HttpResponse:
    form = forms.CopyForm(request.POST or None, initial={"delivery": "post", "copies": 1})
    form.fields["patient_id"].choices = [
        (p.pk, p.name) for p in identity.accessible_patients(actor).order_by("pk")
    ]
    form.fields["institution_id"].choices = [
        (i.pk, i.name) for i in Institution.objects.order_by("code")
    ]
    if request.method == "POST" and form.is_valid():
        copy = attempt(
            request,
            lambda: record_copies.apply(record_copies.CopyIn(**form.cleaned_data), actor=actor),
            done=_("Applied. Pay the fee to start the copy."),
            form=form,
            not_found_is_page=False,
        )
        if copy is not REFUSED:
            return redirect("service-patient-copy", copy.pk)
    return render(request, "service/patient_apply.html", {"form": form})


@patient_page
def patient_copy(request: HttpRequest, copy_id: int, *, actor: Actor) -> HttpResponse:
    copy = record_copies.copy_for_patient(copy_id, actor=actor)
    bill = record_copies.fee_bill(copy) if copy.status == CopyStatus.APPLIED else None
    context = {
        "copy": copy,
        "paid": record_copies.is_paid(copy),
        "pay_link": bill_link(bill) if bill is not None else "",
        "tracking": courier().track(copy.waybill) if copy.waybill else [],
    }
    return render(request, "service/patient_copy.html", context)


@patient_page
def patient_copy_pdf(request: HttpRequest, copy_id: int, *, actor: Actor) -> HttpResponse:
    copy = record_copies.download_pdf(copy_id, actor=actor)
    response = HttpResponse(copy_pdf(copy), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="record-copy-{copy.reference}.pdf"'
    return response


# --- the one window -----------------------------------------------------------------------------


@staff_page(errands.HANDLE)
def window(request: HttpRequest, *, actor: Actor) -> HttpResponse:
    """The one window: the errand catalogue, a ticket opened for the person at the counter, and
    the tickets in hand with their promised time."""
    form = forms.TicketForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        ticket = attempt(
            request,
            lambda: errands.open_ticket(errands.TicketIn(**form.cleaned_data), actor=actor),
            done=lambda opened: _("Ticket %(ref)s opened.") % {"ref": opened.reference},
            form=form,
            not_found_is_page=False,
        )
        if ticket is not REFUSED:
            return redirect("service-ticket", ticket.pk)
    context = {
        "form": form,
        "catalogue": CATALOGUE,
        "tickets": errands.window_tickets(actor=actor),
        "now": clock.now(),
    }
    return render(request, "service/window.html", context, status=400 if form.errors else 200)


def _ticket(request, actor, ticket_id, form=None, status=200):
    ticket = errands.ticket_for_staff(ticket_id, actor=actor)
    context = {"t": ticket, "form": form or forms.RefuseForm()}
    return render(request, "service/ticket.html", context, status=status)


@staff_page(errands.HANDLE)
def ticket(request: HttpRequest, ticket_id: int, *, actor: Actor) -> HttpResponse:
    return _ticket(request, actor, ticket_id)


@require_POST
@staff_page(errands.HANDLE)
def ticket_done(request: HttpRequest, ticket_id: int, *, actor: Actor) -> HttpResponse:
    attempt(
        request,
        lambda: errands.finish(ticket_id, actor=actor),
        done=_("Done and stamped; the patient is told."),
    )
    return redirect("service-ticket", ticket_id)


@require_POST
@staff_page(errands.HANDLE)
def ticket_refuse(request: HttpRequest, ticket_id: int, *, actor: Actor) -> HttpResponse:
    return refuse_with_reason(
        request,
        lambda reason: errands.refuse(ticket_id, reason=reason, actor=actor),
        record="service-ticket",
        pk=ticket_id,
        show=lambda **page: _ticket(request, actor, ticket_id, **page),
    )


# --- errands and certificates on the phone -------------------------------------------------------


@patient_page
def patient_open_errand(request: HttpRequest, *, actor: Actor) -> HttpResponse:
    form = forms.PhoneErrandForm(request.POST or None)
    form.fields["patient_id"].choices = [
        (p.pk, p.name) for p in identity.accessible_patients(actor).order_by("pk")
    ]
    form.fields["institution_id"].choices = [
        (i.pk, i.name) for i in Institution.objects.order_by("code")
    ]
    if request.method == "POST" and form.is_valid():
        ticket = attempt(
            request,
            lambda: errands.open_on_phone(**form.cleaned_data, actor=actor),
            done=_("Sent to the service centre; we carry it for you."),
            form=form,
            not_found_is_page=False,
        )
        if ticket is not REFUSED:
            return redirect("service-patient-errand", ticket.pk)
    return render(
        request, "service/patient_errand_new.html", {"form": form, "catalogue": CATALOGUE}
    )


@patient_page
def patient_errand(request: HttpRequest, ticket_id: int, *, actor: Actor) -> HttpResponse:
    ticket = errands.ticket_for_patient(ticket_id, actor=actor)
    return render(request, "service/patient_errand.html", {"t": ticket, "now": clock.now()})


@patient_page
def patient_certificate_pdf(
    request: HttpRequest, certificate_id: int, *, actor: Actor
) -> HttpResponse:
    found = certificates.stamped_for_patient(certificate_id, actor=actor)
    return certificate_pdf_response(request, found)


def verify_certificate(request: HttpRequest, token: str) -> HttpResponse:
    """Public: an employer or school holding the paper checks it; a masked name, no diagnosis."""
    found = certificates.verify(token)
    context = {"cert": found, "masked_name": mask_name(found.patient.name) if found else ""}
    return render(request, "service/certificate_verify.html", context, status=200 if found else 404)
