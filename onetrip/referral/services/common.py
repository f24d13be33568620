"""What every referral service needs: who may act, the patient as the actor may see them, text
input checked into field errors, and the platform acting for staff in other domains."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from onetrip.consortium.models import PRIMARY_CARE_LEVELS, Institution, InstitutionLevel
from onetrip.core.actors import Actor, ActorKind, Channel
from onetrip.core.errors import FieldError, NotFound, PermissionDenied
from onetrip.identity import services as identity
from onetrip.identity.models import Patient

# County hospitals and above: where upward referrals go and where the referred-visit share is
# counted (R-REF-2).
HOSPITAL_LEVELS = (InstitutionLevel.TERTIARY, InstitutionLevel.COUNTY)


def require_staff(actor: Actor, perm: str) -> None:
    if actor.kind != ActorKind.STAFF:
        raise PermissionDenied(_("Only staff can do this."))
    actor.require_perm(perm)


def patient_for(patient_id: int, actor: Actor, *, for_update: bool = False) -> Patient:
    """The patient as the actor may see them; "absent" and "not yours" look the same."""
    patients = identity.accessible_patients(actor)
    if for_update:
        # Serialises one patient's referrals and bookings (the booking service locks it too).
        patients = patients.select_for_update(no_key=True)
    patient = patients.filter(pk=patient_id).first()
    if patient is None:
        raise NotFound(_("No such patient."))
    return patient


def institution_level(institution_id: int | None) -> str | None:
    return Institution.objects.filter(pk=institution_id).values_list("level", flat=True).first()


def is_primary_care(institution_id: int | None) -> bool:
    return institution_level(institution_id) in PRIMARY_CARE_LEVELS


def text(
    errors: list[FieldError], name: str, value: str, limit: int, *, required: bool = True
) -> str:
    """`value` stripped, or a field error when it is missing or too long."""
    value = (value or "").strip()
    if required and not value:
        errors.append(FieldError(name, _("This field is required."), "required"))
    elif len(value) > limit:
        errors.append(FieldError(name, _("Too long."), "too_long"))
    return value


def for_staff(actor: Actor, purpose: str) -> Actor:
    """The platform acting in another domain for a staff member whose own checks this domain has
    made (cancelling a referral's booking after the patient's deadline, moving it by the green
    channel). The other domain's audit row names them."""
    return Actor(
        kind=ActorKind.SYSTEM,
        label=f"{purpose}: {actor.label}"[:150],
        institution_id=actor.institution_id,
        channel=Channel.SYSTEM,
    )
