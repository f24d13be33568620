"""One e-bill per settlement with the national fields, numbering, and red-letter reversals
(R-PAY-5)."""

from __future__ import annotations

import datetime as dt

import pytest

from onetrip.core.actors import SYSTEM
from onetrip.core.errors import DomainError, InvalidInput, NotFound
from onetrip.ebills import services
from onetrip.ebills.models import EBill, SandboxFiscalRecord
from onetrip.ebills.platform import current_platform
from onetrip.ebills.tests.conftest import source

pytestmark = pytest.mark.django_db


def test_a_bill_carries_the_national_fields(issue):
    bill = issue()

    assert bill.kind == "normal"
    assert bill.bill_code == "33012601"  # Zhejiang, outpatient, 2026, batch 01
    assert bill.bill_number == "0000000001"
    assert len(bill.check_code) == 6
    assert bill.payer_name == "张伟"
    assert bill.payer_id_masked == "1101**********4477"
    assert bill.insurance_number_masked == "3301**********4477"
    # Items grouped by charge category, in the national order.
    assert bill.lines == [
        {"category": "examination", "amount_fen": 20_000},
        {"category": "western_medicine", "amount_fen": 15_000},
        {"category": "registration", "amount_fen": 1_000},
    ]
    assert (bill.total_fen, bill.fund_fen, bill.account_fen, bill.cash_fen) == (
        36_000,
        20_000,
        6_000,
        10_000,
    )
    assert bill.issuer == "自助结算"
    assert bill.reviewer


def test_one_bill_per_settlement_and_numbers_follow_on(issue):
    first = issue()
    again = issue()
    second = issue(settlement_id="S0002")
    inpatient = issue(settlement_id="S0003", visit_kind="inpatient")

    assert again.pk == first.pk
    assert second.bill_number == "0000000002"
    assert inpatient.bill_code == "33022601"
    assert inpatient.bill_number == "0000000001"
    assert EBill.objects.count() == 3


def test_numbering_is_per_institution(issue, account, township):
    _actor, patient = account
    issue()

    other = services.issue_ebill(settlement=source(patient, township), actor=SYSTEM)

    assert (other.bill_code, other.bill_number) == ("33012601", "0000000001")


@pytest.mark.parametrize(
    ("overrides", "field", "code"),
    [
        ({"cash_fen": -1}, "cash_fen", "negative"),
        ({"total_fen": 360.0}, "total_fen", "not_integer"),
        ({"total_fen": 35_999}, "total_fen", "mismatch"),
        ({"cash_fen": 9_999}, "total_fen", "split_mismatch"),
        ({"lines": ()}, "lines", "empty"),
        ({"settled_at": dt.datetime(2026, 11, 23, 9, 0)}, "settled_at", "invalid"),
    ],
)
def test_bad_sources_are_refused_and_nothing_is_issued(issue, overrides, field, code):
    with pytest.raises(InvalidInput) as refused:
        issue(**overrides)

    assert (refused.value.errors[0].field, refused.value.errors[0].code) == (field, code)
    assert not EBill.objects.exists()
    assert not SandboxFiscalRecord.objects.exists()


def test_a_full_refund_reverses_every_line_and_the_split(issue):
    bill = issue()

    red = services.issue_red_letter(
        ebill_id=bill.pk, refund_fen=36_000, reason="退费", actor=SYSTEM
    )

    assert red.kind == "red_letter"
    assert red.original_id == bill.pk
    assert red.bill_number == "0000000002"
    assert (red.total_fen, red.fund_fen, red.account_fen, red.cash_fen) == (
        -36_000,
        -20_000,
        -6_000,
        -10_000,
    )
    assert red.lines == [
        {"category": line["category"], "amount_fen": -line["amount_fen"]} for line in bill.lines
    ]
    assert (
        current_platform().query("H001", bill.bill_code, bill.bill_number).red_lettered_fen
        == 36_000
    )


def test_a_partial_refund_returns_cash_spread_over_the_items(issue):
    bill = issue()

    red = services.issue_red_letter(ebill_id=bill.pk, refund_fen=3_601, reason="退药", actor=SYSTEM)

    assert (red.total_fen, red.fund_fen, red.account_fen, red.cash_fen) == (-3_601, 0, 0, -3_601)
    assert sum(line["amount_fen"] for line in red.lines) == -3_601
    assert services.remaining(bill)["total_fen"] == 32_399


@pytest.mark.parametrize(
    ("refund", "code"),
    [
        (36_001, "exceeds_bill"),
        (10_001, "exceeds_cash"),
        (-5, "negative"),
        (1.5, "not_integer"),
        (0, "zero"),
    ],
)
def test_a_refund_the_bill_cannot_cover_is_refused(issue, refund, code):
    bill = issue()

    with pytest.raises(InvalidInput) as refused:
        services.issue_red_letter(ebill_id=bill.pk, refund_fen=refund, reason="退费", actor=SYSTEM)

    assert refused.value.errors[0].code == code
    assert EBill.objects.count() == 1


def test_what_was_refunded_already_cannot_be_refunded_again(issue):
    bill = issue()
    services.issue_red_letter(ebill_id=bill.pk, refund_fen=36_000, reason="退费", actor=SYSTEM)

    with pytest.raises(InvalidInput) as refused:
        services.issue_red_letter(ebill_id=bill.pk, refund_fen=1, reason="退费", actor=SYSTEM)
    assert refused.value.errors[0].code == "exceeds_bill"


def test_the_rest_after_a_partial_refund_reverses_in_full(issue):
    bill = issue()
    services.issue_red_letter(ebill_id=bill.pk, refund_fen=4_000, reason="退药", actor=SYSTEM)

    rest = services.issue_red_letter(
        ebill_id=bill.pk, refund_fen=32_000, reason="退费", actor=SYSTEM
    )

    assert (rest.fund_fen, rest.account_fen, rest.cash_fen) == (-20_000, -6_000, -6_000)
    assert services.remaining(bill)["lines"] == [
        {"category": line["category"], "amount_fen": 0} for line in bill.lines
    ]


def test_red_letters_are_not_reversed_and_unknown_bills_are_refused(issue):
    red = services.issue_red_letter(
        ebill_id=issue().pk, refund_fen=100, reason="退费", actor=SYSTEM
    )

    with pytest.raises(DomainError) as twice:
        services.issue_red_letter(ebill_id=red.pk, refund_fen=100, reason="x", actor=SYSTEM)
    assert twice.value.code == "red_letter_of_red_letter"
    with pytest.raises(NotFound) as unknown:
        services.issue_red_letter(ebill_id=999, refund_fen=100, reason="x", actor=SYSTEM)
    assert unknown.value.code == "unknown_ebill"


def test_verification_needs_all_three_printed_values(issue):
    bill = issue()

    assert services.verify(bill.bill_code, bill.bill_number, bill.check_code) == bill
    assert services.verify(bill.bill_code, bill.bill_number, "000000") is None
