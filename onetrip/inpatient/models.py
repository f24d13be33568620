"""Inpatient care (issue 25): the hospital-wide bed pool (wards, rooms, beds), admissions from
the doctor's notice to discharge, and the day-surgery catalogue.

A bed is given to at most one admission: `Bed.holder` is a one-to-one link, set only by a
conditional UPDATE while it is empty (D150). An admission starts as the doctor's notice and moves
notice → booked → ready → admitted → discharged (or cancelled)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class SexRule(models.TextChoices):
    ANY = "any", _("Any sex")
    MALE = "male", _("Men only")
    FEMALE = "female", _("Women only")


class Ward(models.Model):
    institution = models.ForeignKey(
        "consortium.Institution", on_delete=models.PROTECT, related_name="+"
    )
    department = models.ForeignKey(
        "consortium.Department", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    code = models.CharField(_("code"), max_length=20)
    name = models.CharField(_("name"), max_length=60)
    sex_rule = models.CharField(
        _("sex rule"), max_length=8, choices=SexRule.choices, default=SexRule.ANY
    )
    min_age = models.PositiveSmallIntegerField(_("youngest age"), default=0)
    max_age = models.PositiveSmallIntegerField(_("oldest age"), default=150)
    day_surgery = models.BooleanField(_("day-surgery ward"), default=False)

    class Meta:
        verbose_name = _("ward")
        verbose_name_plural = _("wards")
        constraints = [
            models.UniqueConstraint(fields=["institution", "code"], name="ward_code_unique"),
            models.CheckConstraint(
                condition=Q(min_age__lte=models.F("max_age")), name="ward_age_range"
            ),
            models.CheckConstraint(
                condition=Q(sex_rule__in=SexRule.values), name="ward_sex_rule_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Room(models.Model):
    """A room takes one sex at a time unless it is mixed (`sex_rule` any and `mixed`)."""

    ward = models.ForeignKey(Ward, on_delete=models.PROTECT, related_name="rooms")
    number = models.CharField(_("room"), max_length=10)
    sex_rule = models.CharField(
        _("sex rule"), max_length=8, choices=SexRule.choices, default=SexRule.ANY
    )
    isolation = models.BooleanField(_("isolation room"), default=False)

    class Meta:
        verbose_name = _("room")
        verbose_name_plural = _("rooms")
        constraints = [
            models.UniqueConstraint(fields=["ward", "number"], name="room_number_unique"),
            models.CheckConstraint(
                condition=Q(sex_rule__in=SexRule.values), name="room_sex_rule_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.ward.name} {self.number}"


class Urgency(models.TextChoices):
    ELECTIVE = "elective", _("Elective")
    URGENT = "urgent", _("Urgent")
    EMERGENCY = "emergency", _("Emergency")


class AdmissionStatus(models.TextChoices):
    NOTICE = "notice", _("Notice issued")
    BOOKED = "booked", _("Bed booked")
    READY = "ready", _("Bed ready")
    ADMITTED = "admitted", _("Admitted")
    DISCHARGED = "discharged", _("Discharged")
    CANCELLED = "cancelled", _("Cancelled")


# While an admission is in one of these states it may hold a bed.
HOLDING = (AdmissionStatus.BOOKED, AdmissionStatus.READY, AdmissionStatus.ADMITTED)


class DischargePlace(models.TextChoices):
    BEDSIDE = "bedside", _("At the bedside")
    WARD = "ward", _("At the ward station")
    PHONE = "phone", _("On the phone")


class DaySurgeryProcedure(models.Model):
    """The day-surgery catalogue: a procedure and who may have it as day surgery."""

    institution = models.ForeignKey(
        "consortium.Institution", on_delete=models.PROTECT, related_name="+"
    )
    code = models.CharField(_("code"), max_length=20)
    name = models.CharField(_("procedure"), max_length=80)
    max_asa = models.PositiveSmallIntegerField(_("highest ASA class"), default=2)
    min_age = models.PositiveSmallIntegerField(_("youngest age"), default=18)
    max_age = models.PositiveSmallIntegerField(_("oldest age"), default=75)
    escort_required = models.BooleanField(_("escort at home required"), default=True)

    class Meta:
        verbose_name = _("day-surgery procedure")
        verbose_name_plural = _("day-surgery procedures")
        constraints = [
            models.UniqueConstraint(fields=["institution", "code"], name="ds_procedure_unique"),
            models.CheckConstraint(
                condition=Q(max_asa__gte=1, max_asa__lte=6), name="ds_procedure_asa_range"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Admission(models.Model):
    """One stay, from the doctor's admission notice (入院通知) to discharge."""

    institution = models.ForeignKey(
        "consortium.Institution", on_delete=models.PROTECT, related_name="+"
    )
    department = models.ForeignKey(
        "consortium.Department", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    patient = models.ForeignKey("identity.Patient", on_delete=models.PROTECT, related_name="+")
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    doctor_name = models.CharField(_("doctor"), max_length=60)
    diagnosis = models.CharField(_("diagnosis"), max_length=200)
    planned_procedure = models.CharField(_("planned procedure"), max_length=200, blank=True)
    urgency = models.CharField(_("urgency"), max_length=10, choices=Urgency.choices)
    expected_los_days = models.PositiveSmallIntegerField(_("expected length of stay (days)"))
    surgeon = models.CharField(_("surgeon"), max_length=60, blank=True)
    needs_isolation = models.BooleanField(_("needs isolation"), default=False)
    day_surgery = models.ForeignKey(
        DaySurgeryProcedure,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("day-surgery procedure"),
    )
    status = models.CharField(
        _("status"), max_length=12, choices=AdmissionStatus.choices, default=AdmissionStatus.NOTICE
    )
    issued_at = models.DateTimeField(_("issued at"))
    expected_admission_date = models.DateField(_("expected admission date"), null=True, blank=True)
    booked_at = models.DateTimeField(null=True, blank=True)
    ready_at = models.DateTimeField(null=True, blank=True)
    # Pre-assessment (day surgery): ASA class and an adult at home the first night.
    asa_class = models.PositiveSmallIntegerField(_("ASA class"), null=True, blank=True)
    escort_at_home = models.BooleanField(_("escort at home"), null=True, blank=True)
    assessed_at = models.DateTimeField(null=True, blank=True)
    admission_number = models.CharField(_("admission number"), max_length=20, blank=True)
    bill = models.ForeignKey(
        "billing.Bill", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    admitted_at = models.DateTimeField(_("admitted at"), null=True, blank=True)
    discharged_at = models.DateTimeField(_("discharged at"), null=True, blank=True)
    discharge_place = models.CharField(
        _("settled"), max_length=8, choices=DischargePlace.choices, blank=True
    )
    discharge_summary = models.TextField(_("discharge summary"), blank=True)
    # A day surgery kept past 24 hours says why; past 48 it no longer counts as day surgery.
    overstay_reason = models.CharField(_("reason for staying longer"), max_length=200, blank=True)
    counted_as_day_surgery = models.BooleanField(default=False)
    follow_up_at = models.DateTimeField(_("followed up at"), null=True, blank=True)
    follow_up_note = models.CharField(_("follow-up"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("admission")
        verbose_name_plural = _("admissions")
        permissions = [
            ("issue_notice", _("Can issue admission notices")),
            ("manage_beds", _("Can book beds and admit patients")),
            ("discharge_patient", _("Can discharge patients on the ward")),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=AdmissionStatus.values), name="admission_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(urgency__in=Urgency.values), name="admission_urgency_valid"
            ),
            models.CheckConstraint(
                condition=Q(expected_los_days__gte=1, expected_los_days__lte=365),
                name="admission_los_range",
            ),
            models.CheckConstraint(
                condition=Q(asa_class__isnull=True) | Q(asa_class__gte=1, asa_class__lte=6),
                name="admission_asa_range",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=("booked", "ready"))
                | Q(expected_admission_date__isnull=False),
                name="admission_booked_has_date",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=("admitted", "discharged"))
                | (Q(admitted_at__isnull=False) & Q(bill__isnull=False)),
                name="admission_admitted_has_bill",
            ),
            models.CheckConstraint(
                condition=~Q(status="discharged") | Q(discharged_at__isnull=False),
                name="admission_discharged_at",
            ),
            models.UniqueConstraint(
                fields=["institution", "admission_number"],
                condition=~Q(admission_number=""),
                name="admission_number_unique",
            ),
        ]

    def __str__(self) -> str:
        return self.admission_number or f"notice {self.pk}"

    @property
    def wristband(self) -> str:
        """The wristband's barcode: the admission number."""
        return self.admission_number


class Bed(models.Model):
    room = models.ForeignKey(Room, on_delete=models.PROTECT, related_name="beds")
    label = models.CharField(_("bed"), max_length=10)
    # The admission holding the bed (booked, ready or in it). Set only while empty (D150).
    holder = models.OneToOneField(
        Admission, on_delete=models.PROTECT, null=True, blank=True, related_name="bed"
    )

    class Meta:
        verbose_name = _("bed")
        verbose_name_plural = _("beds")
        constraints = [
            models.UniqueConstraint(fields=["room", "label"], name="bed_label_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.room} {self.label}"


class BedMove(models.Model):
    """Where an admission's bed was and when it moved (booking, transfer, discharge)."""

    admission = models.ForeignKey(Admission, on_delete=models.PROTECT, related_name="moves")
    from_bed = models.ForeignKey(
        Bed, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    to_bed = models.ForeignKey(
        Bed, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField()
    reason = models.CharField(max_length=200, blank=True)

    class Meta:
        verbose_name = _("bed move")
        verbose_name_plural = _("bed moves")

    def __str__(self) -> str:
        return f"{self.admission} {self.from_bed_id}→{self.to_bed_id}"


class PathwayTemplate(models.Model):
    """A clinical pathway (临床路径): what is done on each day of a stay for one condition."""

    institution = models.ForeignKey(
        "consortium.Institution", on_delete=models.PROTECT, related_name="+"
    )
    code = models.CharField(_("code"), max_length=20)
    name = models.CharField(_("clinical pathway"), max_length=80)

    class Meta:
        verbose_name = _("clinical pathway")
        verbose_name_plural = _("clinical pathways")
        constraints = [
            models.UniqueConstraint(fields=["institution", "code"], name="pathway_code_unique"),
        ]

    def __str__(self) -> str:
        return self.name


class PathwayDay(models.Model):
    template = models.ForeignKey(PathwayTemplate, on_delete=models.CASCADE, related_name="days")
    day = models.PositiveSmallIntegerField(_("day"))
    tasks = models.CharField(_("tasks"), max_length=300)

    class Meta:
        verbose_name = _("pathway day")
        verbose_name_plural = _("pathway days")
        constraints = [
            models.UniqueConstraint(fields=["template", "day"], name="pathway_day_unique"),
            models.CheckConstraint(condition=Q(day__gte=1), name="pathway_day_from_one"),
        ]

    def __str__(self) -> str:
        return f"{self.template} D{self.day}"


class PathwayStatus(models.TextChoices):
    ACTIVE = "active", _("On the pathway")
    COMPLETED = "completed", _("Completed")
    EXITED = "exited", _("Left the pathway")


class PathwayEnrolment(models.Model):
    """An admission on a pathway: completed at discharge, or exited with the reason."""

    admission = models.OneToOneField(Admission, on_delete=models.PROTECT, related_name="pathway")
    template = models.ForeignKey(PathwayTemplate, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(
        _("status"), max_length=10, choices=PathwayStatus.choices, default=PathwayStatus.ACTIVE
    )
    enrolled_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)
    exit_reason = models.CharField(_("reason for leaving"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("pathway enrolment")
        verbose_name_plural = _("pathway enrolments")
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=PathwayStatus.values), name="pathway_status_valid"
            ),
            models.CheckConstraint(
                condition=~Q(status="exited") | ~Q(exit_reason=""), name="pathway_exit_has_reason"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.admission} {self.template}"


class PathwayVariance(models.Model):
    """A departure from the pathway's day (变异) and why; the patient may stay on it."""

    enrolment = models.ForeignKey(
        PathwayEnrolment, on_delete=models.PROTECT, related_name="variances"
    )
    day = models.PositiveSmallIntegerField(_("day"))
    reason = models.CharField(_("reason"), max_length=200)
    recorded_at = models.DateTimeField()

    class Meta:
        verbose_name = _("pathway variance")
        verbose_name_plural = _("pathway variances")

    def __str__(self) -> str:
        return f"{self.enrolment} D{self.day}"


class MdtRequest(models.Model):
    """A multidisciplinary (MDT) consultation asked for an admitted patient, and its answer."""

    admission = models.ForeignKey(Admission, on_delete=models.PROTECT, related_name="mdt")
    question = models.CharField(_("question"), max_length=300)
    specialties = models.CharField(_("specialties asked"), max_length=200)
    requested_at = models.DateTimeField()
    conclusion = models.CharField(_("conclusion"), max_length=500, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("MDT consultation")
        verbose_name_plural = _("MDT consultations")
        constraints = [
            models.CheckConstraint(
                condition=Q(answered_at__isnull=True) | ~Q(conclusion=""),
                name="mdt_answer_has_conclusion",
            ),
        ]

    def __str__(self) -> str:
        return f"MDT {self.admission}"


class PreAdmissionVisit(models.Model):
    """The pre-admission work done in one visit (D190): the exams the notice's procedure needs,
    booked through the exams planner, and for an operation the pre-anaesthesia consultation
    booked the same day after them. Results count at admission within `valid_days`."""

    admission = models.OneToOneField(
        Admission, on_delete=models.PROTECT, related_name="pre_admission"
    )
    visit_date = models.DateField(_("visit date"))
    # The exams app's plan and the scheduling app's appointment, read through their services.
    exam_plan_id = models.PositiveIntegerField()
    anaesthesia_appointment_id = models.PositiveIntegerField(null=True, blank=True)
    anaesthesia_at = models.DateTimeField(_("pre-anaesthesia consultation"), null=True, blank=True)
    anaesthesia_place = models.CharField(_("consultation at"), max_length=100, blank=True)
    valid_days = models.PositiveSmallIntegerField(_("results valid for (days)"))
    planned_at = models.DateTimeField()
    # When the visit's outpatient fees moved onto the inpatient bill (R-PAY-7, D191).
    fees_moved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("pre-admission visit")
        verbose_name_plural = _("pre-admission visits")
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_days__gte=1, valid_days__lte=180),
                name="pre_admission_valid_days_range",
            ),
            models.CheckConstraint(
                condition=Q(anaesthesia_appointment_id__isnull=True)
                | Q(anaesthesia_at__isnull=False),
                name="pre_admission_consult_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.admission} {self.visit_date}"


class PreAdmissionExam(models.Model):
    """One exam of the visit: the exams app's order, with its name and booked time copied."""

    visit = models.ForeignKey(PreAdmissionVisit, on_delete=models.CASCADE, related_name="exams")
    exam_order_id = models.PositiveIntegerField(unique=True)
    item_code = models.CharField(max_length=40)
    item_name = models.CharField(_("exam"), max_length=100)
    starts_at = models.DateTimeField(_("starts at"))

    class Meta:
        verbose_name = _("pre-admission exam")
        verbose_name_plural = _("pre-admission exams")

    def __str__(self) -> str:
        return f"{self.visit} {self.item_code}"


class DonorRelationship(models.TextChoices):
    """Who may have a donor's blood fees reimbursed (献血法 第十四条, D192)."""

    SELF = "self", _("The donor")
    SPOUSE = "spouse", _("Spouse")
    PARENT = "parent", _("Parent")
    CHILD = "child", _("Child")
    SPOUSE_PARENT = "spouse_parent", _("Spouse's parent")


class RelationshipProof(models.TextChoices):
    """The document staff saw for the declared relationship."""

    ID_CARD = "id_card", _("The patient's own identity card")
    HOUSEHOLD_REGISTER = "household_register", _("Household register (户口簿)")
    MARRIAGE_CERTIFICATE = "marriage_certificate", _("Marriage certificate")
    BIRTH_CERTIFICATE = "birth_certificate", _("Birth certificate")
    KINSHIP_CERTIFICATE = "kinship_certificate", _("Certificate of kinship")


class BloodDonorClaim(models.Model):
    """A stay's claim to have its blood fees reimbursed (用血不用跑, R-PAY-6, D192): the donor,
    the relationship declared and the proof seen, the blood centre's answer when it was checked,
    and at discharge what was reimbursed."""

    admission = models.OneToOneField(
        Admission, on_delete=models.PROTECT, related_name="blood_claim"
    )
    donor_id_number = models.CharField(_("donor's identity number"), max_length=18)
    donor_no = models.CharField(_("donor number"), max_length=30)
    donor_name = models.CharField(_("donor"), max_length=60)
    relationship = models.CharField(
        _("relationship to the patient"), max_length=16, choices=DonorRelationship.choices
    )
    proof = models.CharField(_("proof seen"), max_length=24, choices=RelationshipProof.choices)
    donated_ml = models.PositiveIntegerField(_("donated (ml)"))
    reimbursed_before_ml = models.PositiveIntegerField(_("already reimbursed (ml)"))
    unlimited = models.BooleanField(_("no limit"))
    # Null when unlimited.
    allowance_ml = models.PositiveIntegerField(_("reimbursable (ml)"), null=True, blank=True)
    checked_at = models.DateTimeField()
    covered_ml = models.PositiveIntegerField(_("reimbursed (ml)"), default=0)
    covered_fen = models.PositiveIntegerField(_("reimbursed (fen)"), default=0)
    reported_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("blood-fee claim")
        verbose_name_plural = _("blood-fee claims")
        constraints = [
            models.CheckConstraint(
                condition=Q(relationship__in=DonorRelationship.values),
                name="blood_claim_relationship_valid",
            ),
            models.CheckConstraint(
                condition=Q(unlimited=True) | Q(allowance_ml__isnull=False),
                name="blood_claim_limited_has_allowance",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.admission} {self.relationship}"
