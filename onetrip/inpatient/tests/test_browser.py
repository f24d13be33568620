"""The inpatient path in a real browser (issue 25): a doctor's admission notice for a day
surgery becomes a pre-assessed, booked bed the patient sees on the phone with its date, a
pre-admission visit (the exams and the anaesthesia consultation on one morning, shown on the
centre's page and the phone), an admission identified by the patient's number with the deposit
taken at the centre and the visit's fees moved onto the stay, and a same-day discharge settled
at the bedside with the itemised list to print."""

from __future__ import annotations

import pytest

from onetrip.billing.models import Charge, DepositAccount
from onetrip.conftest import ARTIFACTS, NOW, actor_for
from onetrip.identity.models import ConsentBasis, MobileAccount, ProxyGrant, Relationship
from onetrip.inpatient import planning, preadmission, services
from onetrip.inpatient.models import Admission, AdmissionStatus
from onetrip.inpatient.tests.conftest import bed, day_ward, notice
from onetrip.inpatient.tests.test_pre_admission import prepare_hospital
from onetrip.notifications.models import Notification
from onetrip.referral.tests.test_browser import desk
from onetrip.reports.tests.test_browser import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_notice_to_bed_to_day_surgery_discharge_at_the_bedside(
    browser, live_server, phone_page, clock, tertiary, make_staff, doctor, centre, register
):
    nurse = actor_for(make_staff("ward_nurse", tertiary))
    patient = register()
    account = MobileAccount.objects.create(phone=patient.phone, created_at=NOW)
    ProxyGrant.objects.create(
        patient=patient,
        account=account,
        relationship=Relationship.SELF,
        basis=ConsentBasis.OWN_RECORD,
        granted_at=NOW,
        granted_by="test",
    )
    day_ward(centre)
    prepare_hospital(tertiary)
    services.add_day_surgery_procedure(
        code="HERNIA", name="腹股沟疝修补术", max_asa=2, min_age=18, max_age=75, actor=centre
    )

    clinic = desk(browser, live_server, doctor)
    clinic.click("#nav-admission-notice")
    clinic.fill("#id_patient", str(patient.pk))
    clinic.fill("#id_diagnosis", "右侧腹股沟斜疝")
    clinic.select_option("#id_urgency", "elective")
    clinic.fill("#id_expected_los_days", "1")
    clinic.select_option("#id_day_surgery", label="腹股沟疝修补术")
    clinic.click("#notice-form button[type=submit]")
    clinic.wait_for_selector("#admission-facts")
    admission = Admission.objects.get()

    window = desk(browser, live_server, centre)
    window.click("#nav-inpatient")
    window.click(f"#worklist tr[data-admission-id='{admission.pk}'] a")
    window.fill("#id_asa_class", "1")
    window.check("#id_escort_at_home")
    window.click("#assess-form button[type=submit]")
    window.wait_for_selector("#book-form")
    window.click("#pre-admission-form button[type=submit]")  # today, the one visit
    window.wait_for_selector("#pre-admission-timeline")
    steps = window.locator("#pre-admission-timeline li")
    assert steps.count() == len(preadmission.SURGICAL_EXAMS) + 1
    assert "麻醉科" in steps.last.inner_text()  # the consultation after the exams
    window.screenshot(path=str(ARTIFACTS / "inpatient-pre-admission.png"), full_page=True)
    window.click("#book-form button[type=submit]")  # the first fitting bed, today
    window.wait_for_selector("#ready-form")
    assert "日间手术病房" in window.inner_text("#bed")
    window.click("#ready-form button[type=submit]")
    window.wait_for_selector("#admit-form")
    assert Notification.objects.filter(phone=patient.phone, template="bed_ready").exists()

    phone = phone_page
    sign_in(phone, patient.phone)
    phone.click("#home-inpatient")
    phone.click(f"section[data-admission-id='{admission.pk}'] a")
    assert "日间手术病房" in phone.inner_text("#bed")
    assert phone.inner_text("#expected-date") == NOW.date().isoformat()
    assert (
        phone.locator("#pre-admission-timeline li").count() == len(preadmission.SURGICAL_EXAMS) + 1
    )
    phone.screenshot(path=str(ARTIFACTS / "inpatient-phone-bed.png"), full_page=True)

    window.select_option("#id_kind", "code")
    window.fill("#id_value", str(patient.pk))
    window.click("#admit-form button[type=submit]")
    window.wait_for_selector("#deposit-form")
    admission.refresh_from_db()
    moved = Charge.objects.filter(bill_id=admission.bill_id, source="exam_order")
    assert moved.count() == len(preadmission.SURGICAL_EXAMS)  # R-PAY-7: on the stay's bill
    window.fill("#id_amount", "1000")
    window.select_option("#deposit-form #id_channel", "cash")
    window.click("#deposit-form button[type=submit]")
    window.wait_for_selector("#deposit-form")

    ward = desk(browser, live_server, nurse)
    ward.goto(f"/staff/inpatient/admissions/{admission.pk}")
    ward.select_option("#id_place", "bedside")
    ward.fill("#id_notes", "术后恢复好，切口干燥，一周后门诊复查。")
    ward.click("#discharge-form button[type=submit]")
    ward.wait_for_selector("#summary-pdf")
    ward.screenshot(path=str(ARTIFACTS / "inpatient-ward-discharge.png"), full_page=True)
    pdf = ward.request.get(f"/staff/inpatient/admissions/{admission.pk}/list.pdf")
    assert pdf.body().startswith(b"%PDF")
    admission.refresh_from_db()
    assert (admission.status, admission.discharge_place) == ("discharged", "bedside")
    assert admission.counted_as_day_surgery
    assert DepositAccount.objects.get(bill=admission.bill).discharged_at is not None


def test_the_centre_proposes_the_week_changes_a_room_and_books_the_beds(
    browser, live_server, clock, centre, doctor, register, ward, monkeypatch
):
    monkeypatch.setattr(planning, "PLAN_SECONDS", 2.0)
    admission = notice(doctor, register())
    room_01 = bed(ward, "01", "A").room

    window = desk(browser, live_server, centre)
    window.click("#nav-inpatient")
    window.click("#week-plan-link")
    window.click("#propose")
    row = window.locator(f"#week-plan tr[data-admission-id='{admission.pk}']")
    row.wait_for()
    assert admission.patient.name in row.inner_text()
    row.locator("select").select_option(str(room_01.pk))
    window.screenshot(path=str(ARTIFACTS / "inpatient-week-plan.png"), full_page=True)
    window.click("#accept")
    window.wait_for_url("**/staff/inpatient/")

    admission.refresh_from_db()
    assert admission.status == AdmissionStatus.BOOKED
    assert admission.bed.room == room_01
