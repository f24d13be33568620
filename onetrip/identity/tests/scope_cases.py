"""Identity's registrations for the generated scoping and audit test (`core/tests/scoping.py`)."""

from __future__ import annotations

from onetrip.core.tests.scoping import OwnPatient, Staff, Target, World
from onetrip.identity.models import ProxyGrant

PASSPORT = {"doc_type": "passport", "number": "E12345678", "issuing_country": "CHN"}


def the_patient(world: World, body: dict | None = None) -> Target:
    return Target({"patient_id": world.patient.pk}, world.patient.pk, body=body)


def the_patients_grant(world: World) -> Target:
    grant = ProxyGrant.objects.get(patient=world.patient, account=world.account)
    return Target({"grant_id": grant.pk}, world.patient.pk)


def a_share_with_the_township(world: World) -> Target:
    return the_patient(world, {"institution_id": world.other.pk})


FAMILY = {"phone": "13700001111", "relationship": "spouse"}
PAGE_PASSPORT = {"doc_type": "passport", "doc_number": "E12345678", "issuing_country": "CHN"}

CASES = {
    "GET /api/patients/{patient_id}": Staff(the_patient, "registration"),
    "PATCH /api/patients/{patient_id}": Staff(
        lambda w: the_patient(w, {"address": "海州市人民路1号"}), "registration"
    ),
    "POST /api/patients/{patient_id}/documents": Staff(
        lambda w: the_patient(w, PASSPORT), "registration"
    ),
    "POST /api/patients/{patient_id}/proxies": Staff(
        lambda w: the_patient(w, FAMILY), "registration"
    ),
    "POST /api/patients/{patient_id}/shares": Staff(a_share_with_the_township, "referral"),
    "POST /api/me/patients/{patient_id}/documents": OwnPatient(lambda w: the_patient(w, PASSPORT)),
    "POST /api/me/patients/{patient_id}/proxies": OwnPatient(lambda w: the_patient(w, FAMILY)),
    "DELETE /api/me/proxies/{grant_id}": OwnPatient(the_patients_grant),
    "staff/patients/<id:patient_id>": Staff(the_patient, "registration"),
    "staff/patients/<id:patient_id>/documents": Staff(
        lambda w: the_patient(w, PAGE_PASSPORT), "registration", method="POST"
    ),
    "p/patients/<id:patient_id>/documents": OwnPatient(
        lambda w: the_patient(w, PAGE_PASSPORT), method="POST"
    ),
    "p/patients/<id:patient_id>/family": OwnPatient(
        lambda w: the_patient(w, FAMILY), method="POST"
    ),
    "p/family/<id:grant_id>/revoke": OwnPatient(the_patients_grant, method="POST"),
    "fhir/Patient/<str:patient_id>": Staff(the_patient, "registration"),
    # Starts a check with the configured verifier (the sandbox in tests) and redirects to it.
    "p/patients/<id:patient_id>/face-check": OwnPatient(the_patient, method="POST"),
}
