"""Inpatient deposit (住院预交金, R-PAY-1, D50): top-ups into an admission's deposit through any
channel, the balance with its top-ups, refunds of the balance, and discharge settlement.

A top-up is a settlement of no charges whose payment is an ordinary payment: counter channels
complete at once, WeChat Pay and Alipay when the provider confirms (notices, order queries and
the recovery sweep all apply), and the balance grows only then (`deposit_ledger.credit_top_up`).
Discharge settlement is the ordinary settlement of the bill's unsettled charges (with the
insurance split when asked) with its personal cash drawn from the deposit first; what the deposit
does not cover is paid through a channel, and what it leaves over goes back to the top-ups'
own channels, newest first, through the ordinary refund to the original order.

Lock order everywhere: the bill (NO KEY), its deposit account, then the top-ups' payments in key
order. Top-ups and discharge both take the bill's lock, so a top-up cannot slip in between
discharge's reading of the balance and its closing of the account.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from onetrip.billing import domain_events
from onetrip.billing.models import (
    Bill,
    DepositAccount,
    DepositTopUp,
    Payment,
    PaymentChannel,
    PaymentStatus,
    Refund,
    Settlement,
    SettlementMode,
    SettlementStatus,
    VisitKind,
)
from onetrip.billing.services import deposit_ledger, payments, settlements
from onetrip.billing.services.common import check_reference, whole_fen
from onetrip.billing.services.deposit_ledger import DepositRefused
from onetrip.billing.services.scope import bills_in_scope, no_such_bill
from onetrip.billing.services.settlements import CLEARING_ACCOUNTS, PaymentRefused
from onetrip.core import audit, clock
from onetrip.core.actors import Actor
from onetrip.core.errors import InvalidInput, KeyReused
from onetrip.core.idempotency import check_idempotency_key, idempotency_scope
from onetrip.core.models import AuditAction

TOP_UP_CHANNELS = (
    PaymentChannel.CASH,
    PaymentChannel.CHEQUE,
    PaymentChannel.BANK_CARD,
    PaymentChannel.WECHAT,
    PaymentChannel.ALIPAY,
)
# At the admission or cashier window, at the ward bedside, or on the patient's phone.
TOP_UP_MODES = (
    SettlementMode.INPATIENT_DEPOSIT,
    SettlementMode.BEDSIDE,
    SettlementMode.INPATIENT_MOBILE,
)
# The shortfall at discharge: any channel a settlement takes except credit (pay-later is for
# outpatients) — or none, when the deposit must cover it all.
SHORTFALL_CHANNELS = (*TOP_UP_CHANNELS, PaymentChannel.INSURANCE)
DISCHARGE_REFUND_REASON = "出院结算预交金余额退还"


@dataclass(frozen=True)
class TopUpRequest:
    bill_id: int
    amount_fen: object  # checked to be whole positive fen here, whatever the interface sent
    channel: str
    mode: str = SettlementMode.INPATIENT_DEPOSIT
    reference: str = ""  # cheque number, POS slip number
    idempotency_key: str = ""


@dataclass(frozen=True)
class DischargeRequest:
    bill_id: int
    channel: str = ""  # pays what the deposit does not cover; "" when it must cover it all
    use_insurance: bool = False
    use_commercial: bool = False  # 商保直赔 (D100) at discharge
    blood_fen: int = 0  # blood fees reimbursed to a donor or their relative (D192)
    reference: str = ""
    idempotency_key: str = ""


@dataclass(frozen=True)
class Discharge:
    account: DepositAccount
    settlement: Settlement | None  # None when nothing was left unsettled
    refunds: list[Refund]


@dataclass(frozen=True)
class DepositStatement:
    bill: Bill
    account: DepositAccount | None
    outstanding_fen: int
    top_ups: list[DepositTopUp]

    @property
    def balance_fen(self) -> int:
        return self.account.balance_fen if self.account else 0


# --- top-ups --------------------------------------------------------------------------------


def top_up(request: TopUpRequest, *, actor: Actor) -> DepositTopUp:
    """Pay into an admission's deposit. Counter channels credit the balance at once; WeChat Pay
    and Alipay when the provider confirms. A retry with the same Idempotency-Key answers with
    the first top-up."""
    amount = whole_fen("amount_fen", request.amount_fen)
    if request.channel not in TOP_UP_CHANNELS:
        raise InvalidInput.field("channel", _("Choose a payment channel."))
    if request.mode not in TOP_UP_MODES:
        raise InvalidInput.field("mode", _("Choose a settlement mode."))
    check_reference(request.channel, request.reference)
    check_idempotency_key(request.idempotency_key)
    scope = idempotency_scope(actor)
    if request.idempotency_key:
        earlier = _earlier_top_up(scope, request, amount)
        if earlier is not None:
            return earlier
    try:
        return _top_up(request, amount, scope, actor)
    except IntegrityError:
        earlier = _earlier_top_up(scope, request, amount) if request.idempotency_key else None
        if earlier is None:
            raise
        return earlier


def _earlier_top_up(scope: str, request: TopUpRequest, amount: int) -> DepositTopUp | None:
    earlier = (
        Settlement.objects.filter(idempotency_scope=scope, idempotency_key=request.idempotency_key)
        .select_related("deposit_top_up")
        .first()
    )
    if earlier is None:
        return None
    top_up = getattr(earlier, "deposit_top_up", None)
    if top_up is None or (earlier.bill_id, earlier.channel, top_up.amount_fen) != (
        request.bill_id,
        request.channel,
        amount,
    ):
        raise KeyReused.field(
            "idempotency_key", _("This key was already used for another payment."), "key_reused"
        )
    return top_up


@transaction.atomic
def _top_up(request: TopUpRequest, amount: int, scope: str, actor: Actor) -> DepositTopUp:
    bill = _locked_bill(request.bill_id, actor)
    account = deposit_ledger.locked_account(bill)
    if request.idempotency_key:
        earlier = _earlier_top_up(scope, request, amount)
        if earlier is not None:
            return earlier
    if account.discharged_at is not None:
        raise DepositRefused(_("This admission is already discharged."), code="already_discharged")
    settlement = Settlement.objects.create(
        bill=bill,
        mode=request.mode,
        channel=request.channel,
        status=SettlementStatus.PENDING,
        total_fen=amount,
        cash_fen=amount,
        started_at=clock.now(),
        started_by=actor.label[:150],
        idempotency_scope=scope if request.idempotency_key else "",
        idempotency_key=request.idempotency_key,
    )
    made = DepositTopUp.objects.create(account=account, settlement=settlement, amount_fen=amount)
    audit.record(
        actor,
        AuditAction.CREATE,
        made,
        patient_id=bill.patient_id,
        summary=f"deposit top-up {amount} fen via {request.channel} on {bill.visit_reference}",
    )
    settlements.take_payment(settlement, request.reference, actor=actor)
    made.refresh_from_db()
    return made


# --- reading --------------------------------------------------------------------------------


def deposit_statement(bill: Bill) -> DepositStatement:
    """The balance, the charges it stands against and every top-up (newest first)."""
    if bill.visit_kind != VisitKind.INPATIENT:
        raise DepositRefused(_("Only an inpatient bill has a deposit."), code="not_inpatient")
    account = DepositAccount.objects.filter(bill=bill).first()
    top_ups = (
        list(account.top_ups.select_related("settlement__payment").order_by("-pk"))
        if account
        else []
    )
    return DepositStatement(bill, account, deposit_ledger.outstanding_fen(bill), top_ups)


# --- refunds of the balance -----------------------------------------------------------------


def refund_deposit(
    *, bill_id: int, amount_fen: object, reason: str, idempotency_key: str = "", actor: Actor
) -> DepositAccount:
    """Give back part of the balance before discharge (退预交金), to the top-ups' own channels,
    newest first. More than the balance is refused (`exceeds_balance`); a retry with the same
    Idempotency-Key refunds nothing more."""
    amount = whole_fen("amount_fen", amount_fen)
    if not reason.strip() or len(reason) > 200:
        raise InvalidInput.field("reason", _("Give a reason for the refund."))
    check_idempotency_key(idempotency_key)
    scope = idempotency_scope(actor)
    with transaction.atomic():
        bill = _locked_bill(bill_id, actor)
        account = deposit_ledger.locked_account(bill)
        if (
            idempotency_key
            and Refund.objects.filter(
                idempotency_scope=scope, idempotency_key=idempotency_key
            ).exists()
        ):
            return account
        if account.discharged_at is not None:
            raise DepositRefused(
                _("This admission is already discharged."), code="already_discharged"
            )
        if amount > account.balance_fen:
            raise InvalidInput.field(
                "amount_fen",
                _("The refund is larger than the deposit balance."),
                "exceeds_balance",
            )
        key = (scope if idempotency_key else "", idempotency_key)
        _refund_to_top_ups(account, amount, reason, actor, key=key)
        audit.record(
            actor,
            AuditAction.UPDATE,
            account,
            patient_id=bill.patient_id,
            summary=f"deposit refund {amount} fen on {bill.visit_reference}: {reason[:80]}",
        )
        account.refresh_from_db()
        return account


def _refund_to_top_ups(
    account: DepositAccount,
    amount: int,
    reason: str,
    actor: Actor,
    *,
    key: tuple[str, str] = ("", ""),
) -> list[Refund]:
    """`amount` of the balance back to the top-ups' original orders, newest first, each through
    `payments.refund_cash` (the provider's refund with a deterministic out_refund_no)."""
    deposit_ledger.take_refund(account, amount)
    paid = list(
        Payment.objects.select_for_update(of=("self",))
        .select_related("settlement__deposit_top_up", "settlement__bill")
        .filter(settlement__deposit_top_up__account=account, status=PaymentStatus.SUCCEEDED)
        .order_by("pk")
    )
    left, made = amount, []
    for payment in reversed(paid):
        share = min(left, payment.amount_fen - payment.refunded_fen)
        if not share:
            continue
        # The request's key goes on its first refund row only (the key is unique per row).
        refund = payments.refund_cash(
            payment, share, reason, actor, key=key if not made else ("", "")
        )
        deposit_ledger.post_refund(
            payment.settlement.deposit_top_up, share, clearing=CLEARING_ACCOUNTS[payment.channel]
        )
        domain_events.refunded(refund, payment.settlement)
        made.append(refund)
        left -= share
        if not left:
            break
    if left:
        # The balance is never more than the top-ups still unrefunded; this is a broken ledger.
        raise DepositRefused(_("The deposit's top-ups do not cover its balance."), code="ledger")
    return made


# --- discharge ------------------------------------------------------------------------------


def settle_at_discharge(request: DischargeRequest, *, actor: Actor) -> Discharge:
    """Discharge settlement (出院结算) in one transaction: settle the bill's unsettled charges
    (with the insurance split when asked) drawing the personal cash from the deposit first;
    a shortfall is paid through `request.channel` (refused as `deposit_insufficient` without
    one); a surplus goes back to the top-ups' channels, newest first; the account closes. Asking
    again (a double click, a retry) answers with the discharge already made."""
    if request.channel and request.channel not in SHORTFALL_CHANNELS:
        raise InvalidInput.field("channel", _("Choose a payment channel."))
    check_reference(request.channel, request.reference)
    check_idempotency_key(request.idempotency_key)
    with transaction.atomic():
        bill = _locked_bill(request.bill_id, actor)
        account = deposit_ledger.locked_account(bill)
        if account.discharged_at is not None:
            return _discharge_made(account)
        if account.top_ups.filter(settlement__status=SettlementStatus.PENDING).exists():
            raise PaymentRefused(
                _("A deposit payment is waiting for confirmation."), code="top_up_pending"
            )
        try:
            settlement = settlements.settle_bill(
                settlements.SettlementRequest(
                    bill_id=bill.pk,
                    mode=SettlementMode.DISCHARGE,
                    channel=request.channel or PaymentChannel.DEPOSIT,
                    use_insurance=request.use_insurance,
                    use_commercial=request.use_commercial,
                    blood_fen=request.blood_fen,
                    reference=request.reference,
                    idempotency_key=request.idempotency_key,
                    from_deposit=True,
                ),
                actor=actor,
            )
        except PaymentRefused as exc:
            if exc.code != "already_settled":
                raise
            settlement = None  # everything was settled on the ward: only the balance is left
        account.refresh_from_db()
        refunds = []
        if account.balance_fen:
            # Only when the draw left a balance, which means nothing remained to pay.
            refunds = _refund_to_top_ups(
                account, account.balance_fen, DISCHARGE_REFUND_REASON, actor
            )
        DepositAccount.objects.filter(pk=account.pk, discharged_at__isnull=True).update(
            discharged_at=clock.now(), discharge_settlement=settlement
        )
        account.refresh_from_db()
        audit.record(
            actor,
            AuditAction.UPDATE,
            account,
            patient_id=bill.patient_id,
            summary=(
                f"discharge of {bill.visit_reference}: drew "
                f"{settlement.deposit_fen if settlement else 0} fen, refunded "
                f"{sum(r.amount_fen for r in refunds)} fen"
            ),
        )
        return Discharge(account, settlement, refunds)


def _discharge_made(account: DepositAccount) -> Discharge:
    refunds = list(
        Refund.objects.filter(payment__settlement__deposit_top_up__account=account).order_by("pk")
    )
    return Discharge(account, account.discharge_settlement, refunds)


def _locked_bill(bill_id: int, actor: Actor) -> Bill:
    bill = (
        bills_in_scope(actor)
        .select_for_update(no_key=True, of=("self",))
        .select_related("patient")
        .filter(pk=bill_id)
        .first()
    )
    if bill is None:
        raise no_such_bill()
    return bill
