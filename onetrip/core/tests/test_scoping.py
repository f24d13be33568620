"""Generated from the URL configuration and the OpenAPI document (see `scoping.py`): every page
and operation taking an object id answers 404 to another institution's staff or another
patient, 403 to a role without the permission, and audits the staff read it serves."""

from __future__ import annotations

import json

import pytest
from django.db import transaction
from django.test import Client

from onetrip.core.models import AuditEvent
from onetrip.core.tests.scoping import (
    OwnPatient,
    Pending,
    Staff,
    Unscoped,
    World,
    cases_of,
    operations_taking_ids,
    page_routes_taking_ids,
    registered_cases,
    url_of,
)
from onetrip.web.sessions import SESSION_KEY

CASES = registered_cases()


def test_every_id_route_is_registered():
    routes = page_routes_taking_ids() | operations_taking_ids()
    missing = sorted(routes - CASES.keys())
    stale = sorted(CASES.keys() - routes)
    assert not missing, (
        "These routes take an object id but no app registered how to make an object of another "
        "institution or patient for them (add them to onetrip/<app>/tests/scope_cases.py, see "
        "docs/security.md):\n  " + "\n  ".join(missing)
    )
    assert not stale, "Registered routes that no longer exist:\n  " + "\n  ".join(stale)


def _request(client: Client, key: str, case, target) -> int:
    method, url = url_of(key, target)
    method = (method or case.method).lower()
    if method == "get":
        return client.get(url, target.query).status_code
    if key[0].isupper():  # the JSON API
        query = "?" + "&".join(f"{k}={v}" for k, v in target.query.items()) if target.query else ""
        return getattr(client, method)(
            url + query, json.dumps(target.body or {}), content_type="application/json"
        ).status_code
    return client.post(url, target.body or {}).status_code


def _isolated(client: Client, key: str, case, target) -> int:
    """One request whose changes are rolled back, so the next actor finds the object as made."""
    with transaction.atomic():
        status = _request(client, key, case, target)
        transaction.set_rollback(True)
    return status


def _signed_in_staff(profile) -> Client:
    client = Client()
    client.force_login(profile.user)
    return client


def _signed_in_patient(account) -> Client:
    client = Client()
    session = client.session
    session[SESSION_KEY] = account.pk
    session.save()
    return client


def _succeeded(status: int, case) -> bool:
    return status < 400 or status in case.also_ok


def _of_kind(kind: type) -> list[tuple[str, object]]:
    return [
        pytest.param(key, case, id=key)
        for key, registration in sorted(CASES.items())
        for case in cases_of(registration)
        if isinstance(case, kind)
    ]


@pytest.fixture
def world(db, clock, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    return World()


@pytest.mark.parametrize(("key", "case"), _of_kind(Staff))
def test_staff_reach_only_their_institutions_objects(world, key, case: Staff):
    target = case.make(world)
    home = case.at(world) if case.at else world.home
    outsider = _isolated(_signed_in_staff(world.staff(case.role, world.other)), key, case, target)
    no_role = _isolated(_signed_in_staff(world.staff(None, home)), key, case, target)
    insider = world.staff(case.role, home)
    seen = AuditEvent.objects.filter(actor_user=insider.user).count()
    allowed = _request(_signed_in_staff(insider), key, case, target)
    assert (outsider, no_role) == (404, 403), (
        f"{key}: staff of another institution got {outsider} (want 404), "
        f"a role without the permission {no_role} (want 403)"
    )
    assert _succeeded(allowed, case), (
        f"{key}: the {case.role} of the home institution got {allowed}"
    )
    if case.audited:
        rows = AuditEvent.objects.filter(actor_user=insider.user).order_by("pk")[seen:]
        assert any(row.patient_id == target.patient_id for row in rows), (
            f"{key}: the staff read wrote no audit row naming patient {target.patient_id}"
        )


@pytest.mark.parametrize(("key", "case"), _of_kind(OwnPatient))
def test_patients_reach_only_their_own_objects(world, key, case: OwnPatient):
    target = case.make(world)
    stranger = _isolated(_signed_in_patient(world.stranger), key, case, target)
    own = _request(_signed_in_patient(world.account), key, case, target)
    assert stranger == 404, f"{key}: another patient's account got {stranger} (want 404)"
    assert _succeeded(own, case), f"{key}: the patient's own account got {own}"


@pytest.mark.parametrize(("key", "case"), _of_kind(Pending))
def test_pending_registrations(key, case: Pending):
    pytest.skip(f"{key}: no object maker yet ({case.note})")


def test_public_registrations_say_why():
    assert all(param.values[1].why for param in _of_kind(Unscoped))
