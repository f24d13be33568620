"""The KPI office's dashboard, drill-down, records and the periodic report (R-KPI-1)."""

from __future__ import annotations

from io import BytesIO

import pytest
from openpyxl import load_workbook

from onetrip.conftest import ARTIFACTS
from onetrip.core.models import AuditEvent
from onetrip.metrics.tests.test_figures import MONTH

pytestmark = pytest.mark.usefixtures("month_of_events")


@pytest.fixture
def kpi_client(client, quality):
    client.force_login(quality.user)
    return client


def test_the_dashboard_shows_each_indicator_against_its_target(kpi_client):
    page = kpi_client.get("/staff/metrics/", {"period": MONTH}).content.decode()

    assert 'id="indicator-queue_minutes"' in page
    assert "9.75" in page  # 39 minutes over 4 calls
    assert page.count('<svg class="chart"') >= 9
    assert 'class="target"' in page
    # Day surgery with no elective operation discharged in the month: undefined, never 0%.
    before, after = page.split('id="indicator-day_surgery"')
    assert "indicator undefined" in before.rsplit("<section", 1)[1]
    assert "0.00" not in after.split("</section>")[0]


def test_drill_down_to_a_department_and_its_records(kpi_client, org):
    page = kpi_client.get("/staff/metrics/queue_minutes/", {"period": MONTH}).content.decode()
    assert "东山乡卫生院" in page
    assert "内科" in page
    department = kpi_client.get(
        "/staff/metrics/queue_minutes/",
        {"period": MONTH, "institution": org.tertiary.pk, "department": org.medicine.pk},
    ).content.decode()
    assert "8.50" in department  # (5 + 12) / 2

    records = kpi_client.get(
        "/staff/metrics/queue_minutes/records",
        {
            "period": MONTH,
            "institution": org.tertiary.pk,
            "department": org.medicine.pk,
            "part": "denominator",
        },
    )
    body = records.content.decode()
    assert body.count("<td>visit.called ") == 2
    assert AuditEvent.objects.filter(summary__startswith="records behind queue_minutes").exists()


def test_the_periodic_report_as_xlsx_and_pdf(kpi_client, org):
    response = kpi_client.get("/api/metrics/report", {"period": MONTH, "format": "xlsx"})
    assert response.status_code == 200
    sheet = load_workbook(BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[1][:7] == ("机构", "要求", "指标", "目标", "指标值", "分子", "分母")
    queue = [r for r in rows if r[2] == "每次就诊排队时间：诊区候诊"]
    assert [(r[0], r[4], r[5], r[6]) for r in queue] == [
        ("市第一人民医院", "9.75 分钟", 39, 4),
        ("东山乡卫生院", "20.00 分钟", 20, 1),
    ]

    pdf = kpi_client.get("/api/metrics/report", {"period": MONTH, "format": "pdf"})
    assert pdf.status_code == 200
    assert pdf.content.startswith(b"%PDF")
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "indicators-report.pdf").write_bytes(pdf.content)


@pytest.mark.parametrize(
    ("params", "status", "field_or_code"),
    [
        ({"period": "2026-13"}, 422, "period"),
        ({"period": "next month"}, 422, "period"),
        ({"period": MONTH, "institution": 999999}, 404, "unknown_institution"),
    ],
)
def test_an_unknown_institution_or_period_is_a_clear_problem(
    kpi_client, params, status, field_or_code
):
    response = kpi_client.get("/api/metrics/report", params)

    assert response.status_code == status
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert field_or_code in ([e["field"] for e in body.get("errors", [])] + [body.get("code")])


def test_other_roles_and_other_institutions_are_refused(client, make_staff, org, quality):
    clerk = make_staff("registration", org.tertiary)
    client.force_login(clerk.user)
    assert client.get("/staff/metrics/").status_code == 403
    assert client.get("/api/metrics/figures").status_code == 403

    township_kpi = make_staff("quality", org.township)
    client.force_login(township_kpi.user)
    response = client.get("/api/metrics/figures", {"institution": org.tertiary.pk})
    assert response.status_code == 404  # the same answer as an unknown institution (D109)
    assert client.get("/api/metrics/figures").json()["institution_id"] == org.township.pk
