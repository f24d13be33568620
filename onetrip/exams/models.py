"""Exams booked in time slots and planned into as few visits as safety allows (R-EXAM-1/2/3,
R-APPT-8).

The catalogue says what each exam needs (a kind of device, how long, what preparation); devices
have opening hours cut into slots of at most 30 minutes, and each slot and each device-day has a
counter that only conditional UPDATEs move (CHECKs make overbooking impossible). Preparation,
sequencing and conflict rules are rows the appointment centre edits (see `rules.py`)."""

from django.db import models
from django.db.models import F, Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

MAX_SLOT_MINUTES = 30  # R-EXAM-2: time-slotted "within 30 minutes"


class DeviceKind(models.TextChoices):
    ULTRASOUND = "ultrasound", _("Ultrasound")
    CT = "ct", _("CT scanner")
    MRI = "mri", _("MRI scanner")
    DR = "dr", _("X-ray (DR)")
    FLUOROSCOPY = "fluoroscopy", _("Fluoroscopy (barium studies)")
    ENDOSCOPY = "endoscopy", _("Endoscopy room")
    ECG = "ecg", _("ECG")
    ECHO = "echo", _("Echocardiography")
    BLOOD_DRAW = "blood_draw", _("Blood-draw window")
    NUCLEAR = "nuclear", _("Nuclear medicine (thyroid scan and uptake)")
    PET_CT = "pet_ct", _("PET-CT")


# Large equipment that county and tertiary hospitals open to primary-care doctors (R-APPT-8).
LARGE_EQUIPMENT = (DeviceKind.CT, DeviceKind.MRI)


class Contrast(models.TextChoices):
    NONE = "none", _("None")
    IODINATED = "iodinated", _("Iodinated contrast")
    GADOLINIUM = "gadolinium", _("Gadolinium contrast")
    BARIUM = "barium", _("Barium")


class Localised(models.Model):
    """A name kept in Chinese and English; pages show the one of the reader's language."""

    name = models.CharField(_("name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=150, blank=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        if (get_language() or "").startswith("en") and self.name_en:
            return self.name_en
        return self.name


class ExamItem(Localised):
    """One orderable exam: what it needs and how the patient prepares (R-EXAM-1/2).

    `tags` name the exam's families ("abdominal_us", "barium_meal", "iodinated_contrast"…); the
    rules refer to tags, so a new item joins the rules by carrying the right tags."""

    code = models.CharField(_("code"), max_length=32, unique=True)
    device_kind = models.CharField(_("device kind"), max_length=16, choices=DeviceKind.choices)
    duration_minutes = models.PositiveSmallIntegerField(_("duration (minutes)"))
    fasting_hours = models.PositiveSmallIntegerField(_("fasting (hours)"), default=0)
    full_bladder = models.BooleanField(_("full bladder"), default=False)
    bowel_prep = models.BooleanField(_("bowel preparation"), default=False)
    contrast = models.CharField(
        _("contrast agent"), max_length=12, choices=Contrast.choices, default=Contrast.NONE
    )
    sedation = models.BooleanField(_("sedation (anaesthetist needed)"), default=False)
    # Days between ordering and the exam, e.g. 1 for the bowel preparation the evening before.
    lead_days = models.PositiveSmallIntegerField(_("days of preparation"), default=0)
    tags = models.JSONField(_("tags"), default=list, blank=True)
    preparation = models.CharField(_("preparation advice"), max_length=300, blank=True)
    preparation_en = models.CharField(_("English preparation advice"), max_length=300, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("exam item")
        verbose_name_plural = _("exam items")
        ordering = ["device_kind", "code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(device_kind__in=DeviceKind.values), name="exam_item_kind_known"
            ),
            models.CheckConstraint(
                condition=Q(duration_minutes__gte=1), name="exam_item_has_duration"
            ),
        ]

    @property
    def is_fasting(self) -> bool:
        return self.fasting_hours > 0

    @property
    def preparation_text(self) -> str:
        if (get_language() or "").startswith("en") and self.preparation_en:
            return self.preparation_en
        return self.preparation


class Device(Localised):
    """A device in its room (CT room 2, ultrasound room 5…) with the staff it needs rostered."""

    institution = models.ForeignKey(
        "consortium.Institution", on_delete=models.PROTECT, related_name="+"
    )
    code = models.CharField(_("code"), max_length=32)
    kind = models.CharField(_("kind"), max_length=16, choices=DeviceKind.choices)
    room = models.CharField(_("room"), max_length=100, blank=True)
    slot_minutes = models.PositiveSmallIntegerField(_("slot length (minutes)"), default=15)
    daily_capacity = models.PositiveSmallIntegerField(_("patients per day"), default=40)
    has_anaesthetist = models.BooleanField(_("anaesthetist rostered"), default=False)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("device")
        verbose_name_plural = _("devices")
        ordering = ["institution_id", "kind", "code"]
        constraints = [
            models.UniqueConstraint(fields=["institution", "code"], name="device_code_unique"),
            models.CheckConstraint(condition=Q(kind__in=DeviceKind.values), name="device_kind"),
            models.CheckConstraint(
                condition=Q(slot_minutes__gte=5, slot_minutes__lte=MAX_SLOT_MINUTES),
                name="device_slot_at_most_30_minutes",
            ),
        ]


class OpeningHours(models.Model):
    """A weekly opening period of a device, e.g. Monday 08:00–12:00."""

    device = models.ForeignKey(Device, on_delete=models.CASCADE, related_name="hours")
    weekday = models.PositiveSmallIntegerField(_("weekday"))  # Monday is 0
    start_time = models.TimeField(_("opens"))
    end_time = models.TimeField(_("closes"))

    class Meta:
        verbose_name = _("opening hours")
        verbose_name_plural = _("opening hours")
        ordering = ["device_id", "weekday", "start_time"]
        constraints = [
            models.CheckConstraint(condition=Q(weekday__lte=6), name="hours_weekday"),
            models.CheckConstraint(condition=Q(end_time__gt=F("start_time")), name="hours_order"),
        ]

    def __str__(self) -> str:
        return f"{self.device_id} {self.weekday} {self.start_time}–{self.end_time}"


class DeviceDay(models.Model):
    """A device's calendar day; `booked` counts exams against the daily capacity."""

    device = models.ForeignKey(Device, on_delete=models.CASCADE, related_name="days")
    date = models.DateField(_("date"))
    capacity = models.PositiveSmallIntegerField(_("capacity"))
    booked = models.PositiveSmallIntegerField(_("booked"), default=0)

    class Meta:
        verbose_name = _("device day")
        verbose_name_plural = _("device days")
        constraints = [
            models.UniqueConstraint(fields=["device", "date"], name="device_day_once"),
            models.CheckConstraint(
                condition=Q(booked__lte=F("capacity")), name="device_day_not_overbooked"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.device_id} {self.date} {self.booked}/{self.capacity}"


class DeviceSlot(models.Model):
    """One slot of a device. An exam longer than a slot takes consecutive slots."""

    day = models.ForeignKey(DeviceDay, on_delete=models.CASCADE, related_name="slots")
    device = models.ForeignKey(Device, on_delete=models.CASCADE, related_name="+")
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    capacity = models.PositiveSmallIntegerField(_("capacity"), default=1)
    booked = models.PositiveSmallIntegerField(_("booked"), default=0)

    class Meta:
        verbose_name = _("device slot")
        verbose_name_plural = _("device slots")
        ordering = ["device_id", "starts_at"]
        constraints = [
            models.UniqueConstraint(fields=["device", "starts_at"], name="device_slot_once"),
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="slot_ordered"),
            models.CheckConstraint(
                condition=Q(booked__lte=F("capacity")), name="device_slot_not_overbooked"
            ),
        ]
        indexes = [models.Index(fields=["starts_at", "device"], name="device_slot_by_time")]

    def __str__(self) -> str:
        return f"{self.device_id} {self.starts_at:%Y-%m-%d %H:%M}"


class RuleKind(models.TextChoices):
    MORNING_ONLY = "morning_only", _("Only in the morning")
    BEFORE = "before", _("First exam before the second")
    NOT_WITHIN_DAYS_AFTER = "not_within_days_after", _("Second exam not within N days after")
    DAYS_APART = "days_apart", _("At least N days apart")
    NOT_SAME_DAY = "not_same_day", _("Never on the same day")
    REPEAT_WITHIN_DAYS = "repeat_within_days", _("Flag a repeat within N days")
    # Issue 16 (D115): gaps and windows in minutes, recovery after sedation, combined scans.
    MIN_GAP = "min_gap", _("Same day: second exam at least N minutes after the first ends")
    MAX_GAP = "max_gap", _("Same day: second exam at most N minutes after the first ends")
    RECOVERY = "recovery", _("Nothing else within N minutes after the first exam (recovery)")
    START_BEFORE = "start_before", _("Starts before a time of day (minutes after midnight)")
    COMBINED = "combined", _("May be done together as one exam (other rules between them waived)")
    # Issue 16, second pass (D126).
    RESULT_BEFORE = "result_before", _("The first exam's result N minutes before the second")
    SAME_VISIT = "same_visit", _("Both in the same visit (same day, same institution)")
    DAYS_AFTER = "days_after", _("Second exam exactly N days after the first (a return)")


class ExamRule(models.Model):
    """A preparation, sequencing or conflict rule between exam families (tags), edited by the
    appointment centre. `reason` is the plain-words why shown to patients and staff."""

    code = models.CharField(_("code"), max_length=40, unique=True)
    kind = models.CharField(_("kind"), max_length=24, choices=RuleKind.choices)
    first_tag = models.CharField(_("first exam tag"), max_length=40)
    second_tag = models.CharField(_("second exam tag"), max_length=40, blank=True)
    days = models.PositiveSmallIntegerField(_("days"), default=0)
    # Minutes of a gap or recovery, or the time of day (minutes after midnight) of a window.
    minutes = models.PositiveSmallIntegerField(_("minutes"), default=0)
    reason = models.CharField(_("reason"), max_length=200)
    reason_en = models.CharField(_("English reason"), max_length=200, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("exam rule")
        verbose_name_plural = _("exam rules")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=RuleKind.values), name="rule_kind_known")
        ]

    def __str__(self) -> str:
        return self.code

    @property
    def reason_text(self) -> str:
        if (get_language() or "").startswith("en") and self.reason_en:
            return self.reason_en
        return self.reason


class TravelTime(models.Model):
    """Minutes from one institution to another, either way (issue 16, D127): the planner keeps
    them free between exams at two institutions on one day. No row: an hour is assumed."""

    institution = models.ForeignKey(
        "consortium.Institution", on_delete=models.CASCADE, related_name="+"
    )
    other_institution = models.ForeignKey(
        "consortium.Institution",
        verbose_name=_("other institution"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    minutes = models.PositiveSmallIntegerField(_("minutes"))

    class Meta:
        verbose_name = _("travel time")
        verbose_name_plural = _("travel times")
        constraints = [
            models.UniqueConstraint(
                fields=["institution", "other_institution"], name="travel_time_once"
            ),
            models.CheckConstraint(
                condition=Q(institution__lt=F("other_institution")),
                name="travel_time_pair_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.institution_id}–{self.other_institution_id} {self.minutes} min"


class OrderStatus(models.TextChoices):
    ORDERED = "ordered", _("Ordered")
    BOOKED = "booked", _("Booked")
    CHECKED_IN = "checked_in", _("Checked in")
    COMPLETED = "completed", _("Completed")
    CANCELLED = "cancelled", _("Cancelled")
    NO_SHOW = "no_show", _("No-show")


# Orders whose exam is still to be done (the planner's input once unbooked).
OPEN_STATUSES = (OrderStatus.ORDERED, OrderStatus.BOOKED, OrderStatus.CHECKED_IN)
# Orders holding device slots.
SLOTTED_STATUSES = (OrderStatus.BOOKED, OrderStatus.CHECKED_IN)


class ExamPlan(models.Model):
    """A confirmed one-trip plan: the orders it booked point at it."""

    patient = models.ForeignKey("identity.Patient", on_delete=models.PROTECT, related_name="+")
    confirmed_at = models.DateTimeField(_("confirmed at"))
    confirmed_by = models.CharField(_("confirmed by"), max_length=150)
    explanation = models.JSONField(_("explanation"), default=list)
    idempotency_scope = models.CharField(max_length=60, blank=True)
    idempotency_key = models.CharField(max_length=100, blank=True)

    class Meta:
        verbose_name = _("exam plan")
        verbose_name_plural = _("exam plans")
        constraints = [
            models.UniqueConstraint(
                fields=["idempotency_scope", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="exam_plan_request_once",
            )
        ]

    def __str__(self) -> str:
        return f"plan {self.pk} of {self.patient_id}"


class ExamOrder(models.Model):
    """An exam ordered for a patient, by a consortium doctor or an outside one, and where it
    stands: ordered → booked → checked in → completed (or cancelled / no-show)."""

    patient = models.ForeignKey("identity.Patient", on_delete=models.PROTECT, related_name="+")
    item = models.ForeignKey(ExamItem, on_delete=models.PROTECT, related_name="orders")
    ordering_doctor = models.ForeignKey(
        "consortium.Doctor",
        verbose_name=_("ordering doctor"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # An outside doctor (a clinic's HIS order) is known by name only.
    ordering_doctor_name = models.CharField(_("ordering doctor's name"), max_length=50, blank=True)
    ordering_institution = models.ForeignKey(
        "consortium.Institution",
        verbose_name=_("ordering institution"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    performing_institution = models.ForeignKey(
        "consortium.Institution",
        verbose_name=_("performing institution"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    placer_number = models.CharField(_("order number"), max_length=32, unique=True)
    clinical_note = models.CharField(_("clinical question"), max_length=300, blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=OrderStatus.choices, default=OrderStatus.ORDERED
    )
    ordered_at = models.DateTimeField(_("ordered at"))
    plan = models.ForeignKey(
        ExamPlan, null=True, blank=True, on_delete=models.SET_NULL, related_name="orders"
    )
    device = models.ForeignKey(
        Device, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    starts_at = models.DateTimeField(_("starts at"), null=True, blank=True)
    ends_at = models.DateTimeField(_("ends at"), null=True, blank=True)
    booked_at = models.DateTimeField(_("booked at"), null=True, blank=True)
    checked_in_at = models.DateTimeField(_("checked in at"), null=True, blank=True)
    started_at = models.DateTimeField(_("exam started at"), null=True, blank=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    cancel_reason = models.CharField(_("reason for cancelling"), max_length=200, blank=True)
    no_show_exempt_reason = models.CharField(_("no-show exemption"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("exam order")
        verbose_name_plural = _("exam orders")
        ordering = ["-ordered_at", "-id"]
        permissions = [
            ("book_exam", _("Can book, reschedule and cancel exams for patients")),
            ("check_in_exam", _("Can check patients in for exams")),
            ("order_large_equipment", _("Can order large-equipment exams at other hospitals")),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=OrderStatus.values), name="exam_order_status_known"
            ),
            models.CheckConstraint(
                condition=~Q(status__in=SLOTTED_STATUSES)
                | Q(device__isnull=False, starts_at__isnull=False, ends_at__isnull=False),
                name="booked_exam_has_slot",
            ),
            models.CheckConstraint(
                condition=Q(ends_at__isnull=True) | Q(ends_at__gt=F("starts_at")),
                name="exam_times_ordered",
            ),
        ]
        indexes = [
            models.Index(fields=["patient", "status"]),
            models.Index(fields=["device", "starts_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.placer_number} {self.status}"

    @property
    def waiting_minutes(self) -> int | None:
        """Minutes from check-in to the start of the exam (the waiting time recorded)."""
        if self.checked_in_at is None or self.started_at is None:
            return None
        return int((self.started_at - self.checked_in_at).total_seconds() // 60)
