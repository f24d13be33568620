"""The billing desk's insurance API (R-PAY-3): problem details on bad input, nothing changed."""

from __future__ import annotations

import pytest
from django.http import HttpRequest

from onetrip.conftest import STAFF_PASSWORD
from onetrip.insurance.models import InsuranceQuote, PlatformExchange

pytestmark = pytest.mark.django_db


@pytest.fixture
def desk(client, cashier):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    client.login(request=HttpRequest(), username=cashier.user.username, password=STAFF_PASSWORD)
    return client


def body(patient, **item):
    line = {
        "code": "DRUG-1",
        "name": "阿莫西林胶囊",
        "category": "A",
        "quantity": 2,
        "unit_price_fen": 1_250,
        "amount_fen": 2_500,
    } | item
    return {"patient_id": patient.pk, "visit_reference": "MZ001", "items": [line]}


def test_the_desk_pre_settles_settles_and_reverses(desk, patient):
    quote = desk.post("/api/insurance/pre-settlements", body(patient), "application/json")
    assert quote.status_code == 201
    quote = quote.json()
    assert quote["fund_fen"] + quote["account_fen"] + quote["cash_fen"] == 2_500

    settled = desk.post(f"/api/insurance/pre-settlements/{quote['id']}/settlement").json()
    assert settled["status"] == "settled"
    assert settled["settled_at"].endswith("+08:00")

    reversal = f"/api/insurance/settlements/{settled['id']}/reversal"
    assert desk.post(reversal).json()["status"] == "reversed"
    twice = desk.post(reversal)
    assert twice.status_code == 409
    assert twice.json()["code"] == "already_reversed"
    assert twice["Content-Type"] == "application/problem+json"


@pytest.mark.parametrize(
    ("item", "field", "code"),
    [
        (
            {"amount_fen": -2_500, "unit_price_fen": -1_250},
            "items.0.unit_price_fen",
            "greater_than_equal",
        ),
        ({"amount_fen": 2_500.5}, "items.0.amount_fen", "int_type"),
        ({"amount_fen": "2500"}, "items.0.amount_fen", "int_type"),
        ({"amount_fen": 2_499}, "items.0.amount_fen", "mismatch"),
    ],
)
def test_bad_amounts_are_problems_and_change_nothing(desk, patient, item, field, code):
    response = desk.post(
        "/api/insurance/pre-settlements", body(patient, **item), "application/json"
    )

    assert response.status_code == 422
    error = response.json()["errors"][0]
    assert (error["field"], error["code"]) == (field, code)
    assert not PlatformExchange.objects.exists()
    assert not InsuranceQuote.objects.exists()


def test_unknown_settlements_and_quotes_are_404_problems(desk):
    reversal = desk.post("/api/insurance/settlements/999/reversal")
    settlement = desk.post("/api/insurance/pre-settlements/999/settlement")

    assert (reversal.status_code, reversal.json()["code"]) == (404, "unknown_settlement")
    assert (settlement.status_code, settlement.json()["code"]) == (404, "unknown_quote")


def test_person_query_and_the_exchange_log(desk, patient):
    person = desk.get(f"/api/insurance/patients/{patient.pk}/person").json()
    log = desk.get("/api/insurance/exchanges", {"infno": "1101"}).json()

    assert person["certno_masked"] == "1101**********4477"
    assert [(row["infno"], row["infcode"]) for row in log] == [("1101", "0")]
    assert "110101199003074477" not in str(log)


def test_the_api_is_for_staff(client, patient):
    assert client.get(f"/api/insurance/patients/{patient.pk}/person").status_code == 401


def test_the_back_office_edits_policies_and_shows_no_patients_records(admin_client, desk, patient):
    desk.post("/api/insurance/pre-settlements", body(patient), "application/json")

    assert admin_client.get("/admin/insurance/insurancepolicy/add/").status_code == 200
    # The exchange log, quotes and settlements name patients: not in the admin (D53).
    for model in ("platformexchange", "insurancequote", "insurancesettlement"):
        assert admin_client.get(f"/admin/insurance/{model}/").status_code == 404
