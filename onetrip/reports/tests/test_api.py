"""The reports JSON API and the HL7-over-HTTP endpoint (R-EXAM-4, R-EXAM-5)."""

from __future__ import annotations

import pytest

from onetrip.conftest import NOW, actor_for
from onetrip.notifications.testing import delivered
from onetrip.reports.models import InboundMessage, RecognitionDecision, Report
from onetrip.reports.tests.messages import oru
from onetrip.reports.tests.test_pages import sign_in_patient
from onetrip.scheduling.api_keys import issue_api_key
from onetrip.scheduling.models import BookingChannel

pytestmark = pytest.mark.django_db

HL7 = "x-application/hl7-v2+er7"


@pytest.fixture
def lis_key(make_staff, tertiary) -> str:
    admin = actor_for(make_staff("sysadmin", tertiary))
    _client, key = issue_api_key(tertiary.pk, "检验科 LIS", BookingChannel.WINDOW, actor=admin)
    return key


def post_hl7(client, raw: str, key: str):
    return client.post("/api/reports/hl7", raw, content_type=HL7, HTTP_X_API_KEY=key)


def segments(ack: bytes) -> dict[str, list[str]]:
    return {line.split("|")[0]: line.split("|") for line in ack.decode().split("\r") if line}


def test_an_hl7_message_over_http_is_acknowledged(order, client, lis_key):
    response = post_hl7(client, oru(placer=order.placer_number), lis_key)

    assert response.status_code == 200
    assert response["Content-Type"].startswith(HL7)
    assert segments(response.content)["MSA"][1:3] == ["AA", "LIS0001"]
    assert Report.objects.get().patient_id == order.patient_id


def test_a_malformed_message_over_http_gets_ae_with_the_field(order, client, lis_key):
    raw = oru(placer=order.placer_number, observations=("OBX|1|NM|2345-7^Glucose^LN||high",))

    ack = segments(post_hl7(client, raw, lis_key).content)

    assert ack["MSA"][1] == "AE"
    assert ack["ERR"][2:4] == ["OBX^1^5", "102"]
    assert InboundMessage.objects.get().status == "rejected"


def test_a_wrong_key_is_refused_and_nothing_stored(order, client):
    response = post_hl7(client, oru(placer=order.placer_number), "nope" * 10)
    assert response.status_code == 401
    assert not InboundMessage.objects.exists()


def json_report(order, **overrides) -> dict:
    body = {
        "message_id": "req-1",
        "placer_number": order.placer_number,
        "kind": "lab",
        "status": "final",
        "service_code": "GLU",
        "service_name": "空腹血糖",
        "issued_at": "2026-11-23T09:30:00+08:00",
        "observations": [
            {"code": "2345-7", "display": "Glucose", "value": "5.6", "unit": "mmol/L"}
        ],
    }
    return body | overrides


def test_json_results_file_and_repeat_safely(order, client, lis_key):
    first = client.post(
        "/api/reports/results",
        json_report(order),
        content_type="application/json",
        HTTP_X_API_KEY=lis_key,
    )
    again = client.post(
        "/api/reports/results",
        json_report(order),
        content_type="application/json",
        HTTP_X_API_KEY=lis_key,
    )

    assert first.status_code == 201, first.content
    assert again.status_code == 200
    assert again.json()["duplicate"] is True
    report = first.json()["reports"][0]
    assert (report["patient_id"], report["quarantined"]) == (order.patient_id, False)
    assert report["observations"][0]["code_system"] == "http://loinc.org"
    assert delivered().filter(purpose="report_ready").count() == 1


def test_json_with_a_bad_field_is_a_422_naming_it(order, client, lis_key):
    response = client.post(
        "/api/reports/results",
        json_report(order, observations=[{"code": "X", "value": "1", "abnormal_flag": "ZZ"}]),
        content_type="application/json",
        HTTP_X_API_KEY=lis_key,
    )

    assert response.status_code == 422
    assert "abnormal_flag" in response.json()["errors"][0]["field"]
    assert not Report.objects.exists()


def test_the_patient_reads_their_reports_through_the_api(order, client, lis_key):
    client.post(
        "/api/reports/results",
        json_report(order),
        content_type="application/json",
        HTTP_X_API_KEY=lis_key,
    )
    sign_in_patient(client, order.patient)

    [report] = client.get("/api/reports/my").json()

    assert report["observations"][0]["value"] == "5.6"
    assert client.get(f"/api/reports/{report['id']}").status_code == 200


def test_the_doctor_checks_recognition_and_records_a_reuse(
    order, client, lis_key, doctor_actor, make_staff, tertiary
):
    client.post(
        "/api/reports/results",
        json_report(order),
        content_type="application/json",
        HTTP_X_API_KEY=lis_key,
    )
    client.force_login(doctor_actor.user)
    query = {"patient_id": order.patient_id, "item_code": "BLOOD_FASTING"}

    [warning] = client.get("/api/reports/recognition/check", query).json()
    decided = client.post(
        "/api/reports/recognition/decisions",
        {**query, "report_id": warning["id"], "outcome": "reused"},
        content_type="application/json",
    )

    assert decided.status_code == 201, decided.content
    assert RecognitionDecision.objects.get().outcome == "reused"
    client.force_login(make_staff("quality", tertiary).user)
    day = NOW.date().isoformat()
    [row] = client.get("/api/reports/kpi/repeat-exams", {"start": day, "end": day}).json()
    assert (row["institution_id"], row["avoided"]) == (tertiary.pk, 1)


def test_the_order_api_refuses_a_repeat_without_a_reason(order, client, lis_key, doctor_actor):
    client.post(
        "/api/reports/results",
        json_report(order),
        content_type="application/json",
        HTTP_X_API_KEY=lis_key,
    )
    client.force_login(doctor_actor.user)
    body = {"patient_id": order.patient_id, "item_code": "BLOOD_FASTING"}

    refused = client.post("/api/exams/orders", body, content_type="application/json")
    placed = client.post(
        "/api/exams/orders",
        {**body, "override_reason": "术前需当日结果"},
        content_type="application/json",
    )

    assert refused.status_code == 409
    assert refused.json()["code"] == "recognised_result"
    assert placed.status_code == 201, placed.content
    assert RecognitionDecision.objects.get().outcome == "overridden"
