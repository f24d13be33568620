"""Every change to exam orders: ordering, booking a plan's slots, rescheduling, cancelling,
check-in, no-shows, completion (R-EXAM-1/2/3, R-APPT-8).

Device capacity is taken by conditional UPDATEs on the slot and device-day counters (CHECKs
back them), a patient's orders are locked in key order while one of them is booked, and a
retried plan confirmation with the same Idempotency-Key returns the plan the first one made."""

from __future__ import annotations

import datetime as dt
import math
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from onetrip.consortium.models import Doctor, Institution
from onetrip.core import audit, clock
from onetrip.core.actors import SYSTEM, Actor, ActorKind
from onetrip.core.errors import DomainError, InvalidInput, KeyReused, NotFound, PermissionDenied
from onetrip.core.events import EventKind
from onetrip.core.idempotency import check_idempotency_key, idempotency_scope
from onetrip.core.masking import mask_name
from onetrip.core.models import AuditAction
from onetrip.core.text import clean_name
from onetrip.exams import domain_events, planning, rules
from onetrip.exams.models import (
    LARGE_EQUIPMENT,
    OPEN_STATUSES,
    Device,
    DeviceDay,
    DeviceSlot,
    ExamItem,
    ExamOrder,
    ExamPlan,
    OrderStatus,
)
from onetrip.identity import services as identity
from onetrip.notifications import services as notifications


class ExamRefused(DomainError):
    """A booking operation the rules forbid; `code` tells clients which rule."""

    status = 409


# --- ordering -------------------------------------------------------------------------------

# Checks other apps run before an exam is ordered, inside the order's transaction; each may
# raise a DomainError to refuse. Reports adds mutual recognition (R-EXAM-5) at start-up, so
# exams does not import reports (reports imports exams).
OrderCheck = Callable[..., None]
_order_checks: list[OrderCheck] = []


def add_order_check(check: OrderCheck) -> None:
    """Register `check(patient_id=…, item=…, override_reason=…, actor=…)`."""
    if check not in _order_checks:
        _order_checks.append(check)


def orders_of_patient(patient_id: int, *, actor: Actor) -> list[ExamOrder]:
    """A patient's exam orders, newest last: another institution's or patient's answers 404 like
    a missing patient, and a staff read leaves an audit row."""
    if actor.kind == ActorKind.STAFF:
        actor.require_perm("exams.view_examorder")
    patient = identity.accessible_patients(actor).filter(pk=patient_id).first()
    if patient is None:
        raise NotFound(_("No such patient."))
    audit.record_staff_read(actor, ExamOrder, patient_id=patient.pk, summary="exam orders")
    return list(
        ExamOrder.objects.select_related("item", "device").filter(patient=patient).order_by("pk")
    )


def view_plan(plan_id: int, *, actor: Actor) -> ExamPlan:
    """One booked plan for display, within the actor's patients; a staff read is audited."""
    plan = ExamPlan.objects.filter(
        pk=plan_id, patient__in=identity.accessible_patients(actor)
    ).first()
    if plan is None:
        raise NotFound(_("No such plan."))
    audit.record_staff_read(actor, plan, patient_id=plan.patient_id, summary="exam plan")
    return plan


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
    override_reason: str = "",
) -> ExamOrder:
    """Order an exam for a patient. The ordering institution is the actor's; the exam is done
    there unless `performing_institution_id` names another consortium hospital, which primary
    care may do for large equipment (R-APPT-8). Staff doctors are recorded as the ordering
    doctor; an external system may give a doctor's name instead. An order that a recognised
    result already answers needs `override_reason` (or an override recorded just before)."""
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
    for check in _order_checks:
        check(patient_id=patient.pk, item=item, override_reason=override_reason, actor=actor)
    _check_not_ordered_twice(patient.pk, item, override_reason)
    order = ExamOrder.objects.create(
        patient=patient,
        item=item,
        ordering_doctor=doctor,
        ordering_doctor_name=(
            doctor.name
            if doctor
            else clean_name(ordering_doctor_name, field="ordering_doctor_name")
        )[:50],
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
        summary=f"exam ordered: {item.name}",  # the code is in `changes` (D104: readers see names)
        changes={"performing_institution": performing_id, "item": item.code},
    )
    domain_events.emit(EventKind.EXAM_ORDERED, order)
    return order


def _check_not_ordered_twice(patient_id: int, item: ExamItem, override_reason: str) -> None:
    """Refuse the same exam ordered again while an earlier order of it is still open (issue
    16, D116): two doctors ordering the same abdominal ultrasound meant two bookings. A doctor
    who truly wants a second one says why in `override_reason`."""
    if " ".join(override_reason.split()):
        return
    earlier = (
        ExamOrder.objects.filter(patient_id=patient_id, item=item, status__in=OPEN_STATUSES)
        .order_by("pk")
        .first()
    )
    if earlier is not None:
        raise InvalidInput.field(
            "item_code",
            _(
                "%(exam)s is already ordered for this patient (order %(number)s, %(status)s); "
                "it will be done once. To order it again, give the reason."
            )
            % {
                "exam": item.display_name,
                "number": earlier.placer_number,
                "status": earlier.get_status_display(),
            },
            "duplicate",
        )


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


# --- booking a plan -------------------------------------------------------------------------

NO_SHOW_GRACE = dt.timedelta(minutes=30)
NO_SHOW_LIMIT = 3  # unexempted exam no-shows within the window suspend self-service booking
NO_SHOW_WINDOW = dt.timedelta(days=90)


@dataclass(frozen=True)
class SlotChoice:
    """One exam of a plan the patient accepts: which device, starting when."""

    order_id: int
    device_id: int
    starts_at: dt.datetime


def _check_may_book(actor: Actor) -> None:
    if actor.kind == ActorKind.STAFF:
        actor.require_perm("exams.book_exam")
    elif actor.kind not in (ActorKind.PATIENT, ActorKind.SYSTEM):
        raise PermissionDenied(_("Your role does not allow this."))


def confirm_plan(
    patient_id: int,
    choices: Sequence[SlotChoice],
    *,
    actor: Actor,
    idempotency_key: str = "",
) -> ExamPlan:
    """Book the exams of a plan the patient accepted, all or none: every slot is taken by a
    conditional UPDATE, and if one is gone meanwhile nothing is booked (propose again)."""
    _check_may_book(actor)
    if not choices:
        raise InvalidInput.field("exams", _("Choose at least one exam to book."))
    check_idempotency_key(idempotency_key)
    scope = idempotency_scope(actor)
    if idempotency_key:
        earlier = _earlier_plan(scope, idempotency_key, patient_id)
        if earlier is not None:
            return earlier
    try:
        return _confirm(patient_id, choices, actor, scope, idempotency_key)
    except IntegrityError:
        # A concurrent retry with the same key won the race; answer with its plan.
        earlier = _earlier_plan(scope, idempotency_key, patient_id)
        if earlier is None:
            raise
        return earlier


def _earlier_plan(scope: str, key: str, patient_id: int) -> ExamPlan | None:
    earlier = ExamPlan.objects.filter(idempotency_scope=scope, idempotency_key=key).first()
    if earlier is not None and earlier.patient_id != patient_id:
        raise KeyReused.field(
            "idempotency_key", _("This key was already used for another plan."), "key_reused"
        )
    return earlier


@transaction.atomic
def _confirm(
    patient_id: int, choices: Sequence[SlotChoice], actor: Actor, scope: str, key: str
) -> ExamPlan:
    now = clock.now()
    patient = identity.accessible_patients(actor).filter(pk=patient_id).first()
    if patient is None:
        raise NotFound(_("No such patient."))
    orders = _lock_orders(patient.pk)
    if key:
        earlier = _earlier_plan(scope, key, patient.pk)
        if earlier is not None:
            return earlier
    _check_not_suspended(patient.pk, actor, now)
    if len({c.order_id for c in choices}) != len(choices):
        raise InvalidInput.field("exams", _("Each exam can be booked once."), "repeated")
    picked = []
    for index, choice in enumerate(choices):
        order = orders.get(choice.order_id)
        if order is None:
            raise InvalidInput.field(
                f"exams[{index}].order_id", _("No such open exam order."), "unknown"
            )
        if order.status != OrderStatus.ORDERED:
            raise ExamRefused(_("This exam is already booked."), code="state")
        picked.append((order, _bookable_device(order, choice, index, now)))
    _check_rules(
        patient.pk, [(order, c.starts_at) for (order, _d), c in zip(picked, choices, strict=True)]
    )
    plan = ExamPlan.objects.create(
        patient=patient,
        confirmed_at=now,
        confirmed_by=actor.label[:150],
        idempotency_scope=scope if key else "",
        idempotency_key=key,
    )
    for (order, device), choice in zip(picked, choices, strict=True):
        _take_slots(device, choice.starts_at, order.item.duration_minutes)
        _set_booking(order, device, choice.starts_at, now, plan=plan)
    plan.explanation = [_booking_line(order) for order, _device in picked]
    plan.save(update_fields=["explanation"])
    audit.record(
        actor,
        AuditAction.CREATE,
        plan,
        patient_id=patient.pk,
        summary=f"exam plan booked: {len(picked)} exams",
        changes={"orders": [order.pk for order, _device in picked]},
    )
    for order, _device in picked:
        domain_events.booked(order)
    _notify_booked(plan, patient, [order for order, _device in picked])
    return plan


def _notify_booked(plan: ExamPlan, patient, orders: list[ExamOrder]) -> None:
    """The confirmation names the patient and, when an exam needs it, how long to fast."""
    params = {
        "name": mask_name(patient.name),
        "exams": "; ".join(plan.explanation),
        "preparation": preparation_note(orders),
    }
    fasting = max((order.item.fasting_hours for order in orders), default=0)
    if fasting:
        params["hours"] = str(fasting)
    notifications.notify(
        "exam_booked_fasting" if fasting else "exam_booked",
        phone=patient.phone,
        subject=plan,
        params=params,
    )


def preparation_note(orders: Sequence[ExamOrder]) -> str:
    """How to prepare for each exam and, for a sedated one, the escort note (issue 16, D117):
    every confirmation carries them, not only the hours of fasting. Empty when nothing is
    needed; otherwise starts with a space, to follow the sentence before it."""
    steps = []
    for order in orders:
        advice = order.item.preparation_text
        if advice:
            step = _("%(exam)s: %(advice)s") % {"exam": order.item.display_name, "advice": advice}
            if step not in steps:
                steps.append(step)
    if any(order.item.sedation for order in orders):
        steps.append(
            _(
                "the exam under sedation needs an adult escort to take you home; do not drive, "
                "ride or work at heights for 24 hours afterwards"
            )
        )
    if not steps:
        return ""
    return " " + _("Preparation: %(steps)s.") % {"steps": "; ".join(steps)}


def _lock_orders(patient_id: int) -> dict[int, ExamOrder]:
    """Lock the patient's open orders in key order: two plans for one patient run in turn."""
    rows = (
        ExamOrder.objects.select_for_update(of=("self",), no_key=True)
        .select_related("item")
        .filter(patient_id=patient_id, status__in=OPEN_STATUSES)
        .order_by("pk")
    )
    return {order.pk: order for order in rows}


def _bookable_device(order: ExamOrder, choice: SlotChoice, index: int, now: dt.datetime) -> Device:
    device = Device.objects.filter(
        pk=choice.device_id,
        is_active=True,
        kind=order.item.device_kind,
        institution_id=order.performing_institution_id,
    ).first()
    if device is None:
        raise InvalidInput.field(
            f"exams[{index}].device_id", _("This device cannot do this exam."), "device"
        )
    if order.item.sedation and not device.has_anaesthetist:
        raise InvalidInput.field(
            f"exams[{index}].device_id",
            _("No anaesthetist is rostered at this device for an exam under sedation."),
            "no_anaesthetist",
        )
    if timezone.is_naive(choice.starts_at):
        raise InvalidInput.field(f"exams[{index}].starts_at", _("Give a time with its zone."))
    if choice.starts_at <= now:
        raise ExamRefused(_("This time has already passed."), code="past")
    ready = timezone.localtime(order.ordered_at).date() + dt.timedelta(days=order.item.lead_days)
    if timezone.localtime(choice.starts_at).date() < ready:
        raise ExamRefused(
            _("%(exam)s needs preparation: book it on %(date)s or later.")
            % {"exam": order.item.display_name, "date": f"{ready:%Y-%m-%d}"},
            code="preparation",
        )
    return device


def _check_rules(
    patient_id: int, booking: Sequence[tuple[ExamOrder, dt.datetime]], moving: int | None = None
) -> None:
    """Refuse a booking that breaks a rule among its exams or against the patient's others."""
    base = clock.today()
    excluding = [moving] if moving else []
    history = planning.patient_history(patient_id, base, excluding=excluding)
    exams = [
        rules.Placement(order.pk, rules.ExamSpec.of(order.item), planning.minutes_from(base, at))
        for order, at in booking
    ]
    broken = rules.violations(exams, rules.active_rules(), history)
    if broken:
        raise ExamRefused(broken[0].rule.reason, code=f"rule:{broken[0].rule.code}")


def _take_slots(device: Device, starts_at: dt.datetime, minutes: int) -> None:
    """Take the consecutive slots an exam needs and a unit of the device's day, each by a
    conditional UPDATE; if any is gone the caller's transaction rolls every one back."""
    needed = math.ceil(minutes / device.slot_minutes)
    ends_at = starts_at + dt.timedelta(minutes=needed * device.slot_minutes)
    slots = list(
        DeviceSlot.objects.filter(
            device=device, starts_at__gte=starts_at, starts_at__lt=ends_at
        ).values_list("pk", "starts_at", "day_id")
    )
    expected = [starts_at + dt.timedelta(minutes=k * device.slot_minutes) for k in range(needed)]
    if [at for _pk, at, _day in slots] != expected:
        raise ExamRefused(_("The device is not open at this time."), code="closed")
    taken = DeviceSlot.objects.filter(
        pk__in=[pk for pk, _at, _day in slots], booked__lt=F("capacity")
    ).update(booked=F("booked") + 1)
    if taken != needed:
        raise ExamRefused(
            _("This time was just taken; plan again for the next free time."), code="slot_taken"
        )
    day_taken = DeviceDay.objects.filter(pk=slots[0][2], booked__lt=F("capacity")).update(
        booked=F("booked") + 1
    )
    if not day_taken:
        raise ExamRefused(_("The device is fully booked that day."), code="device_full")


def _release_slots(order: ExamOrder) -> None:
    device = order.device
    DeviceSlot.objects.filter(
        device=device, starts_at__gte=order.starts_at, starts_at__lt=order.ends_at
    ).update(booked=F("booked") - 1)
    DeviceDay.objects.filter(device=device, date=timezone.localtime(order.starts_at).date()).update(
        booked=F("booked") - 1
    )


def _set_booking(
    order: ExamOrder,
    device: Device,
    starts_at: dt.datetime,
    now: dt.datetime,
    *,
    plan: ExamPlan | None,
) -> None:
    needed = math.ceil(order.item.duration_minutes / device.slot_minutes)
    order.status = OrderStatus.BOOKED
    order.device = device
    order.starts_at = starts_at
    order.ends_at = starts_at + dt.timedelta(minutes=needed * device.slot_minutes)
    order.booked_at = now
    if plan is not None:
        order.plan = plan
    order.save(update_fields=["status", "device", "starts_at", "ends_at", "booked_at", "plan"])


def _booking_line(order: ExamOrder) -> str:
    return _("%(exam)s %(when)s, %(room)s") % {
        "exam": order.item.display_name,
        "when": f"{timezone.localtime(order.starts_at):%Y-%m-%d %H:%M}",
        "room": order.device.room or order.device.display_name,
    }


# --- reschedule, cancel ---------------------------------------------------------------------


def _get_for_update(order_id: int, actor: Actor) -> ExamOrder:
    """The order, after locking its patient's open orders in key order as a plan confirmation
    does, so two operations on one patient's exams never wait on each other in a circle."""
    patient_id = (
        ExamOrder.objects.filter(pk=order_id, patient__in=identity.accessible_patients(actor))
        .values_list("patient_id", flat=True)
        .first()
    )
    if patient_id is None:
        raise NotFound(_("No such exam order."))
    _lock_orders(patient_id)
    return ExamOrder.objects.select_related("item", "device", "patient").get(pk=order_id)


@transaction.atomic
def reschedule_exam(
    order_id: int, *, device_id: int, starts_at: dt.datetime, actor: Actor
) -> ExamOrder:
    """Move a booked exam to another time (and device of the same kind); the old slots are
    given back in the same transaction."""
    _check_may_book(actor)
    order = _get_for_update(order_id, actor)
    now = clock.now()
    _check_not_suspended(order.patient_id, actor, now)
    if order.status != OrderStatus.BOOKED:
        raise ExamRefused(_("Only a booked exam can be moved."), code="state")
    choice = SlotChoice(order.pk, device_id, starts_at)
    device = _bookable_device(order, choice, 0, now)
    _check_rules(order.patient_id, [(order, starts_at)], moving=order.pk)
    previous = f"{timezone.localtime(order.starts_at):%Y-%m-%d %H:%M}"
    _release_slots(order)
    _take_slots(device, starts_at, order.item.duration_minutes)
    _set_booking(order, device, starts_at, now, plan=None)
    audit.record(
        actor,
        AuditAction.UPDATE,
        order,
        patient_id=order.patient_id,
        summary="exam rescheduled",
        changes={"from": previous, "to": f"{timezone.localtime(starts_at):%Y-%m-%d %H:%M}"},
    )
    domain_events.booked(order, rescheduled=True)
    notifications.notify(
        "exam_rescheduled",
        phone=order.patient.phone,
        subject=order,
        params={"exam": _booking_line(order), "preparation": preparation_note([order])},
        occasion=order.starts_at.isoformat(),
    )
    return order


@transaction.atomic
def cancel_exam(order_id: int, *, reason: str = "", actor: Actor) -> ExamOrder:
    """Cancel an exam not yet checked in; its slots go back to the device calendar."""
    _check_may_book(actor)
    order = _get_for_update(order_id, actor)
    if order.status not in (OrderStatus.ORDERED, OrderStatus.BOOKED):
        raise ExamRefused(_("Only an exam not yet checked in can be cancelled."), code="state")
    if order.status == OrderStatus.BOOKED:
        _release_slots(order)
    order.status = OrderStatus.CANCELLED
    order.cancelled_at = clock.now()
    order.cancel_reason = reason.strip()[:200]
    order.save(update_fields=["status", "cancelled_at", "cancel_reason"])
    audit.record(
        actor, AuditAction.UPDATE, order, patient_id=order.patient_id, summary="exam cancelled"
    )
    domain_events.emit(EventKind.EXAM_CANCELLED, order, reason=order.cancel_reason)
    return order


# --- check-in, waiting time, no-shows (R-EXAM-3) --------------------------------------------


def _get_at_desk(order_id: int, actor: Actor) -> ExamOrder:
    actor.require_perm("exams.check_in_exam")
    order = (
        ExamOrder.objects.select_for_update(of=("self",), no_key=True)
        .filter(pk=order_id, performing_institution_id=actor.institution_id)
        .first()
    )
    if order is None:
        raise NotFound(_("No such exam order."))
    return order


@transaction.atomic
def check_in_exam(order_id: int, *, actor: Actor) -> ExamOrder:
    """The patient arrived at the exam desk on the day; the waiting time starts now."""
    order = _get_at_desk(order_id, actor)
    now = clock.now()
    if order.status == OrderStatus.CHECKED_IN:
        return order
    if order.status != OrderStatus.BOOKED:
        raise ExamRefused(_("Only a booked exam can be checked in."), code="state")
    if timezone.localtime(order.starts_at).date() != now.date():
        raise ExamRefused(_("This exam is booked for another day."), code="wrong_day")
    order.status = OrderStatus.CHECKED_IN
    order.checked_in_at = now
    order.save(update_fields=["status", "checked_in_at"])
    audit.record(
        actor, AuditAction.UPDATE, order, patient_id=order.patient_id, summary="exam check-in"
    )
    domain_events.checked_in(order)
    return order


@transaction.atomic
def start_exam(order_id: int, *, actor: Actor) -> ExamOrder:
    """The patient is called in: the waiting time since check-in is recorded."""
    order = _get_at_desk(order_id, actor)
    if order.status != OrderStatus.CHECKED_IN:
        raise ExamRefused(_("Check the patient in first."), code="state")
    if order.started_at is None:
        order.started_at = clock.now()
        order.save(update_fields=["started_at"])
        audit.record(
            actor, AuditAction.UPDATE, order, patient_id=order.patient_id, summary="exam started"
        )
        domain_events.started(order)
    return order


@transaction.atomic
def mark_no_shows() -> int:
    """Periodic: booked exams not checked in `NO_SHOW_GRACE` after their slot ended become
    no-shows. Their slots are in the past, so nothing is given back."""
    cutoff = clock.now() - NO_SHOW_GRACE
    missed = list(
        ExamOrder.objects.filter(status=OrderStatus.BOOKED, ends_at__lte=cutoff)
        .order_by("pk")
        .values_list("pk", "patient_id")
    )
    for order_id, patient_id in missed:
        claimed = ExamOrder.objects.filter(pk=order_id, status=OrderStatus.BOOKED).update(
            status=OrderStatus.NO_SHOW
        )
        if claimed:
            audit.record(
                SYSTEM,
                AuditAction.UPDATE,
                ExamOrder(pk=order_id),
                patient_id=patient_id,
                summary="exam no-show",
            )
            domain_events.no_show(order_id)
    return len(missed)


@transaction.atomic
def exempt_no_show(order_id: int, reason: str, *, actor: Actor) -> ExamOrder:
    """Staff waive an exam no-show (the patient was ill, the hospital was at fault…)."""
    actor.require_perm("exams.book_exam")
    reason = reason.strip()
    if not reason:
        raise InvalidInput.field("reason", _("Give a reason for the exemption."))
    order = _get_for_update(order_id, actor)
    if order.status != OrderStatus.NO_SHOW:
        raise ExamRefused(_("Only a missed exam can be exempted."), code="not_no_show")
    order.no_show_exempt_reason = reason[:200]
    order.save(update_fields=["no_show_exempt_reason"])
    audit.record(
        actor, AuditAction.UPDATE, order, patient_id=order.patient_id, summary="no-show exempted"
    )
    return order


def recent_no_shows(patient_id: int, now: dt.datetime) -> int:
    return ExamOrder.objects.filter(
        patient_id=patient_id,
        status=OrderStatus.NO_SHOW,
        no_show_exempt_reason="",
        ends_at__gte=now - NO_SHOW_WINDOW,
    ).count()


def _check_not_suspended(patient_id: int, actor: Actor, now: dt.datetime) -> None:
    """Repeated no-shows suspend booking on the phone; staff can still book at a desk."""
    if actor.kind == ActorKind.PATIENT and recent_no_shows(patient_id, now) >= NO_SHOW_LIMIT:
        raise ExamRefused(
            _(
                "Exam booking on the phone is suspended after repeated no-shows; please call the "
                "appointment centre."
            ),
            code="suspended",
        )


# --- reads for other domains ----------------------------------------------------------------


@dataclass(frozen=True)
class OrderSummary:
    """What another domain shows about an exam order it links to (a referral, a reading)."""

    order_id: int
    patient_id: int
    placer_number: str
    item_code: str
    item: str
    status: str
    status_label: str
    ordering_institution_id: int
    performing_institution_id: int
    performing_institution: str
    starts_at: dt.datetime | None
    checked_in_at: dt.datetime | None
    completed_at: dt.datetime | None = None


def order_summaries(order_ids: Sequence[int]) -> dict[int, OrderSummary]:
    """Summaries of the orders by id (unknown ids are left out); one query. The caller has
    already decided that its reader may see them."""
    orders = ExamOrder.objects.select_related("item", "performing_institution").filter(
        pk__in=set(order_ids)
    )
    return {
        order.pk: OrderSummary(
            order_id=order.pk,
            patient_id=order.patient_id,
            placer_number=order.placer_number,
            item_code=order.item.code,
            item=order.item.display_name,
            status=order.status,
            status_label=str(order.get_status_display()),
            ordering_institution_id=order.ordering_institution_id,
            performing_institution_id=order.performing_institution_id,
            performing_institution=str(order.performing_institution),
            starts_at=order.starts_at,
            checked_in_at=order.checked_in_at,
            completed_at=order.completed_at,
        )
        for order in orders
    }


def large_equipment_items() -> list[tuple[str, str]]:
    """(code, name) of the active exams on large equipment, which primary care books at the
    county and tertiary hospitals (R-APPT-8)."""
    items = ExamItem.objects.filter(is_active=True, device_kind__in=LARGE_EQUIPMENT).order_by(
        "code"
    )
    return [(item.code, item.display_name) for item in items]


def patient_orders_at(patient_id: int, institution_id: int) -> list[OrderSummary]:
    """The patient's exams ordered or performed at an institution, newest first."""
    ids = list(
        ExamOrder.objects.filter(patient_id=patient_id)
        .filter(
            Q(ordering_institution_id=institution_id) | Q(performing_institution_id=institution_id)
        )
        .exclude(status=OrderStatus.CANCELLED)
        .order_by("-ordered_at")
        .values_list("pk", flat=True)[:30]
    )
    found = order_summaries(ids)
    return [found[pk] for pk in ids if pk in found]
