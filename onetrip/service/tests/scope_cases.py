"""The service centre's registrations for the generated scoping and audit test
(`core/tests/scoping.py`): a complaint belongs to the hospital it was filed with and to the
patient who filed it on the phone."""

from __future__ import annotations

from onetrip.consortium import services as consortium
from onetrip.core.actors import SYSTEM
from onetrip.core.tests.scoping import OwnPatient, Staff, Target, World
from onetrip.service.services import complaints, errands, record_copies
from onetrip.service.tests.conftest import a_record_copy_fee, pay_at_window

OFFICER = "complaints"


def a_department(world: World):
    if not hasattr(world, "complaints_department"):
        world.complaints_department = consortium.add_department(
            world.home, code="SVC-IM", name="内科", actor=SYSTEM
        )
    return world.complaints_department


def filed(world: World):
    return complaints.file_complaint(
        complaints.ComplaintIn(
            kind="complaint",
            cause="waiting",
            severity="medium",
            description="候诊两个小时无人叫号",
            institution_id=world.home.pk,
            patient_id=world.patient.pk,
        ),
        actor=world.patient_actor,
    )


def answered(world: World):
    complaint = filed(world)
    complaints.respond(complaint.pk, response="已与门诊部核实并致歉", actor=world.actor(OFFICER))
    return complaint


def a_complaint(world: World) -> Target:
    complaint = filed(world)
    return Target({"complaint_id": complaint.pk}, world.patient.pk)


def a_complaint_to_route(world: World) -> Target:
    department = a_department(world)
    complaint = filed(world)
    return Target(
        {"complaint_id": complaint.pk},
        world.patient.pk,
        body={"department_id": department.pk, "severity": "high"},
    )


def a_complaint_to_answer(world: World) -> Target:
    complaint = filed(world)
    return Target(
        {"complaint_id": complaint.pk}, world.patient.pk, body={"response": "已核实并改进"}
    )


def an_answered_complaint(world: World) -> Target:
    complaint = answered(world)
    return Target({"complaint_id": complaint.pk}, world.patient.pk)


def a_closed_complaint(world: World) -> Target:
    complaint = answered(world)
    complaints.close_complaint(complaint.pk, actor=world.actor(OFFICER))
    return Target({"complaint_id": complaint.pk}, world.patient.pk, body={"rating": "5"})


def applied_copy(world: World, delivery: str = "post", paid: bool = False):
    a_record_copy_fee()
    copy = record_copies.apply(
        record_copies.CopyIn(
            patient_id=world.patient.pk,
            institution_id=world.home.pk,
            visit_description="2026年3月内科住院",
            purpose="personal",
            copies=1,
            delivery=delivery,
            recipient_name="张伟",
            recipient_phone="13812345678",
            address="北京市东城区东单北大街1号",
        ),
        actor=world.patient_actor,
    )
    if paid:
        pay_at_window(record_copies.fee_bill(copy).pk, world.actor("finance"))
    return copy


def a_copy(world: World) -> Target:
    return Target({"copy_id": applied_copy(world).pk}, world.patient.pk)


def a_paid_copy(world: World) -> Target:
    copy = applied_copy(world, paid=True)
    return Target({"copy_id": copy.pk}, world.patient.pk, body={"pages": "8"})


def a_released_pdf(world: World) -> Target:
    copy = applied_copy(world, delivery="pdf", paid=True)
    record_copies.prepare(copy.pk, pages=4, actor=world.actor(RECORDS))
    return Target({"copy_id": copy.pk}, world.patient.pk)


RECORDS = "service_centre"

CASES = {
    "staff/record-copies/<id:copy_id>": Staff(a_copy, RECORDS),
    "staff/record-copies/<id:copy_id>/prepare": Staff(a_paid_copy, RECORDS, method="POST"),
    "p/service/record-copies/<id:copy_id>": OwnPatient(a_copy),
    "p/service/record-copies/<id:copy_id>/pdf": OwnPatient(a_released_pdf),
    "staff/complaints/<id:complaint_id>": Staff(a_complaint, OFFICER),
    "staff/complaints/<id:complaint_id>/route": Staff(a_complaint_to_route, OFFICER, method="POST"),
    "staff/complaints/<id:complaint_id>/respond": Staff(
        a_complaint_to_answer, OFFICER, method="POST"
    ),
    "staff/complaints/<id:complaint_id>/close": Staff(
        an_answered_complaint, OFFICER, method="POST"
    ),
    "p/service/complaints/<id:complaint_id>": OwnPatient(a_complaint),
    "p/service/complaints/<id:complaint_id>/rate": OwnPatient(a_closed_complaint, method="POST"),
}


def a_ticket(world: World, body: dict | None = None) -> Target:
    ticket = errands.open_ticket(
        errands.TicketIn(errand="certificate_stamp", contact_name="张伟"),
        actor=world.actor(RECORDS),
    )
    return Target({"ticket_id": ticket.pk}, None, body=body)


NO_PATIENT = "a window ticket names the person at the counter, no patient record"
CASES |= {
    "staff/errands/<id:ticket_id>": Staff(
        a_ticket, RECORDS, audited=False, why_not_audited=NO_PATIENT
    ),
    "staff/errands/<id:ticket_id>/done": Staff(
        a_ticket, RECORDS, method="POST", audited=False, why_not_audited=NO_PATIENT
    ),
    "staff/errands/<id:ticket_id>/refuse": Staff(
        lambda w: a_ticket(w, {"reason": "材料不全"}),
        RECORDS,
        method="POST",
        audited=False,
        why_not_audited=NO_PATIENT,
    ),
}
