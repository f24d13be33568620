"""Reimbursement claims for self-paid care outside the home city (异地就医手工报销, R-PAY-8,
D101), filed on the phone with the patient's own e-bills attached and tracked to payment.

A claim goes to the home-city insurance office through `commercial_platform` with our reference
(a retry is answered once) and moves forward only: submitted → under review → approved or
rejected (with the office's reason) → paid. A rejected claim frees its e-bills for another."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from onetrip.core import audit, clock, limits
from onetrip.core.actors import Actor
from onetrip.core.errors import DomainError, FieldError, InvalidInput, NotFound
from onetrip.core.idempotency import check_idempotency_key
from onetrip.core.masking import mask_document_number
from onetrip.core.models import AuditAction
from onetrip.ebills import services as ebills
from onetrip.identity import services as identity
from onetrip.insurance import commercial_platform
from onetrip.insurance.models import ClaimStatus, OffsiteClaim, OffsiteClaimBill

AREA = re.compile(r"^\d{6}$")
BANK_ACCOUNT = re.compile(r"^\d{12,30}$")
MAX_BILLS = 20
# How far along each state is: the platform's answer may only move a claim further.
PROGRESS = {
    ClaimStatus.SUBMITTED: 0,
    ClaimStatus.UNDER_REVIEW: 1,
    ClaimStatus.APPROVED: 2,
    ClaimStatus.REJECTED: 2,
    ClaimStatus.PAID: 3,
}


class ClaimRefused(DomainError):
    status = 409


@dataclass(frozen=True)
class ClaimableBill:
    ebill_id: int
    label: str
    institution_name: str
    patient_name: str
    issued_at: object
    amount_fen: int  # what the patient paid and still has not had back
    fund_fen: int


def _patient_ids(actor: Actor) -> QuerySet:
    return identity.patients_of_account(actor.account_id or 0).values("pk")


def _claimed_ids() -> QuerySet:
    return OffsiteClaimBill.objects.filter(active=True).values("ebill_id")


def claimable_bills(*, actor: Actor) -> list[ClaimableBill]:
    """The account's patients' e-bills that may go on a claim: not reversed in full, not on a
    claim that is still open or paid."""
    found = []
    bills = ebills.bills_of_account(actor.account_id or 0).filter(kind="normal")
    for bill in bills.exclude(pk__in=_claimed_ids()).select_related("patient"):
        left = ebills.remaining(bill)
        if left["cash_fen"] > 0:
            found.append(
                ClaimableBill(
                    ebill_id=bill.pk,
                    label=f"{bill.bill_code}-{bill.bill_number}",
                    institution_name=bill.institution.name,
                    patient_name=bill.patient.name,
                    issued_at=bill.issued_at,
                    amount_fen=left["cash_fen"],
                    fund_fen=left["fund_fen"],
                )
            )
    return found


def _check(ebill_ids: list[int], insured_area: str, payee_account: str) -> None:
    errors = []
    if not ebill_ids or len(ebill_ids) > MAX_BILLS:
        errors.append(FieldError("ebill_ids", _("Pick the e-bills to claim for.")))
    if not AREA.match(insured_area):
        errors.append(
            FieldError("insured_area", _("Enter the 6-digit area code of your insured city."))
        )
    if not BANK_ACCOUNT.match(payee_account):
        errors.append(
            FieldError("payee_account", _("Enter the bank account number (12 to 30 digits)."))
        )
    if errors:
        raise InvalidInput(*errors)


def _earlier(actor: Actor, key: str) -> OffsiteClaim | None:
    if not key:
        return None
    return OffsiteClaim.objects.filter(patient__in=_patient_ids(actor), idempotency_key=key).first()


def submit_claim(
    *,
    ebill_ids: list[int],
    insured_area: str,
    payee_account: str,
    idempotency_key: str = "",
    actor: Actor,
) -> OffsiteClaim:
    """File a claim with these e-bills (all of one patient at one institution). The same key
    answers with the claim it filed; an e-bill not the account's own is a 404."""
    check_idempotency_key(idempotency_key)
    insured_area, payee_account = insured_area.strip(), payee_account.replace(" ", "")
    ebill_ids = sorted(set(ebill_ids))
    _check(ebill_ids, insured_area, payee_account)
    earlier = _earlier(actor, idempotency_key)
    if earlier is not None:
        return earlier
    try:
        return _submit(ebill_ids, insured_area, payee_account, idempotency_key, actor)
    except IntegrityError:
        earlier = _earlier(actor, idempotency_key)
        if earlier is not None:
            return earlier
        raise ClaimRefused(
            _("One of these e-bills is already on a claim."), code="already_claimed"
        ) from None


@transaction.atomic
def _submit(
    ebill_ids: list[int], insured_area: str, payee_account: str, key: str, actor: Actor
) -> OffsiteClaim:
    bills = list(
        ebills.bills_of_account(actor.account_id or 0)
        .filter(pk__in=ebill_ids, kind="normal")
        .order_by("pk")
    )
    if len(bills) != len(ebill_ids):
        raise NotFound(_("No such e-bill."), code="unknown_ebill")
    if len({(b.patient_id, b.institution_id) for b in bills}) != 1:
        raise InvalidInput.field(
            "ebill_ids", _("A claim holds the bills of one patient at one hospital."), "mixed"
        )
    if OffsiteClaimBill.objects.filter(ebill_id__in=ebill_ids, active=True).exists():
        raise ClaimRefused(_("One of these e-bills is already on a claim."), code="already_claimed")
    lines = []
    for bill in bills:
        left = ebills.remaining(bill)
        if left["cash_fen"] <= 0:
            raise InvalidInput.field(
                "ebill_ids", _("A bill refunded in full cannot be claimed."), "refunded"
            )
        lines.append((bill, left))
    now = clock.now()
    claim = OffsiteClaim.objects.create(
        patient_id=bills[0].patient_id,
        institution_id=bills[0].institution_id,
        insured_area=insured_area,
        payee_account_masked=mask_document_number(payee_account)[:30],
        total_fen=sum(left["cash_fen"] for _bill, left in lines),
        submitted_at=now,
        submitted_by=actor.label[:150],
        idempotency_key=key,
    )
    OffsiteClaimBill.objects.bulk_create(
        OffsiteClaimBill(
            claim=claim,
            ebill_id=bill.pk,
            label=f"{bill.bill_code}-{bill.bill_number}",
            issued_on=bill.issued_at.astimezone(now.tzinfo).date(),
            amount_fen=left["cash_fen"],
            fund_fen=left["fund_fen"] + left["account_fen"],
        )
        for bill, left in lines
    )
    try:
        answer = commercial_platform.call(
            "submit_claim",
            {
                "reference": f"OC{claim.pk}",
                "insured_area": insured_area,
                "payee_account": payee_account,
                "bills": [
                    {
                        "label": f"{bill.bill_code}-{bill.bill_number}",
                        "amount_fen": left["cash_fen"],
                        "fund_fen": left["fund_fen"] + left["account_fen"],
                    }
                    for bill, left in lines
                ],
            },
        )
    except commercial_platform.InsurerRefused as exc:
        raise InvalidInput.field("insured_area", exc.message, exc.code) from None
    claim.claim_number = str(answer["claim_number"])[:40]
    claim.save(update_fields=["claim_number"])
    audit.record(
        actor,
        AuditAction.CREATE,
        claim,
        patient_id=claim.patient_id,
        summary=f"off-site claim {claim.claim_number}: {claim.total_fen} fen, {len(bills)} bills",
    )
    return claim


# --- reading ---------------------------------------------------------------------------------


def claims_of_account(*, actor: Actor) -> QuerySet[OffsiteClaim]:
    return (
        OffsiteClaim.objects.filter(patient__in=_patient_ids(actor))
        .select_related("patient", "institution")
        .prefetch_related("bills")
    )


def claim_of_account(claim_id: int, *, actor: Actor) -> OffsiteClaim:
    claim = claims_of_account(actor=actor).filter(pk=claim_id).first()
    if claim is None:
        raise NotFound(_("No such claim."), code="unknown_claim")
    return claim


def claims_at_institution(*, actor: Actor, status: str = "") -> QuerySet[OffsiteClaim]:
    """The desk's list: claims for care at the staff member's institution."""
    claims = OffsiteClaim.objects.filter(institution_id=actor.institution_id).select_related(
        "patient"
    )
    return claims.filter(status=status) if status in ClaimStatus.values else claims


def claim_for_staff(claim_id: int, *, actor: Actor) -> OffsiteClaim:
    claim = claims_at_institution(actor=actor).prefetch_related("bills").filter(pk=claim_id).first()
    if claim is None:
        raise NotFound(_("No such claim."), code="unknown_claim")
    audit.record_staff_read(
        actor, claim, patient_id=claim.patient_id, summary=f"off-site claim {claim}"
    )
    return claim


# --- following a claim -----------------------------------------------------------------------


def refresh_claim(claim: OffsiteClaim, *, actor: Actor) -> OffsiteClaim:
    """Ask the office where a claim stands and record its progress. `claim` is one the caller
    was allowed to read (claim_of_account, claim_for_staff)."""
    if claim.status in (ClaimStatus.PAID, ClaimStatus.REJECTED) or not claim.claim_number:
        return claim
    limits.spend("claim_refresh_per_claim", str(claim.pk))
    answer = commercial_platform.call("query_claim", {"claim_number": claim.claim_number})
    status = str(answer.get("status", ""))
    with transaction.atomic():
        current = OffsiteClaim.objects.select_for_update().get(pk=claim.pk)
        if status not in PROGRESS or PROGRESS[status] <= PROGRESS[current.status]:
            return current
        if current.status == ClaimStatus.APPROVED and status == ClaimStatus.REJECTED:
            return current
        now = clock.now()
        fields = {"status": status}
        current.reviewed_at = current.reviewed_at or now
        fields["reviewed_at"] = current.reviewed_at
        if PROGRESS[status] >= PROGRESS[ClaimStatus.APPROVED]:
            fields["decided_at"] = current.decided_at or now
        if status in (ClaimStatus.APPROVED, ClaimStatus.PAID) and answer.get("approved_fen"):
            fields["approved_fen"] = min(int(answer["approved_fen"]), current.total_fen)
        if status == ClaimStatus.REJECTED:
            fields["reason"] = str(answer.get("reason") or _("No reason given"))[:200]
            OffsiteClaimBill.objects.filter(claim=current).update(active=False)
        if status == ClaimStatus.PAID:
            fields["paid_at"] = now
        OffsiteClaim.objects.filter(pk=current.pk, status=current.status).update(**fields)
        audit.record(
            actor,
            AuditAction.UPDATE,
            current,
            patient_id=current.patient_id,
            summary=f"off-site claim {current.claim_number}: {current.status} → {status}",
        )
        current.refresh_from_db()
    return current
