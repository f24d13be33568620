"""Parsing HL7 v2 ORU^R01 results and writing ACKs (R-EXAM-4): good messages become reports,
malformed ones name the segment and field at fault."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from onetrip.reports.hl7v2 import Hl7Error, acknowledgement, parse_oru
from onetrip.reports.results import LOCAL_CODE_SYSTEM, LOINC_SYSTEM, ReportKind, ReportStatus
from onetrip.reports.tests.messages import GLUCOSE, LOCAL_HBA1C, POTASSIUM_CRITICAL, oru


def fault(raw: str) -> Hl7Error:
    with pytest.raises(Hl7Error) as caught:
        parse_oru(raw)
    return caught.value


def test_a_lab_panel_becomes_one_report_with_coded_observations(clock):
    parsed = parse_oru(oru(observations=(GLUCOSE, POTASSIUM_CRITICAL, LOCAL_HBA1C)))

    assert parsed.header.control_id == "LIS0001"
    assert parsed.header.sending_facility == "H001"
    [report] = parsed.reports
    assert report.placer_number == "EX202611230001"
    assert report.status == ReportStatus.FINAL
    assert report.kind == ReportKind.LAB
    assert report.issued_at == dt.datetime.fromisoformat("2026-11-23T09:30:00+08:00")
    assert report.patient_hint == "张伟 P0001"
    glucose, potassium, hba1c = report.observations
    assert (glucose.code, glucose.code_system, glucose.unit) == ("2345-7", LOINC_SYSTEM, "mmol/L")
    assert glucose.numeric_value == Decimal("5.6")
    assert glucose.reference_range == "3.9-6.1"
    assert not glucose.is_critical
    assert potassium.abnormal_flag == "HH"
    assert potassium.is_critical
    assert (hba1c.code, hba1c.code_system, hba1c.display) == (
        "HBA1C",
        LOCAL_CODE_SYSTEM,
        "糖化血红蛋白",
    )


def test_newlines_and_mllp_framing_are_accepted(clock):
    raw = "\x0b" + oru(separator="\n") + "\x1c\r"
    assert parse_oru(raw).reports[0].placer_number == "EX202611230001"


def test_an_imaging_report_keeps_its_narrative_with_line_breaks(clock):
    narrative = "OBX|1|TX|19005-8^Impression^LN||肝脏大小正常\\.br\\胆囊未见异常||||||F"
    [report] = parse_oru(
        oru(section="RUS", service="US-ABD^腹部超声^L", observations=(narrative,))
    ).reports
    assert report.kind == ReportKind.IMAGING
    assert report.observations[0].value == "肝脏大小正常\n胆囊未见异常"
    assert report.observations[0].numeric_value is None


@pytest.mark.parametrize(
    ("raw", "location", "code"),
    [
        (oru(observations=("OBX|1|NM|2345-7^Glucose^LN||5,6|mmol/L",)), "OBX[1]-5", "102"),
        (oru(observations=(GLUCOSE, "OBX|2|NM|2823-3^K^LN||||")), "OBX[2]-5", "101"),
        (oru(observations=("OBX|1|NM|^Glucose^LN||5.6",)), "OBX[1]-3", "101"),
        (oru(observations=("OBX|1|NM|2345-7^Glucose^LN||5.6|mmol/L||ZZ",)), "OBX[1]-8", "103"),
        (oru(observations=("OBX|1|ED|2345-7^Glucose^LN||x",)), "OBX[1]-2", "103"),
        (oru(placer=""), "OBR[1]-2", "101"),
        (oru(status="X"), "OBR[1]-25", "103"),
        (oru(control_id=""), "MSH[1]-10", "101"),
        (oru(observations=()), "OBR[1]-0", "100"),
    ],
)
def test_a_malformed_message_names_the_segment_and_field_at_fault(clock, raw, location, code):
    error = fault(raw)
    assert (error.location, error.code) == (location, code)
    assert not error.rejects_message


def test_other_message_types_and_versions_are_rejected_not_errors(clock):
    assert fault(oru(message_type="ADT^A01")).rejects_message
    assert fault(oru(version="3.0")).location == "MSH[1]-12"
    assert fault("hello").location == "MSH[1]-0"


def test_the_ack_echoes_the_control_id_and_points_at_the_fault(clock):
    raw = oru(observations=("OBX|1|NM|2345-7^Glucose^LN||5,6|mmol/L",))
    ack = acknowledgement(raw, "AE", text="rejected", error=fault(raw))

    msh, msa, err = ack.rstrip("\r").split("\r")
    assert msh.split("|")[8] == "ACK^R01^ACK"
    assert msh.split("|")[4:6] == ["LIS", "H001"]
    assert msa.split("|")[:3] == ["MSA", "AE", "LIS0001"]
    assert err.split("|")[2:5] == ["OBX^1^5", "102", "E"]
    assert "5,6 is not a number" in err
