"""Insurance's registrations for the generated scoping and audit test (`core/tests/scoping.py`)."""

from __future__ import annotations

from onetrip.core.actors import SYSTEM
from onetrip.core.tests.scoping import OwnPatient, Staff, Target, World
from onetrip.ebills import services as ebills
from onetrip.ebills.tests.conftest import source
from onetrip.insurance import claims, services
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


def an_offsite_claim(world: World) -> Target:
    bill = ebills.issue_ebill(
        settlement=source(world.patient, world.home, fund_fen=0, account_fen=0, cash_fen=36_000),
        actor=SYSTEM,
    )
    claim = claims.submit_claim(
        ebill_ids=[bill.pk],
        insured_area="310000",
        payee_account="6222020200112233445",
        actor=world.patient_actor,
    )
    return Target({"claim_id": claim.pk}, world.patient.pk)


CASES = {
    "p/insurance/claims/<id:claim_id>/": OwnPatient(an_offsite_claim),
    "staff/insurance/claims/<id:claim_id>/": Staff(an_offsite_claim, "finance"),
    "GET /api/insurance/patients/{patient_id}/person": Staff(the_patient, "finance"),
    "POST /api/insurance/pre-settlements": Staff(a_pre_settlement, "finance"),
    "POST /api/insurance/pre-settlements/{quote_id}/settlement": Staff(a_quote, "finance"),
    "POST /api/insurance/settlements/{settlement_id}/reversal": Staff(a_settlement, "finance"),
    "GET /api/insurance/pre-settlements/{quote_id}": Staff(a_quote, "finance"),
    "GET /api/insurance/exchanges": Staff(the_patients_exchanges, "finance"),
}
