"""Remote video consultations from the island huts (R-PH-4, D188): a resident asks on the phone,
or the hut's attendant asks for them, for a video consultation with the township doctor
responsible for the hut; the request lands on that doctor's worklist; the doctor schedules it
(the room comes from `video.py`'s adapter and the resident is told), then completes it with
notes, or declines it with a reason."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from onetrip.consortium.models import Institution, InstitutionLevel
from onetrip.core import audit, clock
from onetrip.core.actors import Actor, ActorKind
from onetrip.core.errors import FieldError, InvalidInput, NotFound, PermissionDenied
from onetrip.core.models import AuditAction
from onetrip.identity import services as identity
from onetrip.notifications import services as notifications
from onetrip.publichealth.models import VideoConsultation, VideoStatus
from onetrip.publichealth.services.common import WrongState, require_staff
from onetrip.publichealth.services.huts import FOLLOW_UP, responsible_huts
from onetrip.publichealth.video import video_rooms


def huts() -> list[Institution]:
    return list(Institution.objects.filter(level=InstitutionLevel.ISLAND_HUT).order_by("code"))


@transaction.atomic
def request_consultation(
    *, patient_id: int, hut_id: int, reason: str, actor: Actor
) -> VideoConsultation:
    if actor.kind == ActorKind.STAFF:
        # The hut's attendant (or its township doctor) asks for a resident at the hut.
        require_staff(actor, FOLLOW_UP)
        hut = responsible_huts(actor).filter(pk=hut_id).first()
        patient = identity.accessible_patients(actor).filter(pk=patient_id).first()
    elif actor.kind == ActorKind.PATIENT:
        hut = Institution.objects.filter(pk=hut_id, level=InstitutionLevel.ISLAND_HUT).first()
        patient = identity.accessible_patients(actor).filter(pk=patient_id).first()
    else:
        raise PermissionDenied(_("Residents or the hut's staff ask for a consultation."))
    reason = (reason or "").strip()
    errors: list[FieldError] = []
    if hut is None:
        errors.append(FieldError("hut_id", _("Choose the health hut."), "invalid_choice"))
    if patient is None:
        errors.append(FieldError("patient_id", _("Choose the resident."), "invalid_choice"))
    if not reason or len(reason) > 300:
        errors.append(FieldError("reason", _("Say what it is about."), "required"))
    if errors:
        raise InvalidInput(*errors)
    assert hut is not None
    assert patient is not None
    if VideoConsultation.objects.filter(
        patient=patient, status__in=[VideoStatus.REQUESTED, VideoStatus.SCHEDULED]
    ).exists():
        raise WrongState(_("A consultation is already open for this person."), code="open")
    consultation = VideoConsultation.objects.create(
        hut=hut,
        patient=patient,
        reason=reason,
        requested_by=actor.label,
        requested_at=clock.now(),
        status=VideoStatus.REQUESTED,
    )
    audit.record(
        actor,
        AuditAction.CREATE,
        consultation,
        patient_id=patient.pk,
        summary="video consultation requested",
    )
    return consultation


def _for_doctor(consultation_id: int, actor: Actor) -> VideoConsultation:
    require_staff(actor, FOLLOW_UP)
    found = (
        VideoConsultation.objects.select_for_update()
        .filter(pk=consultation_id, hut__in=responsible_huts(actor))
        .first()
    )
    if found is None:
        raise NotFound(_("No such consultation."))
    return found


@transaction.atomic
def schedule_consultation(
    consultation_id: int, *, at: dt.datetime, actor: Actor
) -> VideoConsultation:
    consultation = _for_doctor(consultation_id, actor)
    if consultation.status not in (VideoStatus.REQUESTED, VideoStatus.SCHEDULED):
        raise WrongState(_("This consultation is closed."), code="closed")
    if at is None or at <= clock.now() or at > clock.now() + dt.timedelta(days=30):
        raise InvalidInput.field("at", _("Choose a time within the next 30 days."), "invalid")
    room = video_rooms().open_room(consultation_id=consultation.pk, starts_at=at)
    consultation.status = VideoStatus.SCHEDULED
    consultation.scheduled_for = at
    consultation.room_url = room.url
    consultation.doctor_id = actor.user.pk if actor.user is not None else None
    consultation.save()
    audit.record(
        actor,
        AuditAction.UPDATE,
        consultation,
        patient_id=consultation.patient_id,
        summary="video consultation scheduled",
    )
    notifications.notify(
        "video_consultation_scheduled",
        phone=consultation.patient.phone,
        subject=consultation,
        occasion=f"{at:%Y%m%d%H%M}",
        params={
            "time": f"{timezone.localtime(at):%m-%d %H:%M}",
            "path": reverse("publichealth-patient-video", args=[consultation.pk]),
        },
    )
    return consultation


@transaction.atomic
def close_consultation(
    consultation_id: int, *, notes: str, declined: bool, actor: Actor
) -> VideoConsultation:
    """Complete a scheduled consultation with its notes, or decline a request with the reason."""
    consultation = _for_doctor(consultation_id, actor)
    notes = (notes or "").strip()
    if not notes or len(notes) > 1000:
        raise InvalidInput.field("notes", _("Write the notes."), "required")
    if declined and consultation.status != VideoStatus.REQUESTED:
        raise WrongState(_("Only a new request can be declined."), code="wrong_state")
    if not declined and consultation.status != VideoStatus.SCHEDULED:
        raise WrongState(_("Schedule the consultation first."), code="not_scheduled")
    consultation.status = VideoStatus.DECLINED if declined else VideoStatus.COMPLETED
    consultation.notes = notes
    consultation.completed_at = clock.now()
    consultation.doctor_id = actor.user.pk if actor.user is not None else None
    consultation.save()
    audit.record(
        actor,
        AuditAction.UPDATE,
        consultation,
        patient_id=consultation.patient_id,
        summary=f"video consultation {consultation.status}",
    )
    return consultation


def worklist(*, actor: Actor) -> list[VideoConsultation]:
    require_staff(actor, FOLLOW_UP)
    found = list(
        VideoConsultation.objects.filter(
            hut__in=responsible_huts(actor),
            status__in=[VideoStatus.REQUESTED, VideoStatus.SCHEDULED],
        )
        .select_related("patient", "hut")
        .order_by("requested_at", "pk")[:200]
    )
    with transaction.atomic():
        for consultation in found:
            audit.record(
                actor,
                AuditAction.VIEW,
                consultation,
                patient_id=consultation.patient_id,
                summary="video consultations listed",
            )
    return found


def consultation_for_staff(consultation_id: int, *, actor: Actor) -> VideoConsultation:
    require_staff(actor, FOLLOW_UP)
    found = (
        VideoConsultation.objects.filter(pk=consultation_id, hut__in=responsible_huts(actor))
        .select_related("patient", "hut")
        .first()
    )
    if found is None:
        raise NotFound(_("No such consultation."))
    audit.record_staff_read(
        actor, found, patient_id=found.patient_id, summary="video consultation read"
    )
    return found


def consultations_of(actor: Actor) -> list[VideoConsultation]:
    patients = identity.accessible_patients(actor).values("pk")
    return list(
        VideoConsultation.objects.filter(patient_id__in=patients)
        .select_related("patient", "hut")
        .order_by("-requested_at")[:20]
    )


def consultation_for_patient(consultation_id: int, *, actor: Actor) -> VideoConsultation:
    patients = identity.accessible_patients(actor).values("pk")
    found = (
        VideoConsultation.objects.filter(pk=consultation_id, patient_id__in=patients)
        .select_related("patient", "hut")
        .first()
    )
    if found is None:
        raise NotFound(_("No such consultation."))
    return found
