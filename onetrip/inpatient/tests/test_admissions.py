"""The admission path: notice → worklist and phone → bed booked (rules) → ready (SMS) →
admitted by code, wristband or e-health card → deposit → transfer → discharge settled on the ward
with the bed freed and the PDFs printed."""

from __future__ import annotations

import datetime as dt

import pytest

from onetrip.billing.models import DepositAccount, PaymentChannel
from onetrip.core.errors import DomainError, InvalidInput, PermissionDenied
from onetrip.core.models import AuditEvent
from onetrip.identity import services as identity
from onetrip.inpatient import pdf, services
from onetrip.inpatient.models import Admission, AdmissionStatus, Bed
from onetrip.inpatient.tests.conftest import BED_DAY_FEN, admitted, bed, booked, notice, person
from onetrip.notifications.models import Notification

pytestmark = pytest.mark.usefixtures("clock")


def test_notice_reaches_the_centre_worklist_and_the_patients_phone(doctor, centre, patient):
    admission = notice(doctor, patient)
    assert services.worklist(actor=centre) == [admission]
    assert admission.status == AdmissionStatus.NOTICE
    sms = Notification.objects.get(template="admission_notice")
    assert sms.phone == patient.phone
    assert sms.params["path"] == f"/p/inpatient/{admission.pk}"
    assert AuditEvent.objects.filter(summary="admission notice issued (elective)").exists()


def test_only_a_doctor_issues_a_notice_and_bad_fields_are_named(doctor, centre, patient):
    with pytest.raises(PermissionDenied):
        notice(centre, patient)
    with pytest.raises(InvalidInput) as refused:
        notice(doctor, patient, diagnosis=" ", expected_los_days=0, urgency="soon")
    assert {e.field for e in refused.value.errors} == {
        "diagnosis",
        "expected_los_days",
        "urgency",
    }
    assert not Admission.objects.exists()


def test_booking_shows_the_date_and_ready_sends_the_sms(doctor, centre, patient, ward):
    admission = booked(doctor, centre, patient, bed(ward, "01", "A"))
    assert admission.expected_admission_date == dt.date(2026, 11, 25)
    assert Notification.objects.get(template="bed_booked").params["date"] == "2026-11-25"
    assert not Notification.objects.filter(template="bed_ready").exists()
    services.bed_ready(admission.pk, actor=centre)
    ready = Notification.objects.get(template="bed_ready")
    assert ready.params["bed"] == "01-A"
    board = dict(services.bed_board(actor=centre))
    states = {row.bed.pk: row.state for row in board[ward]}
    assert states[bed(ward, "01", "A").pk] == "ready"
    assert states[bed(ward, "01", "B").pk] == "free"


def test_a_held_bed_is_not_given_again(doctor, centre, patient, register, ward):
    the_bed = bed(ward, "01", "A")
    booked(doctor, centre, patient, the_bed)
    other = notice(doctor, person(register, 1))
    with pytest.raises(DomainError) as refused:
        services.book_bed(
            other.pk, bed_id=the_bed.pk, expected_date=dt.date(2026, 11, 25), actor=centre
        )
    assert refused.value.code == "bed_taken"
    assert Admission.objects.get(pk=other.pk).status == AdmissionStatus.NOTICE


def test_sex_age_and_isolation_rules(doctor, centre, patient, register, ward):
    man = notice(doctor, patient)
    # Women-only room.
    with pytest.raises(InvalidInput) as refused:
        services.book_bed(
            man.pk,
            bed_id=bed(ward, "02", "A").pk,
            expected_date=dt.date(2026, 11, 25),
            actor=centre,
        )
    assert refused.value.errors[0].code == "bed_rules"
    # The isolation room is kept for a patient who needs isolation; such a patient goes there.
    with pytest.raises(InvalidInput):
        services.book_bed(
            man.pk,
            bed_id=bed(ward, "09", "A").pk,
            expected_date=dt.date(2026, 11, 25),
            actor=centre,
        )
    services.book_bed(
        man.pk, bed_id=bed(ward, "01", "A").pk, expected_date=dt.date(2026, 11, 25), actor=centre
    )
    # A woman cannot take the other bed of the room a man holds.
    woman = notice(doctor, person(register, 2, sex="female"))
    with pytest.raises(InvalidInput):
        services.book_bed(
            woman.pk,
            bed_id=bed(ward, "01", "B").pk,
            expected_date=dt.date(2026, 11, 25),
            actor=centre,
        )
    services.book_bed(
        woman.pk, bed_id=bed(ward, "02", "A").pk, expected_date=dt.date(2026, 11, 25), actor=centre
    )
    isolated = notice(doctor, person(register, 3), needs_isolation=True)
    services.book_bed(
        isolated.pk,
        bed_id=bed(ward, "09", "A").pk,
        expected_date=dt.date(2026, 11, 25),
        actor=centre,
    )


def test_ward_age_rule(doctor, centre, register):
    children = services.create_ward(
        services.WardIn(
            code="PED", name="儿科病区", max_age=14, rooms=(("01", "any", False, ("A",)),)
        ),
        actor=centre,
    )
    adult = notice(doctor, register())
    with pytest.raises(InvalidInput):
        services.book_bed(
            adult.pk,
            bed_id=bed(children, "01", "A").pk,
            expected_date=dt.date(2026, 11, 25),
            actor=centre,
        )


def test_admission_identifies_the_patient_three_ways(doctor, centre, patient, register, ward):
    admission = booked(doctor, centre, patient, bed(ward, "01", "A"))
    with pytest.raises(InvalidInput) as refused:
        services.admit(admission.pk, kind="code", value=str(patient.pk + 1), actor=centre)
    assert refused.value.errors[0].code == "not_this_patient"
    card_id = identity.health_card_id("110101199003074477")
    identity.add_document(
        patient.pk, identity.DocumentInput("e_health_card", card_id), actor=centre
    )
    admitted_ = services.admit(
        admission.pk, kind="card", value=f"{card_id}:1:20261123235959", actor=centre
    )
    assert admitted_.status == AdmissionStatus.ADMITTED
    assert admitted_.admission_number == f"ZY20261123{admission.pk:05d}"
    # The wristband now identifies the patient at the bedside.
    services.identify(admitted_, kind="wristband", value=admitted_.admission_number.lower())
    with pytest.raises(InvalidInput):
        services.identify(admitted_, kind="wristband", value="ZY2026112300000")
    # The first bed day opened the inpatient bill.
    assert admitted_.bill.charges.get().amount_fen == BED_DAY_FEN


def test_deposit_transfer_and_discharge_settled_at_the_bedside(
    doctor, centre, nurse, patient, ward
):
    admission = admitted(doctor, centre, patient, bed(ward, "01", "A"))
    services.take_deposit(
        admission.pk, amount_fen=200_000, channel=PaymentChannel.CASH, actor=centre
    )
    services.transfer(admission.pk, bed_id=bed(ward, "01", "B").pk, reason="靠窗", actor=centre)
    assert Bed.objects.get(holder=admission) == bed(ward, "01", "B")
    assert bed(ward, "01", "A").holder is None
    with pytest.raises(PermissionDenied):
        services.discharge(
            admission.pk, services.DischargeIn(place="bedside", notes="好转"), actor=centre
        )
    done = services.discharge(
        admission.pk,
        services.DischargeIn(place="bedside", notes="术后恢复好，一周后门诊复查"),
        actor=nurse,
    )
    assert done.status == AdmissionStatus.DISCHARGED
    assert done.discharge_place == "bedside"
    account = DepositAccount.objects.get(bill=done.bill)
    assert account.discharged_at is not None
    assert account.balance_fen == 0  # 2000.00 paid in, 50.00 drawn, the rest refunded
    assert Bed.objects.filter(holder=admission).count() == 0
    assert pdf.itemised_list(done).startswith(b"%PDF")
    assert pdf.discharge_summary(done).startswith(b"%PDF")
    # Nothing happens twice: a second discharge is refused without a second settlement.
    with pytest.raises(DomainError) as again:
        services.discharge(admission.pk, services.DischargeIn(place="ward", notes="x"), actor=nurse)
    assert again.value.code == "wrong_state"


def test_a_shortfall_without_a_channel_leaves_the_patient_admitted(
    doctor, centre, nurse, patient, ward
):
    admission = admitted(doctor, centre, patient, bed(ward, "01", "A"))
    with pytest.raises(DomainError):
        services.discharge(
            admission.pk, services.DischargeIn(place="ward", notes="好转"), actor=nurse
        )
    admission.refresh_from_db()
    assert admission.status == AdmissionStatus.ADMITTED
    assert Bed.objects.get(holder=admission) == bed(ward, "01", "A")


def test_cancelled_notice_frees_the_bed(doctor, centre, patient, ward):
    admission = booked(doctor, centre, patient, bed(ward, "01", "A"))
    services.cancel_notice(admission.pk, reason="患者改期", actor=centre)
    assert bed(ward, "01", "A").holder is None


def test_other_institution_cannot_reach_the_admission(doctor, patient, make_staff, township):
    from onetrip.conftest import actor_for

    admission = notice(doctor, patient)
    outsider = actor_for(make_staff("admission", township))
    with pytest.raises(DomainError) as refused:
        services.bed_ready(admission.pk, actor=outsider)
    assert refused.value.status == 404
