"""Billing pages: the patient's bill on the phone (reached by the signed link the in-clinic
settlement texts them) and at the kiosk, and the sandbox providers' cashier pages."""

from __future__ import annotations

from django.core import signing
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from onetrip.billing import seams
from onetrip.billing.models import Bill, PaymentChannel, SandboxTrade, SettlementMode
from onetrip.billing.sandbox import alipay as alipay_sandbox
from onetrip.billing.sandbox import wechat as wechat_sandbox
from onetrip.billing.services import charges, payments, settlements
from onetrip.core.actors import Actor, ActorKind
from onetrip.core.pages import refusals_as_http

LINK_SALT = "billing.bill-link"
MODES = {"phone": SettlementMode.MOBILE, "kiosk": SettlementMode.KIOSK}


def bill_link(bill: Bill, *, place: str = "phone") -> str:
    token = signing.dumps(bill.pk, salt=LINK_SALT)
    return reverse("billing-bill" if place == "phone" else "billing-kiosk-bill", args=[token])


def _bill_from(token: str) -> Bill:
    try:
        bill_id = signing.loads(token, salt=LINK_SALT, max_age=60 * 60 * 24 * 30)
    except signing.BadSignature:
        raise Http404 from None
    return get_object_or_404(Bill.objects.select_related("patient", "institution"), pk=bill_id)


@require_http_methods(["GET", "POST"])
def bill_page(request: HttpRequest, token: str, place: str = "phone") -> HttpResponse:
    bill = _bill_from(token)
    if request.method == "POST":
        actor = Actor(kind=ActorKind.PATIENT, label=f"bill link {bill.visit_reference}")
        with refusals_as_http():
            settlement = settlements.settle_bill(
                settlements.SettlementRequest(
                    bill_id=bill.pk, mode=MODES[place], channel=request.POST.get("channel", "")
                ),
                actor=actor,
            )
        return redirect(settlement.payment.cashier_url or request.path)
    settled = [
        (s, seams.ebill_url(s.ebill_id))
        for s in bill.settlements.filter(status="settled").order_by("pk")
    ]
    return render(
        request,
        "billing/bill.html",
        {
            "bill": bill,
            "itemised": charges.itemised_bill(bill),
            "settled": settled,
            "place": place,
            "channels": [PaymentChannel.WECHAT, PaymentChannel.ALIPAY],
            "channel_labels": dict(PaymentChannel.choices),
        },
    )


SANDBOXES = {"wechat": wechat_sandbox, "alipay": alipay_sandbox}


@require_http_methods(["GET", "POST"])
def sandbox_cashier(request: HttpRequest, provider: str, out_trade_no: str) -> HttpResponse:
    """The provider's cashier page: confirming pays at the provider, which then notifies us."""
    sandbox = SANDBOXES[provider]
    trade = get_object_or_404(SandboxTrade, provider=provider, out_trade_no=out_trade_no)
    if request.method == "POST":
        trade = sandbox.pay(out_trade_no)
        _deliver_notice(provider, trade)
        return redirect(request.POST.get("return_to") or "/")
    payment = settlements.Payment.objects.filter(out_trade_no=out_trade_no).first()
    return_to = bill_link(payment.settlement.bill) if payment else "/"
    return render(
        request,
        "billing/sandbox_cashier.html",
        {"trade": trade, "provider": provider, "return_to": return_to},
    )


def _deliver_notice(provider: str, trade: SandboxTrade) -> None:
    """Stands in for the provider's HTTPS POST to notify_url (same bytes, same headers)."""
    if provider == "wechat":
        headers, body = wechat_sandbox.notification(trade)
    else:
        from urllib.parse import urlencode

        headers, body = {}, urlencode(alipay_sandbox.notification(trade)).encode()
    payments.receive_notice(provider, headers, body)
