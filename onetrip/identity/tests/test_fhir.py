"""FHIR R4 Patient read and search at /fhir/Patient, validated with fhir.resources R4B models."""

from __future__ import annotations

import datetime as dt

import pytest
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.operationoutcome import OperationOutcome
from fhir.resources.R4B.patient import Patient as FhirPatient

from onetrip.core.fhir_http import FHIR_CONTENT_TYPE
from onetrip.core.models import AuditEvent
from onetrip.identity import services as identity
from onetrip.identity.fhir import (
    E_HEALTH_CARD_SYSTEM,
    RESIDENT_ID_SYSTEM,
    human_name,
    identifier_system,
)

ID_NUMBER = "110101199003074477"
MASKED_ID_NUMBER = "1101**********4477"
PHONE = "13812345678"
MASKED_PHONE = "138****5678"


def citizen_id(first_17: str) -> str:
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    total = sum(int(d) * w for d, w in zip(first_17, weights, strict=True))
    return first_17 + "10X98765432"[total % 11]


ADULT_GUARDIAN_ID = citizen_id("11010519850612123")


def login(client, make_staff, role, institution):
    client.force_login(make_staff(role, institution).user)
    return client


def read(client, patient_id):
    return client.get(f"/fhir/Patient/{patient_id}")


def search(client, **params):
    return client.get("/fhir/Patient", params)


def assert_fhir(response, status):
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith(FHIR_CONTENT_TYPE)
    return response.json()


def assert_outcome(response, status, issue_code):
    body = assert_fhir(response, status)
    OperationOutcome.model_validate(body)
    assert body["issue"][0]["code"] == issue_code
    return body


# --- read -----------------------------------------------------------------------------------


def test_read_returns_a_valid_r4_patient(client, make_staff, tertiary, register):
    patient = register(address="北京市东城区东华门街道1号")
    login(client, make_staff, "registration", tertiary)

    body = assert_fhir(read(client, patient.pk), 200)

    FhirPatient.model_validate(body)
    assert body["resourceType"] == "Patient"
    assert body["id"] == str(patient.pk)
    assert body["meta"]["lastUpdated"]
    assert "security" not in body["meta"]
    assert body["identifier"] == [
        {
            "use": "official",
            "type": {
                "coding": [
                    {
                        "system": "urn:oid:2.16.156.10011.2.3.1.1",
                        "code": "01",
                        "display": "居民身份证",
                    }
                ],
                "text": body["identifier"][0]["type"]["text"],
            },
            "system": RESIDENT_ID_SYSTEM,
            "value": ID_NUMBER,
        }
    ]
    assert body["name"] == [{"use": "official", "text": "张伟", "family": "张", "given": ["伟"]}]
    assert body["gender"] == "male"
    assert body["birthDate"] == "1990-03-07"
    assert body["telecom"] == [{"system": "phone", "value": PHONE, "use": "mobile"}]
    assert body["address"] == [{"text": "北京市东城区东华门街道1号"}]
    assert "contact" not in body


def test_doctor_sees_masked_identifiers_and_phone(client, make_staff, tertiary, register):
    patient = register()
    login(client, make_staff, "doctor", tertiary)

    body = assert_fhir(read(client, patient.pk), 200)

    FhirPatient.model_validate(body)
    assert [i["value"] for i in body["identifier"]] == [MASKED_ID_NUMBER]
    assert body["telecom"][0]["value"] == MASKED_PHONE
    assert body["meta"]["security"][0]["code"] == "MASKED"
    assert ID_NUMBER not in read(client, patient.pk).content.decode()


def test_read_writes_a_view_audit_row(client, make_staff, tertiary, register):
    patient = register()
    doctor = make_staff("doctor", tertiary)
    client.force_login(doctor.user)

    assert_fhir(read(client, patient.pk), 200)

    event = AuditEvent.objects.get(action="view", patient_id=patient.pk)
    assert event.actor_user == doctor.user
    assert event.channel == "api"


def test_other_document_types_get_their_own_systems(client, make_staff, tertiary, register):
    e_health_id = "AB" * 32
    patient = register(
        documents=[
            identity.DocumentInput("resident_id", ID_NUMBER),
            identity.DocumentInput("e_health_card", e_health_id.lower()),
            identity.DocumentInput("passport", "E12345678", "CHN"),
        ]
    )
    login(client, make_staff, "registration", tertiary)

    body = assert_fhir(read(client, patient.pk), 200)

    FhirPatient.model_validate(body)
    by_system = {i["system"]: i for i in body["identifier"]}
    assert by_system[E_HEALTH_CARD_SYSTEM]["value"] == e_health_id
    assert by_system[E_HEALTH_CARD_SYSTEM]["type"]["coding"][0]["code"] == "99"
    passport = by_system["https://onetrip.example/fhir/sid/passport"]
    assert passport["value"] == "E12345678"
    assert passport["type"]["coding"][0]["code"] == "03"
    assert passport["assigner"] == {"display": "CHN"}
    assert identifier_system("passport") == "https://onetrip.example/fhir/sid/passport"


def test_minor_under_guardian_document_has_a_contact_not_an_identifier(
    client, clock, make_staff, tertiary, register
):
    minor = register(
        name="欧阳娜娜",
        sex="female",
        birth_date=dt.date(2022, 5, 1),
        phone="13900001111",
        documents=[],
        guardian=identity.GuardianInput("resident_id", ADULT_GUARDIAN_ID, "parent"),
    )
    login(client, make_staff, "doctor", tertiary)

    body = assert_fhir(read(client, minor.pk), 200)

    FhirPatient.model_validate(body)
    assert "identifier" not in body
    assert body["name"][0]["family"] == "欧阳"
    assert body["name"][0]["given"] == ["娜娜"]
    [contact] = body["contact"]
    assert contact["relationship"][0]["coding"][0]["code"] == "PRN"
    [extension] = contact["extension"]
    guardian_identifier = extension["valueIdentifier"]
    assert guardian_identifier["use"] == "secondary"
    assert guardian_identifier["system"] == RESIDENT_ID_SYSTEM
    assert guardian_identifier["value"] == ADULT_GUARDIAN_ID[:4] + "*" * 10 + ADULT_GUARDIAN_ID[-4:]

    # The guardian's document is not the minor's identifier, so it does not find the minor.
    bundle = assert_fhir(search(client, identifier=ADULT_GUARDIAN_ID), 200)
    assert bundle["total"] == 0


def test_unknown_and_malformed_ids_are_404(client, make_staff, tertiary, register):
    patient = register()
    login(client, make_staff, "doctor", tertiary)

    assert_outcome(read(client, patient.pk + 1000), 404, "not-found")
    assert_outcome(read(client, "abc"), 404, "not-found")
    assert_outcome(read(client, "9" * 40), 404, "not-found")


# --- search ---------------------------------------------------------------------------------


def assert_single_match(body, patient):
    Bundle.model_validate(body)
    assert body["type"] == "searchset"
    assert body["total"] == 1
    [entry] = body["entry"]
    assert entry["search"] == {"mode": "match"}
    assert entry["resource"]["id"] == str(patient.pk)
    assert entry["fullUrl"] == f"http://testserver/fhir/Patient/{patient.pk}"
    return entry["resource"]


@pytest.mark.parametrize(
    "identifier",
    [
        f"{RESIDENT_ID_SYSTEM}|{ID_NUMBER}",
        ID_NUMBER,
        ID_NUMBER[:6] + " " + ID_NUMBER[6:],  # spaces are ignored
        f"{RESIDENT_ID_SYSTEM}|110101900307447",  # the old 15-digit form of the same number
    ],
)
def test_search_by_identifier(client, make_staff, tertiary, register, identifier):
    patient = register()
    login(client, make_staff, "registration", tertiary)

    body = assert_fhir(search(client, identifier=identifier), 200)

    resource = assert_single_match(body, patient)
    assert resource["identifier"][0]["value"] == ID_NUMBER


def test_search_by_identifier_in_another_system_matches_nothing(
    client, make_staff, tertiary, register
):
    register()
    login(client, make_staff, "registration", tertiary)

    for identifier in (f"{E_HEALTH_CARD_SYSTEM}|{ID_NUMBER}", f"urn:example|{ID_NUMBER}"):
        body = assert_fhir(search(client, identifier=identifier), 200)
        Bundle.model_validate(body)
        assert body["total"] == 0
        assert "entry" not in body


def test_search_by_name_prefix(client, make_staff, tertiary, register):
    patient = register()
    register(
        name="李娜",
        sex="female",
        birth_date=dt.date(1985, 6, 12),
        phone="13900002222",
        documents=[identity.DocumentInput("resident_id", citizen_id("11010519850612124"))],
    )
    login(client, make_staff, "doctor", tertiary)

    body = assert_fhir(search(client, name="张"), 200)

    resource = assert_single_match(body, patient)
    assert resource["identifier"][0]["value"] == MASKED_ID_NUMBER
    assert resource["telecom"][0]["value"] == MASKED_PHONE
    assert ID_NUMBER not in str(body)


def test_search_by_name_and_identifier_must_both_match(client, make_staff, tertiary, register):
    patient = register()
    login(client, make_staff, "doctor", tertiary)

    assert_single_match(
        assert_fhir(search(client, name="张伟", identifier=ID_NUMBER), 200), patient
    )
    assert assert_fhir(search(client, name="李", identifier=ID_NUMBER), 200)["total"] == 0


def test_search_writes_one_audit_row_without_the_raw_identifier(
    client, make_staff, tertiary, register
):
    register()
    login(client, make_staff, "doctor", tertiary)

    assert_fhir(search(client, identifier=f"{RESIDENT_ID_SYSTEM}|{ID_NUMBER}"), 200)

    [event] = AuditEvent.objects.filter(action="search")
    assert event.channel == "api"
    assert "1 found" in event.summary
    assert ID_NUMBER not in str(event.changes)
    assert event.changes["identifier"] == [[f"{RESIDENT_ID_SYSTEM}|{MASKED_ID_NUMBER}"]]


def test_search_without_parameters_is_400(client, make_staff, tertiary):
    login(client, make_staff, "doctor", tertiary)

    assert_outcome(search(client), 400, "invalid")
    assert_outcome(search(client, _count="5"), 400, "invalid")
    assert_outcome(search(client, identifier=""), 400, "invalid")
    assert_outcome(search(client, birthdate="1990-03-07"), 400, "invalid")
    assert_outcome(search(client, **{"name:contains": "张"}), 400, "invalid")
    assert_outcome(search(client, name="张\x00"), 400, "invalid")
    assert_outcome(search(client, name="张", _count="many"), 400, "invalid")
    assert not AuditEvent.objects.filter(action="search").exists()


# --- scope and authentication ---------------------------------------------------------------


def test_other_institution_cannot_read_or_find_the_patient(client, make_staff, township, register):
    patient = register()
    login(client, make_staff, "doctor", township)

    assert_outcome(read(client, patient.pk), 404, "not-found")
    body = assert_fhir(search(client, identifier=ID_NUMBER), 200)
    Bundle.model_validate(body)
    assert body["total"] == 0
    assert "entry" not in body
    body = assert_fhir(search(client, name="张"), 200)
    assert body["total"] == 0


def test_anonymous_is_401(client, register):
    patient = register()

    assert_outcome(read(client, patient.pk), 401, "login")
    assert_outcome(search(client, name="张"), 401, "login")


def test_staff_without_patient_access_is_403(client, make_staff, tertiary, register):
    patient = register()
    login(client, make_staff, "sysadmin", tertiary)

    assert_outcome(read(client, patient.pk), 403, "forbidden")
    assert_outcome(search(client, name="张"), 403, "forbidden")


def test_writes_are_refused_with_405(client, make_staff, tertiary):
    login(client, make_staff, "registration", tertiary)

    response = client.post("/fhir/Patient", {"name": "张"})

    assert_outcome(response, 405, "not-supported")
    assert response["Allow"] == "GET, HEAD"


# --- mapping --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "family", "given"),
    [
        ("张伟", "张", "伟"),
        ("诸葛亮", "诸葛", "亮"),
        ("司马相如", "司马", "相如"),
        ("欧阳", "欧", "阳"),  # two characters: a single-character surname and a given name
    ],
)
def test_chinese_names_are_split_into_family_and_given(name, family, given):
    assert human_name(name) == {
        "use": "official",
        "text": name,
        "family": family,
        "given": [given],
    }


def test_other_names_keep_only_the_text():
    assert human_name("John Smith") == {"use": "official", "text": "John Smith"}
    assert human_name("阿依古丽·买买提") == {"use": "official", "text": "阿依古丽·买买提"}
