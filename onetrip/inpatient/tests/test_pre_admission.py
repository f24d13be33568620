"""The pre-admission work in one visit (D190) and its fees moved to the stay (R-PAY-7, D191)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from onetrip.billing.models import (
    Bill,
    CatalogueItem,
    Charge,
    ChargeCategory,
    InsuranceCategory,
    ItemKind,
)
from onetrip.billing.services.settlements import SettlementRequest, settle_bill
from onetrip.billing.services.sources import registration_item_code
from onetrip.conftest import NOW
from onetrip.consortium import services as consortium
from onetrip.consortium.models import ClinicKind, DoctorTitle
from onetrip.core.actors import SYSTEM
from onetrip.core.errors import InvalidInput
from onetrip.exams import catalogue
from onetrip.exams import services as exams
from onetrip.exams.models import DeviceKind
from onetrip.inpatient import preadmission, services
from onetrip.inpatient.models import PreAdmissionVisit
from onetrip.inpatient.tests.conftest import bed
from onetrip.scheduling.models import Period, SessionTemplate
from onetrip.scheduling.services import schedule

CONSULT_FEE_FEN = 2000
EXAM_FEE_FEN = 4500


def price(code: str, fen: int, category: str = ChargeCategory.EXAMINATION) -> None:
    CatalogueItem.objects.get_or_create(
        code=code,
        defaults={
            "name": code,
            "kind": ItemKind.SERVICE,
            "charge_category": category,
            "insurance_category": InsuranceCategory.A,
            "unit_price_fen": fen,
        },
    )


def prepare_hospital(tertiary) -> None:
    """Exam devices for two weeks, priced exams, and an anaesthesia clinic every weekday
    afternoon."""
    catalogue.load_default_catalogue()
    catalogue.equip_institution(tertiary.pk, dict.fromkeys(DeviceKind.values, 1), NOW.date(), 14)
    for code in preadmission.SURGICAL_EXAMS:
        price(preadmission.EXAM_PRICE_PREFIX + code, EXAM_FEE_FEN)
    price(registration_item_code(CONSULT_FEE_FEN), CONSULT_FEE_FEN, ChargeCategory.REGISTRATION)
    anaesthesia = consortium.add_department(
        tertiary, code=preadmission.ANAESTHESIA_DEPARTMENT, name="麻醉科", actor=SYSTEM
    )
    doctor = consortium.add_doctor(
        anaesthesia, name="周麻醉", title=DoctorTitle.ATTENDING, actor=SYSTEM
    )
    clinic = consortium.add_clinic(
        anaesthesia, name="麻醉评估门诊", kind=ClinicKind.SPECIALIST, actor=SYSTEM
    )
    for weekday in range(5):
        SessionTemplate.objects.create(
            doctor=doctor,
            clinic=clinic,
            weekday=weekday,
            period=Period.AFTERNOON,
            start_time=dt.time(13, 30),
            end_time=dt.time(16, 30),
            slot_minutes=15,
            capacity_per_slot=2,
            fee_fen=CONSULT_FEE_FEN,
            valid_from=NOW.date(),
        )
    schedule.generate_sessions(
        institution_id=tertiary.pk,
        date_from=NOW.date(),
        date_to=NOW.date() + dt.timedelta(days=13),
        actor=SYSTEM,
    )


@pytest.fixture
def hospital(clock, tertiary):
    prepare_hospital(tertiary)
    return tertiary


def a_notice(doctor, patient, **overrides):
    fields = {
        "patient_id": patient.pk,
        "diagnosis": "胆囊结石伴慢性胆囊炎",
        "planned_procedure": "腹腔镜胆囊切除术",
        "urgency": "elective",
        "expected_los_days": 4,
        "surgeon": "王主任",
    }
    fields.update(overrides)
    return services.issue_notice(services.NoticeIn(**fields), actor=doctor)


def test_one_visit_books_the_work_up_and_the_anaesthesia_consultation_after_it(
    hospital, doctor, centre, register
):
    admission = a_notice(doctor, register())

    visit = preadmission.plan_visit(admission.pk, day=NOW.date(), actor=centre)

    steps = preadmission.timeline(visit, admission=admission)
    assert sorted(visit.exams.values_list("item_code", flat=True)) == sorted(
        preadmission.SURGICAL_EXAMS
    )
    assert steps[-1].where == "麻醉科"  # the consultation comes last
    exams_ = steps[:-1]
    assert {timezone.localtime(s.at).date() for s in steps} == {NOW.date()}
    assert steps[-1].at >= max(e.at for e in exams_)
    assert all(s.state == "booked" for s in steps)
    # Asked again (a double click): the same visit, nothing booked twice.
    assert preadmission.plan_visit(admission.pk, day=NOW.date(), actor=centre) == visit
    assert PreAdmissionVisit.objects.count() == 1
    exam_bill = Bill.objects.get(visit_reference=preadmission.visit_reference(admission))
    assert exam_bill.charges.count() == len(preadmission.SURGICAL_EXAMS)


def test_a_day_without_the_anaesthesia_clinic_is_refused_and_nothing_is_booked(
    hospital, doctor, centre, register
):
    admission = a_notice(doctor, register())
    saturday = NOW.date() + dt.timedelta(days=5)

    with pytest.raises(InvalidInput) as refused:
        preadmission.plan_visit(admission.pk, day=saturday, actor=centre)

    assert refused.value.errors[0].field == "day"
    assert PreAdmissionVisit.objects.count() == 0
    assert exams.orders_of_patient(admission.patient_id, actor=centre) == []


def test_a_stay_without_an_operation_needs_no_consultation_or_coagulation(
    hospital, doctor, centre, register
):
    admission = a_notice(doctor, register(), planned_procedure="", diagnosis="社区获得性肺炎")

    visit = preadmission.plan_visit(admission.pk, day=NOW.date(), actor=centre)

    assert visit.anaesthesia_appointment_id is None
    assert sorted(visit.exams.values_list("item_code", flat=True)) == sorted(
        preadmission.MEDICAL_EXAMS
    )


def exams_paid_in_cash(admission, centre):
    """The pre-admission visit planned and its exams paid at the window; the settlement."""
    preadmission.plan_visit(admission.pk, day=NOW.date(), actor=centre)
    exam_bill = Bill.objects.get(visit_reference=preadmission.visit_reference(admission))
    return settle_bill(
        SettlementRequest(bill_id=exam_bill.pk, mode="window", channel="cash"), actor=centre
    )


def booked_and_admitted(admission, ward, centre):
    services.book_bed(
        admission.pk, bed_id=bed(ward, "01", "A").pk, expected_date=NOW.date(), actor=centre
    )
    return services.admit(admission.pk, kind="code", value=str(admission.patient_id), actor=centre)


def test_admission_moves_the_visits_fees_to_the_stay_and_refunds_what_was_paid(
    hospital, doctor, centre, register, ward, clock
):
    admission = a_notice(doctor, register())
    paid = exams_paid_in_cash(admission, centre)
    visit = PreAdmissionVisit.objects.get(admission=admission)

    admitted = booked_and_admitted(admission, ward, centre)

    on_stay = Charge.objects.filter(bill_id=admitted.bill_id).exclude(code=services.BED_DAY_ITEM)
    assert on_stay.count() == len(preadmission.SURGICAL_EXAMS) + 1  # exams + consultation
    assert sum(c.amount_fen for c in on_stay) == (
        len(preadmission.SURGICAL_EXAMS) * EXAM_FEE_FEN + CONSULT_FEE_FEN
    )
    paid.payment.refresh_from_db()
    assert paid.payment.refunded_fen == paid.cash_fen  # the cash paid while waiting went back
    visit.refresh_from_db()
    assert visit.fees_moved_at is not None
    # Asking again moves nothing twice.
    preadmission.move_fees_to_stay(admitted, actor=centre)
    assert Charge.objects.filter(bill_id=admitted.bill_id).count() == on_stay.count() + 1


def test_a_paid_fee_is_charged_to_the_stay_at_the_price_paid_not_a_later_one(
    hospital, doctor, centre, register, ward, clock
):
    admission = a_notice(doctor, register())
    paid = exams_paid_in_cash(admission, centre)
    CatalogueItem.objects.filter(code__startswith=preadmission.EXAM_PRICE_PREFIX).update(
        unit_price_fen=EXAM_FEE_FEN * 2
    )

    admitted = booked_and_admitted(admission, ward, centre)

    exams_on_stay = Charge.objects.filter(
        bill_id=admitted.bill_id, code__startswith=preadmission.EXAM_PRICE_PREFIX
    )
    assert [c.amount_fen for c in exams_on_stay] == [EXAM_FEE_FEN] * len(
        preadmission.SURGICAL_EXAMS
    )
    paid.payment.refresh_from_db()
    assert paid.payment.refunded_fen == paid.cash_fen


def test_a_paid_fee_whose_item_was_withdrawn_stays_paid_where_it_was(
    hospital, doctor, centre, register, ward, clock
):
    admission = a_notice(doctor, register())
    paid = exams_paid_in_cash(admission, centre)
    withdrawn = preadmission.EXAM_PRICE_PREFIX + preadmission.SURGICAL_EXAMS[0]
    CatalogueItem.objects.filter(code=withdrawn).update(is_active=False)

    admitted = booked_and_admitted(admission, ward, centre)

    left = Charge.objects.get(code=withdrawn)
    assert (left.bill_id, left.settlement_id) == (paid.bill_id, paid.pk)
    assert not Charge.objects.filter(bill_id=admitted.bill_id, code=withdrawn).exists()
    paid.payment.refresh_from_db()
    assert paid.payment.refunded_fen == paid.cash_fen - EXAM_FEE_FEN  # the other exams only


def test_results_older_than_the_window_are_expired_at_admission(
    hospital, doctor, centre, register, ward, clock
):
    admission = a_notice(doctor, register(), planned_procedure="", diagnosis="社区获得性肺炎")
    visit = preadmission.plan_visit(admission.pk, day=NOW.date(), actor=centre)
    *_done, last = visit.exams.order_by("starts_at")
    for order in exams.orders_of_patient(admission.patient_id, actor=centre):
        if order.pk != last.exam_order_id:
            exams.complete_exam(order, actor=centre)
    later = NOW + dt.timedelta(days=preadmission.RESULTS_VALID_DAYS + 1)
    clock.set(later)
    services.book_bed(
        admission.pk, bed_id=bed(ward, "01", "A").pk, expected_date=later.date(), actor=centre
    )
    admitted = services.admit(
        admission.pk, kind="code", value=str(admission.patient_id), actor=centre
    )

    states = {s.what: s.state for s in preadmission.timeline(visit, admission=admitted)}

    assert set(states.values()) == {"expired", "pending"}
    assert list(states.values()).count("pending") == 1
