"""Charges and the itemised bill (issue 6 item 1)."""

import pytest

from onetrip.billing.models import Charge
from onetrip.billing.services import charges
from onetrip.core.errors import InvalidInput

pytestmark = pytest.mark.django_db


def request_for(patient, tertiary, **overrides):
    fields = {
        "patient_id": patient.pk,
        "institution_id": tertiary.pk,
        "visit_reference": "MZ1",
        "item_code": "EX-CT",
        "quantity": 1,
        "source": "exam_order",
        "source_key": "exam-7-1",
    }
    fields.update(overrides)
    return charges.ChargeRequest(**fields)


def test_itemised_bill_lists_every_line_with_its_catalogue_price(bill):
    itemised = charges.itemised_bill(bill)
    assert [(c.code, c.amount_fen) for c in itemised.charges] == [
        ("REG01", 1000),
        ("EX-CT", 18000),
        ("DR-AMX", 2500),
    ]
    assert itemised.total_fen == itemised.outstanding_fen == 21500


def test_the_same_order_line_is_charged_once(catalogue, patient, tertiary, cashier):
    first = charges.create_charge(request_for(patient, tertiary), actor=cashier)
    again = charges.create_charge(request_for(patient, tertiary), actor=cashier)
    assert first.pk == again.pk
    assert Charge.objects.count() == 1


def test_a_reused_line_key_with_other_content_is_refused(catalogue, patient, tertiary, cashier):
    charges.create_charge(request_for(patient, tertiary), actor=cashier)
    with pytest.raises(InvalidInput) as refused:
        charges.create_charge(request_for(patient, tertiary, quantity=3), actor=cashier)
    assert refused.value.errors[0].code == "key_reused"


@pytest.mark.parametrize("quantity", [0, -1, 1.5, "2"])
def test_bad_quantities_are_refused_and_nothing_is_charged(
    catalogue, patient, tertiary, cashier, quantity
):
    with pytest.raises(InvalidInput):
        charges.create_charge(request_for(patient, tertiary, quantity=quantity), actor=cashier)
    assert not Charge.objects.exists()


def test_an_unknown_catalogue_code_is_a_field_error(catalogue, patient, tertiary, cashier):
    with pytest.raises(InvalidInput) as refused:
        charges.create_charge(request_for(patient, tertiary, item_code="NOPE"), actor=cashier)
    assert refused.value.errors[0].field == "item_code"
