"""Who may act on an admission and in which state: the checks every inpatient verb starts with,
shared by the stay's services and the pre-admission and blood-fee modules built on them."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from onetrip.core.actors import Actor, ActorKind
from onetrip.core.errors import DomainError, NotFound, PermissionDenied
from onetrip.inpatient.models import Admission

ISSUE = "inpatient.issue_notice"
MANAGE = "inpatient.manage_beds"
DISCHARGE = "inpatient.discharge_patient"
VIEW = "inpatient.view_admission"


def require_staff(actor: Actor, perm: str) -> None:
    if actor.kind != ActorKind.STAFF:
        raise PermissionDenied(_("Only staff can do this."))
    actor.require_perm(perm)


def home(actor: Actor) -> int:
    """The staff member's institution (every staff actor has one)."""
    if actor.institution_id is None:
        raise PermissionDenied(_("Only staff can do this."))
    return actor.institution_id


def locked_admission(admission_id: int, actor: Actor) -> Admission:
    admission = (
        Admission.objects.select_for_update()
        .filter(pk=admission_id, institution_id=home(actor))
        .first()
    )
    if admission is None:
        raise NotFound(_("No such admission."))
    return admission


def refuse_unless(admission: Admission, *states: str) -> None:
    if admission.status not in states:
        raise DomainError(
            _("Not possible while the admission is %(status)s.")
            % {"status": admission.get_status_display()},
            code="wrong_state",
        )
