"""Per-institution API keys for external systems (R-APPT-1): issued by a system administrator for
their institution or one below it, stored hashed, revocable; a key stands for its institution and
sees only that institution's patients (R-ORG-3)."""

from __future__ import annotations

import hashlib

import pytest
from django.test import Client

from onetrip.conftest import actor_for
from onetrip.core.errors import InvalidInput, NotFound, PermissionDenied
from onetrip.core.models import AuditEvent
from onetrip.identity import services as identity
from onetrip.scheduling import api_keys
from onetrip.scheduling.api_keys import (
    client_actor,
    client_for_key,
    issue_api_key,
    revoke_api_key,
)
from onetrip.scheduling.models import ApiClient
from onetrip.scheduling.tests.helpers import township_patient


@pytest.fixture
def lead_admin(make_staff, tertiary):
    """The system administrator of the consortium's lead hospital."""
    return actor_for(make_staff("sysadmin", tertiary))


def test_a_key_is_shown_once_and_stored_as_a_hash(lead_admin, township):
    client, key = issue_api_key(township.pk, " 东山乡  HIS ", "primary_care", actor=lead_admin)

    assert client.name == "东山乡 HIS"
    assert (client.institution_id, client.channel, client.is_active) == (
        township.pk,
        "primary_care",
        True,
    )
    assert key[:8] == client.key_prefix
    assert len(key) > 40
    assert client.key_hash == hashlib.sha256(key[8:].encode()).hexdigest()
    stored = ApiClient.objects.filter(pk=client.pk).values().get()
    assert key[8:] not in str(stored)
    event = AuditEvent.objects.get(object_type="scheduling.apiclient")
    assert (event.action, event.actor_label) == ("create", lead_admin.label)
    assert key[8:] not in str(event.changes)


def test_the_key_finds_its_client_and_nothing_else_does(lead_admin, township):
    client, key = issue_api_key(township.pk, "HIS", "primary_care", actor=lead_admin)

    assert client_for_key(key) == client
    assert client_for_key(key[:8]) is None
    assert client_for_key(key[:-1] + ("A" if key[-1] != "A" else "B")) is None
    assert client_for_key("") is None


def test_a_revoked_key_no_longer_works(lead_admin, township):
    client, key = issue_api_key(township.pk, "HIS", "primary_care", actor=lead_admin)

    revoke_api_key(client.pk, actor=lead_admin)

    assert client_for_key(key) is None
    assert AuditEvent.objects.filter(action="revoke", object_id=str(client.pk)).count() == 1


def test_only_primary_care_institutions_get_a_primary_care_key(lead_admin, tertiary):
    with pytest.raises(InvalidInput) as refused:
        issue_api_key(tertiary.pk, "HIS", "primary_care", actor=lead_admin)

    assert (refused.value.errors[0].field, refused.value.errors[0].code) == (
        "channel",
        "not_primary_care",
    )
    assert not ApiClient.objects.exists()


@pytest.mark.parametrize(
    ("name", "channel", "field"),
    [(" ", "window", "name"), ("HIS", "fax", "channel"), ("x" * 101, "window", "name")],
)
def test_bad_key_requests_name_the_field(lead_admin, tertiary, name, channel, field):
    with pytest.raises(InvalidInput) as refused:
        issue_api_key(tertiary.pk, name, channel, actor=lead_admin)

    assert refused.value.errors[0].field == field
    assert not ApiClient.objects.exists()
    assert not AuditEvent.objects.exists()


def test_keys_are_issued_and_revoked_only_by_administrators_above_the_institution(
    lead_admin, make_staff, clerk, tertiary, township
):
    township_admin = actor_for(make_staff("sysadmin", township))

    with pytest.raises(PermissionDenied):
        issue_api_key(tertiary.pk, "HIS", "window", actor=clerk)
    with pytest.raises(NotFound):
        issue_api_key(tertiary.pk, "HIS", "window", actor=township_admin)
    assert not ApiClient.objects.exists()

    client, _key = issue_api_key(tertiary.pk, "HIS", "window", actor=lead_admin)
    with pytest.raises(NotFound):
        revoke_api_key(client.pk, actor=township_admin)
    assert ApiClient.objects.get().is_active


def test_a_client_sees_only_its_institutions_patients(
    lead_admin, make_staff, township, register, rf
):
    at_lead_hospital = register()
    at_township = township_patient(register, make_staff, township)
    client, _key = issue_api_key(township.pk, "HIS", "primary_care", actor=lead_admin)
    actor = client_actor(client, rf.get("/"))

    assert list(identity.accessible_patients(actor)) == [at_township]
    assert at_lead_hospital not in identity.accessible_patients(actor)


def test_an_unknown_or_revoked_key_is_a_401_problem(lead_admin, township, sessions):
    api = Client()
    client, key = issue_api_key(township.pk, "HIS", "primary_care", actor=lead_admin)
    revoke_api_key(client.pk, actor=lead_admin)

    for sent in (key, "not-a-key-at-all", key[:8] + "x" * 40):
        response = api.post(
            "/api/scheduling/appointments",
            {"patient_id": 1, "slot_id": 1},
            content_type="application/json",
            HTTP_X_API_KEY=sent,
        )
        assert response.status_code == 401
        assert response["Content-Type"] == "application/problem+json"
        assert response.json()["code"] == "invalid_api_key"


def _answer(key: str) -> int:
    return Client().get("/api/scheduling/appointments/999999", HTTP_X_API_KEY=key).status_code


def test_a_key_in_use_stops_working_at_once_when_revoked_here(lead_admin, township, sessions):
    client, key = issue_api_key(township.pk, "HIS", "primary_care", actor=lead_admin)
    assert _answer(key) == 404  # signed in (and remembered), then no such booking

    revoke_api_key(client.pk, actor=lead_admin)

    assert _answer(key) == 401


def test_a_key_revoked_elsewhere_stops_working_within_the_cache_bound(
    lead_admin, township, sessions, monkeypatch
):
    """Another process (a gunicorn worker) revoked it: this one notices within 5 s (D205)."""
    client, key = issue_api_key(township.pk, "HIS", "primary_care", actor=lead_admin)
    now = [1000.0]
    monkeypatch.setattr(api_keys.time, "monotonic", lambda: now[0])
    assert _answer(key) == 404
    ApiClient.objects.filter(pk=client.pk).update(is_active=False)  # not through this process

    now[0] += api_keys.CACHED_KEY_SECONDS - 0.1
    assert _answer(key) == 404
    now[0] += 0.2
    assert _answer(key) == 401
