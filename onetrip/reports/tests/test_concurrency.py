"""Results delivered twice at the same moment, or two results for one order at once (R-EXAM-4):
filed once, never a database error. Needs real row locks and unique-index waits: PostgreSQL."""

from __future__ import annotations

import pytest

from onetrip.conftest import race
from onetrip.notifications.testing import delivered
from onetrip.reports import services
from onetrip.reports.models import InboundMessage, Report
from onetrip.reports.tests.messages import oru

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_same_message_delivered_four_times_at_once_is_filed_once(postgres_only, order, lab):
    raw = oru(placer=order.placer_number)

    receipts = race([lambda: services.receive_hl7(raw, actor=lab)] * 4)

    assert [r.ack_code for r in receipts] == ["AA"] * 4, receipts
    assert sum(not r.duplicate for r in receipts) == 1
    assert InboundMessage.objects.count() == 1
    assert Report.objects.get().version == 1
    assert delivered().filter(purpose="report_ready").count() == 1


def test_two_messages_for_one_order_at_once_both_file(postgres_only, order, lab):
    preliminary = oru(placer=order.placer_number, control_id="LIS0001", status="P")
    final = oru(placer=order.placer_number, control_id="LIS0002", status="F")

    receipts = race(
        [
            lambda: services.receive_hl7(preliminary, actor=lab),
            lambda: services.receive_hl7(final, actor=lab),
        ]
    )

    assert all(hasattr(r, "ack_code") for r in receipts), receipts
    report = Report.objects.get()
    # Whichever came second: a final after a preliminary files; a preliminary after a final is
    # refused (AE), never a 500.
    assert report.status == "final"
    assert sorted(r.ack_code for r in receipts) in (["AA", "AA"], ["AA", "AE"])
