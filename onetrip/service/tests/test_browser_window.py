"""An errand at the one window in a real browser (R-SVC-1): the service centre opens a ticket
for a certificate to stamp from the catalogue, and finishes it with the hospital's one seal;
the patient is told by SMS."""

from __future__ import annotations

import pytest

from onetrip.conftest import ARTIFACTS
from onetrip.notifications.models import Notification
from onetrip.referral.tests.test_browser import desk
from onetrip.service.models import ErrandTicket

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_errand_at_the_window_from_ticket_to_stamp(browser, live_server, centre):
    window = desk(browser, live_server, centre.window)
    window.click("#nav-one-window")
    assert "诊断证明审核盖章" in window.inner_text("#catalogue")
    window.select_option("#id_errand", "certificate_stamp")
    window.fill("#id_contact_name", "张伟")
    window.fill("#id_contact_phone", "13812345678")
    window.fill("#id_details", "诊断证明书一份")
    window.click("#ticket-form button[type=submit]")
    window.wait_for_selector("#done-form")
    assert "办理中" in window.inner_text("#status")
    window.click("#done-form button[type=submit]")
    window.wait_for_selector("#status >> text=已办结")
    window.screenshot(path=str(ARTIFACTS / "service-one-window.png"), full_page=True)
    ticket = ErrandTicket.objects.get()
    assert (ticket.status, ticket.on_time) == ("done", True)
    assert Notification.objects.filter(phone="13812345678", template="errand_done").exists()
