"""The island hut's video consultations (R-PH-4) and home care on the family's phone (R-PH-5):
a resident asks from the phone, the responsible township doctor sees it on the worklist,
schedules it (the room comes from the sandbox and the resident is told), then completes it; a
doctor of another township never sees it. The phone shows home care orders with the visits to
come and the notes of the visits made."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from onetrip.conftest import NOW, actor_for
from onetrip.consortium import services as consortium
from onetrip.consortium.models import InstitutionLevel
from onetrip.core.actors import SYSTEM
from onetrip.core.errors import NotFound
from onetrip.identity import services as identity
from onetrip.notifications.models import Notification
from onetrip.publichealth.services import video
from onetrip.publichealth.services.common import WrongState
from onetrip.publichealth.tests import factories


@pytest.fixture
def hut(township):
    return consortium.create_institution(
        code="I001",
        name="鹿西岛健康小屋",
        level=InstitutionLevel.ISLAND_HUT,
        parent=township,
        actor=SYSTEM,
    )


def test_a_resident_s_request_reaches_the_township_doctor_and_back(
    clock, hut, township, tertiary, make_staff, clerk
):
    mother, _child, phone = factories.mother_with_child(clerk)
    identity.affiliate_for_appointment(mother.pk, township.pk)
    doctor = actor_for(make_staff("doctor", township))
    consultation = video.request_consultation(
        patient_id=mother.pk, hut_id=hut.pk, reason="血压偏高想咨询", actor=phone
    )
    assert [c.pk for c in video.worklist(actor=doctor)] == [consultation.pk]
    elsewhere = actor_for(make_staff("doctor", tertiary))
    assert video.worklist(actor=elsewhere) == []
    with pytest.raises(NotFound):
        video.consultation_for_staff(consultation.pk, actor=elsewhere)
    with pytest.raises(WrongState):
        video.close_consultation(consultation.pk, notes="未安排", declined=False, actor=doctor)

    at = NOW + dt.timedelta(hours=2)
    scheduled = video.schedule_consultation(consultation.pk, at=at, actor=doctor)
    assert scheduled.room_url.startswith("http")
    assert f"hut-{consultation.pk}-" in scheduled.room_url
    notice = Notification.objects.get(template="video_consultation_scheduled")
    assert notice.phone == mother.phone
    assert notice.params["path"] == reverse("publichealth-patient-video", args=[consultation.pk])
    seen = video.consultation_for_patient(consultation.pk, actor=phone)
    assert seen.room_url == scheduled.room_url

    done = video.close_consultation(
        consultation.pk, notes="建议复测血压，调整用药", declined=False, actor=doctor
    )
    assert (done.status, done.notes) == ("completed", "建议复测血压，调整用药")
    assert video.worklist(actor=doctor) == []


def test_only_one_open_request_per_person(clock, hut, clerk):
    mother, _child, phone = factories.mother_with_child(clerk)
    video.request_consultation(patient_id=mother.pk, hut_id=hut.pk, reason="咨询", actor=phone)
    with pytest.raises(WrongState):
        video.request_consultation(patient_id=mother.pk, hut_id=hut.pk, reason="再次", actor=phone)
