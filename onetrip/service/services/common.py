"""What every service-centre verb needs: staff checks and text input checked into field errors."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from onetrip.core.actors import Actor, ActorKind
from onetrip.core.errors import FieldError, PermissionDenied


def require_staff(actor: Actor, perm: str) -> None:
    if actor.kind != ActorKind.STAFF:
        raise PermissionDenied(_("Only staff can do this."))
    actor.require_perm(perm)


def text(
    errors: list[FieldError], name: str, value: str, limit: int, *, required: bool = True
) -> str:
    value = (value or "").strip()
    if required and not value:
        errors.append(FieldError(name, _("This field is required."), "required"))
    elif len(value) > limit:
        errors.append(FieldError(name, _("Too long."), "too_long"))
    return value


def choice(errors: list[FieldError], name: str, value: str, choices) -> str:
    if value not in choices.values:
        errors.append(FieldError(name, _("Choose one of the options."), "invalid_choice"))
    return value


def institution_of(actor: Actor) -> int:
    """The staff member's institution: every service-centre desk works inside one."""
    if actor.institution_id is None:
        raise PermissionDenied(_("Only staff of a hospital can do this."))
    return actor.institution_id
