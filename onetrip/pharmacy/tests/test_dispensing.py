"""The smart pharmacy (R-RX-1): a paid prescription is queued at once with its window, picked,
called and handed over; the patient is told when it is ready; each move happens once."""

from __future__ import annotations

import pytest

from onetrip.core.errors import NotFound, PermissionDenied
from onetrip.notifications.models import Notification
from onetrip.pharmacy.models import DispenseOrder, DispenseStatus
from onetrip.pharmacy.services import dispensing
from onetrip.pharmacy.services.dispensing import WrongState
from onetrip.prescribing.models import PrescriptionStatus
from onetrip.prescribing.services import prescriptions
from onetrip.prescribing.tests.conftest import write

pytestmark = pytest.mark.django_db


def test_payment_queues_the_prescription_with_its_window(rx, order):
    assert order.status == DispenseStatus.QUEUED
    assert order.window == 1 + order.prescription_id % dispensing.WINDOWS
    assert order.prescription.status == PrescriptionStatus.PAID


def test_an_approved_but_unpaid_prescription_is_not_queued(rx):
    prescription = write(rx)
    prescriptions.approve(prescription.pk, actor=rx.pharmacist)
    assert not DispenseOrder.objects.exists()


def test_picked_called_and_handed_over_once(rx, order):
    dispensing.mark_ready(order.pk, actor=rx.pharmacist)
    ready = Notification.objects.get(template="medicines_ready")
    assert ready.params["window"] == str(order.window)
    with pytest.raises(WrongState):
        dispensing.mark_ready(order.pk, actor=rx.pharmacist)
    dispensing.call(order.pk, actor=rx.pharmacist)
    dispensing.call(order.pk, actor=rx.pharmacist)  # called again: they did not come
    assert list(dispensing.calling(rx.hospital.pk)) == [order]
    dispensing.hand_over(order.pk, actor=rx.pharmacist)
    order.refresh_from_db()
    assert order.status == DispenseStatus.COLLECTED
    assert order.collected_at is not None
    with pytest.raises(WrongState):
        dispensing.hand_over(order.pk, actor=rx.pharmacist)


def test_the_patient_arrival_counts_once(rx, order, clock):
    import datetime as dt

    first = dispensing.arrive(order.prescription_id, actor=rx.patient_actor).arrived_at
    clock.advance(dt.timedelta(minutes=5))
    assert dispensing.arrive(order.prescription_id, actor=rx.patient_actor).arrived_at == first


def test_only_this_pharmacy_dispenses(rx, order, make_staff, township):
    from onetrip.conftest import actor_for

    with pytest.raises(PermissionDenied):
        dispensing.mark_ready(order.pk, actor=rx.doctor)
    with pytest.raises(NotFound):
        dispensing.mark_ready(order.pk, actor=actor_for(make_staff("pharmacist", township)))
