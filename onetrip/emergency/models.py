"""The emergency domain (R-EMG-1…3): zones and the road-time table between them, ambulances,
calls with their structured triage, runs with the timestamps the crew records, the receiving
hospitals, what the crew sends before arrival (vital signs, the 12-lead ECG) and the
green-channel timeline with its clocks (D130–D139).

Invariants live in the database: one run per call, one open run per ambulance (the last guard
against a double dispatch), each run timestamp after the one before it, each milestone of a
timeline once."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class AreaType(models.TextChoices):
    """Where the response-time targets differ (seed 002): 设区市主城区 ≤ 15 min, 县域主城区
    ≤ 10 min; elsewhere no target."""

    CITY_CENTRE = "city_centre", _("City centre")
    COUNTY_CENTRE = "county_centre", _("County centre")
    OTHER = "other", _("Outside the centres")


class Zone(models.Model):
    """A dispatch zone of an emergency centre (a district, a township, an island)."""

    institution = models.ForeignKey(
        "consortium.Institution", on_delete=models.PROTECT, related_name="+"
    )
    code = models.CharField(_("code"), max_length=20)
    name = models.CharField(_("name"), max_length=60)
    area_type = models.CharField(_("area type"), max_length=20, choices=AreaType.choices)

    class Meta:
        verbose_name = _("dispatch zone")
        constraints = [
            models.UniqueConstraint(fields=["institution", "code"], name="emg_zone_code_unique"),
        ]

    def __str__(self) -> str:
        return self.name


class RoadTime(models.Model):
    """Minutes by road from one zone to another (the same zone too): the sandbox routing
    service's whole knowledge, kept as data the centre can correct (D132)."""

    origin = models.ForeignKey(Zone, on_delete=models.CASCADE, related_name="+")
    destination = models.ForeignKey(Zone, on_delete=models.CASCADE, related_name="+")
    minutes = models.PositiveSmallIntegerField(_("minutes"))

    class Meta:
        verbose_name = _("road time")
        constraints = [
            models.UniqueConstraint(fields=["origin", "destination"], name="emg_road_unique"),
            models.CheckConstraint(
                condition=Q(minutes__gte=1, minutes__lte=600), name="emg_road_minutes_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.origin_id} → {self.destination_id}: {self.minutes} min"


class AmbulanceStatus(models.TextChoices):
    AVAILABLE = "available", _("Available")
    ON_RUN = "on_run", _("On a run")
    OUT_OF_SERVICE = "out_of_service", _("Out of service")


class Ambulance(models.Model):
    institution = models.ForeignKey(
        "consortium.Institution", on_delete=models.PROTECT, related_name="+"
    )
    call_sign = models.CharField(_("call sign"), max_length=20)
    base_zone = models.ForeignKey(Zone, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(
        _("status"), max_length=20, choices=AmbulanceStatus.choices, default="available"
    )

    class Meta:
        verbose_name = _("ambulance")
        constraints = [
            models.UniqueConstraint(
                fields=["institution", "call_sign"], name="emg_ambulance_call_sign_unique"
            ),
        ]

    def __str__(self) -> str:
        return self.call_sign


class GreenChannel(models.TextChoices):
    NONE = "", _("None")
    CHEST_PAIN = "chest_pain", _("Chest pain")
    STROKE = "stroke", _("Stroke")
    TRAUMA = "trauma", _("Trauma")
    MATERNAL = "maternal", _("Critical maternal")
    NEONATAL = "neonatal", _("Critical neonatal")


class CallStatus(models.TextChoices):
    OPEN = "open", _("Waiting for an ambulance")
    DISPATCHED = "dispatched", _("Ambulance dispatched")
    CANCELLED = "cancelled", _("Cancelled")


class Call(models.Model):
    """A call to the emergency centre (120). `priority` 1 (critical) … 3 (non-urgent) and the
    green channel come from the structured triage of the call (`triage.py`, D131)."""

    institution = models.ForeignKey(
        "consortium.Institution", on_delete=models.PROTECT, related_name="+"
    )
    received_at = models.DateTimeField(_("call received"))
    caller_name = models.CharField(_("caller"), max_length=60, blank=True)
    caller_phone = models.CharField(_("caller's phone"), max_length=20)
    zone = models.ForeignKey(Zone, on_delete=models.PROTECT, related_name="+")
    address = models.CharField(_("address"), max_length=200)
    complaint = models.CharField(_("chief complaint"), max_length=200)
    triage = models.JSONField(_("triage answers"), default=dict)
    priority = models.PositiveSmallIntegerField(_("priority"))
    channel = models.CharField(
        _("green channel"), max_length=20, choices=GreenChannel.choices, blank=True
    )
    status = models.CharField(
        _("status"), max_length=20, choices=CallStatus.choices, default="open"
    )
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancel_reason = models.CharField(max_length=200, blank=True)

    class Meta:
        verbose_name = _("emergency call")
        permissions = [("dispatch_ambulances", "Take calls and dispatch ambulances")]
        ordering = ["-received_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(priority__gte=1, priority__lte=3), name="emg_call_priority_range"
            ),
            models.CheckConstraint(
                condition=Q(status="cancelled", cancelled_at__isnull=False)
                | (~Q(status="cancelled") & Q(cancelled_at__isnull=True)),
                name="emg_call_cancelled_when",
            ),
        ]

    def __str__(self) -> str:
        return f"call {self.pk} P{self.priority}"


class ReceivingHospital(models.Model):
    """An institution that takes emergency patients, where it stands on the road map and which
    green channels it runs (a cath lab for STEMI, a stroke unit for thrombolysis)."""

    institution = models.OneToOneField(
        "consortium.Institution", on_delete=models.PROTECT, related_name="+"
    )
    zone = models.ForeignKey(Zone, on_delete=models.PROTECT, related_name="+")
    channels = models.JSONField(_("green channels"), default=list)

    class Meta:
        verbose_name = _("receiving hospital")

    def __str__(self) -> str:
        return str(self.institution_id)


# The run's timestamps in the order they must happen (each after the one before it).
RUN_TIMES = (
    "dispatched_at",
    "wheels_rolling_at",
    "on_scene_at",
    "leaving_scene_at",
    "at_hospital_at",
)


class Run(models.Model):
    """One ambulance's run for a call. A cancelled run keeps its times; its ambulance is free."""

    call = models.OneToOneField(Call, on_delete=models.PROTECT, related_name="run")
    ambulance = models.ForeignKey(Ambulance, on_delete=models.PROTECT, related_name="runs")
    dispatched_at = models.DateTimeField(_("dispatched"))
    wheels_rolling_at = models.DateTimeField(_("wheels rolling"), null=True, blank=True)
    on_scene_at = models.DateTimeField(_("on scene"), null=True, blank=True)
    leaving_scene_at = models.DateTimeField(_("leaving scene"), null=True, blank=True)
    at_hospital_at = models.DateTimeField(_("at hospital"), null=True, blank=True)
    closed = models.BooleanField(default=False)  # handed over or cancelled: the ambulance is free
    cancelled = models.BooleanField(default=False)
    destination = models.ForeignKey(
        "consortium.Institution",
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    patient = models.ForeignKey(
        "identity.Patient", on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    # The patient is an unknown-patient placeholder record, to be merged through the index.
    patient_unidentified = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("ambulance run")
        permissions = [
            ("crew_runs", "Record a run and send data before arrival"),
            ("receive_patients", "Receive emergency patients at the hospital"),
        ]
        ordering = ["-dispatched_at", "-id"]
        constraints = [
            # The last guard against dispatching one ambulance twice (D133).
            models.UniqueConstraint(
                fields=["ambulance"], condition=Q(closed=False), name="emg_one_open_run"
            ),
            models.CheckConstraint(
                condition=Q(cancelled=False) | Q(closed=True), name="emg_cancelled_is_closed"
            ),
        ] + [
            models.CheckConstraint(
                condition=Q(**{f"{later}__isnull": True})
                | Q(**{f"{earlier}__isnull": False, f"{later}__gte": models.F(earlier)}),
                name=f"emg_{later}_in_order",
            )
            for earlier, later in zip(RUN_TIMES, RUN_TIMES[1:], strict=False)
        ]

    def __str__(self) -> str:
        return f"run {self.pk}"


class VitalSigns(models.Model):
    run = models.ForeignKey(Run, on_delete=models.CASCADE, related_name="vitals")
    taken_at = models.DateTimeField(_("taken at"))
    heart_rate = models.PositiveSmallIntegerField(_("heart rate"))
    systolic = models.PositiveSmallIntegerField(_("systolic pressure"))
    diastolic = models.PositiveSmallIntegerField(_("diastolic pressure"))
    spo2 = models.PositiveSmallIntegerField(_("SpO₂"))
    respiratory_rate = models.PositiveSmallIntegerField(_("respiratory rate"))
    gcs = models.PositiveSmallIntegerField(_("Glasgow coma scale"))

    class Meta:
        verbose_name = _("vital signs")
        ordering = ["-taken_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(heart_rate__lte=300)
                & Q(systolic__lte=300)
                & Q(diastolic__lte=200)
                & Q(spo2__lte=100)
                & Q(respiratory_rate__lte=80)
                & Q(gcs__gte=3, gcs__lte=15),
                name="emg_vitals_ranges",
            ),
        ]

    def __str__(self) -> str:
        return f"vitals {self.pk}"


class Ecg(models.Model):
    """A 12-lead ECG sent from the ambulance: the waveform file (HL7 aECG XML, SCP-ECG or
    DICOM) and the image the receiving doctor reads. Kept in the database: a few hundred
    kilobytes each, scoped and audited like the run (D134)."""

    run = models.ForeignKey(Run, on_delete=models.CASCADE, related_name="ecgs")
    recorded_at = models.DateTimeField(_("recorded at"))
    waveform_name = models.CharField(max_length=100)
    waveform_format = models.CharField(max_length=10)
    waveform = models.BinaryField()
    image_type = models.CharField(max_length=20)
    image = models.BinaryField()

    class Meta:
        verbose_name = _("ECG")
        ordering = ["-recorded_at", "-id"]

    def __str__(self) -> str:
        return f"ECG {self.pk}"


class Milestone(models.Model):
    """A moment of a run's green-channel timeline (`clocks.py` names them and their clocks).
    A milestone that ends a clock after its target carries the delay's reason (D135)."""

    run = models.ForeignKey(Run, on_delete=models.CASCADE, related_name="milestones")
    code = models.CharField(_("milestone"), max_length=30)
    occurred_at = models.DateTimeField(_("at"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    delay_reason = models.CharField(_("reason for the delay"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("timeline milestone")
        ordering = ["occurred_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["run", "code"], name="emg_milestone_once"),
        ]

    def __str__(self) -> str:
        return self.code
