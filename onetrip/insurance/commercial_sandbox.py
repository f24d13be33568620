"""The sandbox commercial insurers and home-city reimbursement office (R-PAY-8, D100, D101).

Direct settlement: the insurer pays `ratio_bp` of the patient's own part after the yearly
deductible, never beyond the yearly cap, within the policy's term. Off-site claims move one
step each time they are queried: submitted → under review → approved (70% of what the patient
paid) or rejected (a bill the fund already paid part of cannot be claimed by hand) → paid."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction

from onetrip.insurance.models import (
    ClaimStatus,
    SandboxCommercialClaim,
    SandboxCommercialPolicy,
    SandboxReimbursement,
)

BASIS = 10_000
LOCAL_AREA = "330100"  # the hospitals' own area: care here is not off-site for its insured
REIMBURSEMENT_RATIO_BP = 7_000
ALREADY_SETTLED = "票据已由医保基金结算，不能再手工报销"


def _refuse(code: str, message: str) -> dict[str, Any]:
    return {"ok": False, "code": code, "message": message}


def _ok(**data: Any) -> dict[str, Any]:
    return {"ok": True, "data": data}


def share(policy: SandboxCommercialPolicy, base_fen: int, on: dt.date) -> tuple[int, int]:
    """(deductible taken, insurer pays) for a patient's own part of `base_fen` on `on`."""
    fresh_year = policy.year != on.year
    used = 0 if fresh_year else policy.year_deductible_fen
    paid = 0 if fresh_year else policy.year_paid_fen
    deductible = min(base_fen, max(0, policy.deductible_fen - used))
    wanted = (base_fen - deductible) * policy.ratio_bp // BASIS
    return deductible, min(wanted, max(0, policy.annual_cap_fen - paid))


class CommercialSandbox:
    def call(self, operation: str, payload: dict[str, Any]) -> dict[str, Any]:
        handler = getattr(self, f"_{operation}", None)
        if handler is None:
            return _refuse("unknown_operation", operation)
        with transaction.atomic():
            return handler(payload)

    @staticmethod
    def _policy(payload: dict[str, Any], *, lock: bool = False):
        policies = SandboxCommercialPolicy.objects.filter(
            insurer=payload["insurer"], policy_number=payload["policy_number"]
        )
        return (policies.select_for_update() if lock else policies).first()

    def _verify_policy(self, payload: dict[str, Any]) -> dict[str, Any]:
        policy = self._policy(payload)
        if policy is None or policy.certno != payload.get("certno"):
            return _refuse("unknown_policy", "保单不存在或被保险人不符")
        return _ok(
            product_name=policy.product_name,
            valid_from=policy.valid_from.isoformat(),
            valid_until=policy.valid_until.isoformat(),
            deductible_fen=policy.deductible_fen,
            ratio_bp=policy.ratio_bp,
            annual_cap_fen=policy.annual_cap_fen,
        )

    def _quote(self, payload: dict[str, Any], *, lock: bool = False) -> dict[str, Any]:
        policy = self._policy(payload, lock=lock)
        on = dt.date.fromisoformat(payload["on"])
        if policy is None:
            return _refuse("unknown_policy", "保单不存在")
        if not policy.valid_from <= on <= policy.valid_until:
            return _refuse("policy_expired", "就诊日不在保单有效期内")
        deductible, insurer = share(policy, int(payload["base_fen"]), on)
        return _ok(deductible_fen=deductible, insurer_fen=insurer)

    def _settle(self, payload: dict[str, Any]) -> dict[str, Any]:
        done = SandboxCommercialClaim.objects.filter(request_reference=payload["reference"]).first()
        if done is not None:
            return _ok(claim_number=done.claim_number, insurer_fen=done.insurer_fen)
        answer = self._quote(payload, lock=True)
        if not answer["ok"]:
            return answer
        policy = self._policy(payload, lock=True)
        on = dt.date.fromisoformat(payload["on"])
        if policy.year != on.year:
            policy.year, policy.year_deductible_fen, policy.year_paid_fen = on.year, 0, 0
        quoted = int(payload["insurer_fen"])
        if quoted > answer["data"]["insurer_fen"]:
            return _refuse("quote_stale", "理赔额度已变化，请重新结算")
        policy.year_deductible_fen += answer["data"]["deductible_fen"]
        policy.year_paid_fen += quoted
        policy.save()
        claim = SandboxCommercialClaim.objects.create(
            claim_number=f"ZP{policy.pk:06d}{SandboxCommercialClaim.objects.count() + 1:08d}",
            request_reference=payload["reference"],
            policy=policy,
            deductible_fen=answer["data"]["deductible_fen"],
            insurer_fen=quoted,
        )
        return _ok(claim_number=claim.claim_number, insurer_fen=quoted)

    def _reverse(self, payload: dict[str, Any]) -> dict[str, Any]:
        claim = (
            SandboxCommercialClaim.objects.select_for_update()
            .filter(claim_number=payload["claim_number"])
            .first()
        )
        if claim is None:
            return _refuse("unknown_claim", "理赔单不存在")
        if not claim.reversed:
            policy = SandboxCommercialPolicy.objects.select_for_update().get(pk=claim.policy_id)
            policy.year_deductible_fen = max(0, policy.year_deductible_fen - claim.deductible_fen)
            policy.year_paid_fen = max(0, policy.year_paid_fen - claim.insurer_fen)
            policy.save()
            claim.reversed = True
            claim.save(update_fields=["reversed"])
        return _ok(claim_number=claim.claim_number, reversed=True)

    def _submit_claim(self, payload: dict[str, Any]) -> dict[str, Any]:
        done = SandboxReimbursement.objects.filter(request_reference=payload["reference"]).first()
        if done is not None:
            return _ok(claim_number=done.claim_number, status=done.status)
        area = str(payload.get("insured_area", ""))
        if area == LOCAL_AREA:
            return _refuse("not_offsite", "参保地与就医地相同，请直接医保结算")
        bills = payload.get("bills") or []
        claim = SandboxReimbursement.objects.create(
            claim_number=f"YD{area}{SandboxReimbursement.objects.count() + 1:08d}",
            request_reference=payload["reference"],
            insured_area=area,
            bills=bills,
            total_fen=sum(int(b["amount_fen"]) for b in bills),
            status=ClaimStatus.SUBMITTED,
        )
        return _ok(claim_number=claim.claim_number, status=claim.status)

    def _query_claim(self, payload: dict[str, Any]) -> dict[str, Any]:
        claim = (
            SandboxReimbursement.objects.select_for_update()
            .filter(claim_number=payload["claim_number"])
            .first()
        )
        if claim is None:
            return _refuse("unknown_claim", "报销申请不存在")
        if claim.status == ClaimStatus.SUBMITTED:
            claim.status = ClaimStatus.UNDER_REVIEW
        elif claim.status == ClaimStatus.UNDER_REVIEW:
            if any(int(b.get("fund_fen", 0)) for b in claim.bills):
                claim.status, claim.reason = ClaimStatus.REJECTED, ALREADY_SETTLED
            else:
                claim.status = ClaimStatus.APPROVED
                claim.approved_fen = claim.total_fen * REIMBURSEMENT_RATIO_BP // BASIS
        elif claim.status == ClaimStatus.APPROVED:
            claim.status = ClaimStatus.PAID
        claim.save()
        return _ok(
            claim_number=claim.claim_number,
            status=claim.status,
            approved_fen=claim.approved_fen,
            reason=claim.reason,
        )
