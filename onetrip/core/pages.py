"""Glue between server-rendered pages and the services: who is acting, a service verb run from a
page with its outcome as a message, and domain errors shown as form errors, messages, 403 or 404
pages."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from functools import wraps
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import BadRequest
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _

from onetrip.core.actors import staff_actor
from onetrip.core.bounds import EARLIEST_DAY, LATEST_DAY, parse_day, parse_id
from onetrip.core.errors import DomainError, InvalidInput, NotFound, PermissionDenied


def add_domain_errors(
    form: forms.Form, exc: DomainError, field_map: Mapping[str, str] | None = None
) -> None:
    """Show a service's field errors on the page's form fields; a refusal naming no field (a
    rate limit) above the form."""
    if not isinstance(exc, InvalidInput):
        form.add_error(None, str(exc.message))
        return
    field_map = field_map or {}
    for error in exc.errors:
        name = field_map.get(error.field, error.field)
        form.add_error(name if name in form.fields else None, str(error.message))


# A refused verb's result; a sentinel because some verbs return None when they succeed.
REFUSED: Any = object()


def attempt(
    request: HttpRequest,
    verb: Callable[[], Any],
    *,
    done: Any,
    form: forms.Form | None = None,
    field_map: Mapping[str, str] | None = None,
    not_found_is_page: bool = True,
) -> Any:
    """Run a service verb from a page (the POST's step before its redirect). On success the
    `done` message (a text, a function of the verb's result, or None when the page says more
    itself) is shown and the result returned; a refusal goes onto `form` (its fields named as
    `field_map` maps the service's) or, without one, into an error message, and REFUSED is
    returned. A 404 is the page's own 404 unless the missing object is one the form or the
    patient chose (`not_found_is_page=False`)."""
    try:
        result = verb()
    except DomainError as exc:
        if not_found_is_page and exc.status == 404:
            raise
        if form is None:
            messages.error(request, str(exc.message))
        else:
            add_domain_errors(form, exc, field_map)
        return REFUSED
    if done is not None:
        messages.success(request, done(result) if callable(done) else done)
    return result


@contextmanager
def refusals_as_http() -> Iterator[None]:
    """A service's refusal becomes the 403 or 404 page."""
    try:
        yield
    except PermissionDenied as exc:
        raise DjangoPermissionDenied(str(exc.message)) from None
    except NotFound as exc:
        raise Http404(str(exc.message)) from None


def query_day(request: HttpRequest, name: str) -> dt.date | None:
    """The day a page's query string names, None when it names none. A malformed day or one
    outside core.bounds is a 400: the address was made by hand, not by a page."""
    text = request.GET.get(name, "")
    if not text:
        return None
    try:
        return parse_day(text)
    except ValueError:
        raise BadRequest(f"{name}: not a day between {EARLIEST_DAY} and {LATEST_DAY}") from None


def query_id(request: HttpRequest, name: str) -> int | None:
    """The id a page's query string names, None when absent or no possible id (a filter that
    cannot match anything is no filter)."""
    try:
        return parse_id(request.GET.get(name, ""))
    except ValueError:
        return None


def staff_page(*perms: str) -> Callable:
    """A staff page: signed in, bound to an institution, holding one of `perms` (if any are
    given). The view receives the acting staff member as `actor`."""

    def decorate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            with refusals_as_http():
                actor = staff_actor(request)
                if perms and not any(actor.has_perm(perm) for perm in perms):
                    raise PermissionDenied(_("Your role does not allow this."))
                return view(request, *args, actor=actor, **kwargs)

        return wrapper

    return decorate
