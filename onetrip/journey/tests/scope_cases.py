"""Journey's registrations for the generated scoping and audit test (`core/tests/scoping.py`)."""

from __future__ import annotations

from onetrip.core.tests.scoping import Staff, Target, World
from onetrip.exams.tests.scope_cases import an_order


def a_patient_with_an_episode(world: World) -> Target:
    an_order(world)  # an exam ordered is an event of the patient's episode
    return Target({"patient_id": world.patient.pk}, world.patient.pk)


CASES = {
    "GET /api/journey/patients/{patient_id}/episodes": Staff(a_patient_with_an_episode, "doctor"),
    "staff/patients/<id:patient_id>/journey": Staff(a_patient_with_an_episode, "doctor"),
}
