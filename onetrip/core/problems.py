"""Problem details (RFC 9457) for every API error, with field-level messages in the user's
language. No domain or validation error reaches the client as a 500."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import RequestDataTooBig
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from onetrip.core.errors import (
    DomainError,
    FieldError,
    InvalidInput,
    KeyReused,
    TooManyRequests,
    UnsupportedMediaType,
)

PROBLEM_CONTENT_TYPE = "application/problem+json"

# pydantic's messages are English only; the common ones get a translated sentence.
PYDANTIC_MESSAGES = {
    "missing": lambda: _("This field is required."),
    "string_too_long": lambda: _("This value is too long."),
    "string_too_short": lambda: _("This value is too short."),
    "string_type": lambda: _("Enter text."),
    "int_parsing": lambda: _("Enter a whole number."),
    "int_type": lambda: _("Enter a whole number."),
    "date_from_datetime_parsing": lambda: _("Enter a date as YYYY-MM-DD."),
    "date_parsing": lambda: _("Enter a date as YYYY-MM-DD."),
    "date_type": lambda: _("Enter a date as YYYY-MM-DD."),
    "enum": lambda: _("Choose one of the allowed values."),
    "literal_error": lambda: _("Choose one of the allowed values."),
    "json_invalid": lambda: _("The request body is not valid JSON."),
    "bool_parsing": lambda: _("Enter true or false."),
    "bool_type": lambda: _("Enter true or false."),
    "int_from_float": lambda: _("Enter a whole number."),
    "decimal_type": lambda: _("Enter a number."),
    "decimal_parsing": lambda: _("Enter a number."),
    "datetime_parsing": lambda: _("Enter a time as YYYY-MM-DDTHH:MM:SS+08:00."),
    "datetime_type": lambda: _("Enter a time as YYYY-MM-DDTHH:MM:SS+08:00."),
}
# Bounds (core.bounds) name their limit.
BOUND_MESSAGES = {
    "greater_than_equal": lambda limit: _("Enter %(limit)s or more.") % {"limit": limit},
    "greater_than": lambda limit: _("Enter more than %(limit)s.") % {"limit": limit},
    "less_than_equal": lambda limit: _("Enter %(limit)s or less.") % {"limit": limit},
    "less_than": lambda limit: _("Enter less than %(limit)s.") % {"limit": limit},
}


def problem(
    status: int, title: str, *, detail: str = "", code: str = "", errors: list[dict] | None = None
) -> JsonResponse:
    body: dict[str, Any] = {"type": "about:blank", "title": title, "status": status}
    if detail:
        body["detail"] = detail
    if code:
        body["code"] = code
    if errors is not None:
        body["errors"] = errors
    return JsonResponse(body, status=status, content_type=PROBLEM_CONTENT_TYPE)


def field_errors(errors: tuple[FieldError, ...]) -> list[dict]:
    return [{"field": e.field, "message": str(e.message), "code": e.code} for e in errors]


def _field_from_location(loc: list[Any]) -> str:
    # ninja prefixes locations with the parameter source and the schema argument name.
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "form", "payload")]
    return ".".join(parts) or "body"


def _from_ninja(exc: NinjaValidationError) -> list[dict]:
    result = []
    for error in exc.errors:
        result.append(
            {
                "field": _field_from_location(list(error.get("loc", []))),
                "message": _message(error),
                "code": error.get("type", "invalid"),
            }
        )
    return result


def _message(error: dict) -> str:
    kind = error.get("type", "")
    if kind in PYDANTIC_MESSAGES:
        return PYDANTIC_MESSAGES[kind]()
    limits = [value for value in (error.get("ctx") or {}).values() if value is not None]
    if kind in BOUND_MESSAGES and limits:
        return BOUND_MESSAGES[kind](limits[0])
    return error.get("msg", _("Invalid value."))


def install_problem_handlers(api: NinjaAPI) -> None:
    @api.exception_handler(InvalidInput)
    def invalid_input(request: HttpRequest, exc: InvalidInput) -> HttpResponse:
        if isinstance(exc, KeyReused):
            return problem(
                exc.status, str(exc.message), code="key_reused", errors=field_errors(exc.errors)
            )
        return problem(422, _("The request has invalid fields."), errors=field_errors(exc.errors))

    @api.exception_handler(DomainError)
    def domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
        response = problem(exc.status, str(exc.message), code=exc.code)
        if isinstance(exc, TooManyRequests):
            response["Retry-After"] = str(exc.retry_after)
        return response

    @api.exception_handler(NinjaValidationError)
    def validation_error(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
        return problem(422, _("The request has invalid fields."), errors=_from_ninja(exc))

    @api.exception_handler(AuthenticationError)
    def unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        return problem(401, _("Sign in first."), code="unauthenticated")

    @api.exception_handler(Http404)
    def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
        return problem(404, _("Not found."), code="not_found")

    @api.exception_handler(RequestDataTooBig)
    def too_large(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
        # Django refuses to read a body past DATA_UPLOAD_MAX_MEMORY_SIZE (2.5 MB).
        return problem(413, _("The request body is too large."), code="too_large")

    @api.exception_handler(HttpError)
    def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        if isinstance(exc.__cause__, InvalidInput):  # refused while parsing the body
            return invalid_input(request, exc.__cause__)
        if isinstance(exc.__cause__, UnsupportedMediaType):
            return problem(415, str(exc.__cause__.message), code="unsupported_media_type")
        if exc.status_code == 400 and isinstance(exc.__cause__, ValueError):
            # ninja's "Cannot parse request body": malformed JSON is invalid input like any other.
            return problem(
                422,
                _("The request has invalid fields."),
                errors=[
                    {
                        "field": "body",
                        "message": PYDANTIC_MESSAGES["json_invalid"](),
                        "code": "json_invalid",
                    }
                ],
            )
        return problem(exc.status_code, str(exc.message))


# --- the problems each operation documents -------------------------------------------------

PROBLEM_SCHEMA = {
    "title": "Problem",
    "description": "RFC 9457 problem details; `errors` names each invalid field.",
    "type": "object",
    "required": ["type", "title", "status"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "code": {"type": "string"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["field", "message", "code"],
                "properties": {
                    "field": {"type": "string"},
                    "message": {"type": "string"},
                    "code": {"type": "string"},
                },
            },
        },
    },
}
PROBLEM_DESCRIPTIONS = {
    401: "Not signed in.",
    403: "Signed in, but the role or the account may not do this.",
    404: "No such object within the caller's scope.",
    409: "The request conflicts with the object's state or with an earlier request.",
    413: "The request body is larger than 2.5 MB.",
    422: "A field is missing, malformed or out of bounds; `errors` names each.",
    429: "Too many requests; try again later.",
}


def problems(*statuses: int) -> dict:
    """`openapi_extra` for an operation that answers a problem the rules of
    `document_problems` do not infer from its signature (a 409 on a read, a 404 on a list)."""
    return {"responses": {status: _problem_response(status) for status in statuses}}


def document_problems(document: dict) -> dict:
    """Add to every operation of the OpenAPI document the problems it can answer with, inferred
    from what it takes: a signed-in caller (401, 403), an object named in the path or by an id
    (404), input at all (400, 422), a body (413), a change (409). One rule set for the whole API,
    so a new operation is documented the day it is added; schemathesis checks the result."""
    document.setdefault("components", {}).setdefault("schemas", {})["Problem"] = PROBLEM_SCHEMA
    for methods in document["paths"].values():
        for method, operation in methods.items():
            responses = operation.setdefault("responses", {})
            for status in sorted(_inferred_statuses(method, operation)):
                responses.setdefault(status, _problem_response(status))
    return document


# Query parameters naming an object without the `_id` suffix (metrics' institution and
# department filters): out of the caller's scope they answer 404, like an unknown one (D109).
OBJECT_QUERY_NAMES = frozenset({"institution", "department"})


def _inferred_statuses(method: str, operation: dict) -> set[int]:
    parameters = operation.get("parameters", [])
    body = operation.get("requestBody")
    statuses = set()
    if operation.get("security"):
        statuses |= {401, 403}
    if parameters or body:
        statuses.add(422)  # a NUL character included (core.middleware, core.api_security)
    if body:
        statuses |= {413, 404}
    if any(
        p["in"] == "path" or p["name"].endswith("_id") or p["name"] in OBJECT_QUERY_NAMES
        for p in parameters
    ):
        statuses.add(404)
    if method != "get":
        statuses.add(409)
    return statuses


def _problem_response(status: int) -> dict:
    return {
        "description": PROBLEM_DESCRIPTIONS.get(status, "A problem."),
        "content": {PROBLEM_CONTENT_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}},
    }
