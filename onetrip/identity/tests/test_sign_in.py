"""Patient sign-in with a one-time SMS code (R-ID-1).

A six-digit code goes to the mobile number through the SMS adapter (in the sandbox the outbox row
is the phone). It signs in once, within five minutes, and five wrong guesses lock it; a new code
can be asked for after a minute.
"""

import datetime as dt
import re

import pytest

from onetrip.conftest import NOW
from onetrip.core.errors import InvalidInput
from onetrip.identity import services as identity
from onetrip.identity.models import MobileAccount, OneTimeCode
from onetrip.notifications.models import NotificationStatus, SandboxMessage
from onetrip.notifications.testing import delivered

PHONE = "13812345678"
SIX_DIGITS = re.compile(r"(?<!\d)(\d{6})(?!\d)")

pytestmark = pytest.mark.django_db


@pytest.fixture
def send_code(clock, django_capture_on_commit_callbacks):
    """Ask for a code and return it as the patient reads it from their phone."""

    def send(phone: str = PHONE) -> str:
        with django_capture_on_commit_callbacks(execute=True):
            identity.request_sign_in_code(phone)
        return SIX_DIGITS.search(delivered().latest("id").body).group(1)

    return send


def refused(phone: str, code: str) -> str:
    with pytest.raises(InvalidInput) as excinfo:
        identity.sign_in_with_code(phone, code)
    (error,) = excinfo.value.errors
    return f"{error.field}:{error.code}"


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 10**6:06d}"


def test_a_code_is_sent_through_the_sms_sandbox(send_code):
    code = send_code()

    (message,) = delivered()
    assert (message.phone, message.purpose, message.status) == (
        PHONE,
        "sign_in_code",
        NotificationStatus.SENT,
    )
    assert (message.created_at, message.sent_at, message.channels) == (NOW, NOW, ["sms"])
    assert SandboxMessage.objects.get(channel="sms", address=PHONE).body == message.body
    assert SIX_DIGITS.findall(message.body) == [code]
    stored = OneTimeCode.objects.get(phone=PHONE)
    assert code not in stored.code_hash
    assert stored.expires_at == NOW + dt.timedelta(minutes=5)


def test_a_code_signs_in_once(send_code):
    code = send_code()

    account = identity.sign_in_with_code(PHONE, f" {code} ")

    assert (account.phone, account.last_sign_in_at) == (PHONE, NOW)
    assert MobileAccount.objects.get() == account
    assert refused(PHONE, code) == "code:wrong_code"


def test_a_returning_patient_signs_in_to_the_same_account(send_code, clock):
    first = identity.sign_in_with_code(PHONE, send_code())
    clock.advance(dt.timedelta(minutes=10))

    again = identity.sign_in_with_code(PHONE, send_code())

    assert again == first
    assert MobileAccount.objects.get().last_sign_in_at == NOW + dt.timedelta(minutes=10)


def test_a_code_works_only_for_the_phone_it_was_sent_to(send_code):
    code = send_code()

    assert refused("13900001111", code) == "code:wrong_code"
    assert not MobileAccount.objects.exists()


def test_five_wrong_codes_lock_the_code(send_code):
    code = send_code()

    for _attempt in range(5):
        assert refused(PHONE, wrong(code)) == "code:wrong_code"

    assert refused(PHONE, code) == "code:wrong_code"
    assert OneTimeCode.objects.get().attempts == 5
    assert not MobileAccount.objects.exists()


def test_four_wrong_codes_still_leave_the_right_one_usable(send_code):
    code = send_code()
    for _attempt in range(4):
        refused(PHONE, wrong(code))

    assert identity.sign_in_with_code(PHONE, code).phone == PHONE


def test_a_code_expires_after_five_minutes(send_code, clock):
    code = send_code()

    clock.advance(dt.timedelta(minutes=5))

    assert refused(PHONE, code) == "code:wrong_code"
    assert not MobileAccount.objects.exists()


def test_a_code_is_still_good_just_before_five_minutes(send_code, clock):
    code = send_code()

    clock.advance(dt.timedelta(minutes=4, seconds=59))

    assert identity.sign_in_with_code(PHONE, code).phone == PHONE


def test_a_new_code_within_a_minute_is_refused(send_code, clock):
    send_code()
    clock.advance(dt.timedelta(seconds=59))

    with pytest.raises(InvalidInput) as excinfo:
        send_code()

    assert [(e.field, e.code) for e in excinfo.value.errors] == [("phone", "too_soon")]
    assert delivered().count() == 1
    assert OneTimeCode.objects.count() == 1


def test_a_new_code_after_a_minute_leaves_the_earlier_one_valid(send_code, clock):
    """A stranger asking for a code to someone's number must not void the code that person is
    typing (issue 12, item 4): every unexpired code works, and the first one used ends them all."""
    old = send_code()
    clock.advance(dt.timedelta(seconds=60))

    new = send_code()

    assert delivered().count() == 2
    assert identity.sign_in_with_code(PHONE, old).phone == PHONE
    if old != new:
        assert refused(PHONE, new) == "code:wrong_code"


@pytest.mark.parametrize(
    ("code", "error"),
    [("12345", "code:format"), ("12a456", "code:format"), ("", "code:format")],
)
def test_a_code_that_is_not_six_digits_is_refused_without_counting(send_code, code, error):
    send_code()

    assert refused(PHONE, code) == error
    assert OneTimeCode.objects.get().attempts == 0


@pytest.mark.parametrize("phone", ["1381234567", "23812345678", "138-1234-567a", ""])
def test_a_malformed_phone_is_refused_and_nothing_is_sent(clock, client, phone):
    response = client.post(
        "/api/me/sign-in-code", {"phone": phone}, content_type="application/json"
    )

    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["phone"]
    assert not delivered().exists()
    assert not OneTimeCode.objects.exists()


def test_a_phone_with_country_code_and_separators_is_normalised(send_code):
    code = send_code("+86 138-1234-5678")

    assert identity.sign_in_with_code("13812345678", code).phone == PHONE


# --- through the API ------------------------------------------------------------------------


def test_signing_in_through_the_api(clock, client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        sent = client.post(
            "/api/me/sign-in-code", {"phone": PHONE}, content_type="application/json"
        )
    assert (sent.status_code, sent.json()) == (202, {"sent": True})
    code = SIX_DIGITS.search(delivered().get(phone=PHONE).body).group(1)

    signed_in = client.post(
        "/api/me/session", {"phone": PHONE, "code": code}, content_type="application/json"
    )

    account = MobileAccount.objects.get(phone=PHONE)
    assert (signed_in.status_code, signed_in.json()) == (
        200,
        {"account_id": account.pk, "phone": PHONE},
    )
    assert (client.get("/api/me/patients").status_code, client.get("/api/me/patients").json()) == (
        200,
        [],
    )
    again = client.post(
        "/api/me/session", {"phone": PHONE, "code": code}, content_type="application/json"
    )
    assert again.status_code == 422
    assert [e["field"] for e in again.json()["errors"]] == ["code"]


def test_signing_out_closes_the_patient_api(clock, client):
    client.post("/api/me/sign-in-code", {"phone": PHONE}, content_type="application/json")
    code = SIX_DIGITS.search(delivered().get(phone=PHONE).body).group(1)
    client.post("/api/me/session", {"phone": PHONE, "code": code}, content_type="application/json")

    assert client.delete("/api/me/session").status_code == 204

    assert client.get("/api/me/patients").status_code == 401


def test_the_patient_api_needs_a_signed_in_account(client):
    response = client.get("/api/me/patients")

    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"


def test_a_patient_registers_a_minor_child_through_the_api(clock, client):
    client.post("/api/me/sign-in-code", {"phone": PHONE}, content_type="application/json")
    code = SIX_DIGITS.search(delivered().get(phone=PHONE).body).group(1)
    client.post("/api/me/session", {"phone": PHONE, "code": code}, content_type="application/json")

    response = client.post(
        "/api/me/patients",
        {
            "name": "张小明",
            "sex": "male",
            "birth_date": "2020-05-01",
            "phone": PHONE,
            "guardian": {
                "doc_type": "resident_id",
                "number": "110101199003074477",
                "relationship": "parent",
            },
            "relationship": "parent",
        },
        content_type="application/json",
    )

    # The same answer as for a document on file (issue 12 item 2); the record is in the list.
    assert response.status_code == 202
    (body,) = client.get("/api/me/patients").json()
    assert (body["name"], body["phone"], body["identifiers_masked"]) == (
        "张小明",
        "138****5678",
        True,
    )
    assert body["documents"][0]["number"] == "1101**********4477"
