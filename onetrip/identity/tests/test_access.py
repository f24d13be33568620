"""Who may read a patient's record, and how much of it (R-ORG-2, R-ORG-3).

Roles decide whether identifiers are shown in full or masked; the institution decides which
patients are in scope at all. A record leaves its institution only when the patient presents a
document at another window, or the referral office shares it.
"""

import re

import pytest

from onetrip.conftest import actor_for
from onetrip.core.errors import InvalidInput, NotFound, PermissionDenied
from onetrip.core.models import AuditEvent
from onetrip.identity import services as identity
from onetrip.identity.models import AffiliationReason, PatientAffiliation
from onetrip.identity.presenters import present_patient
from onetrip.notifications.testing import delivered

FULL_NUMBER = "110101199003074477"
MASKED_NUMBER = "1101**********4477"
FULL_PHONE = "13812345678"
MASKED_PHONE = "138****5678"


@pytest.fixture
def patient(clock, register):
    return register()


def shown(patient, actor) -> tuple[str, str, bool]:
    presented = present_patient(patient, actor=actor)
    (document,) = presented["documents"]
    return document["number"], presented["phone"], presented["identifiers_masked"]


def api_shown(response) -> tuple[str, str, bool]:
    body = response.json()
    (document,) = body["documents"]
    return document["number"], body["phone"], body["identifiers_masked"]


# --- masking by role ------------------------------------------------------------------------


def test_a_doctor_sees_masked_identifiers(patient, make_staff, tertiary):
    doctor = actor_for(make_staff("doctor", tertiary))

    assert shown(patient, doctor) == (MASKED_NUMBER, MASKED_PHONE, True)


def test_the_registration_window_sees_full_identifiers(patient, clerk):
    assert shown(patient, clerk) == (FULL_NUMBER, FULL_PHONE, False)


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("registration", (FULL_NUMBER, FULL_PHONE, False)),
        ("finance", (FULL_NUMBER, FULL_PHONE, False)),
        ("doctor", (MASKED_NUMBER, MASKED_PHONE, True)),
        ("nurse", (MASKED_NUMBER, MASKED_PHONE, True)),
        ("auditor", (MASKED_NUMBER, MASKED_PHONE, True)),
    ],
)
def test_the_api_masks_identifiers_by_role(client, patient, make_staff, tertiary, role, expected):
    client.force_login(make_staff(role, tertiary).user)

    response = client.get(f"/api/patients/{patient.pk}")

    assert response.status_code == 200
    assert api_shown(response) == expected
    if expected[2]:
        assert FULL_NUMBER not in response.content.decode()
        assert FULL_PHONE not in response.content.decode()


def test_search_results_are_masked_for_a_doctor(client, patient, make_staff, tertiary):
    client.force_login(make_staff("doctor", tertiary).user)

    response = client.get("/api/patients", {"q": FULL_NUMBER})

    assert response.status_code == 200
    (found,) = response.json()
    assert (found["id"], found["phone"], found["documents"][0]["number"]) == (
        patient.pk,
        MASKED_PHONE,
        MASKED_NUMBER,
    )


# --- scope by institution -------------------------------------------------------------------


def test_a_township_doctor_cannot_see_the_tertiary_hospitals_patient(
    client, patient, make_staff, township
):
    profile = make_staff("doctor", township)
    doctor = actor_for(profile)
    client.force_login(profile.user)

    with pytest.raises(NotFound):
        identity.view_patient(patient.pk, actor=doctor)
    assert identity.search_patients(FULL_NUMBER, actor=doctor) == []
    assert client.get(f"/api/patients/{patient.pk}").status_code == 404
    response = client.get("/api/patients", {"q": "张伟"})
    assert (response.status_code, response.json()) == (200, [])
    assert not AuditEvent.objects.filter(action="view").exists()


def test_an_unknown_patient_and_another_institutions_patient_look_the_same(
    client, patient, make_staff, township
):
    client.force_login(make_staff("doctor", township).user)

    other = client.get(f"/api/patients/{patient.pk}")
    absent = client.get(f"/api/patients/{patient.pk + 1000}")

    assert (other.status_code, other.json()) == (absent.status_code, absent.json())


def test_presenting_a_document_at_the_township_brings_the_record_into_its_scope(
    client, patient, make_staff, township
):
    township_clerk = actor_for(make_staff("registration", township))
    profile = make_staff("doctor", township)
    client.force_login(profile.user)

    found = identity.affiliate_by_document(
        identity.DocumentInput("resident_id", FULL_NUMBER), actor=township_clerk
    )

    assert found == patient
    affiliation = PatientAffiliation.objects.get(patient=patient, institution=township)
    assert affiliation.reason == AffiliationReason.PRESENTED_DOCUMENT
    response = client.get(f"/api/patients/{patient.pk}")
    assert response.status_code == 200
    assert api_shown(response) == (MASKED_NUMBER, MASKED_PHONE, True)
    assert identity.search_patients("张伟", actor=actor_for(profile)) == [patient]


def test_a_masked_or_unknown_document_brings_nothing_into_scope(patient, make_staff, township):
    township_clerk = actor_for(make_staff("registration", township))

    with pytest.raises(InvalidInput) as excinfo:
        identity.affiliate_by_document(
            identity.DocumentInput("resident_id", MASKED_NUMBER), actor=township_clerk
        )
    assert excinfo.value.errors[0].field == "document.number"
    with pytest.raises(NotFound):
        identity.affiliate_by_document(
            identity.DocumentInput("resident_id", "110105198506120026"), actor=township_clerk
        )
    assert not PatientAffiliation.objects.filter(institution=township).exists()


def test_a_township_doctor_cannot_bring_a_record_into_scope(patient, make_staff, township):
    doctor = actor_for(make_staff("doctor", township))

    with pytest.raises(PermissionDenied):
        identity.affiliate_by_document(
            identity.DocumentInput("resident_id", FULL_NUMBER), actor=doctor
        )

    assert not PatientAffiliation.objects.filter(institution=township).exists()


def test_the_referral_office_shares_a_record_with_the_township(
    client, patient, make_staff, tertiary, township
):
    profile = make_staff("doctor", township)
    client.force_login(make_staff("referral", tertiary).user)

    response = client.post(
        f"/api/patients/{patient.pk}/shares",
        {"institution_id": township.pk},
        content_type="application/json",
    )

    assert response.status_code == 201
    assert PatientAffiliation.objects.get(patient=patient, institution=township).reason == (
        AffiliationReason.SHARED
    )
    client.force_login(profile.user)
    assert client.get(f"/api/patients/{patient.pk}").status_code == 200


def test_a_doctor_cannot_share_a_record(client, patient, make_staff, tertiary, township):
    client.force_login(make_staff("doctor", tertiary).user)

    response = client.post(
        f"/api/patients/{patient.pk}/shares",
        {"institution_id": township.pk},
        content_type="application/json",
    )

    assert response.status_code == 403
    assert not PatientAffiliation.objects.filter(institution=township).exists()


def test_sharing_with_an_unknown_institution_is_refused(client, patient, make_staff, tertiary):
    client.force_login(make_staff("referral", tertiary).user)
    events = AuditEvent.objects.count()

    response = client.post(
        f"/api/patients/{patient.pk}/shares",
        {"institution_id": 999_999},
        content_type="application/json",
    )

    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["institution_id"]
    assert PatientAffiliation.objects.filter(patient=patient).count() == 1
    assert AuditEvent.objects.count() == events


# --- refusals -------------------------------------------------------------------------------


def test_a_role_without_patient_access_gets_403_and_leaves_no_audit_row(
    client, patient, make_staff, tertiary
):
    client.force_login(make_staff("quality", tertiary).user)
    events = AuditEvent.objects.count()

    viewed = client.get(f"/api/patients/{patient.pk}")
    searched = client.get("/api/patients", {"q": "张伟"})

    assert (viewed.status_code, searched.status_code) == (403, 403)
    assert viewed["Content-Type"] == "application/problem+json"
    assert FULL_PHONE not in viewed.content.decode()
    assert AuditEvent.objects.count() == events


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/api/patients/{id}"),
        ("get", "/api/patients?q=%E5%BC%A0"),
        ("patch", "/api/patients/{id}"),
    ],
)
def test_anonymous_callers_get_401(client, patient, method, path):
    events = AuditEvent.objects.count()

    response = getattr(client, method)(
        path.format(id=patient.pk), {}, content_type="application/json"
    )

    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"
    assert AuditEvent.objects.count() == events


def test_a_patient_session_does_not_open_the_staff_api(client, clock, patient):
    client.post("/api/me/sign-in-code", {"phone": FULL_PHONE}, content_type="application/json")
    code = re.search(r"\d{6}", delivered().get(phone=FULL_PHONE).body).group()
    signed_in = client.post(
        "/api/me/session", {"phone": FULL_PHONE, "code": code}, content_type="application/json"
    )
    assert signed_in.status_code == 200

    assert client.get(f"/api/patients/{patient.pk}").status_code == 401
    assert client.get("/api/audit/events").status_code == 401
