"""Inpatient pages: the doctor's admission notice; the admission preparation centre's worklist,
bed board and one admission with its steps (book a bed, bed ready, pre-assessment, admit,
deposit, transfer, discharge settled on the ward, follow-up, the printed list and summary); and
on the phone the patient's admissions with the booked bed and expected date."""

from __future__ import annotations

from collections.abc import Callable

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from onetrip.billing.models import PaymentChannel
from onetrip.billing.services.deposits import SHORTFALL_CHANNELS, TOP_UP_CHANNELS
from onetrip.core import clock
from onetrip.core.actors import Actor
from onetrip.core.errors import DomainError, InvalidInput
from onetrip.core.pages import REFUSED, add_domain_errors, attempt, staff_page
from onetrip.inpatient import blood, pdf, planning, preadmission, services
from onetrip.inpatient.models import (
    AdmissionStatus,
    DaySurgeryProcedure,
    DischargePlace,
    DonorRelationship,
    RelationshipProof,
    Urgency,
)
from onetrip.web.sessions import patient_page

CHANNELS = [(c, PaymentChannel(c).label) for c in TOP_UP_CHANNELS]


class NoticeForm(forms.Form):
    patient = forms.IntegerField(label=gettext_lazy("Patient record number"), min_value=1)
    diagnosis = forms.CharField(label=gettext_lazy("Diagnosis"), max_length=200)
    planned_procedure = forms.CharField(
        label=gettext_lazy("Planned procedure"), max_length=200, required=False
    )
    urgency = forms.ChoiceField(label=gettext_lazy("Urgency"), choices=Urgency.choices)
    expected_los_days = forms.IntegerField(
        label=gettext_lazy("Expected length of stay (days)"), min_value=1, max_value=365
    )
    surgeon = forms.CharField(label=gettext_lazy("Surgeon"), max_length=60, required=False)
    day_surgery = forms.TypedChoiceField(
        label=gettext_lazy("Day-surgery procedure"), coerce=int, required=False, empty_value=None
    )
    needs_isolation = forms.BooleanField(label=gettext_lazy("Needs isolation"), required=False)


class BookForm(forms.Form):
    bed = forms.TypedChoiceField(label=gettext_lazy("Bed"), coerce=int)
    expected_date = forms.DateField(
        label=gettext_lazy("Expected admission date"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )


class PreAdmissionForm(forms.Form):
    day = forms.DateField(
        label=gettext_lazy("Day of the pre-admission visit"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )


class BloodClaimForm(forms.Form):
    donor_id_number = forms.CharField(label=gettext_lazy("Donor's identity number"), max_length=18)
    relationship = forms.ChoiceField(
        label=gettext_lazy("Relationship to the patient"), choices=DonorRelationship.choices
    )
    proof = forms.ChoiceField(label=gettext_lazy("Proof seen"), choices=RelationshipProof.choices)


class AdmitForm(forms.Form):
    kind = forms.ChoiceField(
        label=gettext_lazy("Identified by"),
        choices=[
            ("card", gettext_lazy("E-health card")),
            ("code", gettext_lazy("Patient record number")),
            ("wristband", gettext_lazy("Wristband barcode")),
        ],
    )
    value = forms.CharField(label=gettext_lazy("Scanned or typed"), max_length=200)


class DepositForm(forms.Form):
    amount = forms.DecimalField(
        label=gettext_lazy("Amount (CNY)"), min_value=1, max_digits=9, decimal_places=2
    )
    channel = forms.ChoiceField(label=gettext_lazy("Payment channel"), choices=CHANNELS)
    reference = forms.CharField(
        label=gettext_lazy("Cheque or slip number"), max_length=40, required=False
    )


class TransferForm(forms.Form):
    bed = forms.TypedChoiceField(label=gettext_lazy("Bed"), coerce=int)
    reason = forms.CharField(label=gettext_lazy("Reason"), max_length=200)


class AssessForm(forms.Form):
    asa_class = forms.IntegerField(label=gettext_lazy("ASA class"), min_value=1, max_value=6)
    escort_at_home = forms.BooleanField(
        label=gettext_lazy("An adult escort at home the first night"), required=False
    )


class DischargeForm(forms.Form):
    place = forms.ChoiceField(label=gettext_lazy("Settled"), choices=DischargePlace.choices)
    channel = forms.ChoiceField(
        label=gettext_lazy("Pays what the deposit does not cover"),
        choices=[("", gettext_lazy("The deposit covers it"))]
        + [(c, PaymentChannel(c).label) for c in SHORTFALL_CHANNELS],
        required=False,
    )
    notes = forms.CharField(label=gettext_lazy("Discharge summary"), widget=forms.Textarea)
    overstay_reason = forms.CharField(
        label=gettext_lazy("Day surgery: reason for staying past 24 hours"),
        max_length=200,
        required=False,
    )


class NoteForm(forms.Form):
    note = forms.CharField(label=gettext_lazy("Follow-up call"), max_length=200)


class EnrolForm(forms.Form):
    template = forms.TypedChoiceField(label=gettext_lazy("Clinical pathway"), coerce=int)


class VarianceForm(forms.Form):
    reason = forms.CharField(label=gettext_lazy("Variance and its reason"), max_length=200)


class ExitForm(forms.Form):
    exit_reason = forms.CharField(label=gettext_lazy("Reason for leaving"), max_length=200)


class MdtForm(forms.Form):
    question = forms.CharField(label=gettext_lazy("Question for the team"), max_length=300)
    specialties = forms.CharField(label=gettext_lazy("Specialties asked"), max_length=200)


class MdtAnswerForm(forms.Form):
    conclusion = forms.CharField(label=gettext_lazy("Conclusion"), max_length=500)


class CancelForm(forms.Form):
    reason = forms.CharField(label=gettext_lazy("Reason"), max_length=200)


# --- the doctor ---------------------------------------------------------------------------------


@staff_page(services.ISSUE)
def new_notice(request: HttpRequest, *, actor: Actor) -> HttpResponse:
    form = NoticeForm(request.POST or None)
    form.fields["day_surgery"].choices = [("", "—")] + [
        (p.pk, p.name)
        for p in DaySurgeryProcedure.objects.filter(institution_id=actor.institution_id)
    ]
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            admission = services.issue_notice(
                services.NoticeIn(
                    patient_id=data["patient"],
                    diagnosis=data["diagnosis"],
                    planned_procedure=data["planned_procedure"],
                    urgency=data["urgency"],
                    expected_los_days=data["expected_los_days"],
                    surgeon=data["surgeon"],
                    needs_isolation=data["needs_isolation"],
                    day_surgery_id=data["day_surgery"],
                ),
                actor=actor,
            )
        except DomainError as exc:
            add_domain_errors(form, exc, {"patient_id": "patient", "day_surgery_id": "day_surgery"})
        else:
            messages.success(
                request, _("Admission notice sent to the admission preparation centre.")
            )
            return redirect(
                "inpatient-admission" if actor.has_perm(services.VIEW) else "inpatient-notice-new",
                *([admission.pk] if actor.has_perm(services.VIEW) else []),
            )
    return render(request, "inpatient/notice_new.html", {"form": form})


# --- the admission preparation centre and the wards ------------------------------------------


@staff_page(services.VIEW)
def centre(request: HttpRequest, *, actor: Actor) -> HttpResponse:
    return render(
        request,
        "inpatient/centre.html",
        {
            "waiting": services.worklist(actor=actor),
            "on_wards": services.on_the_wards(actor=actor),
            "can_plan": actor.has_perm(services.MANAGE),
        },
    )


@staff_page(services.VIEW)
def bed_board(request: HttpRequest, *, actor: Actor) -> HttpResponse:
    board = services.bed_board(actor=actor)
    counts = {"free": 0, "booked": 0, "ready": 0, "occupied": 0}
    for _ward, rows in board:
        for row in rows:
            counts[row.state] += 1
    return render(request, "inpatient/bed_board.html", {"board": board, "counts": counts})


def _bed_choices(admission) -> list[tuple[int, str]]:
    return [
        (b.pk, f"{b.room.ward.name} {b.room.number}-{b.label}")
        for b in services.free_beds_for(admission)
    ]


def _pathway_choices(actor: Actor) -> list[tuple[int, str]]:
    return [(t.pk, t.name) for t in services.pathway_templates(actor=actor)]


def _detail(request: HttpRequest, actor: Actor, admission_id: int, status: int = 200, **bound):
    admission = services.admission_for_staff(admission_id, actor=actor)
    beds = _bed_choices(admission) if admission.status != AdmissionStatus.DISCHARGED else []
    book = bound.get("book") or BookForm(initial={"expected_date": clock.today()})
    transfer = bound.get("transfer") or TransferForm()
    book.fields["bed"].choices = beds
    transfer.fields["bed"].choices = beds
    enrol = bound.get("enrol") or EnrolForm()
    enrol.fields["template"].choices = _pathway_choices(actor)
    visit = preadmission.visit_of(admission)
    planning = visit is None and admission.status in (
        AdmissionStatus.NOTICE,
        AdmissionStatus.BOOKED,
        AdmissionStatus.READY,
    )
    context = {
        "a": admission,
        "bed": getattr(admission, "bed", None),
        **_pre_admission_context(admission, visit),
        "blood_claim": blood.claim_of(admission),
        "blood_form": bound.get("blood") or BloodClaimForm(),
        "pre_admission_form": (
            (bound.get("pre_admission") or PreAdmissionForm(initial={"day": clock.today()}))
            if planning and actor.has_perm(services.MANAGE)
            else None
        ),
        "book": book,
        "admit": bound.get("admit") or AdmitForm(),
        "deposit": bound.get("deposit") or DepositForm(),
        "transfer": transfer,
        "assess": bound.get("assess") or AssessForm(),
        "discharge": bound.get("discharge") or DischargeForm(),
        "note": bound.get("note") or NoteForm(),
        "cancel": bound.get("cancel") or CancelForm(),
        "enrol": enrol,
        "variance": bound.get("variance") or VarianceForm(),
        "exit": bound.get("exit") or ExitForm(),
        "mdt": bound.get("mdt") or MdtForm(),
        "mdt_answer": MdtAnswerForm(),
        "pathway": services.pathway_of(admission),
        "mdt_requests": list(admission.mdt.order_by("requested_at")),
        "can_manage": actor.has_perm(services.MANAGE),
        "can_discharge": actor.has_perm(services.DISCHARGE),
    }
    return render(request, "inpatient/admission.html", context, status=status)


def _pre_admission_context(admission, visit) -> dict:
    return {
        "visit": visit,
        "timeline": preadmission.timeline(visit, admission=admission) if visit else [],
    }


@staff_page(services.VIEW)
def admission(request: HttpRequest, admission_id: int, *, actor: Actor) -> HttpResponse:
    return _detail(request, actor, admission_id)


def _step(
    name: str, form_class: type[forms.Form], act: Callable[[int, dict, Actor], object], done: object
) -> Callable[..., HttpResponse]:
    """A POST step of an admission: the form, the service, and the page again with the service's
    field errors, or back to the admission with `done`."""

    def view(request: HttpRequest, admission_id: int, *, actor: Actor) -> HttpResponse:
        form = form_class(request.POST)
        if name in ("book", "transfer"):
            admission = services.admission_for_staff(admission_id, actor=actor)
            form.fields["bed"].choices = _bed_choices(admission)
        if name == "enrol":
            form.fields["template"].choices = _pathway_choices(actor)
        if form.is_valid():
            taken = attempt(
                request,
                lambda: act(admission_id, form.cleaned_data, actor),
                done=str(done),
                form=form,
                field_map={"bed_id": "bed", "expected_date": "expected_date"},
            )
            if taken is not REFUSED:
                return redirect("inpatient-admission", admission_id)
        return _detail(request, actor, admission_id, status=400, **{name: form})

    view.__name__ = f"{name}_step"
    return view


def _fen(amount) -> int:
    return int(amount * 100)


book_bed = require_POST(
    staff_page(services.MANAGE)(
        _step(
            "book",
            BookForm,
            lambda pk, d, actor: services.book_bed(
                pk, bed_id=d["bed"], expected_date=d["expected_date"], actor=actor
            ),
            gettext_lazy("Bed booked; the patient is told the expected date."),
        )
    )
)
bed_ready = require_POST(
    staff_page(services.MANAGE)(
        _step(
            "ready",
            forms.Form,
            lambda pk, d, actor: services.bed_ready(pk, actor=actor),
            gettext_lazy("The patient is told by SMS that the bed is ready."),
        )
    )
)
pre_admission = require_POST(
    staff_page(services.MANAGE)(
        _step(
            "pre_admission",
            PreAdmissionForm,
            lambda pk, d, actor: preadmission.plan_visit(pk, day=d["day"], actor=actor),
            gettext_lazy("Pre-admission exams and the anaesthesia consultation booked."),
        )
    )
)
blood_claim = require_POST(
    staff_page(services.MANAGE)(
        _step(
            "blood",
            BloodClaimForm,
            lambda pk, d, actor: blood.claim_blood_fees(pk, actor=actor, **d),
            gettext_lazy("Blood donation checked: the blood fees are reimbursed at discharge."),
        )
    )
)
admit = require_POST(
    staff_page(services.MANAGE)(
        _step(
            "admit",
            AdmitForm,
            lambda pk, d, actor: services.admit(pk, kind=d["kind"], value=d["value"], actor=actor),
            gettext_lazy("Admitted."),
        )
    )
)
deposit = require_POST(
    staff_page(services.MANAGE)(
        _step(
            "deposit",
            DepositForm,
            lambda pk, d, actor: services.take_deposit(
                pk,
                amount_fen=_fen(d["amount"]),
                channel=d["channel"],
                reference=d["reference"],
                actor=actor,
            ),
            gettext_lazy("Deposit received."),
        )
    )
)
transfer = require_POST(
    staff_page(services.MANAGE)(
        _step(
            "transfer",
            TransferForm,
            lambda pk, d, actor: services.transfer(
                pk, bed_id=d["bed"], reason=d["reason"], actor=actor
            ),
            gettext_lazy("Transferred."),
        )
    )
)
assess = require_POST(
    staff_page(services.MANAGE)(
        _step(
            "assess",
            AssessForm,
            lambda pk, d, actor: services.pre_assess(
                pk, asa_class=d["asa_class"], escort_at_home=d["escort_at_home"], actor=actor
            ),
            gettext_lazy("Pre-assessment passed."),
        )
    )
)
discharge = require_POST(
    staff_page(services.DISCHARGE)(
        _step(
            "discharge",
            DischargeForm,
            lambda pk, d, actor: services.discharge(pk, services.DischargeIn(**d), actor=actor),
            gettext_lazy("Discharged and settled."),
        )
    )
)
follow_up = require_POST(
    staff_page(services.DISCHARGE)(
        _step(
            "note",
            NoteForm,
            lambda pk, d, actor: services.record_follow_up(pk, note=d["note"], actor=actor),
            gettext_lazy("Follow-up recorded."),
        )
    )
)
enrol = require_POST(
    staff_page(services.MANAGE)(
        _step(
            "enrol",
            EnrolForm,
            lambda pk, d, actor: services.enrol_on_pathway(
                pk, template_id=d["template"], actor=actor
            ),
            gettext_lazy("On the clinical pathway."),
        )
    )
)
variance = require_POST(
    staff_page(services.DISCHARGE)(
        _step(
            "variance",
            VarianceForm,
            lambda pk, d, actor: services.record_variance(pk, reason=d["reason"], actor=actor),
            gettext_lazy("Variance recorded."),
        )
    )
)
exit_pathway = require_POST(
    staff_page(services.DISCHARGE)(
        _step(
            "exit",
            ExitForm,
            lambda pk, d, actor: services.exit_pathway(pk, reason=d["exit_reason"], actor=actor),
            gettext_lazy("Left the clinical pathway."),
        )
    )
)
mdt = require_POST(
    staff_page(services.DISCHARGE)(
        _step(
            "mdt",
            MdtForm,
            lambda pk, d, actor: services.request_mdt(pk, actor=actor, **d),
            gettext_lazy("MDT consultation requested."),
        )
    )
)


@require_POST
@staff_page(services.DISCHARGE)
def mdt_answer(request: HttpRequest, mdt_id: int, *, actor: Actor) -> HttpResponse:
    form = MdtAnswerForm(request.POST)
    request_ = services.mdt_for_staff(mdt_id, actor=actor)
    if form.is_valid():
        try:
            services.answer_mdt(mdt_id, conclusion=form.cleaned_data["conclusion"], actor=actor)
        except DomainError as exc:
            messages.error(request, str(exc.message))
        else:
            messages.success(request, _("Conclusion recorded."))
    return redirect("inpatient-admission", request_.admission_id)


cancel = require_POST(
    staff_page(services.MANAGE)(
        _step(
            "cancel",
            CancelForm,
            lambda pk, d, actor: services.cancel_notice(pk, reason=d["reason"], actor=actor),
            gettext_lazy("Admission notice cancelled."),
        )
    )
)


def _pdf(content: bytes, name: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{name}.pdf"'
    return response


@staff_page(services.VIEW)
def itemised_pdf(request: HttpRequest, admission_id: int, *, actor: Actor) -> HttpResponse:
    admission = services.admission_for_staff(admission_id, actor=actor)
    if admission.bill_id is None:
        messages.error(request, _("Not admitted yet."))
        return redirect("inpatient-admission", admission_id)
    return _pdf(pdf.itemised_list(admission), f"{admission.admission_number}-list")


@staff_page(services.VIEW)
def summary_pdf(request: HttpRequest, admission_id: int, *, actor: Actor) -> HttpResponse:
    admission = services.admission_for_staff(admission_id, actor=actor)
    if admission.bill_id is None:
        messages.error(request, _("Not admitted yet."))
        return redirect("inpatient-admission", admission_id)
    return _pdf(pdf.discharge_summary(admission), f"{admission.admission_number}-summary")


# --- the patient's phone --------------------------------------------------------------------


@patient_page
def patient_admissions(request: HttpRequest, *, actor: Actor) -> HttpResponse:
    return render(
        request,
        "inpatient/patient_admissions.html",
        {"admissions": services.patient_admissions(actor=actor)},
    )


@patient_page
def patient_admission(request: HttpRequest, admission_id: int, *, actor: Actor) -> HttpResponse:
    admission = services.admission_for_patient(admission_id, actor=actor)
    return render(
        request,
        "inpatient/patient_admission.html",
        {
            "a": admission,
            "bed": getattr(admission, "bed", None),
            **_pre_admission_context(admission, preadmission.visit_of(admission)),
        },
    )


# --- the centre's weekly plan ------------------------------------------------------------------


class PlanRowForm(forms.Form):
    """One notice of the proposed week: the centre keeps, changes or leaves out its day and room."""

    admission = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    book = forms.BooleanField(label=gettext_lazy("Book"), required=False)
    day = forms.DateField(
        label=gettext_lazy("Admission day"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    room = forms.TypedChoiceField(
        label=gettext_lazy("Room"), coerce=int, required=False, empty_value=None
    )

    def clean(self) -> dict:
        data = super().clean()
        if data.get("book"):
            if not data.get("day"):
                self.add_error("day", _("Choose the admission day."))
            if not data.get("room"):
                self.add_error("room", _("Choose a room."))
        return data


PlanFormSet = forms.formset_factory(PlanRowForm, extra=0)


@staff_page(services.MANAGE)
def week_plan(request: HttpRequest, *, actor: Actor) -> HttpResponse:
    """The planner's proposal for the week (POST propose), changed and accepted (POST accept)."""
    room_choices = [("", "—")] + [
        (r.pk, f"{r.ward.name} {r.number}") for r in planning.rooms_of(actor=actor)
    ]
    if request.method != "POST":
        return _plan_page(request, None, {})
    if request.POST.get("action") != "accept":
        proposals = planning.propose_week(actor=actor)
        formset = PlanFormSet(
            initial=[
                {"admission": p.admission.pk, "book": p.room is not None, "day": p.day}
                | ({"room": p.room.pk} if p.room else {})
                for p in proposals
            ]
        )
        _set_rooms(formset, room_choices)
        return _plan_page(request, formset, {p.admission.pk: p.admission for p in proposals})
    formset = PlanFormSet(request.POST)
    _set_rooms(formset, room_choices)
    if formset.is_valid():
        choices = [
            planning.Choice(row["admission"], row["day"], row["room"])
            for row in formset.cleaned_data
            if row.get("book")
        ]
        try:
            booked = planning.accept_week(choices, actor=actor)
        except InvalidInput as exc:
            _row_errors(request, formset, exc)
        except DomainError as exc:
            messages.error(request, str(exc.message))
        else:
            messages.success(
                request, _("%(count)s beds booked from the plan.") % {"count": len(booked)}
            )
            return redirect("inpatient-centre")
    notices = {n.pk: n for n in planning.pending_notices(actor=actor)}
    return _plan_page(request, formset, notices, status=400)


def _set_rooms(formset: forms.BaseFormSet, choices: list) -> None:
    for form in formset:
        form.fields["room"].choices = choices


def _row_errors(request: HttpRequest, formset: forms.BaseFormSet, exc: InvalidInput) -> None:
    """The planner's field errors ("admission-<id>") on the room of that notice's row."""
    rows = {f"admission-{form.cleaned_data['admission']}": form for form in formset}
    for error in exc.errors:
        if error.field in rows:
            rows[error.field].add_error("room", str(error.message))
        else:
            messages.error(request, str(error.message))


def _plan_page(
    request: HttpRequest, formset: forms.BaseFormSet | None, notices: dict, status: int = 200
) -> HttpResponse:
    rows = []
    for form in formset or []:
        admission_id = form["admission"].value()
        rows.append((form, notices.get(int(admission_id)) if admission_id else None))
    return render(
        request,
        "inpatient/week_plan.html",
        {"formset": formset, "rows": rows, "days": planning.PLAN_DAYS},
        status=status,
    )
