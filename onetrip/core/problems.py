"""Problem details (RFC 9457) for every API error, with field-level messages in the user's
language. No domain or validation error reaches the client as a 500."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from onetrip.core.errors import (
    DomainError,
    FieldError,
    InvalidInput,
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
        message = PYDANTIC_MESSAGES.get(error.get("type", ""))
        result.append(
            {
                "field": _field_from_location(list(error.get("loc", []))),
                "message": message() if message else error.get("msg", _("Invalid value.")),
                "code": error.get("type", "invalid"),
            }
        )
    return result


def install_problem_handlers(api: NinjaAPI) -> None:
    @api.exception_handler(InvalidInput)
    def invalid_input(request: HttpRequest, exc: InvalidInput) -> HttpResponse:
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

    @api.exception_handler(HttpError)
    def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
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
