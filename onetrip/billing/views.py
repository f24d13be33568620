"""Billing pages: the patient's bill on the phone (reached by the signed link the in-clinic
settlement texts them) and at the kiosk, and the sandbox providers' cashier pages."""

from __future__ import annotations

from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from onetrip.billing import seams
from onetrip.billing.models import (
    Bill,
    Payment,
    PaymentChannel,
    SandboxTrade,
    SettlementMode,
    VisitKind,
)
from onetrip.billing.money import fen_to_yuan
from onetrip.billing.sandbox import alipay as alipay_sandbox
from onetrip.billing.sandbox import wechat as wechat_sandbox
from onetrip.billing.sandbox.cashier import order_of
from onetrip.billing.services import charges, deposits, payments, settlements
from onetrip.core import clock
from onetrip.core.actors import Actor, ActorKind
from onetrip.core.errors import DomainError, InvalidInput
from onetrip.core.pages import add_domain_errors, refusals_as_http, staff_page
from onetrip.notifications import services as notifications
from onetrip.web.links import bill_id_from_link, bill_link

MODES = {"phone": SettlementMode.MOBILE, "kiosk": SettlementMode.KIOSK}
# An admission's charges paid on the phone count as inpatient mobile settlement (R-PAY-1).
INPATIENT_MODES = {"phone": SettlementMode.INPATIENT_MOBILE, "kiosk": SettlementMode.KIOSK}
ONLINE_CHANNELS = (PaymentChannel.WECHAT, PaymentChannel.ALIPAY)


def _mode(bill: Bill, place: str) -> str:
    return (INPATIENT_MODES if bill.visit_kind == VisitKind.INPATIENT else MODES)[place]


def _bill_from(token: str) -> Bill:
    bill_id = bill_id_from_link(token)
    return get_object_or_404(Bill.objects.select_related("patient", "institution"), pk=bill_id)


@require_http_methods(["GET", "POST"])
def bill_page(request: HttpRequest, token: str, place: str = "phone") -> HttpResponse:
    bill = _bill_from(token)
    if request.method == "POST":
        actor = Actor(
            kind=ActorKind.PATIENT, label=f"bill link {bill.visit_reference}", bill_id=bill.pk
        )
        channel = request.POST.get("channel", "")
        if channel not in ONLINE_CHANNELS:
            messages.error(request, _("Choose WeChat Pay or Alipay."))
            return redirect(request.path)
        try:
            with refusals_as_http():
                if request.POST.get("action") == "top_up":
                    settlement = _top_up_on_the_phone(request, bill, channel, actor)
                    if settlement is None:
                        return redirect(request.path)
                else:
                    settlement = settlements.settle_bill(
                        settlements.SettlementRequest(
                            bill_id=bill.pk, mode=_mode(bill, place), channel=channel
                        ),
                        actor=actor,
                    )
        except DomainError as exc:  # already settled, a payment waiting, provider refused
            messages.error(request, exc.message)
            return redirect(request.path)
        return redirect(settlement.payment.cashier_url or request.path)
    settled = [
        (s, seams.ebill_url(s.ebill_id))
        for s in bill.settlements.filter(status="settled").order_by("pk")
    ]
    return render(
        request,
        "billing/bill.html",
        {
            "deposit": (
                deposits.deposit_statement(bill) if bill.visit_kind == VisitKind.INPATIENT else None
            ),
            "bill": bill,
            "itemised": charges.itemised_bill(bill),
            "settled": settled,
            "place": place,
            "channels": ONLINE_CHANNELS,
        },
    )


def _top_up_on_the_phone(request: HttpRequest, bill: Bill, channel: str, actor: Actor):
    """The patient tops up the deposit from the bill page (whole yuan; the form is the edge)."""
    amount = request.POST.get("amount_yuan", "").strip()
    if not amount.isdigit() or int(amount) <= 0 or len(amount) > 7:
        messages.error(request, _("Enter the amount as a whole number of yuan."))
        return None
    made = deposits.top_up(
        deposits.TopUpRequest(
            bill_id=bill.pk,
            amount_fen=int(amount) * 100,
            channel=channel,
            mode=SettlementMode.INPATIENT_MOBILE,
        ),
        actor=actor,
    )
    return made.settlement


SANDBOXES = {"wechat": wechat_sandbox, "alipay": alipay_sandbox}


@require_http_methods(["GET", "POST"])
def sandbox_cashier(request: HttpRequest, provider: str, token: str) -> HttpResponse:
    """The provider's cashier page: confirming pays at the provider, which then notifies us. Its
    address is signed (sandbox.cashier): a guessed or altered one is not found."""
    sandbox = SANDBOXES[provider]
    out_trade_no = order_of(token)
    if out_trade_no is None:
        raise Http404
    trade = get_object_or_404(SandboxTrade, provider=provider, out_trade_no=out_trade_no)
    if request.method == "POST":
        trade = sandbox.pay(out_trade_no)
        _deliver_notice(provider, trade)
        return redirect(request.POST.get("return_to") or "/")
    payment = Payment.objects.filter(out_trade_no=out_trade_no).first()
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
        headers, body = {}, urlencode(alipay_sandbox.notification(trade)).encode()
    payments.receive_notice(provider, headers, body)


# --- the staff cashier desk -----------------------------------------------------------------


class SettleForm(forms.Form):
    mode = forms.ChoiceField(label=_("Mode"), choices=SettlementMode.choices)
    channel = forms.ChoiceField(label=_("Channel"), choices=PaymentChannel.choices)
    reference = forms.CharField(label=_("Cheque or slip number"), required=False, max_length=64)
    use_insurance = forms.BooleanField(label=_("Settle with insurance"), required=False)


class RefundForm(forms.Form):
    settlement_id = forms.IntegerField(widget=forms.HiddenInput)
    amount_fen = forms.IntegerField(label=_("Amount (fen)"), min_value=1)
    reason = forms.CharField(label=_("Reason"), max_length=200)


class FullRefundForm(forms.Form):
    settlement_id = forms.IntegerField(widget=forms.HiddenInput)
    reason = forms.CharField(label=_("Reason"), max_length=200)
    settle_again = forms.BooleanField(
        label=_("Put the charges back on the bill to settle them again"), required=False
    )


class TopUpForm(forms.Form):
    amount_fen = forms.IntegerField(label=_("Amount (fen)"), min_value=1)
    channel = forms.ChoiceField(
        label=_("Channel"),
        choices=[(c.value, c.label) for c in deposits.TOP_UP_CHANNELS],
    )
    reference = forms.CharField(label=_("Cheque or slip number"), required=False, max_length=64)


class DischargeForm(forms.Form):
    channel = forms.ChoiceField(
        label=_("Channel for what the deposit does not cover"),
        choices=[("", _("Deposit only"))]
        + [(c.value, c.label) for c in deposits.SHORTFALL_CHANNELS],
        required=False,
    )
    reference = forms.CharField(label=_("Cheque or slip number"), required=False, max_length=64)
    use_insurance = forms.BooleanField(label=_("Settle with insurance"), required=False)


@staff_page("billing.settle_bill")
def cashier_desk(request: HttpRequest, *, actor: Actor) -> HttpResponse:
    """Find a visit's bill, settle it through any channel, refund, or text the patient the link
    to pay on the phone (in-clinic settlement, R-PAY-1)."""
    visit = request.GET.get("visit", "").strip()
    bill = (
        Bill.objects.select_related("patient")
        .filter(institution_id=actor.institution_id, visit_reference=visit)
        .first()
        if visit
        else None
    )
    settle_form, refund_form, full_form = SettleForm(), RefundForm(), FullRefundForm()
    top_up_form, discharge_form = TopUpForm(), DischargeForm()
    if bill is not None and request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "settle":
                settle_form = SettleForm(request.POST)
                if settle_form.is_valid():
                    settlements.settle_bill(
                        settlements.SettlementRequest(bill_id=bill.pk, **settle_form.cleaned_data),
                        actor=actor,
                    )
                    return redirect(request.get_full_path())
            elif action == "refund":
                refund_form = RefundForm(request.POST)
                if refund_form.is_valid():
                    payments.refund(**refund_form.cleaned_data, actor=actor)
                    return redirect(request.get_full_path())
            elif action == "refund_in_full":
                full_form = FullRefundForm(request.POST)
                if full_form.is_valid():
                    payments.refund_in_full(**full_form.cleaned_data, actor=actor)
                    return redirect(request.get_full_path())
            elif action == "top_up":
                top_up_form = TopUpForm(request.POST)
                if top_up_form.is_valid():
                    deposits.top_up(
                        deposits.TopUpRequest(bill_id=bill.pk, **top_up_form.cleaned_data),
                        actor=actor,
                    )
                    return redirect(request.get_full_path())
            elif action == "discharge":
                discharge_form = DischargeForm(request.POST)
                if discharge_form.is_valid():
                    done = deposits.settle_at_discharge(
                        deposits.DischargeRequest(bill_id=bill.pk, **discharge_form.cleaned_data),
                        actor=actor,
                    )
                    returned = sum(refund.amount_fen for refund in done.refunds)
                    messages.success(
                        request,
                        _("Discharge settled; %(amount)s CNY of the deposit went back.")
                        % {"amount": fen_to_yuan(returned)},
                    )
                    return redirect(request.get_full_path())
            elif action == "text_link":
                link = request.build_absolute_uri(bill_link(bill))
                with transaction.atomic():
                    notifications.notify(
                        "billing_link",
                        phone=bill.patient.phone,
                        subject=bill,
                        params={"link": link},
                        occasion=clock.today().isoformat(),  # once a day, however many clicks
                    )
                messages.success(request, _("The link was sent to the patient's phone."))
                return redirect(request.get_full_path())
        except InvalidInput as exc:
            forms_by_action = {
                "settle": settle_form,
                "refund_in_full": full_form,
                "top_up": top_up_form,
                "discharge": discharge_form,
            }
            add_domain_errors(forms_by_action.get(action, refund_form), exc)
        except DomainError as exc:
            messages.error(request, exc.message)
    return render(
        request,
        "billing/desk.html",
        {
            "visit": visit,
            "bill": bill,
            "itemised": charges.itemised_bill(bill) if bill else None,
            "history": bill.settlements.select_related("payment").order_by("-pk") if bill else [],
            "settle_form": settle_form,
            "refund_form": refund_form,
            "full_form": full_form,
            "deposit": (
                deposits.deposit_statement(bill)
                if bill is not None and bill.visit_kind == VisitKind.INPATIENT
                else None
            ),
            "top_up_form": top_up_form,
            "discharge_form": discharge_form,
        },
    )
