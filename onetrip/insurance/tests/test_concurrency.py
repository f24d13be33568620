"""Races on PostgreSQL (R-PAY-3/5): the same settlement requested twice at once settles once on
the platform; e-bills issued at once get distinct numbers, one per settlement."""

from __future__ import annotations

import pytest

from onetrip.conftest import race
from onetrip.core.actors import SYSTEM
from onetrip.ebills import services as ebills
from onetrip.ebills.models import EBill
from onetrip.ebills.tests.conftest import source
from onetrip.insurance import services
from onetrip.insurance.models import (
    InsuranceQuote,
    InsuranceSettlement,
    SandboxPerson,
    SandboxSettlement,
)
from onetrip.insurance.sandbox import NEW_PERSON_BALANCE_FEN
from onetrip.insurance.tests.conftest import item

pytestmark = pytest.mark.django_db(transaction=True)


def test_settling_one_quote_from_four_places_settles_once(postgres_only, patient, cashier):
    quote = services.pre_settle(
        patient=patient, visit_reference="MZ1", items=[item("A", 150_000)], actor=cashier
    )

    outcomes = race([lambda: services.settle(quote_id=quote.pk, actor=cashier).pk] * 4)

    assert len(set(outcomes)) == 1, outcomes
    assert InsuranceSettlement.objects.count() == 1
    assert SandboxSettlement.objects.count() == 1
    spent = InsuranceSettlement.objects.get().account_fen
    assert SandboxPerson.objects.get().account_balance_fen == NEW_PERSON_BALANCE_FEN - spent


def test_reversing_at_once_reverses_once(postgres_only, patient, cashier):
    quote = services.pre_settle(
        patient=patient, visit_reference="MZ1", items=[item("A", 150_000)], actor=cashier
    )
    settlement = services.settle(quote_id=quote.pk, actor=cashier)

    outcomes = race(
        [lambda: services.reverse(settlement_id=settlement.pk, actor=cashier).status] * 3
    )

    assert set(outcomes) <= {"reversed", "already_reversed"}, outcomes
    assert SandboxPerson.objects.get().account_balance_fen == NEW_PERSON_BALANCE_FEN


def test_bills_issued_at_once_get_distinct_numbers_and_one_per_settlement(
    postgres_only, patient, tertiary, clock
):
    sources = [source(patient, tertiary, settlement_id=f"S{n % 3}") for n in range(6)]

    outcomes = race(
        [lambda s=s: ebills.issue_ebill(settlement=s, actor=SYSTEM).pk for s in sources]
    )

    assert all(isinstance(outcome, int) for outcome in outcomes), outcomes
    assert EBill.objects.count() == 3
    numbers = set(EBill.objects.values_list("bill_number", flat=True))
    assert numbers == {"0000000001", "0000000002", "0000000003"}


def test_pre_settling_one_visit_at_once_leaves_one_open_quote(postgres_only, patient, cashier):
    def attempt():
        items = [item("A", 10_000)]
        return services.pre_settle(
            patient=patient, visit_reference="MZ1", items=items, actor=cashier
        ).pk

    outcomes = race([attempt] * 3)

    assert all(isinstance(o, int) or o == "quote_in_progress" for o in outcomes), outcomes
    assert InsuranceQuote.objects.filter(status="quoted").count() == 1
