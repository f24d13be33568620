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
    # Set when the patient opened the errand on the phone: it is then on their phone's list.
    patient = models.ForeignKey(
        "identity.Patient", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
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


class CertificateKind(models.TextChoices):
    DIAGNOSIS = "diagnosis", _("Diagnosis certificate")
    SICK_LEAVE = "sick_leave", _("Sick-leave certificate")
    BIRTH = "birth", _("Birth certificate")
    OTHER = "other", _("Other certificate")


class CertificateStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Awaiting review")
    STAMPED = "stamped", _("Stamped")
    REFUSED = "refused", _("Refused")


class Certificate(models.Model):
    """A certificate the doctor wrote, reviewed and stamped with the hospital's one seal at the
    one window (R-SVC-1); the stamped PDF carries a QR code to its public check page."""

    reference = models.CharField(max_length=20, unique=True)
    institution = models.ForeignKey(
        "consortium.Institution", on_delete=models.PROTECT, related_name="+"
    )
    patient = models.ForeignKey("identity.Patient", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("kind"), max_length=12, choices=CertificateKind.choices)
    doctor_name = models.CharField(_("issuing doctor"), max_length=50)
    statement = models.CharField(_("what it certifies"), max_length=500)
    starts_on = models.DateField(_("from"), null=True, blank=True)
    ends_on = models.DateField(_("until"), null=True, blank=True)
    status = models.CharField(max_length=10, choices=CertificateStatus.choices)
    submitted_at = models.DateTimeField()
    stamped_at = models.DateTimeField(null=True, blank=True)
    stamped_by = models.CharField(max_length=150, blank=True)
    refusal_reason = models.CharField(max_length=300, blank=True)

    class Meta:
        verbose_name = _("certificate")
        verbose_name_plural = _("certificates")
        permissions = [("stamp_certificate", "Review and stamp certificates")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(starts_on__isnull=True)
                | models.Q(ends_on__isnull=True)
                | models.Q(ends_on__gte=models.F("starts_on")),
                name="certificate_period_ordered",
            ),
            models.CheckConstraint(
                condition=~models.Q(kind="sick_leave")
                | (models.Q(starts_on__isnull=False) & models.Q(ends_on__isnull=False)),
                name="certificate_sick_leave_has_period",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="stamped") | models.Q(stamped_at__isnull=False),
                name="certificate_stamped_has_time",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="refused") | ~models.Q(refusal_reason=""),
                name="certificate_refusal_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return self.reference


class EquipmentKind(models.TextChoices):
    WHEELCHAIR = "wheelchair", _("Wheelchair")
    WALKER = "walker", _("Walking frame")
    CRUTCHES = "crutches", _("Crutches")
    STROLLER = "stroller", _("Baby stroller")


class Equipment(models.Model):
    """One lendable item of the service centre, with the price-catalogue line of its deposit."""

    institution = models.ForeignKey(
        "consortium.Institution", on_delete=models.PROTECT, related_name="+"
    )
    code = models.CharField(_("asset number"), max_length=20)
    kind = models.CharField(_("kind"), max_length=12, choices=EquipmentKind.choices)
    deposit_item_code = models.CharField(max_length=40)

    class Meta:
        verbose_name = _("equipment")
        verbose_name_plural = _("equipment")
        constraints = [
            models.UniqueConstraint(fields=["institution", "code"], name="equipment_code_unique")
        ]

    def __str__(self) -> str:
        return self.code


class LoanStatus(models.TextChoices):
    AWAITING_DEPOSIT = "awaiting", _("Awaiting the deposit")
    LENT = "lent", _("Lent")
    RETURNED = "returned", _("Returned")
    CANCELLED = "cancelled", _("Cancelled")


OPEN_LOAN = ("awaiting", "lent")


class Loan(models.Model):
    reference = models.CharField(max_length=20, unique=True)
    institution = models.ForeignKey(
        "consortium.Institution", on_delete=models.PROTECT, related_name="+"
    )
    equipment = models.ForeignKey(Equipment, on_delete=models.PROTECT, related_name="loans")
    patient = models.ForeignKey("identity.Patient", on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=10, choices=LoanStatus.choices)
    deposit_fen = models.PositiveIntegerField()
    opened_at = models.DateTimeField()
    lent_at = models.DateTimeField(null=True, blank=True)
    returned_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("loan")
        verbose_name_plural = _("loans")
        constraints = [
            # The guarantee behind "no item lent twice": at most one open loan per item.
            models.UniqueConstraint(
                fields=["equipment"],
                condition=models.Q(status__in=OPEN_LOAN),
                name="one_open_loan_per_equipment",
            )
        ]

    def __str__(self) -> str:
        return self.reference


class FoundStatus(models.TextChoices):
    HELD = "held", _("Held")
    CLAIMED = "claimed", _("Claimed")


class FoundItem(models.Model):
    reference = models.CharField(max_length=20, unique=True)
    institution = models.ForeignKey(
        "consortium.Institution", on_delete=models.PROTECT, related_name="+"
    )
    description = models.CharField(_("description"), max_length=200)
    found_where = models.CharField(_("where found"), max_length=100)
    found_at = models.DateTimeField()
    # The sha256 of an identity document found with the item (a wallet with an ID card): only
    # its holder can claim it. Blank when nothing names the owner.
    owner_document_digest = models.CharField(max_length=64, blank=True)
    status = models.CharField(max_length=8, choices=FoundStatus.choices)
    claimant_name = models.CharField(max_length=50, blank=True)
    claimant_document = models.CharField(max_length=40, blank=True)  # masked
    claimed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("found item")
        verbose_name_plural = _("found items")
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(status="claimed")
                | (~models.Q(claimant_document="") & models.Q(claimed_at__isnull=False)),
                name="found_item_claim_checked",
            )
        ]

    def __str__(self) -> str:
        return self.reference


class HelperKind(models.TextChoices):
    VOLUNTEER = "volunteer", _("Volunteer")
    SOCIAL_WORKER = "social_worker", _("Medical social worker")


class Helper(models.Model):
    """A volunteer or medical social worker on the service centre's roster (R-SVC-3)."""

    institution = models.ForeignKey(
        "consortium.Institution", on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField(_("name"), max_length=50)
    phone = models.CharField(_("phone"), max_length=20)
    kind = models.CharField(_("kind"), max_length=14, choices=HelperKind.choices)
    active = models.BooleanField(default=True)

    class Meta:
        verbose_name = _("volunteer or social worker")
        verbose_name_plural = _("volunteers and social workers")

    def __str__(self) -> str:
        return self.name


class TrainingKind(models.TextChoices):
    TRAINING = "training", _("Training")
    ASSESSMENT = "assessment", _("Assessment")


class TrainingRecord(models.Model):
    """A helper's training attended or assessment taken (R-SVC-3), kept as a history."""

    helper = models.ForeignKey(Helper, on_delete=models.CASCADE, related_name="training")
    kind = models.CharField(_("kind"), max_length=10, choices=TrainingKind.choices)
    on = models.DateField(_("date"))
    topic = models.CharField(_("topic"), max_length=100)
    # An assessment's result; a training attended has none.
    passed = models.BooleanField(_("passed"), null=True)

    class Meta:
        verbose_name = _("training or assessment record")
        verbose_name_plural = _("training and assessment records")
        ordering = ["-on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind="training", passed__isnull=True)
                | models.Q(kind="assessment", passed__isnull=False),
                name="training_record_assessment_has_result",
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.on}"


class Shift(models.Model):
    helper = models.ForeignKey(Helper, on_delete=models.PROTECT, related_name="shifts")
    post = models.CharField(_("post"), max_length=50)
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    signed_in_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("shift")
        verbose_name_plural = _("shifts")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")), name="shift_ends_after_start"
            )
        ]

    def __str__(self) -> str:
        return f"{self.post} {self.starts_at:%Y-%m-%d %H:%M}"


class HelpNeed(models.TextChoices):
    ESCORT = "escort", _("Escort through the visit")
    WHEELCHAIR_PUSH = "wheelchair", _("Push a wheelchair")
    SOCIAL_SUPPORT = "social", _("Social work support")
    OTHER = "other", _("Other help")


class HelpStatus(models.TextChoices):
    OPEN = "open", _("Waiting for a helper")
    ASSIGNED = "assigned", _("Helper on the way")
    CLOSED = "closed", _("Done")


class HelpRequest(models.Model):
    reference = models.CharField(max_length=20, unique=True)
    institution = models.ForeignKey(
        "consortium.Institution", on_delete=models.PROTECT, related_name="+"
    )
    contact_name = models.CharField(_("who needs help"), max_length=50)
    contact_phone = models.CharField(_("phone"), max_length=20, blank=True)
    need = models.CharField(_("what help"), max_length=12, choices=HelpNeed.choices)
    where = models.CharField(_("where"), max_length=100)
    needed_at = models.DateTimeField(_("when"))
    status = models.CharField(max_length=10, choices=HelpStatus.choices)
    helper = models.ForeignKey(
        Helper, null=True, blank=True, on_delete=models.PROTECT, related_name="requests"
    )
    opened_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("help request")
        verbose_name_plural = _("help requests")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status="open") | models.Q(helper__isnull=False),
                name="help_request_assigned_has_helper",
            )
        ]

    def __str__(self) -> str:
        return self.reference
