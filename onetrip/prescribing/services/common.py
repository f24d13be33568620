"""What every prescribing verb needs: the staff check and the patient's age."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.models import User
from django.utils.translation import gettext_lazy as _

from onetrip.core.actors import Actor, ActorKind
from onetrip.core.errors import DomainError, PermissionDenied

WRITE = "prescribing.write_prescription"
REVIEW = "prescribing.review_prescription"
VIEW = "prescribing.view_prescription"
HOLD_VISIT = "prescribing.hold_online_visit"


class WrongState(DomainError):
    status = 409


def require_staff(actor: Actor, perm: str) -> None:
    if actor.kind != ActorKind.STAFF:
        raise PermissionDenied(_("Only staff can do this."))
    actor.require_perm(perm)


def age_on(birth_date: dt.date, day: dt.date) -> int:
    return day.year - birth_date.year - ((day.month, day.day) < (birth_date.month, birth_date.day))


def institution_of(actor: Actor) -> int:
    """The staff member's institution (a staff actor always has one)."""
    if actor.institution_id is None:
        raise PermissionDenied(_("Only staff can do this."))
    return actor.institution_id


def user_of(actor: Actor) -> User:
    if not isinstance(actor.user, User):
        raise PermissionDenied(_("Only staff can do this."))
    return actor.user
