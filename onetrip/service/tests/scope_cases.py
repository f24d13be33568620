"""The service centre's registrations for the generated scoping and audit test
(`core/tests/scoping.py`): a complaint belongs to the hospital it was filed with and to the
patient who filed it on the phone."""

from __future__ import annotations

import datetime as dt

from onetrip.consortium import services as consortium
from onetrip.core import clock
from onetrip.core.actors import SYSTEM
from onetrip.core.tests.scoping import OwnPatient, Staff, Target, World
from onetrip.service.models import Equipment
from onetrip.service.services import (
    certificates,
    complaints,
    errands,
    lending,
    record_copies,
    volunteers,
)
from onetrip.service.tests.conftest import a_record_copy_fee, a_wheelchair, pay_at_window

OFFICER = "complaints"


def a_department(world: World):
    if not hasattr(world, "complaints_department"):
        world.complaints_department = consortium.add_department(
            world.home, code="SVC-IM", name="内科", actor=SYSTEM
        )
    return world.complaints_department


def filed(world: World):
    return complaints.file_complaint(
        complaints.ComplaintIn(
            kind="complaint",
            cause="waiting",
            severity="medium",
            description="候诊两个小时无人叫号",
            institution_id=world.home.pk,
            patient_id=world.patient.pk,
        ),
        actor=world.patient_actor,
    )


def answered(world: World):
    complaint = filed(world)
    complaints.respond(complaint.pk, response="已与门诊部核实并致歉", actor=world.actor(OFFICER))
    return complaint


def a_complaint(world: World) -> Target:
    complaint = filed(world)
    return Target({"complaint_id": complaint.pk}, world.patient.pk)


def a_complaint_to_route(world: World) -> Target:
    department = a_department(world)
    complaint = filed(world)
    return Target(
        {"complaint_id": complaint.pk},
        world.patient.pk,
        body={"department_id": department.pk, "severity": "high"},
    )


def a_complaint_to_answer(world: World) -> Target:
    complaint = filed(world)
    return Target(
        {"complaint_id": complaint.pk}, world.patient.pk, body={"response": "已核实并改进"}
    )


def an_answered_complaint(world: World) -> Target:
    complaint = answered(world)
    return Target({"complaint_id": complaint.pk}, world.patient.pk)


def a_closed_complaint(world: World) -> Target:
    complaint = answered(world)
    complaints.close_complaint(complaint.pk, actor=world.actor(OFFICER))
    return Target({"complaint_id": complaint.pk}, world.patient.pk, body={"rating": "5"})


def applied_copy(world: World, delivery: str = "post", paid: bool = False):
    a_record_copy_fee()
    copy = record_copies.apply(
        record_copies.CopyIn(
            patient_id=world.patient.pk,
            institution_id=world.home.pk,
            visit_description="2026年3月内科住院",
            purpose="personal",
            copies=1,
            delivery=delivery,
            recipient_name="张伟",
            recipient_phone="13812345678",
            address="北京市东城区东单北大街1号",
        ),
        actor=world.patient_actor,
    )
    if paid:
        pay_at_window(record_copies.fee_bill(copy).pk, world.actor("finance"))
    return copy


def a_copy(world: World) -> Target:
    return Target({"copy_id": applied_copy(world).pk}, world.patient.pk)


def a_paid_copy(world: World) -> Target:
    copy = applied_copy(world, paid=True)
    return Target({"copy_id": copy.pk}, world.patient.pk, body={"pages": "8"})


def a_released_pdf(world: World) -> Target:
    copy = applied_copy(world, delivery="pdf", paid=True)
    record_copies.prepare(copy.pk, pages=4, actor=world.actor(RECORDS))
    return Target({"copy_id": copy.pk}, world.patient.pk)


RECORDS = "service_centre"

CASES = {
    "staff/record-copies/<id:copy_id>": Staff(a_copy, RECORDS),
    "staff/record-copies/<id:copy_id>/prepare": Staff(a_paid_copy, RECORDS, method="POST"),
    "p/service/record-copies/<id:copy_id>": OwnPatient(a_copy),
    "p/service/record-copies/<id:copy_id>/pdf": OwnPatient(a_released_pdf),
    "staff/complaints/<id:complaint_id>": Staff(a_complaint, OFFICER),
    "staff/complaints/<id:complaint_id>/route": Staff(a_complaint_to_route, OFFICER, method="POST"),
    "staff/complaints/<id:complaint_id>/respond": Staff(
        a_complaint_to_answer, OFFICER, method="POST"
    ),
    "staff/complaints/<id:complaint_id>/close": Staff(
        an_answered_complaint, OFFICER, method="POST"
    ),
    "p/service/complaints/<id:complaint_id>": OwnPatient(a_complaint),
    "p/service/complaints/<id:complaint_id>/rate": OwnPatient(a_closed_complaint, method="POST"),
}


def a_ticket(world: World, body: dict | None = None) -> Target:
    ticket = errands.open_ticket(
        errands.TicketIn(errand="certificate_stamp", contact_name="张伟"),
        actor=world.actor(RECORDS),
    )
    return Target({"ticket_id": ticket.pk}, None, body=body)


NO_PATIENT = "a window ticket names the person at the counter, no patient record"
CASES |= {
    "staff/errands/<id:ticket_id>": Staff(
        a_ticket, RECORDS, audited=False, why_not_audited=NO_PATIENT
    ),
    "staff/errands/<id:ticket_id>/done": Staff(
        a_ticket, RECORDS, method="POST", audited=False, why_not_audited=NO_PATIENT
    ),
    "staff/errands/<id:ticket_id>/refuse": Staff(
        lambda w: a_ticket(w, {"reason": "材料不全"}),
        RECORDS,
        method="POST",
        audited=False,
        why_not_audited=NO_PATIENT,
    ),
}


def a_phone_errand(world: World) -> Target:
    ticket = errands.open_on_phone(
        "sick_leave",
        patient_id=world.patient.pk,
        institution_id=world.home.pk,
        details="",
        actor=world.patient_actor,
    )
    return Target({"ticket_id": ticket.pk}, world.patient.pk)


def a_certificate(world: World, *, stamped: bool = False, body: dict | None = None) -> Target:
    certificate = certificates.submit(
        certificates.CertificateIn(
            patient_id=world.patient.pk,
            kind="diagnosis",
            doctor_name="李医生",
            statement="高血压病",
        ),
        actor=world.actor(RECORDS),
    )
    if stamped:
        certificates.stamp(certificate.pk, actor=world.actor(RECORDS))
    return Target({"certificate_id": certificate.pk}, world.patient.pk, body=body)


def a_wheelchair_to_lend(world: World) -> Target:
    chair = a_wheelchair(world.home, code=f"LC-{Equipment.objects.count() + 1:03d}")
    return Target({"equipment_id": chair.pk}, None, body={"patient_id": world.patient.pk})


def a_loan(world: World, *, paid: bool = False, lent: bool = False) -> Target:
    chair = a_wheelchair(world.home, code=f"LC-{Equipment.objects.count() + 1:03d}")
    loan = lending.lend(
        equipment_id=chair.pk, patient_id=world.patient.pk, actor=world.actor(RECORDS)
    )
    if paid or lent:
        pay_at_window(lending.deposit_bill(loan).pk, world.actor("finance"))
    if lent:
        lending.hand_over(loan.pk, actor=world.actor(RECORDS))
    return Target({"loan_id": loan.pk}, world.patient.pk)


def a_found_item(world: World, body: dict | None = None) -> Target:
    item = lending.log_found(
        description="蓝色雨伞", found_where="门诊大厅", actor=world.actor(RECORDS)
    )
    return Target({"item_id": item.pk}, None, body=body)


def a_helper(world: World):
    return volunteers.enrol(
        name="陈志愿", phone="13700000001", kind="volunteer", actor=world.actor(RECORDS)
    )


def a_shift(world: World) -> Target:
    shift = volunteers.plan_shift(
        helper_id=a_helper(world).pk,
        post="门诊大厅",
        starts_at=clock.now(),
        ends_at=clock.now() + dt.timedelta(hours=4),
        actor=world.actor(RECORDS),
    )
    return Target({"shift_id": shift.pk}, None)


def a_help_request(world: World, *, assigned: bool = False, body: dict | None = None) -> Target:
    request = volunteers.ask_for_help(
        contact_name="刘奶奶",
        contact_phone="",
        need="escort",
        where="门诊一楼",
        needed_at=clock.now(),
        actor=world.actor(RECORDS),
    )
    helper = a_helper(world)
    if assigned:
        volunteers.assign(request.pk, helper_id=helper.pk, actor=world.actor(RECORDS))
    return Target({"request_id": request.pk}, None, body=body)


def a_help_request_to_assign(world: World) -> Target:
    target = a_help_request(world)
    helper = a_helper(world)
    return Target(target.path, None, body={"helper_id": helper.pk})


NO_RECORD = "names a person, an item or a helper, not a patient record"
CASES |= {
    "p/service/errands/<id:ticket_id>": OwnPatient(a_phone_errand),
    "p/service/certificates/<id:certificate_id>/pdf": OwnPatient(
        lambda w: a_certificate(w, stamped=True)
    ),
    "staff/certificates/<id:certificate_id>": Staff(a_certificate, RECORDS),
    "staff/certificates/<id:certificate_id>/stamp": Staff(a_certificate, RECORDS, method="POST"),
    "staff/certificates/<id:certificate_id>/refuse": Staff(
        lambda w: a_certificate(w, body={"reason": "医生未签名"}), RECORDS, method="POST"
    ),
    "staff/certificates/<id:certificate_id>/pdf": Staff(
        lambda w: a_certificate(w, stamped=True), RECORDS
    ),
    "staff/lending/<id:equipment_id>/lend": Staff(
        a_wheelchair_to_lend, RECORDS, method="POST", audited=False, why_not_audited=NO_RECORD
    ),
    "staff/loans/<id:loan_id>": Staff(a_loan, RECORDS),
    "staff/loans/<id:loan_id>/hand-over": Staff(
        lambda w: a_loan(w, paid=True), RECORDS, method="POST"
    ),
    "staff/loans/<id:loan_id>/return": Staff(
        lambda w: a_loan(w, lent=True), RECORDS, method="POST"
    ),
    "staff/loans/<id:loan_id>/cancel": Staff(a_loan, RECORDS, method="POST"),
    "staff/lost-found/<id:item_id>": Staff(
        a_found_item, RECORDS, audited=False, why_not_audited=NO_RECORD
    ),
    "staff/lost-found/<id:item_id>/claim": Staff(
        lambda w: a_found_item(
            w,
            {
                "claimant_name": "张伟",
                "doc_type": "resident_id",
                "doc_number": "110101199003074477",
            },
        ),
        RECORDS,
        method="POST",
        audited=False,
        why_not_audited=NO_RECORD,
    ),
    "staff/volunteers/shifts/<id:shift_id>/sign-in": Staff(
        a_shift, RECORDS, method="POST", audited=False, why_not_audited=NO_RECORD
    ),
    "staff/help/<id:request_id>": Staff(
        a_help_request, RECORDS, audited=False, why_not_audited=NO_RECORD
    ),
    "staff/help/<id:request_id>/assign": Staff(
        a_help_request_to_assign, RECORDS, method="POST", audited=False, why_not_audited=NO_RECORD
    ),
    "staff/help/<id:request_id>/close": Staff(
        lambda w: a_help_request(w, assigned=True, body={"outcome": "陪同完成"}),
        RECORDS,
        method="POST",
        audited=False,
        why_not_audited=NO_RECORD,
    ),
}
