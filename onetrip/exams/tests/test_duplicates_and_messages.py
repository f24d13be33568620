"""Issue 16: the same exam ordered twice is refused by field (D116); every confirmation tells
the patient how to prepare and, for a sedated exam, to bring an escort (D117)."""

from __future__ import annotations

import pytest

from onetrip.core.errors import InvalidInput
from onetrip.exams import planning, services
from onetrip.exams.models import ExamOrder, OrderStatus
from onetrip.exams.services import SlotChoice
from onetrip.notifications.testing import delivered

pytestmark = pytest.mark.django_db


def order(setup, actor, code, **extra):
    return services.place_exam_order(
        patient_id=setup.patient.pk, item_code=code, actor=actor, **extra
    )


def book_all(setup, actor):
    proposal = planning.propose_plan(setup.patient.pk, actor=actor)
    picked = [SlotChoice(e.order.pk, e.device.pk, e.starts_at) for e in proposal.exams]
    return services.confirm_plan(setup.patient.pk, picked, actor=actor)


def test_the_same_exam_ordered_twice_is_refused_with_a_field_message(exam_setup, doctor_actor):
    first = order(exam_setup, doctor_actor, "US_ABD")
    with pytest.raises(InvalidInput) as twice:
        order(exam_setup, doctor_actor, "US_ABD")
    (error,) = twice.value.errors
    assert (error.field, error.code) == ("item_code", "duplicate")
    assert first.placer_number in str(error.message)
    assert ExamOrder.objects.filter(patient=exam_setup.patient).count() == 1


def test_a_booked_order_also_counts_and_a_reason_allows_a_second(exam_setup, doctor_actor):
    order(exam_setup, doctor_actor, "ECG")
    book_all(exam_setup, doctor_actor)
    with pytest.raises(InvalidInput):
        order(exam_setup, doctor_actor, "ECG")
    again = order(exam_setup, doctor_actor, "ECG", override_reason="复查：用药后心率变化")
    assert again.status == OrderStatus.ORDERED


def test_a_done_exam_may_be_ordered_again(exam_setup, doctor_actor):
    done = order(exam_setup, doctor_actor, "ECG")
    services.complete_exam(done, actor=doctor_actor)
    assert order(exam_setup, doctor_actor, "ECG").status == OrderStatus.ORDERED


def test_the_confirmation_carries_preparation_and_the_escort_note(exam_setup, doctor_actor):
    order(exam_setup, doctor_actor, "US_PELVIS")
    order(exam_setup, doctor_actor, "GASTROSCOPY_SED")
    book_all(exam_setup, doctor_actor)
    (message,) = delivered(purpose="exam_booked", phone=exam_setup.patient.phone)
    assert "憋尿" in message.body  # the full-bladder preparation of the pelvic ultrasound
    assert "禁食" in message.body  # the fasting preparation of the gastroscopy
    assert "陪同" in message.body  # sedation: bring an adult escort


def test_a_plain_exam_has_no_preparation_sentence(exam_setup, doctor_actor):
    order(exam_setup, doctor_actor, "ECG")
    book_all(exam_setup, doctor_actor)
    (message,) = delivered(purpose="exam_booked", phone=exam_setup.patient.phone)
    assert "准备" not in message.body
    assert "陪同" not in message.body


def test_two_institutions_are_named_as_the_reason_for_two_visits(
    exam_setup, make_staff, township, tertiary
):
    """Issue 16: a township ultrasound and a city CT are two visits because they are two
    places, not because of "the rules"."""
    from onetrip.conftest import actor_for
    from onetrip.exams import catalogue
    from onetrip.identity.models import PatientAffiliation

    catalogue.equip_institution(township.pk, {"ultrasound": 1}, exam_setup.now.date(), 14)
    township_doctor = actor_for(make_staff("doctor", township))
    PatientAffiliation.objects.create(
        patient=exam_setup.patient, institution=township, reason="shared", since=exam_setup.now
    )
    order(exam_setup, township_doctor, "US_BREAST")
    order(exam_setup, township_doctor, "CT_HEAD", performing_institution_id=tertiary.pk)
    proposal = planning.propose_plan(exam_setup.patient.pk, actor=township_doctor)
    assert proposal.visits == 2
    summary = proposal.explanation[0]
    assert township.name in summary
    assert tertiary.name in summary
    assert "规则" not in summary
