"""Metrics fixtures: a tertiary hospital with two departments and three consulting rooms, a
township centre below it, the KPI office, and a helper writing domain events as the emitting
services do (inside a transaction, through `core.events.emit`)."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
from django.db import transaction

from onetrip.conftest import NOW, SHANGHAI, actor_for
from onetrip.consortium import services as consortium
from onetrip.consortium.models import ClinicKind, DoctorTitle
from onetrip.core import events
from onetrip.core.actors import SYSTEM
from onetrip.core.events import EventKind as K
from onetrip.core.models import DomainEvent
from onetrip.ebills.models import EBill
from onetrip.scheduling.models import SessionTemplate, SlotPool
from onetrip.scheduling.services import schedule

TODAY = NOW.date()


@pytest.fixture
def org(tertiary, township):
    medicine = consortium.add_department(tertiary, code="IM", name="内科", actor=SYSTEM)
    surgery = consortium.add_department(tertiary, code="SU", name="外科", actor=SYSTEM)
    general = consortium.add_department(township, code="GP", name="全科", actor=SYSTEM)
    rooms = [
        consortium.add_clinic(medicine, name="内科1诊室", kind=ClinicKind.GENERAL, actor=SYSTEM),
        consortium.add_clinic(medicine, name="内科2诊室", kind=ClinicKind.EXPERT, actor=SYSTEM),
        consortium.add_clinic(surgery, name="外科诊室", kind=ClinicKind.GENERAL, actor=SYSTEM),
        consortium.add_clinic(general, name="全科诊室", kind=ClinicKind.GENERAL, actor=SYSTEM),
    ]
    return SimpleNamespace(
        tertiary=tertiary,
        township=township,
        medicine=medicine,
        surgery=surgery,
        general=general,
        rooms=rooms,
    )


@pytest.fixture
def quality(make_staff, tertiary):
    """The quality and KPI office of the tertiary hospital (the consortium's root)."""
    return actor_for(make_staff("quality", tertiary))


def at(day: dt.date, hour: int = 10, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=SHANGHAI)


@pytest.fixture
def emit(org):
    """Write one domain event as an emitting service would; returns it."""
    counter = iter(range(1, 1_000_000))

    def write(kind, when, department, *, patient_id=1, data=None, on_site=False) -> DomainEvent:
        with transaction.atomic():
            return events.emit(
                kind,
                subject=department,
                patient_id=patient_id,
                institution_id=department.institution_id,
                department_id=department.pk,
                on_site=on_site,
                occurred_at=when,
                data={"seq": next(counter), **(data or {})},
            )

    return write


@pytest.fixture
def pools(clock, org):
    """Real sessions of one doctor for the week from today (scheduling's own service)."""
    doctor = consortium.add_doctor(
        org.medicine, name="王医生", title=DoctorTitle.CHIEF, actor=SYSTEM
    )
    for weekday in range(7):
        SessionTemplate.objects.create(
            doctor=doctor,
            clinic=org.rooms[0],
            weekday=weekday,
            period="morning",
            start_time=dt.time(8, 0),
            end_time=dt.time(9, 0),
            slot_minutes=15,
            capacity_per_slot=5,
            valid_from=TODAY,
        )
    schedule.generate_sessions(
        institution_id=org.tertiary.pk,
        date_from=TODAY,
        date_to=TODAY + dt.timedelta(days=6),
        actor=SYSTEM,
    )
    return SlotPool.objects.all()


@pytest.fixture
def month_of_events(clock, org, emit, pools):
    d = [TODAY - dt.timedelta(days=n) for n in (20, 10, 3, 0)]
    emit(K.APPOINTMENT_BOOKED, at(d[0]), org.medicine, data={"booking_id": 1, "referral": False})
    emit(K.APPOINTMENT_BOOKED, at(d[0]), org.general, data={"booking_id": 2, "referral": False})
    emit(K.APPOINTMENT_BOOKED, at(d[0]), org.medicine, data={"booking_id": 3, "referral": True})
    for day, department, booking in (
        (d[1], org.medicine, 1),
        (d[1], org.medicine, None),
        (d[2], org.medicine, 3),
        (d[2], org.surgery, None),
        (d[3], org.general, 2),
    ):
        emit(K.VISIT_CHECKED_IN, at(day, 8), department, on_site=True, data={"booking_id": booking})
    for day, hour, department, waited in (
        (d[1], 8, org.medicine, 5),
        (d[1], 11, org.medicine, 12),
        (d[2], 9, org.surgery, 2),
        (d[3], 14, org.general, 20),
    ):
        emit(K.VISIT_CALLED, at(day, hour, 30), department, data={"waited_minutes": waited})
    for order, slotted in ((1, True), (2, True), (3, False)):
        data = {"order_id": order, "time_slotted": slotted}
        emit(K.EXAM_BOOKED, at(d[2]), org.medicine, data=data)
        emit(K.EXAM_STARTED, at(d[2], 11), org.medicine, data={"order_id": order}, on_site=True)
    # An exam done without a booking: its report is all the platform sees of it.
    emit(K.REPORT_FILED, at(d[2], 15), org.medicine, data={"order_id": 4, "version": 1})
    for mode, room, department in (
        ("in_clinic", org.rooms[0], org.medicine),
        ("in_clinic", org.rooms[0], org.medicine),
        ("in_clinic", org.rooms[2], org.surgery),
        ("kiosk", None, org.medicine),
        ("window", None, org.surgery),
        ("mobile", None, org.general),
        ("bedside", None, org.medicine),
    ):
        data = {
            "mode": mode,
            "consulting_room": room.name if room else "",
            "clinic_id": room.pk if room else None,
        }
        emit(K.PAYMENT_SETTLED, at(d[1], 11), department, data=data)
    # October: only a few visits, for the trend.
    october = dt.date(2026, 10, 15)
    emit(K.VISIT_CHECKED_IN, at(october), org.medicine, data={"booking_id": None})
    emit(K.VISIT_CALLED, at(october, 10), org.medicine, data={"waited_minutes": 30})


def make_ebill(institution, patient, settlement, issued_at, number, kind="normal", original=None):
    """An e-bill as the fiscal platform returns it (for the coverage indicators)."""
    sign = -1 if kind == "red_letter" else 1
    return EBill.objects.create(
        institution=institution,
        patient=patient,
        kind=kind,
        original=original,
        visit_kind="outpatient",
        bill_code="33010126",
        bill_number=f"{number:010d}",
        check_code="abc123",
        issued_at=issued_at,
        settlement_reference=str(settlement),
        settled_at=issued_at,
        payer_name=patient.name,
        payer_id_masked="",
        lines=[],
        total_fen=sign * 1000,
        fund_fen=0,
        account_fen=0,
        cash_fen=sign * 1000,
        payment_channel="wechat",
        issuer="sandbox",
        reviewer="sandbox",
        platform_reference=f"P{number}",
    )
