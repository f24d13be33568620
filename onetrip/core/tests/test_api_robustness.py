"""Bad input gets a clear error, never a 500: every operation of the OpenAPI document, called by
a signed-in member of staff who may do everything, with malformed bodies, wrong types and
unknown ids, answers 4xx (or does the harmless thing) with a problem body."""

from __future__ import annotations

import json
import re
from collections import Counter

import pytest

from onetrip.api import api

pytestmark = pytest.mark.django_db

UNKNOWN_ID = 987654
# Bodies a careless or hostile client sends: not JSON, the wrong JSON type, nothing, and an
# object whose every field has a wrong type or an absurd value.
MALFORMED = ["{not json", "[]", '"text"', "null", "{}"]
WRONG_VALUES = ["x", -1, 10**20, 1.5, [], {}, None, True, "' OR 1=1 --", "２０２６-１３-４０"]


def _operations():
    schema = api.get_openapi_schema(path_prefix="/api")
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            yield path, method, operation, schema


def _concrete(path: str) -> str:
    return re.sub(r"\{[^}]+\}", str(UNKNOWN_ID), path)


def _body_fields(operation: dict, schema: dict) -> list[str]:
    content = operation.get("requestBody", {}).get("content", {})
    body = content.get("application/json", {}).get("schema", {})
    ref = body.get("$ref")
    if ref:
        body = schema["components"]["schemas"][ref.rsplit("/", 1)[-1]]
    return list(body.get("properties", {}))


@pytest.fixture
def superuser_client(client, make_staff, tertiary):
    profile = make_staff("sysadmin", tertiary)
    profile.user.is_superuser = True
    profile.user.save(update_fields=["is_superuser"])
    client.force_login(profile.user)
    return client


def _assert_no_server_error(response, what: str, seen: Counter) -> None:
    assert response.status_code < 500, f"{what}: {response.status_code} {response.content[:300]}"
    seen[response.status_code] += 1


def test_no_operation_answers_bad_input_with_a_server_error(superuser_client, clock):
    called, seen = 0, Counter()
    for path, method, operation, schema in _operations():
        url = _concrete(path)
        if method == "get":
            response = superuser_client.get(url, {"period": "2026-13", "limit": "x"})
            _assert_no_server_error(response, f"GET {url}", seen)
            called += 1
            continue
        send = getattr(superuser_client, method)
        for body in MALFORMED:
            response = send(url, body, content_type="application/json")
            _assert_no_server_error(response, f"{method.upper()} {url} {body}", seen)
        fields = _body_fields(operation, schema)
        for value in WRONG_VALUES:
            body = json.dumps(dict.fromkeys(fields, value))
            response = send(url, body, content_type="application/json")
            _assert_no_server_error(response, f"{method.upper()} {url} {body}", seen)
        called += 1
    # The whole API was walked, and the bad input reached validation and lookups (not only
    # the doors of authentication).
    assert called > 50
    assert seen[422] > 200, seen
    assert seen[404] > 100, seen


def test_a_refusal_is_a_problem_document_with_a_field(superuser_client):
    response = superuser_client.post(
        "/api/scheduling/appointments",
        json.dumps({"patient_id": "x", "slot_id": 1}),
        content_type="application/json",
    )
    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    assert any("patient_id" in str(error.get("field")) for error in response.json()["errors"])


FHIR_READS = [
    "/fhir/Schedule?actor=Practitioner/x&date=tomorrow",
    "/fhir/Schedule/abc",
    "/fhir/Slot?schedule=Schedule/%27&start=ge2026-13-40&_count=-5",
    "/fhir/Slot/99999999999999999999",
    "/fhir/Appointment?patient=Patient/x&date=bad",
    "/fhir/Appointment/../../etc",
    "/fhir/Patient?identifier=|&birthdate=1990-02-31",
    "/fhir/Patient/%00",
    "/fhir/DiagnosticReport?patient=Patient/x&date=lt",
    "/fhir/DiagnosticReport/x",
    "/fhir/Observation/x",
]
FHIR_OPERATIONS = ["Appointment/$find", "Appointment/$hold", "Appointment/$book", "Patient/$match"]
FHIR_BODIES = [
    "{not json",
    "[]",
    '{"resourceType": "Patient"}',
    '{"resourceType": "Parameters", "parameter": "x"}',
    '{"resourceType": "Parameters", "parameter": [{"name": "slot", "valueReference": 5}]}',
    '{"resourceType": "Parameters", "parameter": [{"name": "start", "valueDateTime": "x"}]}',
]


def test_fhir_answers_bad_input_with_an_operation_outcome(superuser_client, clock):
    for url in FHIR_READS:
        response = superuser_client.get(url)
        assert response.status_code < 500, f"GET {url}: {response.content[:300]}"
    for operation in FHIR_OPERATIONS:
        for body in FHIR_BODIES:
            response = superuser_client.post(
                f"/fhir/{operation}", body, content_type="application/fhir+json"
            )
            assert 400 <= response.status_code < 500, (
                f"{operation} {body}: {response.content[:300]}"
            )
            assert response.json()["resourceType"] == "OperationOutcome"
