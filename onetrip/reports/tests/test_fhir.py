"""Reports as FHIR R4 DiagnosticReport and Observation (R-EXAM-4), validated with fhir.resources
R4B models, and seen only by those who may see the patient (R-EXAM-5)."""

from __future__ import annotations

import pytest
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.diagnosticreport import DiagnosticReport
from fhir.resources.R4B.observation import Observation as FhirObservation
from fhir.resources.R4B.operationoutcome import OperationOutcome

from onetrip.core.fhir_http import FHIR_CONTENT_TYPE
from onetrip.reports import services
from onetrip.reports.fhir import PLACER_SYSTEM
from onetrip.reports.models import Report
from onetrip.reports.results import LOINC_SYSTEM
from onetrip.reports.tests.messages import GLUCOSE, LOCAL_HBA1C, POTASSIUM_CRITICAL, oru

pytestmark = pytest.mark.django_db


@pytest.fixture
def report(order, lab) -> Report:
    services.receive_hl7(
        oru(placer=order.placer_number, observations=(GLUCOSE, POTASSIUM_CRITICAL, LOCAL_HBA1C)),
        actor=lab,
    )
    return Report.objects.get()


@pytest.fixture
def staff_client(client, doctor_actor):
    client.force_login(doctor_actor.user)
    return client


def fhir_json(response, status=200):
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith(FHIR_CONTENT_TYPE)
    return response.json()


def test_a_report_reads_as_a_valid_diagnostic_report(report, staff_client):
    body = fhir_json(staff_client.get(f"/fhir/DiagnosticReport/{report.pk}"))

    DiagnosticReport.model_validate(body)
    assert body["status"] == "final"
    assert body["subject"] == {"reference": f"Patient/{report.patient_id}"}
    assert body["basedOn"][0]["identifier"] == {
        "system": PLACER_SYSTEM,
        "value": report.placer_number,
    }
    assert body["code"]["coding"][0] == {
        "system": LOINC_SYSTEM,
        "code": "24323-8",
        "display": "Comprehensive metabolic panel",
    }
    assert len(body["result"]) == 3


def test_each_observation_carries_value_unit_range_and_flag(report, staff_client):
    potassium = report.observations.get(code="2823-3")

    body = fhir_json(staff_client.get(f"/fhir/Observation/{potassium.pk}"))

    FhirObservation.model_validate(body)
    assert body["valueQuantity"] == {"value": 6.9, "unit": "mmol/L"}
    assert body["referenceRange"][0]["low"] == {"value": 3.5, "unit": "mmol/L"}
    assert body["referenceRange"][0]["high"]["value"] == 5.3
    assert body["interpretation"][0]["coding"][0]["code"] == "HH"
    assert body["code"]["coding"][0]["system"] == LOINC_SYSTEM


def test_search_by_patient_includes_the_observations(report, staff_client):
    body = fhir_json(staff_client.get("/fhir/DiagnosticReport", {"patient": report.patient_id}))

    Bundle.model_validate(body)
    modes = [entry["search"]["mode"] for entry in body["entry"]]
    assert modes == ["match", "include", "include", "include"]
    assert body["total"] == 1


def test_an_institution_the_patient_never_visited_gets_not_found(
    report, client, make_staff, township
):
    client.force_login(make_staff("doctor", township).user)

    body = fhir_json(client.get(f"/fhir/DiagnosticReport/{report.pk}"), 404)

    OperationOutcome.model_validate(body)
    search = fhir_json(client.get("/fhir/DiagnosticReport", {"patient": report.patient_id}))
    assert search["total"] == 0


def test_search_without_a_patient_is_a_bad_request(staff_client):
    body = fhir_json(staff_client.get("/fhir/DiagnosticReport"), 400)
    assert body["issue"][0]["details"]["coding"][0]["code"] == "patient_required"
