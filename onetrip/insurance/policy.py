"""Reimbursement arithmetic of one outpatient bill (R-PAY-3), in integer fen, without I/O.

Order (as in the setlinfo of ../shared/reference/domain-rules.md §3.3):
1. category C items are fully self-paid (fulamt_ownpay_amt);
2. of category B items the patient first pays the policy's share (preselfpay_amt);
3. the rest is within the policy's scope (inscp_scp_amt); the unmet part of the annual
   deductible (act_pay_dedc) is taken from it, category A first;
4. the fund pays its ratio of what is left, per category, rounded down to the fen, and never
   beyond the annual ceiling (the excess is over-ceiling self-pay);
5. the personal part is paid from the personal account (up to its balance, C items only when the
   policy allows) and the remainder in cash.
fund + account + cash == total always holds: cash is computed as the remainder.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

BASIS = 10_000


@dataclass(frozen=True)
class PolicyTerms:
    deductible_fen: int
    fund_ratio_a_bp: int
    fund_ratio_b_bp: int
    b_self_pay_first_bp: int
    annual_ceiling_fen: int
    account_may_pay: bool = True
    account_pays_self_paid_items: bool = False


# The documented default set (docs/decisions.md): typical Zhejiang municipal outpatient terms.
DEFAULT_TERMS = {
    "310": PolicyTerms(  # employees
        deductible_fen=100_000,
        fund_ratio_a_bp=8_000,
        fund_ratio_b_bp=7_000,
        b_self_pay_first_bp=1_000,
        annual_ceiling_fen=40_000_000,
    ),
    "390": PolicyTerms(  # residents: no personal account
        deductible_fen=30_000,
        fund_ratio_a_bp=6_000,
        fund_ratio_b_bp=5_000,
        b_self_pay_first_bp=1_500,
        annual_ceiling_fen=25_000_000,
        account_may_pay=False,
    ),
}


@dataclass(frozen=True)
class YearToDate:
    """What the person has used this year before this bill, and their account balance."""

    deductible_paid_fen: int = 0
    fund_paid_fen: int = 0
    account_balance_fen: int = 0


@dataclass(frozen=True)
class Split:
    total_fen: int
    self_paid_fen: int  # fulamt_ownpay_amt
    pre_self_paid_fen: int  # preselfpay_amt
    in_scope_fen: int  # inscp_scp_amt
    deductible_fen: int  # act_pay_dedc
    over_ceiling_fen: int  # overlmt part of the fund's share the ceiling refused
    fund_fen: int  # hifp_pay / fund_pay_sumamt
    account_fen: int  # acct_pay
    cash_fen: int  # psn_cash_pay

    @property
    def personal_fen(self) -> int:  # psn_part_amt
        return self.account_fen + self.cash_fen


def compute_split(
    lines: Iterable[tuple[str, int]],
    terms: PolicyTerms,
    year: YearToDate,
    *,
    use_account: bool,
) -> Split:
    """`lines` are (category, amount_fen) pairs with category "A", "B" or "C"."""
    totals = {"A": 0, "B": 0, "C": 0}
    for category, amount in lines:
        totals[category] += amount
    total = sum(totals.values())
    pre_self_paid = totals["B"] * terms.b_self_pay_first_bp // BASIS
    scope_a, scope_b = totals["A"], totals["B"] - pre_self_paid

    deductible_left = max(0, terms.deductible_fen - year.deductible_paid_fen)
    deductible_a = min(scope_a, deductible_left)
    deductible_b = min(scope_b, deductible_left - deductible_a)
    fund_wanted = (scope_a - deductible_a) * terms.fund_ratio_a_bp // BASIS + (
        scope_b - deductible_b
    ) * terms.fund_ratio_b_bp // BASIS
    ceiling_left = max(0, terms.annual_ceiling_fen - year.fund_paid_fen)
    fund = min(fund_wanted, ceiling_left)

    personal = total - fund
    account_payable = personal if terms.account_pays_self_paid_items else personal - totals["C"]
    account = 0
    if use_account and terms.account_may_pay:
        account = max(0, min(year.account_balance_fen, account_payable))
    return Split(
        total_fen=total,
        self_paid_fen=totals["C"],
        pre_self_paid_fen=pre_self_paid,
        in_scope_fen=scope_a + scope_b,
        deductible_fen=deductible_a + deductible_b,
        over_ceiling_fen=fund_wanted - fund,
        fund_fen=fund,
        account_fen=account,
        cash_fen=total - fund - account,
    )
