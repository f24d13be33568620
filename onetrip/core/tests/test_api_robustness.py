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
