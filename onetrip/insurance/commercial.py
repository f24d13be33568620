"""Commercial health insurance settled with the hospital bill (商保直赔, R-PAY-8, D100).

A patient (or whoever acts for them) registers a policy; the insurer confirms it against the
patient's resident ID and answers its terms. At settlement billing asks for a quote of the
insurer's share of the patient's own part (after national insurance), the insurer settles it
with the payment and reverses it with a full refund. All insurer calls go through
`commercial_platform`; each write carries our reference, so a retry is answered once."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from onetrip.consortium.models import Institution
from onetrip.core import audit, clock, limits
from onetrip.core.actors import Actor
from onetrip.core.errors import DomainError, InvalidInput, NotFound
from onetrip.core.models import AuditAction
from onetrip.ebills.presenters import OtherPayerShare
from onetrip.identity import services as identity
from onetrip.identity.models import DocumentType, Patient
from onetrip.insurance import commercial_platform
from onetrip.insurance.models import (
    CommercialPolicy,
    DirectSettlement,
    DirectSettlementStatus,
    Insurer,
)

POLICY_NUMBER_MAX = 32


class NoCommercialPolicy(DomainError):
    status = 409


def _certno(patient: Patient) -> str:
    return (
        patient.documents.filter(doc_type=DocumentType.RESIDENT_ID, is_guardian_document=False)
        .values_list("number", flat=True)
        .first()
        or ""
    )


def register_policy(
    *, patient_id: int, insurer: str, policy_number: str, actor: Actor
) -> CommercialPolicy:
    """Verify a policy with its insurer and keep it with the terms the insurer answers. Asking
    again for the same policy refreshes its terms."""
    policy_number = policy_number.strip().upper()
    errors = []
    if insurer not in Insurer.values:
        errors.append(InvalidInput.field("insurer", _("Choose the insurer.")).errors[0])
    if not policy_number or len(policy_number) > POLICY_NUMBER_MAX or not policy_number.isalnum():
        errors.append(
            InvalidInput.field(
                "policy_number", _("Enter the policy number (letters and digits).")
            ).errors[0]
        )
    if errors:
        raise InvalidInput(*errors)
    patient = identity.accessible_patients(actor).filter(pk=patient_id).first()
    if patient is None:
        raise NotFound(_("No such patient."), code="unknown_patient")
    # Each verification asks the insurer: a guesser trying policy numbers is limited.
    limits.spend("commercial_policy_per_account", f"{actor.kind}:{actor.account_id or actor.label}")
    certno = _certno(patient)
    if not certno:
        raise InvalidInput.field(
            "policy_number", _("The patient has no resident ID card on record."), "no_resident_id"
        )
    try:
        terms = commercial_platform.call(
            "verify_policy",
            {
                "insurer": insurer,
                "policy_number": policy_number,
                "certno": certno,
                "name": patient.name,
            },
        )
    except commercial_platform.InsurerRefused as exc:
        raise InvalidInput.field("policy_number", exc.message, exc.code) from None
    now = clock.now()
    with transaction.atomic():
        policy, created = CommercialPolicy.objects.update_or_create(
            patient=patient,
            insurer=insurer,
            policy_number=policy_number,
            defaults={
                "product_name": terms["product_name"][:60],
                "valid_from": dt.date.fromisoformat(terms["valid_from"]),
                "valid_until": dt.date.fromisoformat(terms["valid_until"]),
                "deductible_fen": int(terms["deductible_fen"]),
                "ratio_bp": int(terms["ratio_bp"]),
                "annual_cap_fen": int(terms["annual_cap_fen"]),
                "verified_at": now,
                "verified_by": actor.label[:150],
            },
        )
        audit.record(
            actor,
            AuditAction.CREATE if created else AuditAction.UPDATE,
            policy,
            patient_id=patient.pk,
            summary=f"commercial policy {insurer} verified",
        )
    return policy


def policies_of(patient_ids: list[int]) -> QuerySet[CommercialPolicy]:
    return CommercialPolicy.objects.filter(patient_id__in=patient_ids).select_related("patient")


def policy_in_force(patient_id: int, on: dt.date) -> CommercialPolicy:
    """The patient's policy covering `on`; refusals: none registered, or none in force."""
    policies = list(CommercialPolicy.objects.filter(patient_id=patient_id))
    if not policies:
        raise NoCommercialPolicy(
            _("The patient has no commercial health policy on record."),
            code="no_commercial_policy",
        )
    for policy in policies:  # newest term first
        if policy.valid_from <= on <= policy.valid_until:
            return policy
    raise NoCommercialPolicy(
        _("The patient's commercial health policy is not in force today."),
        code="policy_expired",
    )


def has_policy_in_force(patient_id: int) -> bool:
    try:
        policy_in_force(patient_id, clock.today())
    except NoCommercialPolicy:
        return False
    return True


def quote(
    *, patient_id: int, institution: Institution, visit_reference: str, base_fen: int, actor: Actor
) -> DirectSettlement:
    """The insurer's share of a patient's own part `base_fen` (in the caller's transaction)."""
    today = clock.today()
    policy = policy_in_force(patient_id, today)
    try:
        answer = commercial_platform.call(
            "quote",
            {
                "insurer": policy.insurer,
                "policy_number": policy.policy_number,
                "base_fen": base_fen,
                "on": today.isoformat(),
            },
        )
    except commercial_platform.InsurerRefused as exc:
        raise NoCommercialPolicy(exc.message, code=exc.code) from None
    quoted = DirectSettlement.objects.create(
        policy=policy,
        patient_id=patient_id,
        institution=institution,
        visit_reference=visit_reference,
        base_fen=base_fen,
        deductible_fen=int(answer["deductible_fen"]),
        insurer_fen=int(answer["insurer_fen"]),
        created_at=clock.now(),
    )
    audit.record(
        actor,
        AuditAction.CREATE,
        quoted,
        patient_id=patient_id,
        summary=f"commercial quote {quoted.insurer_fen} of {base_fen} fen",
    )
    return quoted


def settle(*, direct_id: int, billing_reference: str, actor: Actor) -> DirectSettlement:
    """Settle a quote with the insurer; settling it again answers the same settlement."""
    with transaction.atomic():
        direct = (
            DirectSettlement.objects.select_for_update()
            .select_related("policy")
            .filter(pk=direct_id)
            .first()
        )
        if direct is None:
            raise NotFound(_("No such commercial settlement."), code="unknown_direct_settlement")
        if direct.status != DirectSettlementStatus.QUOTED:
            return direct
        answer = commercial_platform.call(
            "settle",
            {
                "reference": f"DS{direct.pk}",
                "insurer": direct.policy.insurer,
                "policy_number": direct.policy.policy_number,
                "base_fen": direct.base_fen,
                "insurer_fen": direct.insurer_fen,
                "on": direct.created_at.astimezone(clock.now().tzinfo).date().isoformat(),
            },
        )
        direct.claim_number = str(answer["claim_number"])[:40]
        direct.status = DirectSettlementStatus.SETTLED
        direct.settled_at = clock.now()
        direct.billing_reference = billing_reference[:40]
        direct.save(update_fields=["claim_number", "status", "settled_at", "billing_reference"])
        audit.record(
            actor,
            AuditAction.UPDATE,
            direct,
            patient_id=direct.patient_id,
            summary=f"commercial settlement {direct.claim_number}: {direct.insurer_fen} fen",
        )
    return direct


def reverse(*, direct_id: int, actor: Actor) -> DirectSettlement:
    """Return the insurer's share (a full refund); reversing again changes nothing."""
    with transaction.atomic():
        direct = DirectSettlement.objects.select_for_update().filter(pk=direct_id).first()
        if direct is None:
            raise NotFound(_("No such commercial settlement."), code="unknown_direct_settlement")
        if direct.status != DirectSettlementStatus.SETTLED:
            return direct
        commercial_platform.call("reverse", {"claim_number": direct.claim_number})
        direct.status = DirectSettlementStatus.REVERSED
        direct.reversed_at = clock.now()
        direct.save(update_fields=["status", "reversed_at"])
        audit.record(
            actor,
            AuditAction.UPDATE,
            direct,
            patient_id=direct.patient_id,
            summary=f"commercial settlement {direct.claim_number} reversed",
        )
    return direct


def of_settlement(institution_id: int, billing_reference: str) -> DirectSettlement | None:
    """The insurer's share of one hospital settlement (what the e-bill shows)."""
    if not billing_reference:
        return None
    return (
        DirectSettlement.objects.filter(
            institution_id=institution_id, billing_reference=billing_reference
        )
        .exclude(status=DirectSettlementStatus.QUOTED)
        .select_related("policy")
        .first()
    )


def ebill_share(institution_id: int, billing_reference: str) -> OtherPayerShare | None:
    """The insurer's share as an e-bill shows it (registered with ebills at start-up, D100)."""
    direct = of_settlement(institution_id, billing_reference)
    if direct is None:
        return None
    return OtherPayerShare(
        payer=str(direct.policy.get_insurer_display()),
        amount_fen=direct.insurer_fen,
        claim_number=direct.claim_number,
    )
