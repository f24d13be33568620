"""Vaccination traced from the lot received to the dose given (R-PH-1, D165–D169).

Lots arrive with the traceability code of every package; the cold chain is logged; a dose is
booked through scheduling, screened with consent, paid when it is not a programme vaccine, and
given by scanning the package's code, which takes one dose from the package and from the lot by
conditional UPDATEs; the 30-minute observation follows. Adverse events hang on the dose; a recall
of a lot tells everyone who received it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import F, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from onetrip.billing.models import ChargeSource
from onetrip.billing.services import sources as billing_sources
from onetrip.billing.services.charges import ChargeRequest, create_charge
from onetrip.consortium.models import Department
from onetrip.core import audit, clock
from onetrip.core.actors import Actor, ActorKind
from onetrip.core.errors import FieldError, InvalidInput, NotFound, PermissionDenied
from onetrip.core.models import AuditAction
from onetrip.identity import services as identity
from onetrip.notifications import services as notifications
from onetrip.publichealth import schedule
from onetrip.publichealth.models import (
    AdverseEvent,
    AefiCategory,
    ColdChainReading,
    Dose,
    InjectionSite,
    TraceCode,
    VaccinationVisit,
    VaccineLot,
    VaccineProduct,
    VisitStatus,
)
from onetrip.publichealth.services.common import WrongState, require_staff, staff_site
from onetrip.scheduling.models import BookingChannel
from onetrip.scheduling.services.availability import next_available
from onetrip.scheduling.services.booking import BookingRequest, book_slot

VACCINATE = "publichealth.vaccinate"
RECEIVE = "publichealth.receive_vaccines"
RECALL = "publichealth.recall_lot"
TRACE_CODE_LENGTH = 20
OBSERVATION = dt.timedelta(minutes=30)
# 《全国疑似预防接种异常反应监测方案》: the report card within 48 hours of discovery.
AEFI_REPORT_LIMIT = dt.timedelta(hours=48)
COLD_CHAIN_RANGE_TENTHS = (20, 80)  # 2–8 °C

# The screening questions asked before every dose (预防接种知情告知 and 健康询问); a "yes"
# defers the dose to a doctor's judgement.
SCREENING_QUESTIONS: dict[str, object] = {
    "fever": _("Fever or acute illness today?"),
    "allergy": _("Severe allergy to a vaccine or its components before?"),
    "reaction": _("Serious reaction after an earlier dose?"),
    "immune": _("Immune deficiency, or taking immunosuppressants?"),
    "neuro": _("Convulsions, epilepsy or another nervous-system disease?"),
}


# --- traceability codes ---------------------------------------------------------------------


def clean_trace_code(value: str, *, field_name: str = "trace_code") -> str:
    """A scanned drug traceability code: exactly 20 digits (scanners may add spaces)."""
    code = "".join((value or "").split())
    if len(code) != TRACE_CODE_LENGTH or not code.isdigit():
        raise InvalidInput.field(
            field_name, _("A traceability code has 20 digits."), "bad_trace_code"
        )
    return code


# --- receiving lots and the cold chain ----------------------------------------------------------


@dataclass(frozen=True)
class LotIn:
    product_code: str
    lot_number: str
    supplier: str
    expires_on: dt.date
    doses_per_package: int
    trace_codes: list[str] = field(default_factory=list)


@transaction.atomic
def receive_lot(data: LotIn, *, actor: Actor) -> VaccineLot:
    """A delivery from the supplier: one lot, each package's code scanned on receipt."""
    require_staff(actor, RECEIVE)
    product = VaccineProduct.objects.filter(code=data.product_code).first()
    errors: list[FieldError] = []
    if product is None:
        errors.append(FieldError("product_code", _("Choose a vaccine."), "invalid_choice"))
    lot_number = (data.lot_number or "").strip()
    if not lot_number or len(lot_number) > 40:
        errors.append(FieldError("lot_number", _("Give the lot number."), "required"))
    supplier = (data.supplier or "").strip()
    if not supplier or len(supplier) > 120:
        errors.append(FieldError("supplier", _("Give the supplier."), "required"))
    if data.expires_on is None or data.expires_on <= clock.today():
        errors.append(FieldError("expires_on", _("This lot is already expired."), "expired"))
    if not isinstance(data.doses_per_package, int) or not 1 <= data.doses_per_package <= 20:
        errors.append(FieldError("doses_per_package", _("From 1 to 20 doses a package.")))
    codes = _received_codes(data.trace_codes, product, errors)
    if errors:
        raise InvalidInput(*errors)
    assert product is not None
    if VaccineLot.objects.filter(
        institution_id=staff_site(actor), product=product, lot_number=lot_number
    ).exists():
        raise InvalidInput.field("lot_number", _("This lot was already received."), "duplicate")
    doses = len(codes) * data.doses_per_package
    lot = VaccineLot.objects.create(
        institution_id=staff_site(actor),
        product=product,
        lot_number=lot_number,
        supplier=supplier,
        expires_on=data.expires_on,
        received_at=clock.now(),
        doses_received=doses,
        doses_left=doses,
    )
    TraceCode.objects.bulk_create(
        [TraceCode(code=code, lot=lot, doses=data.doses_per_package) for code in codes]
    )
    audit.record(
        actor,
        AuditAction.CREATE,
        lot,
        summary=f"vaccine lot {lot_number} received ({len(codes)} packages, {doses} doses)",
    )
    return lot


def _received_codes(
    raw: list[str], product: VaccineProduct | None, errors: list[FieldError]
) -> list[str]:
    codes: list[str] = []
    for value in raw:
        try:
            code = clean_trace_code(value, field_name="trace_codes")
        except InvalidInput as exc:
            errors.extend(exc.errors)
            return []
        if product is not None and not code.startswith(product.trace_prefix):
            errors.append(
                FieldError(
                    "trace_codes",
                    _("Code %(code)s is not this vaccine's.") % {"code": code},
                    "wrong_product",
                )
            )
            return []
        codes.append(code)
    if not codes:
        errors.append(FieldError("trace_codes", _("Scan every package's code."), "required"))
    elif len(set(codes)) != len(codes):
        errors.append(FieldError("trace_codes", _("A code was scanned twice."), "duplicate"))
    elif TraceCode.objects.filter(code__in=codes).exists():
        errors.append(FieldError("trace_codes", _("A code is already on file."), "duplicate"))
    return codes


@transaction.atomic
def record_temperature(*, unit: str, tenths_celsius: int, actor: Actor) -> ColdChainReading:
    """A refrigerator's reading; outside 2–8 °C it is flagged as an excursion (the lots stay
    usable until someone decides: the desk check does not seal them by itself)."""
    require_staff(actor, RECEIVE)
    unit = (unit or "").strip()
    if not unit or len(unit) > 40:
        raise InvalidInput.field("unit", _("Name the refrigerator."), "required")
    if not isinstance(tenths_celsius, int) or not -400 <= tenths_celsius <= 500:
        raise InvalidInput.field("tenths_celsius", _("Give the temperature."), "out_of_range")
    low, high = COLD_CHAIN_RANGE_TENTHS
    reading = ColdChainReading.objects.create(
        institution_id=staff_site(actor),
        unit=unit,
        measured_at=clock.now(),
        tenths_celsius=tenths_celsius,
        excursion=not low <= tenths_celsius <= high,
        recorded_by=actor.label,
    )
    audit.record(
        actor,
        AuditAction.CREATE,
        reading,
        summary=f"cold chain {unit}: {tenths_celsius / 10:.1f} C",
    )
    return reading


# --- booking and screening --------------------------------------------------------------------


def fee_key(visit: VaccinationVisit) -> str:
    return f"publichealth:vaccination:{visit.pk}"


def is_paid(visit: VaccinationVisit) -> bool:
    if visit.product.programme:
        return True
    state = billing_sources.charge_state(fee_key(visit))
    return state is not None and state.paid


def fee_bill(visit: VaccinationVisit):
    if visit.product.programme:
        return None
    state = billing_sources.charge_state(fee_key(visit))
    return state.bill if state is not None and not state.paid else None


@transaction.atomic
def book_vaccination(
    *, patient_id: int, product_code: str, dose_number: int, slot_id: int, actor: Actor
) -> VaccinationVisit:
    """Book a dose at a vaccination clinic's slot through scheduling; a self-paid vaccine is
    charged to the visit's bill at once (VACCINATION source) and paid before it is given."""
    product = VaccineProduct.objects.filter(code=product_code).first()
    if product is None:
        raise InvalidInput.field("product_code", _("Choose a vaccine."), "invalid_choice")
    if not isinstance(dose_number, int) or not (
        1 <= dose_number <= max(1, schedule.doses_in_series(product.code))
    ):
        raise InvalidInput.field("dose_number", _("No such dose of this vaccine."))
    channel = BookingChannel.APP if actor.kind == ActorKind.PATIENT else BookingChannel.WINDOW
    appointment = book_slot(
        BookingRequest(patient_id=patient_id, slot_id=slot_id, channel=channel), actor=actor
    )
    visit = VaccinationVisit.objects.create(
        institution_id=appointment.session.institution_id,
        patient_id=patient_id,
        product=product,
        dose_number=dose_number,
        appointment=appointment,
        status=VisitStatus.BOOKED,
        created_at=clock.now(),
    )
    if not product.programme:
        create_charge(
            ChargeRequest(
                patient_id=patient_id,
                institution_id=visit.institution_id,
                visit_reference=f"VAC{visit.pk:08d}",
                item_code=product.price_item_code,
                quantity=1,
                source=ChargeSource.VACCINATION,
                source_key=fee_key(visit),
            ),
            actor=actor,
        )
    audit.record(
        actor,
        AuditAction.CREATE,
        visit,
        patient_id=patient_id,
        summary=f"vaccination booked: {product.code} dose {dose_number}",
    )
    return visit


def _visit_for_update(visit_id: int, actor: Actor) -> VaccinationVisit:
    visit = (
        VaccinationVisit.objects.select_for_update()
        .filter(pk=visit_id, institution_id=staff_site(actor))
        .first()
    )
    if visit is None:
        raise NotFound(_("No such vaccination."))
    return visit


@transaction.atomic
def screen(
    visit_id: int, *, answers: dict[str, bool], consent_by: str, actor: Actor
) -> VaccinationVisit:
    """The health questions and informed consent (知情同意). Any "yes" defers the dose."""
    require_staff(actor, VACCINATE)
    visit = _visit_for_update(visit_id, actor)
    if visit.status != VisitStatus.BOOKED:
        raise WrongState(_("This vaccination is already screened."), code="wrong_state")
    missing = [q for q in SCREENING_QUESTIONS if not isinstance(answers.get(q), bool)]
    if missing:
        raise InvalidInput(
            *(FieldError(q, _("Answer this question."), "required") for q in missing)
        )
    consent_by = (consent_by or "").strip()
    if not consent_by or len(consent_by) > 60:
        raise InvalidInput.field("consent_by", _("Who gave consent?"), "required")
    deferred = any(answers[q] for q in SCREENING_QUESTIONS)
    visit.screening = {q: answers[q] for q in SCREENING_QUESTIONS}
    visit.consent_by = consent_by
    visit.screened_at = clock.now()
    visit.status = VisitStatus.DEFERRED if deferred else VisitStatus.SCREENED
    visit.save()
    audit.record(
        actor,
        AuditAction.UPDATE,
        visit,
        patient_id=visit.patient_id,
        summary=f"vaccination screened: {visit.status}",
    )
    return visit


# --- the dose -----------------------------------------------------------------------------------


@transaction.atomic
def give_dose(visit_id: int, *, trace_code: str, site: str, actor: Actor) -> Dose:
    """Record the dose by scanning its package: one dose leaves the package and the lot, each by
    a conditional UPDATE, so two nurses scanning at once never take more than there is."""
    require_staff(actor, VACCINATE)
    code = clean_trace_code(trace_code)
    if site not in InjectionSite.values:
        raise InvalidInput.field("site", _("Choose the site."), "invalid_choice")
    visit = _visit_for_update(visit_id, actor)
    if visit.status != VisitStatus.SCREENED:
        raise WrongState(_("Screen and take consent first."), code="not_screened")
    visit.product = VaccineProduct.objects.get(pk=visit.product_id)
    if not is_paid(visit):
        raise WrongState(_("This vaccine is not paid yet."), code="unpaid")
    package = TraceCode.objects.select_related("lot").filter(code=code).first()
    if package is None or package.lot.institution_id != staff_site(actor):
        raise InvalidInput.field("trace_code", _("This code is not in our stock."), "unknown")
    lot = package.lot
    today = clock.today()
    if lot.product_id != visit.product_id:
        raise InvalidInput.field("trace_code", _("This package is another vaccine."), "wrong")
    if lot.recalled_at is not None:
        raise WrongState(_("This lot is recalled; do not use it."), code="recalled")
    if lot.expires_on < today:
        raise WrongState(_("This lot is expired."), code="expired")
    if not TraceCode.objects.filter(pk=package.pk, doses_used__lt=F("doses")).update(
        doses_used=F("doses_used") + 1
    ):
        raise WrongState(_("Every dose of this package is used."), code="package_used")
    if not VaccineLot.objects.filter(pk=lot.pk, doses_left__gt=0, recalled_at__isnull=True).update(
        doses_left=F("doses_left") - 1
    ):
        raise WrongState(_("No dose of this lot is left."), code="out_of_stock")
    now = clock.now()
    dose = Dose.objects.create(
        visit=visit,
        patient_id=visit.patient_id,
        lot=lot,
        trace_code=package,
        site=site,
        nurse_id=_user_id(actor),
        given_at=now,
        observation_until=now + OBSERVATION,
    )
    visit.status = VisitStatus.GIVEN
    visit.save(update_fields=["status"])
    audit.record(
        actor,
        AuditAction.CREATE,
        dose,
        patient_id=visit.patient_id,
        summary=f"dose given: {lot.product.code} lot {lot.lot_number} code {code}",
    )
    patient = visit.patient
    notifications.notify(
        "vaccination_observation",
        phone=patient.phone,
        subject=dose,
        params={
            "name": patient.name,
            "until": f"{timezone.localtime(dose.observation_until):%H:%M}",
            "path": reverse("publichealth-patient-dose", args=[dose.pk]),
        },
    )
    return dose


@transaction.atomic
def end_observation(dose_id: int, *, actor: Actor) -> Dose:
    require_staff(actor, VACCINATE)
    dose = (
        Dose.objects.select_for_update()
        .filter(pk=dose_id, lot__institution_id=staff_site(actor))
        .first()
    )
    if dose is None:
        raise NotFound(_("No such dose."))
    now = clock.now()
    if dose.observation_ended_at is not None:
        return dose
    if now < dose.observation_until:
        raise WrongState(_("The 30 minutes are not over yet."), code="too_early")
    dose.observation_ended_at = now
    dose.save(update_fields=["observation_ended_at"])
    audit.record(
        actor, AuditAction.UPDATE, dose, patient_id=dose.patient_id, summary="observation ended"
    )
    return dose


# --- adverse events -----------------------------------------------------------------------------


@transaction.atomic
def report_aefi(
    dose_id: int,
    *,
    onset_at: dt.datetime,
    discovered_at: dt.datetime,
    symptoms: str,
    serious: bool,
    actor: Actor,
) -> AdverseEvent:
    require_staff(actor, VACCINATE)
    dose = Dose.objects.filter(pk=dose_id, lot__institution_id=staff_site(actor)).first()
    if dose is None:
        raise NotFound(_("No such dose."))
    now = clock.now()
    symptoms = (symptoms or "").strip()
    errors: list[FieldError] = []
    if not symptoms or len(symptoms) > 500:
        errors.append(FieldError("symptoms", _("Describe the symptoms."), "required"))
    if onset_at is None or onset_at < dose.given_at:
        errors.append(FieldError("onset_at", _("Onset is after the dose."), "before_dose"))
    if discovered_at is None or discovered_at > now or (onset_at and discovered_at < onset_at):
        errors.append(FieldError("discovered_at", _("Between onset and now."), "out_of_range"))
    if errors:
        raise InvalidInput(*errors)
    event = AdverseEvent.objects.create(
        dose=dose,
        onset_at=onset_at,
        discovered_at=discovered_at,
        reported_at=now,
        serious=bool(serious),
        symptoms=symptoms,
        category=AefiCategory.PENDING,
        reported_by=actor.label,
    )
    audit.record(
        actor,
        AuditAction.CREATE,
        event,
        patient_id=dose.patient_id,
        summary=f"AEFI reported for dose {dose.pk}",
    )
    return event


def reported_in_time(event: AdverseEvent) -> bool:
    return event.reported_at - event.discovered_at <= AEFI_REPORT_LIMIT


@transaction.atomic
def follow_up_aefi(
    event_id: int, *, note: str, category: str, close: bool, actor: Actor
) -> AdverseEvent:
    require_staff(actor, VACCINATE)
    event = (
        AdverseEvent.objects.select_for_update()
        .filter(pk=event_id, dose__lot__institution_id=staff_site(actor))
        .first()
    )
    if event is None:
        raise NotFound(_("No such adverse event."))
    if event.closed_at is not None:
        raise WrongState(_("This adverse event is closed."), code="closed")
    note = (note or "").strip()
    if not note or len(note) > 1000:
        raise InvalidInput.field("note", _("Write what was done."), "required")
    if category not in AefiCategory.values or (close and category == AefiCategory.PENDING):
        raise InvalidInput.field("category", _("Classify it before closing."), "invalid_choice")
    now = clock.now()
    stamp = f"{timezone.localtime(now):%Y-%m-%d %H:%M} {actor.label}: {note}"
    event.follow_up = f"{event.follow_up}\n{stamp}".strip()
    event.category = category
    if close:
        event.closed_at = now
    event.save()
    audit.record(
        actor,
        AuditAction.UPDATE,
        event,
        patient_id=event.dose.patient_id,
        summary=f"AEFI followed up ({category})",
    )
    return event


# --- traceability and recall ---------------------------------------------------------------------


def lot_recipients(lot_id: int) -> QuerySet[Dose]:
    """Lot → every person who received it: one query (doses joined to their patients)."""
    return (
        Dose.objects.filter(lot_id=lot_id)
        .select_related("patient", "trace_code")
        .order_by("given_at", "pk")
    )


def lots_received_by(patient_id: int) -> QuerySet[Dose]:
    """Person → every lot they received: one query (doses joined to lots and products)."""
    return (
        Dose.objects.filter(patient_id=patient_id)
        .select_related("lot", "lot__product", "trace_code")
        .order_by("given_at", "pk")
    )


def lot_for_staff(lot_id: int, *, actor: Actor) -> tuple[VaccineLot, list[Dose]]:
    require_staff(actor, VACCINATE)
    lot = (
        VaccineLot.objects.select_related("product")
        .filter(pk=lot_id, institution_id=staff_site(actor))
        .first()
    )
    if lot is None:
        raise NotFound(_("No such lot."))
    doses = list(lot_recipients(lot.pk))
    with transaction.atomic():
        for dose in doses:
            audit.record(
                actor,
                AuditAction.VIEW,
                dose,
                patient_id=dose.patient_id,
                summary=f"lot {lot.lot_number} traced",
            )
    return lot, doses


def person_for_staff(patient_id: int, *, actor: Actor) -> tuple:
    require_staff(actor, VACCINATE)
    patient = identity.accessible_patients(actor).filter(pk=patient_id).first()
    if patient is None:
        raise NotFound(_("No such patient."))
    audit.record_staff_read(
        actor, patient, patient_id=patient.pk, summary="vaccination record read"
    )
    return patient, list(lots_received_by(patient.pk))


@transaction.atomic
def recall_lot(lot_id: int, *, reason: str, actor: Actor) -> int:
    """Withdraw a lot: no dose can be given from it any more, and everyone who received one is
    told (one notice per person, through the outbox). Answers how many were told."""
    require_staff(actor, RECALL)
    reason = (reason or "").strip()
    if not reason or len(reason) > 200:
        raise InvalidInput.field("reason", _("Give the reason."), "required")
    now = clock.now()
    if not VaccineLot.objects.filter(
        pk=lot_id, institution_id=staff_site(actor), recalled_at__isnull=True
    ).update(recalled_at=now, recall_reason=reason):
        if not VaccineLot.objects.filter(pk=lot_id, institution_id=staff_site(actor)).exists():
            raise NotFound(_("No such lot."))
        raise WrongState(_("This lot is already recalled."), code="already_recalled")
    lot = VaccineLot.objects.select_related("product").get(pk=lot_id)
    told = 0
    for dose in lot_recipients(lot.pk):
        notifications.notify(
            "vaccine_lot_recalled",
            phone=dose.patient.phone,
            subject=dose,
            params={
                "name": dose.patient.name,
                "vaccine": lot.product.name,
                "lot": lot.lot_number,
                "path": reverse("publichealth-patient-dose", args=[dose.pk]),
            },
        )
        told += 1
    audit.record(
        actor,
        AuditAction.UPDATE,
        lot,
        summary=f"vaccine lot {lot.lot_number} recalled ({told} people told)",
        changes={"reason": reason},
    )
    return told


# --- reading ------------------------------------------------------------------------------------


def desk_visits(*, actor: Actor) -> list[VaccinationVisit]:
    require_staff(actor, VACCINATE)
    visits = list(
        VaccinationVisit.objects.filter(
            institution_id=staff_site(actor),
            status__in=[VisitStatus.BOOKED, VisitStatus.SCREENED, VisitStatus.GIVEN],
            appointment__session__date=clock.today(),
        )
        .select_related("patient", "product", "appointment__slot")
        .order_by("appointment__slot__starts_at", "pk")
    )
    with transaction.atomic():
        for visit in visits:
            audit.record(
                actor,
                AuditAction.VIEW,
                visit,
                patient_id=visit.patient_id,
                summary="vaccination desk list",
            )
    return visits


def visit_for_staff(visit_id: int, *, actor: Actor) -> VaccinationVisit:
    require_staff(actor, VACCINATE)
    visit = (
        VaccinationVisit.objects.filter(pk=visit_id, institution_id=staff_site(actor))
        .select_related("patient", "product", "appointment")
        .first()
    )
    if visit is None:
        raise NotFound(_("No such vaccination."))
    audit.record_staff_read(
        actor, visit, patient_id=visit.patient_id, summary="vaccination visit read"
    )
    return visit


def dose_of(visit: VaccinationVisit) -> Dose | None:
    return Dose.objects.filter(visit=visit).select_related("lot", "trace_code").first()


def dose_for_patient(dose_id: int, *, actor: Actor) -> Dose:
    patients = identity.accessible_patients(actor).values("pk")
    dose = (
        Dose.objects.filter(pk=dose_id, patient_id__in=patients)
        .select_related("patient", "lot", "lot__product", "visit")
        .first()
    )
    if dose is None:
        raise NotFound(_("No such dose."))
    return dose


@dataclass(frozen=True)
class ChildCard:
    patient: object
    doses: list[Dose]
    visits: list[VaccinationVisit]
    due: list[schedule.Due]


def vaccination_cards(actor: Actor) -> list[ChildCard]:
    """The phone's 预防接种证: for each person the account holds, doses given, visits booked
    and the programme doses still due (for children under seven)."""
    cards = []
    today = clock.today()
    for patient in identity.accessible_patients(actor).order_by("pk"):
        doses = list(lots_received_by(patient.pk))
        given = {(d.lot.product.code, d.visit.dose_number) for d in doses}
        visits = list(
            VaccinationVisit.objects.filter(patient=patient)
            .exclude(status=VisitStatus.GIVEN)
            .select_related("product", "appointment__slot")
            .order_by("-created_at")
        )
        booked = {(v.product.code, v.dose_number) for v in visits}
        due = []
        if (today - patient.birth_date).days < 7 * 366:
            due = [
                d
                for d in schedule.child_doses_due(patient.birth_date)
                if (d.product_code, d.dose_number) not in given | booked
            ][:4]
        cards.append(ChildCard(patient, doses, visits, due))
    return cards


def visit_for_patient(visit_id: int, *, actor: Actor) -> VaccinationVisit:
    patients = identity.accessible_patients(actor).values("pk")
    visit = (
        VaccinationVisit.objects.filter(pk=visit_id, patient_id__in=patients)
        .select_related("patient", "product", "appointment__slot")
        .first()
    )
    if visit is None:
        raise NotFound(_("No such vaccination."))
    return visit


# --- the product catalogue and the clinics' slots ---------------------------------------------

# A vaccination clinic (预防接种门诊) is a scheduling department with this code at its
# institution; the phone offers the next free times across all of them.
VACCINATION_DEPARTMENT_CODE = "VAC"


@dataclass(frozen=True)
class ProductIn:
    code: str
    manufacturer: str
    trace_prefix: str
    price_item_code: str = ""


@transaction.atomic
def define_product(data: ProductIn, *, actor: Actor) -> VaccineProduct:
    """A vaccine of the schedules, from one manufacturer; programme vaccines are the children's
    schedule's, the others are priced by a catalogue line."""
    require_staff(actor, RECEIVE)
    if data.code not in schedule.PRODUCT_NAMES:
        raise InvalidInput.field("code", _("Not a vaccine of the schedules."), "invalid_choice")
    if not (len(data.trace_prefix) == 7 and data.trace_prefix.isdigit()):
        raise InvalidInput.field("trace_prefix", _("Seven digits."), "invalid")
    programme = data.code in schedule.PROGRAMME_CODES
    if not programme and not data.price_item_code:
        raise InvalidInput.field("price_item_code", _("A paid vaccine needs its price."))
    product, _created = VaccineProduct.objects.update_or_create(
        code=data.code,
        defaults={
            "name": schedule.PRODUCT_NAMES[data.code],
            "manufacturer": data.manufacturer,
            "programme": programme,
            "price_item_code": "" if programme else data.price_item_code,
            "trace_prefix": data.trace_prefix,
        },
    )
    audit.record(actor, AuditAction.UPDATE, product, summary=f"vaccine {product.code} defined")
    return product


def open_times(*, now: dt.datetime, limit: int = 12):
    """The next free times of every vaccination clinic, for booking on the phone."""
    departments = list(
        Department.objects.filter(code=VACCINATION_DEPARTMENT_CODE).values_list("pk", flat=True)
    )
    if not departments:
        return []
    return next_available(
        department_ids=departments, channel=BookingChannel.APP, now=now, limit=limit
    )


def recent_lots(*, actor: Actor) -> list[VaccineLot]:
    require_staff(actor, VACCINATE)
    return list(
        VaccineLot.objects.filter(institution_id=staff_site(actor))
        .select_related("product")
        .order_by("-received_at")[:100]
    )


def cold_chain_log(*, actor: Actor) -> list[ColdChainReading]:
    require_staff(actor, VACCINATE)
    return list(ColdChainReading.objects.filter(institution_id=staff_site(actor))[:50])


def _user_id(actor: Actor) -> int:
    """The signed-in staff member behind `actor` (vaccinating staff always have one)."""
    if actor.user is None:
        raise PermissionDenied(_("Only staff can do this."))
    return int(actor.user.pk)
