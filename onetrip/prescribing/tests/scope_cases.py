"""Prescribing's registrations for the generated scoping and audit test (`core/tests/scoping.py`):
a prescription belongs to the institution that wrote it and to its patient."""

from __future__ import annotations

from onetrip.core.tests.scoping import OwnPatient, Staff, Target, World
from onetrip.demo.pharmacy import consortium_catalogue, stock_formulary
from onetrip.prescribing.models import Diagnosis, OnlineVisit
from onetrip.prescribing.services import online, prescriptions
from onetrip.prescribing.services.prescriptions import LineIn, PrescriptionIn
from onetrip.prescribing.tests.conftest import online_doctor

PHARMACIST = "pharmacist"


def stocked(world: World) -> None:
    if not hasattr(world, "formulary_stocked"):
        consortium_catalogue()
        stock_formulary(world.home.pk)
        world.formulary_stocked = True


def written(world: World, line: LineIn | None = None):
    stocked(world)
    return prescriptions.write_prescription(
        PrescriptionIn(
            patient_id=world.patient.pk,
            condition_code="I10",
            condition_name="原发性高血压",
            days=7,
            lines=[line or LineIn("DR-AML", "5", 1, "oral", 1)],
        ),
        actor=world.actor("doctor"),
    )


def approved(world: World, line: LineIn | None = None):
    prescription = written(world, line)
    prescriptions.approve(prescription.pk, actor=world.actor(PHARMACIST))
    return prescription


def a_prescription(world: World) -> Target:
    return Target({"prescription_id": written(world).pk}, world.patient.pk)


def a_return(world: World) -> Target:
    prescription = written(world)
    return Target({"prescription_id": prescription.pk}, world.patient.pk, body={"reason": "剂量"})


def a_line(world: World) -> Target:
    prescription = written(world)
    line = prescription.lines.get()
    return Target({"resource_id": f"{prescription.pk}-{line.pk}"}, world.patient.pk)


CASES = {
    "staff/prescriptions/<id:prescription_id>": Staff(a_prescription, PHARMACIST),
    "staff/prescriptions/<id:prescription_id>/approve": Staff(
        a_prescription, PHARMACIST, method="POST"
    ),
    "staff/prescriptions/<id:prescription_id>/return": Staff(a_return, PHARMACIST, method="POST"),
    "fhir/MedicationRequest/<str:resource_id>": Staff(a_line, "doctor"),
    "GET /api/prescribing/prescriptions/{prescription_id}": Staff(a_prescription, PHARMACIST),
    "POST /api/prescribing/prescriptions/{prescription_id}/approve": Staff(
        a_prescription, PHARMACIST
    ),
}


# --- online follow-up visits ------------------------------------------------------------------


def online_clinic(world: World):
    """The home hospital's doctor (the world's `doctor` login) with online follow-up times."""
    if not hasattr(world, "online_clinic"):
        stocked(world)
        world.online_clinic = online_doctor(world.home, days=3)
        doctor = world.online_clinic.doctor
        doctor.user = world.staff("doctor").user
        doctor.save(update_fields=["user"])
    return world.online_clinic


def a_diagnosis(world: World) -> Diagnosis:
    online_clinic(world)
    written(world)
    return Diagnosis.objects.filter(patient=world.patient, in_person=True).latest("pk")


def booked(world: World) -> OnlineVisit:
    diagnosis = a_diagnosis(world)
    slot = online.free_slots(diagnosis)[0]
    return online.book_online_visit(diagnosis.pk, slot.slot_id, actor=world.patient_actor)


def a_visit(world: World, body: dict | None = None) -> Target:
    return Target({"visit_id": booked(world).pk}, world.patient.pk, body=body)


def a_picture(world: World) -> Target:
    visit = booked(world)
    message = online.send_message(
        visit.pk, picture=PNG, picture_type="image/png", actor=world.patient_actor
    )
    return Target({"visit_id": visit.pk, "message_id": message.pk}, world.patient.pk)


def a_diagnosis_to_follow_up(world: World) -> Target:
    return Target({"diagnosis_id": a_diagnosis(world).pk}, world.patient.pk)


PNG = b"\x89PNG\r\n\x1a\n" + b"0" * 32

CASES |= {
    "staff/online/<id:visit_id>": Staff(a_visit, "doctor"),
    "staff/online/<id:visit_id>/send": Staff(
        lambda w: a_visit(w, {"text": "血压如何？"}), "doctor", method="POST"
    ),
    "staff/online/<id:visit_id>/close": Staff(
        lambda w: a_visit(w, {"note": "复诊，续方"}), "doctor", method="POST"
    ),
    "staff/online/<id:visit_id>/pictures/<id:message_id>": Staff(a_picture, "doctor"),
    "p/online/book/<id:diagnosis_id>": OwnPatient(a_diagnosis_to_follow_up),
    "p/online/<id:visit_id>": OwnPatient(a_visit),
    "p/online/<id:visit_id>/send": OwnPatient(
        lambda w: a_visit(w, {"text": "血压145/90"}), method="POST"
    ),
    "p/online/<id:visit_id>/pictures/<id:message_id>": OwnPatient(a_picture),
}
