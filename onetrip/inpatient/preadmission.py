"""Pre-admission work in one visit (issue 25, D190) and its fees at admission (R-PAY-7, D191).

From the admission notice the preparation centre orders the exams the planned stay needs, plans
them on one day through the exams planner and, for an operation, books the pre-anaesthesia
consultation (麻醉评估门诊) the same day after the last exam, through the scheduling services:
all or nothing, in one transaction. The exams are charged on the visit's outpatient bill while
the patient waits; at admission those fees and the consultation's registration fee move onto
the inpatient bill through billing's services, and the admission shows which results are still
valid."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from onetrip.billing.models import ChargeSource, VisitKind
from onetrip.billing.services import charges, transfers
from onetrip.consortium.models import Department
from onetrip.core import audit, clock
from onetrip.core.actors import Actor
from onetrip.core.errors import DomainError, InvalidInput
from onetrip.core.models import AuditAction
from onetrip.exams import planning
from onetrip.exams import services as exams
from onetrip.inpatient.access import MANAGE, locked_admission, refuse_unless, require_staff
from onetrip.inpatient.models import (
    Admission,
    AdmissionStatus,
    PreAdmissionExam,
    PreAdmissionVisit,
)
from onetrip.scheduling.models import BookingChannel
from onetrip.scheduling.queries import booking_summaries
from onetrip.scheduling.services.availability import next_available
from onetrip.scheduling.services.booking import BookingRequest, book_slot, registration_key

log = logging.getLogger(__name__)

# The work-up before an operation under anaesthesia (术前常规检查): full blood count, coagulation,
# renal function, ECG and chest X-ray; a stay without an operation needs no coagulation screen.
SURGICAL_EXAMS = ("BLOOD_ROUTINE", "COAGULATION", "BLOOD_RENAL", "ECG", "DR_CHEST")
MEDICAL_EXAMS = ("BLOOD_ROUTINE", "BLOOD_RENAL", "ECG", "DR_CHEST")
# The anaesthesia department whose clinic sees patients before an operation.
ANAESTHESIA_DEPARTMENT = "ANES"
# Results count at admission for this many days after they were done (D190).
RESULTS_VALID_DAYS = 30
# The price catalogue's exam items are `EX-<exam code>` (as the demo's catalogue prices them).
EXAM_PRICE_PREFIX = "EX-"


def needs_operation(admission: Admission) -> bool:
    return bool(admission.planned_procedure or admission.day_surgery_id)


def exams_needed(admission: Admission) -> tuple[str, ...]:
    return SURGICAL_EXAMS if needs_operation(admission) else MEDICAL_EXAMS


def visit_reference(admission: Admission) -> str:
    """The outpatient visit number of the pre-admission exams' bill."""
    return f"RY{admission.pk:06d}"


def exam_fee_key(order_id: int) -> str:
    return f"exam-order:{order_id}"


@transaction.atomic
def plan_visit(admission_id: int, *, day: dt.date, actor: Actor) -> PreAdmissionVisit:
    """Order and book the pre-admission exams on `day` and, for an operation, the
    pre-anaesthesia consultation after them; refused with a field error on `day` when they do
    not all fit that day. Asking again answers with the visit already planned."""
    require_staff(actor, MANAGE)
    admission = locked_admission(admission_id, actor)
    earlier = PreAdmissionVisit.objects.filter(admission=admission).first()
    if earlier is not None:
        return earlier
    refuse_unless(admission, AdmissionStatus.NOTICE, AdmissionStatus.BOOKED, AdmissionStatus.READY)
    if day < clock.today():
        raise InvalidInput.field("day", _("Choose today or a later day."))
    orders = [
        exams.place_exam_order(
            patient_id=admission.patient_id,
            item_code=code,
            actor=actor,
            ordering_doctor_name=admission.doctor_name,
            clinical_note=_("Pre-admission work-up: %(diagnosis)s")
            % {"diagnosis": admission.diagnosis[:200]},
        )
        for code in exams_needed(admission)
    ]
    planned = _plan_exams(admission, orders, day, actor)
    last_end = max(exam.ends_at for exam in planned)
    consult = (
        _book_consultation(admission, day, last_end, actor) if needs_operation(admission) else None
    )
    visit = PreAdmissionVisit.objects.create(
        admission=admission,
        visit_date=day,
        exam_plan_id=planned[0].plan_id,
        anaesthesia_appointment_id=consult.appointment_id if consult else None,
        anaesthesia_at=consult.starts_at if consult else None,
        anaesthesia_place=consult.department if consult else "",
        valid_days=RESULTS_VALID_DAYS,
        planned_at=clock.now(),
    )
    PreAdmissionExam.objects.bulk_create(
        PreAdmissionExam(
            visit=visit,
            exam_order_id=exam.order_id,
            item_code=exam.item_code,
            item_name=exam.item_name,
            starts_at=exam.starts_at,
        )
        for exam in planned
    )
    for exam in planned:
        _charge_exam(admission, exam, actor)
    audit.record(
        actor,
        AuditAction.CREATE,
        visit,
        patient_id=admission.patient_id,
        summary=f"pre-admission visit planned for {day.isoformat()} ({len(planned)} exams)",
        changes={
            "orders": [e.order_id for e in planned],
            "consultation": visit.anaesthesia_appointment_id,
        },
    )
    return visit


@dataclass(frozen=True)
class _Planned:
    order_id: int
    item_code: str
    item_name: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    plan_id: int


def _plan_exams(admission: Admission, orders, day: dt.date, actor: Actor) -> list[_Planned]:
    proposal = planning.propose_plan(admission.patient_id, actor=actor, preferred_days=[day])
    ours = {order.pk for order in orders}
    chosen = [e for e in proposal.exams if e.order.pk in ours]
    if len(chosen) != len(ours) or any(
        timezone.localtime(e.starts_at).date() != day for e in chosen
    ):
        raise InvalidInput.field(
            "day", _("The pre-admission exams do not all fit on this day; choose another day.")
        )
    plan = exams.confirm_plan(
        admission.patient_id,
        [exams.SlotChoice(e.order.pk, e.device.pk, e.starts_at) for e in chosen],
        actor=actor,
    )
    return [
        _Planned(e.order.pk, e.order.item.code, e.order.item.name, e.starts_at, e.ends_at, plan.pk)
        for e in sorted(chosen, key=lambda e: e.starts_at)
    ]


@dataclass(frozen=True)
class _Consultation:
    appointment_id: int
    starts_at: dt.datetime
    department: str


def _book_consultation(
    admission: Admission, day: dt.date, after: dt.datetime, actor: Actor
) -> _Consultation:
    department = Department.objects.filter(
        institution_id=admission.institution_id, code=ANAESTHESIA_DEPARTMENT
    ).first()
    if department is None:
        raise DomainError(
            _("This hospital has no anaesthesia clinic to book."), code="no_anaesthesia_clinic"
        )
    slots = next_available(
        department_ids=[department.pk],
        channel=BookingChannel.WINDOW,
        now=clock.now(),
        after=after,
        limit=20,
    )
    same_day = [s for s in slots if timezone.localtime(s.starts_at).date() == day]
    if not same_day:
        raise InvalidInput.field(
            "day",
            _("The anaesthesia clinic has no free time after the exams on this day."),
            "no_consultation",
        )
    appointment = book_slot(
        BookingRequest(
            patient_id=admission.patient_id,
            slot_id=same_day[0].slot_id,
            channel=BookingChannel.WINDOW,
        ),
        actor=actor,
    )
    return _Consultation(appointment.pk, same_day[0].starts_at, department.name)


def _charge_exam(admission: Admission, exam: _Planned, actor: Actor) -> None:
    """The exam's fee on the visit's outpatient bill; an exam the price catalogue lacks is left
    to the cashier's till (logged), as the window does with an unpriced registration fee."""
    try:
        with transaction.atomic():
            charges.create_charge(
                charges.ChargeRequest(
                    patient_id=admission.patient_id,
                    institution_id=admission.institution_id,
                    visit_reference=visit_reference(admission),
                    item_code=EXAM_PRICE_PREFIX + exam.item_code,
                    quantity=1,
                    source=ChargeSource.EXAM_ORDER,
                    source_key=exam_fee_key(exam.order_id),
                    visit_kind=VisitKind.OUTPATIENT,
                ),
                actor=actor,
            )
    except InvalidInput:
        log.warning("exam %s is not in the price catalogue", exam.item_code)


# --- at admission -----------------------------------------------------------------------------


def visit_of(admission: Admission) -> PreAdmissionVisit | None:
    return PreAdmissionVisit.objects.filter(admission=admission).first()


def move_fees_to_stay(admission: Admission, *, actor: Actor) -> transfers.MovedFees | None:
    """At admission, in its transaction: the visit's outpatient fees onto the inpatient bill
    (R-PAY-7). None when there was no pre-admission visit."""
    visit = visit_of(admission)
    if visit is None or admission.bill_id is None:
        return None
    keys = [exam_fee_key(e.exam_order_id) for e in visit.exams.all()]
    if visit.anaesthesia_appointment_id:
        keys.append(registration_key(visit.anaesthesia_appointment_id))
    moved = transfers.move_to_inpatient_bill(
        source_keys=keys,
        bill_id=admission.bill_id,
        reason=str(_("Pre-admission fees moved to the inpatient stay")),
        actor=actor,
    )
    PreAdmissionVisit.objects.filter(pk=visit.pk, fees_moved_at__isnull=True).update(
        fees_moved_at=clock.now()
    )
    return moved


# --- reading the visit --------------------------------------------------------------------------


@dataclass(frozen=True)
class TimelineStep:
    at: dt.datetime
    what: str
    where: str
    state: str  # booked, done, valid, expired, pending
    state_label: str


STATE_LABELS = {
    "booked": _("Booked"),
    "done": _("Done"),
    "valid": _("Valid at admission"),
    "expired": _("Expired: do it again"),
    "pending": _("No result yet"),
}


def result_state(completed_at: dt.datetime | None, on_day: dt.date, valid_days: int) -> str:
    """Whether a result counts on `on_day`: done within `valid_days` before it."""
    if completed_at is None:
        return "pending"
    age = (on_day - timezone.localtime(completed_at).date()).days
    return "valid" if age <= valid_days else "expired"


def timeline(visit: PreAdmissionVisit, *, admission: Admission) -> list[TimelineStep]:
    """The visit's steps in time order. Before admission an exam is booked or done; from
    admission on each result is valid, expired or still missing on the admission day."""
    exams_of = list(visit.exams.order_by("starts_at"))
    summaries = exams.order_summaries([e.exam_order_id for e in exams_of])
    admitted_on = (
        timezone.localtime(admission.admitted_at).date() if admission.admitted_at else None
    )
    steps = []
    for exam in exams_of:
        summary = summaries.get(exam.exam_order_id)
        completed = summary.completed_at if summary else None
        if admitted_on is not None:
            state = result_state(completed, admitted_on, visit.valid_days)
        else:
            state = "done" if completed else "booked"
        steps.append(
            TimelineStep(
                exam.starts_at,
                summary.item if summary else exam.item_name,
                summary.performing_institution if summary else "",
                state,
                str(STATE_LABELS[state]),
            )
        )
    if visit.anaesthesia_appointment_id and visit.anaesthesia_at:
        booking = booking_summaries([visit.anaesthesia_appointment_id]).get(
            visit.anaesthesia_appointment_id
        )
        state = "done" if booking and booking.visited else "booked"
        steps.append(
            TimelineStep(
                visit.anaesthesia_at,
                str(_("Pre-anaesthesia consultation")),
                visit.anaesthesia_place,
                state,
                str(STATE_LABELS[state]),
            )
        )
    return sorted(steps, key=lambda s: s.at)
