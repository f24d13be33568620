"""E-prescriptions (R-NET-2): written by a doctor in the clinic or after an online follow-up,
checked by the review rules as they are written, then approved by a pharmacist (who sees every
finding explained) or returned to the doctor with a reason. Approval charges the lines to the
patient's bill through billing (the prescription source); pharmacy's paid follow-up marks them
paid (`mark_paid`) and queues the dispensing."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from onetrip.billing.models import ChargeSource
from onetrip.billing.services import sources as billing_sources
from onetrip.billing.services.charges import ChargeRequest, create_charge
from onetrip.consortium.models import Doctor
from onetrip.core import audit, clock
from onetrip.core.actors import Actor
from onetrip.core.errors import FieldError, InvalidInput, NotFound
from onetrip.core.models import AuditAction
from onetrip.identity import services as identity
from onetrip.notifications import services as notifications
from onetrip.prescribing import review as rules
from onetrip.prescribing.models import (
    ChronicCatalogueDrug,
    Diagnosis,
    FindingSeverity,
    Formulary,
    FormularyDrug,
    Interaction,
    OnlineVisit,
    Origin,
    Prescription,
    PrescriptionLine,
    PrescriptionStatus,
    ReviewFinding,
    ReviewRule,
    Route,
    VisitStatus,
)
from onetrip.prescribing.services.common import (
    REVIEW,
    VIEW,
    WRITE,
    WrongState,
    age_on,
    institution_of,
    require_staff,
    user_of,
)

KEY_PREFIX = "rx:"
MAX_LINES = 5


@dataclass(frozen=True)
class LineIn:
    drug_code: str
    single_dose: str
    times_per_day: int
    route: str
    quantity: int


@dataclass(frozen=True)
class PrescriptionIn:
    patient_id: int
    condition_code: str
    condition_name: str
    days: int
    lines: list[LineIn] = field(default_factory=list)
    chronic: bool = False
    pregnant: bool = False
    allergies: list[str] = field(default_factory=list)
    online_visit_id: int | None = None


def charge_key(line: PrescriptionLine) -> str:
    return f"{KEY_PREFIX}{line.prescription_id}:{line.pk}"


def prescription_ids_of(source_keys: list[str]) -> list[int]:
    return sorted({int(key.split(":")[1]) for key in source_keys if key.startswith(KEY_PREFIX)})


def patient_path(prescription: Prescription) -> str:
    return reverse("pharmacy-patient-prescription", args=[prescription.pk])


def _lines(errors: list[FieldError], formulary: Formulary, lines: list[LineIn]):
    if not 1 <= len(lines) <= MAX_LINES:
        errors.append(FieldError("lines", _("Prescribe from 1 to 5 drugs."), "out_of_range"))
        return []
    drugs = {d.code: d for d in formulary.drugs.filter(code__in=[x.drug_code for x in lines])}
    cleaned = []
    for number, line in enumerate(lines):
        drug = drugs.get(line.drug_code)
        if drug is None:
            errors.append(
                FieldError(f"lines.{number}.drug_code", _("Not in this formulary."), "unknown")
            )
            continue
        try:
            dose = Decimal(str(line.single_dose).strip())
        except InvalidOperation:
            dose = Decimal(0)
        if not dose.is_finite() or not Decimal("0") < dose < Decimal("100000"):
            errors.append(FieldError(f"lines.{number}.single_dose", _("Enter the dose.")))
            continue
        if not isinstance(line.times_per_day, int) or not 1 <= line.times_per_day <= 6:
            errors.append(FieldError(f"lines.{number}.times_per_day", _("From 1 to 6 times.")))
            continue
        if line.route not in Route.values:
            errors.append(FieldError(f"lines.{number}.route", _("Choose a route.")))
            continue
        if not isinstance(line.quantity, int) or not 1 <= line.quantity <= 99:
            errors.append(FieldError(f"lines.{number}.quantity", _("From 1 to 99 packs.")))
            continue
        cleaned.append((drug, dose.quantize(Decimal("0.001")), line))
    return cleaned


def _facts(drug: FormularyDrug) -> rules.DrugFacts:
    return rules.DrugFacts(
        code=drug.code,
        generic=drug.generic,
        name=drug.name,
        unit=drug.unit,
        min_single=drug.min_single_dose,
        max_single=drug.max_single_dose,
        max_daily=drug.max_daily_dose,
        routes=tuple(drug.routes),
        therapeutic_class=drug.therapeutic_class,
        allergy_group=drug.allergy_group,
        pregnancy_contraindicated=drug.pregnancy_contraindicated,
        min_age_years=drug.min_age_years,
    )


def case_of(prescription: Prescription) -> rules.Case:
    """The review rules' view of a stored prescription, with the data they read."""
    lines = list(prescription.lines.select_related("drug"))
    generics = {line.drug.generic for line in lines}
    interactions = {
        (pair.generic_a, pair.generic_b): (pair.severity, pair.explanation)
        for pair in Interaction.objects.filter(generic_a__in=generics, generic_b__in=generics)
    }
    formulary = Formulary.objects.get(institution_id=prescription.institution_id)
    catalogue = ChronicCatalogueDrug.objects.filter(
        condition__code=prescription.diagnosis.condition_code
    ).values_list("generic", flat=True)
    return rules.Case(
        lines=tuple(
            rules.LineFacts(_facts(line.drug), line.single_dose, line.times_per_day, line.route)
            for line in lines
        ),
        age_years=age_on(prescription.patient.birth_date, clock.today()),
        days=prescription.days,
        chronic=prescription.chronic,
        pregnant=prescription.pregnant,
        allergies=frozenset(prescription.allergies),
        standard_max_days=formulary.standard_max_days,
        chronic_max_days=formulary.chronic_max_days,
        chronic_catalogue=frozenset(catalogue),
        interactions=interactions,
    )


def _run_review(prescription: Prescription) -> list[ReviewFinding]:
    settings = {
        rule.rule: (rule.enabled, rule.severity)
        for rule in ReviewRule.objects.filter(institution_id=prescription.institution_id)
    }
    findings = rules.review(case_of(prescription), settings)
    return ReviewFinding.objects.bulk_create(
        ReviewFinding(prescription=prescription, rule=f.rule, severity=f.severity, params=f.params)
        for f in findings
    )


@transaction.atomic
def write_prescription(data: PrescriptionIn, *, actor: Actor) -> Prescription:
    """The doctor's prescription, sent to the pharmacist's review with the rules' findings. In
    the clinic it records the in-person diagnosis; after an online follow-up it names the visit
    (held by this doctor, with this patient)."""
    require_staff(actor, WRITE)
    errors: list[FieldError] = []
    patient = identity.accessible_patients(actor).filter(pk=data.patient_id or 0).first()
    if patient is None:
        raise NotFound(_("No such patient."))
    formulary = Formulary.objects.filter(institution_id=institution_of(actor)).first()
    if formulary is None:
        raise WrongState(_("This institution has no formulary yet."), code="no_formulary")
    visit = None
    if data.online_visit_id is not None:
        visit = (
            OnlineVisit.objects.select_related("basis")
            .filter(
                pk=data.online_visit_id,
                patient=patient,
                institution_id=institution_of(actor),
                doctor__user=user_of(actor),
            )
            .exclude(status=VisitStatus.BOOKED)
            .first()
        )
        if visit is None:
            errors.append(FieldError("online_visit_id", _("Not your online visit.")))
    code = (data.condition_code or "").strip()[:10]
    name = (data.condition_name or "").strip()[:100]
    if visit is None and not (code and name):
        errors.append(FieldError("condition_name", _("Give the diagnosis."), "required"))
    if not isinstance(data.days, int) or not 1 <= data.days <= 84:
        errors.append(FieldError("days", _("From 1 to 84 days (12 weeks)."), "out_of_range"))
    allergies = sorted({a.strip() for a in data.allergies if a.strip()})[:10]
    lines = _lines(errors, formulary, data.lines)
    if errors:
        raise InvalidInput(*errors)
    now = clock.now()
    label = actor.user.get_full_name() if actor.user else ""
    department_id = (
        Doctor.objects.filter(user=user_of(actor)).values_list("department_id", flat=True).first()
    )
    if visit is not None:
        diagnosis = Diagnosis.objects.create(
            patient=patient,
            institution_id=institution_of(actor),
            department_id=department_id,
            condition_code=visit.basis.condition_code,
            condition_name=visit.basis.condition_name,
            in_person=False,
            diagnosed_at=now,
            doctor_label=label or actor.label,
        )
    else:
        diagnosis = Diagnosis.objects.create(
            patient=patient,
            institution_id=institution_of(actor),
            department_id=department_id,
            condition_code=code,
            condition_name=name,
            in_person=True,
            diagnosed_at=now,
            doctor_label=label or actor.label,
        )
    prescription = Prescription.objects.create(
        reference=f"new-{secrets.token_hex(8)}",  # until the row has its id
        institution_id=institution_of(actor),
        patient=patient,
        prescriber=user_of(actor),
        prescriber_label=label or actor.label,
        origin=Origin.ONLINE if visit else Origin.CLINIC,
        online_visit=visit,
        diagnosis=diagnosis,
        chronic=bool(data.chronic),
        days=data.days,
        pregnant=bool(data.pregnant),
        allergies=allergies,
        status=PrescriptionStatus.IN_REVIEW,
        written_at=now,
    )
    prescription.reference = f"RX{now:%y%m%d}{prescription.pk:05d}"
    prescription.save(update_fields=["reference"])
    PrescriptionLine.objects.bulk_create(
        PrescriptionLine(
            prescription=prescription,
            drug=drug,
            single_dose=dose,
            times_per_day=line.times_per_day,
            route=line.route,
            quantity=line.quantity,
        )
        for drug, dose, line in lines
    )
    findings = _run_review(prescription)
    audit.record(
        actor,
        AuditAction.CREATE,
        prescription,
        patient_id=patient.pk,
        summary=f"prescription {prescription.reference} written ({len(findings)} findings)",
    )
    return prescription


def _locked_for_review(prescription_id: int, actor: Actor) -> Prescription:
    prescription = (
        Prescription.objects.select_for_update()
        .select_related("patient")
        .filter(pk=prescription_id, institution_id=institution_of(actor))
        .first()
    )
    if prescription is None:
        raise NotFound(_("No such prescription."))
    if prescription.status != PrescriptionStatus.IN_REVIEW:
        raise WrongState(_("This prescription is already reviewed."), code="already_reviewed")
    return prescription


@transaction.atomic
def approve(prescription_id: int, *, actor: Actor) -> Prescription:
    """The pharmacist releases the prescription: its lines are charged to the patient's bill and
    the patient is told to pay. A finding that must be changed stops approval."""
    require_staff(actor, REVIEW)
    prescription = _locked_for_review(prescription_id, actor)
    if prescription.findings.filter(severity=FindingSeverity.BLOCK).exists():
        raise WrongState(
            _("A finding must be changed first: return it to the doctor."), code="blocked"
        )
    now = clock.now()
    for line in prescription.lines.select_related("drug"):
        create_charge(
            ChargeRequest(
                patient_id=prescription.patient_id,
                institution_id=prescription.institution_id,
                visit_reference=prescription.reference,
                item_code=line.drug.code,
                quantity=line.quantity,
                source=ChargeSource.PRESCRIPTION,
                source_key=charge_key(line),
            ),
            actor=actor,
        )
    prescription.status = PrescriptionStatus.APPROVED
    prescription.reviewed_at = now
    prescription.reviewer_label = actor.label
    prescription.save(update_fields=["status", "reviewed_at", "reviewer_label"])
    audit.record(
        actor,
        AuditAction.UPDATE,
        prescription,
        patient_id=prescription.patient_id,
        summary=f"prescription {prescription.reference} approved",
    )
    notifications.notify(
        "prescription_approved",
        phone=prescription.patient.phone,
        subject=prescription,
        params={"reference": prescription.reference, "path": patient_path(prescription)},
    )
    return prescription


@transaction.atomic
def return_to_doctor(prescription_id: int, *, reason: str, actor: Actor) -> Prescription:
    require_staff(actor, REVIEW)
    reason = (reason or "").strip()
    if not reason or len(reason) > 300:
        raise InvalidInput.field("reason", _("Say what the doctor must change."), "required")
    prescription = _locked_for_review(prescription_id, actor)
    prescription.status = PrescriptionStatus.RETURNED
    prescription.return_reason = reason
    prescription.reviewed_at = clock.now()
    prescription.reviewer_label = actor.label
    prescription.save(update_fields=["status", "return_reason", "reviewed_at", "reviewer_label"])
    audit.record(
        actor,
        AuditAction.UPDATE,
        prescription,
        patient_id=prescription.patient_id,
        summary=f"prescription {prescription.reference} returned to the doctor",
    )
    return prescription


def mark_paid(source_keys: list[str], *, actor: Actor) -> list[Prescription]:
    """Billing's settlement of prescription lines (pharmacy's follow-up, in the settling
    transaction): each approved prescription whose every line is paid becomes paid, once."""
    paid = []
    for prescription_id in prescription_ids_of(source_keys):
        prescription = (
            Prescription.objects.select_for_update()
            .filter(pk=prescription_id, status=PrescriptionStatus.APPROVED)
            .first()
        )
        if prescription is None or not all_lines_paid(prescription):
            continue
        prescription.status = PrescriptionStatus.PAID
        prescription.paid_at = clock.now()
        prescription.save(update_fields=["status", "paid_at"])
        audit.record(
            actor,
            AuditAction.UPDATE,
            prescription,
            patient_id=prescription.patient_id,
            summary=f"prescription {prescription.reference} paid",
        )
        paid.append(prescription)
    return paid


def all_lines_paid(prescription: Prescription) -> bool:
    states = [billing_sources.charge_state(charge_key(line)) for line in prescription.lines.all()]
    return bool(states) and all(state is not None and state.paid for state in states)


def unpaid_bill(prescription: Prescription):
    """The bill the patient pays the prescription on, while any line is unpaid."""
    for line in prescription.lines.all():
        state = billing_sources.charge_state(charge_key(line))
        if state is not None and not state.paid:
            return state.bill
    return None


# --- reading ----------------------------------------------------------------------------------


def explained_findings(prescription: Prescription) -> list[tuple[ReviewFinding, str]]:
    return [(f, rules.explain(f.rule, f.params)) for f in prescription.findings.all()]


def review_worklist(*, actor: Actor) -> list[Prescription]:
    require_staff(actor, VIEW)
    found = list(
        Prescription.objects.filter(
            institution_id=institution_of(actor), status=PrescriptionStatus.IN_REVIEW
        )
        .select_related("patient")
        .order_by("written_at", "pk")[:100]
    )
    with transaction.atomic():
        for prescription in found:
            audit.record(
                actor,
                AuditAction.VIEW,
                prescription,
                patient_id=prescription.patient_id,
                summary=f"prescription {prescription.reference} listed",
            )
    return found


def written_by(*, actor: Actor) -> QuerySet[Prescription]:
    """The doctor's own recent prescriptions (to see those returned)."""
    require_staff(actor, WRITE)
    return (
        Prescription.objects.filter(institution_id=institution_of(actor), prescriber=user_of(actor))
        .select_related("patient")
        .order_by("-written_at")[:30]
    )


def prescription_for_staff(prescription_id: int, *, actor: Actor) -> Prescription:
    require_staff(actor, VIEW)
    prescription = (
        Prescription.objects.filter(pk=prescription_id, institution_id=institution_of(actor))
        .select_related("patient", "diagnosis", "institution")
        .first()
    )
    if prescription is None:
        raise NotFound(_("No such prescription."))
    audit.record_staff_read(
        actor,
        prescription,
        patient_id=prescription.patient_id,
        summary=f"prescription {prescription.reference} read",
    )
    return prescription


def patient_prescriptions(actor: Actor) -> QuerySet[Prescription]:
    patients = identity.accessible_patients(actor).values("pk")
    return (
        Prescription.objects.filter(patient_id__in=patients)
        .exclude(status__in=[PrescriptionStatus.IN_REVIEW, PrescriptionStatus.RETURNED])
        .select_related("patient", "institution", "diagnosis")
        .order_by("-written_at")
    )


def prescription_for_patient(prescription_id: int, *, actor: Actor) -> Prescription:
    prescription = patient_prescriptions(actor).filter(pk=prescription_id).first()
    if prescription is None:
        raise NotFound(_("No such prescription."))
    return prescription
