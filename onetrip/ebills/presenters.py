"""How a bill reads on the phone, the kiosk, the PDF and the public check: labels and yuan."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from onetrip.core.masking import mask_name
from onetrip.ebills.models import ChargeCategory, EBill
from onetrip.ebills.services import remaining

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


@dataclass(frozen=True)
class OtherPayerShare:
    payer: str  # the insurer's name, as the patient reads it
    amount_fen: int
    claim_number: str


# Payers besides the patient and the national fund, registered at start-up by the apps that
# settle with them (insurance: commercial direct billing, D100). Each reads its share of one
# settlement (an institution's id and the settlement's reference), or None.
OtherPayer = Callable[[int, str], OtherPayerShare | None]
_other_payers: list[OtherPayer] = []


def register_other_payer(reader: OtherPayer) -> None:
    _other_payers.append(reader)


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
        # 商保直赔 (D100): an insurer paid part of the personal cash on the patient's behalf.
        for other_payer in _other_payers:
            share = other_payer(bill.institution_id, bill.settlement_reference)
            if share is not None:
                facts["commercial"] = yuan(share.amount_fen)
                facts["commercial_insurer"] = share.payer
                facts["commercial_claim"] = share.claim_number
        left = remaining(bill)["total_fen"]
        facts["refunded"] = yuan(bill.total_fen - left) if left != bill.total_fen else ""
    return facts


def present_public(bill: EBill) -> dict[str, Any]:
    """What the public check shows: no more of the payer than a masked name."""
    facts = present(bill)
    facts["payer"] = mask_name(bill.payer_name)
    return facts
