"""Exams' registrations for the generated scoping and audit test (`core/tests/scoping.py`)."""

from __future__ import annotations

from onetrip.conftest import NOW
from onetrip.core.tests.scoping import OwnPatient, Staff, Target, World
from onetrip.exams import catalogue, planning
from onetrip.exams import services as exams
from onetrip.exams.models import DeviceKind, ExamOrder

KINDS = {DeviceKind.BLOOD_DRAW: 1, DeviceKind.ULTRASOUND: 1, DeviceKind.ECG: 1}


def an_order(world: World, item_code: str = "ECG") -> ExamOrder:
    """An exam ordered for the home patient by a home doctor (catalogue and devices loaded)."""
    if not hasattr(world, "exam_devices"):
        catalogue.load_default_catalogue()
        catalogue.equip_institution(world.home.pk, KINDS, NOW.date(), 3)
        world.exam_devices = True
    return exams.place_exam_order(
        patient_id=world.patient.pk, item_code=item_code, actor=world.actor("doctor")
    )


def a_plan(world: World):
    an_order(world)
    proposal = planning.propose_plan(world.patient.pk, actor=world.actor("doctor"))
    choices = [exams.SlotChoice(e.order.pk, e.device.pk, e.starts_at) for e in proposal.exams]
    return exams.confirm_plan(world.patient.pk, choices, actor=world.actor("doctor"))


def a_booked_order(world: World, body: dict | None = None) -> Target:
    plan = a_plan(world)
    order = ExamOrder.objects.get(plan=plan)
    return Target({"order_id": order.pk}, world.patient.pk, body=body)


def a_checked_in_order(world: World) -> Target:
    target = a_booked_order(world)
    exams.check_in_exam(target.path["order_id"], actor=world.actor("exam_centre"))
    return target


def a_proposal_to_book(world: World) -> Target:
    an_order(world)
    proposal = planning.propose_plan(world.patient.pk, actor=world.actor("doctor"))
    chosen = [
        {"order_id": e.order.pk, "device_id": e.device.pk, "starts_at": e.starts_at.isoformat()}
        for e in proposal.exams
    ]
    return Target({"patient_id": world.patient.pk}, world.patient.pk, body={"exams": chosen})


def a_move(world: World) -> Target:
    target = a_booked_order(world)
    order = ExamOrder.objects.get(pk=target.path["order_id"])
    later = order.starts_at + (order.ends_at - order.starts_at) * 4
    return Target(
        target.path,
        target.patient_id,
        body={"device_id": order.device_id, "starts_at": later.isoformat()},
    )


def the_patient(world: World, body: dict | None = None, query: bool = False) -> Target:
    an_order(world)
    if query:
        return Target({}, world.patient.pk, query={"patient_id": world.patient.pk})
    return Target({"patient_id": world.patient.pk}, world.patient.pk, body=body)


def a_new_order(world: World) -> Target:
    an_order(world, "ECG")
    return Target(
        {}, world.patient.pk, body={"patient_id": world.patient.pk, "item_code": "US_ABD"}
    )


def a_plan_of_the_patient(world: World) -> Target:
    return Target({"plan_id": a_plan(world).pk}, world.patient.pk)


CASES = {
    "POST /api/exams/orders": Staff(a_new_order, "doctor"),
    "GET /api/exams/orders": (
        Staff(lambda w: the_patient(w, query=True), "doctor"),
        OwnPatient(lambda w: the_patient(w, query=True)),
    ),
    "POST /api/exams/patients/{patient_id}/plan-proposal": (
        Staff(lambda w: the_patient(w, body={}), "doctor"),
        OwnPatient(lambda w: the_patient(w, body={})),
    ),
    "POST /api/exams/patients/{patient_id}/plans": (
        Staff(a_proposal_to_book, "doctor"),
        OwnPatient(a_proposal_to_book),
    ),
    # Moving an exam answers 422 when the chosen time does not fit: the order was reached.
    "POST /api/exams/orders/{order_id}/reschedule": Staff(
        a_move, "exam_centre", also_ok=(409, 422)
    ),
    "POST /api/exams/orders/{order_id}/cancel": (
        Staff(lambda w: a_booked_order(w, {"reason": "patient asked"}), "exam_centre"),
        OwnPatient(lambda w: a_booked_order(w, {"reason": "patient asked"})),
    ),
    "POST /api/exams/orders/{order_id}/check-in": Staff(a_booked_order, "exam_centre"),
    "POST /api/exams/orders/{order_id}/start": Staff(a_checked_in_order, "exam_centre"),
    "staff/exams/patients/<id:patient_id>/plan": Staff(the_patient, "doctor"),
    "staff/exams/plans/<id:plan_id>/": Staff(a_plan_of_the_patient, "doctor"),
    "p/exams/patients/<id:patient_id>/plan": OwnPatient(the_patient),
    "p/exams/plans/<id:plan_id>/": OwnPatient(a_plan_of_the_patient),
}
