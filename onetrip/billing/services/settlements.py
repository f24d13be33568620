"""Settlement and payment (R-PAY-1/2/3): a bill's unsettled charges are split by insurance
(fund, personal account, personal cash) and the cash part is taken through one channel.

The payment's state machine (models.PAYMENT_TRANSITIONS) is enforced by conditional UPDATEs:
a payment leaves `pending` exactly once, however many notices, queries and retries race for
it. Completing a payment settles its settlement, posts the balanced journal entry and, after
commit, issues the e-bill — all keyed on the payment, so replays change nothing.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from django.core.exceptions import ObjectDoesNotExist
from django.db import IntegrityError, transaction
from django.db.models import Subquery
from django.utils.translation import gettext_lazy as _

from onetrip.billing import domain_events, seams
from onetrip.billing.channels import adapter_for
from onetrip.billing.channels.base import PAID, ProviderOrder, ProviderRefused
from onetrip.billing.models import (
    PAYMENT_TRANSITIONS,
    Account,
    Charge,
    Debt,
    DepositTopUp,
    Payment,
    PaymentChannel,
    PaymentStatus,
    Settlement,
    SettlementMode,
    SettlementStatus,
)
from onetrip.billing.services import counter_database, credit, deposit_ledger, journal, sources
from onetrip.billing.services.common import check_reference, whole_fen
from onetrip.billing.services.scope import bills_in_scope, no_such_bill
from onetrip.consortium.models import Clinic
from onetrip.core import audit, clock
from onetrip.core.actors import SYSTEM, Actor, ActorKind
from onetrip.core.errors import DomainError, InvalidInput, KeyReused, NotFound
from onetrip.core.idempotency import check_idempotency_key, idempotency_scope
from onetrip.core.models import AuditAction

log = logging.getLogger(__name__)

CLEARING_ACCOUNTS = {
    PaymentChannel.CASH: Account.CASH,
    PaymentChannel.CHEQUE: Account.CHEQUE,
    PaymentChannel.BANK_CARD: Account.BANK_CARD,
    PaymentChannel.WECHAT: Account.WECHAT,
    PaymentChannel.ALIPAY: Account.ALIPAY,
    PaymentChannel.INSURANCE_MOBILE: Account.INSURANCE_MOBILE,
    PaymentChannel.INSURANCE: Account.PERSONAL_ACCOUNT,
    PaymentChannel.CREDIT: Account.CREDIT,
    # Only ever a zero payment: the deposit's part is posted from the liability itself.
    PaymentChannel.DEPOSIT: Account.INPATIENT_DEPOSIT,
}


# Channels that always settle through insurance: the card at a desk, the e-voucher on a phone.
INSURED_CHANNELS = (PaymentChannel.INSURANCE, PaymentChannel.INSURANCE_MOBILE)


class PaymentRefused(DomainError):
    status = 409


@dataclass(frozen=True)
class SettlementRequest:
    bill_id: int
    mode: str
    channel: str
    use_insurance: bool = False
    reference: str = ""  # cheque number, POS slip number
    clinic_id: int | None = None
    idempotency_key: str = ""
    # Discharge settlement only (`deposits.settle_at_discharge`): the personal cash is taken
    # from the inpatient deposit first and `channel` pays what it does not cover.
    from_deposit: bool = False
    # 商保直赔 (D100): the patient's commercial insurer pays its share of their own part.
    use_commercial: bool = False
    # Discharge only: blood fees a donor or their relative does not pay (D192), at most the
    # personal part left after insurance.
    blood_fen: int = 0


def settle_bill(request: SettlementRequest, *, actor: Actor) -> Settlement:
    """Settle what is outstanding on a bill. Counter channels and pay-after-treatment finish at
    once; WeChat Pay and Alipay leave the settlement pending until the provider confirms."""
    _validate(request)
    scope = idempotency_scope(actor)
    # A retried key is answered under the bill's lock (`_settle`): asking before taking it too
    # would cost every first request a round trip to spare a retry a wait.
    try:
        if counter_database.settles_in_database() and counter_database.takes(request, actor):
            return _settle_at_counter_in_database(request, scope, actor)
        return _settle(request, scope, actor)
    except IntegrityError:
        earlier = _earlier(scope, request) if request.idempotency_key else None
        if earlier is None:
            raise
        return earlier


def _validate(request: SettlementRequest) -> None:
    if request.mode not in SettlementMode.values:
        raise InvalidInput.field("mode", _("Choose a settlement mode."))
    if request.channel not in PaymentChannel.values:
        raise InvalidInput.field("channel", _("Choose a payment channel."))
    if request.from_deposit != (request.mode == SettlementMode.DISCHARGE):
        raise InvalidInput.field(
            "mode",
            _("Discharge settlement draws on the deposit: settle the discharge."),
            "discharge",
        )
    if request.channel == PaymentChannel.DEPOSIT and not request.from_deposit:
        raise InvalidInput.field("channel", _("Choose a payment channel."))
    if (request.channel == PaymentChannel.CREDIT) != (request.mode == SettlementMode.PAY_LATER):
        raise InvalidInput.field(
            "channel", _("Pay after treatment is its own mode and channel."), "pay_later"
        )
    whole_fen("blood_fen", request.blood_fen, positive=False)
    if request.blood_fen and not request.from_deposit:
        raise InvalidInput.field(
            "blood_fen", _("Blood fees are reimbursed at discharge."), "discharge"
        )
    check_reference(request.channel, request.reference)
    check_idempotency_key(request.idempotency_key)


def _earlier(scope: str, request: SettlementRequest) -> Settlement | None:
    earlier = Settlement.objects.filter(
        idempotency_scope=scope, idempotency_key=request.idempotency_key
    ).first()
    if earlier is not None and (earlier.bill_id, earlier.channel) != (
        request.bill_id,
        request.channel,
    ):
        raise _key_reused()
    return earlier


def _key_reused() -> KeyReused:
    return KeyReused.field(
        "idempotency_key", _("This key was already used for another payment."), "key_reused"
    )


def _nothing_to_settle(*, waiting: bool) -> PaymentRefused:
    """A bill whose charges are all taken: by a payment still waiting, or settled."""
    if waiting:
        return PaymentRefused(
            _("A payment for this bill is waiting for confirmation."), code="payment_pending"
        )
    return PaymentRefused(_("This bill is already settled."), code="already_settled")


@transaction.atomic
def _settle_at_counter_in_database(
    request: SettlementRequest, scope: str, actor: Actor
) -> Settlement:
    """`_settle` of a counter settlement (`counter_database.takes`) in one call on PostgreSQL:
    `billing_settle_at_counter`, its SQL twin (D290). The paid lines' follow-ups are other
    apps' services and run here, in the same transaction, as `_complete` runs them. A phone
    channel's settlement comes back pending and its provider's order is asked for here, as
    `_open_payment` asks (D330)."""
    decision = counter_database.decide(
        bill_id=request.bill_id,
        mode=request.mode,
        channel=request.channel,
        reference=request.reference,
        clinic_id=request.clinic_id,
        scope=scope,
        key=request.idempotency_key,
        started_by=actor.label[:150],
        settled_by=actor.label[:150] if actor.kind == ActorKind.STAFF else "",
        now=clock.now(),
        clearing=CLEARING_ACCOUNTS[request.channel],
        on_site=domain_events.on_site(request.mode, request.channel),
        actor=actor,
        actor_columns=audit.actor_columns(actor),
    )
    outcome = decision.outcome
    if outcome == "settled":
        assert decision.settlement is not None
        sources.run_follow_ups_of_lines(
            decision.settlement.pk, lines=decision.keyed_lines, actor=actor
        )
        return decision.settlement
    if outcome == "pending":
        assert decision.settlement is not None
        _order_at_provider(decision.settlement.payment, decision.settlement)
        return decision.settlement
    if outcome == "earlier":
        return Settlement.objects.get(pk=decision.earlier_id)
    if outcome == "unknown_bill":
        raise no_such_bill()
    if outcome == "key_reused":
        raise _key_reused()
    if outcome in ("payment_pending", "already_settled"):
        raise _nothing_to_settle(waiting=outcome == "payment_pending")
    if outcome == "unbalanced":  # a zero total: `journal.post` refuses an entry of no lines
        raise journal.UnbalancedEntry("settlement: debits 0 != credits 0")
    raise AssertionError(f"billing_settle_at_counter answered {outcome!r}")


@transaction.atomic
def _settle(request: SettlementRequest, scope: str, actor: Actor) -> Settlement:
    # The bill's row lock serialises settlements of one visit: its charges are taken once.
    locked = bills_in_scope(actor).select_for_update(no_key=True).select_related("patient")
    if request.idempotency_key:
        # Whether the key was used is asked in the same statement. Its snapshot is taken before
        # the lock is granted, so a request with this key that committed while we waited is
        # found below instead: its charges are gone, or its key's unique constraint refuses ours.
        earlier_ids = Settlement.objects.filter(
            idempotency_scope=scope, idempotency_key=request.idempotency_key
        ).values("pk")[:1]
        locked = locked.annotate(earlier_id=Subquery(earlier_ids))
    bill = locked.filter(pk=request.bill_id).first()
    if bill is None:
        raise no_such_bill()
    charges = list(bill.charges.filter(settlement__isnull=True).order_by("pk"))
    if request.idempotency_key and (bill.earlier_id is not None or not charges):
        earlier = _earlier(scope, request)
        if earlier is not None:
            return earlier
    if not charges:
        waiting = bill.settlements.filter(status=SettlementStatus.PENDING).exists()
        raise _nothing_to_settle(waiting=waiting)
    total = sum(charge.amount_fen for charge in charges)
    split = _insurance_split(request, bill, charges, total, actor)
    share = seams.NO_COMMERCIAL
    if request.use_commercial:
        share = seams.commercial_quote(bill=bill, own_part_fen=split.cash_fen, actor=actor)
    blood_fen = min(request.blood_fen, split.cash_fen - share.insurer_fen)
    cash_fen = split.cash_fen - share.insurer_fen - blood_fen
    deposit_fen = 0
    if request.from_deposit:
        deposit = deposit_ledger.locked_account(bill)
        deposit_fen = min(deposit.balance_fen, cash_fen)
        deposit_ledger.draw(deposit, deposit_fen)
    to_pay = cash_fen - deposit_fen
    if request.channel == PaymentChannel.DEPOSIT and to_pay:
        raise deposit_ledger.DepositRefused(
            _("The deposit does not cover the personal cash part; choose a channel for the rest."),
            code="deposit_insufficient",
        )
    if request.channel == PaymentChannel.INSURANCE and to_pay:
        raise InvalidInput.field(
            "channel", _("The personal cash part needs another channel."), "cash_left"
        )
    if request.channel == PaymentChannel.CREDIT:
        credit.check_eligible(bill.patient, to_pay, insured=bool(split.quote_id))
    now = clock.now()
    settlement = Settlement.objects.create(
        bill=bill,
        mode=request.mode,
        channel=request.channel,
        status=SettlementStatus.PENDING,
        total_fen=total,
        fund_fen=split.fund_fen,
        account_fen=split.account_fen,
        commercial_fen=share.insurer_fen,
        commercial_id=share.direct_id,
        blood_fen=blood_fen,
        cash_fen=cash_fen,
        deposit_fen=deposit_fen,
        insurance_quote_id=split.quote_id,
        clinic_id=request.clinic_id,
        started_at=now,
        started_by=actor.label[:150],
        idempotency_scope=scope if request.idempotency_key else "",
        idempotency_key=request.idempotency_key,
    )
    Charge.objects.filter(pk__in=[c.pk for c in charges], settlement__isnull=True).update(
        settlement=settlement
    )
    audit.record(
        actor,
        AuditAction.CREATE,
        settlement,
        patient_id=bill.patient_id,
        summary=f"settlement {request.mode} via {request.channel}: {total} fen",
        changes={
            "fund": split.fund_fen,
            "account": split.account_fen,
            "commercial": share.insurer_fen,
            "blood": blood_fen,
            "cash": cash_fen,
            "deposit": deposit_fen,
        },
    )
    take_payment(settlement, request.reference, actor=actor, charges=charges)
    return settlement


def take_payment(
    settlement: Settlement, reference: str, *, actor: Actor, charges: list[Charge] | None = None
) -> Payment:
    """Open the settlement's payment; a counter channel, or nothing left to pay, completes it
    at once, the providers' channels when they confirm. `charges`: the settlement was just made
    of these charges (so it is neither a deposit top-up nor a debt repayment)."""
    payment = _open_payment(settlement, reference, settlement.started_at)
    if not adapter_for(settlement.channel).asynchronous or payment.amount_fen == 0:
        order = ProviderOrder(payment.out_trade_no, PAID, reference)
        _complete(payment, order, actor, charges=charges)
    return payment


def _insurance_split(request, bill, charges, total, actor) -> seams.InsuranceSplit:
    if request.use_insurance or request.channel in INSURED_CHANNELS:
        return seams.insurance_quote(bill=bill, charges=charges, actor=actor)
    return seams.InsuranceSplit(quote_id="", fund_fen=0, account_fen=0, cash_fen=total)


def _open_payment(settlement: Settlement, reference: str, now: dt.datetime) -> Payment:
    payment = Payment.objects.create(
        settlement=settlement,
        channel=settlement.channel,
        amount_fen=settlement.cash_fen - settlement.deposit_fen,
        status=PaymentStatus.PENDING,
        out_trade_no=f"OT{now:%Y%m%d}{settlement.pk:010d}",
        reference=reference,
        created_at=now,
    )
    if adapter_for(settlement.channel).asynchronous and payment.amount_fen:
        _order_at_provider(payment, settlement)
    return payment


def _order_at_provider(payment: Payment, settlement: Settlement) -> None:
    """The provider's order for a pending payment, inside the settlement's transaction: a
    refusal undoes the settlement; the cashier address it answers is kept on the payment."""
    try:
        payment.cashier_url = adapter_for(settlement.channel).start(
            out_trade_no=payment.out_trade_no,
            amount_fen=payment.amount_fen,
            description=f"{settlement.bill.visit_reference} 医疗费用",
        )
    except ProviderRefused as exc:
        raise PaymentRefused(
            _("The payment provider refused the order."), code="provider_refused"
        ) from exc
    payment.save(update_fields=["cashier_url"])


def repay_debt(*, debt_id: int, channel: str, actor: Actor) -> Settlement:
    """A pay-after-treatment debt paid later (on the phone, at a kiosk or window): a settlement
    of no charges whose payment clears the debt. Asking again while one is pending answers
    with that one."""
    if channel not in (PaymentChannel.WECHAT, PaymentChannel.ALIPAY, PaymentChannel.CASH):
        raise InvalidInput.field("channel", _("Choose a payment channel."))
    with transaction.atomic():
        debt = (
            Debt.objects.select_for_update(no_key=True, of=("self",))
            .select_related("settlement__bill", "repayment")
            .filter(pk=debt_id, settlement__bill__in=bills_in_scope(actor))
            .first()
        )
        if debt is None:
            raise NotFound(_("No such bill."), code="unknown_debt")
        if debt.status == "paid":
            raise PaymentRefused(_("This bill is already settled."), code="already_settled")
        if debt.repayment is not None and debt.repayment.status == SettlementStatus.PENDING:
            return debt.repayment
        now = clock.now()
        settlement = Settlement.objects.create(
            bill=debt.settlement.bill,
            mode=SettlementMode.MOBILE,
            channel=channel,
            status=SettlementStatus.PENDING,
            total_fen=debt.amount_fen,
            cash_fen=debt.amount_fen,
            started_at=now,
            started_by=actor.label[:150],
        )
        Debt.objects.filter(pk=debt.pk).update(repayment=settlement)
        payment = _open_payment(settlement, "", now)
        if not adapter_for(channel).asynchronous:
            _complete(payment, ProviderOrder(payment.out_trade_no, PAID), actor)
            settlement.refresh_from_db()
        return settlement


# --- completing a payment: the only way money becomes a settlement --------------------------


def transition(payment: Payment, to: str, **fields) -> bool:
    """Move a payment along the state machine (setting `fields` with it); False when another
    actor moved it first."""
    allowed_from = [state for state, targets in PAYMENT_TRANSITIONS.items() if to in targets]
    moved = Payment.objects.filter(pk=payment.pk, status__in=allowed_from).update(
        status=to, **fields
    )
    if moved:  # the caller goes on with this instance: it says what the row now says
        payment.status = to
        for name, value in fields.items():
            setattr(payment, name, value)
    return bool(moved)


def confirm_payment(out_trade_no: str, order: ProviderOrder, *, actor: Actor = SYSTEM) -> bool:
    """The provider says this order is paid (a notice or a query). True when this call settled
    it; False when it was already settled (a duplicate, a late notice)."""
    payment = Payment.objects.select_related("settlement").filter(out_trade_no=out_trade_no).first()
    if payment is None:
        raise NotFound(_("No such order."), code="unknown_order")
    settle_insurance_part(payment, order, actor=actor)
    return settle_paid_order(out_trade_no, order, actor=actor)


def settle_paid_order(out_trade_no: str, order: ProviderOrder, *, actor: Actor = SYSTEM) -> bool:
    """The transaction of `confirm_payment`, for a caller that has read the payment and run
    `settle_insurance_part` itself (a notice). Inside the caller's transaction it takes no
    savepoint: a refusal undoes the caller's work too, as it must (the notice is not recorded
    as applied)."""
    with transaction.atomic(savepoint=False):
        # What `_complete` asks of the settlement (is it a top-up, a repayment; its patient for
        # the e-bill) is joined into the locked read.
        payment = (
            Payment.objects.select_for_update(of=("self",))
            .select_related(
                "settlement__bill__patient",
                "settlement__repaid_debt",
                "settlement__deposit_top_up",
            )
            .filter(out_trade_no=out_trade_no)
            .first()
        )
        if payment is None:
            raise NotFound(_("No such order."), code="unknown_order")
        if payment.status == PaymentStatus.SUCCEEDED:
            return False
        return _complete(payment, order, actor)


def settle_insurance_part(payment: Payment, order: ProviderOrder, *, actor: Actor) -> None:
    """2207 for a paid order's insurance part, before (outside) the transaction that settles
    the payment: the insurance app commits its msgid and the platform's answer on its own, so a
    process killed before our settlement commits leaves the platform's settlement on record and
    the recovery finds it instead of sending a second 2207 (D31, D35). Called outside a
    transaction by notices and the sweep; `_complete` settles (or finds) it again either way."""
    settlement = payment.settlement
    if (
        payment.status == PaymentStatus.PENDING
        and settlement.insurance_quote_id
        and not settlement.insurance_settlement_id
        and not _amount_differs(payment, order)
    ):
        seams.insurance_settle(quote_id=settlement.insurance_quote_id, actor=actor)
    if (
        payment.status == PaymentStatus.PENDING
        and settlement.commercial_id
        and not _amount_differs(payment, order)
    ):
        seams.commercial_settle(settlement=settlement, actor=actor)


def _amount_differs(payment: Payment, order: ProviderOrder) -> bool:
    return bool(order.amount_fen) and order.amount_fen != payment.amount_fen


def _complete(
    payment: Payment, order: ProviderOrder, actor: Actor, *, charges: list[Charge] | None = None
) -> bool:
    """`charges`: the settlement was just made of these (see `take_payment`)."""
    if _amount_differs(payment, order):
        raise amount_mismatch()
    if payment.status != PaymentStatus.PENDING:
        raise payment_closed(payment.pk, payment.status)
    now = clock.now()
    paid = {"provider_trade_no": order.provider_trade_no, "paid_at": order.paid_at or now}
    if not transition(payment, PaymentStatus.SUCCEEDED, **paid):
        return False
    settlement = payment.settlement  # read with the payment, under its row lock
    repaid, top_up = (None, None) if charges is not None else _purpose(settlement)
    if settlement.insurance_quote_id:
        split = seams.insurance_settle(quote_id=settlement.insurance_quote_id, actor=actor)
        settlement.insurance_settlement_id = split.quote_id
    if settlement.commercial_id:  # settled once with the insurer, however often asked (D100)
        seams.commercial_settle(settlement=settlement, actor=actor)
    settlement.status = SettlementStatus.SETTLED
    settlement.settled_at = now
    # A fee settlement's e-bill is the worker's, after commit (D245); a deposit is not a fee
    # (its receipt is not a medical e-bill) and a debt's repayment was billed with the debt.
    settlement.ebill_due = top_up is None and repaid is None
    settlement.settled_by = actor.label[:150] if actor.kind == ActorKind.STAFF else ""
    settlement.save(
        update_fields=["status", "settled_at", "insurance_settlement_id", "ebill_due", "settled_by"]
    )
    if top_up is not None:
        clearing = CLEARING_ACCOUNTS[settlement.channel]
        deposit_ledger.credit_top_up(top_up, settlement, clearing=clearing)
    else:
        _post_settlement(settlement, repays_debt=repaid is not None)
    audit.record(
        actor,
        AuditAction.UPDATE,
        settlement,
        patient_id=settlement.bill.patient_id,
        summary=f"settled: {payment.amount_fen} fen via {payment.channel}",
    )
    domain_events.settled(settlement, fees=top_up is None and repaid is None)
    if settlement.channel == PaymentChannel.CREDIT:
        credit.open_debt(settlement)
    if repaid is not None:
        credit.mark_repaid(repaid)
    elif top_up is None:
        taken = charges if charges is not None else list(settlement.charges.order_by("pk"))
        sources.run_paid_follow_ups(settlement.pk, charges=taken, actor=actor)
    return True


def amount_mismatch() -> PaymentRefused:
    return PaymentRefused(_("The amount paid differs from the amount due."), code="amount_mismatch")


def payment_closed(payment_id: int, status: str) -> PaymentRefused:
    """Paid after we closed it: the money has to go back by hand; nothing is settled twice."""
    log.error("payment %s paid at the provider after it was %s", payment_id, status)
    return PaymentRefused(_("This payment was already closed."), code="payment_closed")


def _purpose(settlement: Settlement) -> tuple[Debt | None, DepositTopUp | None]:
    """The debt this settlement repays and the deposit top-up it pays, if any; joined reads
    (`confirm_payment`) are used as they are, otherwise each is one query."""
    found = []
    for relation in ("repaid_debt", "deposit_top_up"):
        try:
            found.append(getattr(settlement, relation))
        except ObjectDoesNotExist:
            found.append(None)
    return found[0], found[1]


def _post_settlement(settlement: Settlement, *, repays_debt: bool) -> None:
    clearing = CLEARING_ACCOUNTS[settlement.channel]
    if repays_debt:
        journal.post(
            settlement,
            "debt repaid",
            [(clearing, settlement.cash_fen, 0), (Account.CREDIT, 0, settlement.cash_fen)],
        )
        return
    journal.post(
        settlement,
        "settlement",
        [
            (Account.INSURANCE_RECEIVABLE, settlement.fund_fen, 0),
            (Account.PERSONAL_ACCOUNT, settlement.account_fen, 0),
            (Account.COMMERCIAL_RECEIVABLE, settlement.commercial_fen, 0),
            (Account.BLOOD_RECEIVABLE, settlement.blood_fen, 0),
            (Account.INPATIENT_DEPOSIT, settlement.deposit_fen, 0),
            (clearing, settlement.cash_fen - settlement.deposit_fen, 0),
            (Account.REVENUE, 0, settlement.total_fen),
        ],
    )


def issue_due_ebills(*, batch: int = 50, skip: frozenset[int] = frozenset()) -> EBillsIssued:
    """The e-bill worker (D245): issue the e-bills of settled fee settlements, one settlement
    per transaction. Each is claimed with `FOR UPDATE SKIP LOCKED` (several workers, the
    recovery sweep and the simulator may run at once; SQLite has no row locks and one writer),
    and its e-bill, audit row and `ebill_id` commit together with `ebill_due` cleared, so an
    e-bill is issued once. A failure undoes that settlement's transaction, is logged and leaves
    it due; `skip` are those the caller tries later (`billing_issue_ebills` backs off)."""
    issued, failed = 0, []
    while issued + len(failed) < batch:
        claimed = None
        try:
            with transaction.atomic():
                settlement = (
                    Settlement.objects.select_for_update(skip_locked=True, of=("self",))
                    .select_related("bill__patient")
                    .filter(ebill_due=True)
                    .exclude(pk__in=[*skip, *failed])
                    .order_by("pk")
                    .first()
                )
                if settlement is None:
                    break
                claimed = settlement.pk
                ebill_id = seams.issue_ebill(settlement, actor=SYSTEM)
                Settlement.objects.filter(pk=settlement.pk).update(
                    ebill_id=ebill_id, ebill_due=False
                )
        except Exception:
            if claimed is None:  # the claim itself failed (the database): the caller's concern
                raise
            log.exception("e-bill for settlement %s not issued; it stays due", claimed)
            failed.append(claimed)
            continue
        issued += 1
    return EBillsIssued(issued=issued, failed=tuple(failed))


def ebill_for_refund(settlement: Settlement, *, actor: Actor) -> str:
    """The e-bill a refund red-letters. A refund that comes before the worker issued it issues it
    first, in the refund's transaction (so the red letter has a bill to reverse and the worker
    does not issue an unreversed one afterwards). The settlement's row is locked before the
    issuer's institution, in the worker's order (no deadlock); a worker that issued it meanwhile
    is seen in the locked read."""
    if settlement.ebill_due:
        due, ebill_id = (
            Settlement.objects.select_for_update()
            .filter(pk=settlement.pk)
            .values_list("ebill_due", "ebill_id")
            .get()
        )
        if due:
            ebill_id = seams.issue_ebill(settlement, actor=actor)
            Settlement.objects.filter(pk=settlement.pk).update(ebill_id=ebill_id, ebill_due=False)
        settlement.ebill_id, settlement.ebill_due = ebill_id, False
    return settlement.ebill_id


@dataclass(frozen=True)
class EBillsIssued:
    issued: int
    failed: tuple[int, ...]


def close_payment(payment: Payment, *, actor: Actor = SYSTEM) -> bool:
    """The provider closed the order (or never saw it): release its charges for another try."""
    with transaction.atomic():
        if not transition(payment, PaymentStatus.CLOSED):
            return False
        settlement = payment.settlement
        Settlement.objects.filter(pk=settlement.pk).update(status=SettlementStatus.CANCELLED)
        Charge.objects.filter(settlement=settlement).update(settlement=None)
        Debt.objects.filter(repayment=settlement).update(repayment=None)
        if settlement.deposit_fen:
            deposit_ledger.release_discharge(settlement)
        audit.record(
            actor,
            AuditAction.UPDATE,
            settlement,
            patient_id=settlement.bill.patient_id,
            summary=f"payment {payment.out_trade_no} closed",
        )
    return True


def in_clinic_coverage(*, institution_id: int, since: dt.datetime, until: dt.datetime) -> float:
    """Share of outpatient settlements made in the consulting room (R-PAY-1)."""
    settled = Settlement.objects.filter(
        bill__institution_id=institution_id,
        bill__visit_kind="outpatient",
        status=SettlementStatus.SETTLED,
        settled_at__gte=since,
        settled_at__lt=until,
    ).exclude(repaid_debt__isnull=False)
    total = settled.count()
    if not total:
        return 0.0
    return settled.filter(mode=SettlementMode.IN_CLINIC).count() / total


def in_clinic_room_coverage(
    *, institution_id: int, since: dt.datetime, until: dt.datetime
) -> float:
    """KPI (R-PAY-1, target ≥ 80%): share of the institution's consulting rooms where at least
    one bill was settled in the room in the period."""
    rooms = Clinic.objects.filter(department__institution_id=institution_id)
    total = rooms.count()
    if not total:
        return 0.0
    settled_in = (
        Settlement.objects.filter(
            clinic__in=rooms,
            mode=SettlementMode.IN_CLINIC,
            status=SettlementStatus.SETTLED,
            settled_at__gte=since,
            settled_at__lt=until,
        )
        .values("clinic_id")
        .distinct()
        .count()
    )
    return settled_in / total
