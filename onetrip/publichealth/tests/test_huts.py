"""Island health huts (R-PH-4): readings batched through the device link survive an outage
without loss or duplication; out-of-range readings reach the responsible township doctor's
worklist until followed up; AED checks are logged."""

from __future__ import annotations

import datetime as dt

import pytest

from onetrip.conftest import NOW, actor_for
from onetrip.consortium import services as consortium
from onetrip.consortium.models import InstitutionLevel
from onetrip.core.actors import SYSTEM
from onetrip.core.errors import DomainError
from onetrip.identity.models import IdentityDocument
from onetrip.publichealth.devices import LinkDown, SandboxHutDevice
from onetrip.publichealth.models import AedCheck, HutReading
from onetrip.publichealth.services import huts


@pytest.fixture
def island(clinic, township, make_staff):
    hut = consortium.create_institution(
        code="I001",
        name="鹿西岛健康小屋",
        level=InstitutionLevel.ISLAND_HUT,
        parent=township,
        actor=SYSTEM,
    )
    doctor = actor_for(make_staff("doctor", township))
    huts.register_device(hut.pk, huts.DeviceIn("BP-0001", "bp"), actor=doctor)
    resident = IdentityDocument.objects.get(patient=clinic.mother).number
    return hut, doctor, resident


def upload(serial, batch):
    return huts.upload_readings(serial, batch, actor=SYSTEM)


def test_readings_survive_an_outage_and_a_lost_acknowledgement(island):
    hut, doctor, resident = island
    device = SandboxHutDevice("BP-0001", "bp", batch_size=2)
    device.link_up = False
    for minute in range(5):
        device.measure_blood_pressure(
            resident, 120 + minute, 80, NOW + dt.timedelta(minutes=minute)
        )
    with pytest.raises(LinkDown):
        device.flush(upload)
    assert len(device.queued) == 5
    assert not HutReading.objects.exists()

    # The link comes back, but the first batch's acknowledgement is lost: the device sends it
    # again with the rest.
    device.link_up = True
    first_batch = list(device.queued[:2])
    upload("BP-0001", first_batch)
    assert device.flush(upload) == 5
    assert device.queued == []
    readings = HutReading.objects.order_by("measured_at")
    assert readings.count() == 5
    assert [r.systolic for r in readings] == [120, 121, 122, 123, 124]
    again = upload("BP-0001", first_batch)
    assert (again.filed, again.already_filed) == (0, 2)
    assert HutReading.objects.count() == 5


def test_out_of_range_readings_wait_on_the_township_doctors_worklist(island, make_staff, tertiary):
    hut, doctor, resident = island
    device = SandboxHutDevice("BP-0001", "bp")
    device.measure_blood_pressure(resident, 128, 82, NOW)  # in range
    device.measure_blood_pressure(resident, 139, 89, NOW)  # the edge: still in range
    high = device.measure_blood_pressure(resident, 165, 95, NOW)
    low = device.measure_blood_pressure(resident, 85, 60, NOW)
    device.measure_blood_pressure("110101190001011234", 190, 120, NOW)  # unknown resident
    device.flush(upload)
    worklist = huts.worklist(actor=doctor)
    assert [r.reading_uid for r in worklist] == [high.reading_uid, low.reading_uid]
    # Another institution's doctor does not see them.
    stranger = actor_for(make_staff("doctor", tertiary))
    assert huts.worklist(actor=stranger) == []
    huts.follow_up(worklist[0].pk, note="电话随访，建议复测", actor=doctor)
    assert [r.reading_uid for r in huts.worklist(actor=doctor)] == [low.reading_uid]
    with pytest.raises(DomainError) as again:
        huts.follow_up(worklist[0].pk, note="再次", actor=doctor)
    assert again.value.code == "already_done"


def test_a_glucose_reading_on_a_pressure_device_is_refused(island):
    hut, doctor, resident = island
    device = SandboxHutDevice("BP-0001", "glucose")
    device.measure_glucose(resident, 56, NOW)
    with pytest.raises(DomainError):
        device.flush(upload)
    assert not HutReading.objects.exists()


def test_aed_checks_are_logged_for_the_doctors_huts_only(island, make_staff, tertiary):
    hut, doctor, resident = island
    huts.log_aed_check(hut.pk, battery_ok=True, pads_ok=False, actor=doctor)
    assert AedCheck.objects.get().pads_ok is False
    stranger = actor_for(make_staff("doctor", tertiary))
    with pytest.raises(DomainError):
        huts.log_aed_check(hut.pk, battery_ok=True, pads_ok=True, actor=stranger)
