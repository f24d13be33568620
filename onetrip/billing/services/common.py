"""Validation helpers shared by the billing services."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from onetrip.billing.channels import adapter_for
from onetrip.core.bounds import MAX_FEN
from onetrip.core.errors import InvalidInput


def whole_fen(field: str, value: object, *, positive: bool = True, most: int = MAX_FEN) -> int:
    """Money (and counts) arrive as integers: a float, a string, a negative amount or one past
    the bound (core.bounds) is refused."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInput.field(
            field, _("Enter the amount as a whole number of fen."), "not_integer"
        )
    if value < 0 or (positive and value == 0):
        raise InvalidInput.field(field, _("The amount must be more than zero."), "negative")
    if value > most:
        raise InvalidInput.field(field, _("Enter at most %(most)s.") % {"most": most}, "too_large")
    return value


def check_reference(channel: str, reference: str) -> None:
    """A cheque or a card slip is paid against its number, which the cashier must enter."""
    if channel and adapter_for(channel).needs_reference and not reference.strip():
        raise InvalidInput.field(
            "reference", _("Enter the cheque or card slip number."), "reference_required"
        )
    if len(reference) > 64:
        raise InvalidInput.field("reference", _("This value is too long."))
