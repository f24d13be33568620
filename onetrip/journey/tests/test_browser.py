"""The patient's "today" page on a phone, in a real browser (R-KPI-2): the next steps with time
and place, in Simplified Chinese, fitting a phone's width."""

import pytest

from onetrip.conftest import ARTIFACTS
from onetrip.scheduling.tests.helpers import book_at, session_on
from onetrip.scheduling.tests.test_browser import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_today_page_shows_where_and_when_to_check_in(
    phone_page, patient_actor, sessions, clerk, desk
):
    page = phone_page
    _actor, patient = patient_actor
    appointment = book_at(clerk, patient, session_on(sessions, 0), "10:00")
    book_at(clerk, patient, session_on(sessions, 2), "09:00")

    sign_in(page, patient.phone)
    page.goto("/p/today")

    steps = page.locator(".step")
    # Both window bookings left their ¥50 fee unpaid: each is a step payable on the phone.
    kinds = [steps.nth(i).get_attribute("data-kind") for i in range(steps.count())]
    assert kinds == ["check_in", "payment", "payment", "appointment"]
    first = steps.nth(0)
    assert first.get_attribute("data-kind") == "check_in"
    assert first.locator("time").inner_text() == "09:30"
    assert "内科" in first.locator(".place").inner_text()
    assert appointment.booking_number in first.inner_text()
    assert page.locator("h2", has_text="即将到来").count() == 1
    fits_the_screen = page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert fits_the_screen
    page.screenshot(path=str(ARTIFACTS / "journey-today-phone.png"), full_page=True)
    first.locator("h2 a").click()
    page.wait_for_url(f"**/p/appointments/{appointment.pk}")
