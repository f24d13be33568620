"""Critical values reach the ordering doctor's worklist and the duty phone; acknowledgement is
recorded with its time (R-EXAM-4)."""

from __future__ import annotations

import datetime as dt

import pytest

from onetrip.conftest import NOW, actor_for
from onetrip.core.errors import NotFound, PermissionDenied
from onetrip.notifications.testing import delivered
from onetrip.reports import services
from onetrip.reports.models import CriticalAlert, CriticalValueContact
from onetrip.reports.tests.messages import GLUCOSE, POTASSIUM_CRITICAL, oru

pytestmark = pytest.mark.django_db


@pytest.fixture
def critical_report(order, lab):
    services.receive_hl7(
        oru(placer=order.placer_number, observations=(GLUCOSE, POTASSIUM_CRITICAL)), actor=lab
    )
    return order


def test_a_critical_value_is_flagged_to_the_ordering_doctor(critical_report, doctor_actor):
    [alert] = services.critical_worklist(actor=doctor_actor)

    assert (alert.code, alert.value, alert.flag) == ("2823-3", "6.9", "HH")
    assert alert.doctor.user == doctor_actor.user
    assert alert.institution_id == critical_report.ordering_institution_id
    assert alert.acknowledged_at is None


def test_the_duty_phone_gets_an_sms_once_per_value(order, lab, tertiary):
    CriticalValueContact.objects.create(institution=tertiary, phone="13700001111")
    raw = oru(placer=order.placer_number, observations=(POTASSIUM_CRITICAL,))
    services.receive_hl7(raw, actor=lab)
    services.receive_hl7(raw.replace("LIS0001", "LIS0002"), actor=lab)  # re-sent, same value

    [sms] = delivered().filter(purpose="critical_value")
    assert sms.phone == "13700001111"
    assert order.placer_number in sms.body
    assert CriticalAlert.objects.count() == 1


def test_acknowledgement_records_who_and_when(critical_report, doctor_actor, clock):
    alert = services.critical_worklist(actor=doctor_actor).get()
    clock.advance(dt.timedelta(minutes=4))

    services.acknowledge_critical(alert.pk, note="已电话通知病人复查", actor=doctor_actor)
    clock.advance(dt.timedelta(minutes=1))
    again = services.acknowledge_critical(alert.pk, note="second click", actor=doctor_actor)

    assert again.acknowledged_at == NOW + dt.timedelta(minutes=4)
    assert again.acknowledged_by == doctor_actor.user
    assert again.note == "已电话通知病人复查"


def test_another_institution_cannot_see_or_acknowledge(critical_report, make_staff, township):
    outsider = actor_for(make_staff("doctor", township))
    alert = CriticalAlert.objects.get()

    assert not services.critical_worklist(actor=outsider).exists()
    with pytest.raises(NotFound):
        services.acknowledge_critical(alert.pk, actor=outsider)


def test_a_role_without_the_permission_is_refused(critical_report, clerk):
    with pytest.raises(PermissionDenied):
        services.critical_worklist(actor=clerk)
