"""The edge of the national interface: msgid, operator type, yuan ↔ fen (R-PAY-3)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from onetrip.core.actors import SYSTEM, Actor, ActorKind
from onetrip.insurance.envelope import build_msgid, fen, operator_type, yuan


def test_msgid_is_institution_code_time_and_a_four_digit_sequence():
    at = dt.datetime(2026, 11, 23, 9, 5, 7, tzinfo=ZoneInfo("Asia/Shanghai"))

    assert build_msgid("H33010600123", at, 12_345) == "H33010600123202611230905072345"
    assert len(build_msgid("H33010600123", at, 1)) == 30  # the spec's length


def test_the_phone_is_a_mobile_terminal_and_everyone_else_an_operator():
    patient = Actor(kind=ActorKind.PATIENT, label="138****5678", account_id=1)

    assert operator_type(patient) == "3"
    assert operator_type(SYSTEM) == "1"


@pytest.mark.parametrize(("amount", "text"), [(0, "0.00"), (5, "0.05"), (123_456, "1234.56")])
def test_amounts_cross_as_yuan_with_two_decimals_and_come_back_exact(amount, text):
    assert yuan(amount) == text
    assert fen(text) == amount
    assert yuan(-amount) == ("-" + text if amount else text)


def test_a_fraction_of_a_fen_is_refused():
    with pytest.raises(ValueError, match="fractions of a fen"):
        fen("0.005")
