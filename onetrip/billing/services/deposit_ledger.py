"""The inpatient deposit's arithmetic (R-PAY-1, D50): every move of a balance, each a conditional
UPDATE with F() expressions on the account row, and its journal posting. Deposits are a liability
(money held for the patient), never revenue: a top-up debits the channel's clearing account and
credits `inpatient_deposit`; discharge moves what it draws from that liability to revenue; a
refund returns it to the channel.

Settlement and payment code calls in here (a top-up's payment succeeding, a discharge drawing,
a shortfall payment closing), so this module imports neither of them; the verbs that staff and
patients use are in `deposits.py`.
"""

from __future__ import annotations

from django.conf import settings
from django.db.models import F, Sum
from django.utils.translation import gettext_lazy as _

from onetrip.billing.models import (
    Account,
    Bill,
    DepositAccount,
    DepositTopUp,
    Settlement,
    VisitKind,
)
from onetrip.billing.money import fen_to_yuan
from onetrip.billing.services import journal
from onetrip.core import clock
from onetrip.core.errors import DomainError
from onetrip.notifications import services as notifications

# Remind the patient to top up when the balance left after the charges not yet settled falls
# below this (default 500 CNY; `BILLING_DEPOSIT_REMIND_BELOW_FEN` per deployment).
REMIND_BELOW_FEN = getattr(settings, "BILLING_DEPOSIT_REMIND_BELOW_FEN", 50_000)


class DepositRefused(DomainError):
    status = 409


def locked_account(bill: Bill) -> DepositAccount:
    """The bill's deposit account under its row lock, opened on first use. Callers hold the
    bill's row lock first (lock order: bill, account, top-up payments in key order)."""
    if bill.visit_kind != VisitKind.INPATIENT:
        raise DepositRefused(_("Only an inpatient bill has a deposit."), code="not_inpatient")
    DepositAccount.objects.get_or_create(bill=bill, defaults={"opened_at": clock.now()})
    return DepositAccount.objects.select_for_update(no_key=True).get(bill=bill)


def credit_top_up(top_up: DepositTopUp, settlement: Settlement, *, clearing: str) -> None:
    """The top-up's payment succeeded: the balance grows by what was paid, once (the caller
    holds the payment's row lock and moved it out of `pending`)."""
    amount = top_up.amount_fen
    credited = DepositAccount.objects.filter(
        pk=top_up.account_id, discharged_at__isnull=True
    ).update(topped_up_fen=F("topped_up_fen") + amount, balance_fen=F("balance_fen") + amount)
    if not credited:
        # Discharge refuses while a top-up is pending, and a top-up is refused after discharge,
        # both under the bill's lock; reaching this means money arrived for a closed account.
        raise DepositRefused(_("This admission is already discharged."), code="already_discharged")
    DepositTopUp.objects.filter(pk=top_up.pk).update(credited_at=clock.now())
    journal.post(
        settlement,
        "deposit top-up",
        [(clearing, amount, 0), (Account.INPATIENT_DEPOSIT, 0, amount)],
    )


def draw(account: DepositAccount, amount_fen: int) -> None:
    """Take `amount_fen` of the balance for a discharge settlement; never below zero."""
    if not amount_fen:
        return
    drawn = DepositAccount.objects.filter(pk=account.pk, balance_fen__gte=amount_fen).update(
        drawn_fen=F("drawn_fen") + amount_fen, balance_fen=F("balance_fen") - amount_fen
    )
    if not drawn:
        raise DepositRefused(
            _("The deposit does not cover this amount."), code="deposit_insufficient"
        )


def take_refund(account: DepositAccount, amount_fen: int) -> None:
    """Take `amount_fen` of the balance that goes back to the patient's channels."""
    taken = DepositAccount.objects.filter(pk=account.pk, balance_fen__gte=amount_fen).update(
        refunded_fen=F("refunded_fen") + amount_fen, balance_fen=F("balance_fen") - amount_fen
    )
    if not taken:
        raise DepositRefused(
            _("The refund is larger than the deposit balance."), code="exceeds_balance"
        )


def post_refund(top_up: DepositTopUp, amount_fen: int, *, clearing: str) -> None:
    DepositTopUp.objects.filter(pk=top_up.pk).update(refunded_fen=F("refunded_fen") + amount_fen)
    journal.post(
        top_up.settlement,
        "deposit refund",
        [(Account.INPATIENT_DEPOSIT, amount_fen, 0), (clearing, 0, amount_fen)],
    )


def release_discharge(settlement: Settlement) -> None:
    """A discharge settlement's shortfall payment was closed unpaid: what it drew goes back to
    the balance and the admission is open again, for another try. (A shortfall means the whole
    balance was drawn, so nothing was refunded that would now be missing.)"""
    DepositAccount.objects.filter(discharge_settlement=settlement).update(
        drawn_fen=F("drawn_fen") - settlement.deposit_fen,
        balance_fen=F("balance_fen") + settlement.deposit_fen,
        discharged_at=None,
        discharge_settlement=None,
    )


def outstanding_fen(bill: Bill) -> int:
    return (
        bill.charges.filter(settlement__isnull=True).aggregate(total=Sum("amount_fen"))["total"]
        or 0
    )


def remind_if_low(bill: Bill) -> None:
    """After a charge to an inpatient bill: text the patient (through the outbox, at most once
    a day) when the balance left after the unsettled charges is below the threshold. Only an
    admission that has a deposit and is not discharged is reminded."""
    account = DepositAccount.objects.filter(bill=bill, discharged_at__isnull=True).first()
    if account is None:
        return
    charges = outstanding_fen(bill)
    if account.balance_fen - charges >= REMIND_BELOW_FEN:
        return
    notifications.notify(
        "deposit_low",
        phone=bill.patient.phone,
        subject=account,
        params={
            "admission": bill.visit_reference,
            "balance": fen_to_yuan(account.balance_fen),
            "charges": fen_to_yuan(charges),
        },
        occasion=clock.today().isoformat(),
    )
