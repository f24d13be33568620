"""Who is calling the JSON and FHIR APIs: an institution's external system (`X-Api-Key`), a staff
session or a patient session. The auth classes only establish *who* is calling; what they may do
is checked by the services through the `Actor` built here."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from ninja.security import APIKeyHeader
from ninja.utils import check_csrf

from onetrip.core.actors import Actor, Channel, staff_actor
from onetrip.core.api_auth import StaffSession, api_staff_actor
from onetrip.core.errors import NotAuthenticated, PermissionDenied
from onetrip.core.fhir_http import READ, require_json_format
from onetrip.scheduling.api_keys import cached_client_for_key, client_actor
from onetrip.web.sessions import PatientSession, current_patient_actor

API_KEY_HEADER = "X-Api-Key"


def actor_for_key(request: HttpRequest, key: str) -> Actor:
    client = cached_client_for_key(key)
    if client is None:
        # A key that is sent but wrong is an error in its own right, never a reason to fall back
        # to another way of signing in.
        raise NotAuthenticated(_("The API key is unknown or revoked."), code="invalid_api_key")
    return client_actor(client, request)


class ApiKeyAuth(APIKeyHeader):
    """`X-Api-Key: <key>`; authenticates as the `Actor` of the key's client."""

    param_name = API_KEY_HEADER

    def authenticate(self, request: HttpRequest, key: str | None) -> Actor | None:
        if not key:
            return None
        return actor_for_key(request, key)


# The key first: it is checked without a session, and a session's CSRF check would refuse an
# external system's POST before the key was looked at.
SIGNED_IN = [ApiKeyAuth(), StaffSession(), PatientSession()]
SYSTEM_OR_STAFF = [ApiKeyAuth(), StaffSession()]


# Built once: a ninja auth object reads its class's attributes when made (about 35 µs, D305).
_STAFF_SESSION = StaffSession()


def caller(request: HttpRequest) -> Actor:
    """The actor of whichever of SIGNED_IN (or SYSTEM_OR_STAFF) let the request in."""
    if isinstance(request.auth, Actor):
        return request.auth
    if _STAFF_SESSION.authenticate(request, None) is not None:
        return api_staff_actor(request)
    return current_patient_actor(request, channel=Channel.API)


def fhir_caller(request: HttpRequest) -> Actor:
    """A FHIR request's actor: an external system by its key, else a signed-in staff member
    (whose writes pass the CSRF check, as the JSON API's do)."""
    key = request.headers.get(API_KEY_HEADER)
    if key:
        actor = actor_for_key(request, key)
    else:
        actor = staff_actor(request, channel=Channel.API)
        if request.method not in READ and check_csrf(request) is not None:
            raise PermissionDenied(_("The CSRF check failed."), code="csrf_failed")
    require_json_format(request.GET)
    return actor
