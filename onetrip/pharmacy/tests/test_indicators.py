"""The pharmacy's and the internet hospital's indicators on a hand-counted day (NOW's, 23 Nov),
each with its traps: prescriptions ready on arrival, the dispensing wait, the review turnaround,
online follow-ups held and deliveries on time."""

from __future__ import annotations

import datetime as dt

import pytest

from onetrip.conftest import NOW
from onetrip.metrics.definitions import COMPONENTS, METRICS_BY_CODE
from onetrip.notifications.models import Notification
from onetrip.pharmacy.services import delivery as deliveries
from onetrip.pharmacy.services import dispensing
from onetrip.pharmacy.tests.conftest import paid
from onetrip.prescribing.services import prescriptions
from onetrip.prescribing.tests.conftest import write

pytestmark = pytest.mark.django_db
DAY = NOW.date()
MINUTE = dt.timedelta(minutes=1)


def total(code: str, day: dt.date = DAY) -> int:
    return sum(row.value for row in COMPONENTS[code].rows(day, day + dt.timedelta(days=1)))


def figure(metric: str):
    found = METRICS_BY_CODE[metric]
    return found.value(total(found.numerator), total(found.denominator))


def test_ready_on_arrival_and_the_wait_at_the_window(rx, clock):
    ready_first, ready_late, never_said = paid(rx), paid(rx), paid(rx)
    dispensing.mark_ready(ready_first.pk, actor=rx.pharmacist)  # 09:30
    clock.advance(10 * MINUTE)
    dispensing.arrive(ready_first.prescription_id, actor=rx.patient_actor)  # 09:40
    dispensing.arrive(ready_late.prescription_id, actor=rx.patient_actor)  # 09:40, not ready
    clock.advance(5 * MINUTE)
    dispensing.hand_over(ready_first.pk, actor=rx.pharmacist)  # waited 5
    dispensing.mark_ready(ready_late.pk, actor=rx.pharmacist)
    dispensing.mark_ready(never_said.pk, actor=rx.pharmacist)
    clock.advance(20 * MINUTE)
    dispensing.hand_over(ready_late.pk, actor=rx.pharmacist)  # waited 25
    # Trap: handed over without the patient saying they had arrived: in neither figure.
    dispensing.hand_over(never_said.pk, actor=rx.pharmacist)

    assert (total("rx_ready_on_arrival"), total("rx_arrivals")) == (1, 2)
    assert figure("rx_ready_on_arrival") == 50
    assert (total("rx_window_wait_minutes"), total("rx_handed_over_after_arrival")) == (30, 2)
    assert figure("rx_window_wait") == 15
    assert total("rx_arrivals", DAY - dt.timedelta(days=1)) == 0


def test_review_turnaround(rx, clock):
    approved, returned, waiting = write(rx), write(rx, days=30), write(rx)
    clock.advance(30 * MINUTE)
    prescriptions.approve(approved.pk, actor=rx.pharmacist)  # 30 minutes
    clock.advance(15 * MINUTE)
    prescriptions.return_to_doctor(returned.pk, reason="疗程过长", actor=rx.pharmacist)  # 45
    # Trap: still waiting for review: not counted until reviewed.
    assert waiting.status == "in_review"
    assert (total("rx_review_minutes"), total("rx_reviewed")) == (75, 2)
    assert figure("rx_review_turnaround") == 37.5


def test_deliveries_on_time(rx, clock):
    orders = [paid(rx) for _ in range(3)]
    address = {
        "recipient_name": "张伟",
        "recipient_phone": "13812345678",
        "address": "浙江省杭州市西湖区文三路100号",
    }
    made = []
    for order in orders:
        delivery = deliveries.request_delivery(
            order.prescription_id, actor=rx.patient_actor, **address
        )
        deliveries.dispatch(delivery.pk, actor=rx.pharmacist)
        made.append(delivery)
    codes = [
        n.params["code"]
        for n in Notification.objects.filter(template="delivery_dispatched").order_by("pk")
    ]
    clock.advance(dt.timedelta(hours=30))
    deliveries.confirm_delivery(made[0].pk, code=codes[0], actor=rx.pharmacist)  # on time
    clock.advance(dt.timedelta(hours=20))
    deliveries.confirm_delivery(made[1].pk, code=codes[1], actor=rx.pharmacist)  # 2 h late
    # made[2] is still on its way past its promise: late. All three were promised for 25 Nov.
    due_day = DAY + dt.timedelta(days=2)
    assert (total("deliveries_on_time", due_day), total("deliveries_due", due_day)) == (1, 3)
    # Trap: counted on the day promised, not the day asked.
    assert total("deliveries_due") == 0
