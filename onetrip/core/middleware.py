"""Response headers every page and API answer carries (D58), written at a fixed cost per
response (D267): the hot path's requests (a booking, the slot list) pay for them on every
answer."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from csp.constants import HEADER as CSP_HEADER
from csp.middleware import CheckableLazyObject, CSPMiddleware
from csp.utils import build_policy
from django.conf import settings
from django.conf.urls.i18n import is_language_prefix_patterns_used
from django.contrib.messages.middleware import MessageMiddleware
from django.contrib.messages.storage import default_storage
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.middleware.locale import LocaleMiddleware
from django.template.response import TemplateResponse
from django.utils import translation
from django.utils.cache import add_never_cache_headers, patch_vary_headers
from django.utils.functional import SimpleLazyObject, empty
from django.utils.http import http_date
from django.utils.translation import gettext as _

from onetrip.core.problems import problem

# What `add_never_cache_headers` writes on a response that has no caching headers yet.
NEVER_CACHE = "max-age=0, no-cache, no-store, must-revalidate, private"


class SecurityHeadersMiddleware:
    """Permissions-Policy on everything, and `Cache-Control: no-store` on every dynamic answer:
    patient and staff pages, the API and FHIR carry health data, which no browser cache or shared
    proxy may keep. Static files are served before this middleware and keep their lifetimes."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        headers = response.headers
        headers.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        if "Cache-Control" in headers or "Expires" in headers:
            add_never_cache_headers(response)  # merged into what the view wrote
        else:  # the same headers, without parsing and merging (D267)
            headers["Expires"] = http_date(time.time())
            headers["Cache-Control"] = NEVER_CACHE
        return response


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """django-csp's middleware with the policy built once per settings value instead of on
    every response (D267). A response or request that asks for anything of its own (a nonce, a
    view's `@csp_update`, `@csp_replace`, `@csp_exempt`, a report-only policy) goes through
    django-csp unchanged."""

    _built: tuple[Any, str] | None = None

    def process_response(
        self, request: HttpRequest, response: HttpResponseBase
    ) -> HttpResponseBase:
        configured = getattr(settings, "CONTENT_SECURITY_POLICY", None)
        if (
            not configured
            or getattr(settings, "CONTENT_SECURITY_POLICY_REPORT_ONLY", None)
            or configured.get("EXCLUDE_URL_PREFIXES")
            or getattr(request, "_csp_nonce", None) is not None
            or any(hasattr(response, name) for name in _CSP_RESPONSE_PARTS)
            or CSP_HEADER in response
            or (response.status_code in (404, 500) and settings.DEBUG)
        ):
            return super().process_response(request, response)
        built = self._built
        if built is None or built[0] is not configured:
            built = self._built = (configured, build_policy())
        response[CSP_HEADER] = built[1]
        # As django-csp does: a nonce asked for after the header was written is an error.
        request.csp_nonce = CheckableLazyObject(self._csp_nonce_post_response)  # type: ignore[attr-defined]
        return response


_CSP_RESPONSE_PARTS = (
    "_csp_config",
    "_csp_update",
    "_csp_replace",
    "_csp_exempt",
    "_csp_config_ro",
    "_csp_update_ro",
    "_csp_replace_ro",
    "_csp_exempt_ro",
)


class PathlessLocaleMiddleware(LocaleMiddleware):
    """Django's locale middleware, without looking for a language in the path when no URL
    pattern is language-prefixed (no `i18n_patterns`, as here): Django's looks twice a request,
    and a path such as "/api/…" reads as the language code "api", refused each time by an
    uncached lookup that raises (D267). With prefixed patterns, Django's as it is."""

    def process_request(self, request: HttpRequest) -> None:
        if self._prefixed(request):
            return super().process_request(request)
        translation.activate(translation.get_language_from_request(request, check_path=False))
        request.LANGUAGE_CODE = translation.get_language()
        return None

    def process_response(
        self, request: HttpRequest, response: HttpResponseBase
    ) -> HttpResponseBase:
        if self._prefixed(request):
            return super().process_response(request, response)
        language = translation.get_language()
        patch_vary_headers(response, ("Accept-Language",))
        response.headers.setdefault("Content-Language", language)
        return response

    @staticmethod
    def _prefixed(request: HttpRequest) -> bool:
        return is_language_prefix_patterns_used(getattr(request, "urlconf", settings.ROOT_URLCONF))[
            0
        ]


class LazyMessageMiddleware(MessageMiddleware):
    """Django's message middleware with the storage made when a view first touches it: an API
    answer, which never does, does not build the cookie and session storages (D267). A storage
    never touched has nothing to store, as `update` would find."""

    def process_request(self, request: HttpRequest) -> None:
        request._messages = SimpleLazyObject(lambda: default_storage(request))  # type: ignore[attr-defined]

    def process_response(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        storage = getattr(request, "_messages", None)
        if isinstance(storage, SimpleLazyObject) and storage._wrapped is empty:
            return response
        return super().process_response(request, response)


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
