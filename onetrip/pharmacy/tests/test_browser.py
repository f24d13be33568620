"""Issue 20's two journeys in real browsers: a clinic prescription reviewed by the pharmacist,
paid on the phone and waiting at the window when the patient comes (called on the screen); and a
chronic patient's online follow-up, the pharmacist-reviewed e-prescription after it, payment on
the phone and delivery home against the code texted to the patient."""

from __future__ import annotations

import re

import pytest

from onetrip.conftest import ARTIFACTS
from onetrip.notifications.models import Notification
from onetrip.pharmacy.models import Delivery, DispenseOrder
from onetrip.prescribing.models import Prescription
from onetrip.prescribing.tests.conftest import write
from onetrip.referral.tests.test_browser import desk
from onetrip.reports.tests.test_browser import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def patient_machine(phone_page):
    """The shared test machine is slow at times: a minute a step."""
    phone_page.set_default_timeout(60000)


def pay_on_the_phone(phone) -> None:
    phone.click("#pay-prescription")
    phone.click("button[value=wechat]")
    phone.wait_for_url("**/sandbox/wechat/cashier/**")
    phone.click("button[type=submit]")
    phone.wait_for_url("**/p/bills/**")
    phone.wait_for_selector(".paid")


def approve(browser, live_server, rx, prescription) -> None:
    pharmacist = desk(browser, live_server, rx.pharmacist)
    pharmacist.click("#nav-rx-review")
    pharmacist.locator(f"#waiting tr[data-prescription-id='{prescription.pk}'] a").click()
    pharmacist.wait_for_selector("#no-findings")
    pharmacist.click("#approve-form button")
    pharmacist.wait_for_url("**/staff/prescriptions/review/")


def test_a_clinic_prescription_is_waiting_at_the_window(browser, live_server, phone_page, rx):
    doctor = desk(browser, live_server, rx.doctor)
    doctor.click("#nav-prescriptions")
    doctor.fill("#id_patient_id", str(rx.patient.pk))
    doctor.fill("#id_condition_code", "I10")
    doctor.fill("#id_condition_name", "原发性高血压")
    doctor.fill("#id_days", "84")
    doctor.check("#id_chronic")
    doctor.select_option("#id_drug_0", "DR-AML")
    doctor.fill("#id_dose_0", "5")
    doctor.fill("#id_quantity_0", "3")
    doctor.click("#prescription-form button[type=submit]")
    doctor.wait_for_selector("#mine tr[data-status='in_review']")
    prescription = Prescription.objects.get()

    approve(browser, live_server, rx, prescription)

    phone = phone_page
    sign_in(phone, rx.patient.phone)
    phone.click("#home-medicines")
    phone.click(f"a[data-prescription-id='{prescription.pk}']")
    pay_on_the_phone(phone)
    order = DispenseOrder.objects.get()
    phone.goto(f"/p/medicines/{prescription.pk}")
    assert "正在为您配药" in phone.inner_text("#dispense-status")

    pharmacy = desk(browser, live_server, rx.pharmacist)
    pharmacy.click("#nav-pharmacy")
    pharmacy.locator(f"#to-pick tr[data-order-id='{order.pk}'] button").click()
    pharmacy.wait_for_selector(f"#at-window tr[data-order-id='{order.pk}']")
    # The phone's page polls: the patient sees the window without reloading.
    phone.wait_for_selector("#dispense-status.ready")
    assert f"{order.window} 号窗口" in phone.inner_text("#dispense-status")
    phone.click("#arrived")
    phone.screenshot(path=str(ARTIFACTS / "pharmacy-phone-ready.png"), full_page=True)

    pharmacy.locator(f"#at-window tr[data-order-id='{order.pk}'] button.call").click()
    screen = pharmacy.context.new_page()
    screen.goto(f"{live_server.url}/staff/pharmacy/screen/")
    assert f"{order.window} 号窗口" in screen.inner_text("#board")
    assert rx.patient.name not in screen.inner_text("#board")  # masked on a public screen
    pharmacy.locator(f"#at-window tr[data-order-id='{order.pk}'] button.hand-over").click()
    order.refresh_from_db()
    assert order.status == "collected"
    assert order.ready_at <= order.arrived_at  # ready before the patient came


def test_a_chronic_patient_online_follow_up_to_home_delivery(
    browser, live_server, phone_page, rx, online_clinic
):
    write(rx, doctor=online_clinic.doctor_actor)  # the in-person diagnosis at the clinic
    phone = phone_page
    sign_in(phone, rx.patient.phone)
    phone.click("#home-online")
    phone.locator("#conditions a").first.click()
    phone.locator("#book-form button").first.click()
    phone.wait_for_url(re.compile(r".*/p/online/\d+$"))
    phone.fill("#id_text", "最近血压145/90，头不晕")
    phone.click("#send-form button[type=submit]")
    phone.wait_for_selector("#chat li.from-patient")

    doctor = desk(browser, live_server, online_clinic.doctor_actor)
    doctor.click("#nav-online-visits")
    doctor.locator("#visits a").first.click()
    assert "145/90" in doctor.inner_text("#chat")
    doctor.fill("#id_text", "血压控制尚可，继续服用氨氯地平，开4周")
    doctor.click("#send-form button[type=submit]")
    phone.wait_for_selector("#chat li.from-doctor")  # live on the patient's page
    doctor.click("#write-prescription")
    doctor.fill("#id_days", "28")
    doctor.check("#id_chronic")
    doctor.select_option("#id_drug_0", "DR-AML")
    doctor.fill("#id_dose_0", "5")
    doctor.click("#prescription-form button[type=submit]")
    doctor.wait_for_selector("#mine tr[data-status='in_review']")
    prescription = Prescription.objects.get(origin="online")

    approve(browser, live_server, rx, prescription)
    phone.goto("/p/medicines/")
    phone.click(f"a[data-prescription-id='{prescription.pk}']")
    pay_on_the_phone(phone)
    phone.goto(f"/p/medicines/{prescription.pk}")
    phone.click("#ask-delivery summary")
    phone.fill("#id_recipient_name", "张伟")
    phone.fill("#id_address", "我家")
    phone.click("#delivery-form button[type=submit]")
    phone.wait_for_selector("#delivery-form .errorlist")  # the address is checked
    phone.fill("#id_address", "浙江省杭州市西湖区文三路100号")
    phone.click("#delivery-form button[type=submit]")
    phone.wait_for_selector("#delivery-status")

    pharmacy = desk(browser, live_server, rx.pharmacist)
    pharmacy.click("#nav-pharmacy")
    pharmacy.click("#deliveries button.dispatch")
    pharmacy.wait_for_selector("#deliveries .confirm-form")
    code = Notification.objects.get(template="delivery_dispatched").params["code"]
    pharmacy.fill("#deliveries #id_code", code)
    pharmacy.click("#deliveries .confirm-form button")
    pharmacy.wait_for_selector("#deliveries .muted")
    phone.reload()
    assert "已送达" in phone.inner_text("#delivery-status")
    phone.screenshot(path=str(ARTIFACTS / "pharmacy-phone-delivered.png"), full_page=True)
    assert Delivery.objects.get().status == "delivered"
