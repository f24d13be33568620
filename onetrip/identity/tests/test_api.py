"""The patients API answers bad input with problem details (R-ID-1).

Every refusal is an RFC 9457 problem (application/problem+json) that names each offending field
with a message in the user's language: Simplified Chinese by default, English on request. Bad
input is a 422 and writes nothing; no input, however strange, produces a 500.
"""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from onetrip.core.models import AuditEvent
from onetrip.identity.models import IdentityDocument, Patient

PROBLEM = "application/problem+json"
PHONE_MESSAGE_EN = "Enter an 11-digit mainland mobile number starting with 1."

VALID = {
    "name": "张伟",
    "sex": "male",
    "birth_date": "1990-03-07",
    "phone": "13812345678",
    "documents": [{"doc_type": "resident_id", "number": "110101199003074477"}],
}


@pytest.fixture
def staff_client(client, clock, clerk):
    client.force_login(clerk.user)
    return client


def written() -> tuple[int, int, int]:
    return Patient.objects.count(), IdentityDocument.objects.count(), AuditEvent.objects.count()


def post(client, payload, **extra):
    return client.post("/api/patients", payload, content_type="application/json", **extra)


def errors_of(response) -> dict[str, str]:
    return {e["field"]: e["message"] for e in response.json()["errors"]}


def test_a_valid_registration_returns_201_with_the_record(staff_client):
    response = post(staff_client, VALID)

    assert response.status_code == 201
    body = response.json()
    assert (body["name"], body["sex"], body["birth_date"], body["phone"]) == (
        "张伟",
        "male",
        "1990-03-07",
        "13812345678",
    )
    assert body["documents"][0]["number"] == "110101199003074477"
    assert Patient.objects.get().pk == body["id"]


def test_invalid_input_is_a_422_problem_naming_every_field(staff_client):
    before = written()

    response = post(
        staff_client,
        VALID
        | {
            "phone": "1381234567",
            "documents": [
                {"doc_type": "resident_id", "number": "110101199003074478"},
                {"doc_type": "driving_licence", "number": "X1"},
            ],
        },
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert response.status_code == 422
    assert response["Content-Type"] == PROBLEM
    body = response.json()
    assert (body["status"], body["title"]) == (422, "The request has invalid fields.")
    assert {(e["field"], e["code"]) for e in body["errors"]} == {
        ("phone", "format"),
        ("documents.0.number", "checksum"),
        ("documents.1.doc_type", "unknown_type"),
    }
    assert written() == before


def test_messages_are_in_english_on_request(staff_client):
    response = post(staff_client, VALID | {"phone": "1381234567"}, HTTP_ACCEPT_LANGUAGE="en")

    assert errors_of(response) == {"phone": PHONE_MESSAGE_EN}


def test_messages_are_in_chinese_by_default(staff_client):
    response = post(staff_client, VALID | {"phone": "1381234567"})

    message = errors_of(response)["phone"]
    assert message != PHONE_MESSAGE_EN
    assert any("\u4e00" <= ch <= "\u9fff" for ch in message)


def test_a_sex_mismatch_through_the_api_names_sex(staff_client):
    before = written()

    response = post(staff_client, VALID | {"sex": "female"})

    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["sex"]
    assert written() == before


def test_a_duplicate_document_through_the_api_is_a_422(staff_client):
    assert post(staff_client, VALID).status_code == 201
    before = written()

    response = post(staff_client, VALID | {"name": "李伟"})

    assert response.status_code == 422
    assert [(e["field"], e["code"]) for e in response.json()["errors"]] == [
        ("documents.0.number", "duplicate")
    ]
    assert written() == before


@pytest.mark.parametrize(
    "body",
    [
        b'{"name": "\xe5\xbc\xa0\xe4\xbc\x9f", "sex": ',
        b"not json at all",
        b"{'name': 'single quotes'}",
        b"\xff\xfe\x00garbage",
    ],
)
def test_a_malformed_json_body_is_a_422_not_a_500(staff_client, body):
    before = written()

    response = staff_client.post(
        "/api/patients", body, content_type="application/json", HTTP_ACCEPT_LANGUAGE="en"
    )

    assert response.status_code == 422
    assert response["Content-Type"] == PROBLEM
    assert response.json()["errors"] == [
        {
            "field": "body",
            "message": "The request body is not valid JSON.",
            "code": "json_invalid",
        }
    ]
    assert written() == before


@pytest.mark.parametrize("body", ["[]", '"text"', "42", "null"])
def test_a_json_body_that_is_not_an_object_is_a_422(staff_client, body):
    response = staff_client.post("/api/patients", body, content_type="application/json")

    assert response.status_code == 422
    assert response["Content-Type"] == PROBLEM


@pytest.mark.parametrize("birth_date", ["07/03/1990", "1990-3-7x", "1990-02-30", "yesterday"])
def test_a_wrong_date_format_is_a_422_naming_birth_date(staff_client, birth_date):
    before = written()

    response = post(staff_client, VALID | {"birth_date": birth_date}, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 422
    assert errors_of(response) == {"birth_date": "Enter a date as YYYY-MM-DD."}
    assert written() == before


def test_a_missing_field_is_a_422_naming_it(staff_client):
    payload = {key: value for key, value in VALID.items() if key != "name"}

    response = post(staff_client, payload, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 422
    assert errors_of(response) == {"name": "This field is required."}


def test_a_wrong_type_inside_a_document_names_its_position(staff_client):
    response = post(staff_client, VALID | {"documents": [{"doc_type": "resident_id", "number": 1}]})

    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["documents.0.number"]


def test_a_bad_query_parameter_is_a_422_problem(staff_client):
    response = staff_client.get("/api/patients/not-a-number")

    assert response.status_code == 422
    assert response["Content-Type"] == PROBLEM
    assert [e["field"] for e in response.json()["errors"]] == ["patient_id"]


def test_an_empty_search_is_a_422_naming_q(staff_client):
    response = staff_client.get("/api/patients", {"q": "   "})

    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["q"]


def test_a_refused_change_is_a_422_and_changes_nothing(staff_client, register):
    patient = register()
    before = written()

    response = staff_client.patch(
        f"/api/patients/{patient.pk}", {"phone": "138"}, content_type="application/json"
    )

    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["phone"]
    patient.refresh_from_db()
    assert patient.phone == "13812345678"
    assert written() == before


@pytest.mark.parametrize(
    ("name", "address", "field"),
    [
        ("张\u0000伟", "", "name"),
        ("\ud800", "", "name"),
        ("张伟", "北京\u0000", "address"),
        ("张伟", "\udfff", "address"),
    ],
)
def test_characters_that_cannot_be_stored_are_a_422_not_a_500(staff_client, name, address, field):
    before = written()

    response = post(staff_client, VALID | {"name": name, "address": address})

    assert response.status_code == 422
    assert [(e["field"], e["code"]) for e in response.json()["errors"]] == [(field, "invalid")]
    assert written() == before


def test_a_multi_line_address_is_kept(staff_client):
    response = post(staff_client, VALID | {"address": "北京市东城区\n东华门街道 1 号"})

    assert response.status_code == 201
    assert Patient.objects.get().address == "北京市东城区\n东华门街道 1 号"


@pytest.mark.parametrize(
    ("change", "field"), [({"name": "\ud800"}, "name"), ({"address": "a\u0000"}, "address")]
)
def test_a_change_with_characters_that_cannot_be_stored_is_a_422(
    staff_client, register, change, field
):
    patient = register()
    before = written()

    response = staff_client.patch(
        f"/api/patients/{patient.pk}", change, content_type="application/json"
    )

    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == [field]
    patient.refresh_from_db()
    assert (patient.name, patient.address) == ("张伟", "")
    assert written() == before


# --- fuzzing --------------------------------------------------------------------------------

# Any code point, lone surrogates included: JSON can carry them as "\ud800" escapes.
ANY_TEXT = st.text(st.characters(exclude_categories=()), max_size=40)


def text_or(value: str) -> st.SearchStrategy[str]:
    return st.one_of(st.just(value), ANY_TEXT)


FUZZED_PAYLOADS = st.fixed_dictionaries(
    {
        "name": text_or(VALID["name"]),
        "sex": text_or("male"),
        "birth_date": text_or("1990-03-07"),
        "phone": text_or("13812345678"),
        "address": ANY_TEXT,
        "relationship": text_or("self"),
        "documents": st.lists(
            st.fixed_dictionaries(
                {
                    "doc_type": text_or("resident_id"),
                    "number": text_or("110101199003074477"),
                    "issuing_country": text_or(""),
                }
            ),
            max_size=2,
        ),
        "guardian": st.one_of(
            st.none(),
            st.fixed_dictionaries(
                {
                    "doc_type": text_or("resident_id"),
                    "number": text_or("110105198506120026"),
                    "relationship": text_or("parent"),
                }
            ),
        ),
    }
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(payload=FUZZED_PAYLOADS)
def test_no_registration_payload_produces_a_500(staff_client, payload):
    response = post(staff_client, payload)

    assert response.status_code in (201, 422), response.content
    expected = "application/json" if response.status_code == 201 else PROBLEM
    assert response["Content-Type"].split(";")[0] == expected
