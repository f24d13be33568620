"""Provider notifications, refunds and recovery (issue 6 items 3, 4, 7).

Notices: verified first (a bad signature changes nothing and is refused in the provider's own
failure format), then recorded once per notice id and applied through `confirm_payment`, which
settles a payment at most once — duplicates and late or out-of-order notices are acknowledged
and ignored. Recovery: a payment still pending after the provider took the money (we crashed,
a notice was lost) is found by `reconcile_pending`, which asks the provider (order query).
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import F
from django.http import HttpResponse
from django.utils.translation import gettext_lazy as _

from onetrip.billing import seams
from onetrip.billing.channels import adapter_for
from onetrip.billing.channels.base import CLOSED, PAID, UNKNOWN, BadNotice, ProviderRefused
from onetrip.billing.models import (
    Account,
    Payment,
    PaymentStatus,
    ProviderNotice,
    Refund,
    Settlement,
    SettlementStatus,
)
from onetrip.billing.services import journal
from onetrip.billing.services.common import check_key, idempotency_scope, whole_fen
from onetrip.billing.services.settlements import (
    CLEARING_ACCOUNTS,
    PaymentRefused,
    close_payment,
    confirm_payment,
    issue_ebill,
    settle_insurance_part,
)
from onetrip.core import audit, clock
from onetrip.core.actors import SYSTEM, Actor
from onetrip.core.errors import DomainError, InvalidInput, NotFound
from onetrip.core.models import AuditAction

log = logging.getLogger(__name__)

# A pending order younger than this is probably still being paid; older ones are asked about.
QUERY_AFTER = dt.timedelta(minutes=2)
# An order the provider never heard of after this long will not be paid: release the bill.
ABANDON_AFTER = dt.timedelta(minutes=30)


def receive_notice(channel: str, headers: dict[str, str], body: bytes) -> HttpResponse:
    """Handle one asynchronous notification; the answer is in the provider's format."""
    adapter = adapter_for(channel)
    try:
        notice = adapter.read_notice(headers, body)
    except BadNotice as exc:
        log.warning("%s notice refused: %s", channel, exc.reason)
        return adapter.reject(exc.reason)
    order = notice.order
    payment = (
        Payment.objects.select_related("settlement")
        .filter(out_trade_no=order.out_trade_no, channel=channel)
        .first()
    )
    if payment is None:
        log.warning("%s notice for unknown order %s", channel, order.out_trade_no)
        return adapter.reject("ORDER_NOT_EXIST")
    try:
        if order.state == PAID:
            settle_insurance_part(payment, order, actor=SYSTEM)
        with transaction.atomic():
            try:
                with transaction.atomic():
                    ProviderNotice.objects.create(
                        channel=channel,
                        notice_id=notice.notice_id,
                        out_trade_no=order.out_trade_no,
                        trade_state=order.state,
                        received_at=clock.now(),
                    )
            except IntegrityError:
                return adapter.acknowledge()  # the same notice again: it was applied once
            if order.state == PAID:
                confirm_payment(order.out_trade_no, order)
            elif order.state == CLOSED:
                close_payment(payment)
            # A "waiting" notice arriving after the payment moved on changes nothing.
    except DomainError as exc:
        log.error("%s notice for %s not applied: %s", channel, order.out_trade_no, exc.code)
        return adapter.reject(exc.code)
    return adapter.acknowledge()


@dataclass(frozen=True)
class RecoveryReport:
    settled: int
    closed: int
    still_pending: int
    ebills_issued: int


def reconcile_pending(*, now: dt.datetime | None = None) -> RecoveryReport:
    """Ask the provider about every payment left pending: settle what was paid, release what
    never will be, and issue e-bills that were not issued after commit."""
    now = now or clock.now()
    settled = closed = still_pending = 0
    pending = Payment.objects.filter(
        status=PaymentStatus.PENDING, created_at__lte=now - QUERY_AFTER
    ).order_by("pk")
    for payment in pending.iterator():
        order = adapter_for(payment.channel).query(payment.out_trade_no)
        try:
            if order.state == PAID:
                settled += confirm_payment(payment.out_trade_no, order)
            elif order.state == CLOSED or (
                order.state == UNKNOWN and payment.created_at <= now - ABANDON_AFTER
            ):
                closed += close_payment(payment)
            else:
                still_pending += 1
        except DomainError as exc:
            # One payment the sweep cannot settle (an insurance refusal, an amount that differs)
            # must not hold up the others; it stays pending and is logged for the finance desk.
            log.error("payment %s not recovered: %s", payment.out_trade_no, exc.code)
            still_pending += 1
    missing_ebills = Settlement.objects.filter(
        status=SettlementStatus.SETTLED, ebill_id="", repaid_debt__isnull=True
    ).values_list("pk", flat=True)
    issued = 0
    for settlement_id in list(missing_ebills):
        issue_ebill(settlement_id, actor=SYSTEM)
        issued += Settlement.objects.filter(pk=settlement_id).exclude(ebill_id="").exists()
    return RecoveryReport(settled, closed, still_pending, issued)


# --- refunds --------------------------------------------------------------------------------


def refund(
    *, settlement_id: int, amount_fen: object, reason: str, idempotency_key: str = "", actor: Actor
) -> Refund:
    """Refund personal cash back to the channel it was paid through (full or partial)."""
    amount = whole_fen("amount_fen", amount_fen)
    if not reason.strip() or len(reason) > 200:
        raise InvalidInput.field("reason", _("Give a reason for the refund."))
    check_key(idempotency_key)
    scope = idempotency_scope(actor)
    if idempotency_key:
        earlier = Refund.objects.filter(
            idempotency_scope=scope, idempotency_key=idempotency_key
        ).first()
        if earlier is not None:
            return earlier
    with transaction.atomic():
        payment = (
            Payment.objects.select_for_update()
            .select_related("settlement__bill")
            .filter(settlement_id=settlement_id)
            .first()
        )
        if payment is None:
            raise NotFound(_("No such settlement."), code="unknown_settlement")
        if payment.status != PaymentStatus.SUCCEEDED:
            raise PaymentRefused(_("Only a paid settlement can be refunded."), code="not_paid")
        if amount > payment.amount_fen - payment.refunded_fen:
            raise InvalidInput.field(
                "amount_fen", _("The refund is larger than what is left to refund."), "exceeds_paid"
            )
        out_refund_no = f"RF{payment.pk:012d}{payment.refunds.count() + 1:03d}"
        try:
            provider_refund_no = adapter_for(payment.channel).refund(
                out_trade_no=payment.out_trade_no,
                out_refund_no=out_refund_no,
                amount_fen=amount,
                total_fen=payment.amount_fen,
            )
        except ProviderRefused as exc:
            raise PaymentRefused(
                _("The payment provider refused the refund."), code="provider_refused"
            ) from exc
        Payment.objects.filter(pk=payment.pk).update(refunded_fen=F("refunded_fen") + amount)
        made = Refund.objects.create(
            payment=payment,
            amount_fen=amount,
            out_refund_no=out_refund_no,
            provider_refund_no=provider_refund_no,
            reason=reason,
            refunded_at=clock.now(),
            refunded_by=actor.label[:150],
            idempotency_scope=scope if idempotency_key else "",
            idempotency_key=idempotency_key,
        )
        settlement = payment.settlement
        journal.post(
            settlement,
            "refund",
            [(Account.REVENUE, amount, 0), (CLEARING_ACCOUNTS[payment.channel], 0, amount)],
        )
        audit.record(
            actor,
            AuditAction.UPDATE,
            settlement,
            patient_id=settlement.bill.patient_id,
            summary=f"refund {amount} fen via {payment.channel}: {reason[:80]}",
        )
        ebill_id = settlement.ebill_id
        transaction.on_commit(
            lambda: seams.issue_red_letter(
                ebill_id=ebill_id, refund_fen=amount, reason=reason, actor=actor
            )
        )
    return made
