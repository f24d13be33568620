"""The outpatient insurance flow against the sandbox platform (R-PAY-3): the messages it sends,
the split it returns, settlement and reversal, and what it refuses."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from onetrip.conftest import actor_for
from onetrip.core.errors import DomainError, InvalidInput, NotFound, PermissionDenied
from onetrip.core.models import AuditEvent
from onetrip.identity.services import DocumentInput
from onetrip.insurance import client, services
from onetrip.insurance.models import (
    InsurancePolicy,
    InsuranceQuote,
    PlatformExchange,
    SandboxPerson,
    SandboxSettlement,
)
from onetrip.insurance.sandbox import NEW_PERSON_BALANCE_FEN, SandboxPlatform
from onetrip.insurance.services import InsuredItem
from onetrip.insurance.tests.conftest import item

pytestmark = pytest.mark.django_db

BILL = [item("A", 150_000), item("B", 20_000), item("C", 5_000)]


def quote_for(patient, cashier, items=BILL, visit="MZ20261123001"):
    return services.pre_settle(patient=patient, visit_reference=visit, items=items, actor=cashier)


def test_pre_settlement_runs_the_national_outpatient_sequence(patient, cashier):
    quote = quote_for(patient, cashier)

    sent = list(PlatformExchange.objects.order_by("id").values_list("infno", "infcode"))
    assert sent == [(code, "0") for code in ("1101", "2201", "2203", "2204", "2206")]
    assert quote.status == "quoted"
    assert quote.mdtrt_id.startswith("S330100261123")


def test_the_split_follows_the_employee_policy(patient, cashier):
    quote = quote_for(patient, cashier)

    # A 1,500 yuan + B 200 yuan (20 paid first) + C 50 yuan; deductible 1,000 yuan from A;
    # fund 80% of 500 + 70% of 180 = 526 yuan; the account (800 yuan) pays the rest but C.
    assert quote.total_fen == 175_000
    assert quote.deductible_fen == 100_000
    assert quote.pre_self_paid_fen == 2_000
    assert quote.self_paid_fen == 5_000
    assert quote.fund_fen == 52_600
    assert quote.account_fen == 80_000
    assert quote.cash_fen == 42_400
    assert quote.fund_fen + quote.account_fen + quote.cash_fen == quote.total_fen


def test_a_policy_row_overrides_the_default(patient, cashier):
    InsurancePolicy.objects.create(
        insutype="310",
        deductible_fen=0,
        fund_ratio_a_bp=10_000,
        fund_ratio_b_bp=10_000,
        b_self_pay_first_bp=0,
        annual_ceiling_fen=10**9,
        account_may_pay=False,
    )

    quote = quote_for(patient, cashier, items=[item("A", 10_000)])

    assert (quote.fund_fen, quote.account_fen, quote.cash_fen) == (10_000, 0, 0)


def test_envelopes_have_the_national_shape(patient, cashier):
    quote_for(patient, cashier)
    exchange = PlatformExchange.objects.get(infno="2204")
    request, response = exchange.request, exchange.response

    assert re.fullmatch(r"H001\d{14}\d{4}", request["msgid"])
    assert request["msgid"][4:18] == "20261123093000"
    for field in (
        "infno", "msgid", "mdtrtarea_admvs", "insuplc_admdvs", "recer_sys_code", "signtype",
        "infver", "opter_type", "opter", "opter_name", "inf_time", "fixmedins_code",
        "fixmedins_name", "sign_no", "input",
    ):  # fmt: skip
        assert field in request, field
    assert request["opter_type"] == "1"
    assert request["inf_time"] == "2026-11-23 09:30:00"
    detail = request["input"]["feedetail"][0]
    assert detail["det_item_fee_sumamt"] == "1500.00"
    assert detail["chrgitm_lv"] == "01"
    assert response["infcode"] == "0"
    assert response["inf_refmsgid"] == request["msgid"]
    assert set(response) >= {"err_msg", "output", "respond_time"}


def test_settlement_charges_the_account_once_and_is_idempotent(patient, cashier):
    quote = quote_for(patient, cashier)

    settlement = services.settle(quote_id=quote.pk, actor=cashier)
    again = services.settle(quote_id=quote.pk, actor=cashier)

    assert again.pk == settlement.pk
    assert settlement.setl_id.startswith("A330100261123")
    assert (settlement.fund_fen, settlement.account_fen, settlement.cash_fen) == (
        52_600,
        80_000,
        42_400,
    )
    person = SandboxPerson.objects.get()
    assert person.account_balance_fen == NEW_PERSON_BALANCE_FEN - 80_000
    assert person.year_deductible_fen == 100_000
    assert PlatformExchange.objects.filter(infno="2207").count() == 1
    assert AuditEvent.objects.filter(summary__startswith="insurance settlement").count() == 1


def test_a_replayed_msgid_gets_the_first_answer_and_settles_nothing_twice(patient, cashier):
    quote = quote_for(patient, cashier)
    settlement = services.settle(quote_id=quote.pk, actor=cashier)
    request = PlatformExchange.objects.get(infno="2207").request

    replay = SandboxPlatform().exchange(request)

    assert replay["output"]["setlinfo"]["setl_id"] == settlement.setl_id
    assert SandboxSettlement.objects.count() == 1
    assert SandboxPerson.objects.get().account_balance_fen == NEW_PERSON_BALANCE_FEN - 80_000


def test_a_settlement_lost_in_a_crash_is_recovered_with_the_same_msgid(
    patient, cashier, monkeypatch
):
    quote = quote_for(patient, cashier)
    real_send = client.send

    def crash_after_the_platform_settled(exchange):
        real_send(exchange)
        raise ConnectionError("the process died here")

    monkeypatch.setattr(client, "send", crash_after_the_platform_settled)
    with pytest.raises(ConnectionError):
        services.settle(quote_id=quote.pk, actor=cashier)
    monkeypatch.setattr(client, "send", real_send)

    settlement = services.settle(quote_id=quote.pk, actor=cashier)

    assert SandboxSettlement.objects.get().setl_id == settlement.setl_id
    assert SandboxPerson.objects.get().account_balance_fen == NEW_PERSON_BALANCE_FEN - 80_000


def test_reversal_restores_the_account_and_is_refused_twice(patient, cashier):
    settlement = services.settle(quote_id=quote_for(patient, cashier).pk, actor=cashier)

    reversed_ = services.reverse(settlement_id=settlement.pk, actor=cashier)

    assert reversed_.status == "reversed"
    assert reversed_.reversed_at is not None
    person = SandboxPerson.objects.get()
    assert person.account_balance_fen == NEW_PERSON_BALANCE_FEN
    assert (person.year_deductible_fen, person.year_fund_fen) == (0, 0)
    assert list(
        PlatformExchange.objects.filter(infno__in=["2208", "2205", "2202"])
        .order_by("id")
        .values_list("infno", "infcode")
    ) == [("2208", "0"), ("2205", "0"), ("2202", "0")]
    with pytest.raises(DomainError) as twice:
        services.reverse(settlement_id=settlement.pk, actor=cashier)
    assert twice.value.code == "already_reversed"
    assert PlatformExchange.objects.filter(infno="2208").count() == 1


def test_reversing_an_unknown_settlement_is_refused(cashier):
    with pytest.raises(NotFound) as unknown:
        services.reverse(settlement_id=424242, actor=cashier)
    assert unknown.value.code == "unknown_settlement"


def test_the_platform_refuses_to_reverse_twice_too(patient, cashier):
    settlement = services.settle(quote_id=quote_for(patient, cashier).pk, actor=cashier)
    services.reverse(settlement_id=settlement.pk, actor=cashier)
    request = dict(PlatformExchange.objects.get(infno="2208").request, msgid="H0019999")

    answer = SandboxPlatform().exchange(request)

    assert answer["infcode"] == "-1"
    assert answer["err_msg"] == "该结算已撤销"


def test_a_new_quote_for_the_same_visit_withdraws_the_open_one(patient, cashier):
    first = quote_for(patient, cashier)

    second = quote_for(patient, cashier, items=[item("A", 1_000)])

    first.refresh_from_db()
    assert first.status == "cancelled"
    assert second.status == "quoted"
    with pytest.raises(DomainError) as closed:
        services.settle(quote_id=first.pk, actor=cashier)
    assert closed.value.code == "quote_closed"


@pytest.mark.parametrize(
    ("bad", "field", "code"),
    [
        (item("A", -100), "items.0.unit_price_fen", "negative"),
        (InsuredItem("X", "x", "A", 1, 100, 99.5), "items.0.amount_fen", "not_integer"),
        (InsuredItem("X", "x", "A", 3, 100, 301), "items.0.amount_fen", "mismatch"),
        (InsuredItem("X", "x", "D", 1, 100, 100), "items.0.category", "unknown_category"),
        (InsuredItem("X", "x", "A", 0, 100, 0), "items.0.quantity", "invalid"),
    ],
)
def test_bad_items_are_refused_before_anything_is_sent(patient, cashier, bad, field, code):
    with pytest.raises(InvalidInput) as refused:
        quote_for(patient, cashier, items=[bad])

    assert (refused.value.errors[0].field, refused.value.errors[0].code) == (field, code)
    assert not PlatformExchange.objects.exists()
    assert not InsuranceQuote.objects.exists()


def test_fractional_quantities_round_to_the_fen(patient, cashier):
    half = InsuredItem("DRUG-1", "half box", "A", Decimal("0.5"), 1_001, 501)

    assert quote_for(patient, cashier, items=[half]).total_fen == 501


def test_a_patient_without_a_resident_id_is_not_insured(register, cashier, clock):
    passport_holder = register(
        name="John Smith",
        documents=[DocumentInput("passport", "E12345678", "GBR")],
    )

    with pytest.raises(DomainError) as refused:
        quote_for(passport_holder, cashier)
    assert refused.value.code == "not_insured"
    assert not InsuranceQuote.objects.exists()


def test_staff_without_the_permission_cannot_settle(patient, make_staff, tertiary):
    nurse = actor_for(make_staff("nurse", tertiary))
    with pytest.raises(PermissionDenied):
        quote_for(patient, nurse)


def test_person_query_returns_masked_identity_and_balance(patient, cashier):
    person = services.query_person(patient=patient, actor=cashier)

    assert person.insutype == "310"
    assert person.account_balance_fen == NEW_PERSON_BALANCE_FEN
    assert person.certno_masked == "1101**********4477"
    assert AuditEvent.objects.filter(summary="insurance 1101").count() == 1


def test_a_quote_whose_settlement_went_out_cannot_be_cancelled(patient, cashier, monkeypatch):
    quote = quote_for(patient, cashier)

    def no_answer(exchange):
        raise TimeoutError("the platform did not answer")

    monkeypatch.setattr(client, "send", no_answer)
    with pytest.raises(TimeoutError):
        services.settle(quote_id=quote.pk, actor=cashier)
    monkeypatch.undo()

    with pytest.raises(DomainError) as refused:
        services.cancel_quote(quote_id=quote.pk, actor=cashier)

    assert refused.value.code == "settlement_in_flight"
    assert services.settle(quote_id=quote.pk, actor=cashier).status == "settled"
