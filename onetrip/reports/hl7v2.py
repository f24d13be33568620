"""HL7 v2 ORU^R01 results in, ACK out (R-EXAM-4), with python-hl7 doing the tokenising.

Pure functions: `parse_oru` turns a raw message into `ReportIn`s or raises `Hl7Error` naming the
segment, its occurrence and the field at fault; `acknowledgement` writes the ACK. The whole
message is checked before anything is stored, so a bad message is never half-imported.

Fields used (v2.5): MSH-3/4 sender, MSH-9 type, MSH-10 control ID, MSH-12 version;
PID-3/5 only as a hint for staff; OBR-2 placer number (OneTrip's order number), OBR-3 filler
number, OBR-4 service, OBR-22 status change time, OBR-24 section, OBR-25 result status;
OBX-2 value type, OBX-3 code (LN = LOINC), OBX-5 value, OBX-6 unit, OBX-7 range, OBX-8 flag.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

import hl7
from django.utils import timezone

from onetrip.core import clock
from onetrip.reports.results import (
    LOCAL_CODE_SYSTEM,
    LOINC_SYSTEM,
    AbnormalFlag,
    ObservationIn,
    ReportIn,
    ReportKind,
    ReportStatus,
)

SUPPORTED_VERSIONS = ("2.3", "2.3.1", "2.4", "2.5", "2.5.1", "2.6")
RESULT_STATUSES = {
    "P": ReportStatus.PRELIMINARY,
    "F": ReportStatus.FINAL,
    "C": ReportStatus.CORRECTED,
}
# HL7 table 0074 sections whose reports are images read by a radiologist (or a tracing).
IMAGING_SECTIONS = frozenset({"RAD", "CT", "NMR", "NMS", "RUS", "OUS", "CUS", "VUS", "XRC", "EC"})
VALUE_TYPES = frozenset({"NM", "SN", "ST", "TX", "FT", "CE", "CWE"})
LOINC_CODING_SYSTEMS = frozenset({"LN", "LOINC"})

# HL7 table 0357 (message error condition codes).
SEGMENT_SEQUENCE_ERROR = "100"
REQUIRED_FIELD_MISSING = "101"
DATA_TYPE_ERROR = "102"
TABLE_VALUE_NOT_FOUND = "103"
UNSUPPORTED_MESSAGE_TYPE = "200"
UNSUPPORTED_VERSION = "203"


class Hl7Error(Exception):
    """What is wrong and where: `OBX[2]-5` is the fifth field of the second OBX segment."""

    def __init__(
        self, message: str, *, segment: str, field: int, occurrence: int = 1, code: str
    ) -> None:
        super().__init__(message)
        self.message = message
        self.segment = segment
        self.occurrence = occurrence
        self.field = field
        self.code = code

    @property
    def location(self) -> str:
        return f"{self.segment}[{self.occurrence}]-{self.field}"

    @classmethod
    def at(cls, location: str, message: str, code: str) -> Hl7Error:
        """The error stored as `location` ("OBX[2]-5"), as when it was raised."""
        segment, rest = location.split("[", 1)
        occurrence, field = rest.split("]-", 1)
        return cls(
            message, segment=segment, occurrence=int(occurrence), field=int(field), code=code
        )

    @property
    def rejects_message(self) -> bool:
        """AR (the message is not one we take at all) rather than AE (its content is wrong)."""
        return self.code in (UNSUPPORTED_MESSAGE_TYPE, UNSUPPORTED_VERSION)


@dataclass(frozen=True)
class Header:
    sending_application: str
    sending_facility: str
    control_id: str
    version: str


@dataclass(frozen=True)
class ParsedMessage:
    header: Header
    reports: list[ReportIn]


def normalise(raw: str) -> str:
    """Strip MLLP framing and accept LF or CRLF segment ends (HL7 wants CR)."""
    text = raw.strip("\x0b\x1c\r\n ")
    return "\r".join(line for line in text.replace("\r\n", "\r").replace("\n", "\r").split("\r"))


class _Segment:
    """One segment with field access that unescapes and splits components."""

    def __init__(self, message: hl7.Message, segment: hl7.Segment, occurrence: int) -> None:
        self._message = message
        self._segment = segment
        self.name = str(segment[0])
        self.occurrence = occurrence

    def components(self, index: int) -> list[str]:
        if index >= len(self._segment):
            return [""]
        first_repetition = str(self._segment[index]).split("~")[0]
        # The formatted-text line break (\\.br\\) unescapes to CR, which is the segment end here.
        return [
            self._message.unescape(part).replace("\r", "\n") for part in first_repetition.split("^")
        ]

    def text(self, index: int) -> str:
        return self.components(index)[0].strip()

    def error(self, message: str, field: int, code: str) -> Hl7Error:
        return Hl7Error(
            message, segment=self.name, field=field, occurrence=self.occurrence, code=code
        )

    def required(self, index: int, what: str) -> str:
        value = self.text(index)
        if not value:
            raise self.error(f"{what} is missing", index, REQUIRED_FIELD_MISSING)
        return value


def parse_oru(raw: str) -> ParsedMessage:
    """Every report of an ORU^R01 message, or `Hl7Error` at the first fault."""
    text = normalise(raw)
    if not text.startswith("MSH"):
        raise Hl7Error(
            "the message does not start with an MSH segment",
            segment="MSH",
            field=0,
            code=SEGMENT_SEQUENCE_ERROR,
        )
    try:
        message = hl7.parse(text)
    except Exception as exc:  # python-hl7 raises several types for unreadable text
        raise Hl7Error(
            f"the message cannot be read: {exc}", segment="MSH", field=1, code=DATA_TYPE_ERROR
        ) from None
    header = _header(_Segment(message, message.segment("MSH"), 1))
    return ParsedMessage(header=header, reports=_reports(message))


def _header(msh: _Segment) -> Header:
    message_type = msh.components(9)
    if message_type[:2] != ["ORU", "R01"]:
        raise msh.error(
            f"message type {'^'.join(message_type[:2])} is not ORU^R01", 9, UNSUPPORTED_MESSAGE_TYPE
        )
    version = msh.required(12, "version ID")
    if version not in SUPPORTED_VERSIONS:
        raise msh.error(f"version {version} is not supported", 12, UNSUPPORTED_VERSION)
    control_id = msh.required(10, "message control ID")
    if len(control_id) > 50:
        raise msh.error("message control ID is longer than 50 characters", 10, DATA_TYPE_ERROR)
    return Header(
        sending_application=msh.text(3)[:60],
        sending_facility=msh.text(4)[:60],
        control_id=control_id,
        version=version,
    )


def _reports(message: hl7.Message) -> list[ReportIn]:
    """Group OBX segments under the OBR before them; PID applies to the OBRs that follow it."""
    groups: list[tuple[_Segment, list[_Segment]]] = []
    patient_hint = ""
    seen: dict[str, int] = {}
    for raw_segment in message:
        name = str(raw_segment[0])
        seen[name] = seen.get(name, 0) + 1
        segment = _Segment(message, raw_segment, seen[name])
        if name == "PID":
            patient_hint = _patient_hint(segment)
        elif name == "OBR":
            groups.append((segment, []))
        elif name == "OBX":
            if not groups:
                raise segment.error("OBX before any OBR", 0, SEGMENT_SEQUENCE_ERROR)
            groups[-1][1].append(segment)
    if not groups:
        raise Hl7Error(
            "the message has no OBR segment", segment="OBR", field=0, code=SEGMENT_SEQUENCE_ERROR
        )
    return [_report(obr, obxs, patient_hint) for obr, obxs in groups]


def _patient_hint(pid: _Segment) -> str:
    identifier = pid.text(3)
    name = "".join(pid.components(5)[:2]).strip()
    return " ".join(part for part in (name, identifier) if part)[:120]


def _report(obr: _Segment, obxs: list[_Segment], patient_hint: str) -> ReportIn:
    placer_number = obr.required(2, "placer order number")
    service = obr.components(4)
    if not service[0].strip():
        raise obr.error("universal service ID is missing", 4, REQUIRED_FIELD_MISSING)
    status_code = obr.required(25, "result status")
    status = RESULT_STATUSES.get(status_code)
    if status is None:
        raise obr.error(
            f"result status {status_code} is not one of P, F, C", 25, TABLE_VALUE_NOT_FOUND
        )
    if not obxs:
        raise obr.error("the order has no OBX result segment", 0, SEGMENT_SEQUENCE_ERROR)
    section = obr.text(24).upper()
    return ReportIn(
        placer_number=placer_number[:40],
        filler_number=obr.text(3)[:40],
        kind=ReportKind.IMAGING if section in IMAGING_SECTIONS else ReportKind.LAB,
        status=status,
        service_code=service[0].strip()[:40],
        service_name=(service[1] if len(service) > 1 else "").strip()[:120],
        service_system=_code_system(service),
        issued_at=_timestamp(obr, 22) or clock.now(),
        patient_hint=patient_hint,
        observations=[_observation(obx) for obx in obxs],
    )


def _timestamp(segment: _Segment, index: int) -> dt.datetime | None:
    value = segment.text(index)
    if not value:
        return None
    try:
        moment = hl7.parse_datetime(value)
    except ValueError:
        raise segment.error(
            f"{value} is not an HL7 date and time", index, DATA_TYPE_ERROR
        ) from None
    if moment is None:
        return None
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


def _observation(obx: _Segment) -> ObservationIn:
    value_type = obx.required(2, "value type")
    if value_type not in VALUE_TYPES:
        raise obx.error(f"value type {value_type} is not supported", 2, TABLE_VALUE_NOT_FOUND)
    identifier = obx.components(3)
    code = identifier[0].strip()
    if not code:
        raise obx.error("observation identifier is missing", 3, REQUIRED_FIELD_MISSING)
    value = _value(obx, value_type)
    flag = obx.text(8)
    if flag and flag not in AbnormalFlag.values:
        raise obx.error(f"abnormal flag {flag} is not known", 8, TABLE_VALUE_NOT_FOUND)
    unit = obx.components(6)
    return ObservationIn(
        code=code[:40],
        display=(identifier[1] if len(identifier) > 1 else "").strip()[:120],
        code_system=_code_system(identifier),
        value=value[0],
        numeric_value=value[1],
        unit=unit[0].strip()[:30],
        reference_range=obx.text(7)[:60],
        abnormal_flag=flag,
    )


def _code_system(coded: list[str]) -> str:
    """CE/CWE component 3 names the coding system: LN is LOINC, anything else is local."""
    name = (coded[2] if len(coded) > 2 else "").strip().upper()
    return LOINC_SYSTEM if name in LOINC_CODING_SYSTEMS else LOCAL_CODE_SYSTEM


def _value(obx: _Segment, value_type: str) -> tuple[str, Decimal | None]:
    if value_type == "NM":
        raw = obx.required(5, "observation value")
        try:
            number = Decimal(raw)
        except InvalidOperation:
            raise obx.error(f"{raw} is not a number", 5, DATA_TYPE_ERROR) from None
        if not number.is_finite() or abs(number) >= Decimal("1e12"):
            raise obx.error(f"{raw} is out of range", 5, DATA_TYPE_ERROR)
        return raw, number
    parts = [part.strip() for part in obx.components(5)]
    if value_type in ("CE", "CWE"):
        text = parts[1] if len(parts) > 1 and parts[1] else parts[0]  # the text, else the code
    elif value_type == "SN":
        text = "".join(parts)  # "<^5" is "<5"
    else:
        text = "^".join(parts)
    if not text:
        raise obx.error("observation value is missing", 5, REQUIRED_FIELD_MISSING)
    return text[:4000], None


# --- acknowledgement ------------------------------------------------------------------------


def acknowledgement(raw: str, code: str, *, text: str = "", error: Hl7Error | None = None) -> str:
    """An ACK for `raw`: MSA-1 AA, AE or AR, with an ERR segment pointing at `error`."""
    fields = header_fields(raw)
    now = clock.now().strftime("%Y%m%d%H%M%S%z")
    msh = "|".join(
        [
            "MSH",
            "^~\\&",
            "ONETRIP",
            "ONETRIP",
            fields.get(3, ""),
            fields.get(4, ""),
            now,
            "",
            "ACK^R01^ACK",
            f"ACK{secrets.token_hex(8)}",
            "P",
            fields.get(12, "") or "2.5",
        ]
    )
    segments = [msh, "|".join(["MSA", code, fields.get(10, ""), _escape(text)[:80]])]
    if error is not None:
        location = f"{error.segment}^{error.occurrence}^{error.field}"
        segments.append(
            "|".join(["ERR", "", location, error.code, "E", "", "", _escape(error.message)])
        )
    return "\r".join(segments) + "\r"


def header_fields(raw: str) -> dict[int, str]:
    """MSH fields read leniently: even a rejected message's ACK names the sender and control ID."""
    first = normalise(raw).split("\r")[0]
    if not first.startswith("MSH") or len(first) < 4:
        return {}
    parts = first.split(first[3])
    # parts[0] is "MSH", parts[1] the encoding characters (MSH-2); MSH-n is parts[n - 1].
    return {n: parts[n - 1][:50] for n in range(3, len(parts) + 1)}


def _escape(text: str) -> str:
    return (
        text.replace("\\", "\\E\\")
        .replace("|", "\\F\\")
        .replace("^", "\\S\\")
        .replace("&", "\\T\\")
        .replace("~", "\\R\\")
        .replace("\r", " ")
    )
