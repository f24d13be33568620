"""The service centre's registrations for the generated scoping and audit test
(`core/tests/scoping.py`): a complaint belongs to the hospital it was filed with and to the
patient who filed it on the phone."""

from __future__ import annotations

from onetrip.consortium import services as consortium
from onetrip.core.actors import SYSTEM
from onetrip.core.tests.scoping import OwnPatient, Staff, Target, World
from onetrip.service.services import complaints

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


CASES = {
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
