"""Provider notifications, refunds and recovery (issue 6 items 3, 4, 7).

Notices: verified first (a bad signature changes nothing and is refused in the provider's own
failure format), then recorded once per notice id and applied through `settle_paid_order` (the
transaction of `confirm_payment`), which settles a payment at most once — duplicates and late
or out-of-order notices are acknowledged and ignored. Recovery: a payment still pending after
the provider took the money (we crashed, a notice was lost) is found by `reconcile_pending`,
which asks the provider (order query).
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import F
from django.http import HttpResponse
from django.utils.translation import gettext_lazy as _

from onetrip.billing import domain_events, seams
from onetrip.billing.channels import adapter_for
from onetrip.billing.channels.base import (
    CLOSED,
    PAID,
    UNKNOWN,
    BadNotice,
    ProviderOrder,
    ProviderRefused,
)
from onetrip.billing.models import (
    Account,
    Charge,
    DepositTopUp,
    Payment,
    PaymentStatus,
    ProviderNotice,
    Refund,
    Settlement,
    SettlementStatus,
)
from onetrip.billing.services import journal, notice_database, sources
from onetrip.billing.services.common import whole_fen
from onetrip.billing.services.scope import bills_in_scope
from onetrip.billing.services.settlements import (
    CLEARING_ACCOUNTS,
    PaymentRefused,
    amount_mismatch,
    close_payment,
    confirm_payment,
    ebill_for_refund,
    issue_due_ebills,
    payment_closed,
    settle_insurance_part,
    settle_paid_order,
)
from onetrip.core import audit, clock
from onetrip.core.actors import SYSTEM, Actor
from onetrip.core.errors import DomainError, InvalidInput, KeyReused, NotFound
from onetrip.core.idempotency import check_idempotency_key, idempotency_scope
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
            if (
                order.state == PAID
                and notice_database.settles_in_database()
                and notice_database.takes(payment)
            ):
                # A duplicate (False) is acknowledged too: it was applied once.
                _paid_notice_in_database(channel, notice.notice_id, order, payment)
                return adapter.acknowledge()
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
                settle_paid_order(order.out_trade_no, order)
            elif order.state == CLOSED:
                close_payment(payment)
            # A "waiting" notice arriving after the payment moved on changes nothing.
    except DomainError as exc:
        log.error("%s notice for %s not applied: %s", channel, order.out_trade_no, exc.code)
        return adapter.reject(exc.code)
    return adapter.acknowledge()


def _paid_notice_in_database(
    channel: str, notice_id: str, order: ProviderOrder, payment: Payment
) -> bool:
    """The notice recorded and applied by `billing_settle_notice`, its SQL twin (D291), inside
    `receive_notice`'s transaction (`payment`: its read before it); False for a duplicate
    delivery. A deposit top-up or a debt repayment is settled by Python after the call
    (`settle_paid_order`); the paid lines' follow-ups are other apps' and run here."""
    decision = notice_database.decide(
        channel=channel,
        notice_id=notice_id,
        order=order,
        clearing=CLEARING_ACCOUNTS[channel],
        now=clock.now(),
    )
    outcome = decision.outcome
    if outcome == "duplicate":
        return False
    if outcome == "settled":
        sources.run_follow_ups_of_lines(
            payment.settlement_id, lines=decision.keyed_lines, actor=SYSTEM
        )
    elif outcome == "python":
        settle_paid_order(order.out_trade_no, order)
    elif outcome == "unknown_order":
        raise NotFound(_("No such order."), code="unknown_order")
    elif outcome == "amount_mismatch":
        raise amount_mismatch()
    elif outcome == "payment_closed":
        raise payment_closed(payment.pk, decision.payment_status or "")
    elif outcome != "already":
        raise AssertionError(f"billing_settle_notice answered {outcome!r}")
    return True


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
    # The e-bill worker's queue, in case no worker runs (D245).
    issued = issue_due_ebills(batch=10_000).issued
    return RecoveryReport(settled, closed, still_pending, issued)


# --- refunds --------------------------------------------------------------------------------


def refund(
    *, settlement_id: int, amount_fen: object, reason: str, idempotency_key: str = "", actor: Actor
) -> Refund:
    """Refund (part of) the personal cash back to the channel it was paid through. The
    insurance parts stay settled: returning them is `refund_in_full` (D32, D45)."""
    amount = whole_fen("amount_fen", amount_fen)
    _check_reason(reason)
    check_idempotency_key(idempotency_key)
    scope = idempotency_scope(actor)
    if idempotency_key:
        earlier = (
            Refund.objects.select_related("payment")
            .filter(idempotency_scope=scope, idempotency_key=idempotency_key)
            .first()
        )
        if earlier is not None:
            if (earlier.payment.settlement_id, earlier.amount_fen) != (settlement_id, amount):
                raise KeyReused.field(
                    "idempotency_key",
                    _("This key was already used for another refund."),
                    "key_reused",
                )
            return earlier
    with transaction.atomic():
        payment = _locked_payment(settlement_id, actor)
        if payment.status != PaymentStatus.SUCCEEDED or (
            payment.settlement.status != SettlementStatus.SETTLED
        ):
            raise PaymentRefused(_("Only a paid settlement can be refunded."), code="not_paid")
        _refuse_deposit_top_up(payment.settlement)
        if amount > payment.amount_fen - payment.refunded_fen:
            raise InvalidInput.field(
                "amount_fen", _("The refund is larger than what is left to refund."), "exceeds_paid"
            )
        key = (scope if idempotency_key else "", idempotency_key)
        made = refund_cash(payment, amount, reason, actor, key=key)
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
        domain_events.refunded(made, settlement)
        ebill_id = ebill_for_refund(settlement, actor=actor)
        transaction.on_commit(
            lambda: seams.issue_red_letter(
                ebill_id=ebill_id, refund_fen=amount, reason=reason, actor=actor
            )
        )
    return made


def refund_in_full(
    *, settlement_id: int, reason: str, settle_again: bool = False, actor: Actor
) -> Settlement:
    """Refund a whole settlement (退费): reverse its insurance settlement (2208, then 2205/2202),
    return the personal cash still paid to the original channel, post the reversal of what is
    left and red-letter what is left of the e-bill. `settle_again` puts the charges back on the
    bill to be settled afresh (the way to change an insured settlement: D32, D45).

    2208 goes first and outside our transaction (the platform is remote and commits when it
    answers; the insurance app commits its msgid first): if we crash after it, asking again
    finds it reversed and finishes. Asking again after it finished answers with the settlement.
    """
    _check_reason(reason)
    settlement = Settlement.objects.filter(pk=settlement_id, bill__in=bills_in_scope(actor)).first()
    if settlement is None:
        raise NotFound(_("No such settlement."), code="unknown_settlement")
    if settlement.status == SettlementStatus.REFUNDED:
        return settlement
    if settlement.status != SettlementStatus.SETTLED:
        raise PaymentRefused(_("Only a paid settlement can be refunded."), code="not_paid")
    _refuse_deposit_top_up(settlement)
    if settlement.deposit_fen:
        # Its deposit part would have to go back to the top-ups, which this does not do (D50).
        raise PaymentRefused(
            _("A discharge settlement paid from the deposit cannot be refunded in full here."),
            code="deposit_drawn",
        )
    if settlement.insurance_settlement_id:
        seams.insurance_reverse(settlement_id=settlement.insurance_settlement_id, actor=actor)
    if settlement.commercial_id:  # the insurer's share goes back to the insurer (D100)
        seams.commercial_reverse(direct_id=settlement.commercial_id, actor=actor)
    with transaction.atomic():
        payment = _locked_payment(settlement_id, actor)
        settlement = payment.settlement
        # The conditional UPDATE decides (the settlement read with the lock may be stale): a
        # concurrent request that finished first leaves nothing to do.
        if not Settlement.objects.filter(pk=settlement.pk, status=SettlementStatus.SETTLED).update(
            status=SettlementStatus.REFUNDED
        ):
            settlement.refresh_from_db()
            return settlement
        settlement.refresh_from_db()  # its e-bill may have been issued since the read
        # Before `settle_again` takes the charges off it: an e-bill not yet issued needs them.
        ebill_id = ebill_for_refund(settlement, actor=actor)
        cash = payment.amount_fen - payment.refunded_fen
        if cash:
            refund_cash(payment, cash, reason, actor)
        left = (
            settlement.fund_fen
            + settlement.account_fen
            + settlement.commercial_fen
            + settlement.blood_fen
            + cash
        )
        journal.post(
            settlement,
            "full refund",
            [
                (Account.REVENUE, left, 0),
                (Account.INSURANCE_RECEIVABLE, 0, settlement.fund_fen),
                (Account.PERSONAL_ACCOUNT, 0, settlement.account_fen),
                (Account.COMMERCIAL_RECEIVABLE, 0, settlement.commercial_fen),
                (Account.BLOOD_RECEIVABLE, 0, settlement.blood_fen),
                (CLEARING_ACCOUNTS[payment.channel], 0, cash),
            ],
        )
        if settle_again:
            Charge.objects.filter(settlement=settlement).update(settlement=None)
        audit.record(
            actor,
            AuditAction.UPDATE,
            settlement,
            patient_id=settlement.bill.patient_id,
            summary=f"full refund: {left} fen ({cash} cash via {payment.channel}): {reason[:80]}",
            changes={
                "fund": settlement.fund_fen,
                "account": settlement.account_fen,
                "commercial": settlement.commercial_fen,
                "cash": cash,
            },
        )
        transaction.on_commit(
            lambda: seams.issue_red_letter(
                ebill_id=ebill_id, refund_fen=left, reason=reason, actor=actor
            )
        )
    return settlement


# A refund of one line, keyed by the line's source key: it is made once, and it says which line
# it gives back (the fee-refund invariant reads it, D90).
LINE_REFUND_PREFIX = "line:"


def refund_line(*, source_key: str, reason: str, actor: Actor) -> Settlement | Refund | None:
    """Give back one paid line (a registration fee for a booking that ended before its visit),
    and nothing else of the settlement that paid it (D90). A settlement of that line alone is
    refunded in full (its insurance parts reversed too); one that also paid other lines (exam
    fees settled in the room with the registration fee) gets the line's amount back in cash and
    stays settled for the rest. An insured settlement of several lines is left to the finance
    desk: which part of the line the fund paid is not ours to guess. None: nothing paid."""
    charge = Charge.objects.filter(source_key=source_key).select_related("settlement").first()
    if charge is None or charge.settlement is None:
        return None
    settlement = charge.settlement
    if not Charge.objects.filter(settlement=settlement).exclude(pk=charge.pk).exists():
        return refund_in_full(settlement_id=settlement.pk, reason=reason, actor=actor)
    if settlement.fund_fen or settlement.account_fen or settlement.deposit_fen:
        raise PaymentRefused(
            _("Part of this line was paid by insurance: refund it at the finance desk."),
            code="insured_line",
        )
    return refund(
        settlement_id=settlement.pk,
        amount_fen=charge.amount_fen,
        reason=reason,
        idempotency_key=f"{LINE_REFUND_PREFIX}{source_key}"[:100],
        actor=actor,
    )


@dataclass(frozen=True)
class RefundCover:
    """One refund and the lines it gave back: the line it was keyed to, or every line of a
    settlement refunded in full (empty when a person refunded an amount by hand)."""

    refund_id: int
    settlement_id: int
    amount_fen: int
    reason: str
    refunded_by: str
    source_keys: tuple[str, ...]


def refunds_made() -> list[RefundCover]:
    """Every refund of a settlement of charges, with the lines it covers (the invariant of
    D90 reads them). Deposit top-ups go back through the deposit and are not listed."""
    refunds = (
        Refund.objects.select_related("payment__settlement")
        .exclude(payment__settlement__in=DepositTopUp.objects.values("settlement"))
        .order_by("pk")
    )
    lines: dict[int, list[str]] = {}
    for settlement_id, key in Charge.objects.filter(
        settlement__in=refunds.values("payment__settlement")
    ).values_list("settlement_id", "source_key"):
        lines.setdefault(settlement_id, []).append(key)
    covers = []
    for made in refunds:
        settlement = made.payment.settlement
        if made.idempotency_key.startswith(LINE_REFUND_PREFIX):
            keys: tuple[str, ...] = (made.idempotency_key.removeprefix(LINE_REFUND_PREFIX),)
        elif settlement.status == SettlementStatus.REFUNDED:
            keys = tuple(sorted(lines.get(settlement.pk, ())))
        else:
            keys = ()
        covers.append(
            RefundCover(
                made.pk, settlement.pk, made.amount_fen, made.reason, made.refunded_by, keys
            )
        )
    return covers


def _refuse_deposit_top_up(settlement: Settlement) -> None:
    """A top-up is the patient's money held, not a fee: it goes back through the deposit (which
    keeps its balance and the liability right), never through a fee refund."""
    if DepositTopUp.objects.filter(settlement=settlement).exists():
        raise PaymentRefused(
            _("A deposit top-up is refunded from the deposit balance."), code="deposit_top_up"
        )


def _check_reason(reason: str) -> None:
    if not reason.strip() or len(reason) > 200:
        raise InvalidInput.field("reason", _("Give a reason for the refund."))


def _locked_payment(settlement_id: int, actor: Actor) -> Payment:
    payment = (
        Payment.objects.select_for_update(of=("self",))
        .select_related("settlement__bill")
        .filter(settlement_id=settlement_id, settlement__bill__in=bills_in_scope(actor))
        .first()
    )
    if payment is None:
        raise NotFound(_("No such settlement."), code="unknown_settlement")
    return payment


def refund_cash(
    payment: Payment, amount: int, reason: str, actor: Actor, *, key: tuple[str, str] = ("", "")
) -> Refund:
    """The provider's refund back to the original order, under the payment's row lock. The
    out_refund_no is deterministic, so a retried provider call is idempotent at the provider."""
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
    return Refund.objects.create(
        payment=payment,
        amount_fen=amount,
        out_refund_no=out_refund_no,
        provider_refund_no=provider_refund_no,
        reason=reason,
        refunded_at=clock.now(),
        refunded_by=actor.label[:150],
        idempotency_scope=key[0],
        idempotency_key=key[1],
    )
