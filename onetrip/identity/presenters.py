"""What a viewer is shown of a patient: identifiers masked unless the role needs them (R-ORG-3)."""

from __future__ import annotations

from typing import Any

from onetrip.core.actors import Actor
from onetrip.core.masking import mask_document_number, mask_phone
from onetrip.identity.models import IdentityDocument, Patient


def sees_full_identifiers(actor: Actor) -> bool:
    return actor.has_perm("identity.view_full_identifiers")


def present_document(document: IdentityDocument, *, full: bool) -> dict[str, Any]:
    return {
        "id": document.pk,
        "doc_type": document.doc_type,
        "doc_type_label": str(document.get_doc_type_display()),
        "number": document.number if full else mask_document_number(document.number),
        "issuing_country": document.issuing_country,
        "is_guardian_document": document.is_guardian_document,
        "guardian_relationship": document.guardian_relationship,
    }


def present_patient(patient: Patient, *, actor: Actor) -> dict[str, Any]:
    full = sees_full_identifiers(actor)
    return {
        "id": patient.pk,
        "name": patient.name,
        "sex": patient.sex,
        "sex_label": str(patient.get_sex_display()),
        "birth_date": patient.birth_date,
        "phone": patient.phone if full else mask_phone(patient.phone),
        "address": patient.address,
        "registered_at": patient.registered_at,
        "documents": [present_document(d, full=full) for d in patient.documents.all()],
        "identifiers_masked": not full,
    }
