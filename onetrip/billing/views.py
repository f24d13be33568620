"""Billing pages: the patient's 待缴费 list of every unpaid charge, the bill on the phone (reached
by the signed link the in-clinic settlement texts them) and at the kiosk, the sandbox providers'
cashier pages, and the cashier desk."""

from __future__ import annotations

from decimal import Decimal
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
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
from onetrip.billing.money import fen_to_yuan, yuan_to_fen
from onetrip.billing.sandbox import alipay as alipay_sandbox
from onetrip.billing.sandbox import wechat as wechat_sandbox
from onetrip.billing.sandbox import ybpay as ybpay_sandbox
from onetrip.billing.sandbox.cashier import order_of
from onetrip.billing.services import charges, deposits, outstanding, payments, settlements
from onetrip.core.actors import Actor, ActorKind
from onetrip.core.errors import DomainError, InvalidInput
from onetrip.core.pages import add_domain_errors, refusals_as_http, staff_page
from onetrip.identity import services as identity
from onetrip.web.links import bill_id_from_link, bill_link
from onetrip.web.sessions import current_patient_actor, patient_page, signed_in_account

# A deposit top-up is not a medical fee: insurance does not pay it.
TOP_UP_CHANNELS = (PaymentChannel.WECHAT, PaymentChannel.ALIPAY)


def _bill_from(token: str) -> Bill:
    bill_id = bill_id_from_link(token)
    return get_object_or_404(Bill.objects.select_related("patient", "institution"), pk=bill_id)


@require_http_methods(["GET", "POST"])
def bill_page(request: HttpRequest, token: str, place: str = "phone") -> HttpResponse:
    bill = _bill_from(token)
    owner = _signed_in_owner(request, bill) if place == "phone" else None
    if request.method == "POST":
        actor = owner or Actor(
            kind=ActorKind.PATIENT, label=f"bill link {bill.visit_reference}", bill_id=bill.pk
        )
        channel = request.POST.get("channel", "")
        try:
            with refusals_as_http():
                if request.POST.get("action") == "top_up":
                    settlement = _top_up_on_the_phone(request, bill, channel, actor)
                    if settlement is None:
                        return redirect(request.path)
                else:
                    settlement = outstanding.pay_on_phone(
                        bill_id=bill.pk,
                        channel=channel,
                        actor=actor,
                        place=place,
                        use_commercial=owner is not None and request.POST.get("commercial") == "1",
                    )
        except DomainError as exc:  # already settled, a payment waiting, provider refused
            messages.error(request, exc.message)
            return redirect(request.path)
        return redirect(outstanding.cashier_redirect(settlement, request.path))
    settled = [
        (s, seams.ebill_url(s.ebill_id))
        for s in bill.settlements.filter(status="settled").order_by("pk")
    ]
    # 商保直赔 (D100): the patient's own signed-in account may have their insurer pay its share.
    commercial = owner is not None and seams.commercial_policy_in_force(bill.patient_id)
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
            "base_template": "identity/patient_base.html" if place == "phone" else "base.html",
            # Mobile insurance needs the patient's own signed-in account (its insurance look-up
            # is a read of the patient); a forwarded link pays with WeChat Pay or Alipay.
            "channels": outstanding.PHONE_CHANNELS if owner else TOP_UP_CHANNELS,
            "top_up_channels": TOP_UP_CHANNELS,
            "commercial": commercial,
        },
    )


def _signed_in_owner(request: HttpRequest, bill: Bill) -> Actor | None:
    """The signed-in account's actor when it acts for the bill's patient, else None."""
    if signed_in_account(request) is None:
        return None
    actor = current_patient_actor(request)
    mine = identity.accessible_patients(actor).filter(pk=bill.patient_id).exists()
    return actor if mine else None


@patient_page
def my_payments(request: HttpRequest, *, actor: Actor) -> HttpResponse:
    """待缴费: every unpaid charge of the account's patients across visits and institutions, each
    bill payable here with WeChat Pay, Alipay or mobile medical insurance; then what was paid."""
    patient_ids = list(identity.accessible_patients(actor).values_list("pk", flat=True))
    if request.method == "POST":
        bill_id = request.POST.get("bill", "")
        mine = (
            bill_id.isdigit()
            and Bill.objects.filter(pk=int(bill_id), patient_id__in=patient_ids).exists()
        )
        if not mine:
            raise Http404
        try:
            settlement = outstanding.pay_on_phone(
                bill_id=int(bill_id),
                channel=request.POST.get("channel", ""),
                actor=actor,
                use_commercial=request.POST.get("commercial") == "1",
            )
        except DomainError as exc:
            messages.error(request, exc.message)
            return redirect("patient-payments")
        return redirect(outstanding.cashier_redirect(settlement, reverse("patient-payments")))
    paid = [
        (settlement, seams.ebill_url(settlement.ebill_id))
        for settlement in outstanding.paid_recently(patient_ids)
    ]
    return render(
        request,
        "billing/payments.html",
        {
            "unpaid": outstanding.unpaid_bills(patient_ids),
            "paid": paid,
            "commercial_patients": [p for p in patient_ids if seams.commercial_policy_in_force(p)],
            "channels": outstanding.PHONE_CHANNELS,
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


SANDBOXES = {"wechat": wechat_sandbox, "alipay": alipay_sandbox, "ybpay": ybpay_sandbox}
PROVIDER_CHANNELS = {
    "wechat": PaymentChannel.WECHAT,
    "alipay": PaymentChannel.ALIPAY,
    "ybpay": PaymentChannel.INSURANCE_MOBILE,
}


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
        return redirect(_safe_return(request, request.POST.get("return_to", "")) or "/")
    payment = (
        Payment.objects.filter(out_trade_no=out_trade_no)
        .select_related("settlement__bill__patient")
        .first()
    )
    return_to = _safe_return(request, request.GET.get("next", "")) or (
        bill_link(payment.settlement.bill) if payment else "/"
    )
    return render(
        request,
        "billing/sandbox_cashier.html",
        {
            "trade": trade,
            "provider": provider,
            "provider_name": PaymentChannel(PROVIDER_CHANNELS[provider]).label,
            "settlement": payment.settlement if payment else None,
            "return_to": return_to,
        },
    )


def _safe_return(request: HttpRequest, url: str) -> str:
    """A page of this site to go back to after paying ("" for anything else)."""
    allowed = url_has_allowed_host_and_scheme(url, allowed_hosts={request.get_host()})
    return url if url and allowed else ""


def _deliver_notice(provider: str, trade: SandboxTrade) -> None:
    """Stands in for the provider's HTTPS POST to notify_url (same bytes, same headers)."""
    if provider == "wechat":
        headers, body = wechat_sandbox.notification(trade)
    elif provider == "ybpay":
        headers, body = {"Content-Type": "application/json"}, ybpay_sandbox.notification(trade)
    else:
        headers, body = {}, urlencode(alipay_sandbox.notification(trade)).encode()
    payments.receive_notice(PROVIDER_CHANNELS[provider], headers, body)


# --- the staff cashier desk -----------------------------------------------------------------


class SettleForm(forms.Form):
    mode = forms.ChoiceField(label=_("Mode"), choices=SettlementMode.choices)
    channel = forms.ChoiceField(label=_("Channel"), choices=PaymentChannel.choices)
    reference = forms.CharField(label=_("Cheque or slip number"), required=False, max_length=64)
    use_insurance = forms.BooleanField(label=_("Settle with insurance"), required=False)
    use_commercial = forms.BooleanField(
        label=_("Commercial health insurance pays its share (直赔)"), required=False
    )


class YuanField(forms.DecimalField):
    """An amount typed in yuan (12.30), handed on in fen: cashiers think in yuan."""

    def __init__(self, **kwargs) -> None:
        super().__init__(min_value=Decimal("0.01"), max_digits=10, decimal_places=2, **kwargs)

    def clean(self, value):
        amount = super().clean(value)
        return None if amount is None else yuan_to_fen(f"{amount:.2f}")


def _in_fen(data: dict) -> dict:
    """A form's cleaned data with its yuan amount under the services' name for it."""
    data = dict(data)
    data["amount_fen"] = data.pop("amount_yuan")
    return data


class RefundForm(forms.Form):
    settlement_id = forms.IntegerField(widget=forms.HiddenInput)
    amount_yuan = YuanField(label=_("Amount (CNY)"))
    reason = forms.CharField(label=_("Reason"), max_length=200)


class FullRefundForm(forms.Form):
    settlement_id = forms.IntegerField(widget=forms.HiddenInput)
    reason = forms.CharField(label=_("Reason"), max_length=200)
    settle_again = forms.BooleanField(
        label=_("Put the charges back on the bill to settle them again"), required=False
    )


class TopUpForm(forms.Form):
    amount_yuan = YuanField(label=_("Amount (CNY)"))
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
    use_commercial = forms.BooleanField(
        label=_("Commercial health insurance pays its share (直赔)"), required=False
    )


@staff_page("billing.settle_bill")
def cashier_desk(request: HttpRequest, *, actor: Actor) -> HttpResponse:
    """Find a visit's bill, settle it through any channel, refund, or text the patient the link
    to pay on the phone (in-clinic settlement, R-PAY-1)."""
    query = request.GET.get("q", "").strip()
    visit = request.GET.get("visit", "").strip() or query
    bill = (
        Bill.objects.select_related("patient")
        .filter(institution_id=actor.institution_id, visit_reference=visit)
        .first()
        if visit
        else None
    )
    found = None
    if query and bill is None:
        # Not a visit number: a name, a document or a phone (the search is audited).
        patients = identity.search_patients(query, actor=actor)
        found = outstanding.bills_of([p.pk for p in patients], institution_id=actor.institution_id)
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
                    payments.refund(**_in_fen(refund_form.cleaned_data), actor=actor)
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
                        deposits.TopUpRequest(bill_id=bill.pk, **_in_fen(top_up_form.cleaned_data)),
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
                # The link is made absolute from the site's address when sent.
                outstanding.text_bill_link(bill_id=bill.pk, link=bill_link(bill), actor=actor)
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
            "query": query,
            "found": found,
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
