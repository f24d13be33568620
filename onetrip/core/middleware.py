"""Response headers every page and API answer carries (D58)."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _

from onetrip.core.problems import problem


class SecurityHeadersMiddleware:
    """Permissions-Policy on everything, and `Cache-Control: no-store` on every dynamic answer:
    patient and staff pages, the API and FHIR carry health data, which no browser cache or shared
    proxy may keep. Static files are served before this middleware and keep their lifetimes."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        add_never_cache_headers(response)
        return response


def _field_with_nul(request: HttpRequest) -> str | None:
    """The first query or form field whose name or value holds a NUL character."""
    fields = [request.GET]
    if request.method == "POST" and request.content_type in (
        "application/x-www-form-urlencoded",
        "multipart/form-data",
    ):
        fields.append(request.POST)
    for data in fields:
        for name, values in data.lists():
            if "\x00" in name or any("\x00" in value for value in values):
                return name.replace("\x00", "") or "query"
    return None


class NulCharacterGuard:
    """Refuses a query or form with a NUL character (U+0000) before any view runs. No person
    types one, PostgreSQL cannot store one in a text column, and a search would otherwise fail deep
    in the database as a server error (issue 12). The API answers it as the validation error it
    is (422, naming the field; JSON bodies are checked by their schemas); FHIR answers with its
    own OperationOutcome."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path.startswith("/fhir/"):
            return self.get_response(request)
        try:
            field = _field_with_nul(request)
        except RequestDataTooBig:
            field = None  # the view answers 413
        if field is None:
            return self.get_response(request)
        message = _("Remove the control character (NUL) from this field.")
        if request.path.startswith("/api/"):
            return problem(
                422,
                _("The request holds a character that is not allowed."),
                code="invalid",
                errors=[{"field": field, "message": message, "code": "null_character"}],
            )
        response = TemplateResponse(request, "400.html", {"message": message}, status=400)
        return response.render()
