"""Electronic medical bills (R-PAY-5): one per settlement, and red-letter (红冲) reversals on
refunds. Billing hands over an `EBillSource` after it settles; nothing here imports billing.

Issuing follows a settlement billing has already authorised, so no permission is checked again
here; the actor is printed as the issuer and recorded in the audit trail.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet, Sum
from django.utils.translation import gettext_lazy as _

from onetrip.consortium.models import Institution
from onetrip.core import audit, clock
from onetrip.core.actors import Actor, ActorKind
from onetrip.core.errors import DomainError, FieldError, InvalidInput, NotFound
from onetrip.core.masking import mask_document_number
from onetrip.core.models import AuditAction
from onetrip.ebills.models import BillKind, ChargeCategory, EBill, SelfServiceCopy, VisitKind
from onetrip.ebills.platform import BillRequest, IssuedNumber, current_platform
from onetrip.identity.models import Patient
from onetrip.identity.services import patients_of_account

__all__ = [
    "ChargeCategory",
    "EBillLine",
    "EBillSource",
    "bills_of_account",
    "bill_of_account",
    "issue_ebill",
    "issue_red_letter",
    "verify",
]

CATEGORY_ORDER = {category: index for index, category in enumerate(ChargeCategory.values)}
SELF_SERVICE_ISSUER = "自助结算"
REVIEWER = "电子票据系统"


@dataclass(frozen=True)
class EBillLine:
    category: str
    amount_fen: int


@dataclass(frozen=True)
class EBillSource:
    settlement_id: str
    settled_at: dt.datetime
    institution_id: int
    patient_id: int
    payer_name: str
    payer_id_number: str
    lines: tuple[EBillLine, ...]
    total_fen: int
    fund_fen: int
    account_fen: int
    cash_fen: int
    payment_channel: str
    visit_kind: str = VisitKind.OUTPATIENT
    visit_number: str = ""
    insurance_type: str = ""
    insurance_number: str = ""
    # Who took the payment, when a staff member did and the e-bill is issued later by a worker
    # (billing's, D245): the bill's payee. Empty: the issuing actor decides (`_issuer`).
    cashier: str = ""


# --- validation ------------------------------------------------------------------------------


def _is_fen(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _amount_errors(field: str, value: Any) -> list[FieldError]:
    if not _is_fen(value):
        return [FieldError(field, _("Give amounts in whole fen."), "not_integer")]
    if value < 0:
        return [FieldError(field, _("An amount cannot be negative."), "negative")]
    return []


def _source_errors(source: EBillSource) -> list[FieldError]:
    errors: list[FieldError] = []
    for name in ("total_fen", "fund_fen", "account_fen", "cash_fen"):
        errors += _amount_errors(name, getattr(source, name))
    if not source.lines:
        errors.append(FieldError("lines", _("A bill needs at least one charge item."), "empty"))
    for index, line in enumerate(source.lines):
        if line.category not in CATEGORY_ORDER:
            errors.append(
                FieldError(
                    f"lines.{index}.category", _("Unknown charge category."), "unknown_category"
                )
            )
        errors += _amount_errors(f"lines.{index}.amount_fen", line.amount_fen)
    if source.visit_kind not in VisitKind.values:
        errors.append(FieldError("visit_kind", _("Choose outpatient or inpatient."), "invalid"))
    if not source.settlement_id or len(source.settlement_id) > 40:
        errors.append(FieldError("settlement_id", _("Give the settlement's id."), "invalid"))
    if _naive(source.settled_at):
        errors.append(FieldError("settled_at", _("Give an aware date and time."), "invalid"))
    if errors:
        return errors
    if sum(line.amount_fen for line in source.lines) != source.total_fen:
        errors.append(
            FieldError("total_fen", _("The total is not the sum of the items."), "mismatch")
        )
    if source.fund_fen + source.account_fen + source.cash_fen != source.total_fen:
        errors.append(
            FieldError(
                "total_fen",
                _("Fund, personal account and cash do not add up to the total."),
                "split_mismatch",
            )
        )
    return errors


def _naive(moment: Any) -> bool:
    return not isinstance(moment, dt.datetime) or moment.utcoffset() is None


def _grouped_lines(lines: Sequence[EBillLine]) -> list[dict[str, Any]]:
    """One line per charge category, summed, in the national order."""
    totals: Counter[str] = Counter()
    for line in lines:
        totals[line.category] += line.amount_fen
    return [
        {"category": category, "amount_fen": totals[category]}
        for category in sorted(totals, key=CATEGORY_ORDER.__getitem__)
    ]


# --- issuing -------------------------------------------------------------------------------


def issue_ebill(*, settlement: EBillSource, actor: Actor) -> EBill:
    """The e-bill of a settlement; asking again for the same settlement returns the same bill."""
    errors = _source_errors(settlement)
    if errors:
        raise InvalidInput(*errors)
    with transaction.atomic():
        # One issuer per institution at a time: a retried settlement must find the bill the
        # first attempt issued, not ask the fiscal platform for a second number. The sandbox
        # numbering serialises per institution anyway; NO KEY locks leave foreign keys free.
        # The patient's existence is asked in the same statement.
        institution = (
            Institution.objects.select_for_update(no_key=True)
            .annotate(patient_known=Exists(Patient.objects.filter(pk=settlement.patient_id)))
            .filter(pk=settlement.institution_id)
            .first()
        )
        if institution is None:
            raise NotFound(_("No such institution."), code="unknown_institution")
        if not institution.patient_known:
            raise NotFound(_("No such patient."), code="unknown_patient")
        existing = _bill_of_settlement(institution, settlement.settlement_id)
        if existing is not None:
            return existing
        now = clock.now()
        issued = current_platform().issue(
            BillRequest(
                institution_code=institution.code,
                visit_kind=settlement.visit_kind,
                issued_on=now.date(),
                total_fen=settlement.total_fen,
                payer_name=settlement.payer_name,
                settlement_reference=settlement.settlement_id,
            )
        )
        bill = EBill.objects.create(
            institution=institution,
            patient_id=settlement.patient_id,
            kind=BillKind.NORMAL,
            visit_kind=settlement.visit_kind,
            **_numbers(issued),
            issued_at=now,
            settlement_reference=settlement.settlement_id,
            settled_at=settlement.settled_at,
            payer_name=settlement.payer_name,
            payer_id_masked=mask_document_number(settlement.payer_id_number),
            visit_number=settlement.visit_number,
            insurance_type=settlement.insurance_type,
            insurance_number_masked=mask_document_number(settlement.insurance_number),
            lines=_grouped_lines(settlement.lines),
            total_fen=settlement.total_fen,
            fund_fen=settlement.fund_fen,
            account_fen=settlement.account_fen,
            cash_fen=settlement.cash_fen,
            payment_channel=settlement.payment_channel,
            issuer=settlement.cashier[:150] or _issuer(actor),
            reviewer=REVIEWER,
        )
        audit.record(
            actor,
            AuditAction.CREATE,
            bill,
            patient_id=settlement.patient_id,
            summary=f"e-bill {bill} for settlement {settlement.settlement_id}",
            changes={"total_fen": bill.total_fen},
        )
    return bill


def _bill_of_settlement(institution: Institution, settlement_id: str) -> EBill | None:
    return EBill.objects.filter(
        institution=institution, settlement_reference=settlement_id, kind=BillKind.NORMAL
    ).first()


def _numbers(issued: IssuedNumber) -> dict[str, str]:
    return {
        "bill_code": issued.bill_code,
        "bill_number": issued.bill_number,
        "check_code": issued.check_code,
        "platform_reference": issued.platform_reference,
    }


def _issuer(actor: Actor) -> str:
    return actor.label[:150] if actor.kind == ActorKind.STAFF else SELF_SERVICE_ISSUER


# --- red letter ------------------------------------------------------------------------------


def issue_red_letter(*, ebill_id: int, refund_fen: int, reason: str, actor: Actor) -> EBill:
    """A red-letter bill for `refund_fen` of the bill. Refunding what is left reverses every
    remaining item and the remaining fund/account/cash split; a smaller refund is personal cash
    (insurance parts are refunded by reversing the insurance settlement and refunding in full),
    spread over the remaining items in proportion."""
    errors = _amount_errors("refund_fen", refund_fen)
    if not errors and refund_fen == 0:
        errors.append(FieldError("refund_fen", _("Refund more than zero."), "zero"))
    if not reason.strip():
        errors.append(FieldError("reason", _("Say why the bill is reversed."), "required"))
    if errors:
        raise InvalidInput(*errors)
    with transaction.atomic():
        original = (
            EBill.objects.select_for_update(no_key=True)
            .select_related("institution")
            .filter(pk=ebill_id)
            .first()
        )
        if original is None:
            raise NotFound(_("No such e-bill."), code="unknown_ebill")
        if original.is_red_letter:
            raise DomainError(
                _("A red-letter bill cannot itself be reversed."), code="red_letter_of_red_letter"
            )
        left = remaining(original)
        if refund_fen > left["total_fen"]:
            raise InvalidInput.field(
                "refund_fen",
                _("The refund is larger than what is left on the bill (%(left)s fen).")
                % {"left": left["total_fen"]},
                code="exceeds_bill",
            )
        if refund_fen == left["total_fen"]:
            split, lines = left, left["lines"]
        elif refund_fen > left["cash_fen"]:
            raise InvalidInput.field(
                "refund_fen",
                _(
                    "A partial refund can only return personal cash (%(cash)s fen left); reverse "
                    "the insurance settlement and refund in full instead."
                )
                % {"cash": left["cash_fen"]},
                code="exceeds_cash",
            )
        else:
            split = {
                "total_fen": refund_fen,
                "fund_fen": 0,
                "account_fen": 0,
                "cash_fen": refund_fen,
            }
            lines = _in_proportion(refund_fen, left["lines"])
        now = clock.now()
        issued = current_platform().red_letter(
            BillRequest(
                institution_code=original.institution.code,
                visit_kind=original.visit_kind,
                issued_on=now.date(),
                total_fen=-refund_fen,
                payer_name=original.payer_name,
                settlement_reference=original.settlement_reference,
            ),
            original=IssuedNumber(
                original.bill_code,
                original.bill_number,
                original.check_code,
                original.platform_reference,
            ),
            reason=reason,
        )
        red = EBill.objects.create(
            institution=original.institution,
            patient_id=original.patient_id,
            kind=BillKind.RED_LETTER,
            original=original,
            visit_kind=original.visit_kind,
            **_numbers(issued),
            issued_at=now,
            settlement_reference=original.settlement_reference,
            settled_at=original.settled_at,
            payer_name=original.payer_name,
            payer_id_masked=original.payer_id_masked,
            visit_number=original.visit_number,
            insurance_type=original.insurance_type,
            insurance_number_masked=original.insurance_number_masked,
            lines=[
                {"category": line["category"], "amount_fen": -line["amount_fen"]}
                for line in lines
                if line["amount_fen"]
            ],
            total_fen=-split["total_fen"],
            fund_fen=-split["fund_fen"],
            account_fen=-split["account_fen"],
            cash_fen=-split["cash_fen"],
            payment_channel=original.payment_channel,
            reason=reason.strip()[:200],
            issuer=_issuer(actor),
            reviewer=REVIEWER,
        )
        audit.record(
            actor,
            AuditAction.CREATE,
            red,
            patient_id=original.patient_id,
            summary=f"red-letter e-bill {red} reverses {original}",
            changes={"refund_fen": refund_fen},
        )
    return red


def remaining(bill: EBill) -> dict[str, Any]:
    """What of a bill is not yet red-lettered: amounts, and each category's amount."""
    reds = bill.red_letters.all()
    sums = reds.aggregate(
        total=Sum("total_fen"),
        fund=Sum("fund_fen"),
        account=Sum("account_fen"),
        cash=Sum("cash_fen"),
    )
    lines: Counter[str] = Counter({line["category"]: line["amount_fen"] for line in bill.lines})
    for red in reds:
        for line in red.lines:
            lines[line["category"]] += line["amount_fen"]  # red-letter lines are negative
    return {
        "total_fen": bill.total_fen + (sums["total"] or 0),
        "fund_fen": bill.fund_fen + (sums["fund"] or 0),
        "account_fen": bill.account_fen + (sums["account"] or 0),
        "cash_fen": bill.cash_fen + (sums["cash"] or 0),
        "lines": [
            {"category": line["category"], "amount_fen": lines[line["category"]]}
            for line in bill.lines
        ],
    }


def _in_proportion(amount: int, lines: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Spread `amount` over the lines in proportion to what each has left (largest remainder),
    so the parts are whole fen, add up exactly and never exceed a line."""
    left = sum(line["amount_fen"] for line in lines)
    shares = [divmod(amount * line["amount_fen"], left) for line in lines]
    parts = [share for share, _remainder in shares]
    by_remainder = sorted(range(len(lines)), key=lambda i: shares[i][1], reverse=True)
    for index in by_remainder[: amount - sum(parts)]:
        parts[index] += 1
    return [
        {"category": line["category"], "amount_fen": part}
        for line, part in zip(lines, parts, strict=True)
    ]


# --- reading ---------------------------------------------------------------------------------


def bills_of_account(account_id: int) -> QuerySet[EBill]:
    """The bills of every patient a mobile account acts for, newest first."""
    return EBill.objects.filter(
        patient__in=patients_of_account(account_id).values("pk")
    ).select_related("institution", "original")


def bill_of_account(bill_id: int, *, actor: Actor) -> EBill:
    bill = bills_of_account(actor.account_id or 0).filter(pk=bill_id).first()
    if bill is None:
        raise NotFound(_("No such e-bill."), code="unknown_ebill")
    return bill


@transaction.atomic
def record_self_service_copy(*, bill: EBill, channel: str, actor: Actor) -> SelfServiceCopy:
    """The patient printed the bill at a kiosk or downloaded it on the phone."""
    copy = SelfServiceCopy.objects.create(ebill=bill, channel=channel, made_at=clock.now())
    audit.record(
        actor,
        AuditAction.CREATE,
        copy,
        patient_id=bill.patient_id,
        summary=f"e-bill {bill} copied by the patient ({channel})",
    )
    return copy


def self_service_copy_coverage(start: dt.datetime, end: dt.datetime) -> QuerySet[EBill]:
    """Bills (not red letters) issued in [start, end), each annotated `copied`: whether the
    patient has printed or downloaded it themselves (R-KPI-3)."""
    copies = SelfServiceCopy.objects.filter(ebill=OuterRef("pk"))
    return EBill.objects.filter(
        kind=BillKind.NORMAL, issued_at__gte=start, issued_at__lt=end
    ).annotate(copied=Exists(copies))


def settlements_with_ebill(issued_before: dt.datetime | None = None) -> QuerySet[EBill]:
    """Settlement references (billing's settlement ids) that have their e-bill (R-KPI-3), of
    bills issued before a moment if one is given."""
    bills = EBill.objects.filter(kind=BillKind.NORMAL)
    if issued_before is not None:
        bills = bills.filter(issued_at__lt=issued_before)
    return bills.values("settlement_reference")


def settlements_given_ebill(since: dt.datetime, until: dt.datetime | None) -> QuerySet[EBill]:
    """Settlement references of the bills issued since … until (open-ended without `until`)."""
    bills = EBill.objects.filter(kind=BillKind.NORMAL, issued_at__gte=since)
    if until is not None:
        bills = bills.filter(issued_at__lt=until)
    return bills.values_list("settlement_reference", flat=True)


def verify(bill_code: str, bill_number: str, check_code: str) -> EBill | None:
    """The bill these three printed values name, if it is genuine (public check, R-PAY-5)."""
    return (
        EBill.objects.filter(
            bill_code=bill_code.strip(),
            bill_number=bill_number.strip(),
            check_code=check_code.strip().lower(),
        )
        .select_related("institution")
        .first()
    )
