"""Issue 15 journey (e) on a phone: the report SMS carries an absolute link built from the
site's address; opening it (signing in on the way) shows the report with its abnormal values
flagged."""

from __future__ import annotations

import re

import pytest

from onetrip.conftest import ARTIFACTS, NOW
from onetrip.identity.models import ConsentBasis, MobileAccount, ProxyGrant, Relationship
from onetrip.notifications.testing import delivered
from onetrip.reports import services
from onetrip.reports.tests.messages import GLUCOSE, POTASSIUM_CRITICAL, oru

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_e_open_a_report_from_the_sms_link(phone_page, place_order, lab, live_server, settings):
    settings.ONETRIP_SITE_URL = live_server.url
    page = phone_page
    page.set_default_timeout(60000)  # the shared test machine is slow at times
    page.set_default_navigation_timeout(60000)
    blood = place_order("BLOOD_FASTING")
    patient = blood.patient
    account = MobileAccount.objects.create(phone=patient.phone, created_at=NOW)
    ProxyGrant.objects.create(
        patient=patient,
        account=account,
        relationship=Relationship.SELF,
        basis=ConsentBasis.OWN_RECORD,
        granted_at=NOW,
        granted_by="test",
    )
    services.receive_hl7(
        oru(placer=blood.placer_number, observations=(GLUCOSE, POTASSIUM_CRITICAL)), actor=lab
    )
    sms = delivered().get(purpose="report_ready", phone=patient.phone).body
    link = re.search(r"https?://\S+", sms).group()
    assert link.startswith(live_server.url + "/p/reports/")
    assert patient.name[0] in sms  # the patient, masked, and the hospital are named

    page.goto(link)  # the tap in the SMS app
    taps = 1
    page.wait_for_selector("#id_phone")
    page.fill("#id_phone", patient.phone)
    page.locator("button[type=submit]").tap()
    page.wait_for_selector("#id_code")
    code = re.search(r"\d{6}", delivered().get(phone=patient.phone, purpose="sign_in_code").body)
    page.fill("#id_code", code.group())
    page.locator("button[type=submit]").tap()
    taps += 2
    page.wait_for_url(link)

    potassium = page.locator(".observation[data-code='2823-3']")
    assert potassium.get_attribute("data-flag") == "HH"
    assert page.locator(".observation .tag.flag").count() >= 1
    assert page.locator(".notice.critical").is_visible()
    assert taps == 3  # the link, then the sign-in on the way (phone, code)
    page.screenshot(path=str(ARTIFACTS / "phone-e-report-from-sms.png"), full_page=True)
