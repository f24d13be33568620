"""Family doctor contracts (家庭医生签约): the team offers, the patient (or a family member acting
for them) signs on the phone with the e-health card shown; the contract links the patient to the
team that refers them and receives them back. Signing also consents to the team's institution
reading the shared record (R-NET-4)."""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from onetrip.core import audit, clock
from onetrip.core.actors import Actor, ActorKind
from onetrip.core.errors import NotFound, PermissionDenied
from onetrip.core.models import AuditAction
from onetrip.identity import services as identity
from onetrip.notifications import services as notifications
from onetrip.referral.models import (
    OPEN_CONTRACT_STATUSES,
    ContractStatus,
    FamilyDoctorContract,
    FamilyDoctorTeam,
)
from onetrip.referral.services.common import patient_for, require_staff
from onetrip.referral.services.referrals import ReferralRefused

CONTRACT_DAYS = 365


def offer_contract(patient_id: int, *, team_id: int, actor: Actor) -> FamilyDoctorContract:
    require_staff(actor, "referral.offer_contract")
    try:
        return _offer(patient_id, team_id, actor)
    except IntegrityError:
        raise ReferralRefused(
            _("This patient already has a family doctor contract."), code="contracted"
        ) from None


@transaction.atomic
def _offer(patient_id: int, team_id: int, actor: Actor) -> FamilyDoctorContract:
    team = FamilyDoctorTeam.objects.filter(pk=team_id, institution_id=actor.institution_id).first()
    if team is None:
        raise NotFound(_("No such family doctor team here."))
    patient = patient_for(patient_id, actor, for_update=True)
    today = clock.today()
    contract = FamilyDoctorContract.objects.create(
        patient=patient,
        team=team,
        offered_at=clock.now(),
        offered_by=actor.label[:150],
        valid_from=today,
        valid_until=today + dt.timedelta(days=CONTRACT_DAYS),
    )
    audit.record(
        actor, AuditAction.CREATE, contract, patient_id=patient.pk, summary="contract offered"
    )
    notifications.notify(
        "contract_offered",
        phone=patient.phone,
        subject=contract,
        params={"team": team.name, "path": "/p/referrals/"},
    )
    return contract


@transaction.atomic
def sign_contract(contract_id: int, *, actor: Actor) -> FamilyDoctorContract:
    """The patient signs on the phone; only a mobile account acting for the patient may."""
    if actor.kind != ActorKind.PATIENT:
        raise PermissionDenied(_("The patient signs the contract on their phone."))
    contract = (
        FamilyDoctorContract.objects.select_for_update(no_key=True)
        .filter(pk=contract_id, patient__in=identity.accessible_patients(actor))
        .first()
    )
    if contract is None:
        raise NotFound(_("No such contract."))
    if contract.status != ContractStatus.OFFERED:
        raise ReferralRefused(_("This contract is not waiting for a signature."), code="state")
    contract.status = ContractStatus.SIGNED
    contract.signed_at = clock.now()
    contract.signed_by = actor.label[:150]
    contract.save(update_fields=["status", "signed_at", "signed_by"])
    identity.affiliate_for_referral(contract.patient_id, contract.team.institution_id)
    audit.record(
        actor,
        AuditAction.GRANT,
        contract,
        patient_id=contract.patient_id,
        summary="contract signed; record shared with the team's institution",
    )
    return contract


def open_contract(patient_id: int) -> FamilyDoctorContract | None:
    """The patient's offered or signed contract, with its team; the caller checked access."""
    return (
        FamilyDoctorContract.objects.select_related("team__lead_doctor", "team__institution")
        .filter(patient_id=patient_id, status__in=OPEN_CONTRACT_STATUSES)
        .first()
    )


def add_team(
    *, institution_id: int, name: str, lead_doctor_id: int, phone: str = "", services: str = ""
) -> FamilyDoctorTeam:
    """A family doctor team (set up by the back office and the demo)."""
    return FamilyDoctorTeam.objects.create(
        institution_id=institution_id,
        name=name,
        lead_doctor_id=lead_doctor_id,
        phone=phone,
        services=services,
    )
