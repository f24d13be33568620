"""What every public-health verb needs: staff checks and one conflict error."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from onetrip.core.actors import Actor, ActorKind
from onetrip.core.errors import DomainError, PermissionDenied


class WrongState(DomainError):
    status = 409


def require_staff(actor: Actor, perm: str) -> None:
    if actor.kind != ActorKind.STAFF:
        raise PermissionDenied(_("Only staff can do this."))
    actor.require_perm(perm)


def staff_site(actor: Actor) -> int:
    """The institution a staff member acts for (staff actors always have one)."""
    if actor.institution_id is None:
        raise PermissionDenied(_("Only staff can do this."))
    return actor.institution_id
