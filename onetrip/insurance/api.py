"""Medical insurance JSON API for the billing desk, under /api/insurance (R-PAY-3): look a
patient up on the platform (1101), pre-settle, settle and reverse, and read the settlements and
the platform exchange log. Staff sessions only; amounts are integer fen, and a non-integer or
negative amount is a 422 problem naming the field."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from ninja import Field, Router, Schema, Status

from onetrip.core.api_auth import StaffSession, api_staff_actor
from onetrip.core.bounds import MAX_QUANTITY, FenOrZero, Id
from onetrip.core.errors import NotFound
from onetrip.identity.models import Patient
from onetrip.identity.services import accessible_patients
from onetrip.insurance import services
from onetrip.insurance.models import InsuranceSettlement

router = Router(tags=["insurance"], auth=StaffSession())

LIST_LIMIT = 100


class InsuredPersonOut(Schema):
    psn_no: str
    name: str
    insutype: str
    insuplc_admdvs: str
    account_balance_fen: int
    certno_masked: str


class ItemIn(Schema):
    code: str
    name: str
    category: str
    quantity: Decimal = Field(
        gt=0, le=MAX_QUANTITY, decimal_places=4, description="Greater than zero; up to 4 decimals."
    )
    unit_price_fen: FenOrZero
    amount_fen: FenOrZero


class PreSettlementIn(Schema):
    patient_id: Id
    visit_reference: str
    items: list[ItemIn]
    use_account: bool = True


class QuoteOut(Schema):
    id: int
    patient_id: int
    visit_reference: str
    status: str
    mdtrt_id: str
    insutype: str
    total_fen: int
    fund_fen: int
    account_fen: int
    cash_fen: int
    self_paid_fen: int
    pre_self_paid_fen: int
    deductible_fen: int
    over_ceiling_fen: int
    account_balance_fen: int


class InsuranceSettlementOut(Schema):
    id: int
    quote_id: int
    patient_id: int
    setl_id: str
    status: str
    total_fen: int
    fund_fen: int
    account_fen: int
    cash_fen: int
    account_balance_fen: int
    settled_at: dt.datetime
    reversed_at: dt.datetime | None


class ExchangeOut(Schema):
    msgid: str | None
    infno: str
    infcode: str
    err_msg: str
    patient_id: int | None
    sent_at: dt.datetime
    answered_at: dt.datetime | None


def _patient(request: HttpRequest, patient_id: Id) -> Patient:
    patient = accessible_patients(api_staff_actor(request)).filter(pk=patient_id).first()
    if patient is None:
        raise NotFound(_("No such patient."))
    return patient


def _local(schema: type[Schema], row: object, *moments: str) -> dict:
    """The row as `schema`, its timestamps in Asia/Shanghai like everywhere in the API."""
    out = schema.model_validate(row, from_attributes=True).model_dump()
    for name in moments:
        if out[name] is not None:
            out[name] = timezone.localtime(out[name])
    return out


def _settlement_out(settlement: InsuranceSettlement) -> dict:
    return _local(InsuranceSettlementOut, settlement, "settled_at", "reversed_at")


@router.get("/patients/{patient_id}/person", response=InsuredPersonOut)
def person(request: HttpRequest, patient_id: Id):
    """1101: the patient's insured identity, insurance type and account balance."""
    actor = api_staff_actor(request)
    actor.require_perm(services.QUERY_PERMISSION)  # a role without it: 403 before any lookup
    return services.query_person(patient=_patient(request, patient_id), actor=actor)


@router.post("/pre-settlements", response={201: QuoteOut})
def pre_settle(request: HttpRequest, payload: PreSettlementIn):
    """1101 → 2201 → 2203 → 2204 → 2206: the split before the patient pays."""
    actor = api_staff_actor(request)
    actor.require_perm(services.SETTLE_PERMISSION)
    quote = services.pre_settle(
        patient=_patient(request, payload.patient_id),
        visit_reference=payload.visit_reference,
        items=[services.InsuredItem(**item.dict()) for item in payload.items],
        actor=actor,
        use_account=payload.use_account,
    )
    return Status(201, quote)


@router.post("/pre-settlements/{quote_id}/settlement", response=InsuranceSettlementOut)
def settle(request: HttpRequest, quote_id: Id):
    """2207. Repeating it answers with the same settlement."""
    return _settlement_out(services.settle(quote_id=quote_id, actor=api_staff_actor(request)))


@router.post("/settlements/{settlement_id}/reversal", response=InsuranceSettlementOut)
def reverse(request: HttpRequest, settlement_id: Id):
    """2208. A second reversal is a 409 problem with code `already_reversed`."""
    actor = api_staff_actor(request)
    return _settlement_out(services.reverse(settlement_id=settlement_id, actor=actor))


@router.get("/settlements", response=list[InsuranceSettlementOut])
def settlements(request: HttpRequest):
    """The institution's latest settlements."""
    actor = api_staff_actor(request)
    actor.require_perm("insurance.view_insurancesettlement")
    rows = InsuranceSettlement.objects.filter(institution_id=actor.institution_id)
    return [_settlement_out(row) for row in rows[:LIST_LIMIT]]


@router.get("/pre-settlements/{quote_id}", response=QuoteOut)
def quote(request: HttpRequest, quote_id: Id):
    return services.quote_for(quote_id, actor=api_staff_actor(request))


@router.get("/exchanges", response=list[ExchangeOut])
def exchanges(request: HttpRequest, infno: str = "", patient_id: Id | None = None):
    """The platform exchange log of the institution, newest first (messages stay in the back
    office: they carry identity numbers)."""
    rows = services.exchange_log(actor=api_staff_actor(request), infno=infno, patient_id=patient_id)
    return [_local(ExchangeOut, row, "sent_at", "answered_at") for row in rows[:LIST_LIMIT]]
