"""The domain event reports emit (`core.events.EventKind.REPORT_FILED`, R-KPI-1/2): a report
attached to its order, beside the audit row of the filing."""

from __future__ import annotations

from onetrip.core import events
from onetrip.core.events import EventKind
from onetrip.exams.domain_events import ordering_department
from onetrip.reports.models import Report


def filed(report: Report) -> None:
    order = report.order
    events.emit(
        EventKind.REPORT_FILED,
        subject=report,
        patient_id=report.patient_id,
        institution_id=report.performing_institution_id,
        department_id=ordering_department(order),
        data={
            "report_id": report.pk,
            "order_id": order.pk,
            "ordering_institution_id": report.ordering_institution_id,
            "status": report.status,
            "version": report.version,
            "critical": report.critical_alerts.exists(),
        },
    )
