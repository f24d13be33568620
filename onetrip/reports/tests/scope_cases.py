"""Reports' registrations for the generated scoping and audit test (`core/tests/scoping.py`)."""

from __future__ import annotations

from onetrip.core.actors import Actor, ActorKind, Channel
from onetrip.core.tests.scoping import OwnPatient, Staff, Target, Unscoped, World
from onetrip.exams.tests.scope_cases import an_order
from onetrip.reports import services
from onetrip.reports.models import CriticalAlert, InboundMessage, Report
from onetrip.reports.tests.messages import GLUCOSE, POTASSIUM_CRITICAL, oru


def _lab(world: World) -> Actor:
    return Actor(
        kind=ActorKind.CLIENT,
        label="LIS H001",
        institution_id=world.home.pk,
        client_id=1,
        channel=Channel.API,
    )


def a_filed_report(world: World, *observations: str) -> Report:
    order = an_order(world, "BLOOD_FASTING")
    services.receive_hl7(
        oru(placer=order.placer_number, observations=observations or (GLUCOSE,)), actor=_lab(world)
    )
    return Report.objects.get(order_id=order.pk)


def a_report(world: World) -> Target:
    return Target({"report_id": a_filed_report(world).pk}, world.patient.pk)


def an_observation(world: World) -> Target:
    observation = a_filed_report(world).observations.first()
    return Target({"observation_id": observation.pk}, world.patient.pk)


def the_patient(world: World) -> Target:
    a_filed_report(world)
    return Target({"patient_id": world.patient.pk}, world.patient.pk)


def a_recognition_check(world: World) -> Target:
    report = a_filed_report(world)
    return Target(
        {}, world.patient.pk, query={"patient_id": world.patient.pk, "item_code": report.item_code}
    )


def a_recognition_decision(world: World) -> Target:
    report = a_filed_report(world)
    body = {
        "patient_id": world.patient.pk,
        "item_code": report.item_code,
        "report_id": report.pk,
        "outcome": "reused",
    }
    return Target({}, world.patient.pk, body=body)


def a_critical_alert(world: World, body: dict | None = None) -> Target:
    a_filed_report(world, GLUCOSE, POTASSIUM_CRITICAL)
    alert = CriticalAlert.objects.get()
    return Target({"alert_id": alert.pk}, world.patient.pk, body=body)


def a_quarantined_report(world: World) -> Target:
    """Results for an order number nobody placed, held at the home hospital; the body names a
    real order of the home hospital to file them on."""
    order = an_order(world, "BLOOD_FASTING")
    services.receive_hl7(oru(placer="EX-UNKNOWN"), actor=_lab(world))
    report = Report.objects.get(order__isnull=True)
    return Target(
        {"report_id": report.pk}, world.patient.pk, body={"placer_number": order.placer_number}
    )


def a_rejected_message(world: World) -> Target:
    services.receive_hl7(oru(version="9.9"), actor=_lab(world))
    message = InboundMessage.objects.get(status="rejected")
    return Target({"message_id": message.pk}, None, body={"corrected_raw": ""})


CASES = {
    "POST /api/reports/results": Unscoped(
        "message_id is the sender's own retry key, not a record; results are filed only on an "
        "order the sender's institution performs, others are quarantined at the sender's own"
    ),
    "GET /api/reports/patients/{patient_id}": Staff(the_patient, "doctor"),
    "GET /api/reports/{report_id}": (Staff(a_report, "doctor"), OwnPatient(a_report)),
    "GET /api/reports/recognition/check": Staff(a_recognition_check, "doctor"),
    "POST /api/reports/recognition/decisions": Staff(a_recognition_decision, "doctor"),
    "POST /api/reports/critical/{alert_id}/acknowledge": Staff(
        lambda w: a_critical_alert(w, {"note": "已电话通知"}), "doctor"
    ),
    "staff/reports/patients/<id:patient_id>": Staff(the_patient, "doctor"),
    "staff/reports/<id:report_id>": Staff(a_report, "doctor"),
    "staff/reports/<id:report_id>.pdf": Staff(a_report, "doctor"),
    "staff/reports/critical/<id:alert_id>/acknowledge": Staff(
        a_critical_alert, "doctor", method="POST"
    ),
    "staff/reports/quarantine/<id:report_id>/attach": Staff(
        a_quarantined_report, "exam_centre", method="POST"
    ),
    "staff/reports/messages/<id:message_id>/replay": Staff(
        a_rejected_message,
        "exam_centre",
        method="POST",
        audited=False,
        why_not_audited="a rejected message names no patient the platform knows",
    ),
    # FHIR reads take a staff session as well as an institution's API key (`fhir_caller`).
    "fhir/DiagnosticReport/<str:report_id>": Staff(a_report, "doctor"),
    "fhir/Observation/<str:observation_id>": Staff(an_observation, "doctor"),
    "p/reports/<id:report_id>": OwnPatient(a_report),
    "p/reports/<id:report_id>.pdf": OwnPatient(a_report),
}
