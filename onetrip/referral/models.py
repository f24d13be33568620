"""Care across the consortium (R-REF-1, R-NET-3, R-NET-4): two-way referrals with the booking or
exam they come with, the downward care plan and its follow-ups, family doctor contracts, and
remote consultations and readings.

A referral is sent by one institution and received by another; only those two see it. What
happens to its booking (checked in, seen, missed) is scheduling's record, read when shown, never
copied here."""

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _


class Direction(models.TextChoices):
    UP = "up", _("Upward referral")
    DOWN = "down", _("Downward referral")


class Urgency(models.TextChoices):
    ROUTINE = "routine", _("Routine")
    URGENT = "urgent", _("Urgent")


class Target(models.TextChoices):
    """What an upward referral books at the receiving hospital; a downward one carries a plan."""

    CLINIC = "clinic", _("Clinic visit")
    EXAM = "exam", _("Exam (large equipment)")
    CARE_PLAN = "care_plan", _("Care plan")


class ReferralStatus(models.TextChoices):
    SENT = "sent", _("Waiting for the receiving institution")
    ACCEPTED = "accepted", _("Accepted")
    REDIRECTED = "redirected", _("Redirected")
    CANCELLED = "cancelled", _("Cancelled")


DECIDED_STATUSES = (ReferralStatus.ACCEPTED, ReferralStatus.REDIRECTED)


class Referral(models.Model):
    """One referral (转诊单) between two consortium institutions, up or down."""

    patient = models.ForeignKey("identity.Patient", on_delete=models.PROTECT, related_name="+")
    direction = models.CharField(_("direction"), max_length=4, choices=Direction.choices)
    urgency = models.CharField(_("urgency"), max_length=8, choices=Urgency.choices)
    target = models.CharField(_("referred for"), max_length=10, choices=Target.choices)
    from_institution = models.ForeignKey(
        "consortium.Institution",
        verbose_name=_("referring institution"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    to_institution = models.ForeignKey(
        "consortium.Institution",
        verbose_name=_("receiving institution"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    to_department = models.ForeignKey(
        "consortium.Department",
        verbose_name=_("receiving department"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    referred_by = models.CharField(_("referring doctor"), max_length=150)
    reason = models.CharField(_("reason for referral"), max_length=500)
    diagnosis = models.CharField(_("diagnosis"), max_length=200)
    allergies = models.CharField(_("allergies"), max_length=200, blank=True)
    medications = models.CharField(_("current medication"), max_length=500, blank=True)
    # Reports (reports.Report ids) the referring doctor attached as the patient's results.
    attached_reports = models.JSONField(_("attached results"), default=list, blank=True)
    # The patient agreed that the receiving institution reads the shared record (R-NET-4).
    record_shared = models.BooleanField(_("shared record consented"), default=False)
    appointment = models.ForeignKey(
        "scheduling.Appointment", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    exam_order = models.ForeignKey(
        "exams.ExamOrder", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(
        _("status"), max_length=12, choices=ReferralStatus.choices, default=ReferralStatus.SENT
    )
    sent_at = models.DateTimeField(_("sent at"), db_index=True)
    decided_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    decided_by = models.CharField(_("answered by"), max_length=150, blank=True)
    decision_reason = models.CharField(_("reason"), max_length=300, blank=True)
    redirected_to = models.ForeignKey(
        "consortium.Institution",
        verbose_name=_("redirected to"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    green_channel_at = models.DateTimeField(_("green channel opened at"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)

    class Meta:
        verbose_name = _("referral")
        verbose_name_plural = _("referrals")
        ordering = ["-sent_at", "-id"]
        permissions = [
            ("refer_patient", _("Can refer patients and book them upstream")),
            ("manage_referrals", _("Can accept, redirect and track referrals")),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(from_institution=F("to_institution")),
                name="referral_between_two_institutions",
            ),
            models.CheckConstraint(
                condition=Q(status__in=ReferralStatus.values), name="referral_status_known"
            ),
            models.CheckConstraint(
                condition=(Q(direction="up") & Q(target__in=["clinic", "exam"]))
                | (Q(direction="down") & Q(target="care_plan")),
                name="referral_target_fits_direction",
            ),
            models.CheckConstraint(
                condition=~Q(target="clinic") | Q(appointment__isnull=False),
                name="clinic_referral_has_booking",
            ),
            models.CheckConstraint(
                condition=~Q(target="exam") | Q(exam_order__isnull=False),
                name="exam_referral_has_order",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=DECIDED_STATUSES) | Q(decided_at__isnull=False),
                name="decided_referral_has_time",
            ),
            models.CheckConstraint(
                condition=~Q(status="redirected") | ~Q(decision_reason=""),
                name="redirection_gives_reason",
            ),
            models.CheckConstraint(
                condition=~Q(status="cancelled") | Q(cancelled_at__isnull=False),
                name="cancelled_referral_has_time",
            ),
            models.CheckConstraint(
                condition=Q(green_channel_at__isnull=True) | Q(urgency="urgent"),
                name="green_channel_for_urgent_only",
            ),
            models.UniqueConstraint(
                fields=["appointment"],
                condition=Q(appointment__isnull=False),
                name="one_referral_per_booking",
            ),
        ]
        indexes = [
            models.Index(fields=["to_institution", "status"]),
            models.Index(fields=["from_institution", "status"]),
        ]

    def __str__(self) -> str:
        return f"referral {self.pk} ({self.direction})"


class CarePlan(models.Model):
    """What the hospital hands back with a downward referral: the diagnosis, the medication, the
    follow-up schedule and the warning signs that should bring the patient back."""

    referral = models.OneToOneField(Referral, on_delete=models.PROTECT, related_name="care_plan")
    diagnosis = models.CharField(_("diagnosis"), max_length=200)
    medication = models.TextField(_("medication"), max_length=1000)
    warning_signs = models.TextField(_("warning signs"), max_length=1000)
    advice = models.TextField(_("advice"), max_length=1000, blank=True)
    acknowledged_at = models.DateTimeField(_("received at"), null=True, blank=True)
    acknowledged_by = models.CharField(_("received by"), max_length=150, blank=True)

    class Meta:
        verbose_name = _("care plan")
        verbose_name_plural = _("care plans")

    def __str__(self) -> str:
        return f"care plan of referral {self.referral_id}"


class FollowUp(models.Model):
    """One follow-up visit of a care plan, booked at the primary-care institution."""

    care_plan = models.ForeignKey(CarePlan, on_delete=models.CASCADE, related_name="follow_ups")
    due_date = models.DateField(_("due"))
    purpose = models.CharField(_("purpose"), max_length=100)
    appointment = models.ForeignKey(
        "scheduling.Appointment", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    booked_at = models.DateTimeField(_("booked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("follow-up")
        verbose_name_plural = _("follow-ups")
        ordering = ["care_plan_id", "due_date", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(appointment__isnull=True, booked_at__isnull=True)
                | Q(appointment__isnull=False, booked_at__isnull=False),
                name="follow_up_booked_with_time",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.purpose} {self.due_date}"


class FamilyDoctorTeam(models.Model):
    """A family doctor team (家庭医生团队) of a primary-care institution."""

    institution = models.ForeignKey(
        "consortium.Institution", on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField(_("name"), max_length=100)
    lead_doctor = models.ForeignKey(
        "consortium.Doctor",
        verbose_name=_("lead doctor"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    phone = models.CharField(_("team phone"), max_length=20, blank=True)
    services = models.CharField(_("services"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("family doctor team")
        verbose_name_plural = _("family doctor teams")
        constraints = [
            models.UniqueConstraint(fields=["institution", "name"], name="team_name_unique"),
        ]

    def __str__(self) -> str:
        return self.name


class ContractStatus(models.TextChoices):
    OFFERED = "offered", _("Waiting for the patient's signature")
    SIGNED = "signed", _("Signed")
    ENDED = "ended", _("Ended")


OPEN_CONTRACT_STATUSES = (ContractStatus.OFFERED, ContractStatus.SIGNED)


class FamilyDoctorContract(models.Model):
    """A family doctor contract (家庭医生签约): offered by the team, signed by the patient on the
    phone, valid for a year. A patient has at most one open contract."""

    patient = models.ForeignKey("identity.Patient", on_delete=models.PROTECT, related_name="+")
    team = models.ForeignKey(FamilyDoctorTeam, on_delete=models.PROTECT, related_name="contracts")
    status = models.CharField(
        _("status"), max_length=8, choices=ContractStatus.choices, default=ContractStatus.OFFERED
    )
    offered_at = models.DateTimeField(_("offered at"))
    offered_by = models.CharField(_("offered by"), max_length=150)
    signed_at = models.DateTimeField(_("signed at"), null=True, blank=True)
    signed_by = models.CharField(_("signed by"), max_length=150, blank=True)
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(_("valid until"))
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)

    class Meta:
        verbose_name = _("family doctor contract")
        verbose_name_plural = _("family doctor contracts")
        ordering = ["-offered_at", "-id"]
        permissions = [("offer_contract", _("Can offer family doctor contracts"))]
        constraints = [
            models.UniqueConstraint(
                fields=["patient"],
                condition=Q(status__in=["offered", "signed"]),
                name="one_open_contract_per_patient",
            ),
            models.CheckConstraint(
                condition=Q(status__in=ContractStatus.values), name="contract_status_known"
            ),
            models.CheckConstraint(
                condition=~Q(status="signed") | Q(signed_at__isnull=False),
                name="signed_contract_has_time",
            ),
            models.CheckConstraint(
                condition=Q(valid_until__gt=F("valid_from")), name="contract_period_forward"
            ),
        ]

    def __str__(self) -> str:
        return f"contract {self.pk} ({self.status})"


class ReadingKind(models.TextChoices):
    CONSULTATION = "consultation", _("Remote consultation")
    IMAGING = "imaging", _("Remote imaging reading")
    ECG = "ecg", _("Remote ECG reading")
    PATHOLOGY = "pathology", _("Remote pathology reading")


# Imaging and ECG readings answer an exam the requester performed, and their answer is filed as
# that exam's report; a pathology reading names its slide, a consultation may name an exam.
EXAM_READINGS = (ReadingKind.IMAGING, ReadingKind.ECG)


class ConsultationStatus(models.TextChoices):
    REQUESTED = "requested", _("Waiting for the answer")
    ANSWERED = "answered", _("Answered")
    CANCELLED = "cancelled", _("Cancelled")


class ConsultationRequest(models.Model):
    """A remote consultation or reading asked of a consortium centre (R-NET-3). The images or
    tracings travel as references (a DICOM study instance UID, a waveform file); `due_at` is the
    turnaround clock; the answer comes back as a report in the requester's record."""

    patient = models.ForeignKey("identity.Patient", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("kind"), max_length=12, choices=ReadingKind.choices)
    urgency = models.CharField(_("urgency"), max_length=8, choices=Urgency.choices)
    requesting_institution = models.ForeignKey(
        "consortium.Institution",
        verbose_name=_("requesting institution"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    consulting_institution = models.ForeignKey(
        "consortium.Institution",
        verbose_name=_("consulting centre"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    question = models.CharField(_("clinical question"), max_length=500)
    exam_order = models.ForeignKey(
        "exams.ExamOrder", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    study_uid = models.CharField(_("DICOM study instance UID"), max_length=64, blank=True)
    waveform_file = models.CharField(_("waveform file"), max_length=200, blank=True)
    specimen_reference = models.CharField(_("slide or specimen"), max_length=100, blank=True)
    requested_at = models.DateTimeField(_("requested at"), db_index=True)
    requested_by = models.CharField(_("requested by"), max_length=150)
    due_at = models.DateTimeField(_("answer due"))
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=ConsultationStatus.choices,
        default=ConsultationStatus.REQUESTED,
    )
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    answered_by = models.CharField(_("answered by"), max_length=150, blank=True)
    opinion = models.TextField(_("opinion"), max_length=2000, blank=True)
    report = models.ForeignKey(
        "reports.Report", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("consultation request")
        verbose_name_plural = _("consultation requests")
        ordering = ["-requested_at", "-id"]
        permissions = [("answer_consultation", _("Can answer remote consultations and readings"))]
        constraints = [
            models.CheckConstraint(
                condition=~Q(requesting_institution=F("consulting_institution")),
                name="consultation_between_two_institutions",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=ReadingKind.values), name="consultation_kind_known"
            ),
            models.CheckConstraint(
                condition=~Q(kind__in=["imaging", "ecg"]) | Q(exam_order__isnull=False),
                name="reading_names_its_exam",
            ),
            models.CheckConstraint(
                condition=~Q(kind="imaging") | ~Q(study_uid=""), name="imaging_names_study"
            ),
            models.CheckConstraint(
                condition=~Q(kind="ecg") | ~Q(waveform_file=""), name="ecg_names_waveform"
            ),
            models.CheckConstraint(
                condition=~Q(kind="pathology") | ~Q(specimen_reference=""),
                name="pathology_names_specimen",
            ),
            models.CheckConstraint(
                condition=~Q(status="answered") | (Q(answered_at__isnull=False) & ~Q(opinion="")),
                name="answer_has_time_and_opinion",
            ),
            models.CheckConstraint(
                condition=Q(due_at__gt=F("requested_at")), name="turnaround_clock_forward"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.pk}"
