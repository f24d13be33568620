"""Referral pages: the family doctor's worklist and referral forms at the township desk, the
hospital's referral office (双向转诊办公室), one referral with where it stands, the shared record,
remote consultations; and on the phone the patient's referrals, care plans and contract."""

from __future__ import annotations

import datetime as dt
import secrets

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from onetrip.consortium.models import PRIMARY_CARE_LEVELS, Department, Doctor, Institution
from onetrip.core import clock
from onetrip.core.actors import Actor
from onetrip.core.errors import DomainError, InvalidInput, NotFound, PermissionDenied
from onetrip.core.pages import add_domain_errors, staff_page
from onetrip.exams import services as exams
from onetrip.identity import services as identity
from onetrip.referral import forms, queries
from onetrip.referral.models import FamilyDoctorTeam, FollowUp, ReadingKind
from onetrip.referral.services import consultations, contracts, record, referrals
from onetrip.referral.services.common import HOSPITAL_LEVELS
from onetrip.reports import services as reports
from onetrip.scheduling.models import BookingChannel
from onetrip.scheduling.services import availability
from onetrip.web.sessions import patient_page

SLOTS_SHOWN = 12


def _slot_choices(department_ids: list[int], channel: str, *, after: dt.datetime | None = None):
    """The next free times open to `channel`, with their doctors' names."""
    found = availability.next_available(
        department_ids=department_ids,
        channel=channel,
        now=clock.now(),
        limit=SLOTS_SHOWN,
        after=after,
    )
    doctors = Doctor.objects.in_bulk({slot.doctor_id for slot in found})
    return [{"slot": slot, "doctor": doctors[slot.doctor_id]} for slot in found]


def _int(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


# --- the family doctor ----------------------------------------------------------------------


@staff_page(queries.VIEW)
def worklist(request: HttpRequest, *, actor: Actor) -> HttpResponse:
    """The family doctor's worklist: care plans received, referrals sent, consultations; and a
    patient search to start a referral, a consultation, a contract or read the shared record."""
    query = request.GET.get("q", "").strip()
    chosen = _int(request.GET.get("patient"))
    context = {
        "q": query,
        "found": identity.search_patients(query, actor=actor) if query else None,
        "work": queries.doctor_worklist(actor=actor),
        "at_hospital": Institution.objects.filter(
            pk=actor.institution_id, level__in=HOSPITAL_LEVELS
        ).exists(),
    }
    if chosen is not None:
        context["patient"] = identity.view_patient(chosen, actor=actor)
        context["contract"] = contracts.open_contract(chosen)
        context["teams"] = FamilyDoctorTeam.objects.filter(institution_id=actor.institution_id)
    return render(request, "referral/worklist.html", context)


@staff_page(referrals.REFER)
def refer_up(request: HttpRequest, patient_id: int, *, actor: Actor) -> HttpResponse:
    """The township desk: choose the hospital department, then a reserved primary-care time or a
    large-equipment exam, and send the referral."""
    patient = identity.view_patient(patient_id, actor=actor)
    departments = Department.objects.filter(institution__level__in=HOSPITAL_LEVELS).select_related(
        "institution"
    )
    department_id = _int(request.GET.get("department") or request.POST.get("department_id"))
    form = forms.UpwardReferralForm(
        request.POST or None, initial={"idempotency_key": secrets.token_urlsafe(16)}
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            referral = referrals.refer_up(
                referrals.UpwardReferral(
                    patient_id=patient.pk,
                    department_id=department_id or 0,
                    reason=data["reason"],
                    diagnosis=data["diagnosis"],
                    urgency=data["urgency"],
                    slot_id=data["slot_id"],
                    exam_item_code=data["exam_item_code"],
                    allergies=data["allergies"],
                    medications=data["medications"],
                    attached_report_ids=[
                        int(v) for v in request.POST.getlist("attached") if v.isdigit()
                    ],
                    record_shared=data["record_shared"],
                    idempotency_key=data["idempotency_key"],
                ),
                actor=actor,
            )
        except InvalidInput as exc:
            add_domain_errors(form, exc)
        except DomainError as exc:
            form.add_error(None, str(exc.message))
        else:
            messages.success(request, _("Referral sent and booked."))
            return redirect("referral-detail", referral.pk)
    context = {
        "patient": patient,
        "form": form,
        "departments": departments,
        "department_id": department_id,
        "slots": _slot_choices([department_id], BookingChannel.PRIMARY_CARE)
        if department_id
        else [],
        "exam_items": exams.large_equipment_items(),
        "results": reports.visible_reports(actor).filter(patient=patient)[:20],
    }
    return render(request, "referral/refer_up.html", context)


@staff_page(referrals.REFER)
def refer_down(request: HttpRequest, patient_id: int, *, actor: Actor) -> HttpResponse:
    """The hospital doctor (or the referral office) refers the patient back with a care plan."""
    patient = identity.view_patient(patient_id, actor=actor)
    form = forms.DownwardReferralForm(request.POST or None)
    contract = contracts.open_contract(patient.pk)
    form.fields["to_institution_id"].choices = [
        (i.pk, i.name) for i in Institution.objects.filter(level__in=PRIMARY_CARE_LEVELS)
    ]
    if contract is not None:
        form.fields["to_institution_id"].initial = contract.team.institution_id
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            referral = referrals.refer_down(
                referrals.DownwardReferral(
                    patient_id=patient.pk,
                    to_institution_id=data["to_institution_id"],
                    reason=data["reason"],
                    diagnosis=data["diagnosis"],
                    medication=data["medication"],
                    warning_signs=data["warning_signs"],
                    advice=data["advice"],
                    follow_ups=[referrals.FollowUpIn(d, p) for d, p in form.follow_ups()],
                ),
                actor=actor,
            )
        except InvalidInput as exc:
            add_domain_errors(form, exc, {"follow_ups": "follow_up_0_date"})
        else:
            messages.success(request, _("Referred back with the care plan."))
            return redirect("referral-detail", referral.pk)
    return render(
        request,
        "referral/refer_down.html",
        {"patient": patient, "form": form, "contract": contract},
    )


# --- one referral ---------------------------------------------------------------------------


@staff_page(queries.VIEW)
def detail(request: HttpRequest, referral_id: int, *, actor: Actor) -> HttpResponse:
    tracked = queries.referral_for(referral_id, actor=actor)
    referral = tracked.referral
    received = referral.to_institution_id == actor.institution_id
    context = {
        "t": tracked,
        "r": referral,
        "received": received,
        "office": received and actor.has_perm(referrals.OFFICE),
        "redirect_form": forms.RedirectForm(),
        "attached": reports.visible_reports(actor).filter(pk__in=referral.attached_reports),
    }
    context["redirect_form"].fields["to_institution_id"].choices = [("", "—")] + [
        (i.pk, i.name)
        for i in Institution.objects.filter(level__in=HOSPITAL_LEVELS).exclude(
            pk=actor.institution_id
        )
    ]
    if context["office"] and tracked.is_open and referral.green_channel_at is None:
        context["green_slots"] = (
            _slot_choices([referral.to_department_id], BookingChannel.WINDOW)
            if referral.urgency == "urgent" and referral.target == "clinic"
            else []
        )
    if referral.direction == "down":
        context["follow_ups"] = _follow_ups(referral, actor if received else None)
    return render(request, "referral/detail.html", context)


def _follow_ups(referral, actor: Actor | None) -> list[tuple[FollowUp, list]]:
    """The care plan's follow-ups; for the receiving family doctor, with the free times there
    from two days before each one still to book is due."""
    departments = (
        list(
            Department.objects.filter(institution_id=actor.institution_id).values_list(
                "pk", flat=True
            )
        )
        if actor
        else []
    )
    rows = []
    for follow_up in referral.care_plan.follow_ups.all():
        slots = []
        if departments and follow_up.appointment_id is None:
            start = dt.datetime.combine(
                follow_up.due_date - dt.timedelta(days=2),
                dt.time(),
                tzinfo=timezone.get_current_timezone(),
            )
            slots = _slot_choices(departments, BookingChannel.IN_CLINIC, after=start)[:6]
        rows.append((follow_up, slots))
    return rows


def _act(request: HttpRequest, referral_id: int, action) -> HttpResponse:
    try:
        action()
    except (NotFound, PermissionDenied):
        raise  # out of scope or role: 404 and 403, as everywhere (not a message on a redirect)
    except DomainError as exc:
        messages.error(request, str(exc.message))
    return redirect("referral-detail", referral_id)


@require_POST
@staff_page(referrals.OFFICE, referrals.REFER)
def accept(request: HttpRequest, referral_id: int, *, actor: Actor) -> HttpResponse:
    return _act(request, referral_id, lambda: referrals.accept_referral(referral_id, actor=actor))


@require_POST
@staff_page(referrals.OFFICE)
def redirect_referral(request: HttpRequest, referral_id: int, *, actor: Actor) -> HttpResponse:
    return _act(
        request,
        referral_id,
        lambda: referrals.redirect_referral(
            referral_id,
            reason=request.POST.get("reason", ""),
            to_institution_id=_int(request.POST.get("to_institution_id")),
            actor=actor,
        ),
    )


@require_POST
@staff_page(referrals.OFFICE)
def green_channel(request: HttpRequest, referral_id: int, *, actor: Actor) -> HttpResponse:
    return _act(
        request,
        referral_id,
        lambda: referrals.open_green_channel(
            referral_id, slot_id=_int(request.POST.get("slot_id")) or 0, actor=actor
        ),
    )


@require_POST
@staff_page(referrals.REFER)
def book_follow_up(request: HttpRequest, follow_up_id: int, *, actor: Actor) -> HttpResponse:
    referral_id = (
        FollowUp.objects.filter(pk=follow_up_id)
        .values_list("care_plan__referral_id", flat=True)
        .first()
    )
    return _act(
        request,
        referral_id or 0,
        lambda: referrals.book_follow_up(
            follow_up_id, slot_id=_int(request.POST.get("slot_id")) or 0, actor=actor
        ),
    )


# --- the referral office --------------------------------------------------------------------


@staff_page(referrals.OFFICE)
def office(request: HttpRequest, *, actor: Actor) -> HttpResponse:
    return render(request, "referral/office.html", {"work": queries.office_worklist(actor=actor)})


# --- shared record, consultations, contracts ------------------------------------------------


@staff_page("identity.view_patient")
def shared_record(request: HttpRequest, patient_id: int, *, actor: Actor) -> HttpResponse:
    summary = record.shared_record(patient_id, actor=actor)
    return render(request, "referral/record.html", {"record": summary, "staff": True})


@staff_page(referrals.REFER)
def new_consultation(request: HttpRequest, patient_id: int, *, actor: Actor) -> HttpResponse:
    patient = identity.view_patient(patient_id, actor=actor)
    form = forms.ConsultationForm(request.POST or None)
    form.fields["consulting_institution_id"].choices = [
        (i.pk, i.name)
        for i in Institution.objects.filter(level__in=HOSPITAL_LEVELS).exclude(
            pk=actor.institution_id
        )
    ]
    orders = exams.patient_orders_at(patient.pk, actor.institution_id)
    form.fields["exam_order_id"].choices = [("", "—")] + [
        (o.order_id, f"{o.item} · {o.placer_number}") for o in orders
    ]
    if request.method == "POST" and form.is_valid():
        try:
            consultation = consultations.request_consultation(
                consultations.ConsultationIn(patient_id=patient.pk, **form.cleaned_data),
                actor=actor,
            )
        except InvalidInput as exc:
            add_domain_errors(form, exc)
        else:
            messages.success(request, _("Consultation requested."))
            return redirect("referral-consultation", consultation.pk)
    return render(
        request,
        "referral/consultation_new.html",
        {"patient": patient, "form": form, "kinds": ReadingKind},
    )


@staff_page(queries.VIEW)
def consultation(request: HttpRequest, request_id: int, *, actor: Actor) -> HttpResponse:
    form = forms.AnswerForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            consultations.answer_consultation(
                request_id, opinion=form.cleaned_data["opinion"], actor=actor
            )
        except InvalidInput as exc:
            add_domain_errors(form, exc)
        except DomainError as exc:
            messages.error(request, str(exc.message))
        else:
            messages.success(request, _("Answer filed in the requester's record."))
            return redirect("referral-consultation", request_id)
    found = consultations.consultation_for(request_id, actor=actor)
    context = {
        "c": found,
        "form": form,
        "may_answer": found.consulting_institution_id == actor.institution_id
        and actor.has_perm(consultations.ANSWER),
        "now": clock.now(),
    }
    return render(request, "referral/consultation.html", context)


@require_POST
@staff_page("referral.offer_contract")
def offer_contract(request: HttpRequest, patient_id: int, *, actor: Actor) -> HttpResponse:
    try:
        contracts.offer_contract(
            patient_id, team_id=_int(request.POST.get("team_id")) or 0, actor=actor
        )
    except (NotFound, PermissionDenied):
        raise
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("Contract offered; the patient signs it on the phone."))
    return redirect(f"{reverse('referral-worklist')}?patient={patient_id}")


# --- the patient's phone --------------------------------------------------------------------


@patient_page
def patient_referrals(request: HttpRequest, *, actor: Actor) -> HttpResponse:
    patients = list(identity.accessible_patients(actor))
    context = {
        "referrals": queries.patient_referrals(actor=actor),
        "contracts": [(p, contracts.open_contract(p.pk)) for p in patients],
    }
    return render(request, "referral/patient_referrals.html", context)


@patient_page
def patient_referral(request: HttpRequest, referral_id: int, *, actor: Actor) -> HttpResponse:
    return render(
        request,
        "referral/patient_referral.html",
        {"t": queries.referral_for(referral_id, actor=actor)},
    )


@require_POST
@patient_page
def sign_contract(request: HttpRequest, contract_id: int, *, actor: Actor) -> HttpResponse:
    try:
        contracts.sign_contract(contract_id, actor=actor)
    except (NotFound, PermissionDenied):
        raise
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("Contract signed."))
    return redirect("patient-referrals")


@patient_page
def patient_record(request: HttpRequest, patient_id: int, *, actor: Actor) -> HttpResponse:
    summary = record.shared_record(patient_id, actor=actor)
    return render(request, "referral/patient_record.html", {"record": summary})
