"""Medical record copies (R-SVC-1): applied for on the phone (own record or a proxy's), paid on
the bill, prepared by the records office only once paid, posted by the courier adapter (tracked
to delivery by the clock) or released as a signed PDF; every step audited."""

from __future__ import annotations

import datetime as dt

import pytest

from onetrip.core.courier import SandboxCourier
from onetrip.core.errors import InvalidInput, NotFound
from onetrip.core.models import AuditEvent
from onetrip.service.services import record_copies
from onetrip.service.services.record_copies import CopyIn, WrongState
from onetrip.service.tests.conftest import pay_at_window

pytestmark = pytest.mark.django_db


def applied(centre, delivery="post", copies=2):
    return record_copies.apply(
        CopyIn(
            patient_id=centre.patient.pk,
            institution_id=centre.hospital.pk,
            visit_description="2026年3月内科住院",
            purpose="insurance",
            copies=copies,
            delivery=delivery,
            recipient_name="张伟",
            recipient_phone="13812345678",
            address="北京市东城区东单北大街1号",
        ),
        actor=centre.patient_actor,
    )


def test_a_posted_copy_is_prepared_once_paid_and_tracked_to_delivery(centre, clock):
    copy = applied(centre)
    assert copy.fee_fen == 2000
    assert copy.reference.startswith("BA261123")
    assert not copy.by_proxy
    with pytest.raises(WrongState):
        record_copies.prepare(copy.pk, pages=12, actor=centre.window)
    pay_at_window(record_copies.fee_bill(copy).pk, centre.cashier)
    copy = record_copies.prepare(copy.pk, pages=12, actor=centre.window)
    assert copy.status == "shipped"
    assert copy.waybill.startswith("SB")
    clock.advance(dt.timedelta(hours=23))
    assert record_copies.track_deliveries() == 0
    clock.advance(dt.timedelta(hours=2))
    assert record_copies.track_deliveries() == 1
    copy.refresh_from_db()
    assert copy.status == "delivered"
    steps = AuditEvent.objects.filter(
        object_type="service.recordcopy", object_id=str(copy.pk)
    ).values_list("summary", flat=True)
    assert len(steps) == 3


def test_a_pdf_copy_is_released_at_once(centre):
    copy = applied(centre, delivery="pdf", copies=1)
    pay_at_window(record_copies.fee_bill(copy).pk, centre.cashier)
    copy = record_copies.prepare(copy.pk, pages=3, actor=centre.window)
    assert copy.status == "delivered"
    assert record_copies.download_pdf(copy.pk, actor=centre.patient_actor) == copy


def test_bad_applications_are_refused_by_field(centre, register):
    with pytest.raises(InvalidInput) as refused:
        record_copies.apply(
            CopyIn(
                patient_id=0,
                institution_id=centre.hospital.pk,
                visit_description="",
                purpose="x",
                copies=9,
                delivery="post",
            ),
            actor=centre.patient_actor,
        )
    fields = {e.field for e in refused.value.errors}
    assert fields >= {"patient_id", "visit_description", "purpose", "copies", "address"}
    copy = applied(centre)
    with pytest.raises(NotFound):
        record_copies.copy_for_patient(copy.pk + 1, actor=centre.patient_actor)


def test_the_sandbox_courier_answers_like_a_courier(clock):
    courier = SandboxCourier()
    from onetrip.core.courier import Address

    waybill = courier.create_waybill(
        sender=Address("医院", "", "医院"),
        recipient=Address("张伟", "13812345678", "北京"),
        reference="BA1",
    )
    assert [e.status for e in courier.track(waybill.number)] == ["collected"]
    clock.advance(dt.timedelta(hours=3))
    assert [e.status for e in courier.track(waybill.number)] == ["collected", "in_transit"]
    assert courier.track("nonsense") == []
