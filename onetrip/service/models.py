"""The service centre (R-SVC-1/2): complaints and praise followed to a rated closure, and copies
of medical records applied for on the phone and delivered by courier or as a PDF."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class ComplaintChannel(models.TextChoices):
    APP = "app", _("Mobile app")
    PHONE = "phone", _("Telephone")
    WEB = "web", _("Website")
    BOX = "box", _("Complaint box")


class ComplaintKind(models.TextChoices):
    COMPLAINT = "complaint", _("Complaint")
    PRAISE = "praise", _("Praise")


class ComplaintCause(models.TextChoices):
    WAITING = "waiting", _("Waiting time")
    ATTITUDE = "attitude", _("Staff attitude")
    TREATMENT = "treatment", _("Diagnosis and treatment")
    FEES = "fees", _("Fees and billing")
    ENVIRONMENT = "environment", _("Environment and facilities")
    OTHER = "other", _("Other")


class Severity(models.TextChoices):
    LOW = "low", _("General")
    MEDIUM = "medium", _("Serious")
    HIGH = "high", _("Urgent")


class ComplaintStatus(models.TextChoices):
    RECEIVED = "received", pgettext_lazy("complaint status", "Received")
    ROUTED = "routed", _("With the department")
    RESPONDED = "responded", _("Answered")
    CLOSED = "closed", pgettext_lazy("complaint status", "Closed")


class Complaint(models.Model):
    reference = models.CharField(max_length=20, unique=True)
    institution = models.ForeignKey(
        "consortium.Institution", on_delete=models.PROTECT, related_name="+"
    )
    patient = models.ForeignKey(
        "identity.Patient", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    contact_name = models.CharField(_("name"), max_length=50)
    contact_phone = models.CharField(_("phone"), max_length=20, blank=True)
    channel = models.CharField(_("channel"), max_length=8, choices=ComplaintChannel.choices)
    kind = models.CharField(_("kind"), max_length=10, choices=ComplaintKind.choices)
    cause = models.CharField(_("cause"), max_length=12, choices=ComplaintCause.choices)
    severity = models.CharField(_("severity"), max_length=8, choices=Severity.choices)
    description = models.TextField(_("what happened"), max_length=2000)
    department = models.ForeignKey(
        "consortium.Department", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(max_length=10, choices=ComplaintStatus.choices)
    filed_at = models.DateTimeField()
    due_at = models.DateTimeField()
    escalation_level = models.PositiveSmallIntegerField(default=0)
    escalated_at = models.DateTimeField(null=True, blank=True)
    response = models.TextField(blank=True)
    responded_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_on_time = models.BooleanField(null=True)
    rating = models.PositiveSmallIntegerField(null=True, blank=True)
    rating_comment = models.CharField(max_length=500, blank=True)
    rated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("complaint")
        verbose_name_plural = _("complaints")
        permissions = [("handle_complaints", "Route, answer and close complaints")]
        indexes = [models.Index(fields=["institution", "status", "due_at"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(rating__isnull=True) | models.Q(rating__gte=1, rating__lte=5),
                name="complaint_rating_1_to_5",
            ),
            models.CheckConstraint(
                condition=models.Q(rating__isnull=True) | models.Q(status="closed"),
                name="complaint_rated_only_when_closed",
            ),
        ]

    def __str__(self) -> str:
        return self.reference


STEP_LABELS = {
    "received": pgettext_lazy("complaint status", "Received"),
    "routed": _("Sent to the department"),
    "escalated": _("Escalated: the deadline passed"),
    "responded": _("Answered"),
    "closed": pgettext_lazy("complaint status", "Closed"),
    "rated": _("Rated"),
}


class ComplaintStep(models.Model):
    """What happened to a complaint, as the patient sees it on the phone."""

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="steps")
    at = models.DateTimeField()
    step = models.CharField(max_length=12)
    note = models.CharField(max_length=500, blank=True)

    class Meta:
        verbose_name = _("complaint step")
        verbose_name_plural = _("complaint steps")
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.step} {self.at:%Y-%m-%d %H:%M}"

    @property
    def label(self) -> str:
        return str(STEP_LABELS.get(self.step, self.step))


class CopyPurpose(models.TextChoices):
    INSURANCE = "insurance", _("Insurance claim")
    PERSONAL = "personal", _("Keep for myself")
    REFERRAL = "referral", _("Treatment elsewhere")
    OTHER = "other", _("Other")


class CopyDelivery(models.TextChoices):
    POST = "post", _("By post")
    PDF = "pdf", _("Signed PDF")


class CopyStatus(models.TextChoices):
    APPLIED = "applied", _("Applied")
    SHIPPED = "shipped", _("Posted")
    DELIVERED = "delivered", _("Delivered")


class RecordCopy(models.Model):
    """An application for a copy of a medical record (病历复印), by the patient or a proxy."""

    reference = models.CharField(max_length=20, unique=True)
    institution = models.ForeignKey(
        "consortium.Institution", on_delete=models.PROTECT, related_name="+"
    )
    patient = models.ForeignKey("identity.Patient", on_delete=models.PROTECT, related_name="+")
    applicant_account_id = models.BigIntegerField()
    by_proxy = models.BooleanField(default=False)
    visit_description = models.CharField(_("which visit"), max_length=200)
    purpose = models.CharField(_("purpose"), max_length=10, choices=CopyPurpose.choices)
    copies = models.PositiveSmallIntegerField(_("copies"))
    delivery = models.CharField(_("delivery"), max_length=4, choices=CopyDelivery.choices)
    recipient_name = models.CharField(_("recipient"), max_length=50, blank=True)
    recipient_phone = models.CharField(_("recipient's phone"), max_length=20, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    fee_fen = models.PositiveIntegerField()
    status = models.CharField(max_length=10, choices=CopyStatus.choices)
    applied_at = models.DateTimeField()
    prepared_at = models.DateTimeField(null=True, blank=True)
    pages = models.PositiveSmallIntegerField(null=True, blank=True)
    waybill = models.CharField(max_length=30, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("record copy")
        verbose_name_plural = _("record copies")
        permissions = [("prepare_record_copy", "Prepare and send medical record copies")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(copies__gte=1, copies__lte=5), name="record_copy_1_to_5"
            ),
            models.CheckConstraint(
                condition=models.Q(delivery="pdf")
                | (~models.Q(recipient_name="") & ~models.Q(address="")),
                name="record_copy_post_has_address",
            ),
        ]

    def __str__(self) -> str:
        return self.reference


class TicketStatus(models.TextChoices):
    OPEN = "open", _("In hand")
    DONE = "done", _("Done")
    REFUSED = "refused", _("Refused")


class ErrandTicket(models.Model):
    """One errand taken at the one window (R-SVC-1); its type is a code of `errands.CATALOGUE`."""

    reference = models.CharField(max_length=20, unique=True)
    institution = models.ForeignKey(
        "consortium.Institution", on_delete=models.PROTECT, related_name="+"
    )
    errand = models.CharField(_("errand"), max_length=30)
    contact_name = models.CharField(_("name"), max_length=50)
    contact_phone = models.CharField(_("phone"), max_length=20, blank=True)
    details = models.CharField(_("details"), max_length=500, blank=True)
    fee_fen = models.PositiveIntegerField(default=0)
    status = models.CharField(max_length=8, choices=TicketStatus.choices)
    opened_at = models.DateTimeField()
    due_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True)
    on_time = models.BooleanField(null=True)
    refusal_reason = models.CharField(max_length=300, blank=True)

    class Meta:
        verbose_name = _("errand ticket")
        verbose_name_plural = _("errand tickets")
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(status="refused") | ~models.Q(refusal_reason=""),
                name="errand_refusal_has_reason",
            )
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def errand_type(self):
        from onetrip.service.errands import BY_CODE

        return BY_CODE.get(self.errand)
