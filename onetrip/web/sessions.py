"""Patient-side sign-in state: the verified mobile account lives in the Django session.

The one place every interface (pages, JSON API) finds a signed-in patient: `patient_page` for
pages, `PatientSession` for the API, `current_patient_actor` for the actor the services check."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from onetrip.core.actors import Actor, Channel, patient_actor
from onetrip.core.api_auth import StaffSession
from onetrip.core.errors import NotAuthenticated
from onetrip.core.masking import mask_phone
from onetrip.core.pages import refusals_as_http
from onetrip.identity.models import MobileAccount

SESSION_KEY = "onetrip_patient_account"


def start_patient_session(request: HttpRequest, account: MobileAccount) -> None:
    request.session.cycle_key()  # a new session id at sign-in defeats session fixation
    request.session[SESSION_KEY] = account.pk


def end_patient_session(request: HttpRequest) -> None:
    request.session.pop(SESSION_KEY, None)


def signed_in_account(request: HttpRequest) -> MobileAccount | None:
    account_id = request.session.get(SESSION_KEY)
    if account_id is None:
        return None
    return MobileAccount.objects.filter(pk=account_id).first()


def current_patient_actor(request: HttpRequest, channel: str = Channel.WEB) -> Actor:
    account = signed_in_account(request)
    if account is None:
        raise NotAuthenticated(_("Sign in with your mobile number first."))
    return patient_actor(
        request, account_id=account.pk, phone_label=mask_phone(account.phone), channel=channel
    )


class PatientSession(StaffSession):
    """A signed-in mobile account (patient or family proxy), for the JSON API (CSRF-checked)."""

    def authenticate(self, request: HttpRequest, key: str | None) -> object | None:
        return request.session.get(SESSION_KEY)


def patient_page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """A patient page: signed in with a mobile account (else to sign-in and back here). The view
    receives the account's actor as `actor`."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            actor = current_patient_actor(request)
        except NotAuthenticated:
            return redirect(f"{reverse('patient-sign-in')}?{urlencode({'next': request.path})}")
        with refusals_as_http():
            return view(request, *args, actor=actor, **kwargs)

    return wrapper
