"""The dashboard in a real browser: the trend charts render (R-KPI-1)."""

from __future__ import annotations

from onetrip.conftest import ARTIFACTS, STAFF_PASSWORD


def test_the_kpi_office_sees_the_charts(browser, live_server, month_of_events, quality):
    context = browser.new_context(
        locale="zh-CN", base_url=live_server.url, viewport={"width": 1280, "height": 900}
    )
    page = context.new_page()
    page.goto("/staff/login")
    page.fill("#id_username", quality.user.username)
    page.fill("#id_password", STAFF_PASSWORD)
    page.click("button[type=submit]")
    page.goto("/staff/metrics/?period=2026-11")

    chart = page.locator("#indicator-queue_minutes svg.chart")
    chart.wait_for()
    box = chart.bounding_box()
    assert box is not None
    assert box["width"] > 100
    assert box["height"] > 50
    assert page.locator("#indicator-queue_minutes rect.bar").count() >= 2
    # The clinic wait has no target (D92); the appointment rate's ≥ 15% is drawn.
    assert page.locator("#indicator-queue_minutes line.target").count() == 0
    assert page.locator("#indicator-appointment_rate line.target").count() == 1
    page.screenshot(path=str(ARTIFACTS / "metrics-dashboard.png"), full_page=True)
    context.close()
