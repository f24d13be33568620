"""Insurance settlement of outpatient bills (R-PAY-3), in the national platform's order
(../shared/reference/domain-rules.md §3.4): 1101 person → 2201 registration → 2203 diagnosis →
2204 fee details → 2206 pre-settlement → (the patient pays the cash part) → 2207 settlement;
undone by 2208, 2205 and 2202. Billing calls these verbs; nothing here imports billing.

Platform calls are not held inside one database transaction (a real platform is a remote
service): each verb commits its message log as it goes and writes its own records in a short
transaction with the audit row. Settlement and reversal first commit the msgid they will use, so
a retry after a crash re-sends the same msgid and the platform, which answers a msgid once,
never settles or reverses twice.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import suppress
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from onetrip.consortium.models import Institution
from onetrip.core import audit, clock
from onetrip.core.actors import Actor, ActorKind
from onetrip.core.bounds import MAX_FEN, MAX_QUANTITY
from onetrip.core.errors import DomainError, FieldError, InvalidInput, NotFound, PermissionDenied
from onetrip.core.masking import mask_document_number
from onetrip.core.models import AuditAction
from onetrip.identity.documents import DocumentType
from onetrip.identity.models import Patient
from onetrip.identity.services import accessible_patients
from onetrip.insurance import client
from onetrip.insurance.envelope import CATEGORY_TO_LEVEL, fen, yuan
from onetrip.insurance.models import (
    InsuranceCategory,
    InsuranceQuote,
    InsuranceSettlement,
    PlatformExchange,
    QuoteStatus,
    SettlementStatus,
)

__all__ = [
    "Diagnosis",
    "InsuranceCategory",
    "InsuredItem",
    "InsuredPerson",
    "cancel_quote",
    "pre_settle",
    "query_person",
    "reverse",
    "settle",
]

SETTLE_PERMISSION = "insurance.settle_insurance"
QUERY_PERMISSION = "insurance.query_insured_person"
MAX_ITEMS = 300  # the platform takes at most 300 fee lines per upload (§3.5)
OUTPATIENT = "11"  # med_type 普通门诊
CERT_RESIDENT_ID = "02"  # mdtrt_cert_type 居民身份证


@dataclass(frozen=True)
class InsuredItem:
    code: str
    name: str
    category: str
    quantity: Decimal | int
    unit_price_fen: int
    amount_fen: int


@dataclass(frozen=True)
class Diagnosis:
    code: str  # ICD-10 (GB/T 14396)
    name: str


@dataclass(frozen=True)
class InsuredPerson:
    """What 1101 says about a patient, without the full ID number."""

    psn_no: str
    name: str
    insutype: str
    insuplc_admdvs: str
    account_balance_fen: int
    certno_masked: str


# --- access and input -------------------------------------------------------------------------


def _check_access(patient: Patient, actor: Actor, perm: str) -> None:
    """Staff need the permission; staff and patients only reach patients they may read."""
    if actor.kind == ActorKind.STAFF:
        actor.require_perm(perm)
    elif actor.kind == ActorKind.CLIENT:
        raise PermissionDenied(_("Only staff, the patient or the system can do this."))
    if not accessible_patients(actor).filter(pk=patient.pk).exists():
        raise NotFound(_("No such patient."))


def _whole_fen(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def clean_items(items: Sequence[InsuredItem]) -> list[InsuredItem]:
    """Every amount whole, non-negative fen; each line's amount is its quantity times price."""
    if not items:
        raise InvalidInput.field("items", _("Add at least one item."), code="empty")
    if len(items) > MAX_ITEMS:
        raise InvalidInput.field(
            "items", _("At most 300 items can be settled at once."), code="too_many"
        )
    errors: list[FieldError] = []
    for index, item in enumerate(items):
        errors.extend(_item_errors(f"items.{index}", item))
    if errors:
        raise InvalidInput(*errors)
    return list(items)


def _item_errors(prefix: str, item: InsuredItem) -> list[FieldError]:
    errors = []
    if not item.code or len(item.code) > 50:
        errors.append(FieldError(f"{prefix}.code", _("Give the item's catalogue code.")))
    if item.category not in InsuranceCategory.values:
        errors.append(
            FieldError(f"{prefix}.category", _("Choose category A, B or C."), "unknown_category")
        )
    for name in ("unit_price_fen", "amount_fen"):
        value = getattr(item, name)
        if not _whole_fen(value):
            errors.append(
                FieldError(f"{prefix}.{name}", _("Give amounts in whole fen."), "not_integer")
            )
        elif value < 0:
            errors.append(
                FieldError(f"{prefix}.{name}", _("An amount cannot be negative."), "negative")
            )
        elif value > MAX_FEN:
            errors.append(
                FieldError(f"{prefix}.{name}", _("This amount is too large."), "too_large")
            )
    quantity = item.quantity
    if isinstance(quantity, bool) or not isinstance(quantity, int | Decimal) or quantity <= 0:
        errors.append(FieldError(f"{prefix}.quantity", _("Give a quantity above zero."), "invalid"))
    elif quantity > MAX_QUANTITY:
        errors.append(
            FieldError(f"{prefix}.quantity", _("This quantity is too large."), "too_large")
        )
    elif not errors and item.amount_fen != _line_amount(quantity, item.unit_price_fen):
        errors.append(
            FieldError(
                f"{prefix}.amount_fen",
                _("The amount is not the quantity times the unit price."),
                "mismatch",
            )
        )
    return errors


def _line_amount(quantity: Decimal | int, unit_price_fen: int) -> int:
    return int((Decimal(quantity) * unit_price_fen).quantize(Decimal(1), ROUND_HALF_UP))


def _institution_of(actor: Actor, institution: Institution | None) -> Institution:
    if institution is not None:
        return institution
    if actor.institution_id is None:
        raise InvalidInput.field("institution", _("Say at which institution the visit is."))
    return Institution.objects.get(pk=actor.institution_id)


# --- 1101 ------------------------------------------------------------------------------------


def query_person(
    *, patient: Patient, actor: Actor, institution: Institution | None = None
) -> InsuredPerson:
    """1101 by the patient's resident ID (R-PAY-3 identity recognition)."""
    _check_access(patient, actor, QUERY_PERMISSION)
    place = _institution_of(actor, institution)
    person = _look_up(patient, place, actor)
    with transaction.atomic():
        audit.record(
            actor, AuditAction.VIEW, patient, patient_id=patient.pk, summary="insurance 1101"
        )
    return person


def _look_up(patient: Patient, institution: Institution, actor: Actor) -> InsuredPerson:
    certno = (
        patient.documents.filter(doc_type=DocumentType.RESIDENT_ID, is_guardian_document=False)
        .values_list("number", flat=True)
        .first()
    )
    if certno is None:
        raise DomainError(
            _("The patient has no resident ID card on record; settle as self-pay."),
            code="not_insured",
        )
    try:
        output = client.call(
            "1101",
            {
                "data": {
                    "mdtrt_cert_type": CERT_RESIDENT_ID,
                    "mdtrt_cert_no": certno,
                    "card_sn": "",
                    "begntime": clock.now().strftime("%Y-%m-%d %H:%M:%S"),
                    "psn_cert_type": "01",
                    "certno": certno,
                    "psn_name": patient.name,
                }
            },
            institution=institution,
            actor=actor,
            patient_id=patient.pk,
        )
    except client.PlatformRefused as refusal:
        raise DomainError(
            _("The insurance platform does not know this person: %(reason)s")
            % {"reason": refusal.err_msg},
            code="not_insured",
        ) from None
    insurance = output["insuinfo"][0]
    return InsuredPerson(
        psn_no=output["baseinfo"]["psn_no"],
        name=output["baseinfo"]["psn_name"],
        insutype=insurance["insutype"],
        insuplc_admdvs=insurance["insuplc_admdvs"],
        account_balance_fen=fen(insurance["balc"]),
        certno_masked=mask_document_number(certno),
    )


# --- pre-settlement --------------------------------------------------------------------------


def pre_settle(
    *,
    patient: Patient,
    visit_reference: str,
    items: Sequence[InsuredItem],
    actor: Actor,
    institution: Institution | None = None,
    diagnoses: Sequence[Diagnosis] = (),
    use_account: bool = True,
) -> InsuranceQuote:
    """1101 → 2201 → 2203 → 2204 → 2206: the split the patient is shown before paying. An open
    quote of the same visit is cancelled first (new orders mean a new quote)."""
    lines = clean_items(items)
    if not visit_reference or len(visit_reference) > 40:
        raise InvalidInput.field("visit_reference", _("Give the visit's number."))
    _check_access(patient, actor, SETTLE_PERMISSION)
    place = _institution_of(actor, institution)
    previous = InsuranceQuote.objects.filter(
        institution=place, visit_reference=visit_reference, status=QuoteStatus.QUOTED
    ).first()
    if previous is not None:
        cancel_quote(quote_id=previous.pk, actor=actor)
    person = _look_up(patient, place, actor)
    context = {
        "institution": place,
        "actor": actor,
        "patient_id": patient.pk,
        "insuplc_admdvs": person.insuplc_admdvs,
    }
    mdtrt_id = client.call("2201", {"data": _registration(person, visit_reference)}, **context)[
        "data"
    ]["mdtrt_id"]
    try:
        chrg_bchno = f"{mdtrt_id[-7:]}01"
        client.call("2203", _diagnosis(person, mdtrt_id, diagnoses), **context)
        client.call(
            "2204", {"feedetail": _fee_details(person, mdtrt_id, chrg_bchno, lines)}, **context
        )
        settlement_input = _settlement_input(person, mdtrt_id, chrg_bchno, lines, use_account)
        setlinfo = client.call("2206", {"data": settlement_input}, **context)["setlinfo"]
    except client.PlatformRefused:
        _withdraw(person.psn_no, mdtrt_id, "", visit_reference, context)
        raise
    try:
        with transaction.atomic():
            quote = InsuranceQuote.objects.create(
                patient=patient,
                institution=place,
                visit_reference=visit_reference,
                psn_no=person.psn_no,
                insutype=person.insutype,
                insuplc_admdvs=person.insuplc_admdvs,
                mdtrt_id=mdtrt_id,
                chrg_bchno=chrg_bchno,
                use_account=use_account,
                items=[_item_record(item) for item in lines],
                created_at=clock.now(),
                **_amounts(setlinfo),
                self_paid_fen=fen(setlinfo["fulamt_ownpay_amt"]),
                pre_self_paid_fen=fen(setlinfo["preselfpay_amt"]),
                deductible_fen=fen(setlinfo["act_pay_dedc"]),
                over_ceiling_fen=fen(setlinfo["overlmt_selfpay"]),
            )
            audit.record(
                actor,
                AuditAction.CREATE,
                quote,
                patient_id=patient.pk,
                summary=f"insurance pre-settlement {visit_reference}",
                changes={"total_fen": quote.total_fen, "cash_fen": quote.cash_fen},
            )
    except IntegrityError:
        # Another desk pre-settled the same visit a moment earlier: theirs stands.
        _withdraw(person.psn_no, mdtrt_id, chrg_bchno, visit_reference, context)
        raise DomainError(
            _("This visit is being pre-settled elsewhere; try again."), code="quote_in_progress"
        ) from None
    return quote


def _amounts(setlinfo: dict[str, Any]) -> dict[str, int]:
    return {
        "total_fen": fen(setlinfo["medfee_sumamt"]),
        "fund_fen": fen(setlinfo["fund_pay_sumamt"]),
        "account_fen": fen(setlinfo["acct_pay"]),
        "cash_fen": fen(setlinfo["psn_cash_pay"]),
        "account_balance_fen": fen(setlinfo["balc"]),
    }


def _item_record(item: InsuredItem) -> dict[str, Any]:
    return {
        "code": item.code,
        "name": item.name,
        "category": item.category,
        "quantity": str(item.quantity),
        "unit_price_fen": item.unit_price_fen,
        "amount_fen": item.amount_fen,
    }


def _registration(person: InsuredPerson, visit_reference: str) -> dict[str, Any]:
    return {
        "psn_no": person.psn_no,
        "insutype": person.insutype,
        "begntime": clock.now().strftime("%Y-%m-%d %H:%M:%S"),
        "mdtrt_cert_type": CERT_RESIDENT_ID,
        "mdtrt_cert_no": "",
        "ipt_otp_no": visit_reference,
        "atddr_no": "",
        "dr_name": "",
        "dept_code": "",
        "dept_name": "",
        "caty": "",
    }


def _diagnosis(
    person: InsuredPerson, mdtrt_id: str, diagnoses: Sequence[Diagnosis]
) -> dict[str, Any]:
    now = clock.now().strftime("%Y-%m-%d %H:%M:%S")
    main = diagnoses[0] if diagnoses else Diagnosis("", "")
    return {
        "mdtrtinfo": {
            "mdtrt_id": mdtrt_id,
            "psn_no": person.psn_no,
            "med_type": OUTPATIENT,
            "begntime": now,
            "main_cond_dscr": main.name,
            "dise_codg": main.code,
            "dise_name": main.name,
        },
        "diseinfo": [
            {
                "diag_type": "1",  # 西医诊断
                "diag_srt_no": str(number),
                "diag_code": diagnosis.code,
                "diag_name": diagnosis.name,
                "diag_time": now,
                "vali_flag": "1",
            }
            for number, diagnosis in enumerate(diagnoses, start=1)
        ],
    }


def _fee_details(
    person: InsuredPerson, mdtrt_id: str, chrg_bchno: str, items: list[InsuredItem]
) -> list[dict[str, Any]]:
    now = clock.now().strftime("%Y-%m-%d %H:%M:%S")
    return [
        {
            "feedetl_sn": f"{chrg_bchno}{number:04d}",
            "mdtrt_id": mdtrt_id,
            "psn_no": person.psn_no,
            "chrg_bchno": chrg_bchno,
            "rxno": "",
            "rx_circ_flag": "0",
            "fee_ocur_time": now,
            "med_list_codg": item.code,
            "medins_list_codg": item.code,
            "medins_list_name": item.name,
            "det_item_fee_sumamt": yuan(item.amount_fen),
            "cnt": str(item.quantity),
            "pric": yuan(item.unit_price_fen),
            "chrgitm_lv": CATEGORY_TO_LEVEL[item.category],
        }
        for number, item in enumerate(items, start=1)
    ]


def _settlement_input(
    person: InsuredPerson,
    mdtrt_id: str,
    chrg_bchno: str,
    items: list[InsuredItem],
    use_account: bool,
) -> dict[str, Any]:
    return {
        "psn_no": person.psn_no,
        "mdtrt_cert_type": CERT_RESIDENT_ID,
        "mdtrt_cert_no": "",
        "med_type": OUTPATIENT,
        "medfee_sumamt": yuan(sum(item.amount_fen for item in items)),
        "psn_setlway": "01",  # 按项目结算
        "mdtrt_id": mdtrt_id,
        "chrg_bchno": chrg_bchno,
        "insutype": person.insutype,
        "acct_used_flag": "1" if use_account else "0",
    }


def _cancel_input(psn_no: str, mdtrt_id: str, visit_reference: str) -> dict[str, Any]:
    return {"data": {"psn_no": psn_no, "mdtrt_id": mdtrt_id, "ipt_otp_no": visit_reference}}


def _withdraw(
    psn_no: str, mdtrt_id: str, chrg_bchno: str, visit_reference: str, context: dict[str, Any]
) -> None:
    """2205 then 2202, best effort: a refusal is on record in the exchange log, and a visit
    left registered on the platform costs nothing and is cleaned up at reconciliation."""
    with suppress(client.PlatformRefused):
        fee_batch = {"mdtrt_id": mdtrt_id, "chrg_bchno": chrg_bchno, "psn_no": psn_no}
        client.call("2205", {"data": fee_batch}, **context)
    with suppress(client.PlatformRefused):
        client.call("2202", _cancel_input(psn_no, mdtrt_id, visit_reference), **context)


# --- cancel, settle, reverse ---------------------------------------------------------------


def cancel_quote(*, quote_id: int, actor: Actor) -> InsuranceQuote:
    """Withdraw a pre-settlement the patient will not pay: 2205 fee details, 2202 registration."""
    quote = _quote(quote_id)
    _check_access(quote.patient, actor, SETTLE_PERMISSION)
    if quote.status != QuoteStatus.QUOTED:
        raise DomainError(_("Only an open pre-settlement can be cancelled."), code="quote_closed")
    if quote.settle_msgid:
        # The settlement went out: whether or not the answer came back, only settling again
        # (same msgid) tells the truth; then reverse it if the patient does not stay.
        raise DomainError(
            _("This pre-settlement is being settled; settle it, then reverse if needed."),
            code="settlement_in_flight",
        )
    context = _context(quote, actor)
    _withdraw(quote.psn_no, quote.mdtrt_id, quote.chrg_bchno, quote.visit_reference, context)
    with transaction.atomic():
        changed = InsuranceQuote.objects.filter(
            pk=quote.pk, status=QuoteStatus.QUOTED, settle_msgid=""
        ).update(status=QuoteStatus.CANCELLED)
        if changed:
            audit.record(
                actor,
                AuditAction.UPDATE,
                quote,
                patient_id=quote.patient_id,
                summary=f"insurance pre-settlement cancelled {quote.visit_reference}",
            )
    quote.refresh_from_db()
    return quote


def settle(*, quote_id: int, actor: Actor) -> InsuranceSettlement:
    """2207 for a pre-settled quote. Settling a settled quote returns its settlement."""
    quote = _quote(quote_id)
    _check_access(quote.patient, actor, SETTLE_PERMISSION)
    if quote.status == QuoteStatus.SETTLED:
        # Final once committed: answer without the lock, so a caller already holding its own
        # locks (billing's payment row) never queues behind another settle of this quote.
        return quote.settlement
    with transaction.atomic():
        quote = InsuranceQuote.objects.select_for_update(no_key=True).get(pk=quote.pk)
        if quote.status == QuoteStatus.SETTLED:
            return quote.settlement
        if quote.status != QuoteStatus.QUOTED:
            raise DomainError(
                _("This pre-settlement was cancelled; pre-settle again."), code="quote_closed"
            )
        if not quote.settle_msgid:
            exchange = client.prepare(
                "2207",
                {"data": _settlement_input_of(quote)},
                **_context(quote, actor),
            )
            quote.settle_msgid = exchange.msgid
            quote.save(update_fields=["settle_msgid"])
    output = client.send(PlatformExchange.objects.get(msgid=quote.settle_msgid))
    setlinfo = output["setlinfo"]
    with transaction.atomic():
        quote = InsuranceQuote.objects.select_for_update(no_key=True).get(pk=quote.pk)
        if quote.status == QuoteStatus.SETTLED:
            return quote.settlement
        settlement = InsuranceSettlement.objects.create(
            quote=quote,
            patient_id=quote.patient_id,
            institution_id=quote.institution_id,
            setl_id=setlinfo["setl_id"],
            settled_at=clock.now(),
            **_amounts(setlinfo),
        )
        quote.status = QuoteStatus.SETTLED
        quote.save(update_fields=["status"])
        audit.record(
            actor,
            AuditAction.CREATE,
            settlement,
            patient_id=quote.patient_id,
            summary=f"insurance settlement {settlement.setl_id}",
            changes={"fund_fen": settlement.fund_fen, "cash_fen": settlement.cash_fen},
        )
    return settlement


def reverse(*, settlement_id: int, actor: Actor) -> InsuranceSettlement:
    """2208, then 2205 and 2202 so the visit can be pre-settled afresh. Refused when unknown or
    already reversed."""
    settlement = (
        InsuranceSettlement.objects.select_related("quote__patient")
        .filter(pk=settlement_id)
        .first()
    )
    if settlement is None:
        raise NotFound(_("No such insurance settlement."), code="unknown_settlement")
    quote = settlement.quote
    _check_access(quote.patient, actor, SETTLE_PERMISSION)
    with transaction.atomic():
        settlement = InsuranceSettlement.objects.select_for_update(no_key=True).get(
            pk=settlement_id
        )
        if settlement.status == SettlementStatus.REVERSED:
            raise DomainError(
                _("This insurance settlement has already been reversed."), code="already_reversed"
            )
        if not settlement.reverse_msgid:
            exchange = client.prepare(
                "2208",
                {
                    "data": {
                        "psn_no": quote.psn_no,
                        "mdtrt_id": quote.mdtrt_id,
                        "setl_id": settlement.setl_id,
                    }
                },
                **_context(quote, actor),
            )
            settlement.reverse_msgid = exchange.msgid
            settlement.save(update_fields=["reverse_msgid"])
    client.send(PlatformExchange.objects.get(msgid=settlement.reverse_msgid))
    with transaction.atomic():
        changed = InsuranceSettlement.objects.filter(
            pk=settlement_id, status=SettlementStatus.SETTLED
        ).update(status=SettlementStatus.REVERSED, reversed_at=clock.now())
        if changed:
            audit.record(
                actor,
                AuditAction.UPDATE,
                settlement,
                patient_id=quote.patient_id,
                summary=f"insurance settlement reversed {settlement.setl_id}",
            )
    context = _context(quote, actor)
    _withdraw(quote.psn_no, quote.mdtrt_id, quote.chrg_bchno, quote.visit_reference, context)
    settlement.refresh_from_db()
    return settlement


def _quote(quote_id: int) -> InsuranceQuote:
    quote = (
        InsuranceQuote.objects.select_related("patient", "institution").filter(pk=quote_id).first()
    )
    if quote is None:
        raise NotFound(_("No such insurance pre-settlement."), code="unknown_quote")
    return quote


def _context(quote: InsuranceQuote, actor: Actor) -> dict[str, Any]:
    return {
        "institution": quote.institution,
        "actor": actor,
        "patient_id": quote.patient_id,
        "insuplc_admdvs": quote.insuplc_admdvs,
    }


def _settlement_input_of(quote: InsuranceQuote) -> dict[str, Any]:
    return {
        "psn_no": quote.psn_no,
        "mdtrt_cert_type": CERT_RESIDENT_ID,
        "mdtrt_cert_no": "",
        "med_type": OUTPATIENT,
        "medfee_sumamt": yuan(quote.total_fen),
        "psn_setlway": "01",
        "mdtrt_id": quote.mdtrt_id,
        "chrg_bchno": quote.chrg_bchno,
        "insutype": quote.insutype,
        "acct_used_flag": "1" if quote.use_account else "0",
    }


# --- audited reads for the desk's API --------------------------------------------------------


def quote_for(quote_id: int, *, actor: Actor) -> InsuranceQuote:
    """A pre-settlement of the caller's institution; reading it reads the patient's data."""
    actor.require_perm("insurance.view_insurancequote")
    found = InsuranceQuote.objects.filter(pk=quote_id, institution_id=actor.institution_id).first()
    if found is None:
        raise NotFound(_("No such insurance pre-settlement."), code="unknown_quote")
    audit.record_staff_read(actor, found, patient_id=found.patient_id, summary="insurance quote")
    return found


def exchange_log(
    *, actor: Actor, infno: str = "", patient_id: int | None = None
) -> QuerySet[PlatformExchange]:
    """The platform exchange log of the caller's institution, newest first; one patient's part
    of it is a read of their data (audited), and another institution's patient is "no such
    patient"."""
    actor.require_perm("insurance.view_platformexchange")
    rows = PlatformExchange.objects.filter(institution_id=actor.institution_id)
    if infno:
        rows = rows.filter(infno=infno)
    if patient_id is not None:
        if not accessible_patients(actor).filter(pk=patient_id).exists():
            raise NotFound(_("No such patient."))
        rows = rows.filter(patient_id=patient_id)
        audit.record_staff_read(
            actor, PlatformExchange, patient_id=patient_id, summary="insurance exchanges"
        )
    return rows
