"""Two-way referral (R-REF-1): a family doctor refers a patient up into a hospital's reserved
primary-care pool or large equipment, the hospital's referral office answers (accept, redirect,
green channel), and the hospital refers the patient back down with a care plan whose follow-ups
the family doctor books at the township.

Each verb is one transaction: the referral, the booking or exam order it comes with (through
scheduling's and exams' services, which take the unit by conditional UPDATE and lock the patient),
the audit row, the domain event and the patient's notice all commit together or not at all."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from onetrip.consortium.models import PRIMARY_CARE_LEVELS, Department
from onetrip.core import audit, clock
from onetrip.core.actors import Actor
from onetrip.core.errors import DomainError, FieldError, InvalidInput, NotFound
from onetrip.core.models import AuditAction
from onetrip.exams import services as exams
from onetrip.identity import services as identity
from onetrip.notifications import services as notifications
from onetrip.referral import domain_events
from onetrip.referral.models import (
    CarePlan,
    Direction,
    FollowUp,
    Referral,
    ReferralStatus,
    Target,
    Urgency,
)
from onetrip.referral.services.common import (
    HOSPITAL_LEVELS,
    for_staff,
    institution_level,
    patient_for,
    require_staff,
    text,
)
from onetrip.reports import services as reports
from onetrip.scheduling import queries as scheduling
from onetrip.scheduling.models import BookingChannel
from onetrip.scheduling.services import booking

REFER = "referral.refer_patient"
OFFICE = "referral.manage_referrals"
MAX_ATTACHED_RESULTS = 20
MAX_FOLLOW_UPS = 12


class ReferralRefused(DomainError):
    """A referral operation the state of the referral forbids."""

    status = 409


# --- upward ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class UpwardReferral:
    """What the family doctor's form sends: the receiving department, why, and either a slot
    open to the primary-care pool (a clinic visit) or a large-equipment exam."""

    patient_id: int
    department_id: int
    reason: str
    diagnosis: str
    urgency: str = Urgency.ROUTINE
    slot_id: int | None = None
    exam_item_code: str = ""
    allergies: str = ""
    medications: str = ""
    attached_report_ids: Sequence[int] = ()
    record_shared: bool = False
    idempotency_key: str = ""


def refer_up(request: UpwardReferral, *, actor: Actor) -> Referral:
    """Refer a patient from a primary-care institution to a county or tertiary hospital, booking
    the visit (or ordering the exam) at once: the patient leaves with the booking on the phone."""
    require_staff(actor, REFER)
    if institution_level(actor.institution_id) not in PRIMARY_CARE_LEVELS:
        raise InvalidInput.field(
            "department_id",
            _("Upward referrals are sent from township, community and island institutions."),
            "not_primary_care",
        )
    errors: list[FieldError] = []
    reason = text(errors, "reason", request.reason, 500)
    diagnosis = text(errors, "diagnosis", request.diagnosis, 200)
    allergies = text(errors, "allergies", request.allergies, 200, required=False)
    medications = text(errors, "medications", request.medications, 500, required=False)
    if request.urgency not in Urgency.values:
        errors.append(FieldError("urgency", _("Choose an urgency."), "invalid"))
    department = _hospital_department(request.department_id, errors)
    if (request.slot_id is None) == (not request.exam_item_code):
        errors.append(
            FieldError("slot_id", _("Choose a clinic time or an exam, one of the two."), "target")
        )
    if len(request.attached_report_ids) > MAX_ATTACHED_RESULTS:
        errors.append(FieldError("attached_report_ids", _("Too many results attached.")))
    if errors:
        raise InvalidInput(*errors)
    return _refer_up(
        request,
        department,
        {
            "reason": reason,
            "diagnosis": diagnosis,
            "allergies": allergies,
            "medications": medications,
        },
        actor,
    )


def _hospital_department(department_id: int, errors: list[FieldError]) -> Department | None:
    department = (
        Department.objects.select_related("institution")
        .filter(pk=department_id, institution__level__in=HOSPITAL_LEVELS)
        .first()
    )
    if department is None:
        errors.append(
            FieldError("department_id", _("Choose a department of a consortium hospital."))
        )
    return department


@transaction.atomic
def _refer_up(
    request: UpwardReferral, department: Department, written: dict[str, str], actor: Actor
) -> Referral:
    patient = patient_for(request.patient_id, actor, for_update=True)
    attached = _attached_results(patient.pk, request.attached_report_ids, actor)
    appointment_id = exam_order_id = None
    if request.slot_id is not None:
        appointment = booking.book_slot(
            booking.BookingRequest(
                patient_id=patient.pk,
                slot_id=request.slot_id,
                channel=BookingChannel.PRIMARY_CARE,
                idempotency_key=request.idempotency_key,
            ),
            actor=actor,
        )
        earlier = Referral.objects.filter(appointment=appointment).first()
        if earlier is not None:
            return earlier  # the same form sent twice: the first one's referral
        if appointment.department_id != department.pk:
            raise InvalidInput.field(
                "slot_id", _("This time belongs to another department."), "other_department"
            )
        appointment_id = appointment.pk
        target = Target.CLINIC
    else:
        order = exams.place_exam_order(
            patient_id=patient.pk,
            item_code=request.exam_item_code,
            performing_institution_id=department.institution_id,
            clinical_note=written["reason"],
            actor=actor,
        )
        exam_order_id = order.pk
        target = Target.EXAM
    identity.affiliate_for_referral(patient.pk, department.institution_id)
    referral = Referral.objects.create(
        patient=patient,
        direction=Direction.UP,
        urgency=request.urgency,
        target=target,
        from_institution_id=actor.institution_id,
        to_institution_id=department.institution_id,
        to_department=department,
        referred_by=actor.label[:150],
        attached_reports=attached,
        record_shared=request.record_shared,
        appointment_id=appointment_id,
        exam_order_id=exam_order_id,
        sent_at=clock.now(),
        **written,
    )
    audit.record(
        actor,
        AuditAction.CREATE,
        referral,
        patient_id=patient.pk,
        summary=f"upward referral to institution {department.institution_id} ({target})",
        changes={"urgency": request.urgency, "record_shared": request.record_shared},
    )
    domain_events.sent(referral)
    _notify(referral, patient.phone, "referral_sent", department.institution.name)
    return referral


def _attached_results(patient_id: int, report_ids: Sequence[int], actor: Actor) -> list[int]:
    """The reports the doctor attached, each one this patient's and readable here."""
    wanted = sorted(set(report_ids))
    found = set(
        reports.visible_reports(actor)
        .filter(pk__in=wanted, patient_id=patient_id)
        .values_list("pk", flat=True)
    )
    if len(found) != len(wanted):
        raise InvalidInput.field(
            "attached_report_ids", _("Attach only this patient's results."), "unknown"
        )
    return wanted


def _notify(referral: Referral, phone: str, template: str, institution: str) -> None:
    notifications.notify(
        template,
        phone=phone,
        subject=referral,
        params={"institution": institution, "path": f"/p/referrals/{referral.pk}"},
        occasion=referral.status,
    )


# --- the referral office --------------------------------------------------------------------


def _received_for_update(referral_id: int, actor: Actor) -> Referral:
    """A referral the actor's institution received, locked; another's is "not found". The
    referral office answers upward referrals; a family doctor receives downward ones."""
    if not actor.has_perm(OFFICE):
        require_staff(actor, REFER)
    referral = (
        Referral.objects.select_for_update(of=("self",), no_key=True)
        .select_related("patient", "to_institution")
        .filter(pk=referral_id, to_institution_id=actor.institution_id)
        .first()
    )
    if referral is None:
        raise NotFound(_("No such referral."))
    if referral.direction == Direction.UP:
        actor.require_perm(OFFICE)
    return referral


def _check_open(referral: Referral) -> None:
    if referral.status != ReferralStatus.SENT:
        raise ReferralRefused(_("This referral has already been answered."), code="answered")


@transaction.atomic
def accept_referral(referral_id: int, *, actor: Actor) -> Referral:
    """The receiving institution takes the patient: upward, the booking stands; downward, the
    family doctor has received the care plan."""
    referral = _received_for_update(referral_id, actor)
    _check_open(referral)
    _decide(referral, ReferralStatus.ACCEPTED, "", actor)
    if referral.direction == Direction.DOWN:
        CarePlan.objects.filter(referral=referral).update(
            acknowledged_at=referral.decided_at, acknowledged_by=actor.label[:150]
        )
    return referral


@transaction.atomic
def redirect_referral(
    referral_id: int, *, reason: str, to_institution_id: int | None = None, actor: Actor
) -> Referral:
    """Send an upward referral elsewhere, with the reason (another hospital or department fits
    the patient better): the booking or exam here is cancelled and the referring doctor sees the
    redirection on their worklist to refer again."""
    errors: list[FieldError] = []
    reason = text(errors, "reason", reason, 300)
    if to_institution_id is not None and institution_level(to_institution_id) is None:
        errors.append(FieldError("to_institution_id", _("No such institution.")))
    if errors:
        raise InvalidInput(*errors)
    referral = _received_for_update(referral_id, actor)
    _check_open(referral)
    if referral.direction != Direction.UP:
        raise ReferralRefused(_("Only upward referrals are redirected."), code="direction")
    on_behalf = for_staff(actor, "referral redirected")
    if referral.appointment_id:
        booking.cancel_appointment(referral.appointment_id, actor=on_behalf)
    if referral.exam_order_id:
        exams.cancel_exam(referral.exam_order_id, reason=reason, actor=on_behalf)
    referral.redirected_to_id = to_institution_id
    _decide(referral, ReferralStatus.REDIRECTED, reason, actor)
    _notify(referral, referral.patient.phone, "referral_redirected", referral.to_institution.name)
    return referral


@transaction.atomic
def open_green_channel(referral_id: int, *, slot_id: int, actor: Actor) -> Referral:
    """An urgent referral is seen at the earliest time the office finds, whatever pool it is in
    (绿色通道): the reserved-pool booking is replaced by one at `slot_id`, and the referral is
    accepted."""
    referral = _received_for_update(referral_id, actor)
    if referral.urgency != Urgency.URGENT or referral.target != Target.CLINIC:
        raise ReferralRefused(
            _("The green channel is for urgent clinic referrals."), code="not_urgent"
        )
    if referral.status not in (ReferralStatus.SENT, ReferralStatus.ACCEPTED):
        raise ReferralRefused(_("This referral is no longer open."), code="closed")
    on_behalf = for_staff(actor, "referral green channel")
    current = scheduling.booking_summaries([referral.appointment_id])[referral.appointment_id]
    if current.status not in ("booked", "held"):
        raise ReferralRefused(_("The patient has already arrived."), code="visited")
    booking.cancel_appointment(referral.appointment_id, actor=on_behalf)
    moved = booking.book_on_behalf(
        booking.BookingRequest(
            patient_id=referral.patient_id, slot_id=slot_id, channel=BookingChannel.WINDOW
        ),
        booked_by=on_behalf.label,
    )
    if moved.department_id != referral.to_department_id:
        raise InvalidInput.field(
            "slot_id", _("This time belongs to another department."), "other_department"
        )
    referral.appointment = moved
    referral.green_channel_at = clock.now()
    if referral.status == ReferralStatus.SENT:
        _decide(
            referral, ReferralStatus.ACCEPTED, "", actor, also=["appointment", "green_channel_at"]
        )
    else:
        referral.save(update_fields=["appointment", "green_channel_at"])
        audit.record(
            actor,
            AuditAction.UPDATE,
            referral,
            patient_id=referral.patient_id,
            summary="green channel: booking moved",
        )
    _notify(referral, referral.patient.phone, "referral_sent", referral.to_institution.name)
    return referral


def _decide(
    referral: Referral, status: str, reason: str, actor: Actor, *, also: Sequence[str] = ()
) -> None:
    referral.status = status
    referral.decided_at = clock.now()
    referral.decided_by = actor.label[:150]
    referral.decision_reason = reason
    referral.save(
        update_fields=[
            "status",
            "decided_at",
            "decided_by",
            "decision_reason",
            "redirected_to",
            *also,
        ]
    )
    audit.record(
        actor,
        AuditAction.UPDATE,
        referral,
        patient_id=referral.patient_id,
        summary=f"referral {status}",
        changes={"reason": reason} if reason else None,
    )
    domain_events.answered(referral)


# --- downward -------------------------------------------------------------------------------


@dataclass(frozen=True)
class FollowUpIn:
    due_date: dt.date
    purpose: str


@dataclass(frozen=True)
class DownwardReferral:
    """The hospital's referral back to primary care with its care plan."""

    patient_id: int
    to_institution_id: int
    reason: str
    diagnosis: str
    medication: str
    warning_signs: str
    advice: str = ""
    follow_ups: Sequence[FollowUpIn] = field(default_factory=tuple)
    record_shared: bool = True


def refer_down(request: DownwardReferral, *, actor: Actor) -> Referral:
    """Refer a patient from a hospital back to a primary-care institution with a care plan; it
    lands on the family doctor's worklist and on the patient's phone."""
    require_staff(actor, REFER)
    errors: list[FieldError] = []
    if institution_level(actor.institution_id) not in HOSPITAL_LEVELS:
        errors.append(
            FieldError("to_institution_id", _("Downward referrals are sent from hospitals."))
        )
    if institution_level(request.to_institution_id) not in PRIMARY_CARE_LEVELS:
        errors.append(
            FieldError("to_institution_id", _("Choose a township or community institution."))
        )
    reason = text(errors, "reason", request.reason, 500)
    written = {
        "diagnosis": text(errors, "diagnosis", request.diagnosis, 200),
        "medication": text(errors, "medication", request.medication, 1000),
        "warning_signs": text(errors, "warning_signs", request.warning_signs, 1000),
        "advice": text(errors, "advice", request.advice, 1000, required=False),
    }
    follow_ups = _clean_follow_ups(request.follow_ups, errors)
    if errors:
        raise InvalidInput(*errors)
    return _refer_down(request, reason, written, follow_ups, actor)


def _clean_follow_ups(
    follow_ups: Sequence[FollowUpIn], errors: list[FieldError]
) -> list[FollowUpIn]:
    today = clock.today()
    cleaned = []
    if not follow_ups:
        errors.append(FieldError("follow_ups", _("Plan at least one follow-up."), "required"))
    if len(follow_ups) > MAX_FOLLOW_UPS:
        errors.append(FieldError("follow_ups", _("Too many follow-ups."), "too_many"))
    for index, follow_up in enumerate(follow_ups):
        purpose = (follow_up.purpose or "").strip()
        if not purpose or len(purpose) > 100:
            errors.append(
                FieldError(f"follow_ups[{index}].purpose", _("Say what the follow-up is for."))
            )
        if follow_up.due_date <= today:
            errors.append(
                FieldError(f"follow_ups[{index}].due_date", _("Choose a day after today."))
            )
        cleaned.append(FollowUpIn(follow_up.due_date, purpose))
    return cleaned


@transaction.atomic
def _refer_down(
    request: DownwardReferral,
    reason: str,
    written: dict[str, str],
    follow_ups: list[FollowUpIn],
    actor: Actor,
) -> Referral:
    patient = patient_for(request.patient_id, actor, for_update=True)
    identity.affiliate_for_referral(patient.pk, request.to_institution_id)
    referral = Referral.objects.create(
        patient=patient,
        direction=Direction.DOWN,
        urgency=Urgency.ROUTINE,
        target=Target.CARE_PLAN,
        from_institution_id=actor.institution_id,
        to_institution_id=request.to_institution_id,
        referred_by=actor.label[:150],
        reason=reason,
        diagnosis=written["diagnosis"],
        medications=written["medication"][:500],
        record_shared=request.record_shared,
        sent_at=clock.now(),
    )
    plan = CarePlan.objects.create(referral=referral, **written)
    FollowUp.objects.bulk_create(
        FollowUp(care_plan=plan, due_date=f.due_date, purpose=f.purpose) for f in follow_ups
    )
    audit.record(
        actor,
        AuditAction.CREATE,
        referral,
        patient_id=patient.pk,
        summary=f"downward referral to institution {request.to_institution_id}",
        changes={"follow_ups": len(follow_ups)},
    )
    domain_events.sent(referral)
    institution = referral.to_institution.name
    _notify(referral, patient.phone, "care_plan_ready", institution)
    return referral


@transaction.atomic
def book_follow_up(follow_up_id: int, *, slot_id: int, actor: Actor) -> FollowUp:
    """The family doctor books a care plan's follow-up at their own institution."""
    require_staff(actor, REFER)
    follow_up = (
        FollowUp.objects.select_for_update(of=("self",), no_key=True)
        .select_related("care_plan__referral")
        .filter(
            pk=follow_up_id,
            care_plan__referral__to_institution_id=actor.institution_id,
            care_plan__referral__direction=Direction.DOWN,
        )
        .first()
    )
    if follow_up is None:
        raise NotFound(_("No such follow-up."))
    if follow_up.appointment_id is not None:
        raise ReferralRefused(_("This follow-up is already booked."), code="booked")
    referral = follow_up.care_plan.referral
    if referral.status == ReferralStatus.CANCELLED:
        raise ReferralRefused(_("This referral was cancelled."), code="cancelled")
    appointment = booking.book_slot(
        booking.BookingRequest(
            patient_id=referral.patient_id, slot_id=slot_id, channel=BookingChannel.IN_CLINIC
        ),
        actor=actor,
    )
    if appointment.session.institution_id != actor.institution_id:
        raise InvalidInput.field(
            "slot_id", _("Book follow-ups at your own institution."), "other_institution"
        )
    follow_up.appointment = appointment
    follow_up.booked_at = clock.now()
    follow_up.save(update_fields=["appointment", "booked_at"])
    audit.record(
        actor,
        AuditAction.UPDATE,
        referral,
        patient_id=referral.patient_id,
        summary=f"follow-up {follow_up.pk} booked",
    )
    if referral.status == ReferralStatus.SENT:
        # Booking the first follow-up is receiving the plan.
        CarePlan.objects.filter(pk=follow_up.care_plan_id, acknowledged_at__isnull=True).update(
            acknowledged_at=follow_up.booked_at, acknowledged_by=actor.label[:150]
        )
        _decide(referral, ReferralStatus.ACCEPTED, "", actor)
    return follow_up
