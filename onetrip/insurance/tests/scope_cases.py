"""Insurance's registrations for the generated scoping and audit test (`core/tests/scoping.py`)."""

from __future__ import annotations

from onetrip.core.tests.scoping import Staff, Target, World
from onetrip.insurance import services
from onetrip.insurance.tests.conftest import item


def _quote(world: World):
    return services.pre_settle(
        patient=world.patient,
        visit_reference="MZ001",
        items=[item("A", 2_500, "DRUG-1")],
        actor=world.actor("finance"),
    )


def a_quote(world: World) -> Target:
    return Target({"quote_id": _quote(world).pk}, world.patient.pk)


def a_settlement(world: World) -> Target:
    settlement = services.settle(quote_id=_quote(world).pk, actor=world.actor("finance"))
    return Target({"settlement_id": settlement.pk}, world.patient.pk)


def the_patient(world: World) -> Target:
    return Target({"patient_id": world.patient.pk}, world.patient.pk)


def a_pre_settlement(world: World) -> Target:
    line = {
        "code": "DRUG-1",
        "name": "阿莫西林胶囊",
        "category": "A",
        "quantity": 2,
        "unit_price_fen": 1_250,
        "amount_fen": 2_500,
    }
    body = {"patient_id": world.patient.pk, "visit_reference": "MZ001", "items": [line]}
    return Target({}, world.patient.pk, body=body)


def the_patients_exchanges(world: World) -> Target:
    _quote(world)
    return Target({}, world.patient.pk, query={"patient_id": world.patient.pk})


CASES = {
    "GET /api/insurance/patients/{patient_id}/person": Staff(the_patient, "finance"),
    "POST /api/insurance/pre-settlements": Staff(a_pre_settlement, "finance"),
    "POST /api/insurance/pre-settlements/{quote_id}/settlement": Staff(a_quote, "finance"),
    "POST /api/insurance/settlements/{settlement_id}/reversal": Staff(a_settlement, "finance"),
    "GET /api/insurance/pre-settlements/{quote_id}": Staff(a_quote, "finance"),
    "GET /api/insurance/exchanges": Staff(the_patients_exchanges, "finance"),
}
