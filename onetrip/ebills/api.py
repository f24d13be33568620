"""Electronic bills JSON API, under /api/ebills (R-PAY-5): the signed-in patient's bills and
their PDFs, and the public verification by code, number and check code."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from ninja import Router, Schema

from onetrip.core.actors import Channel
from onetrip.core.bounds import Id
from onetrip.core.masking import mask_name
from onetrip.ebills import pdf, services
from onetrip.ebills.models import EBill
from onetrip.ebills.presenters import verification_path
from onetrip.web.sessions import PatientSession, current_patient_actor

router = Router(tags=["ebills"])


class LineOut(Schema):
    category: str
    amount_fen: int


class EBillOut(Schema):
    id: int
    kind: str
    original_id: int | None
    visit_kind: str
    bill_code: str
    bill_number: str
    check_code: str
    issued_at: dt.datetime
    institution: str
    payer_name: str
    payer_id_masked: str
    settlement_reference: str
    visit_number: str
    insurance_type: str
    lines: list[LineOut]
    total_fen: int
    fund_fen: int
    account_fen: int
    cash_fen: int
    payment_channel: str
    issuer: str
    reviewer: str
    reason: str
    verification_path: str
    pdf_path: str


class VerificationOut(Schema):
    genuine: bool
    kind: str = ""
    institution: str = ""
    issued_at: dt.datetime | None = None
    total_fen: int = 0
    payer: str = ""


def _out(bill: EBill) -> dict:
    return {
        **{field: getattr(bill, field) for field in EBillOut.model_fields if hasattr(bill, field)},
        "issued_at": timezone.localtime(bill.issued_at),
        "institution": bill.institution.name,
        "verification_path": verification_path(bill),
        "pdf_path": f"/api/ebills/{bill.pk}/pdf",
    }


@router.get("/mine", response=list[EBillOut], auth=PatientSession())
def my_bills(request: HttpRequest):
    """The bills of every patient the signed-in account acts for, newest first."""
    actor = current_patient_actor(request, channel=Channel.API)
    return [_out(bill) for bill in services.bills_of_account(actor.account_id or 0)]


@router.get("/verify", response=VerificationOut)
def verify(request: HttpRequest, code: str, number: str, check: str):
    """Public: is there a bill with this code, number and check code? (masked payer only)"""
    bill = services.verify(code, number, check)
    if bill is None:
        return {"genuine": False}
    return {
        "genuine": True,
        "kind": bill.kind,
        "institution": bill.institution.name,
        "issued_at": timezone.localtime(bill.issued_at),
        "total_fen": bill.total_fen,
        "payer": mask_name(bill.payer_name),
    }


@router.get("/{bill_id}", response=EBillOut, auth=PatientSession())
def my_bill(request: HttpRequest, bill_id: Id):
    actor = current_patient_actor(request, channel=Channel.API)
    return _out(services.bill_of_account(bill_id, actor=actor))


@router.get("/{bill_id}/pdf", auth=PatientSession())
def my_bill_pdf(request: HttpRequest, bill_id: Id):
    actor = current_patient_actor(request, channel=Channel.API)
    bill = services.bill_of_account(bill_id, actor=actor)
    content = pdf.render(bill, request.build_absolute_uri(verification_path(bill)))
    return HttpResponse(content, content_type="application/pdf")
