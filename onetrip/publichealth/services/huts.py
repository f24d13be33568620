"""Island health huts (海岛健康小屋, R-PH-4, D172): residents measure blood pressure and glucose on
the hut's devices; batches arrive through the device link (idempotent by the device's reading
id), each reading filed under the resident's record; out-of-range readings go on the worklist
of the township doctor responsible for the hut (the hut's parent institution) until followed
up; the AED's checks are logged."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from onetrip.consortium.models import Institution, InstitutionLevel
from onetrip.core import audit, clock
from onetrip.core.actors import Actor, ActorKind
from onetrip.core.errors import InvalidInput, NotFound
from onetrip.core.models import AuditAction
from onetrip.identity.models import IdentityDocument
from onetrip.notifications import services as notifications
from onetrip.publichealth.devices import ReadingIn
from onetrip.publichealth.models import AedCheck, HutDevice, HutReading, ReadingKind
from onetrip.publichealth.services.common import WrongState, require_staff, staff_site

FOLLOW_UP = "publichealth.follow_up_readings"
MAX_BATCH = 200
# Out of range for a self-measurement at the hut (中国高血压防治指南: ≥140/90; hypotension
# <90 systolic; random glucose ≥11.1 mmol/L or hypoglycaemia <3.9 mmol/L).
SYSTOLIC_RANGE = (90, 139)
DIASTOLIC_HIGH = 89
GLUCOSE_TENTHS_RANGE = (39, 110)


def out_of_range(reading: ReadingIn) -> bool:
    if reading.kind == ReadingKind.BLOOD_PRESSURE:
        low, high = SYSTOLIC_RANGE
        return not low <= (reading.systolic or 0) <= high or (reading.diastolic or 0) > (
            DIASTOLIC_HIGH
        )
    low, high = GLUCOSE_TENTHS_RANGE
    return not low <= (reading.glucose_tenths or 0) <= high


@dataclass(frozen=True)
class UploadResult:
    filed: int
    already_filed: int
    unknown_residents: list[str]


@dataclass(frozen=True)
class DeviceIn:
    serial: str
    kind: str


@transaction.atomic
def register_device(hut_id: int, data: DeviceIn, *, actor: Actor) -> HutDevice:
    require_staff(actor, FOLLOW_UP)
    hut = Institution.objects.filter(
        Q(pk=hut_id, level=InstitutionLevel.ISLAND_HUT),
        Q(pk=staff_site(actor)) | Q(parent_id=staff_site(actor)),
    ).first()
    if hut is None:
        raise NotFound(_("No such health hut."))
    if data.kind not in ReadingKind.values:
        raise InvalidInput.field("kind", _("Choose the kind."), "invalid_choice")
    serial = (data.serial or "").strip()
    if not serial or len(serial) > 40 or HutDevice.objects.filter(serial=serial).exists():
        raise InvalidInput.field("serial", _("Give a new serial number."), "duplicate")
    device = HutDevice.objects.create(hut=hut, serial=serial, kind=data.kind)
    audit.record(actor, AuditAction.CREATE, device, summary=f"hut device {serial} registered")
    return device


@transaction.atomic
def upload_readings(serial: str, batch: list[ReadingIn], *, actor: Actor) -> UploadResult:
    """One batch from a device. Filing is idempotent per (device, reading id): a resent batch
    files nothing twice. A reading of a resident the platform does not know is answered back
    (the device keeps showing it to the hut attendant) and not filed."""
    device = HutDevice.objects.filter(serial=serial).first()
    # A hut's gateway (an external system's key) uploads for its own hut's devices only.
    if device is None or (actor.kind == ActorKind.CLIENT and device.hut_id != actor.institution_id):
        raise NotFound(_("No such device."))
    if len(batch) > MAX_BATCH:
        raise InvalidInput.field("readings", _("At most 200 readings a batch."), "too_many")
    numbers = {r.resident_id for r in batch}
    owners = dict(
        IdentityDocument.objects.filter(number__in=numbers, is_guardian_document=False).values_list(
            "number", "patient_id"
        )
    )
    now = clock.now()
    rows, unknown = [], []
    for reading in batch:
        if reading.kind != device.kind:
            raise InvalidInput.field("readings", _("A reading of another kind."), "wrong_kind")
        patient_id = owners.get(reading.resident_id)
        if patient_id is None:
            unknown.append(reading.reading_uid)
            continue
        rows.append(
            HutReading(
                device=device,
                reading_uid=reading.reading_uid,
                patient_id=patient_id,
                kind=reading.kind,
                systolic=reading.systolic,
                diastolic=reading.diastolic,
                glucose_tenths=reading.glucose_tenths,
                measured_at=reading.measured_at,
                received_at=now,
                out_of_range=out_of_range(reading),
            )
        )
    uids = [row.reading_uid for row in rows]
    before = set(
        HutReading.objects.filter(device=device, reading_uid__in=uids).values_list(
            "reading_uid", flat=True
        )
    )
    HutReading.objects.bulk_create(rows, ignore_conflicts=True)
    new = HutReading.objects.filter(device=device, reading_uid__in=uids).exclude(
        reading_uid__in=before
    )
    filed = 0
    for filed_reading in new.select_related("patient"):
        filed += 1
        if filed_reading.out_of_range:
            notifications.notify(
                "hut_reading_alert",
                phone=filed_reading.patient.phone,
                subject=filed_reading,
                params={"kind": filed_reading.kind},
            )
    audit.record(
        actor,
        AuditAction.CREATE,
        device,
        summary=f"hut readings uploaded ({filed} filed, {len(before)} already filed)",
    )
    return UploadResult(filed, len(before), unknown)


def responsible_huts(actor: Actor):
    return Institution.objects.filter(
        Q(pk=staff_site(actor)) | Q(parent_id=staff_site(actor)),
        level=InstitutionLevel.ISLAND_HUT,
    )


def worklist(*, actor: Actor) -> list[HutReading]:
    """The township doctor's open out-of-range readings from the huts they are responsible for."""
    require_staff(actor, FOLLOW_UP)
    found = list(
        HutReading.objects.filter(
            device__hut__in=responsible_huts(actor),
            out_of_range=True,
            followed_up_at__isnull=True,
        )
        .select_related("patient", "device__hut")
        .order_by("measured_at", "pk")[:200]
    )
    with transaction.atomic():
        for reading in found:
            audit.record(
                actor,
                AuditAction.VIEW,
                reading,
                patient_id=reading.patient_id,
                summary="hut readings worklist",
            )
    return found


@transaction.atomic
def follow_up(reading_id: int, *, note: str, actor: Actor) -> HutReading:
    require_staff(actor, FOLLOW_UP)
    note = (note or "").strip()
    if not note or len(note) > 200:
        raise InvalidInput.field("note", _("Write what was done."), "required")
    found = HutReading.objects.filter(
        pk=reading_id, device__hut__in=responsible_huts(actor)
    ).values_list("pk", flat=True)
    if not found:
        raise NotFound(_("No such reading."))
    if not HutReading.objects.filter(pk=reading_id, followed_up_at__isnull=True).update(
        followed_up_at=clock.now(), follow_up_note=note
    ):
        raise WrongState(_("Already followed up."), code="already_done")
    reading = HutReading.objects.get(pk=reading_id)
    audit.record(
        actor,
        AuditAction.UPDATE,
        reading,
        patient_id=reading.patient_id,
        summary="hut reading followed up",
    )
    return reading


@transaction.atomic
def log_aed_check(hut_id: int, *, battery_ok: bool, pads_ok: bool, actor: Actor) -> AedCheck:
    require_staff(actor, FOLLOW_UP)
    hut = responsible_huts(actor).filter(pk=hut_id).first()
    if hut is None:
        raise NotFound(_("No such health hut."))
    check = AedCheck.objects.create(
        hut=hut,
        checked_at=clock.now(),
        battery_ok=bool(battery_ok),
        pads_ok=bool(pads_ok),
        checked_by=actor.label,
    )
    audit.record(
        actor,
        AuditAction.CREATE,
        check,
        summary="AED check logged: ready"
        if battery_ok and pads_ok
        else "AED check logged: not ready",
    )
    return check
