"""Reports JSON API, under /api/reports (R-EXAM-4, R-EXAM-5).

Results come in as JSON (`POST /results`) or as a raw HL7 v2 ORU^R01 message (`POST /hl7`,
answered with the HL7 ACK), from an institution's system (`X-Api-Key`) or staff allowed to file
results. Patients read their own reports (`/my`), staff the results of their patients across the
consortium; `/recognition` is the repeat-exam warning for an order form."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Literal

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from ninja import Field, Router, Schema, Status

from onetrip.core.actors import Channel
from onetrip.core.api_auth import StaffSession
from onetrip.core.bounds import Day, Id, Moment
from onetrip.core.errors import InvalidInput
from onetrip.reports import services
from onetrip.reports.models import Report
from onetrip.reports.results import (
    LOCAL_CODE_SYSTEM,
    LOINC_SYSTEM,
    ObservationIn,
    ReportIn,
)
from onetrip.web.auth import SIGNED_IN, SYSTEM_OR_STAFF, caller
from onetrip.web.sessions import PatientSession, current_patient_actor

router = Router(tags=["reports"])

HL7_CONTENT_TYPE = "x-application/hl7-v2+er7"
MAX_HL7_BYTES = 1_000_000
CODE_SYSTEMS = {"loinc": LOINC_SYSTEM, "local": LOCAL_CODE_SYSTEM}


# --- schemas --------------------------------------------------------------------------------


class ObservationBody(Schema):
    code: str = Field(min_length=1, max_length=40)
    system: Literal["loinc", "local"] = "loinc"
    display: str = Field("", max_length=120)
    value: str = Field(min_length=1, max_length=4000)
    unit: str = Field("", max_length=30)
    reference_range: str = Field("", max_length=60)
    abnormal_flag: Literal["", "N", "L", "H", "LL", "HH", "A", "AA"] = ""


class ReportBody(Schema):
    message_id: str = Field(min_length=1, max_length=50, description="Repeat it to retry safely.")
    placer_number: str = Field(min_length=1, max_length=40)
    kind: Literal["lab", "imaging"]
    status: Literal["preliminary", "final", "corrected"]
    service_code: str = Field(min_length=1, max_length=40)
    service_system: Literal["loinc", "local"] = "local"
    service_name: str = Field("", max_length=120)
    issued_at: Moment
    filler_number: str = Field("", max_length=40)
    conclusion: str = Field("", max_length=4000)
    observations: list[ObservationBody] = Field(min_length=1, max_length=200)


class ObservationOut(Schema):
    code: str
    code_system: str
    display: str
    value: str
    unit: str
    reference_range: str
    abnormal_flag: str


class ReportOut(Schema):
    id: int
    patient_id: int | None
    placer_number: str
    kind: str
    status: str
    service_code: str
    service_name: str
    issued_at: dt.datetime
    version: int
    quarantined: bool
    institution: str
    observations: list[ObservationOut]

    @staticmethod
    def resolve_quarantined(report: Report) -> bool:
        return report.is_quarantined

    @staticmethod
    def resolve_institution(report: Report) -> str:
        institution = report.performing_institution
        return institution.name if institution else ""

    @staticmethod
    def resolve_observations(report: Report) -> list:
        return list(report.observations.all())


class SubmissionOut(Schema):
    message_id: int
    duplicate: bool
    reports: list[ReportOut]


class RecognitionDecisionIn(Schema):
    patient_id: Id
    item_code: str = Field(min_length=1, max_length=32)
    report_id: Id
    outcome: Literal["reused", "overridden"]
    reason: str = Field("", max_length=300)


class DecisionOut(Schema):
    id: int
    outcome: str
    decided_at: dt.datetime


class AcknowledgeIn(Schema):
    note: str = Field("", max_length=300)


class AlertOut(Schema):
    id: int
    report_id: int
    code: str
    value: str
    flag: str
    raised_at: dt.datetime
    acknowledged_at: dt.datetime | None


class RepeatExamCountOut(Schema):
    institution_id: int
    institution_name: str
    warnings: int
    avoided: int
    overridden: int


# --- results in -----------------------------------------------------------------------------


def _report_in(body: ReportBody) -> ReportIn:
    issued_at = body.issued_at
    if timezone.is_naive(issued_at):
        issued_at = timezone.make_aware(issued_at)
    return ReportIn(
        placer_number=body.placer_number.strip(),
        kind=body.kind,
        status=body.status,
        service_code=body.service_code.strip(),
        service_system=CODE_SYSTEMS[body.service_system],
        service_name=body.service_name.strip(),
        issued_at=issued_at,
        filler_number=body.filler_number.strip(),
        conclusion=body.conclusion.strip(),
        observations=[
            ObservationIn(
                code=o.code.strip(),
                display=o.display.strip(),
                code_system=CODE_SYSTEMS[o.system],
                value=o.value.strip(),
                numeric_value=_number(o.value),
                unit=o.unit.strip(),
                reference_range=o.reference_range.strip(),
                abnormal_flag=o.abnormal_flag,
            )
            for o in body.observations
        ],
    )


def _number(text: str) -> Decimal | None:
    try:
        number = Decimal(text.strip())
    except InvalidOperation:
        return None
    return number if number.is_finite() and abs(number) < Decimal("1e12") else None


@router.post(
    "/results",
    response={201: SubmissionOut, 200: SubmissionOut},
    auth=SYSTEM_OR_STAFF,
)
def submit_results(request: HttpRequest, body: ReportBody):
    """File one report. A report for an unknown order is kept in quarantine (`quarantined`)."""
    receipt = services.submit_report(
        _report_in(body), message_id=body.message_id, actor=caller(request)
    )
    out = {
        "message_id": receipt.message.pk,
        "duplicate": receipt.duplicate,
        "reports": list(receipt.message.reports.select_related("performing_institution")),
    }
    return Status(200 if receipt.duplicate else 201, out)


@router.post(
    "/hl7",
    auth=SYSTEM_OR_STAFF,
    openapi_extra={
        "requestBody": {"content": {HL7_CONTENT_TYPE: {"schema": {"type": "string"}}}},
        "responses": {"200": {"description": "The HL7 ACK (MSA-1 AA, AE or AR)."}},
    },
)
def receive_hl7(request: HttpRequest):
    """A raw ORU^R01 message in the body; the answer is its ACK. AE names the segment and field at
    fault (ERR-2) and the message is kept for replay; a repeated control ID is acknowledged AA
    without filing twice."""
    if len(request.body) > MAX_HL7_BYTES:
        raise InvalidInput.field("body", _("The message is too large."), "too_large")
    try:
        raw = request.body.decode("utf-8")
    except UnicodeDecodeError:
        raw = request.body.decode("gb18030", errors="replace")  # older Chinese LIS exports
    receipt = services.receive_hl7(raw, actor=caller(request))
    return HttpResponse(receipt.ack, content_type=f"{HL7_CONTENT_TYPE}; charset=utf-8")


# --- reading --------------------------------------------------------------------------------


@router.get("/my", response=list[ReportOut], auth=PatientSession())
def my_reports(request: HttpRequest):
    """The final and corrected reports of the patients this phone acts for."""
    actor = current_patient_actor(request, channel=Channel.API)
    return list(
        services.visible_reports(actor)
        .select_related("performing_institution")
        .prefetch_related("observations")[:100]
    )


@router.get("/patients/{patient_id}", response=list[ReportOut], auth=SYSTEM_OR_STAFF)
def patient_reports(request: HttpRequest, patient_id: Id):
    """A patient's results this institution may see: recognised results from anywhere in the
    consortium, and its own preliminary ones."""
    return list(
        services.reports_of_patient(patient_id, actor=caller(request))
        .select_related("performing_institution")
        .prefetch_related("observations")[:100]
    )


@router.get("/{report_id}", response=ReportOut, auth=SIGNED_IN)
def report_detail(request: HttpRequest, report_id: Id):
    return services.view_report(report_id, actor=caller(request))


# --- recognition and critical values --------------------------------------------------------


@router.get("/recognition/check", response=list[ReportOut], auth=StaffSession())
def recognition_check(request: HttpRequest, patient_id: Id, item_code: str):
    """Recognised results that already answer an order of `item_code`: warn when not empty."""
    return services.recognition_check(patient_id, item_code, actor=caller(request))


@router.post("/recognition/decisions", response={201: DecisionOut}, auth=StaffSession())
def recognition_decision(request: HttpRequest, body: RecognitionDecisionIn):
    decision = services.record_recognition_decision(
        body.patient_id,
        body.item_code,
        body.report_id,
        outcome=body.outcome,
        reason=body.reason,
        actor=caller(request),
    )
    return Status(201, decision)


@router.get("/kpi/repeat-exams", response=list[RepeatExamCountOut], auth=StaffSession())
def repeat_exams(request: HttpRequest, start: Day, end: Day):
    """KPI "repeat exams avoided" per institution, for the days start … end."""
    caller(request).require_perm("reports.view_recognitiondecision")
    if end < start:
        raise InvalidInput.field("end", _("The end is before the start."))
    return services.repeat_exam_counts(start, end)


@router.get("/critical/open", response=list[AlertOut], auth=StaffSession())
def open_critical_values(request: HttpRequest):
    return list(
        services.critical_worklist(actor=caller(request)).filter(acknowledged_at__isnull=True)
    )


@router.post("/critical/{alert_id}/acknowledge", response=AlertOut, auth=StaffSession())
def acknowledge(request: HttpRequest, alert_id: Id, body: AcknowledgeIn):
    return services.acknowledge_critical(alert_id, note=body.note, actor=caller(request))
