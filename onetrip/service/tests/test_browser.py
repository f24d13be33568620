"""A complaint in a real browser (R-SVC-2): the patient files it on the phone, the complaints
officer sends it to the department, the deadline passes and the sweep escalates it, the officer
records the answer and closes it, and the patient rates the closure on the phone; told at each
step. Desks at 1440×900, phones at 390×844."""

from __future__ import annotations

import datetime as dt

import pytest

from onetrip.conftest import ARTIFACTS
from onetrip.notifications.models import Notification
from onetrip.referral.tests.test_browser import desk
from onetrip.reports.tests.test_browser import sign_in
from onetrip.service.models import Complaint
from onetrip.service.services import complaints

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_complaint_from_the_app_to_its_rated_closure_after_an_escalation(
    browser, live_server, phone_page, centre, clock
):
    phone = phone_page
    sign_in(phone, centre.patient.phone)
    phone.click("#home-service")
    phone.click("#new-complaint")
    phone.select_option("#id_institution_id", str(centre.hospital.pk))
    phone.select_option("#id_kind", "complaint")
    phone.select_option("#id_cause", "waiting")
    phone.select_option("#id_severity", "high")
    phone.fill("#id_description", "上午在内科候诊两个小时无人叫号")
    phone.click("#complaint-form button[type=submit]")
    phone.wait_for_selector("#complaint-steps")
    assert "已受理" in phone.inner_text("#status")
    complaint = Complaint.objects.get()

    officer = desk(browser, live_server, centre.officer)
    officer.click("#nav-complaints")
    row = officer.locator(f"#open-complaints tr[data-complaint-id='{complaint.pk}']")
    assert centre.patient.name in row.inner_text()
    row.get_by_role("link").click()
    officer.select_option("#id_department_id", str(centre.medicine.pk))
    officer.select_option("#id_severity", "high")
    officer.click("#route-form button[type=submit]")
    assert "内科" in officer.inner_text("main")

    # A day passes with no answer: the sweep escalates it.
    clock.advance(dt.timedelta(hours=25))
    assert complaints.escalate_overdue() == 1
    officer.reload()
    assert "已升级" in officer.inner_text("#status")
    officer.fill("#id_response", "已约谈门诊部，增加上午叫号人手，并向您致歉")
    officer.click("#respond-form button[type=submit]")
    officer.click("#close-form button[type=submit]")
    assert "已办结" in officer.inner_text("#status")
    officer.screenshot(path=str(ARTIFACTS / "service-complaint-desk.png"), full_page=True)

    phone.reload()
    assert "增加上午叫号人手" in phone.inner_text("#response")
    phone.check("#id_rating_0")  # five stars
    phone.fill("#id_comment", "处理及时")
    phone.click("#rate-form button[type=submit]")
    phone.wait_for_selector("#rated")
    phone.screenshot(path=str(ARTIFACTS / "service-complaint-phone.png"), full_page=True)
    complaint.refresh_from_db()
    assert (complaint.status, complaint.rating, complaint.escalation_level) == ("closed", 5, 1)
    told = set(
        Notification.objects.filter(phone=centre.patient.phone, purpose="complaint").values_list(
            "template", flat=True
        )
    )
    assert told == {
        "complaint_received",
        "complaint_routed",
        "complaint_escalated",
        "complaint_responded",
        "complaint_closed",
    }
