"""Demo data of issue 16's second pass (D126, D127): travel times between the demo's
hospitals, and one patient's work-up that shows the new rules on the plan page — a Holter with
its return the next day, a contrast CT with the creatinine an hour before it, a treadmill test
after a resting ECG."""

from __future__ import annotations

from collections.abc import Mapping

from onetrip.consortium.models import Institution, InstitutionLevel
from onetrip.core.actors import Actor
from onetrip.exams import catalogue
from onetrip.exams import services as exams
from onetrip.identity import services as identity

# Road minutes between hospitals (county seat to islands by bridge): demo values.
_MINUTES_BY_LEVEL = {InstitutionLevel.TERTIARY: 20, InstitutionLevel.COUNTY: 40}
WORK_UP = ("HOLTER", "HOLTER_RETURN", "BLOOD_RENAL", "CT_CHEST_ENH", "ECG", "TREADMILL")
PATIENT_INDEX = 12  # after the twelve patients with a blood count report


def load(institutions: Mapping[str, Institution], doctor: Actor) -> int:
    """Travel times from the tertiary hospital to every other hospital and township, and the
    work-up ordered for one patient in the doctor's scope; returns how many orders."""
    hub = next(i for i in institutions.values() if i.level == InstitutionLevel.TERTIARY)
    for other in institutions.values():
        if other.pk != hub.pk:
            minutes = _MINUTES_BY_LEVEL.get(other.level, 30)
            catalogue.set_travel_time(hub.pk, other.pk, minutes)
    # The first patient after those with a report (a small demo may have fewer).
    patients = list(identity.accessible_patients(doctor).order_by("pk")[: PATIENT_INDEX + 1])
    if not patients:
        return 0
    patient = patients[-1]
    for code in WORK_UP:
        exams.place_exam_order(patient_id=patient.pk, item_code=code, actor=doctor)
    return len(WORK_UP)
