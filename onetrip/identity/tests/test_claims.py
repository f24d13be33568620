"""A patient's own record registered at a window, and nobody else's (issue 12, item 2; D56).

A patient sees nothing of a record outside their own: registration answers the same whether the
document is new or on file, and a record on file joins an account only with proof of ownership,
a code sent to the phone on file (or, signing in with that very number, the sign-in code).
"""

import datetime as dt
import re

import pytest

from onetrip.core.models import AuditAction, AuditEvent
from onetrip.identity import services as identity
from onetrip.identity.models import Patient, ProxyGrant
from onetrip.notifications.testing import delivered

pytestmark = pytest.mark.django_db

WINDOW_PHONE = "13812345678"  # the phone on file, given at the registration window
APP_PHONE = "13900001111"  # the phone she signs in with
RESIDENT_ID = "110101199003074477"
SIX_DIGITS = re.compile(r"(?<!\d)(\d{6})(?!\d)")


def sign_in(client, phone: str) -> None:
    client.post("/api/me/sign-in-code", {"phone": phone}, content_type="application/json")
    body = delivered().filter(phone=phone, purpose="sign_in_code").latest("id").body
    code = SIX_DIGITS.search(body).group(1)
    response = client.post(
        "/api/me/session", {"phone": phone, "code": code}, content_type="application/json"
    )
    assert response.status_code == 200


def registration(**overrides) -> dict:
    body = {
        "name": "张伟",
        "sex": "male",
        "birth_date": "1990-03-07",
        "phone": APP_PHONE,
        "documents": [{"doc_type": "resident_id", "number": RESIDENT_ID}],
    }
    return body | overrides


def claim(**overrides) -> dict:
    body = {
        "doc_type": "resident_id",
        "number": RESIDENT_ID,
        "name": "张伟",
        "birth_date": "1990-03-07",
    }
    return body | overrides


def my_patients(client) -> list[int]:
    return [p["id"] for p in client.get("/api/me/patients").json()]


def test_registering_answers_alike_for_a_document_on_file_and_a_new_one(client, clock, register):
    register(phone=WINDOW_PHONE)
    sign_in(client, APP_PHONE)

    on_file = client.post("/api/me/patients", registration(), content_type="application/json")
    new = client.post(
        "/api/me/patients",
        registration(
            name="李娜",
            sex="female",
            documents=[{"doc_type": "resident_id", "number": "110101199003074469"}],
        ),
        content_type="application/json",
    )

    assert (on_file.status_code, on_file.json()) == (new.status_code, new.json())
    assert on_file.status_code == 202
    assert "138****5678" not in on_file.content.decode()
    assert "duplicate" not in on_file.content.decode()
    # Only the new record is hers; the one on file waits for the code sent to its phone.
    assert [Patient.objects.get(pk=pk).name for pk in my_patients(client)] == ["李娜"]
    assert delivered().filter(phone=WINDOW_PHONE, purpose="record_claim_code").count() == 1


def test_the_registration_page_shows_nothing_of_another_persons_record(client, clock, register):
    register(phone=WINDOW_PHONE)
    client.post("/p/sign-in", {"phone": APP_PHONE})
    code = SIX_DIGITS.search(delivered().get(phone=APP_PHONE).body).group(1)
    client.post("/p/sign-in", {"phone": APP_PHONE, "code": code})

    response = client.post(
        "/p/register",
        {
            "relationship": "self",
            "name": "张玮",  # a homophone: the old warning listed the record on file
            "sex": "male",
            "birth_date": "1990-03-07",
            "phone": APP_PHONE,
            "doc_type": "e_health_card",
            "doc_number": "E1D10AAC73D0B947060B099128732C969A6EF97A6014BF41B3D19EEF9A4FBB18",
        },
        follow=True,
    )

    page = response.content.decode()
    assert "possible-duplicates" not in page
    for leak in ("张*", "138****5678", "1101**********4477", "1990 年", "1990</"):
        assert leak not in page


def test_a_window_patient_links_her_record_with_the_code_sent_to_the_phone_on_file(
    client, clock, register
):
    window_record = register(phone=WINDOW_PHONE)
    sign_in(client, APP_PHONE)
    assert my_patients(client) == []

    answer = client.post("/api/me/claims", claim(), content_type="application/json")

    assert answer.status_code == 202
    assert answer.json()["sent_to"] == "138****5678"
    sms = delivered().get(phone=WINDOW_PHONE, purpose="record_claim_code")
    code = SIX_DIGITS.search(sms.body).group(1)
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    refused = client.post(
        "/api/me/claims/confirm", {"code": wrong}, content_type="application/json"
    )
    assert refused.status_code == 422
    assert my_patients(client) == []

    linked = client.post("/api/me/claims/confirm", {"code": code}, content_type="application/json")

    assert linked.status_code == 200
    assert linked.json()["id"] == window_record.pk
    assert my_patients(client) == [window_record.pk]
    grant = ProxyGrant.objects.get(patient=window_record, revoked_at__isnull=True)
    assert (grant.relationship, grant.basis) == ("self", "own_record")
    trail = AuditEvent.objects.filter(patient_id=window_record.pk, actor_kind="patient")
    assert set(trail.values_list("action", flat=True)) == {AuditAction.SEARCH, AuditAction.GRANT}


def test_a_claim_that_matches_nothing_is_answered_the_same_and_sends_nothing(
    client, clock, register
):
    register(phone=WINDOW_PHONE)
    sign_in(client, APP_PHONE)

    wrong_name = client.post("/api/me/claims", claim(name="张三"), content_type="application/json")
    again = client.post("/api/me/claims", claim(name="张三"), content_type="application/json")
    absent = client.post(
        "/api/me/claims",
        claim(number="110101199003074469", name="李娜", birth_date="1990-03-07"),
        content_type="application/json",
    )

    for response in (wrong_name, again, absent):
        assert response.status_code == 202
        assert re.fullmatch(r"1[3-9]\d\*{4}\d{4}", response.json()["sent_to"])
    # The made-up hint does not change when asked again, so repeating tells nothing.
    assert wrong_name.json() == again.json()
    assert wrong_name.json()["sent_to"] != "138****5678"
    assert not delivered().filter(purpose="record_claim_code").exists()
    for code in ("000000", "123456"):
        response = client.post(
            "/api/me/claims/confirm", {"code": code}, content_type="application/json"
        )
        assert response.status_code == 422
    assert my_patients(client) == []


def test_signing_in_with_the_phone_on_file_brings_the_window_record(client, clock, register):
    window_record = register(phone=WINDOW_PHONE)
    other = register(
        name="李娜",
        sex="female",
        phone="13700002222",
        documents=[identity.DocumentInput("resident_id", "110101199003074469")],
    )

    sign_in(client, WINDOW_PHONE)

    assert my_patients(client) == [window_record.pk]
    assert other.pk not in my_patients(client)
    grant = ProxyGrant.objects.get(patient=window_record)
    assert grant.basis == "phone_on_file"
    assert AuditEvent.objects.filter(
        patient_id=window_record.pk, action=AuditAction.GRANT, actor_kind="patient"
    ).exists()


def test_a_record_given_up_is_not_linked_again_at_the_next_sign_in(client, clock, register):
    window_record = register(phone=WINDOW_PHONE)
    sign_in(client, WINDOW_PHONE)
    grant = ProxyGrant.objects.get(patient=window_record)
    assert client.delete(f"/api/me/proxies/{grant.pk}").status_code == 204

    clock.advance(dt.timedelta(minutes=2))
    client.delete("/api/me/session")
    sign_in(client, WINDOW_PHONE)

    assert my_patients(client) == []


def test_claims_are_limited_per_account_per_day(client, clock, register):
    register(phone=WINDOW_PHONE)
    sign_in(client, APP_PHONE)

    answers = [
        client.post("/api/me/claims", claim(name=f"张{n}"), content_type="application/json")
        for n in range(6)
    ]

    assert [a.status_code for a in answers] == [202] * 5 + [429]
    assert int(answers[-1]["Retry-After"]) > 0


def test_claim_pages_link_the_record_on_a_phone(client, clock, register):
    window_record = register(phone=WINDOW_PHONE)
    client.post("/p/sign-in", {"phone": APP_PHONE})
    code = SIX_DIGITS.search(delivered().get(phone=APP_PHONE).body).group(1)
    client.post("/p/sign-in", {"phone": APP_PHONE, "code": code})
    home = client.get("/p/").content.decode()
    assert 'href="/p/claim"' in home

    step_one = client.post(
        "/p/claim",
        {
            "relationship": "self",
            "doc_type": "resident_id",
            "doc_number": RESIDENT_ID,
            "name": "张伟",
            "birth_date": "1990-03-07",
        },
        follow=True,
    )
    assert "138****5678" in step_one.content.decode()
    sms = delivered().get(phone=WINDOW_PHONE, purpose="record_claim_code")
    code = SIX_DIGITS.search(sms.body).group(1)

    done = client.post("/p/claim/code", {"code": code}, follow=True)

    assert done.redirect_chain[-1][0] == "/p/"
    assert window_record.pk in {
        int(n) for n in re.findall(r'data-patient-id="(\d+)"', done.content.decode())
    }
