"""Links from one app's pages (and messages) to another's.

A bill's link is signed, not guessable: it is texted to the patient and opens the bill without a
sign-in (the phone page) or at a kiosk, for 30 days."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core import signing
from django.http import Http404
from django.urls import reverse

if TYPE_CHECKING:
    from onetrip.billing.models import Bill

LINK_SALT = "billing.bill-link"
LINK_MAX_AGE_SECONDS = 60 * 60 * 24 * 30


def bill_link(bill: Bill, *, place: str = "phone") -> str:
    """The path of a bill's phone page (`place="phone"`) or kiosk page (`"kiosk"`)."""
    token = signing.dumps(bill.pk, salt=LINK_SALT)
    return reverse("billing-bill" if place == "phone" else "billing-kiosk-bill", args=[token])


def bill_id_from_link(token: str) -> int:
    """The bill a link's token names; a tampered or expired token is a 404."""
    try:
        return signing.loads(token, salt=LINK_SALT, max_age=LINK_MAX_AGE_SECONDS)
    except signing.BadSignature:
        raise Http404 from None
