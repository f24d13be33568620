"""Exams JSON API, under /api/exams (R-EXAM-1/2/3, R-APPT-8).

The catalogue is public. Ordering, planning and booking take a staff session, a patient session
(the app) or an institution's API key; the services decide what each caller may do. Errors are
problem details with a field-level message on bad input (see core.problems)."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Router, Schema, Status

from onetrip.core.bounds import Day, Id, Moment
from onetrip.exams import planning, services
from onetrip.exams.models import ExamItem, ExamOrder, ExamPlan
from onetrip.exams.planning import Proposal, ProposedExam
from onetrip.web.auth import SIGNED_IN, caller

router = Router(tags=["exams"])


class ItemOut(Schema):
    code: str
    name: str
    name_en: str
    device_kind: str
    duration_minutes: int
    fasting_hours: int
    full_bladder: bool
    bowel_prep: bool
    contrast: str
    sedation: bool
    lead_days: int
    preparation: str = Field(description="Preparation advice in the reader's language.")


class OrderIn(Schema):
    patient_id: Id
    item_code: str
    performing_institution_id: Id | None = Field(
        None, description="Another consortium hospital's large equipment (R-APPT-8)."
    )
    ordering_doctor_id: Id | None = None
    ordering_doctor_name: str = ""
    placer_number: str = ""
    clinical_note: str = ""
    override_reason: str = Field(
        "",
        description="Why the exam is ordered although a recognised result from the last days "
        "already answers it (R-EXAM-5); without it such an order is refused with "
        "`recognised_result` (see `/api/reports/recognition/check`).",
    )


class OrderOut(Schema):
    id: int
    placer_number: str
    patient_id: int
    item_code: str
    item_name: str
    status: str
    status_label: str
    ordering_institution_id: int
    performing_institution_id: int
    ordered_at: dt.datetime
    device_id: int | None
    room: str | None
    starts_at: dt.datetime | None
    ends_at: dt.datetime | None
    checked_in_at: dt.datetime | None
    started_at: dt.datetime | None
    waiting_minutes: int | None
    plan_id: int | None


class ProposalIn(Schema):
    preferred_days: list[Day] = Field(
        default_factory=list, description="Days the patient can come; empty: any of 14 days."
    )
    preferred_time: Literal["", "morning", "afternoon"] = Field(
        "", description="The time of day the patient prefers; empty: any."
    )


class ProposedExamOut(Schema):
    order_id: int
    placer_number: str
    item_name: str
    device_id: int
    room: str
    starts_at: dt.datetime
    ends_at: dt.datetime


class NotPlannedOut(Schema):
    order_id: int
    item_name: str
    reason: str
    alternative: ProposedExamOut | None


class ProposalOut(Schema):
    patient_id: int
    visits: int
    minutes_on_site: int
    solver: str
    exams: list[ProposedExamOut]
    not_planned: list[NotPlannedOut]
    explanation: list[str]


class ChoiceIn(Schema):
    order_id: Id
    device_id: Id
    starts_at: Moment


class PlanIn(Schema):
    exams: list[ChoiceIn]


class PlanOut(Schema):
    id: int
    patient_id: int
    confirmed_at: dt.datetime
    summary: list[str]
    orders: list[OrderOut]


class MoveIn(Schema):
    device_id: Id
    starts_at: Moment


class CancelIn(Schema):
    reason: str = ""


def _local(moment: dt.datetime | None) -> dt.datetime | None:
    return timezone.localtime(moment) if moment is not None else None


def order_out(order: ExamOrder) -> dict:
    return {
        "id": order.pk,
        "placer_number": order.placer_number,
        "patient_id": order.patient_id,
        "item_code": order.item.code,
        "item_name": order.item.display_name,
        "status": order.status,
        "status_label": order.get_status_display(),
        "ordering_institution_id": order.ordering_institution_id,
        "performing_institution_id": order.performing_institution_id,
        "ordered_at": _local(order.ordered_at),
        "device_id": order.device_id,
        "room": order.device.room if order.device else None,
        "starts_at": _local(order.starts_at),
        "ends_at": _local(order.ends_at),
        "checked_in_at": _local(order.checked_in_at),
        "started_at": _local(order.started_at),
        "waiting_minutes": order.waiting_minutes,
        "plan_id": order.plan_id,
    }


def _proposed_out(exam: ProposedExam) -> dict:
    return {
        "order_id": exam.order.pk,
        "placer_number": exam.order.placer_number,
        "item_name": exam.order.item.display_name,
        "device_id": exam.device.pk,
        "room": exam.device.room or exam.device.display_name,
        "starts_at": _local(exam.starts_at),
        "ends_at": _local(exam.ends_at),
    }


def proposal_out(proposal: Proposal) -> dict:
    return {
        "patient_id": proposal.patient.pk,
        "visits": proposal.visits,
        "minutes_on_site": proposal.minutes_on_site,
        "solver": proposal.solver,
        "exams": [_proposed_out(e) for e in proposal.exams],
        "not_planned": [
            {
                "order_id": n.order.pk,
                "item_name": n.order.item.display_name,
                "reason": n.reason,
                "alternative": _proposed_out(n.alternative) if n.alternative else None,
            }
            for n in proposal.not_planned
        ],
        "explanation": proposal.explanation,
    }


def _orders() -> QuerySet[ExamOrder]:
    return ExamOrder.objects.select_related("item", "device")


# --- catalogue (public) ---------------------------------------------------------------------


@router.get("/items", response=list[ItemOut])
def catalogue(request: HttpRequest):
    return [
        {
            **{field: getattr(item, field) for field in ItemOut.model_fields if field != "name"},
            "name": item.display_name,
            "preparation": item.preparation_text,
        }
        for item in ExamItem.objects.filter(is_active=True)
    ]


# --- orders ---------------------------------------------------------------------------------


@router.post("/orders", response={201: OrderOut}, auth=SIGNED_IN)
def place_order(request: HttpRequest, body: OrderIn):
    order = services.place_exam_order(**body.dict(), actor=caller(request))
    return Status(201, order_out(_orders().get(pk=order.pk)))


@router.get("/orders", response=list[OrderOut], auth=SIGNED_IN)
def patient_orders(request: HttpRequest, patient_id: Id):
    return [
        order_out(order) for order in services.orders_of_patient(patient_id, actor=caller(request))
    ]


@router.post("/patients/{patient_id}/plan-proposal", response=ProposalOut, auth=SIGNED_IN)
def propose(request: HttpRequest, patient_id: Id, body: ProposalIn):
    """The one-trip plan for the patient's orders not yet booked, with its reasons."""
    proposal = planning.propose_plan(
        patient_id,
        actor=caller(request),
        preferred_days=body.preferred_days,
        preferred_time=body.preferred_time,
    )
    return proposal_out(proposal)


@router.post("/patients/{patient_id}/plans", response={201: PlanOut}, auth=SIGNED_IN)
def confirm(request: HttpRequest, patient_id: Id, body: PlanIn):
    """Book the exams of an accepted plan, all or none. Send an `Idempotency-Key` header: a
    retried request with the same key returns the plan the first one booked."""
    plan = services.confirm_plan(
        patient_id,
        [services.SlotChoice(c.order_id, c.device_id, c.starts_at) for c in body.exams],
        actor=caller(request),
        idempotency_key=request.headers.get("Idempotency-Key", ""),
    )
    return Status(201, plan_out(plan.pk))


def plan_out(plan_id: int) -> dict:
    plan = ExamPlan.objects.get(pk=plan_id)
    orders = _orders().filter(plan=plan).order_by("starts_at")
    return {
        "id": plan.pk,
        "patient_id": plan.patient_id,
        "confirmed_at": _local(plan.confirmed_at),
        "summary": plan.explanation,
        "orders": [order_out(order) for order in orders],
    }


@router.post("/orders/{order_id}/reschedule", response=OrderOut, auth=SIGNED_IN)
def reschedule(request: HttpRequest, order_id: Id, body: MoveIn):
    order = services.reschedule_exam(
        order_id, device_id=body.device_id, starts_at=body.starts_at, actor=caller(request)
    )
    return order_out(_orders().get(pk=order.pk))


@router.post("/orders/{order_id}/cancel", response=OrderOut, auth=SIGNED_IN)
def cancel(request: HttpRequest, order_id: Id, body: CancelIn):
    order = services.cancel_exam(order_id, reason=body.reason, actor=caller(request))
    return order_out(_orders().get(pk=order.pk))


@router.post("/orders/{order_id}/check-in", response=OrderOut, auth=SIGNED_IN)
def check_in(request: HttpRequest, order_id: Id):
    order = services.check_in_exam(order_id, actor=caller(request))
    return order_out(_orders().get(pk=order.pk))


@router.post("/orders/{order_id}/start", response=OrderOut, auth=SIGNED_IN)
def start(request: HttpRequest, order_id: Id):
    """The patient is called in; the waiting time since check-in is recorded."""
    order = services.start_exam(order_id, actor=caller(request))
    return order_out(_orders().get(pk=order.pk))
