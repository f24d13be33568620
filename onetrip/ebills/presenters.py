"""How a bill reads on the phone, the kiosk, the PDF and the public check: labels and yuan."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from onetrip.core.masking import mask_name
from onetrip.ebills.models import ChargeCategory, EBill
from onetrip.ebills.services import remaining
from onetrip.insurance import commercial

# Billing's channel codes (R-PAY-2); an unknown code is shown as it is.
PAYMENT_CHANNELS = {
    "cash": _("Cash"),
    "cheque": _("Cheque"),
    "bank_card": _("Bank card (POS)"),
    "wechat": _("WeChat Pay"),
    "alipay": _("Alipay"),
    "insurance": _("Social-security card"),
    "credit": _("Pay after treatment"),
    "deposit": _("Inpatient deposit"),
}
INSURANCE_TYPES = {"310": _("Employee medical insurance"), "390": _("Resident medical insurance")}


def yuan(fen: int) -> str:
    sign = "-" if fen < 0 else ""
    return f"{sign}¥{abs(fen) // 100:,}.{abs(fen) % 100:02d}"


@dataclass(frozen=True)
class Line:
    label: str
    amount: str


def verification_path(bill: EBill) -> str:
    query = urlencode(
        {"code": bill.bill_code, "number": bill.bill_number, "check": bill.check_code}
    )
    return f"{reverse('ebill-verify')}?{query}"


def present(bill: EBill) -> dict[str, Any]:
    categories = dict(ChargeCategory.choices)
    facts: dict[str, Any] = {
        "bill": bill,
        "lines": [
            Line(str(categories.get(line["category"], line["category"])), yuan(line["amount_fen"]))
            for line in bill.lines
        ],
        "total": yuan(bill.total_fen),
        "fund": yuan(bill.fund_fen),
        "account": yuan(bill.account_fen),
        "cash": yuan(bill.cash_fen),
        "channel": PAYMENT_CHANNELS.get(bill.payment_channel, bill.payment_channel),
        "insurance_type": INSURANCE_TYPES.get(bill.insurance_type, bill.insurance_type),
        "verification_path": verification_path(bill),
    }
    if not bill.is_red_letter:
        # 商保直赔 (D100): the insurer paid part of the personal cash on the patient's behalf.
        direct = commercial.of_settlement(bill.institution_id, bill.settlement_reference)
        if direct is not None:
            facts["commercial"] = yuan(direct.insurer_fen)
            facts["commercial_insurer"] = direct.policy.get_insurer_display()
            facts["commercial_claim"] = direct.claim_number
        left = remaining(bill)["total_fen"]
        facts["refunded"] = yuan(bill.total_fen - left) if left != bill.total_fen else ""
    return facts


def present_public(bill: EBill) -> dict[str, Any]:
    """What the public check shows: no more of the payer than a masked name."""
    facts = present(bill)
    facts["payer"] = mask_name(bill.payer_name)
    return facts
