"""Inpatient verbs (issue 25): the doctor's admission notice, the preparation centre's bed
booking, the bed ready, admission with the patient identified, the deposit, transfer,
day-surgery pre-assessment, discharge settled on the ward and the follow-up call.

Lock order: the admission, then the room of the bed asked for (so two patients of different sex
cannot take the last two beds of an empty room at once), then the bed by a conditional UPDATE
that sets its holder only while it is empty (D150). Money goes through billing's services: the
first bed day opens the inpatient bill, the deposit is billing's top-up and discharge is
billing's discharge settlement (D50)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from onetrip.billing.models import ChargeSource, DepositTopUp, PaymentChannel, VisitKind
from onetrip.billing.services import charges, deposits
from onetrip.consortium.models import Department
from onetrip.core import audit, clock
from onetrip.core.actors import Actor
from onetrip.core.errors import DomainError, FieldError, InvalidInput, NotFound
from onetrip.core.models import AuditAction
from onetrip.identity import services as identity
from onetrip.identity.documents import DocumentType
from onetrip.identity.models import Patient
from onetrip.inpatient import blood, preadmission
from onetrip.inpatient.access import (
    DISCHARGE,
    ISSUE,
    MANAGE,
    VIEW,
    home,
    locked_admission,
    refuse_unless,
    require_staff,
)
from onetrip.inpatient.models import (
    HOLDING,
    Admission,
    AdmissionStatus,
    Bed,
    BedMove,
    DaySurgeryProcedure,
    DischargePlace,
    MdtRequest,
    PathwayDay,
    PathwayEnrolment,
    PathwayStatus,
    PathwayTemplate,
    PathwayVariance,
    Room,
    SexRule,
    Urgency,
    Ward,
)
from onetrip.notifications import services as notifications

# The first bed day is charged at admission: it opens the inpatient bill the deposit is paid into.
BED_DAY_ITEM = "WARD-BED"
DAY_SURGERY_HOURS = 24
DAY_SURGERY_EXCEPTION_HOURS = 48


class BedTaken(DomainError):
    def __init__(self) -> None:
        super().__init__(_("This bed has just been given to another patient."), code="bed_taken")


def patient_path(admission: Admission) -> str:
    return reverse("inpatient-patient-admission", args=[admission.pk])


def _tell(admission: Admission, template: str, params: dict[str, str]) -> None:
    notifications.notify(
        template,
        phone=admission.patient.phone,
        subject=admission,
        params={**params, "path": patient_path(admission)},
        occasion=template,
    )


def age_on(patient: Patient, day: dt.date) -> int:
    born = patient.birth_date
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


# --- the bed pool (back office and demo) ------------------------------------------------------


@dataclass(frozen=True)
class WardIn:
    code: str
    name: str
    department_id: int | None = None
    sex_rule: str = SexRule.ANY
    min_age: int = 0
    max_age: int = 150
    day_surgery: bool = False
    # room number → (sex rule, isolation, bed labels)
    rooms: tuple[tuple[str, str, bool, tuple[str, ...]], ...] = ()


@transaction.atomic
def create_ward(data: WardIn, *, actor: Actor) -> Ward:
    """A ward with its rooms and beds, at the actor's institution."""
    require_staff(actor, MANAGE)
    if data.sex_rule not in SexRule.values:
        raise InvalidInput.field("sex_rule", _("Choose one of the options."))
    if not data.code or not data.name:
        raise InvalidInput.field("code", _("This field is required."))
    if data.department_id and not Department.objects.filter(
        pk=data.department_id, institution_id=home(actor)
    ):
        raise InvalidInput.field("department_id", _("Choose a department."))
    ward = Ward.objects.create(
        institution_id=home(actor),
        department_id=data.department_id,
        code=data.code,
        name=data.name,
        sex_rule=data.sex_rule,
        min_age=data.min_age,
        max_age=data.max_age,
        day_surgery=data.day_surgery,
    )
    for number, sex_rule, isolation, labels in data.rooms:
        room = Room.objects.create(ward=ward, number=number, sex_rule=sex_rule, isolation=isolation)
        Bed.objects.bulk_create(Bed(room=room, label=label) for label in labels)
    audit.record(actor, AuditAction.CREATE, ward, summary=f"ward {ward.code} created")
    return ward


@transaction.atomic
def add_day_surgery_procedure(
    *, code: str, name: str, max_asa: int, min_age: int, max_age: int, actor: Actor
) -> DaySurgeryProcedure:
    require_staff(actor, MANAGE)
    procedure = DaySurgeryProcedure.objects.create(
        institution_id=home(actor),
        code=code,
        name=name,
        max_asa=max_asa,
        min_age=min_age,
        max_age=max_age,
    )
    audit.record(
        actor, AuditAction.CREATE, procedure, summary=f"day-surgery procedure {code} added"
    )
    return procedure


# --- the admission notice ---------------------------------------------------------------------


@dataclass(frozen=True)
class NoticeIn:
    patient_id: int
    diagnosis: str
    urgency: str
    expected_los_days: int
    planned_procedure: str = ""
    surgeon: str = ""
    department_id: int | None = None
    needs_isolation: bool = False
    day_surgery_id: int | None = None


def _text(errors: list[FieldError], name: str, value: str, limit: int, required: bool) -> str:
    value = (value or "").strip()
    if required and not value:
        errors.append(FieldError(name, _("This field is required."), "required"))
    elif len(value) > limit:
        errors.append(FieldError(name, _("Too long."), "too_long"))
    return value


@transaction.atomic
def issue_notice(data: NoticeIn, *, actor: Actor) -> Admission:
    """The doctor's admission notice (入院通知) from the clinic: it lands on the admission
    preparation centre's worklist and on the patient's phone."""
    require_staff(actor, ISSUE)
    errors: list[FieldError] = []
    diagnosis = _text(errors, "diagnosis", data.diagnosis, 200, True)
    procedure = _text(errors, "planned_procedure", data.planned_procedure, 200, False)
    surgeon = _text(errors, "surgeon", data.surgeon, 60, False)
    if data.urgency not in Urgency.values:
        errors.append(FieldError("urgency", _("Choose one of the options."), "invalid_choice"))
    if not isinstance(data.expected_los_days, int) or not 1 <= data.expected_los_days <= 365:
        errors.append(FieldError("expected_los_days", _("Enter 1 to 365 days.")))
    patient = identity.accessible_patients(actor).filter(pk=data.patient_id or 0).first()
    if patient is None:
        # The same answer for "absent" and "not yours" (no probing other hospitals' records).
        raise NotFound(_("No such patient."))
    day_surgery = None
    if data.day_surgery_id:
        day_surgery = DaySurgeryProcedure.objects.filter(
            pk=data.day_surgery_id, institution_id=home(actor)
        ).first()
        if day_surgery is None:
            errors.append(FieldError("day_surgery_id", _("Choose a day-surgery procedure.")))
        elif data.urgency != Urgency.ELECTIVE:
            errors.append(FieldError("urgency", _("Day surgery is planned: choose elective.")))
    if data.department_id and not Department.objects.filter(
        pk=data.department_id, institution_id=home(actor)
    ):
        errors.append(FieldError("department_id", _("Choose a department.")))
    if errors:
        raise InvalidInput(*errors)
    assert patient is not None
    assert actor.user is not None
    admission = Admission.objects.create(
        institution_id=home(actor),
        department_id=data.department_id,
        patient=patient,
        issued_by_id=actor.user.pk,
        doctor_name=actor.label,
        diagnosis=diagnosis,
        planned_procedure=procedure or (day_surgery.name if day_surgery else ""),
        urgency=data.urgency,
        expected_los_days=1 if day_surgery else data.expected_los_days,
        surgeon=surgeon,
        needs_isolation=data.needs_isolation,
        day_surgery=day_surgery,
        issued_at=clock.now(),
    )
    audit.record(
        actor,
        AuditAction.CREATE,
        admission,
        patient_id=patient.pk,
        summary=f"admission notice issued ({admission.urgency})",
    )
    _tell(admission, "admission_notice", {"diagnosis": diagnosis})
    return admission


# --- bed booking --------------------------------------------------------------------------------


def bed_rule_violations(admission: Admission, bed: Bed, day: dt.date) -> list[str]:
    """Why `bed` cannot take the admission's patient (empty when it can): the room's rules and
    the sex of whoever is in the room now."""
    patient = admission.patient
    room = bed.room
    reasons = room_rule_violations(admission, room, day)
    if room.sex_rule == SexRule.ANY and not _sex_rule_refuses(patient, room):
        others = (
            Bed.objects.filter(room=room, holder__isnull=False)
            .exclude(holder=admission)
            .exclude(holder__patient__sex=patient.sex)
        )
        if others.exists():
            reasons.insert(0, str(_("The room has patients of the other sex.")))
    return reasons


def room_rule_violations(admission: Admission, room: Room, day: dt.date) -> list[str]:
    """Why the room's rules refuse the admission's patient whoever lies in it: the ward's and
    the room's sex rule, age, isolation, day surgery (no query: the weekly plan asks this for
    every notice and room)."""
    patient = admission.patient
    ward = room.ward
    reasons = []
    if _sex_rule_refuses(patient, room):
        reasons.append(str(_("The ward or room takes only the other sex.")))
    age = age_on(patient, day)
    if not ward.min_age <= age <= ward.max_age:
        reasons.append(str(_("The ward does not take patients of this age.")))
    if admission.needs_isolation != room.isolation:
        reasons.append(
            str(_("The patient needs an isolation room."))
            if admission.needs_isolation
            else str(_("An isolation room is kept for patients who need isolation."))
        )
    if bool(admission.day_surgery_id) != ward.day_surgery:
        reasons.append(
            str(_("Day surgery is admitted to a day-surgery ward."))
            if admission.day_surgery_id
            else str(_("A day-surgery ward takes day surgery only."))
        )
    return reasons


def _sex_rule_refuses(patient: Patient, room: Room) -> bool:
    return any(
        rule != SexRule.ANY and patient.sex != rule for rule in (room.ward.sex_rule, room.sex_rule)
    )


def _take_bed(admission: Admission, bed_id: int, day: dt.date, actor: Actor) -> Bed:
    bed = (
        Bed.objects.select_related("room__ward")
        .filter(pk=bed_id, room__ward__institution_id=home(actor))
        .first()
    )
    if bed is None:
        raise InvalidInput.field("bed_id", _("Choose a bed."), "invalid_choice")
    # The room's lock serialises the sex rule's read of the room with the taking of its beds.
    Room.objects.select_for_update().filter(pk=bed.room_id).first()
    reasons = bed_rule_violations(admission, bed, day)
    if reasons:
        raise InvalidInput.field("bed_id", " ".join(reasons), "bed_rules")
    if not Bed.objects.filter(pk=bed.pk, holder__isnull=True).update(holder=admission):
        raise BedTaken()
    return bed


@transaction.atomic
def book_bed(admission_id: int, *, bed_id: int, expected_date: dt.date, actor: Actor) -> Admission:
    """The centre books a bed from the hospital-wide pool with the expected admission date,
    shown on the patient's phone and sent to them."""
    require_staff(actor, MANAGE)
    admission = locked_admission(admission_id, actor)
    refuse_unless(admission, AdmissionStatus.NOTICE)
    if not isinstance(expected_date, dt.date) or expected_date < clock.today():
        raise InvalidInput.field("expected_date", _("Choose today or a later day."))
    bed = _take_bed(admission, bed_id, expected_date, actor)
    admission.status = AdmissionStatus.BOOKED
    admission.expected_admission_date = expected_date
    admission.booked_at = clock.now()
    admission.save(update_fields=["status", "expected_admission_date", "booked_at"])
    BedMove.objects.create(admission=admission, to_bed=bed, at=clock.now(), reason="booked")
    audit.record(
        actor,
        AuditAction.UPDATE,
        admission,
        patient_id=admission.patient_id,
        summary=f"bed {bed.pk} booked for {expected_date:%Y-%m-%d}",
    )
    _tell(
        admission,
        "bed_booked",
        {"ward": bed.room.ward.name, "date": f"{expected_date:%Y-%m-%d}"},
    )
    return admission


@transaction.atomic
def bed_ready(admission_id: int, *, actor: Actor) -> Admission:
    """The ward has the booked bed ready: the patient gets an SMS to come in."""
    require_staff(actor, MANAGE)
    admission = locked_admission(admission_id, actor)
    refuse_unless(admission, AdmissionStatus.BOOKED)
    Admission.objects.filter(pk=admission.pk).update(
        status=AdmissionStatus.READY, ready_at=clock.now()
    )
    admission.refresh_from_db()
    bed = Bed.objects.select_related("room__ward").get(holder=admission)
    audit.record(
        actor,
        AuditAction.UPDATE,
        admission,
        patient_id=admission.patient_id,
        summary=f"bed {bed.pk} ready",
    )
    _tell(
        admission,
        "bed_ready",
        {"ward": bed.room.ward.name, "bed": f"{bed.room.number}-{bed.label}"},
    )
    return admission


@transaction.atomic
def cancel_notice(admission_id: int, *, reason: str, actor: Actor) -> Admission:
    """The patient will not come: the notice is cancelled and a booked bed goes back."""
    require_staff(actor, MANAGE)
    admission = locked_admission(admission_id, actor)
    refuse_unless(admission, AdmissionStatus.NOTICE, AdmissionStatus.BOOKED, AdmissionStatus.READY)
    errors: list[FieldError] = []
    reason = _text(errors, "reason", reason, 200, True)
    if errors:
        raise InvalidInput(*errors)
    _release_bed(admission, reason)
    admission.status = AdmissionStatus.CANCELLED
    admission.save(update_fields=["status"])
    audit.record(
        actor,
        AuditAction.UPDATE,
        admission,
        patient_id=admission.patient_id,
        summary="admission notice cancelled",
    )
    return admission


def _release_bed(admission: Admission, reason: str) -> None:
    bed = Bed.objects.filter(holder=admission).first()
    if bed is not None:
        Bed.objects.filter(pk=bed.pk, holder=admission).update(holder=None)
        BedMove.objects.create(admission=admission, from_bed=bed, at=clock.now(), reason=reason)


# --- admission ------------------------------------------------------------------------------


class IdentifiedBy:
    CODE = "code"  # the patient's record number, as on their card and the notice
    WRISTBAND = "wristband"  # the admission number printed on the wristband's barcode
    CARD = "card"  # the e-health card: its QR payload or card ID
    ALL = (CODE, WRISTBAND, CARD)


def identify(admission: Admission, *, kind: str, value: str) -> None:
    """The person at the desk or bed is the admission's patient, by their code, wristband
    barcode or e-health card; else a field error (never whose record it is)."""
    value = (value or "").strip().upper()
    if kind not in IdentifiedBy.ALL:
        raise InvalidInput.field("kind", _("Choose one of the options."))
    if kind == IdentifiedBy.CODE:
        matches = value.isdigit() and int(value) == admission.patient_id
    elif kind == IdentifiedBy.WRISTBAND:
        matches = bool(admission.admission_number) and value == admission.admission_number
    else:
        card = value.split(":", 1)[0]
        matches = admission.patient.documents.filter(
            doc_type=DocumentType.E_HEALTH_CARD, number=card
        ).exists()
    if not matches:
        raise InvalidInput.field(
            "value", _("This does not identify the admission's patient."), "not_this_patient"
        )


@transaction.atomic
def admit(admission_id: int, *, kind: str, value: str, actor: Actor) -> Admission:
    """Admit the patient to the bed booked for them, after identifying them; the first bed day
    opens the inpatient bill that the deposit is paid into."""
    require_staff(actor, MANAGE)
    admission = locked_admission(admission_id, actor)
    refuse_unless(admission, AdmissionStatus.BOOKED, AdmissionStatus.READY)
    identify(admission, kind=kind, value=value)
    now = clock.now()
    admission.admission_number = f"ZY{now:%Y%m%d}{admission.pk:05d}"
    charge = charges.create_charge(
        charges.ChargeRequest(
            patient_id=admission.patient_id,
            institution_id=admission.institution_id,
            visit_reference=admission.admission_number,
            item_code=BED_DAY_ITEM,
            quantity=1,
            source=ChargeSource.WARD,
            source_key=f"{admission.admission_number}:{BED_DAY_ITEM}:day1",
            visit_kind=VisitKind.INPATIENT,
        ),
        actor=actor,
    )
    admission.bill_id = charge.bill_id
    admission.status = AdmissionStatus.ADMITTED
    admission.admitted_at = now
    admission.save(update_fields=["admission_number", "bill", "status", "admitted_at"])
    moved = preadmission.move_fees_to_stay(admission, actor=actor)
    audit.record(
        actor,
        AuditAction.UPDATE,
        admission,
        patient_id=admission.patient_id,
        summary=f"admitted as {admission.admission_number} (identified by {kind})",
        changes={"pre_admission_fees": moved.moved, "left": moved.left} if moved else None,
    )
    return admission


def take_deposit(
    admission_id: int, *, amount_fen: object, channel: str, reference: str = "", actor: Actor
) -> DepositTopUp:
    """The deposit paid at the admission preparation centre: billing's top-up (D50)."""
    require_staff(actor, MANAGE)
    with transaction.atomic():
        admission = locked_admission(admission_id, actor)
        refuse_unless(admission, AdmissionStatus.ADMITTED)
        assert admission.bill_id is not None
        return deposits.top_up(
            deposits.TopUpRequest(
                bill_id=admission.bill_id,
                amount_fen=amount_fen,
                channel=channel,
                reference=reference,
            ),
            actor=actor,
        )


@transaction.atomic
def transfer(admission_id: int, *, bed_id: int, reason: str, actor: Actor) -> Admission:
    """Move an admitted patient (or a booked bed) to another bed of the pool."""
    require_staff(actor, MANAGE)
    admission = locked_admission(admission_id, actor)
    refuse_unless(admission, *HOLDING)
    errors: list[FieldError] = []
    reason = _text(errors, "reason", reason, 200, True)
    if errors:
        raise InvalidInput(*errors)
    old = Bed.objects.get(holder=admission)
    if old.pk == bed_id:
        raise InvalidInput.field("bed_id", _("Choose another bed."))
    # The old bed is let go first: the one-to-one holder allows one bed per admission.
    Bed.objects.filter(pk=old.pk, holder=admission).update(holder=None)
    new = _take_bed(admission, bed_id, clock.today(), actor)
    BedMove.objects.create(
        admission=admission, from_bed=old, to_bed=new, at=clock.now(), reason=reason
    )
    audit.record(
        actor,
        AuditAction.UPDATE,
        admission,
        patient_id=admission.patient_id,
        summary=f"transferred from bed {old.pk} to bed {new.pk}",
    )
    return admission


# --- day surgery ----------------------------------------------------------------------------


@transaction.atomic
def pre_assess(
    admission_id: int, *, asa_class: int, escort_at_home: bool, actor: Actor
) -> Admission:
    """Day-surgery pre-assessment against the procedure's admission criteria; a patient who
    does not meet them is refused as day surgery (the notice stays, as an ordinary admission
    once the doctor changes it)."""
    require_staff(actor, MANAGE)
    admission = locked_admission(admission_id, actor)
    procedure = admission.day_surgery
    if procedure is None:
        raise DomainError(_("This admission is not a day surgery."), code="not_day_surgery")
    refuse_unless(admission, AdmissionStatus.NOTICE, AdmissionStatus.BOOKED, AdmissionStatus.READY)
    errors = []
    if not isinstance(asa_class, int) or not 1 <= asa_class <= 6:
        errors.append(FieldError("asa_class", _("Enter an ASA class from 1 to 6.")))
    elif asa_class > procedure.max_asa:
        errors.append(
            FieldError(
                "asa_class",
                _("ASA class %(asa)s is above this procedure's limit of %(limit)s.")
                % {"asa": asa_class, "limit": procedure.max_asa},
                "criteria",
            )
        )
    age = age_on(admission.patient, clock.today())
    if not procedure.min_age <= age <= procedure.max_age:
        errors.append(
            FieldError(
                "patient_id", _("The patient's age is outside this procedure's range."), "criteria"
            )
        )
    if procedure.escort_required and not escort_at_home:
        errors.append(
            FieldError(
                "escort_at_home",
                _("An adult must take the patient home and stay the first night."),
                "criteria",
            )
        )
    if errors:
        raise InvalidInput(*errors)
    admission.asa_class = asa_class
    admission.escort_at_home = escort_at_home
    admission.assessed_at = clock.now()
    admission.save(update_fields=["asa_class", "escort_at_home", "assessed_at"])
    audit.record(
        actor,
        AuditAction.UPDATE,
        admission,
        patient_id=admission.patient_id,
        summary=f"day-surgery pre-assessment passed (ASA {asa_class})",
    )
    return admission


# --- discharge ------------------------------------------------------------------------------


@dataclass(frozen=True)
class DischargeIn:
    place: str
    channel: str = ""  # pays what the deposit does not cover
    notes: str = ""  # the discharge summary's course and advice
    overstay_reason: str = ""


@transaction.atomic
def discharge(admission_id: int, data: DischargeIn, *, actor: Actor) -> Admission:
    """Discharge settled at the bedside, the ward station or on the phone: billing's discharge
    settlement (deposit drawn, shortfall paid, surplus refunded), the bed freed. A day surgery
    kept past 24 hours needs the reason; past 48 it is recorded as an ordinary stay (D152)."""
    require_staff(actor, DISCHARGE)
    admission = locked_admission(admission_id, actor)
    refuse_unless(admission, AdmissionStatus.ADMITTED)
    errors: list[FieldError] = []
    if data.place not in DischargePlace.values:
        errors.append(FieldError("place", _("Choose one of the options."), "invalid_choice"))
    notes = _text(errors, "notes", data.notes, 4000, True)
    overstay = _text(errors, "overstay_reason", data.overstay_reason, 200, False)
    now = clock.now()
    assert admission.admitted_at is not None
    hours = (now - admission.admitted_at).total_seconds() / 3600
    if admission.day_surgery_id and hours > DAY_SURGERY_HOURS and not overstay:
        errors.append(
            FieldError(
                "overstay_reason",
                _("A day surgery discharged after 24 hours needs the reason."),
                "required",
            )
        )
    if errors:
        raise InvalidInput(*errors)
    assert admission.bill_id is not None
    deposits.settle_at_discharge(
        deposits.DischargeRequest(
            bill_id=admission.bill_id,
            channel=data.channel if data.channel in PaymentChannel.values else "",
            blood_fen=blood.cover_at_discharge(admission, actor=actor),
        ),
        actor=actor,
    )
    _release_bed(admission, "discharged")
    # A stay still on its pathway at discharge has completed it (D154).
    PathwayEnrolment.objects.filter(admission=admission, status=PathwayStatus.ACTIVE).update(
        status=PathwayStatus.COMPLETED, ended_at=now
    )
    admission.status = AdmissionStatus.DISCHARGED
    admission.discharged_at = now
    admission.discharge_place = data.place
    admission.discharge_summary = notes
    admission.overstay_reason = overstay
    admission.counted_as_day_surgery = bool(
        admission.day_surgery_id and hours <= DAY_SURGERY_EXCEPTION_HOURS
    )
    admission.save(
        update_fields=[
            "status",
            "discharged_at",
            "discharge_place",
            "discharge_summary",
            "overstay_reason",
            "counted_as_day_surgery",
        ]
    )
    audit.record(
        actor,
        AuditAction.UPDATE,
        admission,
        patient_id=admission.patient_id,
        summary=f"discharged {admission.admission_number} ({data.place})",
    )
    return admission


@transaction.atomic
def record_follow_up(admission_id: int, *, note: str, actor: Actor) -> Admission:
    """The day-surgery follow-up call (or visit) after discharge."""
    require_staff(actor, DISCHARGE)
    admission = locked_admission(admission_id, actor)
    refuse_unless(admission, AdmissionStatus.DISCHARGED)
    errors: list[FieldError] = []
    note = _text(errors, "note", note, 200, True)
    if errors:
        raise InvalidInput(*errors)
    admission.follow_up_at = clock.now()
    admission.follow_up_note = note
    admission.save(update_fields=["follow_up_at", "follow_up_note"])
    audit.record(
        actor,
        AuditAction.UPDATE,
        admission,
        patient_id=admission.patient_id,
        summary="follow-up recorded",
    )
    return admission


# --- clinical pathways and MDT ------------------------------------------------------------


@transaction.atomic
def add_pathway_template(
    *, code: str, name: str, days: tuple[str, ...], actor: Actor
) -> PathwayTemplate:
    """A pathway with the tasks of each day (day 1 first)."""
    require_staff(actor, MANAGE)
    if not days:
        raise InvalidInput.field("days", _("Give the tasks of at least one day."))
    template = PathwayTemplate.objects.create(institution_id=home(actor), code=code, name=name)
    PathwayDay.objects.bulk_create(
        PathwayDay(template=template, day=number, tasks=tasks)
        for number, tasks in enumerate(days, start=1)
    )
    audit.record(actor, AuditAction.CREATE, template, summary=f"clinical pathway {code} added")
    return template


@transaction.atomic
def enrol_on_pathway(admission_id: int, *, template_id: int, actor: Actor) -> PathwayEnrolment:
    """Put an admitted patient on a pathway (at admission)."""
    require_staff(actor, MANAGE)
    admission = locked_admission(admission_id, actor)
    refuse_unless(admission, AdmissionStatus.ADMITTED)
    template = PathwayTemplate.objects.filter(pk=template_id, institution_id=home(actor)).first()
    if template is None:
        raise InvalidInput.field("template_id", _("Choose a clinical pathway."), "invalid_choice")
    if PathwayEnrolment.objects.filter(admission=admission).exists():
        raise DomainError(_("This stay is already on a pathway."), code="already_enrolled")
    enrolment = PathwayEnrolment.objects.create(
        admission=admission, template=template, enrolled_at=clock.now()
    )
    audit.record(
        actor,
        AuditAction.CREATE,
        enrolment,
        patient_id=admission.patient_id,
        summary=f"enrolled on clinical pathway {template.code}",
    )
    return enrolment


def _active_enrolment(admission: Admission) -> PathwayEnrolment:
    enrolment = PathwayEnrolment.objects.select_for_update().filter(admission=admission).first()
    if enrolment is None or enrolment.status != PathwayStatus.ACTIVE:
        raise DomainError(_("This stay is not on a pathway."), code="not_on_pathway")
    return enrolment


@transaction.atomic
def record_variance(admission_id: int, *, reason: str, actor: Actor) -> PathwayVariance:
    """A variance from the pathway on the stay's current day, with its reason."""
    require_staff(actor, DISCHARGE)
    admission = locked_admission(admission_id, actor)
    enrolment = _active_enrolment(admission)
    errors: list[FieldError] = []
    reason = _text(errors, "reason", reason, 200, True)
    if errors:
        raise InvalidInput(*errors)
    assert admission.admitted_at is not None
    day = (clock.today() - timezone.localtime(admission.admitted_at).date()).days + 1
    variance = PathwayVariance.objects.create(
        enrolment=enrolment, day=day, reason=reason, recorded_at=clock.now()
    )
    audit.record(
        actor,
        AuditAction.CREATE,
        variance,
        patient_id=admission.patient_id,
        summary=f"pathway variance on day {day}",
    )
    return variance


@transaction.atomic
def exit_pathway(admission_id: int, *, reason: str, actor: Actor) -> PathwayEnrolment:
    """Take the stay off its pathway (a variance it cannot absorb), with the reason."""
    require_staff(actor, DISCHARGE)
    admission = locked_admission(admission_id, actor)
    enrolment = _active_enrolment(admission)
    errors: list[FieldError] = []
    reason = _text(errors, "exit_reason", reason, 200, True)
    if errors:
        raise InvalidInput(*errors)
    enrolment.status = PathwayStatus.EXITED
    enrolment.exit_reason = reason
    enrolment.ended_at = clock.now()
    enrolment.save(update_fields=["status", "exit_reason", "ended_at"])
    audit.record(
        actor,
        AuditAction.UPDATE,
        enrolment,
        patient_id=admission.patient_id,
        summary="left the clinical pathway",
    )
    return enrolment


@transaction.atomic
def request_mdt(admission_id: int, *, question: str, specialties: str, actor: Actor) -> MdtRequest:
    """Ask for a multidisciplinary consultation about an admitted patient."""
    require_staff(actor, DISCHARGE)
    admission = locked_admission(admission_id, actor)
    refuse_unless(admission, AdmissionStatus.ADMITTED)
    errors: list[FieldError] = []
    question = _text(errors, "question", question, 300, True)
    specialties = _text(errors, "specialties", specialties, 200, True)
    if errors:
        raise InvalidInput(*errors)
    mdt = MdtRequest.objects.create(
        admission=admission, question=question, specialties=specialties, requested_at=clock.now()
    )
    audit.record(
        actor,
        AuditAction.CREATE,
        mdt,
        patient_id=admission.patient_id,
        summary="MDT consultation requested",
    )
    return mdt


@transaction.atomic
def answer_mdt(mdt_id: int, *, conclusion: str, actor: Actor) -> MdtRequest:
    require_staff(actor, DISCHARGE)
    mdt = (
        MdtRequest.objects.select_for_update()
        .filter(pk=mdt_id, admission__institution_id=home(actor))
        .first()
    )
    if mdt is None:
        raise NotFound(_("No such consultation."))
    errors: list[FieldError] = []
    conclusion = _text(errors, "conclusion", conclusion, 500, True)
    if errors:
        raise InvalidInput(*errors)
    updated = MdtRequest.objects.filter(pk=mdt.pk, answered_at__isnull=True).update(
        conclusion=conclusion, answered_at=clock.now()
    )
    if not updated:
        raise DomainError(_("This consultation is already answered."), code="answered")
    mdt.refresh_from_db()
    audit.record(
        actor,
        AuditAction.UPDATE,
        mdt,
        patient_id=mdt.admission.patient_id,
        summary="MDT consultation answered",
    )
    return mdt


# --- reads ----------------------------------------------------------------------------------


def pathway_templates(*, actor: Actor) -> list[PathwayTemplate]:
    return list(PathwayTemplate.objects.filter(institution_id=home(actor)).order_by("code"))


def pathway_of(admission: Admission) -> PathwayEnrolment | None:
    return (
        PathwayEnrolment.objects.filter(admission=admission)
        .select_related("template")
        .prefetch_related("variances", "template__days")
        .first()
    )


def mdt_for_staff(mdt_id: int, *, actor: Actor) -> MdtRequest:
    require_staff(actor, VIEW)
    mdt = MdtRequest.objects.filter(pk=mdt_id, admission__institution_id=home(actor)).first()
    if mdt is None:
        raise NotFound(_("No such consultation."))
    return mdt


def admissions_at(actor: Actor) -> QuerySet[Admission]:
    return Admission.objects.filter(institution_id=home(actor))


def admission_for_staff(admission_id: int, *, actor: Actor) -> Admission:
    """One admission for a staff page; the read is audited."""
    require_staff(actor, VIEW)
    admission = (
        admissions_at(actor)
        .select_related("patient", "day_surgery", "bed__room__ward")
        .filter(pk=admission_id)
        .first()
    )
    if admission is None:
        raise NotFound(_("No such admission."))
    audit.record_staff_read(
        actor, admission, patient_id=admission.patient_id, summary="admission record"
    )
    return admission


def admission_for_patient(admission_id: int, *, actor: Actor) -> Admission:
    admission = (
        Admission.objects.filter(pk=admission_id, patient__in=identity.accessible_patients(actor))
        .select_related("patient", "bed__room__ward")
        .first()
    )
    if admission is None:
        raise NotFound(_("No such admission."))
    return admission


def patient_admissions(*, actor: Actor) -> list[Admission]:
    return list(
        Admission.objects.filter(patient__in=identity.accessible_patients(actor))
        .select_related("patient", "bed__room__ward")
        .order_by("-issued_at")
    )


@dataclass(frozen=True)
class BedRow:
    bed: Bed
    state: str  # free, booked, ready, occupied


def bed_board(*, actor: Actor, ward_id: int | None = None) -> list[tuple[Ward, list[BedRow]]]:
    """Every ward of the actor's institution with its beds and who holds them now."""
    require_staff(actor, VIEW)
    wards = Ward.objects.filter(institution_id=home(actor)).order_by("code")
    if ward_id:
        wards = wards.filter(pk=ward_id)
    beds = (
        Bed.objects.filter(room__ward__in=wards)
        .select_related("room__ward", "holder__patient")
        .order_by("room__number", "label")
    )
    by_ward: dict[int, list[BedRow]] = {}
    for bed in beds:
        holder = bed.holder
        if holder is None:
            state = "free"
        elif holder.status == AdmissionStatus.ADMITTED:
            state = "occupied"
        else:
            state = holder.status
        by_ward.setdefault(bed.room.ward_id, []).append(BedRow(bed, state))
    return [(ward, by_ward.get(ward.pk, [])) for ward in wards]


def free_beds_for(admission: Admission) -> list[Bed]:
    """The beds that would take the admission's patient today."""
    beds = (
        Bed.objects.filter(room__ward__institution_id=admission.institution_id, holder__isnull=True)
        .select_related("room__ward")
        .order_by("room__ward__code", "room__number", "label")
    )
    return [b for b in beds if not bed_rule_violations(admission, b, clock.today())]


def worklist(*, actor: Actor) -> list[Admission]:
    """The admission preparation centre's worklist: notices not yet admitted."""
    require_staff(actor, VIEW)
    return list(
        admissions_at(actor)
        .filter(status__in=(AdmissionStatus.NOTICE, AdmissionStatus.BOOKED, AdmissionStatus.READY))
        .select_related("patient", "bed__room__ward", "day_surgery", "pre_admission")
        .order_by("issued_at")
    )


def on_the_wards(*, actor: Actor) -> list[Admission]:
    require_staff(actor, VIEW)
    return list(
        admissions_at(actor)
        .filter(status=AdmissionStatus.ADMITTED)
        .select_related("patient", "bed__room__ward", "day_surgery")
        .order_by("admitted_at")
    )
