"""The formularies and the shared chronic-disease catalogue (R-RX-3): a township whose
formulary lacks a catalogue drug is shown what it lacks; the policy refuses a long prescription
beyond 12 weeks; interaction pairs are stored once, in order."""

from __future__ import annotations

from decimal import Decimal

import pytest

from onetrip.core.actors import SYSTEM
from onetrip.core.errors import InvalidInput
from onetrip.prescribing.models import Interaction
from onetrip.prescribing.services import formulary

pytestmark = pytest.mark.django_db


def test_a_township_missing_a_catalogue_drug_is_told(rx, township):
    assert formulary.missing_catalogue_drugs(rx.hospital.pk) == []
    formulary.open_formulary(township.pk, actor=SYSTEM)
    formulary.add_drug(
        township.pk,
        formulary.DrugIn(
            code="DR-AML",
            generic="amlodipine",
            name="苯磺酸氨氯地平片",
            unit="mg",
            min_single_dose=Decimal("2.5"),
            max_single_dose=Decimal(10),
            max_daily_dose=Decimal(10),
            routes=("oral",),
            therapeutic_class="钙通道阻滞剂",
        ),
        actor=SYSTEM,
    )
    missing = {entry.generic for entry in formulary.missing_catalogue_drugs(township.pk)}
    assert missing == {"nifedipine", "captopril", "metformin", "simvastatin"}


def test_the_policy_allows_at_most_twelve_weeks(rx):
    with pytest.raises(InvalidInput):
        formulary.open_formulary(rx.hospital.pk, chronic_max_days=90, actor=SYSTEM)


def test_an_interaction_is_stored_once_in_order(rx):
    formulary.add_interaction(
        "warfarin", "aspirin", severity="major", explanation="出血风险", actor=SYSTEM
    )
    formulary.add_interaction(
        "aspirin", "warfarin", severity="major", explanation="出血风险增加", actor=SYSTEM
    )
    pair = Interaction.objects.get(generic_a="aspirin")
    assert (pair.generic_b, pair.explanation) == ("warfarin", "出血风险增加")
