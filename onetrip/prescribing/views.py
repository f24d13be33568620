"""Prescribing pages: the doctor's prescription desk at /staff/prescriptions/ (also after an
online follow-up) and the pharmacist's review at /staff/prescriptions/review/."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from onetrip.core.actors import Actor
from onetrip.core.errors import DomainError
from onetrip.core.pages import add_domain_errors, query_id, staff_page
from onetrip.prescribing import forms
from onetrip.prescribing.models import FormularyDrug, PrescriptionStatus
from onetrip.prescribing.services import prescriptions
from onetrip.prescribing.services.common import REVIEW, VIEW, WRITE


def _lines(data: dict) -> list[prescriptions.LineIn]:
    return [
        prescriptions.LineIn(
            drug_code=data[f"drug_{row}"],
            single_dose=data[f"dose_{row}"] or "",
            times_per_day=data[f"times_{row}"] or 1,
            route=data[f"route_{row}"] or "",
            quantity=data[f"quantity_{row}"] or 1,
        )
        for row in range(forms.ROWS)
        if data.get(f"drug_{row}")
    ]


@staff_page(WRITE)
def desk(request: HttpRequest, *, actor: Actor) -> HttpResponse:
    drugs = FormularyDrug.objects.filter(formulary__institution_id=actor.institution_id)
    initial = {
        "patient_id": query_id(request, "patient"),
        "online_visit_id": query_id(request, "visit"),
        "days": 7,
    }
    form = forms.PrescriptionForm(
        request.POST or None, drugs=drugs.order_by("name"), initial=initial
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            prescription = prescriptions.write_prescription(
                prescriptions.PrescriptionIn(
                    patient_id=data["patient_id"],
                    condition_code=data["condition_code"],
                    condition_name=data["condition_name"],
                    days=data["days"],
                    chronic=data["chronic"],
                    pregnant=data["pregnant"],
                    allergies=data["allergies"].replace("，", ",").split(","),
                    online_visit_id=data["online_visit_id"],
                    lines=_lines(data),
                ),
                actor=actor,
            )
        except DomainError as exc:
            if exc.status == 404:
                form.add_error("patient_id", str(exc.message))
            else:
                add_domain_errors(form, exc, {"lines.0.drug_code": "drug_0"})
        else:
            messages.success(
                request,
                _("Prescription %(ref)s sent to the pharmacist.") % {"ref": prescription.reference},
            )
            return redirect("prescribing-desk")
    return render(
        request,
        "prescribing/desk.html",
        {"form": form, "mine": prescriptions.written_by(actor=actor)},
        status=400 if form.errors else 200,
    )


@staff_page(REVIEW)
def review(request: HttpRequest, *, actor: Actor) -> HttpResponse:
    return render(
        request,
        "prescribing/review.html",
        {"waiting": prescriptions.review_worklist(actor=actor)},
    )


def _detail(request, actor, prescription_id, return_form=None, status=200):
    prescription = prescriptions.prescription_for_staff(prescription_id, actor=actor)
    return render(
        request,
        "prescribing/prescription.html",
        {
            "p": prescription,
            "lines": prescription.lines.select_related("drug"),
            "findings": prescriptions.explained_findings(prescription),
            "can_review": actor.has_perm(REVIEW)
            and prescription.status == PrescriptionStatus.IN_REVIEW,
            "return_form": return_form or forms.ReturnForm(),
        },
        status=status,
    )


@staff_page(VIEW)
def prescription(request: HttpRequest, prescription_id: int, *, actor: Actor) -> HttpResponse:
    return _detail(request, actor, prescription_id)


@require_POST
@staff_page(REVIEW)
def approve(request: HttpRequest, prescription_id: int, *, actor: Actor) -> HttpResponse:
    try:
        prescriptions.approve(prescription_id, actor=actor)
    except DomainError as exc:
        if exc.status == 404:
            raise
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("Approved; the patient is told to pay."))
        return redirect("prescribing-review")
    return redirect("prescribing-prescription", prescription_id)


@require_POST
@staff_page(REVIEW)
def return_to_doctor(request: HttpRequest, prescription_id: int, *, actor: Actor) -> HttpResponse:
    form = forms.ReturnForm(request.POST)
    if form.is_valid():
        try:
            prescriptions.return_to_doctor(
                prescription_id, reason=form.cleaned_data["reason"], actor=actor
            )
        except DomainError as exc:
            if exc.status == 404:
                raise
            add_domain_errors(form, exc)
        else:
            messages.success(request, _("Returned to the doctor."))
            return redirect("prescribing-review")
    return _detail(request, actor, prescription_id, return_form=form, status=400)
