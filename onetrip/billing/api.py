"""Billing JSON API, under /api/billing (thin: the services decide). Provider notification
endpoints take no session: the signature is the authentication."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from ninja import Router, Schema, Status

from onetrip.billing.models import Bill, PaymentChannel
from onetrip.billing.services import charges, payments, settlements
from onetrip.core.api_auth import StaffSession, api_staff_actor
from onetrip.core.errors import NotFound

router = Router(tags=["billing"])


class ChargeIn(Schema):
    patient_id: int
    institution_id: int
    visit_reference: str
    item_code: str
    quantity: int
    source: str
    source_key: str
    visit_kind: str = "outpatient"


class ChargeOut(Schema):
    id: int
    bill_id: int
    code: str
    name: str
    quantity: int
    amount_fen: int


class SettleIn(Schema):
    mode: str
    channel: str
    use_insurance: bool = False
    reference: str = ""
    clinic_id: int | None = None


class SettlementOut(Schema):
    id: int
    status: str
    mode: str
    channel: str
    total_fen: int
    fund_fen: int
    account_fen: int
    cash_fen: int
    cashier_url: str
    out_trade_no: str


class RefundIn(Schema):
    amount_fen: int | float | str
    reason: str


class RefundOut(Schema):
    id: int
    amount_fen: int
    out_refund_no: str


class BillOut(Schema):
    id: int
    visit_reference: str
    total_fen: int
    outstanding_fen: int
    charges: list[ChargeOut]


def _settlement_out(settlement) -> dict:
    payment = settlement.payment
    return {
        "id": settlement.pk,
        "status": settlement.status,
        "mode": settlement.mode,
        "channel": settlement.channel,
        "total_fen": settlement.total_fen,
        "fund_fen": settlement.fund_fen,
        "account_fen": settlement.account_fen,
        "cash_fen": settlement.cash_fen,
        "cashier_url": payment.cashier_url,
        "out_trade_no": payment.out_trade_no,
    }


@router.post("/charges", response={201: ChargeOut}, auth=StaffSession())
def create_charge(request: HttpRequest, payload: ChargeIn):
    """Charge a catalogue item to a visit; `source_key` (the order line) makes retries safe."""
    actor = api_staff_actor(request)
    actor.require_perm("billing.add_charge")
    charge = charges.create_charge(charges.ChargeRequest(**payload.dict()), actor=actor)
    return Status(201, charge)


@router.get("/bills/{bill_id}", response=BillOut, auth=StaffSession())
def bill_detail(request: HttpRequest, bill_id: int):
    api_staff_actor(request).require_perm("billing.view_bill")
    bill = Bill.objects.filter(pk=bill_id).first()
    if bill is None:
        raise NotFound("No such bill.", code="unknown_bill")
    itemised = charges.itemised_bill(bill)
    return {
        "id": bill.pk,
        "visit_reference": bill.visit_reference,
        "total_fen": itemised.total_fen,
        "outstanding_fen": itemised.outstanding_fen,
        "charges": itemised.charges,
    }


@router.post("/bills/{bill_id}/settlements", response={201: SettlementOut}, auth=StaffSession())
def settle(request: HttpRequest, bill_id: int, payload: SettleIn):
    """Settle the bill's outstanding charges. Send an `Idempotency-Key` header: a retry with
    the same key answers with the settlement the first request made."""
    actor = api_staff_actor(request)
    actor.require_perm("billing.settle_bill")
    settlement = settlements.settle_bill(
        settlements.SettlementRequest(
            bill_id=bill_id,
            idempotency_key=request.headers.get("Idempotency-Key", ""),
            **payload.dict(),
        ),
        actor=actor,
    )
    return Status(201, _settlement_out(settlement))


@router.post("/settlements/{settlement_id}/refunds", response={201: RefundOut}, auth=StaffSession())
def refund(request: HttpRequest, settlement_id: int, payload: RefundIn):
    """Refund (part of) the personal cash back to the original channel."""
    actor = api_staff_actor(request)
    actor.require_perm("billing.settle_bill")
    made = payments.refund(
        settlement_id=settlement_id,
        amount_fen=payload.amount_fen,
        reason=payload.reason,
        idempotency_key=request.headers.get("Idempotency-Key", ""),
        actor=actor,
    )
    return Status(201, made)


class FullRefundIn(Schema):
    reason: str
    settle_again: bool = False


@router.post(
    "/settlements/{settlement_id}/full-refund", response={200: SettlementOut}, auth=StaffSession()
)
def refund_in_full(request: HttpRequest, settlement_id: int, payload: FullRefundIn):
    """Refund a whole settlement: reverse its insurance settlement (2208), return the personal
    cash to the original channel, red-letter the e-bill. Asking again answers the same."""
    actor = api_staff_actor(request)
    actor.require_perm("billing.settle_bill")
    settlement = payments.refund_in_full(settlement_id=settlement_id, **payload.dict(), actor=actor)
    return _settlement_out(settlement)


def _notice(request: HttpRequest, channel: str) -> HttpResponse:
    headers = dict(request.headers.items())
    return payments.receive_notice(channel, headers, request.body)


@router.post("/notify/wechat", url_name="billing_wechat_notify", auth=None, include_in_schema=False)
def wechat_notify(request: HttpRequest):
    """WeChat Pay v3 payment notification (signed; answered 204 or 4XX {"code": "FAIL"})."""
    return _notice(request, PaymentChannel.WECHAT)


@router.post("/notify/alipay", url_name="billing_alipay_notify", auth=None, include_in_schema=False)
def alipay_notify(request: HttpRequest):
    """Alipay asynchronous notification (RSA2-signed form; answered `success`/`failure`)."""
    return _notice(request, PaymentChannel.ALIPAY)
