"""Online follow-up visits (R-NET-1): only after an in-person diagnosis of the condition within
the institution's period, else refused with the reason; booked on the online channel from the
doctor's shared online pool; a conversation of text and pictures; closed with a note, and a
prescription may follow."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import translation

from onetrip.core.actors import SYSTEM
from onetrip.core.errors import InvalidInput, NotFound
from onetrip.prescribing.models import Diagnosis, OnlineVisit, Origin, VisitStatus
from onetrip.prescribing.services import formulary, online
from onetrip.prescribing.tests.conftest import write
from onetrip.scheduling.models import Appointment

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"0" * 32


def diagnosed_in_clinic(rx, clinic) -> Diagnosis:
    write(rx, doctor=clinic.doctor_actor)
    return Diagnosis.objects.get(in_person=True)


def book(rx, diagnosis):
    slot = online.free_slots(diagnosis)[0]
    return online.book_online_visit(diagnosis.pk, slot.slot_id, actor=rx.patient_actor)


def test_a_follow_up_of_a_clinic_diagnosis_is_booked_on_the_online_channel(rx, online_clinic):
    diagnosis = diagnosed_in_clinic(rx, online_clinic)
    assert diagnosis.department == online_clinic.department
    assert online.follow_up_conditions(rx.patient_actor) == [diagnosis]
    visit = book(rx, diagnosis)
    assert visit.status == VisitStatus.BOOKED
    assert visit.doctor == online_clinic.doctor
    appointment = Appointment.objects.get(pk=visit.booking_id)
    assert appointment.channel == "online"
    assert appointment.pool.kind == "shared_online"


def test_without_an_in_person_diagnosis_it_is_refused_with_the_reason(rx, online_clinic, clock):
    diagnosis = diagnosed_in_clinic(rx, online_clinic)
    # This hospital's policy: an online follow-up within 3 days of the in-person diagnosis.
    formulary.open_formulary(rx.hospital.pk, follow_up_window_days=3, actor=SYSTEM)
    clock.advance(dt.timedelta(days=3, minutes=1))
    with translation.override("zh-hans"), pytest.raises(online.FirstVisitInPerson) as refused:
        book(rx, diagnosis)
    assert refused.value.code == "diagnosis_too_old"
    assert "已超过3天" in str(refused.value.message)
    with pytest.raises(online.FirstVisitInPerson) as never:
        online.in_person_basis(rx.patient.pk, "E11", rx.hospital.pk)
    assert never.value.code == "first_visit_in_person"
    assert not OnlineVisit.objects.exists()
    assert not Appointment.objects.exists()


def test_the_conversation_the_note_and_the_prescription_after_it(rx, online_clinic):
    visit = book(rx, diagnosed_in_clinic(rx, online_clinic))
    doctor = online_clinic.doctor_actor
    online.send_message(visit.pk, text="最近血压145/90", actor=rx.patient_actor)
    online.send_message(visit.pk, picture=PNG, picture_type="image/png", actor=rx.patient_actor)
    with pytest.raises(InvalidInput):
        online.send_message(
            visit.pk, picture=b"x", picture_type="image/gif", actor=rx.patient_actor
        )
    online.send_message(visit.pk, text="继续服用氨氯地平", actor=doctor)
    visit.refresh_from_db()
    assert visit.status == VisitStatus.OPEN
    assert [m.from_patient for m in online.messages_of(visit)] == [True, True, False]

    prescription = write(
        rx,
        doctor=doctor,
        online_visit_id=visit.pk,
        condition_code="",
        condition_name="",
        days=28,
        chronic=True,
    )
    assert prescription.origin == Origin.ONLINE
    assert prescription.diagnosis.condition_code == "I10"
    assert not prescription.diagnosis.in_person
    assert list(prescription.findings.all()) == []

    online.close_visit(visit.pk, note="高血压复诊，血压控制可，续方4周。", actor=doctor)
    with pytest.raises(online.WrongState):
        online.send_message(visit.pk, text="谢谢", actor=rx.patient_actor)


def test_only_the_visit_doctor_and_patient_reach_it(rx, online_clinic):
    visit = book(rx, diagnosed_in_clinic(rx, online_clinic))
    with pytest.raises(NotFound):
        online.send_message(visit.pk, text="你好", actor=rx.doctor)  # another doctor
