"""Every change to exam orders: ordering, booking a plan's slots, rescheduling, cancelling,
check-in, no-shows, completion (R-EXAM-1/2/3, R-APPT-8).

Device capacity is taken by conditional UPDATEs on the slot and device-day counters (CHECKs
back them), a patient's orders are locked in key order while one of them is booked, and a
retried plan confirmation with the same Idempotency-Key returns the plan the first one made."""

from __future__ import annotations

import secrets

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from onetrip.consortium.models import Doctor, Institution
from onetrip.core import audit, clock
from onetrip.core.actors import Actor, ActorKind
from onetrip.core.errors import DomainError, InvalidInput, NotFound, PermissionDenied
from onetrip.core.models import AuditAction
from onetrip.exams.models import Device, ExamItem, ExamOrder, OrderStatus
from onetrip.identity import services as identity


class ExamRefused(DomainError):
    """A booking operation the rules forbid; `code` tells clients which rule."""

    status = 409


# --- ordering -------------------------------------------------------------------------------


@transaction.atomic
def place_exam_order(
    *,
    patient_id: int,
    item_code: str,
    actor: Actor,
    performing_institution_id: int | None = None,
    ordering_doctor_id: int | None = None,
    ordering_doctor_name: str = "",
    placer_number: str = "",
    clinical_note: str = "",
) -> ExamOrder:
    """Order an exam for a patient. The ordering institution is the actor's; the exam is done
    there unless `performing_institution_id` names another consortium hospital, which primary
    care may do for large equipment (R-APPT-8). Staff doctors are recorded as the ordering
    doctor; an external system may give a doctor's name instead."""
    if actor.kind == ActorKind.STAFF:
        actor.require_perm("exams.add_examorder")
    elif actor.kind != ActorKind.CLIENT:
        raise PermissionDenied(_("Only staff or an institution's system can order exams."))
    item = ExamItem.objects.filter(code=item_code, is_active=True).first()
    if item is None:
        raise InvalidInput.field("item_code", _("No such exam in the catalogue."), "unknown")
    patient = identity.accessible_patients(actor).filter(pk=patient_id).first()
    if patient is None:
        raise NotFound(_("No such patient."))
    performing_id = performing_institution_id or actor.institution_id
    _check_performing_institution(performing_id, item, actor)
    doctor = _ordering_doctor(ordering_doctor_id, actor)
    placer_number = placer_number.strip() or _new_placer_number()
    if len(placer_number) > 32:
        raise InvalidInput.field("placer_number", _("The order number is too long."))
    if ExamOrder.objects.filter(placer_number=placer_number).exists():
        raise InvalidInput.field(
            "placer_number", _("This order number is already used."), "duplicate"
        )
    order = ExamOrder.objects.create(
        patient=patient,
        item=item,
        ordering_doctor=doctor,
        ordering_doctor_name=(doctor.name if doctor else ordering_doctor_name.strip())[:50],
        ordering_institution_id=actor.institution_id,
        performing_institution_id=performing_id,
        placer_number=placer_number,
        clinical_note=clinical_note.strip()[:300],
        ordered_at=clock.now(),
    )
    if performing_id != actor.institution_id:
        # Staff of the performing hospital will need the record at the exam.
        identity.affiliate_for_appointment(patient.pk, performing_id)
    audit.record(
        actor,
        AuditAction.CREATE,
        order,
        patient_id=patient.pk,
        summary=f"exam ordered: {item.code}",
        changes={"performing_institution": performing_id},
    )
    return order


def _new_placer_number() -> str:
    return f"EO{clock.today():%Y%m%d}{secrets.token_hex(4).upper()}"


def _check_performing_institution(institution_id: int, item: ExamItem, actor: Actor) -> None:
    if not Device.objects.filter(
        institution_id=institution_id, kind=item.device_kind, is_active=True
    ).exists():
        raise InvalidInput.field(
            "performing_institution_id",
            _("This institution has no device for this exam."),
            "no_device",
        )
    if institution_id == actor.institution_id:
        return
    if not Institution.objects.filter(pk=institution_id).exists():
        raise InvalidInput.field("performing_institution_id", _("No such institution."))
    if actor.kind == ActorKind.STAFF and not actor.has_perm("exams.order_large_equipment"):
        raise PermissionDenied(_("Your role does not allow ordering exams at other hospitals."))


def _ordering_doctor(doctor_id: int | None, actor: Actor) -> Doctor | None:
    if doctor_id is not None:
        doctor = Doctor.objects.filter(
            pk=doctor_id, department__institution_id=actor.institution_id
        ).first()
        if doctor is None:
            raise InvalidInput.field("ordering_doctor_id", _("No such doctor here."), "unknown")
        return doctor
    return Doctor.objects.filter(user=actor.user).first() if actor.user else None


def order_by_placer_number(placer_number: str) -> ExamOrder | None:
    """The order a result refers to (HL7 ORC-2 / OBR-2), or None: an unknown number is never
    guessed at."""
    return (
        ExamOrder.objects.select_related("item", "patient", "ordering_doctor")
        .filter(placer_number=placer_number.strip())
        .first()
    )


@transaction.atomic
def complete_exam(order: ExamOrder, *, actor: Actor) -> ExamOrder:
    """The exam's result arrived: the order is done. Idempotent, so a corrected report arriving
    later changes nothing; a cancelled order stays cancelled."""
    order = ExamOrder.objects.select_for_update(no_key=True).get(pk=order.pk)
    if order.status == OrderStatus.COMPLETED:
        return order
    if order.status == OrderStatus.CANCELLED:
        raise ExamRefused(_("This exam order was cancelled."), code="cancelled")
    now = clock.now()
    order.status = OrderStatus.COMPLETED
    order.completed_at = now
    order.started_at = order.started_at or now
    order.save(update_fields=["status", "completed_at", "started_at"])
    audit.record(
        actor, AuditAction.UPDATE, order, patient_id=order.patient_id, summary="exam completed"
    )
    return order
