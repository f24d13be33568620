"""The audit trail of patient data (R-ORG-3).

Every staff view of a record and every change to patient data leaves one row saying who, when,
what and from where, written in the same transaction as the change. The trail never becomes a
second copy of identifiers: document numbers and phones appear masked. Privacy auditors browse
the trail of their own institution and the ones below it; nobody else may.
"""

import datetime as dt

import pytest
from django.db import transaction

from onetrip.conftest import NOW, actor_for
from onetrip.core import audit
from onetrip.core.actors import Actor, ActorKind
from onetrip.core.errors import InvalidInput, PermissionDenied
from onetrip.core.models import AuditAction, AuditEvent
from onetrip.identity import services as identity
from onetrip.identity.models import MobileAccount

FULL_NUMBER = "110101199003074477"
FULL_PHONE = "13812345678"
NEW_PHONE = "13987654321"
OTHER_NUMBER = "110105198506120026"  # female, born 1985-06-12


def row_text(event: AuditEvent) -> str:
    """Everything stored in the row, as one string to search for leaked identifiers."""
    return " ".join(
        str(getattr(event, field.attname)) for field in AuditEvent._meta.concrete_fields
    )


def events(client, **filters):
    response = client.get("/api/audit/events", filters)
    assert response.status_code == 200, response.content
    return response.json()


# --- what is written ------------------------------------------------------------------------


def test_a_staff_view_writes_one_view_row_with_who_when_what_and_where(
    client, clock, register, make_staff, tertiary
):
    patient = register()
    profile = make_staff("doctor", tertiary)
    client.force_login(profile.user)
    clock.advance(dt.timedelta(minutes=7))

    response = client.get(f"/api/patients/{patient.pk}", REMOTE_ADDR="192.0.2.44")

    assert response.status_code == 200
    (event,) = AuditEvent.objects.filter(action=AuditAction.VIEW)
    assert event.occurred_at == NOW + dt.timedelta(minutes=7)
    assert (event.actor_kind, event.actor_user, event.institution_id) == (
        "staff",
        profile.user,
        tertiary.pk,
    )
    assert event.actor_label == f"{profile.user.username} (doctor staff)"
    assert (event.object_type, event.object_id, event.patient_id) == (
        "identity.patient",
        str(patient.pk),
        patient.pk,
    )
    assert (event.summary, event.ip, event.channel) == ("patient record", "192.0.2.44", "api")


def test_behind_the_proxy_the_first_forwarded_hop_is_recorded(
    client, clock, register, make_staff, tertiary, settings
):
    settings.ONETRIP_TRUSTED_PROXIES = ["10.0.0.0/8"]
    patient = register()
    client.force_login(make_staff("doctor", tertiary).user)

    client.get(
        f"/api/patients/{patient.pk}",
        REMOTE_ADDR="10.0.0.1",
        HTTP_X_FORWARDED_FOR="203.0.113.9, 10.0.0.2",
    )

    assert AuditEvent.objects.get(action=AuditAction.VIEW).ip == "203.0.113.9"


def test_each_view_is_a_row_of_its_own(client, clock, register, make_staff, tertiary):
    patient = register()
    client.force_login(make_staff("nurse", tertiary).user)

    client.get(f"/api/patients/{patient.pk}")
    client.get(f"/api/patients/{patient.pk}")

    assert AuditEvent.objects.filter(action=AuditAction.VIEW, patient_id=patient.pk).count() == 2


def test_registration_writes_a_create_row_with_masked_identifiers(clock, register, clerk):
    patient = register()

    (event,) = AuditEvent.objects.all()
    assert (event.action, event.patient_id, event.object_id) == (
        AuditAction.CREATE,
        patient.pk,
        str(patient.pk),
    )
    assert (event.occurred_at, event.actor_user, event.ip) == (NOW, clerk.user, "10.0.0.8")
    assert event.changes == {
        "name": "张伟",
        "documents": ["resident_id:1101**********4477"],
        "guardian_document": False,
    }
    assert FULL_NUMBER not in row_text(event)
    assert FULL_PHONE not in row_text(event)


def test_registration_under_a_guardian_document_does_not_record_its_number(clock, register):
    register(
        name="王小红",
        sex="female",
        birth_date=dt.date(2020, 5, 1),
        documents=[],
        guardian=identity.GuardianInput("resident_id", OTHER_NUMBER, "parent"),
    )

    (event,) = AuditEvent.objects.all()
    assert event.changes["guardian_document"] is True
    assert OTHER_NUMBER not in row_text(event)


def test_an_update_writes_an_update_row_with_masked_before_and_after(clock, register, clerk):
    patient = register()
    clock.advance(dt.timedelta(hours=1))

    identity.update_patient(patient.pk, {"phone": NEW_PHONE, "address": "上海"}, actor=clerk)

    (event,) = AuditEvent.objects.filter(action=AuditAction.UPDATE)
    assert (event.occurred_at, event.patient_id) == (NOW + dt.timedelta(hours=1), patient.pk)
    assert event.changes == {
        "phone": {"from": "138****5678", "to": "139****4321"},
        "address": {"from": "", "to": "上海"},
    }
    assert FULL_PHONE not in row_text(event)
    assert NEW_PHONE not in row_text(event)


def test_an_update_that_changes_nothing_writes_nothing(clock, register, clerk):
    patient = register()

    identity.update_patient(patient.pk, {"phone": "138 1234 5678"}, actor=clerk)

    assert not AuditEvent.objects.filter(action=AuditAction.UPDATE).exists()


def test_adding_a_document_records_only_its_masked_number(clock, register, clerk):
    patient = register()

    identity.add_document(
        patient.pk, identity.DocumentInput("passport", "E12345678", "CHN"), actor=clerk
    )

    (event,) = AuditEvent.objects.filter(object_type="identity.identitydocument")
    assert (event.action, event.patient_id, event.changes) == (
        AuditAction.CREATE,
        patient.pk,
        {"number": "E1*****78"},
    )
    assert "E12345678" not in row_text(event)


def test_a_search_records_the_masked_query(clock, register, clerk):
    register()

    identity.search_patients(FULL_NUMBER, actor=clerk)
    identity.search_patients(FULL_PHONE, actor=clerk)

    searches = AuditEvent.objects.filter(action=AuditAction.SEARCH).order_by("id")
    assert [e.changes["query"] for e in searches] == ["1101**********4477", "138****5678"]
    assert [e.summary for e in searches] == ["patient search (1 found)"] * 2
    assert all(FULL_NUMBER not in row_text(e) and FULL_PHONE not in row_text(e) for e in searches)


# --- what is not written --------------------------------------------------------------------


def test_a_refused_change_writes_no_audit_row(clock, register, clerk, make_staff, tertiary):
    patient = register()
    before = AuditEvent.objects.count()

    with pytest.raises(InvalidInput):
        identity.update_patient(patient.pk, {"phone": "1381234567"}, actor=clerk)
    with pytest.raises(InvalidInput):
        identity.update_patient(patient.pk, {"sex": "female"}, actor=clerk)
    with pytest.raises(PermissionDenied):
        identity.update_patient(
            patient.pk, {"phone": NEW_PHONE}, actor=actor_for(make_staff("doctor", tertiary))
        )

    assert AuditEvent.objects.count() == before
    patient.refresh_from_db()
    assert patient.phone == FULL_PHONE


def test_a_refused_registration_writes_no_audit_row(clock, register):
    with pytest.raises(InvalidInput):
        register(sex="female")

    assert not AuditEvent.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_recording_outside_a_transaction_is_refused(clock, register, clerk):
    patient = register()
    before = AuditEvent.objects.count()

    with pytest.raises(transaction.TransactionManagementError):
        audit.record(clerk, AuditAction.VIEW, patient, patient_id=patient.pk, summary="loose")

    assert AuditEvent.objects.count() == before


def test_an_audit_row_rolls_back_with_its_change(clock, register, clerk):
    patient = register()
    before = AuditEvent.objects.count()

    def change_that_fails() -> None:
        with transaction.atomic():
            audit.record(clerk, AuditAction.VIEW, patient, patient_id=patient.pk, summary="undone")
            raise RuntimeError("the change failed after its audit row")

    with pytest.raises(RuntimeError):
        change_that_fails()

    assert AuditEvent.objects.count() == before


# --- the audit API --------------------------------------------------------------------------


@pytest.fixture
def trail(client, clock, register, clerk, make_staff, tertiary, township):
    """Two patients at the tertiary hospital over three days, and one at the township."""
    first = register()
    clock.advance(dt.timedelta(days=1))
    doctor = make_staff("doctor", tertiary)
    client.force_login(doctor.user)
    client.get(f"/api/patients/{first.pk}")
    clock.advance(dt.timedelta(days=1))
    second = register(
        name="王芳",
        sex="female",
        birth_date=dt.date(1985, 6, 12),
        phone="13900001111",
        documents=[identity.DocumentInput("resident_id", OTHER_NUMBER)],
    )
    identity.update_patient(first.pk, {"address": "上海"}, actor=clerk)
    township_clerk = actor_for(make_staff("registration", township))
    third = identity.register_patient(
        identity.PatientRegistration(
            name="赵六",
            sex="male",
            birth_date=dt.date(1970, 12, 31),
            phone="13700002222",
            documents=[identity.DocumentInput("resident_id", "320102197012315558")],
        ),
        actor=township_clerk,
    )
    client.logout()
    return {"first": first, "second": second, "third": third, "doctor": doctor}


def test_an_auditor_lists_the_trail_newest_first(client, trail, make_staff, tertiary):
    client.force_login(make_staff("auditor", tertiary).user)

    body = events(client)

    assert body["count"] == 5
    assert [(e["action"], e["patient_id"]) for e in body["items"]] == [
        ("create", trail["third"].pk),
        ("update", trail["first"].pk),
        ("create", trail["second"].pk),
        ("view", trail["first"].pk),
        ("create", trail["first"].pk),
    ]
    view = body["items"][3]
    assert dt.datetime.fromisoformat(view["occurred_at"]) == NOW + dt.timedelta(days=1)
    assert view["actor_label"] == f"{trail['doctor'].user.username} (doctor staff)"
    assert view["ip"] == "127.0.0.1"


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"patient_id": "first"}, [("update", "first"), ("view", "first"), ("create", "first")]),
        ({"action": "create"}, [("create", "third"), ("create", "second"), ("create", "first")]),
        ({"action": "view", "patient_id": "second"}, []),
        ({"date_from": "2026-11-24", "date_to": "2026-11-24"}, [("view", "first")]),
        (
            {"date_from": "2026-11-25"},
            [("create", "third"), ("update", "first"), ("create", "second")],
        ),
        ({"date_to": "2026-11-23"}, [("create", "first")]),
        ({"actor": "doctor"}, [("view", "first")]),
        ({"actor": "DOCTOR", "action": "create"}, []),
    ],
)
def test_an_auditor_filters_the_trail(client, trail, make_staff, tertiary, filters, expected):
    client.force_login(make_staff("auditor", tertiary).user)
    if "patient_id" in filters:
        filters = filters | {"patient_id": trail[filters["patient_id"]].pk}

    body = events(client, **filters)

    assert [(e["action"], e["patient_id"]) for e in body["items"]] == [
        (action, trail[key].pk) for action, key in expected
    ]


def test_a_township_auditor_does_not_see_the_tertiary_hospitals_trail(
    client, trail, make_staff, township
):
    client.force_login(make_staff("auditor", township).user)

    body = events(client)

    assert [(e["action"], e["patient_id"]) for e in body["items"]] == [
        ("create", trail["third"].pk)
    ]
    assert events(client, patient_id=trail["first"].pk)["items"] == []


@pytest.mark.parametrize("role", ["doctor", "registration", "quality", "sysadmin"])
def test_only_auditors_may_read_the_trail(client, trail, make_staff, tertiary, role):
    client.force_login(make_staff(role, tertiary).user)

    response = client.get("/api/audit/events")

    assert response.status_code == 403
    assert response["Content-Type"] == "application/problem+json"
    assert "items" not in response.json()


def test_anonymous_callers_cannot_read_the_trail(client, trail):
    assert client.get("/api/audit/events").status_code == 401


def test_a_malformed_date_filter_is_a_422(client, trail, make_staff, tertiary):
    client.force_login(make_staff("auditor", tertiary).user)

    response = client.get("/api/audit/events", {"date_from": "24/11/2026"})

    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["date_from"]


def test_what_patients_do_on_their_phones_reaches_the_auditors_of_their_institutions(
    client, clock, clerk, make_staff, tertiary, township
):
    account = MobileAccount.objects.create(phone="13912345678", created_at=NOW)
    patient_actor = Actor(kind=ActorKind.PATIENT, label="139****5678", account_id=account.pk)
    patient = identity.register_patient(
        identity.PatientRegistration(
            name="李娜",
            sex="female",
            birth_date=dt.date(1985, 6, 12),
            phone="13912345678",
            documents=[identity.DocumentInput("resident_id", OTHER_NUMBER)],
        ),
        actor=patient_actor,
    )
    identity.affiliate_by_document(identity.DocumentInput("resident_id", OTHER_NUMBER), actor=clerk)

    client.force_login(make_staff("auditor", tertiary).user)
    seen = [(e["actor_kind"], e["action"]) for e in events(client, patient_id=patient.pk)["items"]]
    assert seen == [("staff", "grant"), ("patient", "create")]

    client.force_login(make_staff("auditor", township).user)
    assert events(client, patient_id=patient.pk)["items"] == []


@pytest.mark.parametrize(
    ("forwarded", "remote", "recorded"),
    [
        ("203.0.113.9, 10.0.0.1", "10.0.0.1", "203.0.113.9"),
        ("unknown", "10.0.0.1", "10.0.0.1"),
        ("", "2001:db8::1", "2001:db8::1"),
        # A client behind the proxy writes its own header: the proxy appends the real address,
        # and the walk stops there, never reaching the forged hop.
        ("198.51.100.1, 203.0.113.9", "10.0.0.1", "203.0.113.9"),
        # Straight from the internet (not through the proxy): the header is not believed.
        ("198.51.100.1", "203.0.113.50", "203.0.113.50"),
    ],
)
def test_a_view_records_where_the_request_came_from(
    client, register, make_staff, tertiary, settings, forwarded, remote, recorded
):
    settings.ONETRIP_TRUSTED_PROXIES = ["10.0.0.1"]
    patient = register()
    client.force_login(make_staff("doctor", tertiary).user)

    client.get(f"/api/patients/{patient.pk}", HTTP_X_FORWARDED_FOR=forwarded, REMOTE_ADDR=remote)

    assert AuditEvent.objects.get(action="view").ip == recorded


def test_without_configured_proxies_a_forwarded_header_is_not_believed(
    client, register, make_staff, tertiary
):
    """The default (ONETRIP_TRUSTED_PROXIES empty): anyone can write X-Forwarded-For, so the
    audit trail records the address the connection really came from (issue 12 item 8)."""
    patient = register()
    client.force_login(make_staff("doctor", tertiary).user)

    client.get(
        f"/api/patients/{patient.pk}", HTTP_X_FORWARDED_FOR="198.51.100.1", REMOTE_ADDR="192.0.2.7"
    )

    assert AuditEvent.objects.get(action="view").ip == "192.0.2.7"
