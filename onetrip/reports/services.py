"""Every change to reports, and the reads that decide who sees them (R-EXAM-4, R-EXAM-5).

Results come in as HL7 v2 ORU^R01 (`receive_hl7`) or JSON (`submit_report`); both file
`ReportIn`s the same way, all of a message in one transaction: the report, its observations, the
patient's SMS, critical-value alerts, the order's completion and the audit row commit together
or not at all. A report is attached only through its order number; an unknown order puts it in
quarantine for staff to sort, never on a guessed patient.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from onetrip.consortium.models import Institution
from onetrip.core import audit, clock
from onetrip.core.actors import Actor, ActorKind
from onetrip.core.errors import DomainError, InvalidInput, NotFound, PermissionDenied
from onetrip.core.masking import mask_name
from onetrip.core.models import AuditAction
from onetrip.exams import services as exams
from onetrip.exams.models import ExamOrder, OrderStatus
from onetrip.identity import services as identity
from onetrip.identity.models import Patient
from onetrip.notifications import services as notifications
from onetrip.reports import domain_events, hl7v2
from onetrip.reports.hl7v2 import Hl7Error
from onetrip.reports.models import (
    DEFAULT_RECOGNITION_DAYS,
    RECOGNISED_STATUSES,
    CriticalAlert,
    CriticalValueContact,
    InboundMessage,
    MessageSource,
    MessageStatus,
    Observation,
    QuarantineReason,
    RecognitionDecision,
    RecognitionWindow,
    Report,
)
from onetrip.reports.results import ReportIn, ReportStatus

ACCEPTED, APPLICATION_ERROR, APPLICATION_REJECT = "AA", "AE", "AR"
# A status may move forward only: a preliminary result never replaces a final one.
STATUS_RANK = {ReportStatus.PRELIMINARY: 0, ReportStatus.FINAL: 1, ReportStatus.CORRECTED: 2}


@dataclass(frozen=True)
class Receipt:
    """What a sender is told: the stored message, the HL7 ACK, and whether it was a repeat."""

    message: InboundMessage
    ack: str
    duplicate: bool = False

    @property
    def ack_code(self) -> str:
        return self.message.ack_code


# --- results in -----------------------------------------------------------------------------


def _require_submitter(actor: Actor) -> None:
    if actor.kind == ActorKind.STAFF:
        actor.require_perm("reports.submit_results")
    elif actor.kind != ActorKind.CLIENT:
        raise PermissionDenied(_("Only a laboratory or imaging system can submit results."))


def _sender(actor: Actor, application: str) -> str:
    # Control IDs are unique per sending system only, and a system speaks for its institution.
    return f"{actor.institution_id}/{application}"[:130]


def receive_hl7(raw: str, *, actor: Actor) -> Receipt:
    """File an ORU^R01 message and answer with its ACK: AA when filed (or quarantined, or a
    repeat of a message already filed), AE naming the segment and field at fault, AR for a
    message type or version not taken. A faulty message is stored whole for replay."""
    _require_submitter(actor)
    fields = hl7v2.header_fields(raw)
    sender = _sender(actor, f"{fields.get(3, '')}^{fields.get(4, '')}")
    control_id = fields.get(10, "")
    try:
        parsed = hl7v2.parse_oru(raw)
    except Hl7Error as error:
        repeat = _accepted(sender, control_id)
        if repeat is not None:
            return Receipt(repeat, _ack(raw, repeat), duplicate=True)
        message = _store_rejected(MessageSource.HL7, sender, control_id, raw, error, actor)
        return Receipt(message, _ack(raw, message))
    try:
        outcome = _file_racing(
            sender,
            parsed.header.control_id,
            lambda: _file_message(
                MessageSource.HL7, sender, parsed.header.control_id, raw, parsed.reports, actor
            ),
        )
    except Hl7Error as error:
        message = _store_rejected(MessageSource.HL7, sender, control_id, raw, error, actor)
        return Receipt(message, _ack(raw, message))
    return Receipt(outcome.message, _ack(raw, outcome.message), duplicate=outcome.duplicate)


def submit_report(report: ReportIn, *, message_id: str, actor: Actor) -> Receipt:
    """File one report sent as JSON. `message_id` plays the HL7 control ID's part: sending the
    same one again changes nothing. A fault is a field error (422), nothing is stored."""
    _require_submitter(actor)
    sender = _sender(actor, "api")
    try:
        outcome = _file_racing(
            sender,
            message_id,
            lambda: _file_message(MessageSource.API, sender, message_id, "", [report], actor),
        )
    except Hl7Error as error:
        raise InvalidInput.field("status", error.message, "status_regression") from None
    return Receipt(outcome.message, "", duplicate=outcome.duplicate)


def file_remote_reading(report: ReportIn, *, message_id: str, actor: Actor) -> Report:
    """File a consortium centre's reading of an exam another institution performed (R-NET-3):
    the report of that exam's order, in the requester's record, as if the performing institution
    had sent it. The message records the centre that read it. The caller (the referral domain)
    has checked that the centre was asked for this reading."""
    order = exams.order_by_placer_number(report.placer_number)
    if order is None:
        raise NotFound(_("No such exam order."))
    sender = _sender(actor, "remote-reading")
    try:
        outcome = _file_racing(
            sender,
            message_id,
            lambda: _file_message(
                MessageSource.API,
                sender,
                message_id,
                "",
                [report],
                actor,
                for_institution_id=order.performing_institution_id,
            ),
        )
    except Hl7Error as error:
        raise InvalidInput.field("status", error.message, "status_regression") from None
    return outcome.message.reports.get(placer_number=report.placer_number)


@dataclass(frozen=True)
class _Filed:
    message: InboundMessage
    duplicate: bool


def _file_racing(sender: str, control_id: str, file: Callable[[], InboundMessage]) -> _Filed:
    """File, unless the message was filed already. Two deliveries racing meet at the unique
    indexes: the loser of a duplicate finds the winner's message; the loser of a race to create
    the same report (two messages for one order at once) files again, now updating it."""
    repeat = _accepted(sender, control_id)
    if repeat is not None:
        return _Filed(repeat, duplicate=True)
    try:
        return _Filed(file(), duplicate=False)
    except IntegrityError:
        repeat = _accepted(sender, control_id)
        if repeat is not None:
            return _Filed(repeat, duplicate=True)
    return _Filed(file(), duplicate=False)


def _accepted(sender: str, control_id: str) -> InboundMessage | None:
    if not control_id:
        return None
    return InboundMessage.objects.filter(
        sender=sender, control_id=control_id, status=MessageStatus.ACCEPTED
    ).first()


def _ack(raw: str, message: InboundMessage) -> str:
    if message.status == MessageStatus.ACCEPTED:
        return hl7v2.acknowledgement(raw, ACCEPTED)
    error = Hl7Error.at(message.error_location, message.error_text, message.error_code)
    return hl7v2.acknowledgement(raw, message.ack_code, text=message.error_text, error=error)


@transaction.atomic
def _file_message(
    source: str,
    sender: str,
    control_id: str,
    raw: str,
    reports: list[ReportIn],
    actor: Actor,
    *,
    replaying: InboundMessage | None = None,
    for_institution_id: int | None = None,
) -> InboundMessage:
    now = clock.now()
    if replaying is None:
        message = InboundMessage.objects.create(
            source=source,
            sender=sender,
            control_id=control_id,
            raw=raw,
            received_at=now,
            status=MessageStatus.ACCEPTED,
            ack_code=ACCEPTED,
            institution_id=actor.institution_id,
        )
    else:
        message = replaying
        message.status, message.ack_code = MessageStatus.ACCEPTED, ACCEPTED
        message.error_location = message.error_code = message.error_text = ""
        message.control_id = control_id
        message.replayed_at, message.replayed_by = now, actor.label[:150]
        message.save()
    for report in reports:
        _file_report(report, message, actor, for_institution_id or actor.institution_id)
    return message


def _store_rejected(
    source: str, sender: str, control_id: str, raw: str, error: Hl7Error, actor: Actor
) -> InboundMessage:
    with transaction.atomic():
        message = InboundMessage.objects.create(
            source=source,
            sender=sender,
            control_id=control_id[:50],
            raw=raw,
            received_at=clock.now(),
            institution_id=actor.institution_id,
            **_fault(error),
        )
        audit.record(
            actor,
            AuditAction.CREATE,
            message,
            summary=f"results message rejected at {error.location}",
        )
    return message


def _fault(error: Hl7Error) -> dict[str, str]:
    return {
        "status": MessageStatus.REJECTED,
        "ack_code": APPLICATION_REJECT if error.rejects_message else APPLICATION_ERROR,
        "error_location": error.location,
        "error_code": error.code,
        "error_text": error.message[:300],
    }


def _file_report(
    incoming: ReportIn, message: InboundMessage, actor: Actor, institution_id: int | None
) -> Report:
    """File one report as `institution_id`'s result (the sender's institution, unless a remote
    reading files it for the institution that performed the exam)."""
    order = exams.order_by_placer_number(incoming.placer_number)
    report = (
        Report.objects.select_for_update(no_key=True)
        .filter(placer_number=incoming.placer_number, service_code=incoming.service_code)
        .first()
    )
    if report is not None and report.performing_institution_id != institution_id:
        raise Hl7Error(
            "the report of this order belongs to another institution",
            segment="OBR",
            field=2,
            code=hl7v2.TABLE_VALUE_NOT_FOUND,
        )
    # A filed report stays with its order (a correction after a cancellation included).
    filed = report is not None and not report.is_quarantined
    reason = "" if filed else _quarantine_reason(order, institution_id)
    # What the patient was told depends on the report they could see: none while quarantined.
    previous_status = report.status if filed else None
    if report is None:
        report = Report(
            placer_number=incoming.placer_number,
            service_code=incoming.service_code,
            received_at=clock.now(),
        )
    elif STATUS_RANK[incoming.status] < STATUS_RANK[report.status]:
        raise Hl7Error(
            f"a {incoming.status} result cannot replace the {report.status} report",
            segment="OBR",
            field=25,
            code=hl7v2.TABLE_VALUE_NOT_FOUND,
        )
    else:
        report.version += 1
        report.received_at = clock.now()
    if reason:
        report.order = report.patient = report.ordering_institution = None
        report.item_code = ""
        report.performing_institution_id = institution_id
    else:
        _attach_to(report, order)
    report.quarantine_reason = reason
    report.message = message
    for name in (
        "filler_number",
        "kind",
        "status",
        "service_name",
        "service_system",
        "conclusion",
        "issued_at",
    ):
        setattr(report, name, getattr(incoming, name))
    report.patient_hint = incoming.patient_hint
    report.save()
    report.observations.all().delete()
    Observation.objects.bulk_create(
        Observation(report=report, position=position, **vars(observation))
        for position, observation in enumerate(incoming.observations, start=1)
    )
    _raise_critical_alerts(report, incoming, order if not reason else None)
    audit.record(
        actor,
        AuditAction.CREATE if report.version == 1 else AuditAction.UPDATE,
        report,
        patient_id=report.patient_id,
        summary=f"{report.status} report {report.service_code}"
        + (f" quarantined: {reason}" if reason else ""),
    )
    if not reason:
        domain_events.filed(report)
        _after_filing(report, order, previous_status, actor)
    return report


def _quarantine_reason(order, institution_id: int | None) -> str:
    if order is None:
        return QuarantineReason.UNKNOWN_ORDER
    if order.performing_institution_id != institution_id:
        # A sender files results for exams done at its own institution only.
        return QuarantineReason.OTHER_INSTITUTION
    if order.status == OrderStatus.CANCELLED:
        return QuarantineReason.CANCELLED
    return ""


def _attach_to(report: Report, order) -> None:
    report.order = order
    report.patient_id = order.patient_id
    report.item_code = order.item.code
    report.ordering_institution_id = order.ordering_institution_id
    report.performing_institution_id = order.performing_institution_id


def _after_filing(report: Report, order, previous_status: str | None, actor: Actor) -> None:
    """The report now has its patient: close the order and tell the patient, once it is final."""
    if report.status not in RECOGNISED_STATUSES:
        return
    if order.status != OrderStatus.CANCELLED:  # a correction may follow a late cancellation
        exams.complete_exam(order, actor=actor)
    if report.status == ReportStatus.CORRECTED:
        template = "report_corrected"
    elif previous_status not in RECOGNISED_STATUSES:
        template = "report_ready"
    else:
        return
    patient = Patient.objects.get(pk=report.patient_id)
    notifications.notify(
        template,
        phone=patient.phone,
        subject=report,
        params={
            "exam": report.service_name or report.service_code,
            "name": mask_name(patient.name),
            "path": f"/p/reports/{report.pk}",
        },
        occasion=f"version {report.version}",
    )


def _raise_critical_alerts(report: Report, incoming: ReportIn, order) -> None:
    institution_id = order.ordering_institution_id if order else report.performing_institution_id
    for observation in incoming.observations:
        if not observation.is_critical:
            continue
        alert, created = CriticalAlert.objects.get_or_create(
            report=report,
            code=observation.code,
            value=observation.value[:80],
            defaults={
                "institution_id": institution_id,
                "doctor": order.ordering_doctor if order else None,
                "display": observation.display,
                "flag": observation.abnormal_flag,
                "raised_at": clock.now(),
            },
        )
        if created:
            _page_duty_desk(alert, report)


def _page_duty_desk(alert: CriticalAlert, report: Report) -> None:
    contact = CriticalValueContact.objects.filter(institution_id=alert.institution_id).first()
    if contact is None:
        return
    notifications.notify(
        "critical_value",
        phone=contact.phone,
        subject=alert,
        params={
            "test": alert.display or alert.code,
            "value": alert.value,
            "flag": alert.flag,
            "order": report.placer_number,
        },
    )


# --- sorting what did not file --------------------------------------------------------------


def _require_sorter(actor: Actor) -> None:
    actor.require_perm("reports.sort_results")


def rejected_messages(*, actor: Actor) -> QuerySet[InboundMessage]:
    _require_sorter(actor)
    return InboundMessage.objects.filter(
        status=MessageStatus.REJECTED, institution_id=actor.institution_id
    )


def quarantined_reports(*, actor: Actor) -> QuerySet[Report]:
    _require_sorter(actor)
    return Report.objects.filter(
        order__isnull=True, performing_institution_id=actor.institution_id
    ).prefetch_related("observations")


def replay_message(message_id: int, *, actor: Actor, corrected_raw: str = "") -> Receipt:
    """Run a rejected HL7 message again, as received or as corrected by staff. Still faulty, it
    stays rejected with its new fault; filed, it is accepted like any other."""
    message = rejected_messages(actor=actor).filter(pk=message_id).first()
    if message is None or message.source != MessageSource.HL7:
        raise NotFound(_("No such rejected message."))
    corrected_raw = corrected_raw.strip()
    if corrected_raw:
        message.corrected_raw = corrected_raw
    text = message.text
    try:
        parsed = hl7v2.parse_oru(text)
        if _accepted(message.sender, parsed.header.control_id) is not None:
            raise DomainError(
                _("A message with this control ID is already filed."), code="duplicate"
            )
        with transaction.atomic():
            locked = InboundMessage.objects.select_for_update(no_key=True).get(pk=message.pk)
            if locked.status != MessageStatus.REJECTED:
                raise DomainError(_("This message was replayed already."), code="replayed")
            locked.corrected_raw = message.corrected_raw
            _file_message(
                MessageSource.HL7,
                message.sender,
                parsed.header.control_id,
                message.raw,
                parsed.reports,
                actor,
                replaying=locked,
            )
            audit.record(actor, AuditAction.UPDATE, locked, summary="results message replayed")
        message = locked
    except Hl7Error as error:
        with transaction.atomic():
            for name, value in _fault(error).items():
                setattr(message, name, value)
            message.replayed_at, message.replayed_by = clock.now(), actor.label[:150]
            message.save()
            audit.record(
                actor,
                AuditAction.UPDATE,
                message,
                summary=f"replay still rejected at {error.location}",
            )
    return Receipt(message, _ack(text, message))


@transaction.atomic
def attach_report(report_id: int, placer_number: str, *, actor: Actor) -> Report:
    """Staff found the order a quarantined report answers: file it there."""
    _require_sorter(actor)
    report = (
        Report.objects.select_for_update(no_key=True)
        .filter(pk=report_id, order__isnull=True, performing_institution_id=actor.institution_id)
        .first()
    )
    if report is None:
        raise NotFound(_("No such quarantined report."))
    order = exams.order_by_placer_number(placer_number)
    if order is None or order.performing_institution_id != actor.institution_id:
        raise InvalidInput.field(
            "placer_number", _("No order of this institution has this number."), "unknown"
        )
    if order.status == OrderStatus.CANCELLED:
        raise InvalidInput.field("placer_number", _("This order was cancelled."), "cancelled")
    if Report.objects.filter(
        placer_number=order.placer_number, service_code=report.service_code
    ).exists():
        raise InvalidInput.field(
            "placer_number", _("This order already has this report."), "duplicate"
        )
    _attach_to(report, order)
    report.placer_number = order.placer_number
    report.quarantine_reason = ""
    report.attached_by = actor.label[:150]
    report.save()
    report.critical_alerts.update(
        institution_id=order.ordering_institution_id, doctor=order.ordering_doctor
    )
    audit.record(
        actor,
        AuditAction.UPDATE,
        report,
        patient_id=report.patient_id,
        summary=f"quarantined report attached to order {order.placer_number}",
    )
    domain_events.filed(report)
    _after_filing(report, order, None, actor)
    return report


# --- critical values ------------------------------------------------------------------------


def critical_worklist(*, actor: Actor) -> QuerySet[CriticalAlert]:
    """Alerts for the actor's institution, unacknowledged first."""
    actor.require_perm("reports.acknowledge_critical")
    return CriticalAlert.objects.filter(institution_id=actor.institution_id).select_related(
        "report", "doctor", "report__patient"
    )


@transaction.atomic
def acknowledge_critical(alert_id: int, *, note: str = "", actor: Actor) -> CriticalAlert:
    actor.require_perm("reports.acknowledge_critical")
    alert = (
        CriticalAlert.objects.select_for_update(no_key=True)
        .filter(pk=alert_id, institution_id=actor.institution_id)
        .first()
    )
    if alert is None:
        raise NotFound(_("No such critical value."))
    if alert.acknowledged_at is not None:
        return alert
    alert.acknowledged_at = clock.now()
    alert.acknowledged_by = actor.user
    alert.acknowledged_by_label = actor.label[:150]
    alert.note = " ".join(note.split())[:300]
    alert.save(
        update_fields=["acknowledged_at", "acknowledged_by", "acknowledged_by_label", "note"]
    )
    audit.record(
        actor,
        AuditAction.UPDATE,
        alert,
        patient_id=alert.report.patient_id,
        summary=f"critical value acknowledged: {alert.code}",
    )
    return alert


# --- who sees which report ------------------------------------------------------------------


def visible_reports(actor: Actor) -> QuerySet[Report]:
    """Reports of the patients the actor may read (identity's affiliation rules). A patient sees
    final and corrected reports; staff anywhere in the consortium see those (recognised
    results, R-EXAM-5) and, at the ordering or performing institution, preliminary ones too."""
    patients = identity.accessible_patients(actor)
    filed = Report.objects.filter(order__isnull=False, patient__in=patients)
    recognised = Q(status__in=RECOGNISED_STATUSES)
    if actor.kind == ActorKind.PATIENT:
        return filed.filter(recognised)
    if actor.kind == ActorKind.STAFF and not actor.has_perm("reports.view_report"):
        return Report.objects.none()
    own = Q(ordering_institution_id=actor.institution_id) | Q(
        performing_institution_id=actor.institution_id
    )
    return filed.filter(recognised | own)


def reports_of_patient(patient_id: int, *, actor: Actor) -> QuerySet[Report]:
    """One patient's reports the actor may see. A patient outside the actor's reach answers 404
    (as a missing one), and a staff read leaves an audit row even when the list is empty."""
    if actor.kind == ActorKind.STAFF:
        actor.require_perm("reports.view_report")
    _require_reachable(patient_id, actor)
    audit.record_staff_read(actor, Report, patient_id=patient_id, summary="reports of a patient")
    return visible_reports(actor).filter(patient_id=patient_id)


@transaction.atomic
def view_report(report_id: int, *, actor: Actor) -> Report:
    if actor.kind == ActorKind.STAFF:
        actor.require_perm("reports.view_report")
    report = (
        visible_reports(actor)
        .select_related("patient", "performing_institution")
        .prefetch_related("observations")
        .filter(pk=report_id)
        .first()
    )
    if report is None:
        raise NotFound(_("No such report."))
    if actor.kind == ActorKind.STAFF:
        audit.record(
            actor, AuditAction.VIEW, report, patient_id=report.patient_id, summary="report viewed"
        )
    return report


# --- mutual recognition (R-EXAM-5) ----------------------------------------------------------


def recognition_days(item_code: str) -> int:
    window = RecognitionWindow.objects.filter(item_code=item_code).first()
    return window.days if window else DEFAULT_RECOGNITION_DAYS


def recognised_results_for(patient: Patient | int, exam_item, *, actor: Actor) -> list[Report]:
    """Recognised results that already answer an order of `exam_item` (an ExamItem or its code)
    for the patient: final or corrected, from any consortium institution, issued within the
    item's recognition window, and visible to the actor. Newest first; empty means no warning."""
    item_code = getattr(exam_item, "code", exam_item)
    days = recognition_days(item_code)
    if days == 0:
        return []
    patient_id = getattr(patient, "pk", patient)
    since = clock.now() - dt.timedelta(days=days)
    return list(
        visible_reports(actor)
        .filter(
            patient_id=patient_id,
            item_code=item_code,
            status__in=RECOGNISED_STATUSES,
            issued_at__gte=since,
        )
        .select_related("performing_institution")
        .prefetch_related("observations")
        .order_by("-issued_at", "-id")
    )


def recognition_check(patient_id: int, item_code: str, *, actor: Actor) -> list[Report]:
    """The order form's warning for a staff member: the patient must be within reach (404
    otherwise), and showing their results is an audited read."""
    actor.require_perm("reports.view_report")
    _require_reachable(patient_id, actor)
    results = recognised_results_for(patient_id, item_code, actor=actor)
    audit.record_staff_read(
        actor, Report, patient_id=patient_id, summary=f"recognised results for {item_code}"[:255]
    )
    return results


def _require_reachable(patient_id: int, actor: Actor) -> None:
    if not identity.accessible_patients(actor).filter(pk=patient_id).exists():
        raise NotFound(_("No such patient."))


@transaction.atomic
def record_recognition_decision(
    patient_id: int, item_code: str, report_id: int, *, outcome: str, reason: str = "", actor: Actor
) -> RecognitionDecision:
    """The doctor, warned, reused the result (a repeat exam avoided) or ordered anyway: an
    override needs a reason."""
    actor.require_perm("reports.view_report")
    _require_reachable(patient_id, actor)
    reason = " ".join(reason.split())
    if outcome not in RecognitionDecision.Outcome.values:
        raise InvalidInput.field("outcome", _("Choose reuse or order again."))
    if outcome == RecognitionDecision.Outcome.OVERRIDDEN and not reason:
        raise InvalidInput.field(
            "reason", _("Say why the recognised result does not answer the question."), "required"
        )
    shown = {r.pk for r in recognised_results_for(patient_id, item_code, actor=actor)}
    if report_id not in shown:
        raise InvalidInput.field(
            "report_id", _("This result does not answer this exam."), "not_recognised"
        )
    decision = RecognitionDecision.objects.create(
        patient_id=patient_id,
        item_code=item_code,
        report_id=report_id,
        institution_id=actor.institution_id,
        decided_by=actor.user,
        outcome=outcome,
        reason=reason[:300],
        decided_at=clock.now(),
    )
    audit.record(
        actor,
        AuditAction.CREATE,
        decision,
        patient_id=patient_id,
        summary=f"recognised result {report_id} for {item_code}: {outcome}",
    )
    return decision


# An override recorded at the order form counts for the next order of the exam within this time.
OVERRIDE_MINUTES = 60


class RecognisedResultExists(DomainError):
    status = 409

    def __init__(self, message) -> None:
        super().__init__(message, code="recognised_result")


def check_exam_order(*, patient_id: int, item, override_reason: str, actor: Actor) -> None:
    """R-EXAM-5 at ordering (an exams order check): a staff order that a recognised result the
    orderer can see already answers is refused unless the doctor gives a reason now — recorded as
    an override — or recorded an override for this exam in the last hour that no order has used
    yet. External systems are not checked: they cannot be shown the warning (D40)."""
    if actor.kind != ActorKind.STAFF:
        return
    results = recognised_results_for(patient_id, item, actor=actor)
    if not results:
        return
    if " ".join(override_reason.split()):
        record_recognition_decision(
            patient_id,
            item.code,
            results[0].pk,
            outcome=RecognitionDecision.Outcome.OVERRIDDEN,
            reason=override_reason,
            actor=actor,
        )
        return
    since = clock.now() - dt.timedelta(minutes=OVERRIDE_MINUTES)
    last_order = (
        ExamOrder.objects.filter(patient_id=patient_id, item__code=item.code)
        .order_by("-ordered_at")
        .values_list("ordered_at", flat=True)
        .first()
    )
    if last_order is not None and last_order > since:
        since = last_order
    overridden = RecognitionDecision.objects.filter(
        patient_id=patient_id,
        item_code=item.code,
        report_id__in=[report.pk for report in results],
        institution_id=actor.institution_id,
        outcome=RecognitionDecision.Outcome.OVERRIDDEN,
        decided_at__gt=since,
    )
    if overridden.exists():
        return
    newest = results[0]
    raise RecognisedResultExists(
        _(
            "A recognised result of %(place)s from %(date)s already answers this exam: use it, "
            "or give a reason to order it again."
        )
        % {
            "place": newest.performing_institution.name,
            "date": f"{timezone.localtime(newest.issued_at):%Y-%m-%d}",
        }
    )


@dataclass(frozen=True)
class RepeatExamCount:
    institution_id: int
    institution_name: str
    warnings: int
    avoided: int
    overridden: int


def repeat_exam_counts(
    start: dt.date, end: dt.date, *, institution_id: int | None = None
) -> list[RepeatExamCount]:
    """KPI "repeat exams avoided" per institution for the days `start` … `end` inclusive."""
    decisions = RecognitionDecision.objects.filter(
        decided_at__date__gte=start, decided_at__date__lte=end
    )
    if institution_id is not None:
        decisions = decisions.filter(institution_id=institution_id)
    rows = (
        decisions.values("institution_id")
        .annotate(
            warnings=Count("id"),
            avoided=Count("id", filter=Q(outcome=RecognitionDecision.Outcome.REUSED)),
            overridden=Count("id", filter=Q(outcome=RecognitionDecision.Outcome.OVERRIDDEN)),
        )
        .order_by("institution_id")
    )
    names = dict(Institution.objects.values_list("pk", "name"))
    return [
        RepeatExamCount(
            institution_id=row["institution_id"],
            institution_name=names.get(row["institution_id"], ""),
            warnings=row["warnings"],
            avoided=row["avoided"],
            overridden=row["overridden"],
        )
        for row in rows
    ]
