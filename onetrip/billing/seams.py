"""The one place billing calls the insurance adapter (R-PAY-3) and the e-bill issuer (R-PAY-5);
nothing else in billing imports them."""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse

from onetrip.billing.models import Charge, Settlement
from onetrip.core.actors import Actor
from onetrip.core.errors import DomainError
from onetrip.ebills import services as ebills
from onetrip.ebills.services import EBillLine, EBillSource
from onetrip.insurance import commercial
from onetrip.insurance import services as insurance
from onetrip.insurance.services import InsuredItem


@dataclass(frozen=True)
class InsuranceSplit:
    quote_id: str
    fund_fen: int
    account_fen: int
    cash_fen: int


def insurance_quote(*, bill, charges: list[Charge], actor: Actor):
    """2201…2206 through the insurance app: the split of these charges.
    Raises the insurance app's DomainError (code "not_insured", "platform_refused")."""
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
    quote = insurance.pre_settle(
        patient=bill.patient,
        visit_reference=bill.visit_reference,
        items=items,
        institution=bill.institution,
        actor=actor,
    )
    return InsuranceSplit(str(quote.pk), quote.fund_fen, quote.account_fen, quote.cash_fen)


def insurance_settle(*, quote_id: str, actor: Actor) -> InsuranceSplit:
    """2207: the platform's answer is authoritative for the split."""
    done = insurance.settle(quote_id=int(quote_id), actor=actor)
    return InsuranceSplit(str(done.pk), done.fund_fen, done.account_fen, done.cash_fen)


def insurance_reverse(*, settlement_id: str, actor: Actor) -> None:
    """2208 (then 2205/2202) through the insurance app. Already reversed is a retry of ours
    after a crash, not an error; any other refusal stops the refund before money moves."""
    try:
        insurance.reverse(settlement_id=int(settlement_id), actor=actor)
    except DomainError as exc:
        if exc.code != "already_reversed":
            raise


@dataclass(frozen=True)
class CommercialShare:
    direct_id: str
    insurer_fen: int


NO_COMMERCIAL = CommercialShare(direct_id="", insurer_fen=0)


def commercial_quote(*, bill, own_part_fen: int, actor: Actor) -> CommercialShare:
    """The patient's commercial insurer's share of their own part (商保直赔, D100). Raises the
    insurance app's DomainError ("no_commercial_policy", "policy_expired")."""
    quoted = commercial.quote(
        patient_id=bill.patient_id,
        institution=bill.institution,
        visit_reference=bill.visit_reference,
        base_fen=own_part_fen,
        actor=actor,
    )
    return CommercialShare(str(quoted.pk), quoted.insurer_fen)


def commercial_settle(*, settlement: Settlement, actor: Actor) -> None:
    commercial.settle(
        direct_id=int(settlement.commercial_id),
        billing_reference=str(settlement.pk),
        actor=actor,
    )


def commercial_reverse(*, direct_id: str, actor: Actor) -> None:
    commercial.reverse(direct_id=int(direct_id), actor=actor)


def commercial_policy_in_force(patient_id: int) -> bool:
    return commercial.has_policy_in_force(patient_id)


def commercial_claim(settlement: Settlement):
    """The insurer's settlement of a hospital settlement (its claim number), or None."""
    if not settlement.commercial_id:
        return None
    return commercial.of_settlement(settlement.bill.institution_id, str(settlement.pk))


def issue_ebill(
    settlement: Settlement, *, charges: list[Charge] | None = None, actor: Actor
) -> str:
    """One e-bill per settlement; returns its key. `charges`: the settlement's, when at hand."""
    bill = settlement.bill
    patient = bill.patient
    totals: dict[str, int] = {}
    for charge in settlement.charges.all() if charges is None else charges:
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
        # The insurer pays part of the patient's own part on their behalf: the e-bill shows the
        # own part whole and its page names the insurer's share (D100).
        # The blood-donation fund's part likewise (D192).
        cash_fen=settlement.cash_fen + settlement.commercial_fen + settlement.blood_fen,
        payment_channel=settlement.channel,  # the e-bill speaks billing's channel codes
        visit_kind=bill.visit_kind,
        visit_number=bill.visit_reference,
        cashier=settlement.settled_by,
    )
    return str(ebills.issue_ebill(settlement=source, actor=actor).pk)


def issue_red_letter(*, ebill_id: str, refund_fen: int, reason: str, actor: Actor) -> None:
    if ebill_id:
        ebills.issue_red_letter(
            ebill_id=int(ebill_id), refund_fen=refund_fen, reason=reason, actor=actor
        )


def ebill_url(ebill_id: str) -> str:
    """Where the patient sees the e-bill on the phone ("" until it is issued)."""
    return reverse("patient-ebill", args=[int(ebill_id)]) if ebill_id else ""
