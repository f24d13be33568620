"""A chest-pain call in a real browser (issue 22's "done when"): the dispatcher takes and
triages it and dispatches the nearest ambulance; the crew records the run on the phone,
identifies the patient and sends vital signs and the 12-lead ECG; the hospital's board shows the
ECG and the expected arrival before the patient, the team is activated before the door; the
cath-lab timeline is recorded and the fees, charged after treatment, are settled after."""

from __future__ import annotations

import pytest

from onetrip.billing.models import Bill, PaymentChannel, SettlementMode
from onetrip.billing.services import settlements
from onetrip.conftest import ARTIFACTS, STAFF_PASSWORD, actor_for
from onetrip.demo.emergency import ecg_png
from onetrip.emergency.models import Run
from onetrip.emergency.tests.conftest import make_world
from onetrip.emergency.tests.files import AECG_XML
from onetrip.referral.tests.test_browser import desk

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def crew_phone(browser, live_server, actor):
    context = browser.new_context(
        locale="zh-CN",
        base_url=live_server.url,
        viewport={"width": 390, "height": 844},
        is_mobile=True,
        has_touch=True,
    )
    page = context.new_page()
    page.goto("/staff/login")
    page.fill("#id_username", actor.user.username)
    page.fill("#id_password", STAFF_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/staff/**")
    return page


def test_a_chest_pain_call_from_the_dispatcher_to_the_cath_lab_and_the_bill(
    browser, live_server, tertiary, make_staff, register, tmp_path
):
    world = make_world(tertiary, make_staff)
    patient = register()

    dispatcher = desk(browser, live_server, world.dispatcher)
    dispatcher.click("#nav-dispatch")
    dispatcher.fill("#id_caller_phone", "13905781111")
    dispatcher.select_option("#id_zone_id", str(world.zones.city.pk))
    dispatcher.fill("#id_address", "解放路 56 号")
    dispatcher.fill("#id_complaint", "胸口压榨样疼痛 40 分钟")
    dispatcher.check("#id_q_chest_pain")
    dispatcher.click("#new-call button[type=submit]")
    dispatcher.wait_for_selector("#open-calls >> text=胸痛")
    assert "120-01" in dispatcher.inner_text("#open-calls")  # nearest by road time
    dispatcher.click("#open-calls button.dispatch")
    dispatcher.wait_for_selector("#runs >> text=120-01")
    run = Run.objects.get()

    phone = crew_phone(browser, live_server, world.crew)
    phone.goto("/staff/emergency/crew/")
    phone.click("#crew-runs a")
    phone.click("#moment-wheels_rolling")
    phone.click("#moment-on_scene")
    phone.wait_for_selector("p#moment-on_scene")
    phone.select_option("#destination", str(world.centre.pk))
    phone.click("text=送往该医院")
    phone.select_option("#id_doc_type", "resident_id")
    phone.fill("#id_number", "110101199003074477")
    phone.click("text=识别患者身份")
    phone.wait_for_selector("#patient-identified")
    for field, value in (
        ("heart_rate", "104"),
        ("systolic", "96"),
        ("diastolic", "60"),
        ("spo2", "94"),
        ("respiratory_rate", "22"),
        ("gcs", "15"),
    ):
        phone.fill(f"#id_{field}", value)
    phone.click("text=发送生命体征")
    waveform, image = tmp_path / "ecg.xml", tmp_path / "ecg.png"
    waveform.write_bytes(AECG_XML)
    image.write_bytes(ecg_png())
    phone.set_input_files("#id_waveform", str(waveform))
    phone.set_input_files("#id_image", str(image))
    phone.click("text=发送心电图")
    phone.wait_for_selector("text=心电图已发送至接收医院。")
    phone.screenshot(path=str(ARTIFACTS / "emergency-crew-phone.png"), full_page=True)

    # Before the door: the hospital's board shows the ECG, the vitals and the expected time.
    hospital = desk(browser, live_server, world.department)
    hospital.click("#nav-arrivals")
    row = hospital.locator(f"#arrivals tr[data-run='{run.pk}']")
    row.locator("img.ecg-thumb").wait_for()
    assert "104" in row.inner_text()
    assert "分钟后" in row.inner_text()
    row.locator("button.activate").click()
    hospital.wait_for_selector(f"#arrivals tr[data-run='{run.pk}'] >> text=已启动")
    hospital.screenshot(path=str(ARTIFACTS / "emergency-hospital-board.png"), full_page=True)
    run.refresh_from_db()
    assert run.at_hospital_at is None  # all of this before the patient arrived

    phone.click("#moment-leaving_scene")
    phone.click("#moment-at_hospital")
    phone.wait_for_selector("p#moment-at_hospital")

    hospital.goto(f"/staff/emergency/arrivals/{run.pk}")
    for code in ("ecg_diagnosis", "cath_lab", "wire"):
        hospital.select_option("#id_code", code)
        hospital.click("#milestone-form button[type=submit]")
        hospital.wait_for_selector("text=节点已记录。")
    assert hospital.locator("#clocks tr[data-clock='door_to_wire'] .tag.ok").count() == 1
    for fee in ("EMG-AMBULANCE", "EMG-PCI"):
        hospital.select_option("#id_item_code", fee)
        hospital.click("#fee-form button[type=submit]")
        hospital.wait_for_selector("text=已记账；治疗后再结算。")
    assert hospital.locator("#fees .state-unpaid").count() == 2

    # Settled after treatment, at the cashier.
    settlements.settle_bill(
        settlements.SettlementRequest(
            bill_id=Bill.objects.get(patient=patient).pk,
            mode=SettlementMode.WINDOW,
            channel=PaymentChannel.CASH,
        ),
        actor=actor_for(make_staff("finance", tertiary)),
    )
    hospital.reload()
    assert hospital.locator("#fees .state-paid").count() == 2
    hospital.screenshot(path=str(ARTIFACTS / "emergency-cath-lab-timeline.png"), full_page=True)
