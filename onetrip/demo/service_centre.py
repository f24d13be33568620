"""The service centre's demo (issue 21), written through its services: errands at the one window
(one for a patient, so it shows on their phone), certificates awaiting review and stamped,
wheelchairs lent against a deposit, found items, and the volunteers' roster with a request for
help. Sign in as `service_centre` (or `social_worker`) to see the desks."""

from __future__ import annotations

import datetime as dt

from onetrip.billing.models import (
    CatalogueItem,
    ChargeCategory,
    InsuranceCategory,
    ItemKind,
    PaymentChannel,
    SettlementMode,
)
from onetrip.billing.services import settlements
from onetrip.consortium.models import StaffProfile
from onetrip.core import clock
from onetrip.core.actors import Actor, ActorKind, Channel
from onetrip.identity import services as identity
from onetrip.service.models import Equipment, EquipmentKind
from onetrip.service.services import certificates, errands, lending, volunteers

# The price catalogue's deposit lines (back-office data without a service, as in the loader).
DEPOSITS_FEN = {
    EquipmentKind.WHEELCHAIR: 20000,
    EquipmentKind.WALKER: 10000,
    EquipmentKind.CRUTCHES: 5000,
    EquipmentKind.STROLLER: 10000,
}
EQUIPMENT = (
    ("LC-001", EquipmentKind.WHEELCHAIR),
    ("LC-002", EquipmentKind.WHEELCHAIR),
    ("LC-003", EquipmentKind.WHEELCHAIR),
    ("ZX-001", EquipmentKind.WALKER),
    ("GZ-001", EquipmentKind.CRUTCHES),
    ("TC-001", EquipmentKind.STROLLER),
)


def _actor(profile: StaffProfile) -> Actor:
    return Actor(
        kind=ActorKind.STAFF,
        label=f"{profile.user.get_username()} ({profile.full_name})",
        user=profile.user,
        institution_id=profile.institution_id,
        channel=Channel.SYSTEM,
    )


def deposit_item_code(kind: str) -> str:
    return f"SVC-DEP-{kind.upper()}"


def load(staff: dict[str, StaffProfile]) -> None:
    window = _actor(staff["service_centre"])
    cashier = _actor(staff["finance"])
    patients = list(identity.accessible_patients(window).order_by("pk")[:3])
    if not patients:  # a demo loaded without patients (tests) has no one to serve
        return
    _errands(window, patients)
    _certificates(window, patients)
    _lending(window, cashier, patients)
    _lost_and_found(window)
    _volunteers(window)


def _errands(window: Actor, patients: list) -> None:
    first = patients[0]
    errands.open_ticket(
        errands.TicketIn(
            errand="insurance_filing",
            contact_name=first.name,
            contact_phone=first.phone,
            details="异地转诊备案",
            patient_id=first.pk,
        ),
        actor=window,
    )
    done = errands.open_ticket(
        errands.TicketIn(errand="certificate_stamp", contact_name="王女士"), actor=window
    )
    errands.finish(done.pk, actor=window)
    refused = errands.open_ticket(
        errands.TicketIn(errand="birth_certificate", contact_name="李先生"), actor=window
    )
    errands.refuse(refused.pk, reason="缺少母亲出院记录", actor=window)


def _certificates(window: Actor, patients: list) -> None:
    today = clock.today()
    stamped = certificates.submit(
        certificates.CertificateIn(
            patient_id=patients[0].pk,
            kind="sick_leave",
            doctor_name="李医生",
            statement="急性上呼吸道感染，建议休息三天",
            starts_on=today,
            ends_on=today + dt.timedelta(days=2),
        ),
        actor=window,
    )
    certificates.stamp(stamped.pk, actor=window)
    certificates.submit(
        certificates.CertificateIn(
            patient_id=patients[-1].pk,
            kind="diagnosis",
            doctor_name="王医生",
            statement="2型糖尿病",
        ),
        actor=window,
    )


def _lending(window: Actor, cashier: Actor, patients: list) -> None:
    CatalogueItem.objects.bulk_create(
        CatalogueItem(
            code=deposit_item_code(kind),
            name=f"{kind.label}押金",
            kind=ItemKind.SERVICE,
            charge_category=ChargeCategory.OTHER_OUTPATIENT,
            insurance_category=InsuranceCategory.C,
            unit_price_fen=fen,
        )
        for kind, fen in DEPOSITS_FEN.items()
    )
    items = [
        Equipment.objects.create(
            institution_id=window.institution_id,
            code=code,
            kind=kind,
            deposit_item_code=deposit_item_code(kind),
        )
        for code, kind in EQUIPMENT
    ]
    lent = lending.lend(equipment_id=items[0].pk, patient_id=patients[0].pk, actor=window)
    bill = lending.deposit_bill(lent)
    settlements.settle_bill(
        settlements.SettlementRequest(
            bill_id=bill.pk, mode=SettlementMode.WINDOW, channel=PaymentChannel.CASH
        ),
        actor=cashier,
    )
    lending.hand_over(lent.pk, actor=window)
    lending.lend(equipment_id=items[1].pk, patient_id=patients[-1].pk, actor=window)


def _lost_and_found(window: Actor) -> None:
    lending.log_found(description="黑色双肩包", found_where="门诊二楼候诊区", actor=window)
    lending.log_found(description="蓝色折叠伞", found_where="住院部大厅", actor=window)
    umbrella = lending.log_found(description="老花镜", found_where="检验科窗口", actor=window)
    lending.claim(
        umbrella.pk,
        claimant_name="赵大爷",
        doc_type="resident_id",
        doc_number="11010119500307003X",
        actor=window,
    )


def _volunteers(window: Actor) -> None:
    now = clock.now()
    guide = volunteers.enrol(name="陈晓", phone="13700000001", kind="volunteer", actor=window)
    volunteers.record_training(
        helper_id=guide.pk, kind="training", on=clock.today(), topic="门诊导诊", actor=window
    )
    volunteers.record_training(
        helper_id=guide.pk,
        kind="assessment",
        on=clock.today(),
        topic="导诊服务考核",
        passed=True,
        actor=window,
    )
    volunteers.enrol(name="周宁", phone="13700000002", kind="volunteer", actor=window)
    social = volunteers.enrol(
        name="林社工", phone="13700000003", kind="social_worker", actor=window
    )
    volunteers.plan_shift(
        helper_id=guide.pk,
        post="门诊大厅导诊台",
        starts_at=now,
        ends_at=now + dt.timedelta(hours=4),
        actor=window,
    )
    volunteers.ask_for_help(
        contact_name="刘奶奶",
        contact_phone="",
        need="escort",
        where="门诊一楼挂号处",
        needed_at=now + dt.timedelta(minutes=30),
        actor=window,
    )
    assigned = volunteers.ask_for_help(
        contact_name="孙先生家属",
        contact_phone="13600000009",
        need="social",
        where="住院部三楼",
        needed_at=now + dt.timedelta(hours=2),
        actor=window,
    )
    volunteers.assign(assigned.pk, helper_id=social.pk, actor=window)
