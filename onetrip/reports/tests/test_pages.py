"""The patient's report pages and PDF with its verification QR, the staff worklist, inbox and
recognition fragment (R-EXAM-4, R-EXAM-5)."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from onetrip.conftest import NOW, actor_for
from onetrip.exams.models import ExamOrder
from onetrip.identity import services as identity
from onetrip.identity.models import ConsentBasis, MobileAccount, ProxyGrant, Relationship
from onetrip.reports import services
from onetrip.reports.models import CriticalAlert, InboundMessage, Report
from onetrip.reports.tests.messages import GLUCOSE, POTASSIUM_CRITICAL, oru
from onetrip.reports.verification import verification_token
from onetrip.web.sessions import SESSION_KEY

pytestmark = pytest.mark.django_db


@pytest.fixture
def report(order, lab) -> Report:
    services.receive_hl7(
        oru(placer=order.placer_number, observations=(GLUCOSE, POTASSIUM_CRITICAL)), actor=lab
    )
    return Report.objects.get()


def sign_in_patient(client, patient) -> None:
    account = MobileAccount.objects.create(phone=patient.phone, created_at=NOW)
    ProxyGrant.objects.create(
        patient=patient,
        account=account,
        relationship=Relationship.SELF,
        basis=ConsentBasis.OWN_RECORD,
        granted_at=NOW,
        granted_by="test",
    )
    session = client.session
    session[SESSION_KEY] = account.pk
    session.save()


def test_the_patient_opens_the_report_on_the_phone(report, client):
    sign_in_patient(client, report.patient)

    listing = client.get("/p/reports/").content.decode()
    assert f"/p/reports/{report.pk}" in listing
    page = client.get(f"/p/reports/{report.pk}").content.decode()
    assert 'data-code="2823-3" data-flag="HH"' in page
    assert "6.9" in page


def test_another_phone_cannot_open_the_report(report, client, register):
    other = register(
        name="李娜",
        sex="female",
        phone="13900001111",
        documents=[identity.DocumentInput("resident_id", "110101199003074469")],
    )
    sign_in_patient(client, other)

    assert client.get(f"/p/reports/{report.pk}").status_code == 404
    assert client.get(f"/p/reports/{report.pk}.pdf").status_code == 404


def test_the_pdf_carries_a_qr_link_that_verifies(report, client):
    sign_in_patient(client, report.patient)

    response = client.get(f"/p/reports/{report.pk}.pdf")

    assert response["Content-Type"] == "application/pdf"
    pdf = response.content
    assert pdf.startswith(b"%PDF")
    assert b"STSong-Light" in pdf
    url = re.search(rb"/URI \((http://testserver/r/verify/[^)]+)\)", pdf).group(1).decode()
    check = client.get(url.removeprefix("http://testserver")).content.decode()
    assert "genuine" in check.lower() or "真实" in check
    assert "张*" in check
    assert "6.9" not in check  # authenticity only, no results
    assert "张伟" not in check


def test_a_superseded_or_forged_printout_is_told_apart(report, lab, client):
    token = verification_token(report)
    corrected = "OBX|1|NM|2345-7^Glucose^LN||7.2|mmol/L|3.9-6.1|H|||C"
    services.receive_hl7(
        oru(
            placer=report.placer_number, control_id="LIS0002", status="C", observations=(corrected,)
        ),
        actor=lab,
    )

    assert 'class="notice superseded"' in client.get(f"/r/verify/{token}").content.decode()
    assert client.get(f"/r/verify/{token[:-2]}xx").status_code == 404


def test_the_doctor_acknowledges_on_the_worklist(report, client, doctor_actor):
    client.force_login(doctor_actor.user)
    alert = CriticalAlert.objects.get()
    assert f'data-alert-id="{alert.pk}"' in client.get("/staff/reports/critical").content.decode()

    client.post(f"/staff/reports/critical/{alert.pk}/acknowledge", {"note": "已处理"})

    alert.refresh_from_db()
    assert alert.acknowledged_at == NOW
    assert alert.note == "已处理"


def test_the_inbox_replays_a_corrected_message(order, lab, client, make_staff, tertiary):
    raw = oru(placer=order.placer_number, observations=("OBX|1|NM|2345-7^Glucose^LN||5,6|mmol/L",))
    services.receive_hl7(raw, actor=lab)
    client.force_login(make_staff("exam_centre", tertiary).user)
    message = InboundMessage.objects.get()
    assert "OBX[1]-5" in client.get("/staff/reports/inbox").content.decode()

    client.post(
        f"/staff/reports/messages/{message.pk}/replay",
        {"corrected_raw": raw.replace("5,6", "5.6")},
    )

    assert Report.objects.get().patient_id == order.patient_id


def test_the_recognition_fragment_warns_and_records_the_override(report, client, doctor_actor):
    client.force_login(doctor_actor.user)
    query = {"patient_id": report.patient_id, "item_code": "BLOOD_FASTING"}

    warning = client.get("/staff/reports/recognition", query).content.decode()
    assert f'data-report-id="{report.pk}"' in warning

    refused = client.post(
        "/staff/reports/recognition", {**query, "report_id": report.pk, "outcome": "overridden"}
    ).content.decode()
    assert "errorlist" in refused
    client.post(
        "/staff/reports/recognition",
        {**query, "report_id": report.pk, "outcome": "overridden", "reason": "复查"},
    )
    assert services.repeat_exam_counts(NOW.date(), NOW.date())[0].overridden == 1
    nothing = client.get(
        "/staff/reports/recognition", {**query, "item_code": "CT_ABD"}
    ).content.decode()
    assert "recognised-result" not in nothing


def test_staff_elsewhere_see_the_consortium_result_once_shared(
    report, client, make_staff, township, tertiary
):
    identity.share_patient(
        report.patient_id, township.pk, actor=actor_for(make_staff("referral", tertiary))
    )
    client.force_login(make_staff("doctor", township).user)

    listing = client.get(f"/staff/reports/patients/{report.patient_id}").content.decode()
    assert f'data-report-id="{report.pk}"' in listing
    assert client.get(f"/staff/reports/{report.pk}").status_code == 200


def test_the_order_form_refuses_a_repeat_until_the_override_is_recorded(
    report, client, doctor_actor, clock
):
    client.force_login(doctor_actor.user)
    plan_page = f"/staff/exams/patients/{report.patient_id}/plan"
    order = {"action": "order", "item_code": "BLOOD_FASTING"}
    clock.advance(dt.timedelta(hours=2))

    refused = client.post(plan_page, order, follow=True).content.decode()
    assert "already answers this exam" in refused or "已满足本项检查" in refused
    assert ExamOrder.objects.count() == 1

    client.post(
        "/staff/reports/recognition",
        {
            "patient_id": report.patient_id,
            "item_code": "BLOOD_FASTING",
            "report_id": report.pk,
            "outcome": "overridden",
            "reason": "复查",
        },
    )
    client.post(plan_page, order)
    assert ExamOrder.objects.count() == 2
