"""The kiosk's booking pages (issue 15 item 11, D105): a kiosk signed in with its key books the
patient whose ID card it reads into the kiosk pool, and the slip offers the fee at the kiosk."""

from __future__ import annotations

import pytest
from django.test import Client

from onetrip.conftest import actor_for
from onetrip.scheduling.api_keys import issue_api_key
from onetrip.scheduling.models import Appointment
from onetrip.scheduling.tests.helpers import session_on

pytestmark = pytest.mark.django_db

ID_NUMBER = "110101199003074477"  # the `register` default patient's


@pytest.fixture
def kiosk_key(make_staff, tertiary) -> str:
    admin = actor_for(make_staff("sysadmin", tertiary))
    _client, key = issue_api_key(tertiary.pk, "门诊大厅自助机 1", "kiosk", actor=admin)
    return key


@pytest.fixture
def kiosk(kiosk_key) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    response = client.post("/kiosk/", {"key": kiosk_key})
    assert response.status_code == 302
    return client


def test_a_kiosk_books_the_patient_whose_card_it_reads(kiosk, sessions, medicine, register):
    patient = register()
    today = session_on(sessions, 0)
    answer = kiosk.post("/kiosk/", {"doc_type": "resident_id", "doc_number": ID_NUMBER})
    assert answer["Location"] == "/kiosk/book/"

    page = kiosk.get(f"/kiosk/book/?department={medicine.pk}")
    assert page.status_code == 200
    assert patient.name in page.content.decode()
    board = page.context["boards"][0]
    assert board["session"] == today  # 09:30: this morning's later times, for the kiosk
    assert "¥50.00" in page.content.decode()
    slot = board["slots"][0]
    done = kiosk.post(
        f"/kiosk/book/?department={medicine.pk}",
        {"slot": slot.slot_id, "key": page.context["key"]},
    )
    assert done["Location"] == "/kiosk/slip/"

    booked = Appointment.objects.get()
    assert (booked.patient_id, booked.channel, booked.slot_id) == (
        patient.pk,
        "kiosk",
        slot.slot_id,
    )
    slip = kiosk.get("/kiosk/slip/")
    assert slip.status_code == 200
    assert booked.booking_number in slip.content.decode()
    assert slip.context["pay_url"].startswith("/kiosk/bills/")

    kiosk.post("/kiosk/", {"action": "finish"})
    assert kiosk.get("/kiosk/slip/")["Location"] == "/kiosk/"  # the next patient sees nothing
    assert kiosk.get("/kiosk/book/")["Location"] == "/kiosk/"


def test_a_wrong_key_or_another_systems_key_does_not_start_a_kiosk(make_staff, tertiary, kiosk_key):
    admin = actor_for(make_staff("sysadmin", tertiary))
    _client, his_key = issue_api_key(tertiary.pk, "HIS", "window", actor=admin)
    for key in (kiosk_key + "x", his_key):
        client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
        page = client.post("/kiosk/", {"key": key})
        assert page.status_code == 200
        assert page.context["form"].errors["key"]
        assert client.get("/kiosk/book/")["Location"] == "/kiosk/"


def test_a_document_with_no_record_here_is_told_where_to_register(kiosk, sessions):
    page = kiosk.post("/kiosk/", {"doc_type": "resident_id", "doc_number": ID_NUMBER})
    assert page.status_code == 200
    assert "窗口" in " ".join(page.context["form"].errors["doc_number"])
    bad = kiosk.post("/kiosk/", {"doc_type": "resident_id", "doc_number": "110101199003074478"})
    assert bad.status_code == 200
    assert bad.context["form"].errors["doc_number"]
    assert Appointment.objects.count() == 0


def test_a_closed_kiosk_key_signs_the_kiosk_out(kiosk, sessions, register):
    from onetrip.scheduling.models import ApiClient

    register()
    ApiClient.objects.update(is_active=False)
    page = kiosk.post("/kiosk/", {"doc_type": "resident_id", "doc_number": ID_NUMBER})
    assert "kiosk-device-form" in page.content.decode()
