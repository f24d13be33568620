"""The service centre's desks behind the one window: certificates reviewed and stamped, lending
against a deposit, lost and found, and the volunteers' and social workers' roster with its
requests for help."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from onetrip.core import clock
from onetrip.core.actors import Actor
from onetrip.core.pages import REFUSED, attempt, staff_page
from onetrip.service import forms
from onetrip.service.attempts import refuse_with_reason
from onetrip.service.models import CertificateStatus, LoanStatus
from onetrip.service.pdf import certificate_pdf_response
from onetrip.service.services import certificates, lending, volunteers
from onetrip.web.links import bill_link

# --- certificates ------------------------------------------------------------------------------


@staff_page(certificates.STAMP)
def certificate_desk(request: HttpRequest, *, actor: Actor) -> HttpResponse:
    form = forms.CertificateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        certificate = attempt(
            request,
            lambda: certificates.submit(
                certificates.CertificateIn(**form.cleaned_data), actor=actor
            ),
            done=lambda c: _("Certificate %(ref)s received for review.") % {"ref": c.reference},
            form=form,
            not_found_is_page=False,
        )
        if certificate is not REFUSED:
            return redirect("service-certificate", certificate.pk)
    context = {"form": form, "certificates": certificates.desk_list(actor=actor)}
    return render(request, "service/certificates.html", context, status=400 if form.errors else 200)


def _certificate(request, actor, certificate_id, form=None, status=200):
    certificate = certificates.certificate_for_staff(certificate_id, actor=actor)
    context = {"cert": certificate, "form": form or forms.RefuseForm()}
    return render(request, "service/certificate.html", context, status=status)


@staff_page(certificates.STAMP)
def certificate(request: HttpRequest, certificate_id: int, *, actor: Actor) -> HttpResponse:
    return _certificate(request, actor, certificate_id)


@require_POST
@staff_page(certificates.STAMP)
def certificate_stamp(request: HttpRequest, certificate_id: int, *, actor: Actor) -> HttpResponse:
    attempt(
        request,
        lambda: certificates.stamp(certificate_id, actor=actor),
        done=_("Stamped with the hospital seal; the patient is told."),
    )
    return redirect("service-certificate", certificate_id)


@require_POST
@staff_page(certificates.STAMP)
def certificate_refuse(request: HttpRequest, certificate_id: int, *, actor: Actor) -> HttpResponse:
    return refuse_with_reason(
        request,
        lambda reason: certificates.refuse(certificate_id, reason=reason, actor=actor),
        record="service-certificate",
        pk=certificate_id,
        show=lambda **page: _certificate(request, actor, certificate_id, **page),
    )


@staff_page(certificates.STAMP)
def certificate_staff_pdf(
    request: HttpRequest, certificate_id: int, *, actor: Actor
) -> HttpResponse:
    found = certificates.certificate_for_staff(certificate_id, actor=actor)
    if found.status != CertificateStatus.STAMPED:
        return redirect("service-certificate", certificate_id)
    return certificate_pdf_response(request, found)


# --- lending -----------------------------------------------------------------------------------


@staff_page(lending.LEND)
def lending_desk(request: HttpRequest, *, actor: Actor) -> HttpResponse:
    context = {"items": lending.equipment_list(actor=actor), "form": forms.LendForm()}
    return render(request, "service/lending.html", context)


@require_POST
@staff_page(lending.LEND)
def lend(request: HttpRequest, equipment_id: int, *, actor: Actor) -> HttpResponse:
    form = forms.LendForm(request.POST)
    if form.is_valid():
        loan = attempt(
            request,
            lambda: lending.lend(
                equipment_id=equipment_id, patient_id=form.cleaned_data["patient_id"], actor=actor
            ),
            done=_("Lent pending the deposit: take it at the cashier."),
            form=form,
        )
        if loan is not REFUSED:
            return redirect("service-loan", loan.pk)
    context = {"items": lending.equipment_list(actor=actor), "form": form}
    return render(request, "service/lending.html", context, status=400)


@staff_page(lending.LEND)
def loan(request: HttpRequest, loan_id: int, *, actor: Actor) -> HttpResponse:
    found = lending.loan_for_staff(loan_id, actor=actor)
    waiting = found.status == LoanStatus.AWAITING_DEPOSIT
    bill = lending.deposit_bill(found) if waiting else None
    context = {
        "loan": found,
        "paid": lending.deposit_paid(found),
        "pay_link": bill_link(bill) if bill is not None else "",
    }
    return render(request, "service/loan.html", context)


def _loan_step(verb, message):
    @require_POST
    @staff_page(lending.LEND)
    def step(request: HttpRequest, loan_id: int, *, actor: Actor) -> HttpResponse:
        attempt(request, lambda: verb(loan_id, actor=actor), done=message)
        return redirect("service-loan", loan_id)

    return step


loan_hand_over = _loan_step(lending.hand_over, gettext_lazy("Handed over."))
loan_return = _loan_step(lending.take_back, gettext_lazy("Returned; the deposit is refunded."))
loan_cancel = _loan_step(lending.cancel, gettext_lazy("Cancelled; the item is free."))


# --- lost and found ------------------------------------------------------------------------------


@staff_page(lending.FOUND)
def lost_found(request: HttpRequest, *, actor: Actor) -> HttpResponse:
    form = forms.FoundItemForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        item = attempt(
            request,
            lambda: lending.log_found(**form.cleaned_data, actor=actor),
            done=lambda i: _("Logged as %(ref)s.") % {"ref": i.reference},
            form=form,
        )
        if item is not REFUSED:
            return redirect("service-found")
    query = request.GET.get("q", "")
    context = {"form": form, "q": query, "items": lending.search_found(query, actor=actor)}
    return render(request, "service/lost_found.html", context, status=400 if form.errors else 200)


def _found(request, actor, item_id, form=None, status=200):
    item = lending.found_for_staff(item_id, actor=actor)
    context = {"item": item, "form": form or forms.ClaimForm()}
    return render(request, "service/found_item.html", context, status=status)


@staff_page(lending.FOUND)
def found_item(request: HttpRequest, item_id: int, *, actor: Actor) -> HttpResponse:
    return _found(request, actor, item_id)


@require_POST
@staff_page(lending.FOUND)
def found_claim(request: HttpRequest, item_id: int, *, actor: Actor) -> HttpResponse:
    form = forms.ClaimForm(request.POST)
    if form.is_valid():
        claimed = attempt(
            request,
            lambda: lending.claim(item_id, **form.cleaned_data, actor=actor),
            done=_("Handed to its owner."),
            form=form,
        )
        if claimed is not REFUSED:
            return redirect("service-found-item", item_id)
    return _found(request, actor, item_id, form=form, status=400)


# --- volunteers and social workers ------------------------------------------------------------


def _helper_choices(actor: Actor) -> list[tuple[int, str]]:
    return [(h.pk, f"{h.name} ({h.get_kind_display()})") for h in volunteers.roster(actor=actor)]


VOLUNTEER_FORMS = {
    "helper": (forms.HelperForm, volunteers.enrol),
    "shift": (forms.ShiftForm, volunteers.plan_shift),
    "help": (forms.HelpRequestForm, volunteers.ask_for_help),
    "training": (forms.TrainingForm, volunteers.record_training),
}


@staff_page(volunteers.MANAGE)
def volunteer_desk(request: HttpRequest, *, actor: Actor) -> HttpResponse:
    """The roster, the shifts and the requests for help; the page's three forms say which one
    was sent by the `form` field."""
    sent = request.POST.get("form") if request.method == "POST" else None
    page_forms = {
        name: form_class(request.POST if name == sent else None, prefix=name)
        for name, (form_class, _verb) in VOLUNTEER_FORMS.items()
    }
    for with_helper in ("shift", "training"):
        page_forms[with_helper].fields["helper_id"].choices = _helper_choices(actor)
    if sent in page_forms and page_forms[sent].is_valid():
        form, verb = page_forms[sent], VOLUNTEER_FORMS[sent][1]
        saved = attempt(
            request, lambda: verb(**form.cleaned_data, actor=actor), done=_("Saved."), form=form
        )
        if saved is not REFUSED:
            return redirect("service-volunteers")
    context = {
        "helper_form": page_forms["helper"],
        "shift_form": page_forms["shift"],
        "help_form": page_forms["help"],
        "training_form": page_forms["training"],
        "roster": volunteers.roster(actor=actor),
        "shifts": volunteers.coming_shifts(actor=actor),
        "requests": volunteers.open_requests(actor=actor),
        "now": clock.now(),
    }
    status = 400 if sent in page_forms and page_forms[sent].errors else 200
    return render(request, "service/volunteers.html", context, status=status)


@require_POST
@staff_page(volunteers.MANAGE)
def shift_sign_in(request: HttpRequest, shift_id: int, *, actor: Actor) -> HttpResponse:
    attempt(request, lambda: volunteers.sign_in(shift_id, actor=actor), done=_("Signed in."))
    return redirect("service-volunteers")


def _help(request, actor, request_id, assign_form=None, close_form=None, status=200):
    found = volunteers.request_for_staff(request_id, actor=actor)
    assign_form = assign_form or forms.AssignForm()
    assign_form.fields["helper_id"].choices = _helper_choices(actor)
    context = {
        "req": found,
        "assign_form": assign_form,
        "close_form": close_form or forms.CloseHelpForm(),
    }
    return render(request, "service/help_request.html", context, status=status)


@staff_page(volunteers.MANAGE)
def help_request(request: HttpRequest, request_id: int, *, actor: Actor) -> HttpResponse:
    return _help(request, actor, request_id)


@require_POST
@staff_page(volunteers.MANAGE)
def help_assign(request: HttpRequest, request_id: int, *, actor: Actor) -> HttpResponse:
    form = forms.AssignForm(request.POST)
    form.fields["helper_id"].choices = _helper_choices(actor)
    if form.is_valid():
        assigned = attempt(
            request,
            lambda: volunteers.assign(
                request_id, helper_id=form.cleaned_data["helper_id"], actor=actor
            ),
            done=_("Assigned."),
            form=form,
        )
        if assigned is not REFUSED:
            return redirect("service-help", request_id)
    return _help(request, actor, request_id, assign_form=form, status=400)


@require_POST
@staff_page(volunteers.MANAGE)
def help_close(request: HttpRequest, request_id: int, *, actor: Actor) -> HttpResponse:
    form = forms.CloseHelpForm(request.POST)
    if form.is_valid():
        closed = attempt(
            request,
            lambda: volunteers.close(request_id, outcome=form.cleaned_data["outcome"], actor=actor),
            done=_("Closed."),
            form=form,
        )
        if closed is not REFUSED:
            return redirect("service-help", request_id)
    return _help(request, actor, request_id, close_form=form, status=400)
