"""Results in (R-EXAM-4): HL7 and JSON reports filed on their order, the patient told in the same
transaction; duplicates, malformed messages, quarantine and replay."""

from __future__ import annotations

import pytest
from django.utils import translation

from onetrip.core import clock as clock_module
from onetrip.core.errors import InvalidInput, NotFound
from onetrip.core.models import AuditEvent
from onetrip.exams.models import OrderStatus
from onetrip.notifications.testing import delivered
from onetrip.reports import services
from onetrip.reports.models import InboundMessage, MessageStatus, Report
from onetrip.reports.results import LOINC_SYSTEM, ObservationIn, ReportIn, ReportStatus
from onetrip.reports.tests.messages import GLUCOSE, LOCAL_HBA1C, obr, oru

pytestmark = pytest.mark.django_db


def test_a_final_result_is_filed_on_its_order_and_the_patient_is_told(order, lab):
    receipt = services.receive_hl7(
        oru(placer=order.placer_number, observations=(GLUCOSE, LOCAL_HBA1C)), actor=lab
    )

    assert receipt.ack_code == "AA"
    assert "|MSA|AA|LIS0001" in receipt.ack.replace("\r", "|")
    report = Report.objects.get()
    assert report.patient_id == order.patient_id
    assert report.item_code == "BLOOD_FASTING"
    assert report.status == ReportStatus.FINAL
    assert [o.code for o in report.observations.all()] == ["2345-7", "HBA1C"]
    order.refresh_from_db()
    assert order.status == OrderStatus.COMPLETED
    [sms] = delivered().filter(purpose="report_ready")
    assert sms.phone == order.patient.phone
    assert f"/p/reports/{report.pk}" in sms.body
    assert "张*" in sms.body
    assert "张伟" not in sms.body


def test_a_preliminary_result_waits_for_the_final_before_telling_the_patient(order, lab):
    services.receive_hl7(oru(placer=order.placer_number, status="P"), actor=lab)
    assert not delivered().filter(purpose="report_ready").exists()

    services.receive_hl7(oru(placer=order.placer_number, control_id="LIS0002"), actor=lab)

    report = Report.objects.get()
    assert (report.status, report.version) == (ReportStatus.FINAL, 2)
    assert delivered().filter(purpose="report_ready").count() == 1


def test_a_repeated_message_is_filed_once(order, lab):
    raw = oru(placer=order.placer_number)
    first = services.receive_hl7(raw, actor=lab)
    second = services.receive_hl7(raw, actor=lab)

    assert second.duplicate
    assert second.ack_code == "AA"
    assert second.message == first.message
    assert InboundMessage.objects.count() == 1
    assert Report.objects.get().version == 1
    assert delivered().filter(purpose="report_ready").count() == 1


def test_a_malformed_message_is_stored_for_replay_and_nothing_is_imported(order, lab, place_order):
    second = place_order("BLOOD_ROUTINE")
    bad_obx = "OBX|1|NM|718-7^Hemoglobin^LN||abc|g/L"
    raw = oru(placer=order.placer_number) + obr(second.placer_number, "", "CBC^血常规^L", "HM", "F")
    raw += "\r" + bad_obx + "\r"

    receipt = services.receive_hl7(raw, actor=lab)

    assert receipt.ack_code == "AE"
    assert "OBX^2^5" in receipt.ack
    message = InboundMessage.objects.get()
    assert (message.status, message.error_location) == (MessageStatus.REJECTED, "OBX[2]-5")
    assert message.raw == raw
    assert not Report.objects.exists()
    assert not delivered().exists()
    order.refresh_from_db()
    assert order.status == OrderStatus.ORDERED


def test_a_result_going_backwards_is_refused_whole(order, lab):
    services.receive_hl7(oru(placer=order.placer_number), actor=lab)

    receipt = services.receive_hl7(
        oru(placer=order.placer_number, control_id="LIS0002", status="P"), actor=lab
    )

    assert receipt.ack_code == "AE"
    assert receipt.message.error_location == "OBR[1]-25"
    assert Report.objects.get().status == ReportStatus.FINAL


def test_a_correction_replaces_the_values_and_tells_the_patient(order, lab):
    services.receive_hl7(oru(placer=order.placer_number), actor=lab)
    corrected = "OBX|1|NM|2345-7^Glucose^LN||7.2|mmol/L|3.9-6.1|H|||C"

    with translation.override("en"):
        services.receive_hl7(
            oru(
                placer=order.placer_number,
                control_id="LIS0002",
                status="C",
                observations=(corrected,),
            ),
            actor=lab,
        )

    report = Report.objects.get()
    assert report.status == ReportStatus.CORRECTED
    assert [o.value for o in report.observations.all()] == ["7.2"]
    latest = delivered().filter(purpose="report_ready").order_by("-id").first()
    assert "已更正" in latest.body  # in the patient's language (Chinese by default), not the lab's


def test_a_report_for_an_unknown_order_is_quarantined_not_guessed(order, lab):
    receipt = services.receive_hl7(oru(placer="EO-NOBODY"), actor=lab)

    assert receipt.ack_code == "AA"
    report = Report.objects.get()
    assert report.patient is None
    assert report.is_quarantined
    assert report.patient_hint == "张伟 P0001"  # the same name as a real patient: still not used
    assert not delivered().exists()


def test_staff_attach_a_quarantined_report_to_its_order(order, lab, make_staff, tertiary):
    from onetrip.conftest import actor_for

    services.receive_hl7(oru(placer="EO-TYPO"), actor=lab)
    desk = actor_for(make_staff("exam_centre", tertiary))
    report = services.quarantined_reports(actor=desk).get()

    with pytest.raises(InvalidInput) as refused:
        services.attach_report(report.pk, "EO-STILL-WRONG", actor=desk)
    assert refused.value.errors[0].field == "placer_number"

    services.attach_report(report.pk, order.placer_number, actor=desk)

    report.refresh_from_db()
    assert (report.patient_id, report.placer_number) == (order.patient_id, order.placer_number)
    assert not services.quarantined_reports(actor=desk).exists()
    assert delivered().filter(purpose="report_ready", phone=order.patient.phone).exists()
    assert AuditEvent.objects.filter(summary__startswith="quarantined report attached").exists()


def test_a_system_files_only_exams_done_at_its_institution(order, township):
    from onetrip.core.actors import Actor, ActorKind

    other_lab = Actor(kind=ActorKind.CLIENT, label="LIS T001", institution_id=township.pk)
    services.receive_hl7(oru(placer=order.placer_number), actor=other_lab)

    assert Report.objects.get().is_quarantined


def test_a_rejected_message_replays_once_corrected(order, lab, make_staff, tertiary):
    from onetrip.conftest import actor_for

    raw = oru(placer=order.placer_number, observations=("OBX|1|NM|2345-7^Glucose^LN||5,6|mmol/L",))
    rejected = services.receive_hl7(raw, actor=lab).message
    desk = actor_for(make_staff("exam_centre", tertiary))

    again = services.replay_message(rejected.pk, actor=desk)
    assert again.message.status == MessageStatus.REJECTED
    assert again.message.error_location == "OBX[1]-5"

    fixed = services.replay_message(
        rejected.pk, actor=desk, corrected_raw=raw.replace("5,6", "5.6")
    )

    assert fixed.ack_code == "AA"
    message = InboundMessage.objects.get()
    assert message.status == MessageStatus.ACCEPTED
    assert message.raw == raw  # the original is kept beside the correction
    assert Report.objects.get().observations.get().value == "5.6"
    with pytest.raises(NotFound):
        services.replay_message(rejected.pk, actor=desk)


def test_json_results_file_the_same_way_and_repeat_safely(order, lab, clock):
    report = ReportIn(
        placer_number=order.placer_number,
        kind="lab",
        status=ReportStatus.FINAL,
        service_code="GLU",
        service_name="空腹血糖",
        issued_at=clock_module.now(),
        observations=[ObservationIn("2345-7", "Glucose", LOINC_SYSTEM, "5.6")],
    )

    first = services.submit_report(report, message_id="req-1", actor=lab)
    second = services.submit_report(report, message_id="req-1", actor=lab)

    assert second.duplicate
    assert first.message == second.message
    assert Report.objects.get().patient_id == order.patient_id


def test_a_report_quarantined_for_an_order_placed_late_files_when_it_is_sent_again(
    place_order, lab
):
    services.receive_hl7(oru(placer="EO-LATE"), actor=lab)
    order = place_order(placer_number="EO-LATE")

    services.receive_hl7(oru(placer="EO-LATE", control_id="LIS0002"), actor=lab)

    report = Report.objects.get()
    assert report.patient_id == order.patient_id
    assert delivered().filter(purpose="report_ready").count() == 1


def test_another_institution_cannot_take_over_a_filed_report(order, lab, township):
    from onetrip.core.actors import Actor, ActorKind

    services.receive_hl7(oru(placer=order.placer_number), actor=lab)
    other_lab = Actor(kind=ActorKind.CLIENT, label="LIS T001", institution_id=township.pk)

    receipt = services.receive_hl7(
        oru(placer=order.placer_number, control_id="T0001", status="C"), actor=other_lab
    )

    assert receipt.ack_code == "AE"
    assert receipt.message.error_location == "OBR[1]-2"
    report = Report.objects.get()
    assert (report.patient_id, report.status) == (order.patient_id, ReportStatus.FINAL)


def test_a_correction_after_the_order_was_cancelled_stays_with_the_patient(order, lab):
    services.receive_hl7(oru(placer=order.placer_number), actor=lab)
    order.__class__.objects.filter(pk=order.pk).update(status=OrderStatus.CANCELLED)

    services.receive_hl7(
        oru(placer=order.placer_number, control_id="LIS0002", status="C"), actor=lab
    )

    report = Report.objects.get()
    assert (report.patient_id, report.status) == (order.patient_id, ReportStatus.CORRECTED)
