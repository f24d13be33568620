"""A patient plans and books two exams in one trip on a phone, in a real browser (R-EXAM-1/2).
The reports side extends this walk to open the resulting report from the booked-plan page."""

import pytest

from onetrip.conftest import ARTIFACTS
from onetrip.exams import services
from onetrip.exams.models import ExamOrder, OrderStatus
from onetrip.scheduling.tests.test_browser import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def book_two_exam_plan_on_a_phone(page, exam_setup, doctor_actor) -> list[ExamOrder]:
    """Order an abdominal ultrasound and a gastroscopy at the desk, then plan and book them on
    the phone. Returns the orders; the page is left on the booked plan."""
    orders = [
        services.place_exam_order(
            patient_id=exam_setup.patient.pk, item_code=code, actor=doctor_actor
        )
        for code in ("GASTROSCOPY", "US_ABD")
    ]
    sign_in(page, exam_setup.patient.phone)
    page.goto("/p/exams/")
    page.click("a.plan-exams")
    page.wait_for_selector("#plan-form")
    assert page.locator(".proposed-exam").count() == 2
    explanation = page.locator("#plan-explanation").inner_text()
    assert "一次" in explanation  # one visit
    assert "胃镜会使胃肠积气" in explanation  # why the ultrasound comes first
    page.click("#confirm-plan")
    page.wait_for_url("**/p/exams/plans/*/")
    return orders


def test_a_patient_books_a_two_exam_plan_on_a_phone(
    phone_page, exam_setup, doctor_actor, phone_actor
):
    page = phone_page
    orders = book_two_exam_plan_on_a_phone(page, exam_setup, doctor_actor)

    booked = page.locator(".booked-exam")
    assert booked.count() == 2
    placers = [booked.nth(i).get_attribute("data-placer") for i in range(2)]
    ultrasound, gastroscopy = orders[1], orders[0]
    assert placers == [ultrasound.placer_number, gastroscopy.placer_number]
    assert set(ExamOrder.objects.values_list("status", flat=True)) == {OrderStatus.BOOKED}
    fits_the_screen = page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert fits_the_screen
    page.screenshot(path=str(ARTIFACTS / "exam-plan-phone.png"), full_page=True)
