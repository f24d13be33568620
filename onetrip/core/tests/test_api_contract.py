"""The API keeps the contract its OpenAPI document states: schemathesis generates requests from
the whole document (valid ones and invalid ones) and calls the Django application in-process, as
an anonymous caller, a member of staff who may do everything and a signed-in patient, over the
small demo world. Every answer must be documented (status, content type, body schema) and no
answer may be a server error. Runs on SQLite (`make test`) and PostgreSQL (CI)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import schemathesis
from django.conf import settings as django_settings
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.middleware.csrf import _get_new_csrf_string
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hypothesis_settings
from hypothesis.errors import Unsatisfiable
from ninja import NinjaAPI
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.openapi.checks import UndefinedStatusCode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from onetrip.api import api

pytestmark = pytest.mark.django_db

# Results messages arrive as raw HL7 v2 text (reports' `POST /hl7`).
schemathesis.serializer.alias("x-application/hl7-v2+er7", "text/plain")

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
# Examples per operation and generation mode: the whole document in a few minutes on 2 cores.
EXAMPLES = 4
# Signing out ends the session the rest of the run is signed in with.
SKIPPED = {("DELETE", "/api/me/session")}


@pytest.fixture
def app() -> Iterator[WSGIHandler]:
    """Django's WSGI application, called in the test's thread and transaction: the connection
    must outlive each request (a server closes it; the test's transaction would go with it)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield WSGIHandler()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def _headers(session_key: str | None) -> dict[str, str]:
    token = _get_new_csrf_string()
    cookies = {django_settings.CSRF_COOKIE_NAME: token}
    if session_key:
        cookies[django_settings.SESSION_COOKIE_NAME] = session_key
    return {
        "Cookie": "; ".join(f"{name}={value}" for name, value in cookies.items()),
        "X-CSRFToken": token,
    }


def _run(operation, mode: GenerationMode, headers: dict[str, str]) -> None:
    @hypothesis_settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(generation_mode=mode))
    def call(case) -> None:
        response = case.call(headers=headers)
        case.validate_response(response, checks=CHECKS)

    call()


@pytest.mark.parametrize("who", ["anonymous", "staff", "patient"])
def test_every_operation_keeps_its_documented_contract(world, app, who):
    session = {"anonymous": None, "staff": world.staff_session, "patient": world.patient_session}
    headers = _headers(session[who])
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", app)
    failures, operations = [], 0
    for result in schema.get_all_operations():
        operation = result.ok()
        if (operation.method.upper(), operation.path) in SKIPPED:
            continue
        operations += 1
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            try:
                _run(operation, mode, headers)
            except Unsatisfiable:
                assert mode == GenerationMode.NEGATIVE  # an operation that takes nothing
            except Exception as exc:  # noqa: BLE001 - every operation's findings are reported
                failures.append(
                    f"{operation.method.upper()} {operation.path} ({mode.value}): {exc}"
                )
    assert operations > 80  # 88 when written
    assert not failures, "\n\n".join(failures)


def test_the_contract_check_catches_an_undocumented_refusal(world, app):
    """The same run over the document as ninja alone writes it (no problems documented): an
    anonymous caller's 401 is a finding, so the run above can fail."""
    bare = NinjaAPI.get_openapi_schema(api, path_prefix="/api")
    schema = schemathesis.openapi.from_dict(bare)
    schema.app = app
    operation = schema["/api/billing/bills/{bill_id}"]["GET"]
    with pytest.raises(FailureGroup) as found:
        _run(operation, GenerationMode.POSITIVE, _headers(None))
    assert [type(failure) for failure in found.value.exceptions] == [UndefinedStatusCode]
