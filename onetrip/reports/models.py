"""Lab and imaging reports (R-EXAM-4), the messages they came in, critical-value alerts, and the
mutual-recognition decisions of doctors (R-EXAM-5)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from onetrip.reports.results import AbnormalFlag, ReportKind, ReportStatus

RECOGNISED_STATUSES = (ReportStatus.FINAL, ReportStatus.CORRECTED)
DEFAULT_RECOGNITION_DAYS = 30


class MessageSource(models.TextChoices):
    HL7 = "hl7", _("HL7 v2 message")
    API = "api", _("JSON API")


class MessageStatus(models.TextChoices):
    ACCEPTED = "accepted", _("Accepted")
    REJECTED = "rejected", _("Rejected")


class InboundMessage(models.Model):
    """Every results message as received, filed or not. A rejected one keeps its fault and can be
    replayed (after staff correct its text); an accepted control ID is accepted once only."""

    source = models.CharField(_("source"), max_length=8, choices=MessageSource.choices)
    sender = models.CharField(_("sender"), max_length=130)
    control_id = models.CharField(_("message control ID"), max_length=50, blank=True)
    raw = models.TextField(_("message as received"))
    corrected_raw = models.TextField(_("message as corrected by staff"), blank=True)
    received_at = models.DateTimeField(_("received at"), db_index=True)
    status = models.CharField(_("status"), max_length=8, choices=MessageStatus.choices)
    error_location = models.CharField(_("fault at"), max_length=30, blank=True)
    error_code = models.CharField(_("HL7 error code"), max_length=5, blank=True)
    error_text = models.CharField(_("fault"), max_length=300, blank=True)
    ack_code = models.CharField(_("acknowledgement"), max_length=2)
    institution = models.ForeignKey(
        "consortium.Institution", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    replayed_at = models.DateTimeField(_("replayed at"), null=True, blank=True)
    replayed_by = models.CharField(_("replayed by"), max_length=150, blank=True)

    class Meta:
        verbose_name = _("results message")
        verbose_name_plural = _("results messages")
        ordering = ["-received_at", "-id"]
        permissions = [
            ("submit_results", _("Can submit lab and imaging results")),
            ("sort_results", _("Can replay rejected messages and attach quarantined reports")),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["sender", "control_id"],
                condition=Q(status="accepted") & ~Q(control_id=""),
                name="results_message_accepted_once",
            ),
            models.CheckConstraint(
                condition=Q(status__in=MessageStatus.values), name="results_message_status_known"
            ),
            models.CheckConstraint(
                condition=Q(status="accepted") | ~Q(error_location=""),
                name="rejected_message_names_fault",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.sender} {self.control_id or self.pk} ({self.status})"

    @property
    def text(self) -> str:
        return self.corrected_raw or self.raw


class QuarantineReason(models.TextChoices):
    UNKNOWN_ORDER = "unknown_order", _("No order has this number.")
    OTHER_INSTITUTION = "other_institution", _("The order is for an exam at another institution.")
    CANCELLED = "cancelled", _("The order was cancelled.")


class Report(models.Model):
    """One report answering one exam order. A report whose order is unknown is quarantined: kept
    with no patient until staff attach it to an order. A later message for the same order and
    service replaces the observations and bumps `version` (preliminary → final → corrected)."""

    order = models.ForeignKey(
        "exams.ExamOrder", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    patient = models.ForeignKey(
        "identity.Patient", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    performing_institution = models.ForeignKey(
        "consortium.Institution",
        verbose_name=_("performing institution"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    ordering_institution = models.ForeignKey(
        "consortium.Institution",
        verbose_name=_("ordering institution"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    message = models.ForeignKey(InboundMessage, on_delete=models.PROTECT, related_name="reports")
    placer_number = models.CharField(_("order number"), max_length=40)
    filler_number = models.CharField(_("report number"), max_length=40, blank=True)
    item_code = models.CharField(_("exam item"), max_length=32, blank=True, db_index=True)
    kind = models.CharField(_("kind"), max_length=8, choices=ReportKind.choices)
    status = models.CharField(_("status"), max_length=12, choices=ReportStatus.choices)
    service_code = models.CharField(_("service code"), max_length=40)
    service_name = models.CharField(_("service"), max_length=120, blank=True)
    service_system = models.CharField(_("service code system"), max_length=80)
    conclusion = models.TextField(_("conclusion"), blank=True)
    patient_hint = models.CharField(_("patient as sent"), max_length=120, blank=True)
    issued_at = models.DateTimeField(_("issued at"))
    received_at = models.DateTimeField(_("received at"))
    version = models.PositiveIntegerField(_("version"), default=1)
    quarantine_reason = models.CharField(
        _("quarantined because"), max_length=20, choices=QuarantineReason.choices, blank=True
    )
    attached_by = models.CharField(_("attached by"), max_length=150, blank=True)

    class Meta:
        verbose_name = _("report")
        verbose_name_plural = _("reports")
        ordering = ["-issued_at", "-id"]
        permissions = [("acknowledge_critical", _("Can acknowledge critical values"))]
        indexes = [models.Index(fields=["patient", "item_code", "issued_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["placer_number", "service_code"], name="one_report_per_order_and_service"
            ),
            models.CheckConstraint(
                condition=(
                    Q(order__isnull=True) & Q(patient__isnull=True) & ~Q(quarantine_reason="")
                )
                | (Q(order__isnull=False) & Q(patient__isnull=False) & Q(quarantine_reason="")),
                name="report_filed_or_quarantined",
            ),
            models.CheckConstraint(
                condition=Q(status__in=ReportStatus.values), name="report_status_known"
            ),
            models.CheckConstraint(
                condition=Q(quarantine_reason__in=["", *QuarantineReason.values]),
                name="report_quarantine_reason_known",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.service_name or self.service_code} ({self.placer_number})"

    @property
    def is_quarantined(self) -> bool:
        return self.order_id is None

    @property
    def is_recognised(self) -> bool:
        return self.status in RECOGNISED_STATUSES and not self.is_quarantined


class Observation(models.Model):
    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="observations")
    position = models.PositiveSmallIntegerField()
    code = models.CharField(_("code"), max_length=40)
    code_system = models.CharField(_("code system"), max_length=80)
    display = models.CharField(_("name"), max_length=120, blank=True)
    value = models.TextField(_("value"))
    numeric_value = models.DecimalField(max_digits=24, decimal_places=6, null=True, blank=True)
    unit = models.CharField(_("unit"), max_length=30, blank=True)
    reference_range = models.CharField(_("reference range"), max_length=60, blank=True)
    abnormal_flag = models.CharField(
        _("flag"), max_length=2, choices=AbnormalFlag.choices, blank=True
    )

    class Meta:
        verbose_name = _("observation")
        verbose_name_plural = _("observations")
        ordering = ["report_id", "position"]
        constraints = [
            models.UniqueConstraint(fields=["report", "position"], name="observation_position"),
        ]

    def __str__(self) -> str:
        return f"{self.display or self.code} {self.value} {self.unit}".strip()


class CriticalAlert(models.Model):
    """A critical value (HL7 flag LL, HH or AA) on the ordering institution's worklist until a
    doctor there acknowledges it; the value is copied because a correction replaces observations."""

    report = models.ForeignKey(Report, on_delete=models.PROTECT, related_name="critical_alerts")
    institution = models.ForeignKey(
        "consortium.Institution", on_delete=models.PROTECT, related_name="+"
    )
    doctor = models.ForeignKey(
        "consortium.Doctor", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    code = models.CharField(_("code"), max_length=40)
    display = models.CharField(_("name"), max_length=120, blank=True)
    value = models.CharField(_("value"), max_length=80)
    flag = models.CharField(_("flag"), max_length=2, choices=AbnormalFlag.choices)
    raised_at = models.DateTimeField(_("raised at"), db_index=True)
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    acknowledged_by_label = models.CharField(_("acknowledged by"), max_length=150, blank=True)
    note = models.CharField(_("action taken"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("critical value alert")
        verbose_name_plural = _("critical value alerts")
        ordering = ["acknowledged_at", "-raised_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["report", "code", "value"], name="critical_value_alerted_once"
            ),
            models.CheckConstraint(
                condition=Q(acknowledged_at__isnull=True) | Q(acknowledged_by__isnull=False),
                name="acknowledgement_names_doctor",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.display or self.code} {self.value} ({self.flag})"


class CriticalValueContact(models.Model):
    """The duty phone of an institution's critical-value desk: an SMS goes there with each alert
    (staff accounts carry no phone)."""

    institution = models.OneToOneField(
        "consortium.Institution", on_delete=models.CASCADE, related_name="+"
    )
    phone = models.CharField(_("duty phone"), max_length=11)

    class Meta:
        verbose_name = _("critical-value duty phone")
        verbose_name_plural = _("critical-value duty phones")
        constraints = [
            models.CheckConstraint(
                condition=Q(phone__regex=r"^1[3-9][0-9]{9}$"), name="critical_contact_mobile"
            )
        ]

    def __str__(self) -> str:
        return f"{self.institution_id}: {self.phone}"


class RecognitionWindow(models.Model):
    """How many days a recognised result of an exam item answers a new order of that item
    (R-EXAM-5). Items without a row use DEFAULT_RECOGNITION_DAYS; 0 days means
    the item is never recognised (a value that changes by the hour)."""

    item_code = models.CharField(_("exam item"), max_length=32, unique=True)
    days = models.PositiveSmallIntegerField(_("days"))

    class Meta:
        verbose_name = _("recognition window")
        verbose_name_plural = _("recognition windows")
        ordering = ["item_code"]

    def __str__(self) -> str:
        return f"{self.item_code}: {self.days}"


class RecognitionDecision(models.Model):
    """What an ordering doctor did when warned that a recognised result already answers the exam:
    reused it (a repeat exam avoided) or ordered anyway, with a reason."""

    class Outcome(models.TextChoices):
        REUSED = "reused", _("Used the existing result")
        OVERRIDDEN = "overridden", _("Ordered again")

    patient = models.ForeignKey("identity.Patient", on_delete=models.PROTECT, related_name="+")
    item_code = models.CharField(_("exam item"), max_length=32)
    report = models.ForeignKey(Report, on_delete=models.PROTECT, related_name="+")
    institution = models.ForeignKey(
        "consortium.Institution", on_delete=models.PROTECT, related_name="+"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    outcome = models.CharField(_("outcome"), max_length=12, choices=Outcome.choices)
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    decided_at = models.DateTimeField(_("decided at"), db_index=True)

    class Meta:
        verbose_name = _("recognition decision")
        verbose_name_plural = _("recognition decisions")
        ordering = ["-decided_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(outcome="reused") | ~Q(reason=""), name="override_has_reason"
            ),
            models.CheckConstraint(
                condition=Q(outcome__in=["reused", "overridden"]), name="recognition_outcome_known"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.item_code} for {self.patient_id}: {self.outcome}"
