"""The reimbursement arithmetic (R-PAY-3): deductible, ratios by category, ceiling, personal
account, and the split invariant fund + account + cash == total."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from onetrip.insurance.policy import DEFAULT_TERMS, PolicyTerms, YearToDate, compute_split

TERMS = PolicyTerms(
    deductible_fen=10_000,
    fund_ratio_a_bp=8_000,
    fund_ratio_b_bp=7_000,
    b_self_pay_first_bp=1_000,
    annual_ceiling_fen=1_000_000,
)
MET = YearToDate(deductible_paid_fen=10_000)


def test_the_deductible_is_paid_before_the_fund_pays():
    split = compute_split([("A", 30_000)], TERMS, YearToDate(), use_account=False)

    assert split.deductible_fen == 10_000
    assert split.fund_fen == 16_000  # 80% of the 20,000 above the deductible
    assert split.cash_fen == 14_000


def test_a_deductible_met_earlier_in_the_year_is_not_paid_again():
    split = compute_split([("A", 30_000)], TERMS, MET, use_account=False)

    assert split.deductible_fen == 0
    assert split.fund_fen == 24_000


def test_category_b_is_paid_first_in_part_then_at_its_own_ratio():
    split = compute_split([("B", 10_000)], TERMS, MET, use_account=False)

    assert split.pre_self_paid_fen == 1_000
    assert split.in_scope_fen == 9_000
    assert split.fund_fen == 6_300  # 70% of 9,000


def test_category_c_is_fully_self_paid_and_not_from_the_account():
    split = compute_split([("C", 5_000)], TERMS, YearToDate(10_000, 0, 99_999), use_account=True)

    assert split.self_paid_fen == 5_000
    assert (split.fund_fen, split.account_fen, split.cash_fen) == (0, 0, 5_000)


def test_the_annual_ceiling_caps_the_fund():
    year = YearToDate(deductible_paid_fen=10_000, fund_paid_fen=995_000)

    split = compute_split([("A", 100_000)], TERMS, year, use_account=False)

    assert split.fund_fen == 5_000
    assert split.over_ceiling_fen == 75_000
    assert split.cash_fen == 95_000


def test_the_personal_account_pays_before_cash_up_to_its_balance():
    year = YearToDate(deductible_paid_fen=10_000, account_balance_fen=3_000)

    split = compute_split([("A", 20_000), ("C", 1_000)], TERMS, year, use_account=True)

    assert split.fund_fen == 16_000
    assert split.account_fen == 3_000  # of the 4,000 personal part of category A
    assert split.cash_fen == 2_000


def test_residents_have_no_personal_account_to_use():
    split = compute_split(
        [("A", 50_000)], DEFAULT_TERMS["390"], YearToDate(0, 0, 50_000), use_account=True
    )

    assert split.account_fen == 0


lines = st.lists(
    st.tuples(st.sampled_from("ABC"), st.integers(min_value=0, max_value=10_000_000)),
    min_size=1,
    max_size=20,
)
terms = st.builds(
    PolicyTerms,
    deductible_fen=st.integers(0, 500_000),
    fund_ratio_a_bp=st.integers(0, 10_000),
    fund_ratio_b_bp=st.integers(0, 10_000),
    b_self_pay_first_bp=st.integers(0, 10_000),
    annual_ceiling_fen=st.integers(0, 50_000_000),
    account_may_pay=st.booleans(),
    account_pays_self_paid_items=st.booleans(),
)
years = st.builds(
    YearToDate,
    deductible_paid_fen=st.integers(0, 600_000),
    fund_paid_fen=st.integers(0, 60_000_000),
    account_balance_fen=st.integers(0, 5_000_000),
)


@given(lines, terms, years, st.booleans())
def test_every_split_adds_up_in_whole_non_negative_fen(lines, terms, year, use_account):
    split = compute_split(lines, terms, year, use_account=use_account)

    assert split.fund_fen + split.account_fen + split.cash_fen == split.total_fen
    assert min(split.fund_fen, split.account_fen, split.cash_fen) >= 0
    assert all(isinstance(v, int) for v in (split.fund_fen, split.account_fen, split.cash_fen))
    assert split.fund_fen <= split.in_scope_fen
    assert split.fund_fen <= max(0, terms.annual_ceiling_fen - year.fund_paid_fen)
    assert split.account_fen <= year.account_balance_fen
    c_total = sum(amount for category, amount in lines if category == "C")
    assert split.fund_fen <= split.total_fen - c_total  # category C never reaches the fund
