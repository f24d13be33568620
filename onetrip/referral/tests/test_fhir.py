"""FHIR R4 at /fhir/ (validated with fhir.resources R4B models): a referral as `ServiceRequest`
with its workflow `Task`, the downward `CarePlan`, a reading's request and task, and the shared
record as `Patient/{id}/$everything`; strangers get an OperationOutcome 404."""

from __future__ import annotations

import pytest
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.careplan import CarePlan
from fhir.resources.R4B.servicerequest import ServiceRequest
from fhir.resources.R4B.task import Task

from onetrip.conftest import NOW, actor_for
from onetrip.consortium import services as consortium
from onetrip.consortium.models import InstitutionLevel
from onetrip.core.actors import SYSTEM
from onetrip.core.models import AuditEvent
from onetrip.exams import catalogue
from onetrip.exams import services as exams
from onetrip.referral.services import consultations, referrals
from onetrip.referral.tests.conftest import arrive, back_down, primary_care_slot, refer

pytestmark = pytest.mark.django_db


def get(client, actor, path):
    client.force_login(actor.user)
    return client.get(path)


def test_a_referral_is_a_service_request_with_a_task_following_the_visit(client, care):
    referral = refer(care, primary_care_slot(care, days_ahead=0), urgency="urgent")
    request = ServiceRequest.model_validate(
        get(client, care.office, f"/fhir/ServiceRequest/referral-{referral.pk}").json()
    )
    assert (request.status, request.priority, request.subject.reference) == (
        "active",
        "urgent",
        f"Patient/{care.patient.pk}",
    )
    task = Task.model_validate(
        get(client, care.office, f"/fhir/Task/referral-{referral.pk}").json()
    )
    assert task.status == "requested"
    referrals.accept_referral(referral.pk, actor=care.office)
    arrive(care, referral)
    task = Task.model_validate(
        get(client, care.office, f"/fhir/Task/referral-{referral.pk}").json()
    )
    assert task.status == "completed"
    assert task.output[0].valueReference.reference == f"Appointment/{referral.appointment_id}"


def test_the_care_plan_and_the_shared_record_bundle(client, care):
    refer(care)
    down = back_down(care, 7, 21)
    plan = CarePlan.model_validate(
        get(client, care.family_doctor, f"/fhir/CarePlan/{down.pk}").json()
    )
    assert [a.detail.kind for a in plan.activity] == [
        "Appointment",
        "Appointment",
        "MedicationRequest",
    ]
    views = AuditEvent.objects.filter(action="view", summary="shared record").count()
    response = get(client, care.family_doctor, f"/fhir/Patient/{care.patient.pk}/$everything")
    bundle = Bundle.model_validate(response.json())
    kinds = sorted({e.resource.get_resource_type() for e in bundle.entry})
    assert kinds == [
        "Appointment",
        "CarePlan",
        "Condition",
        "MedicationStatement",
        "Patient",
        "ServiceRequest",
        "Task",
    ]
    assert AuditEvent.objects.filter(action="view", summary="shared record").count() == views + 1


def test_a_reading_request_carries_its_references_and_its_answer_is_a_report(client, care):
    catalogue.load_default_catalogue()
    catalogue.equip_institution(care.township.pk, {"ecg": 1}, NOW.date(), 2)
    order = exams.place_exam_order(
        patient_id=care.patient.pk, item_code="ECG", actor=care.family_doctor
    )
    asked = consultations.request_consultation(
        consultations.ConsultationIn(
            patient_id=care.patient.pk,
            kind="ecg",
            consulting_institution_id=care.hospital.pk,
            question="胸闷，请判读",
            exam_order_id=order.pk,
            waveform_file="ecg/0001.xml",
            urgency="urgent",
        ),
        actor=care.family_doctor,
    )
    assert (asked.due_at - asked.requested_at).total_seconds() == 15 * 60
    request = ServiceRequest.model_validate(
        get(client, care.family_doctor, f"/fhir/ServiceRequest/consultation-{asked.pk}").json()
    )
    assert request.supportingInfo[0].identifier.value == "ecg/0001.xml"
    answered = consultations.answer_consultation(
        asked.pk, opinion="窦性心律", actor=care.hospital_doctor
    )
    report = answered.report
    # The reading is the township's exam report, in its record and closing its order.
    assert (report.patient_id, report.ordering_institution_id) == (
        care.patient.pk,
        care.township.pk,
    )
    assert report.conclusion == "窦性心律"
    task = Task.model_validate(
        get(client, care.family_doctor, f"/fhir/Task/consultation-{asked.pk}").json()
    )
    assert task.output[0].valueReference.reference == f"DiagnosticReport/{report.pk}"


def test_strangers_get_not_found(client, care, make_staff):
    referral = refer(care)
    other = consortium.create_institution(
        code="C010", name="北山县人民医院", level=InstitutionLevel.COUNTY, actor=SYSTEM
    )
    stranger = actor_for(make_staff("referral", other))
    response = get(client, stranger, f"/fhir/ServiceRequest/referral-{referral.pk}")
    assert response.status_code == 404
    assert response.json()["resourceType"] == "OperationOutcome"
    assert get(client, stranger, "/fhir/Task/nonsense").status_code == 404
