"""The e-bill on the phone, as PDF with a verification QR code, at the kiosk, through the API,
and in the back office (R-PAY-5)."""

from __future__ import annotations

import pytest

from onetrip.core.actors import SYSTEM
from onetrip.ebills import pdf, services
from onetrip.identity.models import MobileAccount
from onetrip.scheduling.tests.helpers import sign_in_patient

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"


@pytest.fixture
def patient_client(client, account):
    actor, _patient = account
    return sign_in_patient(client, actor.account_id)


def test_the_patient_sees_their_bills_on_the_phone(patient_client, issue):
    bill = issue()

    listing = patient_client.get("/p/ebills/").content.decode()
    page = patient_client.get(f"/p/ebills/{bill.pk}/").content.decode()

    assert f'data-ebill-id="{bill.pk}"' in listing
    assert bill.bill_number in page
    assert bill.check_code in page
    assert "¥360.00" in page
    assert "¥200.00" in page  # the fund's part
    assert "1101**********4477" in page
    assert "110101199003074477" not in page


def test_another_account_cannot_open_the_bill(client, issue):
    bill = issue()
    stranger = MobileAccount.objects.create(phone="13900000000", created_at=bill.issued_at)
    sign_in_patient(client, stranger.pk)

    assert client.get(f"/p/ebills/{bill.pk}/").status_code == 404
    assert client.get(f"/p/ebills/{bill.pk}/pdf").status_code == 404


def test_signed_out_visitors_are_sent_to_sign_in(client, issue):
    bill = issue()

    response = client.get(f"/p/ebills/{bill.pk}/")

    assert response.status_code == 302
    assert response["Location"] == f"/p/sign-in?next=%2Fp%2Febills%2F{bill.pk}%2F"


def test_the_pdf_renders_with_a_qr_code_that_verifies(patient_client, issue, monkeypatch):
    bill = issue()
    encoded = []
    real_matrix = pdf.qr_matrix

    def recording_matrix(text):
        encoded.append(text)
        return real_matrix(text)

    monkeypatch.setattr(pdf, "qr_matrix", recording_matrix)
    response = patient_client.get(f"/p/ebills/{bill.pk}/pdf")

    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert b"STSong-Light" in response.content
    [url] = encoded
    assert url.startswith("http://testserver/ebills/verify/?")
    verification = patient_client.get(url.removeprefix("http://testserver")).content.decode()
    assert "Genuine" in verification
    assert "张*" in verification
    assert "张伟" not in verification
    assert "1101**********4477" not in verification  # nothing beyond the masked name


def test_a_forged_check_code_does_not_verify(client, issue):
    bill = issue()

    page = client.get(
        "/ebills/verify/", {"code": bill.bill_code, "number": bill.bill_number, "check": "zzzzzz"}
    ).content.decode()

    assert "No bill matches" in page


def test_the_red_letter_pdf_names_the_original(issue):
    bill = issue()
    red = services.issue_red_letter(ebill_id=bill.pk, refund_fen=500, reason="退费", actor=SYSTEM)

    content = pdf.render(red, "http://testserver/ebills/verify/")

    assert content.startswith(b"%PDF")


def test_a_refunded_bill_shows_the_refund_and_its_red_letter(patient_client, issue):
    bill = issue()
    red = services.issue_red_letter(ebill_id=bill.pk, refund_fen=500, reason="退费", actor=SYSTEM)

    page = patient_client.get(f"/p/ebills/{bill.pk}/").content.decode()
    red_page = patient_client.get(f"/p/ebills/{red.pk}/").content.decode()

    assert "¥5.00" in page
    assert "Red-letter reversal" in red_page
    assert f"{bill.bill_code}-{bill.bill_number}" in red_page


def test_the_kiosk_page_prints(patient_client, issue):
    bill = issue()

    page = patient_client.get(f"/kiosk/ebills/{bill.pk}/").content.decode()

    # The print button works under the CSP: no inline script, the site's own script handles it.
    assert "data-print" in page
    assert "/static/js/onetrip" in page
    assert bill.bill_number in page


def test_the_api_lists_the_patients_bills_and_verifies(patient_client, client, issue):
    bill = issue()

    mine = patient_client.get("/api/ebills/mine").json()
    one = patient_client.get(f"/api/ebills/{bill.pk}").json()
    genuine = client.get(
        "/api/ebills/verify",
        {"code": bill.bill_code, "number": bill.bill_number, "check": bill.check_code},
    ).json()

    assert [b["id"] for b in mine] == [bill.pk]
    assert one["bill_number"] == bill.bill_number
    assert one["fund_fen"] + one["account_fen"] + one["cash_fen"] == one["total_fen"]
    assert genuine == {
        "genuine": True,
        "kind": "normal",
        "institution": "市第一人民医院",
        "issued_at": genuine["issued_at"],
        "total_fen": 36_000,
        "payer": "张*",
    }
    assert patient_client.get(f"/api/ebills/{bill.pk}/pdf").content.startswith(b"%PDF")


def test_the_api_answers_problems(client, issue):
    bill = issue()

    assert client.get(f"/api/ebills/{bill.pk}").status_code == 401
    assert client.get("/api/ebills/verify", {"code": "1"}).status_code == 422


def test_the_back_office_does_not_show_bills(admin_client, issue):
    bill = issue()

    # An e-bill names the patient and what they paid for (D53).
    assert admin_client.get("/admin/ebills/ebill/").status_code == 404
    assert admin_client.get(f"/admin/ebills/ebill/{bill.pk}/change/").status_code == 404
