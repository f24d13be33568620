"""Staff and patient pages enforce the same rules as the API (R-ORG-2, R-ORG-3, R-ID-1)."""

import datetime as dt
import re

import pytest

from onetrip.conftest import STAFF_PASSWORD
from onetrip.core import clock as clock_module
from onetrip.core.models import AuditEvent
from onetrip.identity.models import Patient
from onetrip.notifications.testing import delivered

pytestmark = pytest.mark.django_db


def test_staff_sign_in_with_password_lands_on_patient_search(client, make_staff, tertiary):
    profile = make_staff("doctor", tertiary)
    response = client.post(
        "/staff/login", {"username": profile.user.username, "password": STAFF_PASSWORD}
    )
    assert response.status_code == 302
    assert client.get("/staff/", follow=True).redirect_chain[-1][0] == "/staff/patients/"


def test_wrong_staff_password_is_refused(client, make_staff, tertiary):
    profile = make_staff("doctor", tertiary)
    response = client.post("/staff/login", {"username": profile.user.username, "password": "x"})
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_staff_pages_require_sign_in(client):
    response = client.get("/staff/patients/")
    assert response.status_code == 302
    assert response["Location"].startswith("/staff/login")


def test_doctor_cannot_open_the_registration_page(client, make_staff, tertiary):
    client.force_login(make_staff("doctor", tertiary).user)
    assert client.get("/staff/patients/new").status_code == 403


def test_patient_detail_page_masks_for_doctor_and_is_audited(
    client, clock, make_staff, tertiary, register
):
    patient = register()
    client.force_login(make_staff("doctor", tertiary).user)

    page = client.get(f"/staff/patients/{patient.pk}").content.decode()

    assert "1101**********4477" in page
    assert "110101199003074477" not in page
    assert "138****5678" in page
    view = AuditEvent.objects.get(action="view", patient_id=patient.pk)
    assert view.occurred_at == clock_module.now()


def test_township_doctor_gets_404_for_a_tertiary_patient_page(
    client, make_staff, township, register
):
    patient = register()
    client.force_login(make_staff("doctor", township).user)
    assert client.get(f"/staff/patients/{patient.pk}").status_code == 404
    assert not AuditEvent.objects.filter(action="view").exists()


def test_search_page_finds_by_document_number_within_scope(client, clerk, register):
    patient = register()
    client.force_login(clerk.user)
    page = client.get("/staff/patients/", {"q": "110101199003074477"}).content.decode()
    assert f"/staff/patients/{patient.pk}" in page


def test_clerk_registers_at_the_window_and_sees_field_errors(client, clerk):
    client.force_login(clerk.user)
    form = {
        "name": "赵敏",
        "sex": "female",
        "birth_date": "1990-03-07",
        "phone": "139123",
        "doc_type": "resident_id",
        "doc_number": "110101199003074461",
    }
    page = client.post("/staff/patients/new", form).content.decode()
    assert re.search(r'id="field-phone".*?errorlist', page, re.S)
    assert re.search(r'id="field-doc_number".*?errorlist', page, re.S)
    assert Patient.objects.count() == 0

    form.update(phone="13912345678", doc_number="110101199003074469")
    response = client.post("/staff/patients/new", form)
    patient = Patient.objects.get()
    assert response["Location"] == f"/staff/patients/{patient.pk}"


def test_patient_signs_in_with_sms_code_and_registers_a_child(client, clock):
    client.post("/p/sign-in", {"phone": "13912345678"})
    code = re.search(r"\d{6}", delivered().get().body).group()
    assert client.post("/p/sign-in", {"phone": "13912345678", "code": code}).status_code == 302

    response = client.post(
        "/p/register",
        {
            "relationship": "parent",
            "name": "李小宝",
            "sex": "male",
            "birth_date": "2025-06-01",
            "phone": "13912345678",
            "use_guardian_document": "on",
            "guardian_doc_type": "resident_id",
            "guardian_number": "110101199003074469",
            "guardian_relationship": "parent",
        },
    )
    assert response.status_code == 302
    home = client.get("/p/").content.decode()
    assert "李小宝" in home
    assert "1101**********4469" in home


def test_patient_pages_require_sign_in_and_return_there_afterwards(client):
    response = client.get("/p/book/")
    assert response.status_code == 302
    assert response["Location"] == "/p/sign-in?next=%2Fp%2Fbook%2F"

    client.post("/p/sign-in?next=/p/book/", {"phone": "13912345678", "next": "/p/book/"})
    code = re.search(r"\d{6}", delivered().get().body).group()
    signed_in = client.post(
        "/p/sign-in", {"phone": "13912345678", "code": code, "next": "/p/book/"}
    )
    assert signed_in["Location"] == "/p/book/"


def test_sign_in_never_redirects_off_site(client):
    client.post("/p/sign-in", {"phone": "13912345678"})
    code = re.search(r"\d{6}", delivered().get().body).group()
    signed_in = client.post(
        "/p/sign-in", {"phone": "13912345678", "code": code, "next": "https://evil.example/"}
    )
    assert signed_in["Location"] == "/p/"


def test_sms_sandbox_page_needs_the_permission(client, make_staff, tertiary):
    client.post("/p/sign-in", {"phone": "13912345678"})
    assert client.get("/staff/sms/").status_code == 302
    client.force_login(make_staff("doctor", tertiary).user)
    assert client.get("/staff/sms/").status_code == 403
    client.force_login(make_staff("sysadmin", tertiary).user)
    delivered()
    assert "13912345678" in client.get("/staff/sms/").content.decode()


def test_clerk_adds_a_document_on_the_patient_page(client, clerk, register):
    patient = register()
    client.force_login(clerk.user)
    url = f"/staff/patients/{patient.pk}/documents"

    refused = client.post(url, {"doc_type": "citizen_card", "doc_number": "A1"}, follow=True)
    assert 'class="error"' in refused.content.decode()
    assert patient.documents.count() == 1

    client.post(url, {"doc_type": "citizen_card", "doc_number": "HZ20261123"})
    page = client.get(f"/staff/patients/{patient.pk}").content.decode()
    assert "HZ20261123" in page  # a registration clerk sees full numbers


def test_family_member_given_access_sees_the_patient(client, clock):
    client.post("/p/sign-in", {"phone": "13912345678"})
    code = re.search(r"\d{6}", delivered().get().body).group()
    client.post("/p/sign-in", {"phone": "13912345678", "code": code})
    client.post(
        "/p/register",
        {
            "relationship": "self",
            "name": "李娜",
            "sex": "female",
            "birth_date": "1990-03-07",
            "phone": "13912345678",
            "doc_type": "resident_id",
            "doc_number": "110101199003074469",
        },
    )
    patient = Patient.objects.get()
    client.post(
        f"/p/patients/{patient.pk}/family", {"phone": "13800001111", "relationship": "child"}
    )
    assert "138****1111" in client.get("/p/").content.decode()

    clock.advance(dt.timedelta(minutes=2))
    client.post("/p/sign-out")
    client.post("/p/sign-in", {"phone": "13800001111"})
    code = re.search(r"\d{6}", delivered().filter(phone="13800001111").get().body).group()
    client.post("/p/sign-in", {"phone": "13800001111", "code": code})
    home = client.get("/p/").content.decode()
    assert "李娜" in home
    assert f"/p/patients/{patient.pk}/family" not in home


def test_a_patient_cannot_open_someone_elses_family_page(client, register):
    stranger = register()
    client.post("/p/sign-in", {"phone": "13912345678"})
    code = re.search(r"\d{6}", delivered().get().body).group()
    client.post("/p/sign-in", {"phone": "13912345678", "code": code})

    assert client.get(f"/p/patients/{stranger.pk}/family").status_code == 404
