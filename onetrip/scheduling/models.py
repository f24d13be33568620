"""One shared slot pool for all channels (R-APPT-1/2/3): weekly templates generate clinic
sessions, sessions are cut into minute-precise slots, and each slot's capacity is split into
channel pools whose counters are only ever moved by conditional updates."""

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _


class Period(models.TextChoices):
    MORNING = "morning", _("Morning")
    AFTERNOON = "afternoon", _("Afternoon")
    EVENING = "evening", _("Evening")


class PoolKind(models.TextChoices):
    SHARED_ONLINE = "shared_online", _("Online (shared)")
    PRIMARY_CARE = "primary_care", _("Reserved for primary care")
    WINDOW = "window", _("Window / on site")
    IN_CLINIC = "in_clinic", _("In-clinic return visits")
    PHONE = "phone", _("Phone")
    KIOSK = "kiosk", _("Self-service kiosk")


class BookingChannel(models.TextChoices):
    """Where a booking request comes from; each channel draws on the pools open to it."""

    APP = "app", _("Mobile app / website")
    PHONE = "phone", _("Phone")
    KIOSK = "kiosk", _("Self-service kiosk")
    WINDOW = "window", _("Window")
    IN_CLINIC = "in_clinic", _("In clinic")
    PRIMARY_CARE = "primary_care", _("Primary-care referral")
    ONLINE = "online", _("Internet hospital")


class SchedulingPolicy(models.Model):
    """Overrides of the booking rules for an institution, a department or a doctor."""

    institution = models.ForeignKey(
        "consortium.Institution", on_delete=models.CASCADE, related_name="+"
    )
    department = models.ForeignKey(
        "consortium.Department", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    doctor = models.ForeignKey(
        "consortium.Doctor", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    rules = models.JSONField(_("rules"), default=dict)

    class Meta:
        verbose_name = _("booking policy")
        verbose_name_plural = _("booking policies")
        constraints = [
            models.UniqueConstraint(
                fields=["institution", "department", "doctor"],
                name="one_policy_per_scope",
                nulls_distinct=False,
            )
        ]

    def __str__(self) -> str:
        return f"policy {self.institution_id}/{self.department_id}/{self.doctor_id}"


class SessionTemplate(models.Model):
    """A doctor's weekly clinic session, e.g. Tuesday mornings 08:00–11:30 in 10-minute slots."""

    doctor = models.ForeignKey("consortium.Doctor", on_delete=models.PROTECT, related_name="+")
    clinic = models.ForeignKey("consortium.Clinic", on_delete=models.PROTECT, related_name="+")
    weekday = models.PositiveSmallIntegerField(_("weekday"))  # Monday is 0
    period = models.CharField(_("period"), max_length=10, choices=Period.choices)
    start_time = models.TimeField(_("start"))
    end_time = models.TimeField(_("end"))
    slot_minutes = models.PositiveSmallIntegerField(_("slot length (minutes)"), default=10)
    capacity_per_slot = models.PositiveSmallIntegerField(_("patients per slot"), default=2)
    fee_fen = models.PositiveIntegerField(_("registration fee (fen)"), default=0)
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(_("valid until"), null=True, blank=True)

    class Meta:
        verbose_name = _("session template")
        verbose_name_plural = _("session templates")
        constraints = [
            models.CheckConstraint(condition=Q(weekday__lte=6), name="template_weekday"),
            models.CheckConstraint(
                condition=Q(end_time__gt=F("start_time")), name="template_order"
            ),
            models.CheckConstraint(condition=Q(slot_minutes__gte=1), name="template_slot_length"),
            models.UniqueConstraint(
                fields=["doctor", "weekday", "period", "valid_from"], name="template_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.doctor} weekday {self.weekday} {self.period}"


class ScheduleException(models.Model):
    """Days without sessions: a doctor's leave, or an institution's holiday (doctor empty)."""

    institution = models.ForeignKey(
        "consortium.Institution", on_delete=models.CASCADE, related_name="+"
    )
    doctor = models.ForeignKey(
        "consortium.Doctor", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    date_from = models.DateField(_("Date from"))
    date_to = models.DateField(_("Date to"))
    reason = models.CharField(_("reason"), max_length=100)

    class Meta:
        verbose_name = _("schedule exception")
        verbose_name_plural = _("schedule exceptions")
        constraints = [
            models.CheckConstraint(condition=Q(date_to__gte=F("date_from")), name="exception_order")
        ]

    def __str__(self) -> str:
        return f"{self.reason} {self.date_from}–{self.date_to}"


class SessionStatus(models.TextChoices):
    OPEN = "open", _("Open")
    STOPPED = "stopped", _("Stopped")


class ClinicSession(models.Model):
    doctor = models.ForeignKey("consortium.Doctor", on_delete=models.PROTECT, related_name="+")
    clinic = models.ForeignKey("consortium.Clinic", on_delete=models.PROTECT, related_name="+")
    department = models.ForeignKey(
        "consortium.Department", on_delete=models.PROTECT, related_name="+"
    )
    institution = models.ForeignKey(
        "consortium.Institution", on_delete=models.PROTECT, related_name="+"
    )
    date = models.DateField(_("date"))
    period = models.CharField(_("period"), max_length=10, choices=Period.choices)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    fee_fen = models.PositiveIntegerField(_("registration fee (fen)"), default=0)
    status = models.CharField(
        _("status"), max_length=10, choices=SessionStatus.choices, default=SessionStatus.OPEN
    )
    substitute = models.ForeignKey(
        "consortium.Doctor",
        verbose_name=_("substitute doctor"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    stop_reason = models.CharField(_("reason for stopping"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("clinic session")
        verbose_name_plural = _("clinic sessions")
        permissions = [("stop_session", _("Can stop or substitute a clinic session"))]
        constraints = [
            models.UniqueConstraint(fields=["doctor", "date", "period"], name="session_once"),
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="session_order"),
        ]
        indexes = [
            models.Index(fields=["department", "date"]),
            # The open capacity of a span of days across the consortium (D239).
            models.Index(fields=["date"], name="session_by_date"),
        ]

    def __str__(self) -> str:
        return f"{self.doctor} {self.date} {self.period}"


class Slot(models.Model):
    session = models.ForeignKey(ClinicSession, on_delete=models.CASCADE, related_name="slots")
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))

    class Meta:
        verbose_name = _("slot")
        verbose_name_plural = _("slots")
        ordering = ["starts_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["session", "starts_at"], name="slot_once"),
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="slot_order"),
        ]

    def __str__(self) -> str:
        return f"{self.starts_at:%Y-%m-%d %H:%M}–{self.ends_at:%H:%M}"


class SlotPool(models.Model):
    """The part of a slot's capacity that one pool holds. `booked` counts live bookings and
    holds; it moves only by conditional UPDATE, and the CHECK makes overbooking impossible."""

    slot = models.ForeignKey(Slot, on_delete=models.CASCADE, related_name="pools")
    kind = models.CharField(_("pool"), max_length=16, choices=PoolKind.choices)
    capacity = models.PositiveSmallIntegerField(_("capacity"))
    booked = models.PositiveSmallIntegerField(_("booked"), default=0)
    # Closed when the session stops. Bookings take units with a conditional UPDATE on this
    # very row, so a booking racing a stop either commits first (and the stop sees it) or
    # finds the pool closed.
    is_open = models.BooleanField(_("open"), default=True)
    # Copied from the session so "next free slots of a department" is one indexed scan.
    department = models.ForeignKey(
        "consortium.Department", on_delete=models.PROTECT, related_name="+"
    )
    starts_at = models.DateTimeField()

    class Meta:
        verbose_name = _("slot pool")
        verbose_name_plural = _("slot pools")
        constraints = [
            models.UniqueConstraint(fields=["slot", "kind"], name="pool_once_per_slot"),
            models.CheckConstraint(condition=Q(booked__lte=F("capacity")), name="never_overbooked"),
            models.CheckConstraint(condition=Q(kind__in=PoolKind.values), name="pool_kind_known"),
        ]
        indexes = [
            models.Index(
                fields=["department", "kind", "starts_at"],
                condition=Q(booked__lt=F("capacity")),
                name="pool_free_by_department",
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.booked}/{self.capacity}"


class SessionCapacity(models.Model):
    """A session's capacity in one pool kind, written with its pools: the open capacity of the
    days ahead is read from these (a row per session and kind, not per slot) for the indicators
    (D239). The session's status says whether they are open: stopping a session closes all of
    its pools at once."""

    session = models.ForeignKey(ClinicSession, on_delete=models.CASCADE, related_name="capacities")
    kind = models.CharField(_("pool"), max_length=16, choices=PoolKind.choices)
    capacity = models.PositiveIntegerField(_("capacity"))

    class Meta:
        verbose_name = _("session capacity")
        verbose_name_plural = _("session capacities")
        constraints = [
            models.UniqueConstraint(fields=["session", "kind"], name="session_capacity_once"),
        ]

    def __str__(self) -> str:
        return f"{self.session_id} {self.kind} {self.capacity}"


class AppointmentStatus(models.TextChoices):
    HELD = "held", _("Held for payment")
    BOOKED = "booked", _("Booked")
    CHECKED_IN = "checked_in", _("Checked in")
    CALLED = "called", _("Called")
    IN_CONSULTATION = "in_consultation", _("In consultation")
    COMPLETED = "completed", _("Completed")
    CANCELLED = "cancelled", _("Cancelled")
    EXPIRED = "expired", _("Hold expired")
    NO_SHOW = "no_show", _("No-show")
    CLINIC_STOPPED = "clinic_stopped", _("Clinic stopped")


# Statuses that occupy capacity and count as the patient's booking.
ACTIVE_STATUSES = (
    AppointmentStatus.HELD,
    AppointmentStatus.BOOKED,
    AppointmentStatus.CHECKED_IN,
    AppointmentStatus.CALLED,
    AppointmentStatus.IN_CONSULTATION,
    AppointmentStatus.COMPLETED,
)


class PriorityClass(models.IntegerChoices):
    """Queue priority (R-APPT-6); lower is called first."""

    MILITARY = 1, _("Military")
    ELDERLY_OR_DISABLED = 2, _("Elderly or disabled")
    ORDINARY = 3, _("Ordinary")


class Appointment(models.Model):
    patient = models.ForeignKey("identity.Patient", on_delete=models.PROTECT, related_name="+")
    slot = models.ForeignKey(Slot, on_delete=models.PROTECT, related_name="appointments")
    pool = models.ForeignKey(SlotPool, on_delete=models.PROTECT, related_name="appointments")
    session = models.ForeignKey(ClinicSession, on_delete=models.PROTECT, related_name="+")
    department = models.ForeignKey(
        "consortium.Department", on_delete=models.PROTECT, related_name="+"
    )
    visit_date = models.DateField(_("visit date"))
    channel = models.CharField(_("channel"), max_length=16, choices=BookingChannel.choices)
    status = models.CharField(_("status"), max_length=16, choices=AppointmentStatus.choices)
    held_until = models.DateTimeField(_("held until"), null=True, blank=True)
    booked_at = models.DateTimeField(_("booked at"))
    booked_by = models.CharField(_("booked by"), max_length=150)
    idempotency_scope = models.CharField(max_length=60, blank=True)
    idempotency_key = models.CharField(max_length=100, blank=True)
    is_walk_in = models.BooleanField(_("walk-in"), default=False)
    priority = models.PositiveSmallIntegerField(
        _("priority"), choices=PriorityClass.choices, default=PriorityClass.ORDINARY
    )
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    checked_in_at = models.DateTimeField(_("checked in at"), null=True, blank=True)
    called_at = models.DateTimeField(_("called at"), null=True, blank=True)
    consultation_started_at = models.DateTimeField(
        _("consultation started at"), null=True, blank=True
    )
    no_show_exempt_reason = models.CharField(_("no-show exemption"), max_length=200, blank=True)
    # A rebooking offer made when a clinic stopped points at the booking it replaces.
    replaces = models.ForeignKey(
        "self",
        verbose_name=_("replaces"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="replacements",
    )

    class Meta:
        verbose_name = _("appointment")
        verbose_name_plural = _("appointments")
        permissions = [
            ("book_at_window", _("Can book at a registration window")),
            ("book_by_phone", _("Can book for a caller by phone")),
            ("book_in_clinic", _("Can book return visits in clinic")),
            ("book_for_primary_care", _("Can book into the primary-care pool")),
            ("exempt_no_show", _("Can exempt a no-show from the penalty")),
            ("check_in", _("Can check patients in")),
            ("call_patients", _("Can call patients in a clinic queue")),
        ]
        ordering = ["slot__starts_at", "booked_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["patient", "session"],
                condition=Q(status__in=ACTIVE_STATUSES),
                name="patient_once_per_session",
            ),
            models.UniqueConstraint(
                fields=["idempotency_scope", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="booking_request_once",
            ),
            models.CheckConstraint(
                condition=~Q(status=AppointmentStatus.HELD) | Q(held_until__isnull=False),
                name="hold_has_deadline",
            ),
        ]
        indexes = [
            models.Index(fields=["patient", "visit_date"]),
            models.Index(fields=["status", "held_until"]),
            models.Index(fields=["session", "status"]),
        ]

    def __str__(self) -> str:
        return f"{self.booking_number} {self.status}"

    @property
    def booking_number(self) -> str:
        return booking_number_for(self.pk)


def booking_number_for(pk: int) -> str:
    """The number printed on the slip and typed at a kiosk: the key plus a Luhn check digit,
    so a mistyped number is caught before it finds someone else's booking."""
    digits = f"{pk:08d}"
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char) * (2 if index % 2 == 0 else 1)
        total += value - 9 if value > 9 else value
    return digits + str((10 - total % 10) % 10)


class WaitlistStatus(models.TextChoices):
    WAITING = "waiting", _("Waiting")
    BOOKED = "booked", _("Booked")
    CANCELLED = "cancelled", _("Cancelled")


class WaitlistEntry(models.Model):
    """候补: waiting for a full session; the first in line gets a freed slot automatically."""

    patient = models.ForeignKey("identity.Patient", on_delete=models.PROTECT, related_name="+")
    session = models.ForeignKey(ClinicSession, on_delete=models.CASCADE, related_name="waitlist")
    channel = models.CharField(_("channel"), max_length=16, choices=BookingChannel.choices)
    joined_at = models.DateTimeField(_("joined at"))
    status = models.CharField(
        _("status"), max_length=10, choices=WaitlistStatus.choices, default=WaitlistStatus.WAITING
    )
    appointment = models.ForeignKey(
        Appointment, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    booked_by = models.CharField(max_length=150)

    class Meta:
        verbose_name = _("waitlist entry")
        verbose_name_plural = _("waitlist entries")
        ordering = ["joined_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["patient"],
                condition=Q(status=WaitlistStatus.WAITING),
                name="one_waitlist_per_patient",
            )
        ]

    def __str__(self) -> str:
        return f"waitlist {self.patient_id} for session {self.session_id}"


class ApiClient(models.Model):
    """An external system of a consortium institution (a township clinic's HIS) booking into
    the shared pool with its own key."""

    institution = models.ForeignKey(
        "consortium.Institution", on_delete=models.CASCADE, related_name="+"
    )
    name = models.CharField(_("name"), max_length=100)
    key_prefix = models.CharField(max_length=8, unique=True)
    key_hash = models.CharField(max_length=128)
    channel = models.CharField(_("channel"), max_length=16, choices=BookingChannel.choices)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = _("API client")
        verbose_name_plural = _("API clients")

    def __str__(self) -> str:
        return self.name
