"""Prescribing's registrations for the generated scoping and audit test (`core/tests/scoping.py`):
a prescription belongs to the institution that wrote it and to its patient."""

from __future__ import annotations

from onetrip.core.tests.scoping import Staff, Target, World
from onetrip.demo.pharmacy import consortium_catalogue, stock_formulary
from onetrip.prescribing.services import prescriptions
from onetrip.prescribing.services.prescriptions import LineIn, PrescriptionIn

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
}
