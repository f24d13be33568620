"""Online follow-ups held, hand-counted: two booked for one afternoon, one held (closed with its
note); a visit booked for another day is not counted."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from onetrip.demo.loader import resident_id_number
from onetrip.identity import services as identity
from onetrip.metrics.definitions import COMPONENTS
from onetrip.prescribing.models import Diagnosis
from onetrip.prescribing.services import online
from onetrip.prescribing.tests.conftest import own_account, write

pytestmark = pytest.mark.django_db


def test_online_follow_ups_held(rx, online_clinic, register):
    write(rx, doctor=online_clinic.doctor_actor)
    born = dt.date(1960, 1, 1)
    other = register(
        name="王芳",
        phone="13912345678",
        sex="female",
        birth_date=born,
        documents=[
            identity.DocumentInput("resident_id", resident_id_number("110101", born, "female", 1))
        ],
    )
    other_actor = own_account(other)
    write(rx, doctor=online_clinic.doctor_actor, patient_id=other.pk)
    first, second = (
        Diagnosis.objects.get(patient=rx.patient),
        Diagnosis.objects.get(patient=other),
    )
    slots = online.free_slots(first, limit=30)
    held = online.book_online_visit(first.pk, slots[0].slot_id, actor=rx.patient_actor)
    online.book_online_visit(second.pk, slots[0].slot_id, actor=other_actor)
    later = next(s for s in slots if s.starts_at.date() != slots[0].starts_at.date())
    online.book_online_visit(first.pk, later.slot_id, actor=rx.patient_actor)
    online.send_message(held.pk, text="血压稳定吗？", actor=online_clinic.doctor_actor)
    online.close_visit(held.pk, note="血压稳定，续方。", actor=online_clinic.doctor_actor)

    day = timezone.localtime(slots[0].starts_at).date()
    span = (day, day + dt.timedelta(days=1))
    held_count = sum(r.value for r in COMPONENTS["online_visits_held"].rows(*span))
    booked = sum(r.value for r in COMPONENTS["online_visits_booked"].rows(*span))
    assert (held_count, booked) == (1, 2)
