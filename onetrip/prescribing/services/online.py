"""Online follow-up visits (互联网复诊, R-NET-1). Only a follow-up: the patient must have an
in-person diagnosis of the condition at a consortium institution within the booking
institution's period (`Formulary.follow_up_window_days`), else the booking is refused with the
reason. The slot comes from scheduling's engine on the `online` channel (the shared online pool
of the doctor's sessions). The visit is a conversation of text and pictures both pages poll,
closed by the doctor with an encounter note; a prescription may follow (`write_prescription`
with the visit)."""

from __future__ import annotations

import datetime as dt
import secrets

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from onetrip.consortium.models import Department
from onetrip.core import audit, clock
from onetrip.core.actors import Actor, ActorKind
from onetrip.core.errors import InvalidInput, NotFound
from onetrip.core.models import AuditAction
from onetrip.identity import services as identity
from onetrip.prescribing.models import (
    Diagnosis,
    Formulary,
    OnlineVisit,
    VisitMessage,
    VisitStatus,
)
from onetrip.prescribing.services.common import (
    HOLD_VISIT,
    WrongState,
    institution_of,
    require_staff,
    user_of,
)
from onetrip.scheduling.models import BookingChannel
from onetrip.scheduling.services import availability, booking

PICTURE_TYPES = ("image/jpeg", "image/png")
MAX_PICTURE_BYTES = 2 * 1024 * 1024
DEFAULT_WINDOW_DAYS = 180


class FirstVisitInPerson(WrongState):
    """An online visit without a recent in-person diagnosis of the condition."""


def window_days(institution_id: int) -> int:
    found = Formulary.objects.filter(institution_id=institution_id).first()
    return found.follow_up_window_days if found else DEFAULT_WINDOW_DAYS


def in_person_basis(patient_id: int, condition_code: str, institution_id: int) -> Diagnosis:
    """The latest in-person diagnosis the follow-up rests on, or the refusal with its reason."""
    days = window_days(institution_id)
    latest = (
        Diagnosis.objects.filter(
            patient_id=patient_id, condition_code=condition_code, in_person=True
        )
        .order_by("-diagnosed_at")
        .first()
    )
    if latest is None:
        raise FirstVisitInPerson(
            _(
                "Online visits are for follow-ups only: this condition was never diagnosed in "
                "person at a consortium institution. Please see a doctor in person first."
            ),
            code="first_visit_in_person",
        )
    if latest.diagnosed_at < clock.now() - dt.timedelta(days=days):
        raise FirstVisitInPerson(
            _(
                "Your last in-person visit for this condition (%(day)s) is more than %(days)s "
                "days ago. Please see a doctor in person first."
            )
            % {"day": f"{timezone.localtime(latest.diagnosed_at):%Y-%m-%d}", "days": days},
            code="diagnosis_too_old",
        )
    return latest


def follow_up_conditions(actor: Actor) -> list[Diagnosis]:
    """The patient's in-person diagnoses, latest of each condition, that an online visit may
    follow up."""
    patients = identity.accessible_patients(actor).values("pk")
    latest: dict[tuple[int, str], Diagnosis] = {}
    for diagnosis in (
        Diagnosis.objects.filter(patient_id__in=patients, in_person=True)
        .select_related("patient", "institution", "department")
        .order_by("-diagnosed_at")[:50]
    ):
        latest.setdefault((diagnosis.patient_id, diagnosis.condition_code), diagnosis)
    return list(latest.values())


def free_slots(diagnosis: Diagnosis, *, limit: int = 8) -> list[availability.NextSlot]:
    """The next online follow-up times in the diagnosing department (or institution)."""
    departments = (
        [diagnosis.department_id]
        if diagnosis.department_id
        else list(
            Department.objects.filter(institution_id=diagnosis.institution_id).values_list(
                "pk", flat=True
            )
        )
    )
    return availability.next_available(
        department_ids=departments, channel=BookingChannel.ONLINE, now=clock.now(), limit=limit
    )


@transaction.atomic
def book_online_visit(diagnosis_id: int, slot_id: int, *, actor: Actor) -> OnlineVisit:
    """The patient books an online follow-up of a diagnosed condition on the phone."""
    if actor.kind != ActorKind.PATIENT:
        raise InvalidInput.field("slot_id", _("Book on the phone."))
    patients = identity.accessible_patients(actor).values("pk")
    diagnosis = Diagnosis.objects.filter(pk=diagnosis_id, patient_id__in=patients).first()
    if diagnosis is None:
        raise NotFound(_("No such diagnosis."))
    basis = in_person_basis(
        diagnosis.patient_id, diagnosis.condition_code, diagnosis.institution_id
    )
    # The patient asked on the phone, for themselves or one they hold a grant for (checked
    # above): the platform books on the online channel for them.
    appointment = booking.book_on_behalf(
        booking.BookingRequest(
            patient_id=diagnosis.patient_id, slot_id=slot_id, channel=BookingChannel.ONLINE
        ),
        booked_by=f"online follow-up ({actor.label})",
    )
    session = appointment.session
    visit = OnlineVisit.objects.create(
        reference=f"new-{secrets.token_hex(8)}",
        institution_id=session.institution_id,
        patient_id=diagnosis.patient_id,
        doctor_id=session.doctor_id,
        booking_id=appointment.pk,
        basis=basis,
        starts_at=appointment.slot.starts_at,
        status=VisitStatus.BOOKED,
    )
    visit.reference = f"OV{clock.now():%y%m%d}{visit.pk:05d}"
    visit.save(update_fields=["reference"])
    audit.record(
        actor,
        AuditAction.CREATE,
        visit,
        patient_id=visit.patient_id,
        summary=f"online visit {visit.reference} booked",
    )
    return visit


def _visit_for(visit_id: int, actor: Actor, *, lock: bool = False) -> OnlineVisit:
    """The visit, for its patient (or a proxy) or its own doctor."""
    found = OnlineVisit.objects.select_related("patient", "doctor", "basis", "institution")
    if lock:
        found = found.select_for_update(of=("self",))
    if actor.kind == ActorKind.PATIENT:
        found = found.filter(patient_id__in=identity.accessible_patients(actor).values("pk"))
    else:
        require_staff(actor, HOLD_VISIT)
        found = found.filter(institution_id=institution_of(actor), doctor__user=user_of(actor))
    visit = found.filter(pk=visit_id).first()
    if visit is None:
        raise NotFound(_("No such online visit."))
    return visit


@transaction.atomic
def send_message(
    visit_id: int,
    *,
    text: str = "",
    picture: bytes | None = None,
    picture_type: str = "",
    actor: Actor,
) -> VisitMessage:
    visit = _visit_for(visit_id, actor, lock=True)
    if visit.status == VisitStatus.CLOSED:
        raise WrongState(_("This visit is finished."), code="closed")
    text = (text or "").strip()
    if len(text) > 1000:
        raise InvalidInput.field("text", _("Too long."), "too_long")
    if picture is not None and (
        picture_type not in PICTURE_TYPES or len(picture) > MAX_PICTURE_BYTES
    ):
        raise InvalidInput.field("picture", _("A JPEG or PNG picture up to 2 MB."))
    if not text and picture is None:
        raise InvalidInput.field("text", _("Write something or add a picture."), "required")
    from_patient = actor.kind == ActorKind.PATIENT
    if not from_patient and visit.status == VisitStatus.BOOKED:
        visit.status = VisitStatus.OPEN  # the doctor's first word opens the visit
        visit.save(update_fields=["status"])
    message = VisitMessage.objects.create(
        visit=visit,
        from_patient=from_patient,
        text=text,
        picture=picture,
        picture_type=picture_type if picture is not None else "",
        sent_at=clock.now(),
    )
    audit.record(
        actor,
        AuditAction.CREATE,
        visit,
        patient_id=visit.patient_id,
        summary=f"online visit {visit.reference} message",
    )
    return message


@transaction.atomic
def close_visit(visit_id: int, *, note: str, actor: Actor) -> OnlineVisit:
    """The doctor ends the visit with the encounter note (the record of the visit)."""
    if actor.kind == ActorKind.PATIENT:
        raise NotFound(_("No such online visit."))
    visit = _visit_for(visit_id, actor, lock=True)
    note = (note or "").strip()
    if not note or len(note) > 2000:
        raise InvalidInput.field("note", _("Write the encounter note."), "required")
    if visit.status == VisitStatus.CLOSED:
        raise WrongState(_("This visit is finished."), code="closed")
    visit.status = VisitStatus.CLOSED
    visit.encounter_note = note
    visit.closed_at = clock.now()
    visit.save(update_fields=["status", "encounter_note", "closed_at"])
    audit.record(
        actor,
        AuditAction.UPDATE,
        visit,
        patient_id=visit.patient_id,
        summary=f"online visit {visit.reference} closed",
    )
    return visit


# --- reading ----------------------------------------------------------------------------------


def visit_for(visit_id: int, *, actor: Actor) -> OnlineVisit:
    visit = _visit_for(visit_id, actor)
    if actor.kind == ActorKind.STAFF:
        audit.record_staff_read(
            actor,
            visit,
            patient_id=visit.patient_id,
            summary=f"online visit {visit.reference} read",
        )
    return visit


def messages_of(visit: OnlineVisit) -> QuerySet[VisitMessage]:
    return visit.messages.defer("picture")


def picture_of(visit_id: int, message_id: int, *, actor: Actor) -> VisitMessage:
    visit = _visit_for(visit_id, actor)
    message = visit.messages.filter(pk=message_id, picture__isnull=False).first()
    if message is None:
        raise NotFound(_("No such picture."))
    return message


def patient_visits(actor: Actor) -> QuerySet[OnlineVisit]:
    patients = identity.accessible_patients(actor).values("pk")
    return (
        OnlineVisit.objects.filter(patient_id__in=patients)
        .select_related("patient", "doctor", "basis")
        .order_by("-starts_at")
    )


def doctor_visits(*, actor: Actor) -> list[OnlineVisit]:
    require_staff(actor, HOLD_VISIT)
    found = list(
        OnlineVisit.objects.filter(
            institution_id=institution_of(actor), doctor__user=user_of(actor)
        )
        .exclude(status=VisitStatus.CLOSED)
        .select_related("patient", "basis")
        .order_by("starts_at")[:50]
    )
    with transaction.atomic():
        for visit in found:
            audit.record(
                actor,
                AuditAction.VIEW,
                visit,
                patient_id=visit.patient_id,
                summary=f"online visit {visit.reference} listed",
            )
    return found
