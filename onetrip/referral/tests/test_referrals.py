"""Two-way referral through the services (R-REF-1): an upward referral books the hospital's
reserved primary-care pool in one step, the referral office answers it, the visit is tracked
from scheduling's record, and a downward referral's follow-ups are booked at the township."""

from __future__ import annotations

import datetime as dt

import pytest

from onetrip.conftest import NOW, actor_for
from onetrip.consortium import services as consortium
from onetrip.consortium.models import Doctor, InstitutionLevel
from onetrip.core.actors import SYSTEM
from onetrip.core.errors import InvalidInput, NotFound, PermissionDenied
from onetrip.core.events import EventKind
from onetrip.core.models import AuditEvent, DomainEvent
from onetrip.exams import catalogue
from onetrip.notifications.models import Notification
from onetrip.referral import queries
from onetrip.referral.models import Referral, ReferralStatus
from onetrip.referral.services import contracts, referrals
from onetrip.referral.services.referrals import ReferralRefused
from onetrip.referral.tests.conftest import (
    arrive,
    back_down,
    primary_care_slot,
    refer,
    township_slot,
)
from onetrip.scheduling.models import Appointment, SlotPool

pytestmark = pytest.mark.django_db


def test_an_upward_referral_books_the_reserved_primary_care_pool_and_tells_the_patient(care):
    slot = primary_care_slot(care)
    referral = refer(care, slot)

    booking = Appointment.objects.get(pk=referral.appointment_id)
    assert (booking.slot_id, booking.channel, booking.pool.kind) == (
        slot.pk,
        "primary_care",
        "primary_care",
    )
    assert referral.status == ReferralStatus.SENT
    assert (referral.from_institution, referral.to_institution) == (care.township, care.hospital)
    notice = Notification.objects.get(template="referral_sent")
    assert notice.params["path"] == f"/p/referrals/{referral.pk}"
    sent = DomainEvent.objects.get(kind=EventKind.REFERRAL_SENT)
    assert (sent.institution_id, sent.data["booking_id"]) == (care.township.pk, booking.pk)
    # The hospital's office sees the patient's record for the visit.
    assert queries.referral_for(referral.pk, actor=care.office).stage == "waiting"


def test_the_same_form_sent_twice_makes_one_referral(care):
    first = refer(care, idempotency_key="form-1")
    again = refer(care, idempotency_key="form-1")
    assert again.pk == first.pk
    assert Referral.objects.count() == 1


def test_bad_input_names_each_field_and_writes_nothing(care):
    before = (Referral.objects.count(), Appointment.objects.count(), AuditEvent.objects.count())
    with pytest.raises(InvalidInput) as refusal:
        refer(care, reason=" ", diagnosis="", exam_item_code="CT_HEAD")
    assert {e.field for e in refusal.value.errors} == {"reason", "diagnosis", "slot_id"}
    assert (
        Referral.objects.count(),
        Appointment.objects.count(),
        AuditEvent.objects.count(),
    ) == before


def test_a_time_of_another_department_is_refused_and_its_unit_given_back(care):
    surgery = consortium.add_department(care.hospital, code="SURG", name="外科", actor=SYSTEM)
    with pytest.raises(InvalidInput) as refusal:
        refer(care, department_id=surgery.pk)
    assert refusal.value.errors[0].code == "other_department"
    assert not Appointment.objects.exists()
    assert not SlotPool.objects.filter(booked__gt=0).exists()


def test_hospitals_do_not_refer_upward(care):
    with pytest.raises(InvalidInput):
        referrals.refer_up(
            referrals.UpwardReferral(
                patient_id=care.patient.pk,
                department_id=care.medicine.pk,
                reason="x",
                diagnosis="y",
                slot_id=primary_care_slot(care).pk,
            ),
            actor=care.hospital_doctor,
        )


def test_only_the_sending_and_receiving_institutions_see_a_referral(care, make_staff):
    referral = refer(care)
    other_township = consortium.create_institution(
        code="T002", name="西山乡卫生院", level=InstitutionLevel.TOWNSHIP, actor=SYSTEM
    )
    other_county = consortium.create_institution(
        code="C002", name="西山县人民医院", level=InstitutionLevel.COUNTY, actor=SYSTEM
    )
    for stranger in (make_staff("doctor", other_township), make_staff("referral", other_county)):
        with pytest.raises(NotFound):
            queries.referral_for(referral.pk, actor=actor_for(stranger))
    views = AuditEvent.objects.filter(object_type="referral.referral", action="view")
    queries.referral_for(referral.pk, actor=care.family_doctor)
    queries.referral_for(referral.pk, actor=care.office)
    assert views.count() == 2


def test_the_office_accepts_and_the_visit_is_tracked_from_the_check_in(care, clock):
    referral = refer(care, primary_care_slot(care, days_ahead=0))
    clock.advance(dt.timedelta(minutes=42))
    referrals.accept_referral(referral.pk, actor=care.office)
    answered = DomainEvent.objects.get(kind=EventKind.REFERRAL_ANSWERED)
    assert (answered.institution_id, answered.data["minutes"]) == (care.hospital.pk, 42)
    assert queries.referral_for(referral.pk, actor=care.office).stage == "booked"

    arrive(care, referral)
    assert queries.referral_for(referral.pk, actor=care.family_doctor).stage == "visited"
    work = queries.office_worklist(actor=care.office)
    assert [t.referral for t in work.recent] == [referral]

    with pytest.raises(ReferralRefused):
        referrals.accept_referral(referral.pk, actor=care.office)


def test_a_redirection_gives_its_reason_and_gives_the_unit_back(care):
    referral = refer(care)
    with pytest.raises(InvalidInput):
        referrals.redirect_referral(referral.pk, reason="", actor=care.office)
    referrals.redirect_referral(referral.pk, reason="建议转心内科专科医院", actor=care.office)

    referral.refresh_from_db()
    assert referral.status == ReferralStatus.REDIRECTED
    assert Appointment.objects.get(pk=referral.appointment_id).status == "cancelled"
    assert not SlotPool.objects.filter(booked__gt=0).exists()
    stage = queries.doctor_worklist(actor=care.family_doctor).sent_up[0].stage
    assert stage == "redirected"
    assert Notification.objects.filter(template="referral_redirected").exists()


def test_a_family_doctor_cannot_answer_for_the_office(care):
    referral = refer(care)
    with pytest.raises((NotFound, PermissionDenied)):
        referrals.accept_referral(referral.pk, actor=care.family_doctor)
    with pytest.raises(PermissionDenied):
        referrals.accept_referral(referral.pk, actor=care.hospital_doctor)


def test_the_green_channel_moves_an_urgent_referral_to_an_earlier_time(care):
    referral = refer(care, primary_care_slot(care, days_ahead=8), urgency="urgent")
    today = (
        SlotPool.objects.filter(department=care.medicine, kind="window", starts_at__date=NOW.date())
        .filter(starts_at__gt=NOW)
        .order_by("starts_at")
        .first()
        .slot
    )
    referrals.open_green_channel(referral.pk, slot_id=today.pk, actor=care.office)

    referral.refresh_from_db()
    assert referral.status == ReferralStatus.ACCEPTED
    assert referral.green_channel_at is not None
    assert referral.appointment.slot_id == today.pk
    assert Appointment.objects.filter(status="cancelled").count() == 1
    event = DomainEvent.objects.get(kind=EventKind.REFERRAL_ANSWERED)
    assert event.data["booking_id"] == referral.appointment_id


def test_the_green_channel_is_for_urgent_referrals(care):
    referral = refer(care)
    with pytest.raises(ReferralRefused):
        referrals.open_green_channel(
            referral.pk, slot_id=primary_care_slot(care, index=1).pk, actor=care.office
        )


def test_a_downward_referral_lands_on_the_family_doctors_worklist_and_its_follow_up_is_booked(
    care,
):
    refer(care)  # the patient is known at the hospital from the upward referral
    down = back_down(care, 7, 21)
    plans = queries.doctor_worklist(actor=care.family_doctor).plans_received
    assert [t.referral for t in plans] == [down]
    follow_up = down.care_plan.follow_ups.order_by("due_date").first()
    slot = township_slot(care, NOW.date() + dt.timedelta(days=7))

    referrals.book_follow_up(follow_up.pk, slot_id=slot.pk, actor=care.family_doctor)

    follow_up.refresh_from_db()
    assert follow_up.appointment.slot_id == slot.pk
    down.refresh_from_db()
    assert down.status == ReferralStatus.ACCEPTED
    assert down.care_plan.acknowledged_at is not None
    with pytest.raises(ReferralRefused):
        referrals.book_follow_up(follow_up.pk, slot_id=slot.pk, actor=care.family_doctor)


def test_a_follow_up_is_booked_at_the_township_not_at_the_hospital(care):
    refer(care)
    down = back_down(care, 7)
    follow_up = down.care_plan.follow_ups.get()
    with pytest.raises(InvalidInput):
        referrals.book_follow_up(
            follow_up.pk, slot_id=primary_care_slot(care, 7).pk, actor=care.family_doctor
        )
    assert not Appointment.objects.filter(channel="in_clinic").exists()


def test_a_care_plan_needs_its_follow_ups_and_warning_signs(care):
    refer(care)
    with pytest.raises(InvalidInput) as refusal:
        back_down(care, warning_signs="", follow_ups=[])
    assert {e.field for e in refusal.value.errors} == {"warning_signs", "follow_ups"}


def test_an_upward_referral_for_large_equipment_orders_the_exam_at_the_hospital(care):
    catalogue.load_default_catalogue()
    catalogue.equip_institution(care.hospital.pk, {"ct": 1}, NOW.date(), 3)
    referral = refer(care, slot_id=None, exam_item_code="CT_HEAD")

    tracked = queries.referral_for(referral.pk, actor=care.family_doctor)
    assert (tracked.exam.item_code, tracked.exam.performing_institution_id) == (
        "CT_HEAD",
        care.hospital.pk,
    )
    assert tracked.stage == "waiting"
    referrals.accept_referral(referral.pk, actor=care.office)
    assert queries.referral_for(referral.pk, actor=care.office).stage == "exam_to_book"
    # The same CT while the first is still open is refused (D116), and no referral is written.
    before = Referral.objects.count()
    with pytest.raises(InvalidInput):
        refer(care, slot_id=None, exam_item_code="CT_HEAD", diagnosis="头痛待查")
    assert Referral.objects.count() == before
    # Redirecting another one cancels its exam order.
    other = refer(care, slot_id=None, exam_item_code="CT_CHEST", diagnosis="咳嗽待查")
    referrals.redirect_referral(other.pk, reason="建议先行MRI检查", actor=care.office)
    assert queries.referral_for(other.pk, actor=care.office).exam.status == "cancelled"


def test_a_patient_has_one_open_family_doctor_contract(care):
    team = contracts.add_team(
        institution_id=care.township.pk,
        name="东山乡家庭医生一队",
        lead_doctor_id=Doctor.objects.get(user=care.family_doctor.user).pk,
    )
    contracts.offer_contract(care.patient.pk, team_id=team.pk, actor=care.family_doctor)
    with pytest.raises(ReferralRefused):
        contracts.offer_contract(care.patient.pk, team_id=team.pk, actor=care.family_doctor)
    with pytest.raises(PermissionDenied):
        contracts.sign_contract(
            contracts.open_contract(care.patient.pk).pk, actor=care.family_doctor
        )
