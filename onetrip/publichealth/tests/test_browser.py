"""Public health in a real browser: a child's vaccination from the parent's booking to the
scanned dose and the observation timer on both screens; a lot recall reaching the parent's
phone; a birth application from the phone to its three outcomes; a pregnancy registered at the
desk, its first check booked on the mother's phone, and the child's growth chart there."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import translation

from onetrip.conftest import ARTIFACTS, NOW, actor_for
from onetrip.notifications.testing import delivered
from onetrip.publichealth.models import (
    AgencyStatus,
    AntenatalCheck,
    BirthApplication,
    Dose,
    VaccinationVisit,
)
from onetrip.publichealth.services import births
from onetrip.publichealth.tests import factories
from onetrip.publichealth.tests.factories import HEPB_PREFIX, trace_code
from onetrip.referral.tests.test_browser import desk
from onetrip.reports.tests.test_browser import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
TIMER = re.compile(r"^(29|30):\d\d$")


def test_a_childs_vaccination_from_booking_to_the_scanned_dose_and_observation(
    browser, live_server, phone_page, clinic
):
    lot = factories.a_lot(clinic.nurse)
    phone = phone_page
    sign_in(phone, clinic.mother.phone)
    phone.click("#home-vaccination")
    phone.click("#book-vaccination")
    phone.select_option("#id_patient_id", str(clinic.child.pk))
    phone.select_option("#id_product_code", "HepB")
    phone.fill("#id_dose_number", "2")
    phone.click("#book-form button[type=submit]")
    phone.wait_for_selector("#visit-status")
    visit = VaccinationVisit.objects.get(patient=clinic.child)
    assert visit.appointment.session.date == NOW.date()

    nurse = desk(browser, live_server, clinic.nurse)
    nurse.click("#nav-vaccination")
    nurse.locator(f"tr[data-visit-id='{visit.pk}']").get_by_role("link").click()
    for question in ("fever", "allergy", "reaction", "immune", "neuro"):
        nurse.check(f"#id_{question}_0")  # no
    nurse.fill("#id_consent_by", "王芳")
    nurse.click("#screening-form button[type=submit]")
    nurse.fill("#id_trace_code", trace_code(HEPB_PREFIX, 2))  # as the scanner types it
    nurse.select_option("#id_site", "left_thigh")
    nurse.click("#dose-form button[type=submit]")
    nurse.wait_for_selector("#observation-timer")
    assert nurse.inner_text("#dose-code") == trace_code(HEPB_PREFIX, 2)
    assert TIMER.match(nurse.inner_text("#observation-timer"))
    nurse.screenshot(path=str(ARTIFACTS / "publichealth-dose-desk.png"), full_page=True)

    dose = Dose.objects.get(visit=visit)
    assert dose.lot == lot
    phone.reload()
    phone.click("#dose-link")
    phone.wait_for_selector("#observation-timer")
    assert TIMER.match(phone.inner_text("#observation-timer"))
    assert phone.inner_text("#dose-lot") == lot.lot_number
    phone.screenshot(path=str(ARTIFACTS / "publichealth-observation-phone.png"), full_page=True)


def test_a_lot_recall_reaches_the_parents_phone(browser, live_server, phone_page, clinic):
    lot = factories.a_lot(clinic.nurse)
    dose = factories.given(
        factories.booked(clinic.child, clinic.parent, clinic.hospital),
        clinic.nurse,
        trace_code(HEPB_PREFIX, 1),
    )
    nurse = desk(browser, live_server, clinic.nurse)
    nurse.goto(f"/staff/vaccination/lots/{lot.pk}")
    assert nurse.locator("tr.recipient").count() == 1
    nurse.fill("#id_reason", "冷链运输温度超标")
    nurse.click("#recall-form button[type=submit]")
    nurse.wait_for_selector("#recalled")

    notice = delivered(phone=clinic.mother.phone, template="vaccine_lot_recalled").get()
    assert lot.lot_number in notice.body
    link = re.search(r"/p/vaccination/doses/\d+", notice.body).group()
    assert link.endswith(f"/{dose.pk}")
    phone = phone_page
    sign_in(phone, clinic.mother.phone)
    phone.goto(link)
    assert "冷链运输温度超标" in phone.inner_text("#recall-notice")
    phone.screenshot(path=str(ARTIFACTS / "publichealth-recall-phone.png"), full_page=True)


def test_a_birth_application_from_the_phone_to_its_three_outcomes(phone_page, clinic, clock):
    phone = phone_page
    sign_in(phone, clinic.mother.phone)
    phone.click("#home-vaccination")
    phone.click("#apply-birth")
    phone.select_option("#id_mother_id", str(clinic.mother.pk))
    phone.select_option("#id_institution_id", str(clinic.hospital.pk))
    phone.fill("#id_child_name", "王小满")
    phone.select_option("#id_child_sex", "female")
    phone.fill("#id_born_at", "2026-11-21T03:15")
    phone.fill("#id_weight_grams", "3250")
    phone.fill("#id_father_name", "李强")
    phone.click("#birth-form button[type=submit]")
    phone.wait_for_selector("#certificate-number")
    application = BirthApplication.objects.get()
    assert phone.inner_text("#certificate-number") == application.certificate_number
    with translation.override("zh-hans"):
        accepted = str(AgencyStatus.ACCEPTED.label)
        completed = str(AgencyStatus.COMPLETED.label)
    assert phone.inner_text("#household-status") == accepted
    assert phone.inner_text("#insurance-status") == accepted

    clock.advance(dt.timedelta(hours=2))
    assert births.track_births() == 2
    phone.reload()
    assert phone.inner_text("#household-status") == completed
    assert phone.inner_text("#insurance-status") == completed
    assert application.newborn.name == "王小满"
    phone.screenshot(path=str(ARTIFACTS / "publichealth-birth-phone.png"), full_page=True)


def test_a_pregnancy_registered_a_check_booked_and_the_growth_chart_on_the_phone(
    browser, live_server, phone_page, clinic, make_staff
):
    factories.mch_clinic(clinic.hospital)
    staff = desk(browser, live_server, actor_for(make_staff("maternal_child", clinic.hospital)))
    last_period = NOW.date() - dt.timedelta(days=60)
    staff.click("#nav-maternal-child")
    staff.fill("#id_patient_id", str(clinic.mother.pk))
    staff.fill("#id_last_period", last_period.isoformat())
    staff.fill("#id_gravida", "2")
    staff.fill("#id_para", "1")
    staff.click("#pregnancy-form button[type=submit]")
    staff.wait_for_selector("#due-date")
    assert staff.inner_text("#due-date") == f"{last_period + dt.timedelta(days=280):%Y-%m-%d}"

    phone = phone_page
    sign_in(phone, clinic.mother.phone)
    phone.click("#home-maternal-child")
    phone.click(".pregnancy-link")
    phone.select_option("#id_number", "1")
    phone.click("#book-check-form button[type=submit]")
    phone.wait_for_selector("tr.antenatal-check[data-number='1'] .booked-time")
    check = AntenatalCheck.objects.get(pregnancy__patient=clinic.mother, number=1)
    assert check.appointment.patient_id == clinic.mother.pk
    assert check.appointment.session.department.code == "MCH"
    phone.screenshot(path=str(ARTIFACTS / "publichealth-pregnancy-phone.png"), full_page=True)

    staff.goto(f"{live_server.url}/staff/maternal-child/children/{clinic.child.pk}")
    staff.select_option("#id_age_months", "1")
    staff.fill("#id_weight_grams", "4500")
    staff.fill("#id_length_mm", "547")
    staff.fill("#id_head_mm", "372")
    staff.click("#child-check-form button[type=submit]")
    staff.wait_for_selector("circle.measurement")

    phone.click("a[href='/p/maternal-child/']")
    phone.click(f".child-link[data-patient-id='{clinic.child.pk}']")
    phone.wait_for_selector("svg.growth-chart")
    assert phone.locator("svg.growth-chart").count() == 2
    assert phone.locator("circle.measurement").count() == 2
    phone.screenshot(path=str(ARTIFACTS / "publichealth-growth-phone.png"), full_page=True)
