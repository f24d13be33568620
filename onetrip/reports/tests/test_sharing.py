"""Sharing and mutual recognition (R-EXAM-5): who sees a patient's results across the consortium,
and the warning, decision and KPI when an exam would repeat a recognised result."""

from __future__ import annotations

import datetime as dt

import pytest

from onetrip.conftest import NOW, actor_for
from onetrip.core.actors import Actor, ActorKind
from onetrip.core.errors import InvalidInput
from onetrip.identity import services as identity
from onetrip.identity.models import ConsentBasis, MobileAccount, ProxyGrant, Relationship
from onetrip.reports import services
from onetrip.reports.models import RecognitionDecision, RecognitionWindow, Report
from onetrip.reports.tests.messages import oru

pytestmark = pytest.mark.django_db


@pytest.fixture
def township_doctor(make_staff, township) -> Actor:
    return actor_for(make_staff("doctor", township))


def result(order, lab, *, status="F", control_id="LIS0001") -> Report:
    services.receive_hl7(
        oru(placer=order.placer_number, status=status, control_id=control_id), actor=lab
    )
    return Report.objects.get(placer_number=order.placer_number)


def share(patient, institution, make_staff, tertiary):
    referral = actor_for(make_staff("referral", tertiary))
    identity.share_patient(patient.pk, institution.pk, actor=referral)


def test_a_doctor_elsewhere_sees_recognised_results_only_once_shared(
    order, lab, township_doctor, township, make_staff, tertiary
):
    report = result(order, lab)
    assert not services.visible_reports(township_doctor).exists()

    share(order.patient, township, make_staff, tertiary)

    assert list(services.visible_reports(township_doctor)) == [report]
    services.view_report(report.pk, actor=township_doctor)


def test_a_preliminary_result_stays_with_the_institutions_of_the_order(
    order, lab, township_doctor, township, doctor_actor, make_staff, tertiary
):
    share(order.patient, township, make_staff, tertiary)
    report = result(order, lab, status="P")

    assert list(services.visible_reports(doctor_actor)) == [report]
    assert not services.visible_reports(township_doctor).exists()


def patient_account(patient) -> Actor:
    account = MobileAccount.objects.create(phone=patient.phone, created_at=NOW)
    ProxyGrant.objects.create(
        patient=patient,
        account=account,
        relationship=Relationship.SELF,
        basis=ConsentBasis.OWN_RECORD,
        granted_at=NOW,
        granted_by="test",
    )
    return Actor(kind=ActorKind.PATIENT, label="138****5678", account_id=account.pk)


def test_the_patient_sees_their_final_reports_and_nobody_elses(order, lab, place_order):
    holder = patient_account(order.patient)
    report = result(order, lab)
    result(place_order("BLOOD_ROUTINE"), lab, status="P", control_id="LIS0002")
    stranger = Actor(kind=ActorKind.PATIENT, label="139****0000", account_id=holder.account_id + 1)

    assert list(services.visible_reports(holder)) == [report]
    assert not services.visible_reports(stranger).exists()


# --- recognition ----------------------------------------------------------------------------


def test_ordering_again_within_the_window_warns_with_the_result(order, lab, doctor_actor):
    report = result(order, lab)

    warned = services.recognised_results_for(order.patient, order.item, actor=doctor_actor)

    assert warned == [report]
    assert warned[0].observations.all()[0].value == "5.6"


def test_no_warning_outside_the_items_window_or_for_a_never_recognised_item(
    order, lab, doctor_actor, clock
):
    result(order, lab)
    RecognitionWindow.objects.create(item_code="BLOOD_FASTING", days=3)
    clock.set(NOW + dt.timedelta(days=2))
    assert services.recognised_results_for(order.patient, "BLOOD_FASTING", actor=doctor_actor)

    clock.set(NOW + dt.timedelta(days=4))
    assert not services.recognised_results_for(order.patient, "BLOOD_FASTING", actor=doctor_actor)

    RecognitionWindow.objects.filter(item_code="BLOOD_FASTING").update(days=0)
    clock.set(NOW)
    assert not services.recognised_results_for(order.patient, "BLOOD_FASTING", actor=doctor_actor)


def test_an_override_needs_a_reason_and_is_recorded(order, lab, doctor_actor):
    report = result(order, lab)
    decide = services.record_recognition_decision

    with pytest.raises(InvalidInput) as refused:
        decide(
            order.patient_id, "BLOOD_FASTING", report.pk, outcome="overridden", actor=doctor_actor
        )
    assert refused.value.errors[0].field == "reason"

    decision = decide(
        order.patient_id,
        "BLOOD_FASTING",
        report.pk,
        outcome="overridden",
        reason="病情变化，需复查",
        actor=doctor_actor,
    )

    assert decision.decided_by == doctor_actor.user
    assert decision.reason == "病情变化，需复查"


def test_a_result_that_does_not_answer_the_exam_cannot_be_cited(order, lab, doctor_actor):
    report = result(order, lab)
    with pytest.raises(InvalidInput) as refused:
        services.record_recognition_decision(
            order.patient_id, "CT_ABD", report.pk, outcome="reused", actor=doctor_actor
        )
    assert refused.value.errors[0].field == "report_id"


def test_repeat_exams_avoided_are_counted_per_institution_and_period(
    order, lab, doctor_actor, township_doctor, township, make_staff, tertiary, clock
):
    report = result(order, lab)
    share(order.patient, township, make_staff, tertiary)
    decide = services.record_recognition_decision
    decide(order.patient_id, "BLOOD_FASTING", report.pk, outcome="reused", actor=doctor_actor)
    decide(order.patient_id, "BLOOD_FASTING", report.pk, outcome="reused", actor=township_doctor)
    decide(
        order.patient_id,
        "BLOOD_FASTING",
        report.pk,
        outcome="overridden",
        reason="术前需当日结果",
        actor=township_doctor,
    )
    clock.advance(dt.timedelta(days=1))
    decide(order.patient_id, "BLOOD_FASTING", report.pk, outcome="reused", actor=doctor_actor)

    today = NOW.date()
    counts = {c.institution_id: c for c in services.repeat_exam_counts(today, today)}

    assert (counts[tertiary.pk].warnings, counts[tertiary.pk].avoided) == (1, 1)
    assert (counts[township.pk].avoided, counts[township.pk].overridden) == (1, 1)
    assert counts[township.pk].institution_name == township.name
    week = services.repeat_exam_counts(
        today, today + dt.timedelta(days=6), institution_id=tertiary.pk
    )
    assert [(c.institution_id, c.avoided) for c in week] == [(tertiary.pk, 2)]
    assert RecognitionDecision.objects.count() == 4


# --- recognition enforced at ordering -------------------------------------------------------


def test_ordering_an_exam_a_recognised_result_answers_needs_a_reason(
    order, lab, doctor_actor, place_order
):
    report = result(order, lab)

    with pytest.raises(services.RecognisedResultExists) as refused:
        place_order()
    assert refused.value.code == "recognised_result"
    assert "BLOOD_FASTING" not in str(refused.value.message)

    again = place_order(override_reason="  术前需当日空腹血糖 ")

    decision = RecognitionDecision.objects.get()
    assert (decision.outcome, decision.report_id) == ("overridden", report.pk)
    assert decision.reason == "术前需当日空腹血糖"
    assert again.item.code == "BLOOD_FASTING"
    # Another exam is not answered by this result.
    place_order("CT_ABD")


def test_an_override_recorded_at_the_form_counts_for_the_next_order_only(
    order, lab, doctor_actor, place_order, clock
):
    report = result(order, lab)
    clock.advance(dt.timedelta(days=1))  # the next day, another doctor orders again
    services.record_recognition_decision(
        order.patient_id,
        "BLOOD_FASTING",
        report.pk,
        outcome="overridden",
        reason="病情变化，需复查",
        actor=doctor_actor,
    )
    clock.advance(dt.timedelta(minutes=5))
    place_order()  # the override just recorded answers the warning

    with pytest.raises(services.RecognisedResultExists):
        place_order()  # …once


def test_an_override_an_hour_old_or_a_reuse_does_not_count(
    order, lab, doctor_actor, place_order, clock
):
    report = result(order, lab)
    decide = services.record_recognition_decision
    decide(order.patient_id, "BLOOD_FASTING", report.pk, outcome="reused", actor=doctor_actor)
    with pytest.raises(services.RecognisedResultExists):
        place_order()

    decide(
        order.patient_id,
        "BLOOD_FASTING",
        report.pk,
        outcome="overridden",
        reason="病情变化，需复查",
        actor=doctor_actor,
    )
    clock.advance(dt.timedelta(minutes=services.OVERRIDE_MINUTES + 1))
    with pytest.raises(services.RecognisedResultExists):
        place_order()


def test_a_preliminary_result_does_not_stop_an_order(order, lab, place_order):
    result(order, lab, status="P")
    # The first order is still open, so the same exam again is a duplicate (exams, D116) —
    # but no recognised result is in the way: that check, which runs first, lets it through.
    with pytest.raises(InvalidInput) as refused:
        place_order()
    assert refused.value.errors[0].code == "duplicate"
    place_order(override_reason="复查")
