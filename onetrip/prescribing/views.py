"""Prescribing pages: the doctor's prescription desk at /staff/prescriptions/ (also after an
online follow-up), the pharmacist's review at /staff/prescriptions/review/, and the online
follow-up visits: the doctor's at /staff/online/, the patient's on the phone at /p/online/."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from onetrip.core.actors import Actor
from onetrip.core.bounds import parse_id
from onetrip.core.errors import DomainError
from onetrip.core.pages import add_domain_errors, query_id, staff_page
from onetrip.prescribing import forms
from onetrip.prescribing.models import FormularyDrug, PrescriptionStatus
from onetrip.prescribing.services import online, prescriptions
from onetrip.prescribing.services.common import HOLD_VISIT, REVIEW, VIEW, WRITE
from onetrip.web.sessions import patient_page


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


# --- online follow-up visits ------------------------------------------------------------------


def _conversation(request, visit, *, staff: bool, form=None, close_form=None, status=200):
    context = {
        "v": visit,
        "chat": online.messages_of(visit),
        "staff": staff,
        "form": form or forms.MessageForm(),
        "close_form": close_form or forms.CloseVisitForm(),
    }
    if request.headers.get("HX-Request"):
        return render(request, "prescribing/_messages.html", context)
    page = "prescribing/visit_staff.html" if staff else "prescribing/visit_patient.html"
    return render(request, page, context, status=status)


def _send(request, visit_id: int, actor: Actor, *, staff: bool) -> HttpResponse:
    form = forms.MessageForm(request.POST, request.FILES)
    if form.is_valid():
        upload = form.cleaned_data["picture"]
        try:
            online.send_message(
                visit_id,
                text=form.cleaned_data["text"],
                picture=upload.read() if upload else None,
                picture_type=upload.content_type if upload else "",
                actor=actor,
            )
        except DomainError as exc:
            if exc.status == 404:
                raise
            add_domain_errors(form, exc)
        else:
            return redirect(
                "prescribing-staff-visit" if staff else "prescribing-patient-visit", visit_id
            )
    visit = online.visit_for(visit_id, actor=actor)
    return _conversation(request, visit, staff=staff, form=form, status=400)


def _picture(message) -> HttpResponse:
    response = HttpResponse(bytes(message.picture), content_type=message.picture_type)
    response["Cache-Control"] = "private, no-store"
    return response


@staff_page(HOLD_VISIT)
def staff_visits(request: HttpRequest, *, actor: Actor) -> HttpResponse:
    return render(
        request, "prescribing/visits_staff.html", {"visits": online.doctor_visits(actor=actor)}
    )


@staff_page(HOLD_VISIT)
def staff_visit(request: HttpRequest, visit_id: int, *, actor: Actor) -> HttpResponse:
    return _conversation(request, online.visit_for(visit_id, actor=actor), staff=True)


@require_POST
@staff_page(HOLD_VISIT)
def staff_send(request: HttpRequest, visit_id: int, *, actor: Actor) -> HttpResponse:
    return _send(request, visit_id, actor, staff=True)


@require_POST
@staff_page(HOLD_VISIT)
def staff_close(request: HttpRequest, visit_id: int, *, actor: Actor) -> HttpResponse:
    form = forms.CloseVisitForm(request.POST)
    if form.is_valid():
        try:
            online.close_visit(visit_id, note=form.cleaned_data["note"], actor=actor)
        except DomainError as exc:
            if exc.status == 404:
                raise
            add_domain_errors(form, exc)
        else:
            messages.success(request, _("The visit is finished and recorded."))
            return redirect("prescribing-staff-visit", visit_id)
    visit = online.visit_for(visit_id, actor=actor)
    return _conversation(request, visit, staff=True, close_form=form, status=400)


@staff_page(HOLD_VISIT)
def staff_picture(
    request: HttpRequest, visit_id: int, message_id: int, *, actor: Actor
) -> HttpResponse:
    online.visit_for(visit_id, actor=actor)  # the audited read
    return _picture(online.picture_of(visit_id, message_id, actor=actor))


@patient_page
def patient_visits(request: HttpRequest, *, actor: Actor) -> HttpResponse:
    return render(
        request,
        "prescribing/visits_patient.html",
        {
            "visits": online.patient_visits(actor)[:20],
            "conditions": online.follow_up_conditions(actor),
        },
    )


@patient_page
def patient_book(request: HttpRequest, diagnosis_id: int, *, actor: Actor) -> HttpResponse:
    diagnosis = next((d for d in online.follow_up_conditions(actor) if d.pk == diagnosis_id), None)
    if diagnosis is None:
        raise Http404
    refusal = ""
    if request.method == "POST":
        try:
            visit = online.book_online_visit(
                diagnosis_id, parse_id(request.POST.get("slot_id", "")) or 0, actor=actor
            )
        except (DomainError, ValueError) as exc:
            if isinstance(exc, DomainError) and exc.status == 404:
                raise Http404 from None
            refusal = str(exc.message) if isinstance(exc, DomainError) else _("Choose a time.")
        else:
            return redirect("prescribing-patient-visit", visit.pk)
    else:
        try:
            online.in_person_basis(
                diagnosis.patient_id, diagnosis.condition_code, diagnosis.institution_id
            )
        except online.FirstVisitInPerson as exc:
            refusal = str(exc.message)
    return render(
        request,
        "prescribing/book_visit.html",
        {
            "d": diagnosis,
            "refusal": refusal,
            "slots": [] if refusal and request.method == "GET" else online.free_slots(diagnosis),
        },
        status=400 if refusal and request.method == "POST" else 200,
    )


@patient_page
def patient_visit(request: HttpRequest, visit_id: int, *, actor: Actor) -> HttpResponse:
    return _conversation(request, online.visit_for(visit_id, actor=actor), staff=False)


@require_POST
@patient_page
def patient_send(request: HttpRequest, visit_id: int, *, actor: Actor) -> HttpResponse:
    return _send(request, visit_id, actor, staff=False)


@patient_page
def patient_picture(
    request: HttpRequest, visit_id: int, message_id: int, *, actor: Actor
) -> HttpResponse:
    return _picture(online.picture_of(visit_id, message_id, actor=actor))
