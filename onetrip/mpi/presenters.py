"""What staff and patients are shown of a possible duplicate: masked as identity's presenters mask
(R-ORG-3), plus the explanation of the score in words."""

from __future__ import annotations

from typing import Any

from onetrip.core.actors import Actor
from onetrip.core.masking import mask_document_number, mask_name, mask_phone
from onetrip.identity.models import Patient
from onetrip.identity.presenters import present_patient
from onetrip.mpi.matching import (
    FIELD_LABELS,
    GUARD_LABELS,
    LEVEL_LABELS,
    Comparison,
    Field,
    Guard,
    Level,
    Thresholds,
)


def present_match_warning(patient: Patient, comparison: Comparison, policy: Thresholds) -> dict:
    """ "This may be you": the least a person needs to recognise their own record, for anyone
    registering (a patient's own account included): name, phone and documents masked."""
    return {
        "id": patient.pk,
        "name": mask_name(patient.name),
        "sex_label": str(patient.get_sex_display()),
        "birth_year": patient.birth_date.year,
        "phone": mask_phone(patient.phone),
        "documents": [
            {
                "doc_type_label": str(d.get_doc_type_display()),
                "number": mask_document_number(d.number),
            }
            for d in patient.documents.all()
            if not d.is_guardian_document
        ],
        "registered_on": patient.registered_at.date(),
        "grade": comparison.grade(policy).value,
        "probability": comparison.probability(policy),
    }


def present_explanation(explanation: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {
            **item,
            "field_label": str(FIELD_LABELS[Field(item["field"])]),
            "level_label": str(LEVEL_LABELS[Level(item["level"])]),
        }
        for item in explanation
    ]


def guard_label(guard: str) -> str:
    return str(GUARD_LABELS[Guard(guard)]) if guard else ""


def present_record(patient: Patient, *, actor: Actor) -> dict[str, Any]:
    """One side of a pair on the review page: as identity shows a patient to this staff member."""
    return present_patient(patient, actor=actor)
