"""Public-health pages. Staff: the vaccination desk (today's visits, screening, the scanned dose
and its observation timer, adverse events), stock and cold chain, a lot's trace and recall, a
person's lots; births at the hospital; the township doctor's hut worklist. Phone: the family's
vaccination cards with booking and the observation timer, and the birth application with its
three outcomes; mother-and-child records (desk and phone, with the WHO growth charts), the huts'
video consultations and the family's home care on the phone."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from onetrip.consortium.models import Institution
from onetrip.core import clock
from onetrip.core.actors import Actor
from onetrip.core.pages import REFUSED, attempt, staff_page
from onetrip.identity import services as identity
from onetrip.publichealth import forms, mch_schedule, schedule
from onetrip.publichealth.models import VaccineProduct, VisitStatus
from onetrip.publichealth.services import (
    births,
    home_care,
    huts,
    maternal_child,
    vaccination,
    video,
)
from onetrip.web.links import bill_link
from onetrip.web.sessions import patient_page

# --- the vaccination desk ---------------------------------------------------------------------


@staff_page(vaccination.VACCINATE)
def desk(request: HttpRequest, *, actor: Actor) -> HttpResponse:
    return render(
        request, "publichealth/desk.html", {"visits": vaccination.desk_visits(actor=actor)}
    )


def _seconds_left(until: dt.datetime) -> int:
    return max(0, int((until - clock.now()).total_seconds()))


def _visit(request, actor, visit_id, *, screening=None, dose_form=None, aefi=None, status=200):
    visit = vaccination.visit_for_staff(visit_id, actor=actor)
    dose = vaccination.dose_of(visit)
    context = {
        "visit": visit,
        "dose": dose,
        "paid": vaccination.is_paid(visit),
        "screening_form": screening or forms.ScreeningForm(),
        "dose_form": dose_form or forms.DoseForm(),
        "aefi_form": aefi or forms.AefiForm(),
        "follow_up_form": forms.AefiFollowUpForm(),
        "events": list(dose.adverse_events.order_by("pk")) if dose else [],
        "seconds_left": _seconds_left(dose.observation_until) if dose else 0,
    }
    return render(request, "publichealth/visit.html", context, status=status)


@staff_page(vaccination.VACCINATE)
def visit_detail(request: HttpRequest, visit_id: int, *, actor: Actor) -> HttpResponse:
    return _visit(request, actor, visit_id)


@require_POST
@staff_page(vaccination.VACCINATE)
def visit_screen(request: HttpRequest, visit_id: int, *, actor: Actor) -> HttpResponse:
    form = forms.ScreeningForm(request.POST)
    if form.is_valid():
        answers = {k: form.cleaned_data[k] for k in vaccination.SCREENING_QUESTIONS}
        visit = attempt(
            request,
            lambda: vaccination.screen(
                visit_id, answers=answers, consent_by=form.cleaned_data["consent_by"], actor=actor
            ),
            done=None,
            form=form,
        )
        if visit is not REFUSED:
            if visit.status == VisitStatus.DEFERRED:
                messages.warning(request, _("Deferred: a doctor must decide."))
            return redirect("publichealth-visit", visit_id)
    return _visit(request, actor, visit_id, screening=form, status=400)


@require_POST
@staff_page(vaccination.VACCINATE)
def visit_give(request: HttpRequest, visit_id: int, *, actor: Actor) -> HttpResponse:
    form = forms.DoseForm(request.POST)
    if form.is_valid():
        given = attempt(
            request,
            lambda: vaccination.give_dose(visit_id, actor=actor, **form.cleaned_data),
            done=_("Dose recorded. Observation for 30 minutes."),
            form=form,
        )
        if given is not REFUSED:
            return redirect("publichealth-visit", visit_id)
    return _visit(request, actor, visit_id, dose_form=form, status=400)


@require_POST
@staff_page(vaccination.VACCINATE)
def dose_observed(request: HttpRequest, dose_id: int, *, actor: Actor) -> HttpResponse:
    dose = attempt(
        request,
        lambda: vaccination.end_observation(dose_id, actor=actor),
        done=_("Observation ended."),
    )
    if dose is REFUSED:
        return redirect("publichealth-desk")
    return redirect("publichealth-visit", dose.visit_id)


@require_POST
@staff_page(vaccination.VACCINATE)
def dose_aefi(request: HttpRequest, dose_id: int, *, actor: Actor) -> HttpResponse:
    form = forms.AefiForm(request.POST)
    if form.is_valid():
        event = attempt(
            request,
            lambda: vaccination.report_aefi(dose_id, actor=actor, **form.cleaned_data),
            done=_("Adverse event reported."),
        )
        if event is not REFUSED:
            return redirect("publichealth-visit", event.dose.visit_id)
    else:
        messages.error(request, _("Check the adverse-event form."))
    return redirect("publichealth-desk")


@require_POST
@staff_page(vaccination.VACCINATE)
def aefi_follow_up(request: HttpRequest, event_id: int, *, actor: Actor) -> HttpResponse:
    form = forms.AefiFollowUpForm(request.POST)
    if form.is_valid():
        event = attempt(
            request,
            lambda: vaccination.follow_up_aefi(event_id, actor=actor, **form.cleaned_data),
            done=_("Follow-up recorded."),
        )
        if event is not REFUSED:
            return redirect("publichealth-visit", event.dose.visit_id)
    return redirect("publichealth-desk")


# --- stock, cold chain, trace and recall -------------------------------------------------------


def _product_choices():
    return [(p.code, p.name) for p in VaccineProduct.objects.order_by("code")]


@staff_page(vaccination.VACCINATE)
def stock(request: HttpRequest, *, actor: Actor) -> HttpResponse:
    lot_form = forms.LotForm(request.POST if "lot_number" in request.POST else None)
    lot_form.fields["product_code"].choices = _product_choices()
    cold_form = forms.ColdChainForm(request.POST if "unit" in request.POST else None)
    status = 200
    if request.method == "POST":
        if lot_form.is_bound and lot_form.is_valid():
            lot = attempt(
                request,
                lambda: vaccination.receive_lot(
                    vaccination.LotIn(**lot_form.cleaned_data), actor=actor
                ),
                done=lambda lot: _("Lot %(lot)s received.") % {"lot": lot.lot_number},
                form=lot_form,
                not_found_is_page=False,
            )
            if lot is not REFUSED:
                return redirect("publichealth-stock")
        elif cold_form.is_bound and cold_form.is_valid():
            reading = attempt(
                request,
                lambda: vaccination.record_temperature(
                    unit=cold_form.cleaned_data["unit"],
                    tenths_celsius=int(cold_form.cleaned_data["celsius"] * 10),
                    actor=actor,
                ),
                done=None,
                form=cold_form,
                not_found_is_page=False,
            )
            if reading is not REFUSED:
                if reading.excursion:
                    messages.warning(request, _("Temperature excursion flagged."))
                return redirect("publichealth-stock")
        status = 400
    context = {
        "lots": vaccination.recent_lots(actor=actor),
        "readings": vaccination.cold_chain_log(actor=actor),
        "lot_form": lot_form,
        "cold_form": cold_form,
        "can_receive": actor.has_perm(vaccination.RECEIVE),
    }
    return render(request, "publichealth/stock.html", context, status=status)


@staff_page(vaccination.VACCINATE)
def lot_detail(request: HttpRequest, lot_id: int, *, actor: Actor) -> HttpResponse:
    lot, doses = vaccination.lot_for_staff(lot_id, actor=actor)
    context = {
        "lot": lot,
        "doses": doses,
        "form": forms.RecallForm(),
        "can_recall": actor.has_perm(vaccination.RECALL),
    }
    return render(request, "publichealth/lot.html", context)


@require_POST
@staff_page(vaccination.RECALL)
def lot_recall(request: HttpRequest, lot_id: int, *, actor: Actor) -> HttpResponse:
    form = forms.RecallForm(request.POST)
    if form.is_valid():
        attempt(
            request,
            lambda: vaccination.recall_lot(lot_id, reason=form.cleaned_data["reason"], actor=actor),
            done=lambda told: _("Recalled; %(n)s people are told.") % {"n": told},
        )
    return redirect("publichealth-lot", lot_id)


@staff_page(vaccination.VACCINATE)
def person_lots(request: HttpRequest, patient_id: int, *, actor: Actor) -> HttpResponse:
    patient, doses = vaccination.person_for_staff(patient_id, actor=actor)
    return render(request, "publichealth/person.html", {"patient": patient, "doses": doses})


# --- births and huts (staff) --------------------------------------------------------------------


@staff_page(births.VIEW)
def births_list(request: HttpRequest, *, actor: Actor) -> HttpResponse:
    return render(
        request, "publichealth/births.html", {"applications": births.births_at(actor=actor)}
    )


@staff_page(huts.FOLLOW_UP)
def hut_worklist(request: HttpRequest, *, actor: Actor) -> HttpResponse:
    context = {
        "readings": huts.worklist(actor=actor),
        "huts": list(huts.responsible_huts(actor).order_by("code")),
        "form": forms.FollowUpForm(),
        "aed_form": forms.AedForm(),
    }
    return render(request, "publichealth/huts.html", context)


@require_POST
@staff_page(huts.FOLLOW_UP)
def hut_follow_up(request: HttpRequest, reading_id: int, *, actor: Actor) -> HttpResponse:
    form = forms.FollowUpForm(request.POST)
    if form.is_valid():
        attempt(
            request,
            lambda: huts.follow_up(reading_id, note=form.cleaned_data["note"], actor=actor),
            done=_("Followed up."),
        )
    return redirect("publichealth-huts")


@require_POST
@staff_page(huts.FOLLOW_UP)
def hut_aed(request: HttpRequest, hut_id: int, *, actor: Actor) -> HttpResponse:
    form = forms.AedForm(request.POST)
    form.is_valid()
    huts.log_aed_check(hut_id, actor=actor, **form.cleaned_data)
    messages.success(request, _("AED check logged."))
    return redirect("publichealth-huts")


# --- the phone ----------------------------------------------------------------------------------


@patient_page
def patient_home(request: HttpRequest, *, actor: Actor) -> HttpResponse:
    return render(
        request,
        "publichealth/patient_home.html",
        {
            "cards": vaccination.vaccination_cards(actor),
            "births": births.patient_births(actor)[:10],
            "names": schedule.PRODUCT_NAMES,
            "edition": schedule.EDITION,
        },
    )


@patient_page
def patient_book(request: HttpRequest, *, actor: Actor) -> HttpResponse:
    form = forms.BookVaccinationForm(request.POST or None, initial=request.GET.dict())
    form.fields["patient_id"].choices = [
        (p.pk, p.name) for p in identity.accessible_patients(actor).order_by("pk")
    ]
    form.fields["product_code"].choices = _product_choices()
    times = vaccination.open_times(now=clock.now())
    form.fields["slot_id"].choices = [
        (t.slot_id, f"{timezone.localtime(t.starts_at):%m-%d %H:%M}") for t in times
    ]
    if request.method == "POST" and form.is_valid():
        visit = attempt(
            request,
            lambda: vaccination.book_vaccination(actor=actor, **form.cleaned_data),
            done=_("Booked."),
            form=form,
            not_found_is_page=False,
        )
        if visit is not REFUSED:
            return redirect("publichealth-patient-visit", visit.pk)
    return render(
        request,
        "publichealth/patient_book.html",
        {"form": form},
        status=400 if form.errors else 200,
    )


@patient_page
def patient_visit(request: HttpRequest, visit_id: int, *, actor: Actor) -> HttpResponse:
    visit = vaccination.visit_for_patient(visit_id, actor=actor)
    bill = vaccination.fee_bill(visit)
    dose = vaccination.dose_of(visit)
    context = {"visit": visit, "pay_link": bill_link(bill) if bill else "", "dose": dose}
    return render(request, "publichealth/patient_visit.html", context)


@patient_page
def patient_dose(request: HttpRequest, dose_id: int, *, actor: Actor) -> HttpResponse:
    dose = vaccination.dose_for_patient(dose_id, actor=actor)
    context = {"dose": dose, "seconds_left": _seconds_left(dose.observation_until)}
    return render(request, "publichealth/patient_dose.html", context)


@patient_page
def patient_birth_new(request: HttpRequest, *, actor: Actor) -> HttpResponse:
    form = forms.BirthForm(request.POST or None)
    form.fields["mother_id"].choices = [
        (p.pk, p.name) for p in identity.accessible_patients(actor).filter(sex="female")
    ]
    form.fields["institution_id"].choices = [
        (i.pk, i.name) for i in Institution.objects.order_by("code")
    ]
    if request.method == "POST" and form.is_valid():
        application = attempt(
            request,
            lambda: births.apply_for_birth(births.BirthIn(**form.cleaned_data), actor=actor),
            done=_("Applied. The birth certificate is issued."),
            form=form,
            not_found_is_page=False,
        )
        if application is not REFUSED:
            return redirect("publichealth-patient-birth", application.pk)
    return render(
        request,
        "publichealth/patient_birth_new.html",
        {"form": form},
        status=400 if form.errors else 200,
    )


@patient_page
def patient_birth(request: HttpRequest, application_id: int, *, actor: Actor) -> HttpResponse:
    application = births.birth_for_patient(application_id, actor=actor)
    return render(request, "publichealth/patient_birth.html", {"a": application})


# --- home care ----------------------------------------------------------------------------------


@staff_page(home_care.VISIT, home_care.ORDER)
def home_care_desk(request: HttpRequest, *, actor: Actor) -> HttpResponse:
    """Doctors order home care here; the station's nurses see the visits to make and schedule
    visits for the orders."""
    form = forms.HomeCareOrderForm(request.POST if "reason" in request.POST else None)
    schedule_form = forms.HomeVisitScheduleForm(
        request.POST if "nurse_username" in request.POST else None
    )
    status = 200
    if request.method == "POST":
        if form.is_bound and form.is_valid():
            ordered = attempt(
                request,
                lambda: home_care.order_home_care(actor=actor, **form.cleaned_data),
                done=_("Home care ordered."),
                form=form,
                not_found_is_page=False,
            )
            if ordered is not REFUSED:
                return redirect("publichealth-home-care")
        elif schedule_form.is_bound and schedule_form.is_valid():
            scheduled = attempt(
                request,
                lambda: home_care.schedule_visit(
                    schedule_form.cleaned_data["order_id"],
                    nurse_username=schedule_form.cleaned_data["nurse_username"],
                    at=schedule_form.cleaned_data["at"],
                    actor=actor,
                ),
                done=_("Visit scheduled."),
                form=schedule_form,
                not_found_is_page=False,
            )
            if scheduled is not REFUSED:
                return redirect("publichealth-home-care")
        status = 400
    can_visit = actor.has_perm(home_care.VISIT)
    context = {
        "form": form,
        "schedule_form": schedule_form,
        "can_order": actor.has_perm(home_care.ORDER),
        "can_visit": can_visit,
        "visits": home_care.nurse_worklist(actor=actor) if can_visit else [],
        "orders": home_care.open_orders(actor=actor) if can_visit else [],
    }
    return render(request, "publichealth/home_care.html", context, status=status)


@staff_page(home_care.VISIT)
def home_visit(request: HttpRequest, visit_id: int, *, actor: Actor) -> HttpResponse:
    visit = home_care.visit_for_staff(visit_id, actor=actor)
    form = forms.HomeVisitForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        temperature = data.pop("temperature")
        recorded = attempt(
            request,
            lambda: home_care.record_visit(
                visit_id,
                actor=actor,
                temperature_tenths=int(temperature * 10) if temperature is not None else None,
                **data,
            ),
            done=_("Visit recorded and charged."),
            form=form,
        )
        if recorded is not REFUSED:
            return redirect("publichealth-home-care")
    return render(
        request,
        "publichealth/home_visit.html",
        {"visit": visit, "form": form},
        status=400 if form.errors else 200,
    )


# --- mother and child (staff) -------------------------------------------------------------------


def _post_form(request: HttpRequest, action: str, form_class):
    """The form of `action` bound to the POST when the POST is for it, else unbound; its fields'
    ids start with the action, as several forms on one page share field names."""
    data = request.POST if request.POST.get("action") == action else None
    return form_class(data, auto_id=f"{action}_%s")


def _slot_choices(times) -> list[tuple[int, str]]:
    return [(t.slot_id, f"{timezone.localtime(t.starts_at):%m-%d %H:%M}") for t in times]


def _check_choices() -> list[tuple[int, str]]:
    return [(w.number, f"{w.number} ({w.label()})") for w in mch_schedule.ANTENATAL_CHECKS]


def _child_month_choices() -> list[tuple[int, str]]:
    return [(m, str(m)) for m in mch_schedule.CHILD_CHECK_MONTHS]


@staff_page(maternal_child.MANAGE)
def mch_desk(request: HttpRequest, *, actor: Actor) -> HttpResponse:
    form = forms.PregnancyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        pregnancy = attempt(
            request,
            lambda: maternal_child.register_pregnancy(actor=actor, **form.cleaned_data),
            done=_("Pregnancy registered."),
            form=form,
            not_found_is_page=False,
        )
        if pregnancy is not REFUSED:
            return redirect("publichealth-mch-pregnancy", pregnancy.pk)
    child_number = request.GET.get("child", "")
    if child_number.isdigit():
        return redirect("publichealth-mch-child", int(child_number))
    context = {"form": form, "pregnancies": maternal_child.desk_pregnancies(actor=actor)}
    return render(
        request, "publichealth/mch_desk.html", context, status=400 if form.errors else 200
    )


_PREGNANCY_ACTIONS = {
    "risk": (forms.RiskForm, maternal_child.flag_risk, _("Risk graded.")),
    "check": (
        forms.AntenatalCheckForm,
        maternal_child.record_antenatal_check,
        _("Check recorded."),
    ),
    "delivery": (forms.DeliveryForm, maternal_child.record_delivery, _("Delivery recorded.")),
    "postnatal": (
        forms.PostnatalForm,
        maternal_child.record_postnatal_visit,
        _("Postnatal visit recorded."),
    ),
}


@staff_page(maternal_child.MANAGE)
def mch_pregnancy(request: HttpRequest, pregnancy_id: int, *, actor: Actor) -> HttpResponse:
    card = maternal_child.pregnancy_for_staff(pregnancy_id, actor=actor)
    bound = {name: _post_form(request, name, spec[0]) for name, spec in _PREGNANCY_ACTIONS.items()}
    bound["check"].fields["number"].choices = _check_choices()
    book = _post_form(request, "book", forms.BookCheckForm)
    book.fields["number"].choices = _check_choices()
    book.fields["slot_id"].choices = _slot_choices(maternal_child.open_times(now=clock.now()))
    action = request.POST.get("action", "")
    if request.method == "POST":
        form = book if action == "book" else bound.get(action)
        if form is None:
            return redirect("publichealth-mch-pregnancy", pregnancy_id)
        if form.is_valid():
            if action == "book":
                taken = attempt(
                    request,
                    lambda: maternal_child.book_antenatal_check(
                        pregnancy_id=pregnancy_id, actor=actor, **form.cleaned_data
                    ),
                    done=_("Check booked."),
                    form=form,
                )
            else:
                _form, verb, done = _PREGNANCY_ACTIONS[action]
                taken = attempt(
                    request,
                    lambda: verb(pregnancy_id, actor=actor, **form.cleaned_data),
                    done=done,
                    form=form,
                )
            if taken is not REFUSED:
                return redirect("publichealth-mch-pregnancy", pregnancy_id)
    context = {"card": card, "book_form": book, **{f"{k}_form": v for k, v in bound.items()}}
    return render(
        request,
        "publichealth/mch_pregnancy.html",
        context,
        status=400 if request.method == "POST" else 200,
    )


@staff_page(maternal_child.MANAGE)
def mch_child(request: HttpRequest, patient_id: int, *, actor: Actor) -> HttpResponse:
    card = maternal_child.child_for_staff(patient_id, actor=actor)
    form = forms.ChildCheckForm(request.POST or None)
    form.fields["age_months"].choices = _child_month_choices()
    if request.method == "POST" and form.is_valid():
        check = attempt(
            request,
            lambda: maternal_child.record_child_check(
                patient_id=patient_id, actor=actor, **form.cleaned_data
            ),
            done=_("Check recorded."),
            form=form,
            not_found_is_page=False,
        )
        if check is not REFUSED:
            return redirect("publichealth-mch-child", patient_id)
    return render(
        request,
        "publichealth/mch_child.html",
        {"card": card, "form": form},
        status=400 if form.errors else 200,
    )


# --- mother and child (phone) -------------------------------------------------------------------


@patient_page
def patient_mch(request: HttpRequest, *, actor: Actor) -> HttpResponse:
    context = {
        "pregnancies": maternal_child.pregnancies_of(actor),
        "children": maternal_child.children_of(actor),
    }
    return render(request, "publichealth/patient_mch.html", context)


@patient_page
def patient_pregnancy(request: HttpRequest, pregnancy_id: int, *, actor: Actor) -> HttpResponse:
    card = maternal_child.pregnancy_for_patient(pregnancy_id, actor=actor)
    form = forms.BookCheckForm(request.POST or None)
    form.fields["number"].choices = [
        (n, label) for n, label in _check_choices() if n not in card.checks
    ]
    form.fields["slot_id"].choices = _slot_choices(maternal_child.open_times(now=clock.now()))
    if request.method == "POST" and form.is_valid():
        booked = attempt(
            request,
            lambda: maternal_child.book_antenatal_check(
                pregnancy_id=pregnancy_id, actor=actor, **form.cleaned_data
            ),
            done=_("Check booked."),
            form=form,
        )
        if booked is not REFUSED:
            return redirect("publichealth-patient-pregnancy", pregnancy_id)
    return render(
        request,
        "publichealth/patient_pregnancy.html",
        {"card": card, "form": form},
        status=400 if form.errors else 200,
    )


@patient_page
def patient_child(request: HttpRequest, patient_id: int, *, actor: Actor) -> HttpResponse:
    card = maternal_child.child_for_patient(patient_id, actor=actor)
    form = forms.BookChildCheckForm(request.POST or None)
    taken = {c.age_months for c in card.checks}
    form.fields["age_months"].choices = [
        (m, label) for m, label in _child_month_choices() if m not in taken
    ]
    form.fields["slot_id"].choices = _slot_choices(maternal_child.open_times(now=clock.now()))
    if request.method == "POST" and form.is_valid():
        booked = attempt(
            request,
            lambda: maternal_child.book_child_check(
                patient_id=patient_id, actor=actor, **form.cleaned_data
            ),
            done=_("Check booked."),
            form=form,
            not_found_is_page=False,
        )
        if booked is not REFUSED:
            return redirect("publichealth-patient-child", patient_id)
    return render(
        request,
        "publichealth/patient_child.html",
        {"card": card, "form": form},
        status=400 if form.errors else 200,
    )


# --- hut video consultations -------------------------------------------------------------------


@staff_page(huts.FOLLOW_UP)
def video_worklist(request: HttpRequest, *, actor: Actor) -> HttpResponse:
    return render(
        request, "publichealth/video_worklist.html", {"requests": video.worklist(actor=actor)}
    )


@staff_page(huts.FOLLOW_UP)
def video_detail(request: HttpRequest, consultation_id: int, *, actor: Actor) -> HttpResponse:
    consultation = video.consultation_for_staff(consultation_id, actor=actor)
    schedule_form = _post_form(request, "schedule", forms.VideoScheduleForm)
    close_form = _post_form(request, "close", forms.VideoCloseForm)
    form = schedule_form if schedule_form.is_bound else close_form
    if request.method == "POST" and form.is_bound and form.is_valid():
        verb = video.schedule_consultation if form is schedule_form else video.close_consultation
        saved = attempt(
            request,
            lambda: verb(consultation_id, actor=actor, **form.cleaned_data),
            done=_("Saved."),
            form=form,
        )
        if saved is not REFUSED:
            return redirect("publichealth-video", consultation_id)
    context = {"c": consultation, "schedule_form": schedule_form, "close_form": close_form}
    return render(
        request,
        "publichealth/video_detail.html",
        context,
        status=400 if request.method == "POST" else 200,
    )


@patient_page
def patient_videos(request: HttpRequest, *, actor: Actor) -> HttpResponse:
    form = forms.VideoRequestForm(request.POST or None)
    form.fields["patient_id"].choices = [
        (p.pk, p.name) for p in identity.accessible_patients(actor).order_by("pk")
    ]
    form.fields["hut_id"].choices = [(h.pk, h.name) for h in video.huts()]
    if request.method == "POST" and form.is_valid():
        consultation = attempt(
            request,
            lambda: video.request_consultation(actor=actor, **form.cleaned_data),
            done=_("Requested. The township doctor will set a time."),
            form=form,
            not_found_is_page=False,
        )
        if consultation is not REFUSED:
            return redirect("publichealth-patient-video", consultation.pk)
    return render(
        request,
        "publichealth/patient_videos.html",
        {"form": form, "consultations": video.consultations_of(actor)},
        status=400 if form.errors else 200,
    )


@patient_page
def patient_video(request: HttpRequest, consultation_id: int, *, actor: Actor) -> HttpResponse:
    consultation = video.consultation_for_patient(consultation_id, actor=actor)
    return render(request, "publichealth/patient_video.html", {"c": consultation})


# --- home care (phone) --------------------------------------------------------------------------


@patient_page
def patient_home_care(request: HttpRequest, *, actor: Actor) -> HttpResponse:
    now = clock.now()
    orders = [
        (
            order,
            sorted(
                (v for v in order.visits.all() if v.done_at is None and v.scheduled_for >= now),
                key=lambda v: v.scheduled_for,
            ),
            sorted(
                (v for v in order.visits.all() if v.done_at is not None),
                key=lambda v: v.done_at,
                reverse=True,
            ),
        )
        for order in home_care.orders_of(actor)
    ]
    return render(request, "publichealth/patient_home_care.html", {"orders": orders})
