"""E-bill pages (R-PAY-5): the patient's bills on the phone, a PDF, a kiosk print page, and the
public verification page the bill's QR code points to."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from onetrip.core.actors import Actor
from onetrip.ebills import pdf, services
from onetrip.ebills.models import CopyChannel
from onetrip.ebills.presenters import present, present_public
from onetrip.web.sessions import patient_page


@patient_page
def my_bills(request: HttpRequest, *, actor: Actor) -> HttpResponse:
    bills = [present(bill) for bill in services.bills_of_account(actor.account_id or 0)]
    return render(request, "ebills/list.html", {"bills": bills})


@patient_page
def my_bill(request: HttpRequest, bill_id: int, *, actor: Actor) -> HttpResponse:
    bill = services.bill_of_account(bill_id, actor=actor)
    return render(request, "ebills/bill.html", present(bill))


@patient_page
def my_bill_pdf(request: HttpRequest, bill_id: int, *, actor: Actor) -> HttpResponse:
    bill = services.bill_of_account(bill_id, actor=actor)
    services.record_self_service_copy(bill=bill, channel=CopyChannel.PHONE, actor=actor)
    facts = present(bill)
    content = pdf.render(bill, request.build_absolute_uri(facts["verification_path"]))
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="ebill-{bill}.pdf"'
    return response


@patient_page
def kiosk_print(request: HttpRequest, bill_id: int, *, actor: Actor) -> HttpResponse:
    bill = services.bill_of_account(bill_id, actor=actor)
    services.record_self_service_copy(bill=bill, channel=CopyChannel.KIOSK, actor=actor)
    return render(request, "ebills/kiosk_print.html", present(bill))


def verify(request: HttpRequest) -> HttpResponse:
    """Public: anyone holding a bill can check it is genuine by its code, number and check code."""
    code, number, check = (request.GET.get(key, "") for key in ("code", "number", "check"))
    asked = bool(code and number and check)
    bill = services.verify(code, number, check) if asked else None
    context = {"asked": asked, "code": code, "number": number, "check": check}
    if bill is not None:
        context |= present_public(bill)
    return render(request, "ebills/verify.html", context)
