"""The billing API: problem details for bad input, Idempotency-Key replays, provider endpoints
answering in the provider's format (issue 6 bad-input list)."""

import datetime as dt
import json

import pytest

from onetrip.billing.models import CatalogueItem, Charge, Payment, Refund, Settlement
from onetrip.billing.tests.helpers import alipay_notice, provider_pays, wechat_notice
from onetrip.identity.services import DocumentInput

pytestmark = pytest.mark.django_db


@pytest.fixture
def desk(client, cashier):
    client.force_login(cashier.user)
    return client


def post(client, path, payload, **headers):
    return client.post(path, json.dumps(payload), content_type="application/json", **headers)


def test_settle_with_an_idempotency_key_twice_makes_one_settlement(desk, bill):
    path = f"/api/billing/bills/{bill.pk}/settlements"
    payload = {"mode": "window", "channel": "cash"}
    first = post(desk, path, payload, HTTP_IDEMPOTENCY_KEY="pay-1")
    again = post(desk, path, payload, HTTP_IDEMPOTENCY_KEY="pay-1")
    assert first.status_code == again.status_code == 201
    assert first.json()["id"] == again.json()["id"]
    assert Settlement.objects.count() == 1
    assert first.json()["cash_fen"] == 21500


def test_paying_a_settled_bill_is_a_409_problem(desk, bill):
    path = f"/api/billing/bills/{bill.pk}/settlements"
    post(desk, path, {"mode": "window", "channel": "cash"})
    response = post(desk, path, {"mode": "window", "channel": "cash"})
    assert response.status_code == 409
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["code"] == "already_settled"


@pytest.mark.parametrize(
    ("amount", "code"),
    [
        (-1, "greater_than_equal"),
        (1.5, "int_type"),
        ("2", "int_type"),
        (True, "int_type"),
        (10**20, "less_than_equal"),
        (99999, "exceeds_paid"),
    ],
)
def test_bad_refund_amounts_are_422_with_the_field(desk, bill, amount, code):
    settled = post(
        desk, f"/api/billing/bills/{bill.pk}/settlements", {"mode": "window", "channel": "cash"}
    ).json()
    response = post(
        desk,
        f"/api/billing/settlements/{settled['id']}/refunds",
        {"amount_fen": amount, "reason": "test"},
    )
    assert response.status_code == 422
    assert response.json()["errors"][0] == {
        "field": "amount_fen",
        "message": response.json()["errors"][0]["message"],
        "code": code,
    }
    assert not Refund.objects.exists()


def charge_body(patient, institution, **overrides):
    return {
        "patient_id": patient.pk,
        "institution_id": institution.pk,
        "visit_reference": "MZ9",
        "item_code": "REG01",
        "quantity": 1,
        "source": "registration",
        "source_key": "r-1",
    } | overrides


@pytest.mark.parametrize("quantity", [-2, 0, "2", True, 1.0, 10_001, 10**16])
def test_charging_needs_a_whole_quantity_within_bounds(
    desk, catalogue, patient, tertiary, quantity
):
    response = post(desk, "/api/billing/charges", charge_body(patient, tertiary, quantity=quantity))
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "quantity"
    assert not Charge.objects.exists()


def test_a_line_past_the_amount_bound_is_refused_even_within_the_quantity_bound(
    desk, catalogue, patient, tertiary
):
    CatalogueItem.objects.filter(code="EX-CT").update(unit_price_fen=10**6)
    body = charge_body(patient, tertiary, item_code="EX-CT", quantity=10_000)
    response = post(desk, "/api/billing/charges", body)
    assert response.status_code == 422
    assert response.json()["errors"][0] == {
        "field": "quantity",
        "message": response.json()["errors"][0]["message"],
        "code": "too_large",
    }


def test_an_order_line_key_reused_for_another_patient_is_a_409(
    desk, catalogue, patient, register, tertiary
):
    other = register(
        name="赵六",
        birth_date=dt.date(1970, 12, 31),
        phone="13700002222",
        documents=[DocumentInput("resident_id", "320102197012315558")],
    )
    first = post(desk, "/api/billing/charges", charge_body(patient, tertiary))
    again = post(desk, "/api/billing/charges", charge_body(patient, tertiary))
    reused = post(desk, "/api/billing/charges", charge_body(other, tertiary))
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    assert reused.status_code == 409
    assert reused["Content-Type"] == "application/problem+json"
    assert reused.json()["code"] == "key_reused"
    assert reused.json()["errors"][0]["field"] == "source_key"
    assert Charge.objects.count() == 1


def test_a_refund_key_reused_with_another_amount_is_a_409(desk, bill):
    settled = post(
        desk, f"/api/billing/bills/{bill.pk}/settlements", {"mode": "window", "channel": "cash"}
    ).json()
    path = f"/api/billing/settlements/{settled['id']}/refunds"
    first = post(desk, path, {"amount_fen": 500, "reason": "退药"}, HTTP_IDEMPOTENCY_KEY="rf-1")
    again = post(desk, path, {"amount_fen": 500, "reason": "退药"}, HTTP_IDEMPOTENCY_KEY="rf-1")
    reused = post(desk, path, {"amount_fen": 900, "reason": "退药"}, HTTP_IDEMPOTENCY_KEY="rf-1")
    assert first.status_code == again.status_code == 201
    assert first.json()["id"] == again.json()["id"]
    assert reused.status_code == 409
    assert reused.json()["code"] == "key_reused"
    assert list(Refund.objects.values_list("amount_fen", flat=True)) == [500]


def test_wechat_notify_endpoint_verifies_then_settles(client, desk, bill, clock):
    settled = post(
        desk,
        f"/api/billing/bills/{bill.pk}/settlements",
        {"mode": "in_clinic", "channel": "wechat"},
    ).json()
    assert settled["status"] == "pending"
    assert settled["cashier_url"]
    headers, body = wechat_notice(provider_pays(Settlement.objects.get(pk=settled["id"])))
    meta = {f"HTTP_{key.upper().replace('-', '_')}": value for key, value in headers.items()}
    forged = client.post("/api/billing/notify/wechat", body + b" ", "application/json", **meta)
    assert forged.status_code == 400
    assert forged.json()["code"] == "FAIL"
    response = client.post("/api/billing/notify/wechat", body, "application/json", **meta)
    assert response.status_code == 204
    assert Payment.objects.get().status == "succeeded"


def test_alipay_notify_endpoint_answers_success_or_failure(client, desk, bill, clock):
    settled = post(
        desk, f"/api/billing/bills/{bill.pk}/settlements", {"mode": "mobile", "channel": "alipay"}
    ).json()
    _, body = alipay_notice(provider_pays(Settlement.objects.get(pk=settled["id"])))
    form = "application/x-www-form-urlencoded"
    bad = client.post("/api/billing/notify/alipay", body.replace(b"sign=", b"sign=AAAA"), form)
    assert bad.content == b"failure"
    assert client.post("/api/billing/notify/alipay", body, form).content == b"success"
    assert Payment.objects.get().status == "succeeded"


def test_a_patient_without_a_staff_session_cannot_settle(client, bill):
    response = post(
        client, f"/api/billing/bills/{bill.pk}/settlements", {"mode": "window", "channel": "cash"}
    )
    assert response.status_code == 401


def test_a_full_refund_through_the_api_answers_the_same_when_asked_again(desk, bill, clock):
    settled = post(
        desk, f"/api/billing/bills/{bill.pk}/settlements", {"mode": "window", "channel": "cash"}
    ).json()
    path = f"/api/billing/settlements/{settled['id']}/full-refund"
    first = post(desk, path, {"reason": "退费"})
    again = post(desk, path, {"reason": "退费"})
    assert first.status_code == again.status_code == 200
    assert first.json()["status"] == again.json()["status"] == "refunded"
    assert Refund.objects.get().amount_fen == 21500
    unpaid = post(desk, "/api/billing/settlements/999999/full-refund", {"reason": "x"})
    assert unpaid.status_code == 404


# --- inpatient deposit (D50) -------------------------------------------------------------------


def test_top_up_read_and_discharge_through_the_api(desk, inpatient_bill, clock):
    base = f"/api/billing/bills/{inpatient_bill.pk}"
    first = post(
        desk,
        f"{base}/deposit/top-ups",
        {"amount_fen": 50_000, "channel": "cash"},
        HTTP_IDEMPOTENCY_KEY="zy-1",
    )
    again = post(
        desk,
        f"{base}/deposit/top-ups",
        {"amount_fen": 50_000, "channel": "cash"},
        HTTP_IDEMPOTENCY_KEY="zy-1",
    )
    assert first.status_code == again.status_code == 201
    assert first.json()["id"] == again.json()["id"]
    assert first.json()["credited"] is True

    read = desk.get(f"{base}/deposit").json()
    assert (read["balance_fen"], read["outstanding_fen"], len(read["top_ups"])) == (
        50_000,
        20_500,
        1,
    )

    done = post(desk, f"{base}/discharge", {})
    assert done.status_code == 200
    body = done.json()
    assert (body["drawn_fen"], body["refunded_fen"]) == (20_500, 29_500)
    assert body["settlement"]["channel"] == "deposit"
    assert body["deposit"]["balance_fen"] == 0
    assert body["deposit"]["discharged"] is True
    assert (
        post(desk, f"{base}/discharge", {}).json()["settlement"]["id"] == (body["settlement"]["id"])
    )


@pytest.mark.parametrize(
    ("amount", "code"),
    [
        (-1, "greater_than_equal"),
        (0, "greater_than_equal"),
        (1.5, "int_type"),
        ("10", "int_type"),
        (True, "int_type"),
        (10**18, "less_than_equal"),
    ],
)
def test_bad_top_up_amounts_are_422_and_change_nothing(desk, inpatient_bill, amount, code):
    response = post(
        desk,
        f"/api/billing/bills/{inpatient_bill.pk}/deposit/top-ups",
        {"amount_fen": amount, "channel": "cash"},
    )
    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    assert (response.json()["errors"][0]["field"], response.json()["errors"][0]["code"]) == (
        "amount_fen",
        code,
    )
    assert not Settlement.objects.exists()


def test_deposit_problems_carry_machine_codes(desk, bill, inpatient_bill, clock):
    outpatient = post(
        desk,
        f"/api/billing/bills/{bill.pk}/deposit/top-ups",
        {"amount_fen": 100, "channel": "cash"},
    )
    assert (outpatient.status_code, outpatient.json()["code"]) == (409, "not_inpatient")
    base = f"/api/billing/bills/{inpatient_bill.pk}"
    post(desk, f"{base}/deposit/top-ups", {"amount_fen": 10_000, "channel": "cash"})
    short = post(desk, f"{base}/discharge", {})
    assert (short.status_code, short.json()["code"]) == (409, "deposit_insufficient")
    too_much = post(desk, f"{base}/deposit/refunds", {"amount_fen": 10_001, "reason": "x"})
    assert (too_much.status_code, too_much.json()["errors"][0]["code"]) == (422, "exceeds_balance")
    assert desk.get("/api/billing/bills/999999/deposit").status_code == 404
