"""Prescribing (R-RX-3, R-NET-1/2): each institution's formulary with the facts the pharmacist's
review reads (dose limits, routes, contraindications, therapeutic class), the interaction pairs,
the chronic-disease catalogue shared by county and township institutions, the in-person
diagnoses online follow-ups rest on, and the e-prescriptions with their review findings."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Route(models.TextChoices):
    ORAL = "oral", _("By mouth")
    INJECTION = "injection", _("Injection")
    INHALED = "inhaled", _("Inhaled")
    TOPICAL = "topical", _("On the skin")
    DECOCTION = "decoction", _("Decocted herbs")


class Formulary(models.Model):
    """An institution's prescribing policy: how long a prescription may last (the chronic-disease
    long prescription up to 12 weeks where the policy allows) and how recent an in-person
    diagnosis must be for an online follow-up."""

    institution = models.OneToOneField(
        "consortium.Institution", on_delete=models.PROTECT, related_name="+"
    )
    standard_max_days = models.PositiveSmallIntegerField(default=7)
    chronic_max_days = models.PositiveSmallIntegerField(default=84)
    follow_up_window_days = models.PositiveSmallIntegerField(default=180)

    class Meta:
        verbose_name = _("formulary")
        verbose_name_plural = _("formularies")
        constraints = [
            models.CheckConstraint(
                condition=Q(chronic_max_days__lte=84, standard_max_days__gte=1),
                name="formulary_long_prescription_at_most_12_weeks",
            ),
            models.CheckConstraint(
                condition=Q(chronic_max_days__gte=F("standard_max_days")),
                name="formulary_chronic_not_shorter",
            ),
        ]

    def __str__(self) -> str:
        return f"formulary {self.institution_id}"


class FormularyDrug(models.Model):
    """One drug an institution stocks. `code` is the price catalogue's line it is charged as;
    `generic` names the substance (what interactions and the chronic catalogue speak of)."""

    formulary = models.ForeignKey(Formulary, on_delete=models.PROTECT, related_name="drugs")
    code = models.CharField(_("catalogue code"), max_length=40)
    generic = models.CharField(_("substance"), max_length=40)
    name = models.CharField(_("name"), max_length=100)
    unit = models.CharField(_("dose unit"), max_length=10)
    min_single_dose = models.DecimalField(max_digits=9, decimal_places=3)
    max_single_dose = models.DecimalField(max_digits=9, decimal_places=3)
    max_daily_dose = models.DecimalField(max_digits=9, decimal_places=3)
    routes = models.JSONField(default=list)
    therapeutic_class = models.CharField(_("therapeutic class"), max_length=40)
    allergy_group = models.CharField(max_length=40, blank=True)
    pregnancy_contraindicated = models.BooleanField(default=False)
    min_age_years = models.PositiveSmallIntegerField(default=0)
    herbal = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("formulary drug")
        verbose_name_plural = _("formulary drugs")
        constraints = [
            models.UniqueConstraint(fields=["formulary", "code"], name="formulary_drug_once"),
            models.CheckConstraint(
                condition=Q(min_single_dose__gt=0)
                & Q(max_single_dose__gte=F("min_single_dose"))
                & Q(max_daily_dose__gte=F("max_single_dose")),
                name="formulary_drug_dose_limits_ordered",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class InteractionSeverity(models.TextChoices):
    MAJOR = "major", _("Major: do not combine")
    MODERATE = "moderate", _("Moderate: monitor")


class Interaction(models.Model):
    """A pair of substances that interact, stored once in alphabetical order."""

    generic_a = models.CharField(max_length=40)
    generic_b = models.CharField(max_length=40)
    severity = models.CharField(max_length=10, choices=InteractionSeverity.choices)
    explanation = models.CharField(max_length=200)

    class Meta:
        verbose_name = _("interaction")
        verbose_name_plural = _("interactions")
        constraints = [
            models.UniqueConstraint(fields=["generic_a", "generic_b"], name="interaction_once"),
            models.CheckConstraint(
                condition=Q(generic_a__lt=F("generic_b")), name="interaction_pair_ordered"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.generic_a}+{self.generic_b}"


class ChronicCondition(models.Model):
    """The consortium's chronic-disease catalogue (R-RX-3), one for county and township alike."""

    code = models.CharField(max_length=10, unique=True)
    name = models.CharField(_("condition"), max_length=60)

    class Meta:
        verbose_name = _("chronic condition")
        verbose_name_plural = _("chronic conditions")

    def __str__(self) -> str:
        return self.name


class ChronicCatalogueDrug(models.Model):
    """A substance the shared catalogue lists for a chronic condition: every member institution
    keeps it in its formulary, so a hypertension drug is there at the township too."""

    condition = models.ForeignKey(ChronicCondition, on_delete=models.CASCADE, related_name="drugs")
    generic = models.CharField(max_length=40)

    class Meta:
        verbose_name = _("chronic catalogue drug")
        verbose_name_plural = _("chronic catalogue drugs")
        constraints = [
            models.UniqueConstraint(fields=["condition", "generic"], name="chronic_drug_once")
        ]

    def __str__(self) -> str:
        return self.generic


class Diagnosis(models.Model):
    """A diagnosis a doctor made, in person or at an online follow-up. Online follow-ups rest on
    an in-person one (R-NET-1: first visits in person)."""

    patient = models.ForeignKey("identity.Patient", on_delete=models.PROTECT, related_name="+")
    institution = models.ForeignKey(
        "consortium.Institution", on_delete=models.PROTECT, related_name="+"
    )
    # The diagnosing doctor's department: where an online follow-up is booked.
    department = models.ForeignKey(
        "consortium.Department", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    condition_code = models.CharField(max_length=10)
    condition_name = models.CharField(_("diagnosis"), max_length=100)
    in_person = models.BooleanField()
    diagnosed_at = models.DateTimeField()
    doctor_label = models.CharField(max_length=150)

    class Meta:
        verbose_name = _("diagnosis")
        verbose_name_plural = _("diagnoses")
        indexes = [models.Index(fields=["patient", "condition_code", "diagnosed_at"])]

    def __str__(self) -> str:
        return self.condition_name


class Origin(models.TextChoices):
    CLINIC = "clinic", _("Clinic")
    ONLINE = "online", _("Online follow-up")


class PrescriptionStatus(models.TextChoices):
    IN_REVIEW = "in_review", _("Awaiting pharmacist review")
    RETURNED = "returned", _("Returned to the doctor")
    APPROVED = "approved", _("Approved, awaiting payment")
    PAID = "paid", pgettext_lazy("prescription status", "Paid")


class Prescription(models.Model):
    reference = models.CharField(max_length=20, unique=True)
    institution = models.ForeignKey(
        "consortium.Institution", on_delete=models.PROTECT, related_name="+"
    )
    patient = models.ForeignKey("identity.Patient", on_delete=models.PROTECT, related_name="+")
    prescriber = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    prescriber_label = models.CharField(max_length=150)
    origin = models.CharField(max_length=8, choices=Origin.choices)
    online_visit = models.ForeignKey(
        "prescribing.OnlineVisit", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    diagnosis = models.ForeignKey(Diagnosis, on_delete=models.PROTECT, related_name="+")
    chronic = models.BooleanField(default=False)
    days = models.PositiveSmallIntegerField(_("days"))
    pregnant = models.BooleanField(_("pregnant"), default=False)
    allergies = models.JSONField(default=list)
    status = models.CharField(max_length=10, choices=PrescriptionStatus.choices)
    written_at = models.DateTimeField()
    reviewed_at = models.DateTimeField(null=True, blank=True)
    reviewer_label = models.CharField(max_length=150, blank=True)
    return_reason = models.CharField(max_length=300, blank=True)
    paid_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("prescription")
        verbose_name_plural = _("prescriptions")
        permissions = [
            ("write_prescription", "Write prescriptions"),
            ("review_prescription", "Review prescriptions as a pharmacist"),
        ]
        indexes = [models.Index(fields=["institution", "status", "written_at"])]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="returned") | ~Q(return_reason=""),
                name="prescription_returned_with_reason",
            ),
            models.CheckConstraint(
                condition=Q(origin="clinic") | Q(online_visit__isnull=False),
                name="prescription_online_names_its_visit",
            ),
            models.CheckConstraint(
                condition=Q(days__gte=1, days__lte=84), name="prescription_at_most_12_weeks"
            ),
        ]

    def __str__(self) -> str:
        return self.reference


class PrescriptionLine(models.Model):
    prescription = models.ForeignKey(Prescription, on_delete=models.CASCADE, related_name="lines")
    drug = models.ForeignKey(FormularyDrug, on_delete=models.PROTECT, related_name="+")
    single_dose = models.DecimalField(_("single dose"), max_digits=9, decimal_places=3)
    times_per_day = models.PositiveSmallIntegerField(_("times a day"))
    route = models.CharField(_("route"), max_length=10, choices=Route.choices)
    quantity = models.PositiveSmallIntegerField(_("packs"))

    class Meta:
        verbose_name = _("prescription line")
        verbose_name_plural = _("prescription lines")
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(single_dose__gt=0, times_per_day__gte=1, quantity__gte=1),
                name="prescription_line_positive",
            )
        ]

    def __str__(self) -> str:
        return f"{self.drug} {self.single_dose}"


class FindingSeverity(models.TextChoices):
    BLOCK = "block", _("Must be changed")
    WARN = "warn", _("Check")


class ReviewFinding(models.Model):
    """What a review rule found on a prescription, with its explanation in the reader's words
    (`rule` names the rule; `params` the values the explanation shows)."""

    prescription = models.ForeignKey(
        Prescription, on_delete=models.CASCADE, related_name="findings"
    )
    rule = models.CharField(max_length=20)
    severity = models.CharField(max_length=5, choices=FindingSeverity.choices)
    params = models.JSONField(default=dict)

    class Meta:
        verbose_name = _("review finding")
        verbose_name_plural = _("review findings")
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.rule


class ReviewRule(models.Model):
    """An institution's setting for one review rule: off, or a severity other than the rule's
    default (a missing row keeps the default)."""

    institution = models.ForeignKey(
        "consortium.Institution", on_delete=models.CASCADE, related_name="+"
    )
    rule = models.CharField(max_length=20)
    enabled = models.BooleanField(default=True)
    severity = models.CharField(max_length=5, choices=FindingSeverity.choices)

    class Meta:
        verbose_name = _("review rule")
        verbose_name_plural = _("review rules")
        constraints = [
            models.UniqueConstraint(fields=["institution", "rule"], name="review_rule_once")
        ]

    def __str__(self) -> str:
        return self.rule


class VisitStatus(models.TextChoices):
    BOOKED = "booked", _("Booked")
    OPEN = "open", _("In conversation")
    CLOSED = "closed", _("Finished")


class OnlineVisit(models.Model):
    """An online follow-up visit (互联网复诊, R-NET-1): booked in the doctor's online pool, held as
    a conversation of text and pictures, closed with an encounter note."""

    reference = models.CharField(max_length=20, unique=True)
    institution = models.ForeignKey(
        "consortium.Institution", on_delete=models.PROTECT, related_name="+"
    )
    patient = models.ForeignKey("identity.Patient", on_delete=models.PROTECT, related_name="+")
    doctor = models.ForeignKey("consortium.Doctor", on_delete=models.PROTECT, related_name="+")
    booking_id = models.BigIntegerField(unique=True)
    basis = models.ForeignKey(Diagnosis, on_delete=models.PROTECT, related_name="+")
    starts_at = models.DateTimeField()
    status = models.CharField(max_length=8, choices=VisitStatus.choices)
    encounter_note = models.TextField(blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("online visit")
        verbose_name_plural = _("online visits")
        permissions = [("hold_online_visit", "Hold online follow-up visits")]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="closed") | ~Q(encounter_note=""),
                name="online_visit_closed_with_note",
            )
        ]

    def __str__(self) -> str:
        return self.reference


class VisitMessage(models.Model):
    visit = models.ForeignKey(OnlineVisit, on_delete=models.CASCADE, related_name="messages")
    from_patient = models.BooleanField()
    text = models.CharField(max_length=1000, blank=True)
    picture = models.BinaryField(null=True, blank=True)
    picture_type = models.CharField(max_length=20, blank=True)
    sent_at = models.DateTimeField()

    class Meta:
        verbose_name = _("visit message")
        verbose_name_plural = _("visit messages")
        ordering = ["sent_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(text="") | Q(picture__isnull=False), name="visit_message_not_empty"
            )
        ]

    def __str__(self) -> str:
        return f"message {self.pk}"
