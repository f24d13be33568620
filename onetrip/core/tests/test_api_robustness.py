"""Bad input gets a clear error, never a 500: every operation of the OpenAPI document, called by
a signed-in member of staff who may do everything over a small demo world, with malformed bodies,
each field given wrong types and absurd values in turn, ids no database column can hold in the
path and the query string, absurd dates, NUL characters and an oversized body, answers 4xx (or
does the harmless thing) with a problem body. Runs on SQLite (`make test`) and PostgreSQL (CI):
an overflow is each database's own way to fail."""

from __future__ import annotations

import json
import re
from collections import Counter

import pytest

from onetrip.api import api

pytestmark = pytest.mark.django_db

UNKNOWN_ID = 987654
HUGE_IDS = [2**63, 2**64, 10**30]
# Bodies a careless or hostile client sends: not JSON, the wrong JSON type, nothing, and an
# object whose every field has a wrong type or an absurd value.
MALFORMED = ["{not json", "[]", '"text"', "null", "{}"]
WRONG_VALUES = ["x", -1, 10**20, 1.5, [], {}, None, True, "' OR 1=1 --", "２０２６-１３-４０"]
# Each field in turn, the others plausible: past int64, past any amount, text where numbers
# go, numbers as text, a NUL (PostgreSQL refuses it in text) and a day no calendar survives.
ONE_FIELD_VALUES = [
    2**63,
    10**20,
    10**16,
    "2",
    True,
    -1,
    "\x00",
    "0001-01-01",
    "9999-12-31T23:59:59",
]
QUERY_VALUES = [str(2**63), str(10**30), "-1", "x", "\x00", "0001-01-01", "9999-12-31"]
# Past Django's DATA_UPLOAD_MAX_MEMORY_SIZE (2.5 MB).
OVERSIZED = json.dumps({"padding": "x" * 2_700_000})


def _document() -> dict:
    return api.get_openapi_schema(path_prefix="/api")


def _operations(document: dict):
    for path, methods in document["paths"].items():
        for method, operation in methods.items():
            yield path, method, operation


def _concrete(path: str, value: object = UNKNOWN_ID) -> str:
    return re.sub(r"\{[^}]+\}", str(value), path)


def _resolve(schema: dict, document: dict) -> dict:
    while "$ref" in schema:
        schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def _body_schema(operation: dict, document: dict) -> dict:
    content = operation.get("requestBody", {}).get("content", {})
    return _resolve(content.get("application/json", {}).get("schema", {}), document)


def _plausible(schema: dict, document: dict) -> object:
    """A value of the field's type that is not absurd: the other fields of a one-field probe."""
    schema = _resolve(schema, document)
    options = schema.get("anyOf") or [schema]
    schema = _resolve(options[0], document)
    if "enum" in schema:
        return schema["enum"][0]
    kind = schema.get("type")
    if kind == "integer":
        return max(1, schema.get("minimum", 1))
    if kind == "number":
        return 1
    if kind == "boolean":
        return False
    if kind == "array":
        return []
    if kind == "object":
        return {n: _plausible(f, document) for n, f in schema.get("properties", {}).items()}
    if schema.get("format") == "date":
        return "2026-11-24"
    if schema.get("format") == "date-time":
        return "2026-11-24T09:00:00+08:00"
    return "x"


@pytest.fixture
def superuser_client(world):
    return world.staff


def _assert_no_server_error(response, what: str, seen: Counter) -> None:
    assert response.status_code < 500, f"{what}: {response.status_code} {response.content[:300]}"
    seen[response.status_code] += 1


def test_no_operation_answers_bad_input_with_a_server_error(superuser_client):
    called, seen, document = 0, Counter(), _document()
    for path, method, operation in _operations(document):
        url = _concrete(path)
        send = getattr(superuser_client, method)
        for huge in HUGE_IDS if "{" in path else []:
            huge_url = _concrete(path, huge)
            if method == "get":
                response = send(huge_url)
            else:
                response = send(huge_url, "{}", content_type="application/json")
            _assert_no_server_error(response, f"{method.upper()} {huge_url}", seen)
        for parameter in operation.get("parameters", []):
            if parameter["in"] != "query":
                continue
            for value in QUERY_VALUES:
                query = f"?{parameter['name']}={value}"
                response = send(url + query.replace("\x00", "%00"))
                _assert_no_server_error(response, f"{method.upper()} {url}{query!r}", seen)
        called += 1
        if method == "get":
            response = superuser_client.get(url, {"period": "2026-13", "limit": "x"})
            _assert_no_server_error(response, f"GET {url}", seen)
            continue
        for body in MALFORMED:
            response = send(url, body, content_type="application/json")
            _assert_no_server_error(response, f"{method.upper()} {url} {body}", seen)
        body_schema = _body_schema(operation, document)
        fields = list(body_schema.get("properties", {}))
        for value in WRONG_VALUES:
            body = json.dumps(dict.fromkeys(fields, value))
            response = send(url, body, content_type="application/json")
            _assert_no_server_error(response, f"{method.upper()} {url} {body}", seen)
        plausible = _plausible(body_schema, document) if fields else {}
        for field in fields:
            for value in ONE_FIELD_VALUES:
                body = json.dumps(plausible | {field: value})
                response = send(url, body, content_type="application/json")
                _assert_no_server_error(response, f"{method.upper()} {url} {body}", seen)
        if operation.get("requestBody"):
            response = send(url, OVERSIZED, content_type="application/json")
            # Operations of a signed-in patient refuse the superuser before reading the body.
            if response.status_code != 401:
                assert response.status_code == 413, (
                    f"{method.upper()} {url}: {response.status_code}"
                )
                assert response["Content-Type"] == "application/problem+json"
    # The whole API was walked, and the bad input reached validation and lookups (not only
    # the doors of authentication).
    assert called > 80
    assert seen[422] > 1000, seen
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
        for body in [*FHIR_BODIES, OVERSIZED]:
            response = superuser_client.post(
                f"/fhir/{operation}", body, content_type="application/fhir+json"
            )
            assert 400 <= response.status_code < 500, (
                f"{operation} {body[:80]}: {response.content[:300]}"
            )
            assert response.json()["resourceType"] == "OperationOutcome"
