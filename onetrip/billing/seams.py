"""The one place billing calls the insurance adapter (R-PAY-3) and the e-bill issuer (R-PAY-5),
per the agreed contract. Each call degrades to "not available" while the other app lacks the
service, so self-paying patients settle either way; nothing else in billing imports them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from onetrip.billing.models import Charge, PaymentChannel, Settlement
from onetrip.core.actors import Actor

# Billing's channel codes → the e-bill's payment_channel vocabulary.
EBILL_CHANNELS = {PaymentChannel.BANK_CARD: "card", PaymentChannel.INSURANCE: "insurance_card"}


@dataclass(frozen=True)
class InsuranceSplit:
    quote_id: str
    fund_fen: int
    account_fen: int
    cash_fen: int


def _service(app: str, name: str) -> Any:
    try:
        module = __import__(f"onetrip.{app}.services", fromlist=[name])
    except ImportError:
        return None
    return getattr(module, name, None)


def insurance_available() -> bool:
    return _service("insurance", "pre_settle") is not None


def insurance_quote(*, bill, charges: list[Charge], actor: Actor):
    """2201…2206 through the insurance app: the split of these charges, or None (not available).
    Raises the insurance app's DomainError (code "not_insured", "platform_refused")."""
    pre_settle = _service("insurance", "pre_settle")
    if pre_settle is None:
        return None
    from onetrip.insurance.services import InsuredItem

    items = [
        InsuredItem(
            code=charge.code,
            name=charge.name,
            category=charge.insurance_category,
            quantity=charge.quantity,
            unit_price_fen=charge.unit_price_fen,
            amount_fen=charge.amount_fen,
        )
        for charge in charges
    ]
    quote = pre_settle(
        patient=bill.patient,
        visit_reference=bill.visit_reference,
        items=items,
        institution=bill.institution,
        actor=actor,
    )
    return InsuranceSplit(str(quote.pk), quote.fund_fen, quote.account_fen, quote.cash_fen)


def insurance_settle(*, quote_id: str, actor: Actor) -> InsuranceSplit:
    """2207: the platform's answer is authoritative for the split."""
    done = _service("insurance", "settle")(quote_id=int(quote_id), actor=actor)
    return InsuranceSplit(str(done.pk), done.fund_fen, done.account_fen, done.cash_fen)


def issue_ebill(settlement: Settlement, *, actor: Actor) -> str:
    """One e-bill per settlement; "" while the ebills app is not there."""
    issue = _service("ebills", "issue_ebill")
    if issue is None:
        return ""
    from onetrip.ebills.services import EBillLine, EBillSource

    bill = settlement.bill
    patient = bill.patient
    totals: dict[str, int] = {}
    for charge in settlement.charges.all():
        totals[charge.charge_category] = totals.get(charge.charge_category, 0) + charge.amount_fen
    document = patient.documents.filter(doc_type="resident_id").first()
    source = EBillSource(
        settlement_id=str(settlement.pk),
        settled_at=settlement.settled_at,
        institution_id=bill.institution_id,
        patient_id=patient.pk,
        payer_name=patient.name,
        payer_id_number=document.number if document else "",
        lines=tuple(EBillLine(category=c, amount_fen=a) for c, a in totals.items()),
        total_fen=settlement.total_fen,
        fund_fen=settlement.fund_fen,
        account_fen=settlement.account_fen,
        cash_fen=settlement.cash_fen,
        payment_channel=EBILL_CHANNELS.get(settlement.channel, settlement.channel),
        visit_kind=bill.visit_kind,
        visit_number=bill.visit_reference,
    )
    return str(issue(settlement=source, actor=actor).pk)


def issue_red_letter(*, ebill_id: str, refund_fen: int, reason: str, actor: Actor) -> None:
    issue = _service("ebills", "issue_red_letter")
    if issue is not None and ebill_id:
        issue(ebill_id=int(ebill_id), refund_fen=refund_fen, reason=reason, actor=actor)


def ebill_url(ebill_id: str) -> str:
    """Where the patient sees the e-bill on the phone ("" until it is issued)."""
    if not ebill_id:
        return ""
    from django.urls import NoReverseMatch, reverse

    try:
        return reverse("patient-ebill", args=[int(ebill_id)])
    except NoReverseMatch:  # the ebills app's pages are not there
        return ""
