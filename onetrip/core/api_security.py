"""The API's defences against being driven by another site's page (D58, login CSRF).

A page elsewhere can make a visitor's browser POST to us with a "simple" request: a text/plain or
form body needs no CORS preflight and carries the visitor's cookies. So the API reads JSON bodies
only when they are declared as JSON (a cross-site JSON request needs a preflight we never grant),
and refuses any state-changing request whose Origin names another site. Clients outside a browser
send no Origin and are unaffected; signed-in sessions are CSRF-checked by ninja as well.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _
from ninja.parser import Parser

from onetrip.core.errors import InvalidInput, UnsupportedMediaType
from onetrip.core.problems import problem
from onetrip.core.text import refused_character_message

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})


def _path_to_nul(data: Any, path: str = "") -> str | None:
    """The dotted path of the first key or string in a JSON document holding a NUL, or None."""
    if isinstance(data, str):
        return (path or "body") if "\x00" in data else None
    items: Any = ()
    if isinstance(data, dict):
        items = data.items()
    elif isinstance(data, list):
        items = enumerate(data)
    for key, value in items:
        here = f"{path}.{key}" if path else str(key)
        if isinstance(key, str) and "\x00" in key:
            return path or "body"
        if (found := _path_to_nul(value, here)) is not None:
            return found
    return None


class JsonOnlyParser(Parser):
    def parse_body(self, request: HttpRequest) -> Any:
        content_type = request.content_type or ""
        if content_type != "application/json" and not content_type.endswith("+json"):
            raise UnsupportedMediaType(_("Send the body as JSON (Content-Type: application/json)."))
        data = super().parse_body(request)
        # PostgreSQL cannot store a NUL in text: refuse it here, for every operation at once,
        # instead of as a server error wherever a schema forgot to (issue 12).
        if (field := _path_to_nul(data)) is not None:
            raise InvalidInput.field(field, refused_character_message("\x00"), "invalid")
        return data


def is_cross_site(request: HttpRequest) -> bool:
    """True for a browser request sent by another site's page."""
    origin = request.headers.get("Origin")
    if origin is None:
        # Browsers send Origin on every cross-origin POST; without one, Fetch metadata may still
        # tell (a form submitted from elsewhere by an older browser).
        return request.headers.get("Sec-Fetch-Site") in ("cross-site", "same-site")
    own = f"{request.scheme}://{request.get_host()}"
    return origin != own and origin not in settings.CSRF_TRUSTED_ORIGINS


class CrossSiteApiGuard:
    """Refuses state-changing API requests from another site's pages with a 403 problem, before
    any view runs, so a new endpoint (a sign-in, above all) cannot forget it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if (
            request.path.startswith("/api/")
            and request.method not in SAFE_METHODS
            and is_cross_site(request)
        ):
            return problem(
                403,
                str(_("Requests from another site's pages are refused.")),
                code="cross_site",
            )
        return self.get_response(request)
