"""Exam orders: placing, looking up by placer number, completing (R-EXAM-1, R-APPT-8)."""

import pytest

from onetrip.core.errors import InvalidInput, PermissionDenied
from onetrip.exams import services
from onetrip.exams.models import OrderStatus

pytestmark = pytest.mark.django_db


def test_a_doctor_orders_an_exam_and_the_reports_side_finds_it(exam_setup, doctor_actor):
    order = services.place_exam_order(
        patient_id=exam_setup.patient.pk, item_code="US_ABD", actor=doctor_actor
    )
    assert order.status == OrderStatus.ORDERED
    assert order.ordering_doctor is not None
    assert order.performing_institution_id == doctor_actor.institution_id
    assert services.order_by_placer_number(order.placer_number) == order
    assert services.order_by_placer_number("EO-UNKNOWN") is None


def test_completing_is_idempotent_and_records_the_time(exam_setup, doctor_actor, clock):
    order = services.place_exam_order(
        patient_id=exam_setup.patient.pk, item_code="ECG", actor=doctor_actor
    )
    done = services.complete_exam(order, actor=doctor_actor)
    again = services.complete_exam(order, actor=doctor_actor)
    assert done.status == again.status == OrderStatus.COMPLETED
    assert again.completed_at == done.completed_at


def test_an_unknown_exam_or_reused_number_is_refused_by_field(exam_setup, doctor_actor):
    with pytest.raises(InvalidInput) as unknown:
        services.place_exam_order(
            patient_id=exam_setup.patient.pk, item_code="NOPE", actor=doctor_actor
        )
    assert unknown.value.errors[0].field == "item_code"
    services.place_exam_order(
        patient_id=exam_setup.patient.pk, item_code="ECG", placer_number="X1", actor=doctor_actor
    )
    with pytest.raises(InvalidInput) as reused:
        services.place_exam_order(
            patient_id=exam_setup.patient.pk,
            item_code="ECG",
            placer_number="X1",
            actor=doctor_actor,
        )
    assert reused.value.errors[0].code == "duplicate"


def test_township_doctor_orders_ct_at_the_tertiary_hospital(
    exam_setup, make_staff, township, tertiary
):
    """R-APPT-8: primary care books the large equipment of upper-level hospitals."""
    from onetrip.conftest import actor_for
    from onetrip.identity.models import PatientAffiliation

    township_doctor = actor_for(make_staff("doctor", township))
    PatientAffiliation.objects.create(
        patient=exam_setup.patient, institution=township, reason="shared", since=exam_setup.now
    )
    order = services.place_exam_order(
        patient_id=exam_setup.patient.pk,
        item_code="CT_ABD",
        performing_institution_id=tertiary.pk,
        actor=township_doctor,
    )
    assert order.performing_institution_id == tertiary.pk
    assert order.ordering_institution_id == township.pk


def test_a_nurse_cannot_order(exam_setup, make_staff, tertiary):
    from onetrip.conftest import actor_for

    nurse = actor_for(make_staff("nurse", tertiary))
    with pytest.raises(PermissionDenied):
        services.place_exam_order(patient_id=exam_setup.patient.pk, item_code="ECG", actor=nurse)
