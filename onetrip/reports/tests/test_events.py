"""The domain event reports emit (R-KPI-1, R-KPI-2), through the real intake: a report filed on
its order is an event; a quarantined one only once staff attach it."""

from __future__ import annotations

import pytest

from onetrip.conftest import actor_for
from onetrip.core.models import DomainEvent
from onetrip.reports import services
from onetrip.reports.models import Report
from onetrip.reports.tests.messages import GLUCOSE, oru

pytestmark = pytest.mark.django_db


def test_a_filed_report_names_its_order_and_status(order, lab):
    services.receive_hl7(oru(placer=order.placer_number, observations=(GLUCOSE,)), actor=lab)
    report = Report.objects.get()
    [event] = DomainEvent.objects.filter(kind="report.filed")
    assert (event.patient_id, event.institution_id, event.on_site) == (
        order.patient_id,
        order.performing_institution_id,
        False,
    )
    assert event.data == {
        "report_id": report.pk,
        "order_id": order.pk,
        "ordering_institution_id": order.ordering_institution_id,
        "status": "final",
        "version": 1,
        "critical": False,
    }


def test_a_quarantined_report_is_filed_when_attached(order, lab, make_staff, tertiary):
    services.receive_hl7(oru(placer="EO-TYPO"), actor=lab)
    assert not DomainEvent.objects.filter(kind="report.filed").exists()
    desk = actor_for(make_staff("exam_centre", tertiary))
    report = services.quarantined_reports(actor=desk).get()
    services.attach_report(report.pk, order.placer_number, actor=desk)
    [event] = DomainEvent.objects.filter(kind="report.filed")
    assert (event.data["report_id"], event.data["order_id"]) == (report.pk, order.pk)
