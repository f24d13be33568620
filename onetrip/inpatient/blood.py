"""Blood fees without running around (用血不用跑, R-PAY-6, D192).

A blood donor, and their spouse, parents, children and spouse's parents, do not pay the blood
fees of a stay within what the donor's donations allow (献血法 第十四条 and the province's
implementing rules). The admission preparation centre or the ward records the claim: the
donor's identity number, the relationship declared and the document seen; the blood centre's
adapter answers the donations and what was already reimbursed. At discharge the covered blood
fees are taken off the patient's part through billing's discharge settlement, and the centre
is told after commit so the allowance is used once."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from onetrip.billing.services.charges import itemised_bill
from onetrip.core import audit, clock
from onetrip.core.actors import Actor
from onetrip.core.errors import DomainError, FieldError, InvalidInput
from onetrip.core.models import AuditAction
from onetrip.identity.documents import DocumentType
from onetrip.inpatient import bloodcentre
from onetrip.inpatient.access import MANAGE, locked_admission, refuse_unless, require_staff
from onetrip.inpatient.models import (
    Admission,
    AdmissionStatus,
    BloodDonorClaim,
    DonorRelationship,
    RelationshipProof,
)

log = logging.getLogger(__name__)

# The reimbursement rule (D192): a donor who gave 800 ml or more in all has every blood fee
# reimbursed; below that, up to five times the volume given. Relatives get up to the volume the
# donor gave. Both counts less what the blood centre says was already reimbursed.
UNLIMITED_FROM_ML = 800
DONOR_MULTIPLE = 5
RELATIVE_MULTIPLE = 1
# Blood products on the price catalogue and the donated volume one unit stands for: a unit of
# red cells (1 U) is made from 200 ml of whole blood; plasma is charged per 100 ml.
BLOOD_ITEMS_ML = {"BLOOD-RBC": 200, "BLOOD-PLASMA": 100}

PROOFS = {
    DonorRelationship.SELF: (RelationshipProof.ID_CARD,),
    DonorRelationship.SPOUSE: (
        RelationshipProof.MARRIAGE_CERTIFICATE,
        RelationshipProof.HOUSEHOLD_REGISTER,
    ),
    DonorRelationship.PARENT: (
        RelationshipProof.HOUSEHOLD_REGISTER,
        RelationshipProof.BIRTH_CERTIFICATE,
        RelationshipProof.KINSHIP_CERTIFICATE,
    ),
    DonorRelationship.CHILD: (
        RelationshipProof.HOUSEHOLD_REGISTER,
        RelationshipProof.BIRTH_CERTIFICATE,
        RelationshipProof.KINSHIP_CERTIFICATE,
    ),
    DonorRelationship.SPOUSE_PARENT: (
        RelationshipProof.HOUSEHOLD_REGISTER,
        RelationshipProof.KINSHIP_CERTIFICATE,
    ),
}


def allowance_ml(relationship: str, donated_ml: int, reimbursed_ml: int) -> int | None:
    """The volume still reimbursable; None means no limit."""
    if relationship == DonorRelationship.SELF and donated_ml >= UNLIMITED_FROM_ML:
        return None
    multiple = DONOR_MULTIPLE if relationship == DonorRelationship.SELF else RELATIVE_MULTIPLE
    return max(donated_ml * multiple - reimbursed_ml, 0)


def _born(id_number: str) -> dt.date | None:
    """The birth date an 18-character identity number carries."""
    try:
        return dt.date(int(id_number[6:10]), int(id_number[10:12]), int(id_number[12:14]))
    except ValueError:
        return None


def _relationship_errors(
    admission: Admission, id_number: str, relationship: str, proof: str
) -> list[FieldError]:
    errors = []
    if relationship not in DonorRelationship.values:
        return [FieldError("relationship", _("Choose one of the options."), "invalid_choice")]
    if proof not in PROOFS[DonorRelationship(relationship)]:
        errors.append(
            FieldError("proof", _("This document does not prove that relationship."), "proof")
        )
    born = _born(id_number)
    if len(id_number) != 18 or born is None:
        errors.append(FieldError("donor_id_number", _("Enter an 18-character identity number.")))
        return errors
    patient = admission.patient
    is_patient = patient.documents.filter(
        doc_type=DocumentType.RESIDENT_ID, number=id_number
    ).exists()
    if (relationship == DonorRelationship.SELF) != is_patient:
        errors.append(
            FieldError(
                "donor_id_number",
                _("The donor is the patient only when the number is the patient's own.")
                if relationship == DonorRelationship.SELF
                else _("This is the patient's own number: choose 'The donor'."),
                "not_this_person",
            )
        )
    elder = relationship in (DonorRelationship.PARENT, DonorRelationship.SPOUSE_PARENT)
    if (elder and born >= patient.birth_date) or (
        relationship == DonorRelationship.CHILD and born <= patient.birth_date
    ):
        errors.append(
            FieldError(
                "donor_id_number",
                _("The birth date in this number does not fit the relationship."),
                "age",
            )
        )
    return errors


def _hospital_code(admission: Admission) -> str:
    return admission.institution.code


@transaction.atomic
def claim_blood_fees(
    admission_id: int, *, donor_id_number: str, relationship: str, proof: str, actor: Actor
) -> BloodDonorClaim:
    """Record the donor and the relationship, checked against the blood centre's records; a
    second claim replaces the first until discharge."""
    require_staff(actor, MANAGE)
    admission = locked_admission(admission_id, actor)
    refuse_unless(
        admission,
        AdmissionStatus.NOTICE,
        AdmissionStatus.BOOKED,
        AdmissionStatus.READY,
        AdmissionStatus.ADMITTED,
    )
    id_number = (donor_id_number or "").strip().upper()
    errors = _relationship_errors(admission, id_number, relationship, proof)
    if errors:
        raise InvalidInput(*errors)
    try:
        donor = bloodcentre.parse_donor(
            bloodcentre.blood_centre().call(
                bloodcentre.envelope(
                    "DONOR_QUERY", _hospital_code(admission), {"id_type": "01", "id_no": id_number}
                )
            )
        )
    except bloodcentre.BloodCentreUnavailable:
        raise DomainError(
            _("The blood centre does not answer; try again later."), code="blood_centre_down"
        ) from None
    if donor is None:
        raise InvalidInput.field(
            "donor_id_number", _("The blood centre has no donation under this number."), "no_donor"
        )
    allowance = allowance_ml(relationship, donor.donated_ml, donor.reimbursed_ml)
    claim, _created = BloodDonorClaim.objects.update_or_create(
        admission=admission,
        defaults={
            "donor_id_number": id_number,
            "donor_no": donor.donor_no,
            "donor_name": donor.name[:60],
            "relationship": relationship,
            "proof": proof,
            "donated_ml": donor.donated_ml,
            "reimbursed_before_ml": donor.reimbursed_ml,
            "unlimited": allowance is None,
            "allowance_ml": allowance,
            "checked_at": clock.now(),
        },
    )
    audit.record(
        actor,
        AuditAction.CREATE,
        claim,
        patient_id=admission.patient_id,
        summary=f"blood donor checked ({relationship}, {donor.donated_ml} ml donated)",
    )
    return claim


@dataclass(frozen=True)
class Covered:
    ml: int
    fen: int


def covered_fees(claim: BloodDonorClaim, admission: Admission) -> Covered:
    """The unsettled blood lines of the stay the claim's allowance pays, line by line in the
    order charged, whole units only."""
    assert admission.bill is not None
    left = None if claim.unlimited else claim.allowance_ml
    ml = fen = 0
    for charge in itemised_bill(admission.bill).charges:
        per_unit = BLOOD_ITEMS_ML.get(charge.code)
        if per_unit is None or charge.settlement_id is not None:
            continue
        units = charge.quantity if left is None else min(charge.quantity, left // per_unit)
        ml += units * per_unit
        fen += units * charge.unit_price_fen
        if left is not None:
            left -= units * per_unit
    return Covered(ml, fen)


def cover_at_discharge(admission: Admission, *, actor: Actor) -> int:
    """Inside the discharge's transaction: the fen of blood fees the settlement leaves out; the
    blood centre is told after commit."""
    claim = BloodDonorClaim.objects.filter(admission=admission).first()
    if claim is None:
        return 0
    covered = covered_fees(claim, admission)
    claim.covered_ml, claim.covered_fen = covered.ml, covered.fen
    claim.save(update_fields=["covered_ml", "covered_fen"])
    audit.record(
        actor,
        AuditAction.UPDATE,
        claim,
        patient_id=admission.patient_id,
        summary=f"blood fees reimbursed: {covered.ml} ml, {covered.fen} fen",
    )
    if covered.ml:
        claim_id = claim.pk
        transaction.on_commit(lambda: report_reimbursement(claim_id))
    return covered.fen


def report_reimbursement(claim_id: int) -> bool:
    """Tell the blood centre what was reimbursed (again until it answers; once per stay)."""
    claim = BloodDonorClaim.objects.select_related("admission__institution").get(pk=claim_id)
    if claim.reported_at is not None or not claim.covered_ml:
        return True
    answer = bloodcentre.blood_centre().call(
        bloodcentre.envelope(
            "REIMBURSE_REPORT",
            _hospital_code(claim.admission),
            {
                "donor_no": claim.donor_no,
                "reference": claim.admission.admission_number,
                "volume_ml": claim.covered_ml,
                "relationship": claim.relationship,
            },
        )
    )
    if answer.get("code") != bloodcentre.OK:
        log.warning("blood centre refused the report of claim %s: %s", claim_id, answer)
        return False
    BloodDonorClaim.objects.filter(pk=claim_id, reported_at__isnull=True).update(
        reported_at=clock.now()
    )
    return True


def claim_of(admission: Admission) -> BloodDonorClaim | None:
    return BloodDonorClaim.objects.filter(admission=admission).first()
