"""The sandbox cashier page's address. A provider's cashier link carries an unguessable order
token; ours signs the order number (D57), so knowing a settlement's number, which counts up, is
not enough to open its cashier and mark it paid."""

from __future__ import annotations

from django.core import signing
from django.urls import reverse

SALT = "onetrip.billing.sandbox.cashier"


def cashier_url(provider: str, out_trade_no: str) -> str:
    token = signing.dumps(out_trade_no, salt=SALT, compress=False)
    return reverse(f"billing-sandbox-{provider}-cashier", args=[token])


def order_of(token: str) -> str | None:
    """The order number a cashier link was made for, or None for a forged or altered one."""
    try:
        return signing.loads(token, salt=SALT)
    except signing.BadSignature:
        return None
