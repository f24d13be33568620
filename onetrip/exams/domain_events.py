"""The domain events exams emit (`core.events.EventKind`, R-KPI-1/2), one call beside each audit
row. Every exam event names the order, the performing institution (where the patient goes) and
the ordering doctor's department, so the journey joins it to the consultation it came from."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from onetrip.consortium.models import Doctor
from onetrip.core import events
from onetrip.core.events import EventKind
from onetrip.exams.models import ExamOrder

# A booking names a time window this short or shorter: a time-slotted (分时段) booking.
TIME_SLOT_MINUTES = 30


def ordering_department(order: ExamOrder) -> int | None:
    if order.ordering_doctor_id is None:
        return None
    return (
        Doctor.objects.filter(pk=order.ordering_doctor_id)
        .values_list("department_id", flat=True)
        .first()
    )


def emit(
    kind: str,
    order: ExamOrder,
    *,
    on_site: bool = False,
    occurred_at: dt.datetime | None = None,
    **data,
) -> None:
    events.emit(
        kind,
        subject=order,
        patient_id=order.patient_id,
        institution_id=order.performing_institution_id,
        department_id=ordering_department(order),
        on_site=on_site,
        occurred_at=occurred_at,
        data={
            "order_id": order.pk,
            "item_code": order.item.code,
            "ordering_institution_id": order.ordering_institution_id,
            **data,
        },
    )


def booked(order: ExamOrder, *, rescheduled: bool = False) -> None:
    device = order.device
    emit(
        EventKind.EXAM_BOOKED,
        order,
        starts_at=timezone.localtime(order.starts_at).isoformat(),
        device_id=device.pk,
        room=device.room or device.display_name,
        time_slotted=device.slot_minutes <= TIME_SLOT_MINUTES,
        rescheduled=rescheduled,
    )


def checked_in(order: ExamOrder) -> None:
    emit(
        EventKind.EXAM_CHECKED_IN,
        order,
        on_site=True,
        occurred_at=order.checked_in_at,
        checked_in_at=timezone.localtime(order.checked_in_at).isoformat(),
    )


def started(order: ExamOrder) -> None:
    emit(
        EventKind.EXAM_STARTED,
        order,
        on_site=True,
        occurred_at=order.started_at,
        waited_minutes=order.waiting_minutes,
    )


def no_show(order_id: int) -> None:
    emit(EventKind.EXAM_NO_SHOW, ExamOrder.objects.select_related("item").get(pk=order_id))
