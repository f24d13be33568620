"""Billing JSON API, under /api/billing (thin: the services decide). Provider notification
endpoints take no session: the signature is the authentication."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from ninja import Router, Schema, Status

from onetrip.billing.models import Bill, PaymentChannel
from onetrip.billing.services import charges, deposits, payments, scope, settlements
from onetrip.core.api_auth import StaffSession, api_staff_actor
from onetrip.core.bounds import Fen, Id, Quantity

router = Router(tags=["billing"])


class ChargeIn(Schema):
    patient_id: Id
    institution_id: Id
    visit_reference: str
    item_code: str
    quantity: Quantity
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
    # 商保直赔 (D100): the patient's commercial insurer pays its share of their own part.
    use_commercial: bool = False
    reference: str = ""
    clinic_id: Id | None = None


class SettlementOut(Schema):
    id: int
    status: str
    mode: str
    channel: str
    total_fen: int
    fund_fen: int
    account_fen: int
    commercial_fen: int
    blood_fen: int
    cash_fen: int
    cashier_url: str
    out_trade_no: str


class RefundIn(Schema):
    amount_fen: Fen
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
        "commercial_fen": settlement.commercial_fen,
        "blood_fen": settlement.blood_fen,
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
def bill_detail(request: HttpRequest, bill_id: Id):
    actor = api_staff_actor(request)
    actor.require_perm("billing.view_bill")
    bill = scope.view_bill(bill_id, actor=actor)
    itemised = charges.itemised_bill(bill)
    return {
        "id": bill.pk,
        "visit_reference": bill.visit_reference,
        "total_fen": itemised.total_fen,
        "outstanding_fen": itemised.outstanding_fen,
        "charges": itemised.charges,
    }


@router.post("/bills/{bill_id}/settlements", response={201: SettlementOut}, auth=StaffSession())
def settle(request: HttpRequest, bill_id: Id, payload: SettleIn):
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
def refund(request: HttpRequest, settlement_id: Id, payload: RefundIn):
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
def refund_in_full(request: HttpRequest, settlement_id: Id, payload: FullRefundIn):
    """Refund a whole settlement: reverse its insurance settlement (2208), return the personal
    cash to the original channel, red-letter the e-bill. Asking again answers the same."""
    actor = api_staff_actor(request)
    actor.require_perm("billing.settle_bill")
    settlement = payments.refund_in_full(settlement_id=settlement_id, **payload.dict(), actor=actor)
    return _settlement_out(settlement)


# --- inpatient deposit (R-PAY-1, D50) ----------------------------------------------------------


class TopUpIn(Schema):
    amount_fen: Fen
    channel: str
    mode: str = "inpatient_deposit"
    reference: str = ""


class TopUpOut(Schema):
    id: int
    settlement_id: int
    amount_fen: int
    refunded_fen: int
    status: str
    mode: str
    channel: str
    credited: bool
    cashier_url: str
    out_trade_no: str


class DepositOut(Schema):
    bill_id: int
    admission: str
    balance_fen: int
    topped_up_fen: int
    drawn_fen: int
    refunded_fen: int
    outstanding_fen: int
    discharged: bool
    top_ups: list[TopUpOut]


class DepositRefundIn(Schema):
    amount_fen: Fen
    reason: str


class DischargeIn(Schema):
    channel: str = ""
    use_insurance: bool = False
    use_commercial: bool = False
    reference: str = ""


class DischargeOut(Schema):
    settlement: SettlementOut | None
    drawn_fen: int
    refunded_fen: int
    refunds: list[RefundOut]
    deposit: DepositOut


def _top_up_out(top_up) -> dict:
    settlement = top_up.settlement
    return {
        "id": top_up.pk,
        "settlement_id": settlement.pk,
        "amount_fen": top_up.amount_fen,
        "refunded_fen": top_up.refunded_fen,
        "status": settlement.status,
        "mode": settlement.mode,
        "channel": settlement.channel,
        "credited": top_up.credited_at is not None,
        "cashier_url": settlement.payment.cashier_url,
        "out_trade_no": settlement.payment.out_trade_no,
    }


def _deposit_out(bill: Bill) -> dict:
    statement = deposits.deposit_statement(bill)
    account = statement.account
    return {
        "bill_id": bill.pk,
        "admission": bill.visit_reference,
        "balance_fen": statement.balance_fen,
        "topped_up_fen": account.topped_up_fen if account else 0,
        "drawn_fen": account.drawn_fen if account else 0,
        "refunded_fen": account.refunded_fen if account else 0,
        "outstanding_fen": statement.outstanding_fen,
        "discharged": bool(account and account.discharged_at),
        "top_ups": [_top_up_out(t) for t in statement.top_ups],
    }


@router.get("/bills/{bill_id}/deposit", response=DepositOut, auth=StaffSession())
def deposit(request: HttpRequest, bill_id: Id):
    """The admission's deposit: balance (top-ups − discharge draw − refunds), the charges not
    yet settled, and every top-up, newest first. 409 `not_inpatient` for an outpatient bill."""
    actor = api_staff_actor(request)
    actor.require_perm("billing.view_bill")
    return _deposit_out(scope.view_bill(bill_id, actor=actor))


@router.post("/bills/{bill_id}/deposit/top-ups", response={201: TopUpOut}, auth=StaffSession())
def top_up(request: HttpRequest, bill_id: Id, payload: TopUpIn):
    """Pay into the deposit (交预交金) by cash, cheque, bank card, WeChat Pay or Alipay; mode
    `inpatient_deposit` (window), `bedside` or `inpatient_mobile`. WeChat Pay and Alipay answer
    `pending` with the cashier URL; the balance grows when the provider confirms. Send an
    `Idempotency-Key` header: a retry answers with the first top-up."""
    actor = api_staff_actor(request)
    actor.require_perm("billing.settle_bill")
    made = deposits.top_up(
        deposits.TopUpRequest(
            bill_id=bill_id,
            idempotency_key=request.headers.get("Idempotency-Key", ""),
            **payload.dict(),
        ),
        actor=actor,
    )
    return Status(201, _top_up_out(made))


@router.post("/bills/{bill_id}/deposit/refunds", response=DepositOut, auth=StaffSession())
def refund_deposit(request: HttpRequest, bill_id: Id, payload: DepositRefundIn):
    """Give back part of the balance to the top-ups' channels, newest first; more than the
    balance is 422 `exceeds_balance`. Idempotency-Key as for top-ups."""
    actor = api_staff_actor(request)
    actor.require_perm("billing.settle_bill")
    account = deposits.refund_deposit(
        bill_id=bill_id,
        idempotency_key=request.headers.get("Idempotency-Key", ""),
        **payload.dict(),
        actor=actor,
    )
    return _deposit_out(account.bill)


@router.post("/bills/{bill_id}/discharge", response=DischargeOut, auth=StaffSession())
def discharge(request: HttpRequest, bill_id: Id, payload: DischargeIn):
    """Discharge settlement: the unsettled charges settled (with insurance when
    `use_insurance`), the personal cash drawn from the deposit first, a shortfall paid through
    `channel` (409 `deposit_insufficient` without one), a surplus refunded to the top-ups'
    channels. Asking again answers with the same discharge."""
    actor = api_staff_actor(request)
    actor.require_perm("billing.settle_bill")
    done = deposits.settle_at_discharge(
        deposits.DischargeRequest(
            bill_id=bill_id,
            idempotency_key=request.headers.get("Idempotency-Key", ""),
            **payload.dict(),
        ),
        actor=actor,
    )
    settlement = done.settlement
    return {
        "settlement": _settlement_out(settlement) if settlement else None,
        "drawn_fen": settlement.deposit_fen if settlement else 0,
        "refunded_fen": sum(r.amount_fen for r in done.refunds),
        "refunds": done.refunds,
        "deposit": _deposit_out(done.account.bill),
    }


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


@router.post("/notify/ybpay", url_name="billing_ybpay_notify", auth=None, include_in_schema=False)
def ybpay_notify(request: HttpRequest):
    """Mobile medical-insurance payment notification (signed JSON; answered {"code": 0})."""
    return _notice(request, PaymentChannel.INSURANCE_MOBILE)
