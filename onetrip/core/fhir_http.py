"""FHIR over HTTP, shared by every app's FHIR endpoints: the content type, OperationOutcome for
every refusal, and the common search parameters `_format` and `_count`."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import wraps
from typing import Any

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, JsonResponse, QueryDict
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from onetrip.core.errors import DomainError, InvalidInput

FHIR_CONTENT_TYPE = "application/fhir+json"
DEFAULT_COUNT = 20
MAX_COUNT = 100
JSON_FORMATS = frozenset({"json", "application/json", "application/fhir+json"})

ISSUE_TYPES = {
    400: "invalid",
    401: "login",
    403: "forbidden",
    404: "not-found",
    405: "not-supported",
    409: "conflict",
    413: "too-costly",
    422: "invalid",
}


ERROR_CODE_SYSTEM = "https://onetrip.example/fhir/CodeSystem/error-code"


def outcome_issue(
    status: int, message: str, *, code: str = "", expression: str = ""
) -> dict[str, Any]:
    issue: dict[str, Any] = {
        "severity": "error",
        "code": ISSUE_TYPES.get(status, "processing"),
        "diagnostics": message,
    }
    if code:
        issue["details"] = {
            "coding": [{"system": ERROR_CODE_SYSTEM, "code": code}],
            "text": message,
        }
    if expression:
        issue["expression"] = [expression]
    return issue


def operation_outcome(
    status: int, message: str, *, code: str = "", issues: Iterable[dict[str, Any]] = ()
) -> dict[str, Any]:
    """An `OperationOutcome` with one issue, or with the given `issues` (one per field error)."""
    listed = list(issues) or [outcome_issue(status, message, code=code)]
    return {"resourceType": "OperationOutcome", "issue": listed}


class BadRequest(DomainError):
    """A request FHIR answers with 400: an unknown or malformed search parameter."""

    status = 400

    def __init__(self, message: Any, *, code: str = "bad_request") -> None:
        super().__init__(message, code=code)


def fhir_response(body: dict[str, Any], *, status: int = 200) -> JsonResponse:
    return JsonResponse(
        body,
        status=status,
        content_type=f"{FHIR_CONTENT_TYPE}; charset=utf-8",
        json_dumps_params={"ensure_ascii": False},
    )


def outcome_response(exc: DomainError) -> JsonResponse:
    message = str(exc.message)
    if isinstance(exc, InvalidInput):
        issues = [
            outcome_issue(exc.status, str(e.message), code=e.code, expression=e.field)
            for e in exc.errors
        ]
        body = operation_outcome(exc.status, message, issues=issues)
    else:
        body = operation_outcome(exc.status, message, code=exc.code)
    return fhir_response(body, status=exc.status)


def require_json_format(params: QueryDict) -> None:
    for value in params.getlist("_format"):
        if value.split(";")[0].strip().lower() not in JSON_FORMATS:
            raise BadRequest(_("Only JSON is supported."), code="unsupported_format")


def parse_count(params: QueryDict) -> int:
    raw = params.get("_count")
    if raw is None:
        return DEFAULT_COUNT
    try:
        count = int(raw)
    except ValueError:
        count = -1
    if count < 0:
        raise BadRequest(_("_count must be a whole number, 0 or more."), code="invalid_count")
    return min(count, MAX_COUNT)


READ = ("GET", "HEAD")
OPERATION = ("POST",)


def fhir_view(methods: tuple[str, ...]) -> Callable[[Callable[..., HttpResponse]], Any]:
    """Only `methods`, and every `DomainError` (401, 403, 404, 409, 422...) as OperationOutcome."""

    def decorate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if request.method not in methods:
                response = fhir_response(
                    operation_outcome(
                        405, _("This method is not allowed here."), code="method_not_allowed"
                    ),
                    status=405,
                )
                response["Allow"] = ", ".join(methods)
                return response
            try:
                return view(request, *args, **kwargs)
            except DomainError as exc:
                return outcome_response(exc)
            except RequestDataTooBig:
                return fhir_response(
                    operation_outcome(413, _("The request body is too large."), code="too_large"),
                    status=413,
                )

        # Exempt so that every refusal is an OperationOutcome, not Django's HTML CSRF page: a
        # view that accepts writes from a browser session must check CSRF itself.
        return csrf_exempt(wrapper)

    return decorate
