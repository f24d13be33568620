"""Two-way referral in a real browser (R-REF-1): a township family doctor refers a patient from
the desk into the hospital's reserved pool, the referral office accepts, the patient arrives and
the office sees the visit; the patient sees the booking on the phone. Then the hospital refers
the patient back with a care plan, the family doctor books the follow-up at the township, and the
patient reads the plan and its warning signs on the phone. Desks at 1440×900, phones at 390×844."""

from __future__ import annotations

import datetime as dt

import pytest

from onetrip.conftest import ARTIFACTS, NOW, STAFF_PASSWORD
from onetrip.referral.models import FollowUp, Referral
from onetrip.referral.tests.conftest import phone_of, refer
from onetrip.reports.tests.test_browser import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def desk(browser, live_server, actor):
    context = browser.new_context(
        locale="zh-CN", base_url=live_server.url, viewport={"width": 1440, "height": 900}
    )
    page = context.new_page()
    page.goto("/staff/login")
    page.fill("#id_username", actor.user.username)
    page.fill("#id_password", STAFF_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/staff/**")
    return page


def find_patient(page, name: str) -> None:
    page.click("nav >> text=转诊")
    page.fill("#referral-q", name)
    page.click("#referral-q ~ button, form.row button[type=submit]")
    page.click(f"table.found >> text={name}")


def test_an_upward_referral_from_the_township_desk_to_the_hospital_visit(
    browser, live_server, phone_page, care
):
    doctor = desk(browser, live_server, care.family_doctor)
    find_patient(doctor, care.patient.name)
    doctor.click("#patient-actions >> text=转诊到医院")
    doctor.select_option("#department", str(care.medicine.pk))
    doctor.click("#choose-department button")
    doctor.fill("#id_reason", "血压控制不佳，需专科调整用药")
    doctor.fill("#id_diagnosis", "高血压3级")
    doctor.check("#field-slot_id input[type=radio] >> nth=0")
    doctor.check("#id_record_shared")
    doctor.screenshot(path=str(ARTIFACTS / "referral-township-desk.png"), full_page=True)
    doctor.click("#referral-form button[type=submit]")
    doctor.wait_for_selector("#referral-letter")
    assert "等待答复" in doctor.inner_text("#stage")
    referral = Referral.objects.get()

    office = desk(browser, live_server, care.office)
    office.click("nav >> text=转诊办公室")
    row = office.locator(f"#to-answer tr[data-referral-id='{referral.pk}']")
    assert care.patient.name in row.inner_text()
    office.screenshot(path=str(ARTIFACTS / "referral-office-worklist.png"), full_page=True)
    row.get_by_role("link", name="答复").click()
    office.click("#answer button >> text=接收")
    assert "已预约，待就诊" in office.inner_text("#stage")

    # The patient arrives: the hospital's nurse checks the booking number in at the clinic desk.
    referral.refresh_from_db()
    session_id = referral.appointment.session_id
    nurse = desk(browser, live_server, care.nurse)
    nurse.goto("/staff/clinic/today")
    nurse.click(f"a[href='/staff/clinic/sessions/{session_id}/desk']")
    check_in_form = nurse.locator("form", has=nurse.locator("#booking_number"))
    check_in_form.locator("#booking_number").fill(referral.appointment.booking_number)
    with nurse.expect_navigation():
        check_in_form.locator("button[type=submit]").click()
    referral.appointment.refresh_from_db()
    assert referral.appointment.status == "checked_in"
    office.goto("/staff/referrals/office")
    assert "已就诊" in office.inner_text("#closed")

    phone_of(care.patient)
    sign_in(phone_page, care.patient.phone)
    phone_page.click("text=我的转诊与家庭医生")
    card = phone_page.locator(f".referral[data-referral-id='{referral.pk}']")
    assert referral.appointment.booking_number in card.inner_text()
    card.click()
    assert "已就诊" in phone_page.inner_text("#stage")
    width = phone_page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390
    phone_page.screenshot(path=str(ARTIFACTS / "referral-phone.png"), full_page=True)


def test_a_downward_referral_with_its_follow_up_booked_at_the_township(
    browser, live_server, phone_page, care
):
    refer(care)  # the patient came up by referral, so the hospital knows them
    hospital = desk(browser, live_server, care.hospital_doctor)
    find_patient(hospital, care.patient.name)
    hospital.click("#patient-actions >> text=转回基层")
    hospital.select_option("#id_to_institution_id", str(care.township.pk))
    hospital.fill("#id_reason", "住院调整用药后血压平稳")
    hospital.fill("#id_diagnosis", "高血压3级")
    hospital.fill("#id_medication", "氨氯地平 5mg 每日一次")
    hospital.fill("#id_warning_signs", "头痛剧烈、胸痛、血压高于180/110")
    due = NOW.date() + dt.timedelta(days=7)
    hospital.fill("#id_follow_up_0_date", due.isoformat())
    hospital.fill("#id_follow_up_0_purpose", "复查血压")
    hospital.click("#care-plan-form button[type=submit]")
    hospital.wait_for_selector("#care-plan")

    doctor = desk(browser, live_server, care.family_doctor)
    doctor.click("nav >> text=转诊")
    doctor.click("#plans-received >> text=详情")
    doctor.click("#care-plan button >> text=预约复诊")
    doctor.wait_for_selector("#care-plan")
    assert "已预约" in doctor.inner_text("#care-plan")
    doctor.screenshot(path=str(ARTIFACTS / "referral-family-doctor-follow-up.png"), full_page=True)
    follow_up = FollowUp.objects.get()
    assert follow_up.appointment.session.institution_id == care.township.pk
    assert follow_up.appointment.visit_date >= due - dt.timedelta(days=2)

    phone_of(care.patient)
    sign_in(phone_page, care.patient.phone)
    phone_page.goto("/p/referrals/")
    phone_page.click(".referral >> text=康复计划")
    plan = phone_page.inner_text("#care-plan")
    assert "血压高于180/110" in plan
    assert "已预约" in plan
    phone_page.screenshot(path=str(ARTIFACTS / "referral-care-plan-phone.png"), full_page=True)
