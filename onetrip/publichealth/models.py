"""Public health (R-PH-1, R-PH-3, R-PH-4): vaccines traced from the lot received to the dose
given, cold-chain readings and adverse events; the birth errand with its three outcomes; island
health-hut readings. Invariants are constraints: stock and a package's doses never go below
zero nor above what was received, one reading per device-given id, one dose per visit."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from onetrip.consortium.models import Institution
from onetrip.identity.models import Patient
from onetrip.scheduling.models import Appointment

# --- vaccination ----------------------------------------------------------------------------


class VaccineProduct(models.Model):
    code = models.CharField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=120)
    manufacturer = models.CharField(_("manufacturer"), max_length=120)
    # 免疫规划疫苗 are free; the others are paid for on the visit's bill.
    programme = models.BooleanField(_("national programme vaccine"))
    price_item_code = models.CharField(_("price catalogue item"), max_length=30, blank=True)
    # The 7-digit product identification code that starts every traceability code of it.
    trace_prefix = models.CharField(_("traceability code prefix"), max_length=7)

    class Meta:
        verbose_name = _("vaccine product")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(programme=True) | ~Q(price_item_code=""),
                name="ph_paid_vaccine_has_price",
            ),
            models.CheckConstraint(
                condition=Q(trace_prefix__regex=r"^[0-9]{7}$"), name="ph_trace_prefix_7_digits"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class VaccineLot(models.Model):
    institution = models.ForeignKey(Institution, on_delete=models.PROTECT)
    product = models.ForeignKey(VaccineProduct, on_delete=models.PROTECT, related_name="lots")
    lot_number = models.CharField(_("lot number"), max_length=40)
    supplier = models.CharField(_("supplier"), max_length=120)
    expires_on = models.DateField(_("expires on"))
    received_at = models.DateTimeField(_("received at"))
    doses_received = models.PositiveIntegerField(_("doses received"))
    doses_left = models.IntegerField(_("doses left"))
    recalled_at = models.DateTimeField(_("recalled at"), null=True, blank=True)
    recall_reason = models.CharField(_("recall reason"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("vaccine lot")
        permissions = [
            ("receive_vaccines", _("Can receive vaccine lots and log the cold chain")),
            ("recall_lot", _("Can recall a vaccine lot")),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["institution", "product", "lot_number"], name="ph_one_lot_per_site"
            ),
            models.CheckConstraint(
                condition=Q(doses_left__gte=0) & Q(doses_left__lte=F("doses_received")),
                name="ph_lot_stock_in_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.product.name} {self.lot_number}"


class TraceCode(models.Model):
    """One package's drug traceability code (药品追溯码); a multi-dose vial shares it, so it may
    be used at most as many times as the package holds doses."""

    code = models.CharField(_("traceability code"), max_length=20, unique=True)
    lot = models.ForeignKey(VaccineLot, on_delete=models.PROTECT, related_name="trace_codes")
    doses = models.PositiveSmallIntegerField(_("doses in package"))
    doses_used = models.PositiveSmallIntegerField(_("doses used"), default=0)

    class Meta:
        verbose_name = _("traceability code")
        constraints = [
            models.CheckConstraint(
                condition=Q(doses_used__lte=F("doses")), name="ph_package_not_overused"
            ),
            models.CheckConstraint(
                condition=Q(code__regex=r"^[0-9]{20}$"), name="ph_trace_code_20_digits"
            ),
        ]

    def __str__(self) -> str:
        return self.code


class ColdChainReading(models.Model):
    institution = models.ForeignKey(Institution, on_delete=models.PROTECT)
    unit = models.CharField(_("refrigerator"), max_length=40)
    measured_at = models.DateTimeField(_("measured at"))
    tenths_celsius = models.IntegerField(_("temperature (0.1 °C)"))
    excursion = models.BooleanField(_("outside 2–8 °C"))
    recorded_by = models.CharField(_("recorded by"), max_length=150)

    class Meta:
        verbose_name = _("cold-chain reading")
        ordering = ["-measured_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(excursion=False, tenths_celsius__gte=20, tenths_celsius__lte=80)
                | Q(excursion=True) & (Q(tenths_celsius__lt=20) | Q(tenths_celsius__gt=80)),
                name="ph_excursion_flag",
            )
        ]

    def __str__(self) -> str:
        return f"{self.unit} {self.celsius}"

    @property
    def celsius(self) -> float:
        return self.tenths_celsius / 10


class VisitStatus(models.TextChoices):
    BOOKED = "booked", _("Booked")
    SCREENED = "screened", _("Screened and consented")
    GIVEN = "given", _("Given")
    DEFERRED = "deferred", _("Deferred")


class VaccinationVisit(models.Model):
    """One planned dose for one person: booked through scheduling, screened with consent, then
    given (a `Dose`)."""

    institution = models.ForeignKey(Institution, on_delete=models.PROTECT)
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="+")
    product = models.ForeignKey(VaccineProduct, on_delete=models.PROTECT)
    dose_number = models.PositiveSmallIntegerField(_("dose number"))
    appointment = models.ForeignKey(
        Appointment, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    status = models.CharField(_("status"), max_length=12, choices=VisitStatus.choices)
    screening = models.JSONField(_("screening answers"), default=dict)
    consent_by = models.CharField(_("consent given by"), max_length=60, blank=True)
    screened_at = models.DateTimeField(_("screened at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        verbose_name = _("vaccination visit")
        permissions = [("vaccinate", _("Can screen and vaccinate"))]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=VisitStatus.values), name="ph_visit_status_known"
            ),
            models.CheckConstraint(
                condition=Q(status="booked") | Q(status="deferred") | ~Q(consent_by=""),
                name="ph_screened_visit_has_consent",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.product_id}/{self.dose_number}"


class InjectionSite(models.TextChoices):
    LEFT_UPPER_ARM = "left_deltoid", _("Left upper arm")
    RIGHT_UPPER_ARM = "right_deltoid", _("Right upper arm")
    LEFT_THIGH = "left_thigh", _("Left thigh")
    RIGHT_THIGH = "right_thigh", _("Right thigh")
    ORAL = "oral", _("Oral")


class Dose(models.Model):
    visit = models.OneToOneField(VaccinationVisit, on_delete=models.PROTECT, related_name="dose")
    # Copied from the visit so that lot → people and person → lots are each one indexed join.
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="+")
    lot = models.ForeignKey(VaccineLot, on_delete=models.PROTECT, related_name="doses")
    trace_code = models.ForeignKey(TraceCode, on_delete=models.PROTECT, related_name="given")
    site = models.CharField(_("site"), max_length=16, choices=InjectionSite.choices)
    nurse = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    given_at = models.DateTimeField(_("given at"))
    observation_until = models.DateTimeField(_("observation until"))
    observation_ended_at = models.DateTimeField(_("observation ended at"), null=True, blank=True)

    class Meta:
        verbose_name = _("dose given")
        indexes = [models.Index(fields=["patient", "given_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(observation_until__gt=F("given_at")), name="ph_observation_after_dose"
            )
        ]

    def __str__(self) -> str:
        return f"dose {self.pk}"


class AefiCategory(models.TextChoices):
    COMMON = "common", _("Common reaction")
    RARE = "rare", _("Rare reaction")
    QUALITY = "quality", _("Vaccine quality incident")
    PROGRAMME_ERROR = "programme_error", _("Immunisation error")
    COINCIDENTAL = "coincidental", _("Coincidental event")
    PSYCHOGENIC = "psychogenic", _("Psychogenic reaction")
    PENDING = "pending", _("Not yet classified")


class AdverseEvent(models.Model):
    """An adverse event following immunisation (疑似预防接种异常反应), linked to the dose."""

    dose = models.ForeignKey(Dose, on_delete=models.PROTECT, related_name="adverse_events")
    onset_at = models.DateTimeField(_("onset"))
    discovered_at = models.DateTimeField(_("discovered at"))
    reported_at = models.DateTimeField(_("reported at"))
    serious = models.BooleanField(_("serious"))
    symptoms = models.CharField(_("symptoms"), max_length=500)
    category = models.CharField(_("classification"), max_length=20, choices=AefiCategory.choices)
    follow_up = models.TextField(_("follow-up"), blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    reported_by = models.CharField(_("reported by"), max_length=150)

    class Meta:
        verbose_name = _("adverse event following immunisation")
        constraints = [
            models.CheckConstraint(
                condition=Q(reported_at__gte=F("discovered_at"))
                & Q(discovered_at__gte=F("onset_at")),
                name="ph_aefi_times_in_order",
            ),
            models.CheckConstraint(
                condition=Q(closed_at__isnull=True) | ~Q(category="pending"),
                name="ph_closed_aefi_classified",
            ),
        ]

    def __str__(self) -> str:
        return f"AEFI {self.pk}"


# --- birth as one errand ----------------------------------------------------------------------


class AgencyStatus(models.TextChoices):
    # An agency's words (受理, 办结), not an appointment's: their own translation context.
    SUBMITTED = "submitted", pgettext_lazy("agency status", "Submitted")
    ACCEPTED = "accepted", pgettext_lazy("agency status", "Accepted")
    COMPLETED = "completed", pgettext_lazy("agency status", "Completed")
    REJECTED = "rejected", pgettext_lazy("agency status", "Rejected")


class BirthApplication(models.Model):
    """出生一件事: one application from the parents' phone, three outcomes."""

    reference = models.CharField(_("reference"), max_length=24, unique=True)
    institution = models.ForeignKey(Institution, on_delete=models.PROTECT)
    mother = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="+")
    newborn = models.OneToOneField(Patient, on_delete=models.PROTECT, related_name="+")
    applicant_account_id = models.IntegerField()
    father_name = models.CharField(_("father's name"), max_length=60)
    born_at = models.DateTimeField(_("born at"))
    weight_grams = models.PositiveIntegerField(_("birth weight (g)"))
    applied_at = models.DateTimeField(_("applied at"))
    certificate_number = models.CharField(_("birth certificate number"), max_length=20)
    household_status = models.CharField(max_length=12, choices=AgencyStatus.choices)
    household_reference = models.CharField(max_length=40, blank=True)
    household_note = models.CharField(max_length=200, blank=True)
    insurance_status = models.CharField(max_length=12, choices=AgencyStatus.choices)
    insurance_reference = models.CharField(max_length=40, blank=True)
    insurance_note = models.CharField(max_length=200, blank=True)

    class Meta:
        verbose_name = _("birth application")
        permissions = [("view_births", _("Can see birth applications"))]
        constraints = [
            models.CheckConstraint(
                condition=Q(weight_grams__gte=300) & Q(weight_grams__lte=7000),
                name="ph_birth_weight_plausible",
            ),
            models.CheckConstraint(
                condition=Q(household_status__in=AgencyStatus.values)
                & Q(insurance_status__in=AgencyStatus.values),
                name="ph_agency_status_known",
            ),
        ]

    def __str__(self) -> str:
        return self.reference


# --- island health huts -----------------------------------------------------------------------


class ReadingKind(models.TextChoices):
    BLOOD_PRESSURE = "bp", _("Blood pressure")
    GLUCOSE = "glucose", _("Blood glucose")


class HutDevice(models.Model):
    hut = models.ForeignKey(Institution, on_delete=models.PROTECT, related_name="+")
    serial = models.CharField(_("serial number"), max_length=40, unique=True)
    kind = models.CharField(_("kind"), max_length=10, choices=ReadingKind.choices)

    class Meta:
        verbose_name = _("hut device")

    def __str__(self) -> str:
        return self.serial


class HutReading(models.Model):
    device = models.ForeignKey(HutDevice, on_delete=models.PROTECT, related_name="readings")
    # The device's own id for the reading: a batch sent twice files each reading once.
    reading_uid = models.CharField(_("reading id"), max_length=64)
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=10, choices=ReadingKind.choices)
    systolic = models.PositiveSmallIntegerField(null=True, blank=True)
    diastolic = models.PositiveSmallIntegerField(null=True, blank=True)
    glucose_tenths = models.PositiveSmallIntegerField(null=True, blank=True)
    measured_at = models.DateTimeField(_("measured at"))
    received_at = models.DateTimeField(_("received at"))
    out_of_range = models.BooleanField(_("out of range"))
    followed_up_at = models.DateTimeField(_("followed up at"), null=True, blank=True)
    follow_up_note = models.CharField(_("follow-up"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("hut reading")
        permissions = [("follow_up_readings", _("Can follow up hut readings"))]
        constraints = [
            models.UniqueConstraint(fields=["device", "reading_uid"], name="ph_reading_once"),
            models.CheckConstraint(
                condition=(
                    Q(kind="bp", systolic__isnull=False, diastolic__isnull=False)
                    | Q(kind="glucose", glucose_tenths__isnull=False)
                ),
                name="ph_reading_has_values",
            ),
        ]

    def __str__(self) -> str:
        return self.reading_uid


class AedCheck(models.Model):
    hut = models.ForeignKey(Institution, on_delete=models.PROTECT, related_name="+")
    checked_at = models.DateTimeField(_("checked at"))
    battery_ok = models.BooleanField(_("battery ok"))
    pads_ok = models.BooleanField(_("pads in date"))
    checked_by = models.CharField(max_length=150)

    class Meta:
        verbose_name = _("AED check")

    def __str__(self) -> str:
        return f"AED {self.hut_id} {self.checked_at:%Y-%m-%d}"


# --- home care ----------------------------------------------------------------------------------


class HomeCareKind(models.TextChoices):
    HOME_NURSING = "home_nursing", _("Home nursing")
    HOME_BED = "home_bed", _("Home sickbed")


class HomeCareOrder(models.Model):
    """A doctor's order for home nursing or a home sickbed (家庭病床), carried out by the
    community nursing station's nurses in scheduled visits."""

    institution = models.ForeignKey(Institution, on_delete=models.PROTECT)
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("kind"), max_length=16, choices=HomeCareKind.choices)
    reason = models.CharField(_("reason"), max_length=200)
    address = models.CharField(_("address"), max_length=200)
    ordered_by = models.CharField(_("ordered by"), max_length=150)
    ordered_at = models.DateTimeField(_("ordered at"))

    class Meta:
        verbose_name = _("home care order")
        permissions = [
            ("order_home_care", _("Can order home nursing or a home sickbed")),
            ("visit_homes", _("Can schedule and record home visits")),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=HomeCareKind.values), name="ph_home_care_kind_known"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.patient_id}"


class HomeVisit(models.Model):
    order = models.ForeignKey(HomeCareOrder, on_delete=models.PROTECT, related_name="visits")
    nurse = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    scheduled_for = models.DateTimeField(_("scheduled for"))
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    notes = models.CharField(_("visit notes"), max_length=1000, blank=True)
    systolic = models.PositiveSmallIntegerField(_("systolic"), null=True, blank=True)
    diastolic = models.PositiveSmallIntegerField(_("diastolic"), null=True, blank=True)
    pulse = models.PositiveSmallIntegerField(_("pulse"), null=True, blank=True)
    temperature_tenths = models.PositiveSmallIntegerField(
        _("temperature (0.1 °C)"), null=True, blank=True
    )

    class Meta:
        verbose_name = _("home visit")
        constraints = [
            models.CheckConstraint(
                condition=Q(done_at__isnull=True) | ~Q(notes=""), name="ph_done_visit_has_notes"
            )
        ]

    def __str__(self) -> str:
        return f"home visit {self.pk}"


# --- mother and child -------------------------------------------------------------------------


class Pregnancy(models.Model):
    """孕产妇保健手册: a pregnancy registered (建册) by a community or township institution, with
    its scheduled antenatal checks, risk grading, delivery and postnatal care."""

    institution = models.ForeignKey(Institution, on_delete=models.PROTECT)
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="+")
    last_period = models.DateField(_("first day of the last menstrual period"))
    due_date = models.DateField(_("expected date of delivery"))
    gravida = models.PositiveSmallIntegerField(_("pregnancies (gravida)"))
    para = models.PositiveSmallIntegerField(_("births (para)"))
    registered_at = models.DateTimeField(_("registered at"))
    registered_by = models.CharField(_("registered by"), max_length=150)
    delivered_on = models.DateField(_("delivered on"), null=True, blank=True)

    class Meta:
        verbose_name = _("pregnancy record")
        permissions = [
            ("manage_maternal_child", _("Can keep pregnancy and child health records")),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(para__lt=F("gravida")), name="ph_para_below_gravida"
            ),
            models.CheckConstraint(
                condition=Q(due_date__gt=F("last_period")), name="ph_due_after_last_period"
            ),
            models.UniqueConstraint(
                fields=["patient"],
                condition=Q(delivered_on__isnull=True),
                name="ph_one_open_pregnancy",
            ),
        ]

    def __str__(self) -> str:
        return f"pregnancy {self.pk}"


class AntenatalCheck(models.Model):
    """One check of the schedule (`mch_schedule.ANTENATAL_CHECKS`): booked through scheduling,
    then recorded by the clinic."""

    pregnancy = models.ForeignKey(Pregnancy, on_delete=models.PROTECT, related_name="checks")
    number = models.PositiveSmallIntegerField(_("check number"))
    appointment = models.ForeignKey(
        Appointment, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    weeks = models.PositiveSmallIntegerField(_("weeks of pregnancy"), null=True, blank=True)
    systolic = models.PositiveSmallIntegerField(_("systolic"), null=True, blank=True)
    diastolic = models.PositiveSmallIntegerField(_("diastolic"), null=True, blank=True)
    weight_grams = models.PositiveIntegerField(_("weight (g)"), null=True, blank=True)
    notes = models.CharField(_("findings"), max_length=1000, blank=True)
    recorded_by = models.CharField(max_length=150, blank=True)

    class Meta:
        verbose_name = _("antenatal check")
        constraints = [
            models.UniqueConstraint(fields=["pregnancy", "number"], name="ph_one_check_per_number"),
            models.CheckConstraint(
                condition=Q(done_at__isnull=True) | Q(weeks__isnull=False),
                name="ph_done_check_has_weeks",
            ),
        ]

    def __str__(self) -> str:
        return f"antenatal check {self.number}"


class RiskColour(models.TextChoices):
    """妊娠风险五色分级 (《孕产妇妊娠风险评估与管理工作规范》, 国卫办妇幼发〔2017〕35号)."""

    GREEN = "green", _("Green: low risk")
    YELLOW = "yellow", _("Yellow: general risk")
    ORANGE = "orange", _("Orange: higher risk")
    RED = "red", _("Red: high risk")
    PURPLE = "purple", _("Purple: infectious disease")


class RiskFlag(models.Model):
    pregnancy = models.ForeignKey(Pregnancy, on_delete=models.PROTECT, related_name="risks")
    colour = models.CharField(_("risk colour"), max_length=8, choices=RiskColour.choices)
    factor = models.CharField(_("risk factor"), max_length=200)
    flagged_by = models.CharField(_("flagged by"), max_length=150)
    flagged_at = models.DateTimeField(_("flagged at"))
    # Orange and red are managed at a higher-level hospital: the referral note says where.
    referral_note = models.CharField(
        _("referral to a higher-level hospital"), max_length=300, blank=True
    )

    class Meta:
        verbose_name = _("pregnancy risk flag")
        constraints = [
            models.CheckConstraint(
                condition=Q(colour__in=RiskColour.values), name="ph_risk_colour_known"
            ),
            models.CheckConstraint(
                condition=~Q(colour__in=["orange", "red"]) | ~Q(referral_note=""),
                name="ph_high_risk_referred",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.colour} {self.factor}"


class PostnatalKind(models.TextChoices):
    HOME_VISIT = "home_visit", _("Postnatal home visit (within 7 days)")
    DAY_42 = "day_42", _("42-day postnatal check")


class PostnatalVisit(models.Model):
    pregnancy = models.ForeignKey(Pregnancy, on_delete=models.PROTECT, related_name="postnatal")
    kind = models.CharField(_("kind"), max_length=12, choices=PostnatalKind.choices)
    done_at = models.DateTimeField(_("done at"))
    notes = models.CharField(_("findings"), max_length=1000)
    recorded_by = models.CharField(max_length=150)

    class Meta:
        verbose_name = _("postnatal visit")
        constraints = [
            models.UniqueConstraint(fields=["pregnancy", "kind"], name="ph_one_postnatal_kind"),
            models.CheckConstraint(
                condition=Q(kind__in=PostnatalKind.values), name="ph_postnatal_kind_known"
            ),
        ]

    def __str__(self) -> str:
        return self.kind


class ChildCheck(models.Model):
    """One check of the 0–6 schedule (`mch_schedule.CHILD_CHECK_MONTHS`) with its measurements."""

    institution = models.ForeignKey(Institution, on_delete=models.PROTECT)
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="+")
    age_months = models.PositiveSmallIntegerField(_("check at age (months)"))
    appointment = models.ForeignKey(
        Appointment, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    weight_grams = models.PositiveIntegerField(_("weight (g)"), null=True, blank=True)
    length_mm = models.PositiveIntegerField(_("length or height (mm)"), null=True, blank=True)
    head_mm = models.PositiveIntegerField(_("head circumference (mm)"), null=True, blank=True)
    notes = models.CharField(_("findings"), max_length=1000, blank=True)
    recorded_by = models.CharField(max_length=150, blank=True)

    class Meta:
        verbose_name = _("child health check")
        constraints = [
            models.UniqueConstraint(fields=["patient", "age_months"], name="ph_one_child_check"),
            models.CheckConstraint(
                condition=Q(done_at__isnull=True)
                | Q(weight_grams__gte=500, weight_grams__lte=40000, length_mm__gte=300)
                & Q(length_mm__lte=1400),
                name="ph_done_child_check_measured",
            ),
        ]

    def __str__(self) -> str:
        return f"child check {self.age_months} months"


# --- remote video consultations from the huts -----------------------------------------------------


class VideoStatus(models.TextChoices):
    REQUESTED = "requested", _("Requested")
    SCHEDULED = "scheduled", _("Scheduled")
    COMPLETED = "completed", _("Completed")
    DECLINED = "declined", _("Declined")


class VideoConsultation(models.Model):
    """A resident's (or the hut attendant's) request for a video consultation with the township
    doctor responsible for the hut; the room comes from the video adapter."""

    hut = models.ForeignKey(Institution, on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(_("reason"), max_length=300)
    requested_by = models.CharField(_("requested by"), max_length=150)
    requested_at = models.DateTimeField(_("requested at"))
    status = models.CharField(_("status"), max_length=10, choices=VideoStatus.choices)
    doctor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    scheduled_for = models.DateTimeField(_("scheduled for"), null=True, blank=True)
    room_url = models.CharField(_("video room"), max_length=200, blank=True)
    notes = models.CharField(_("consultation notes"), max_length=1000, blank=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("video consultation")
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=VideoStatus.values), name="ph_video_status_known"
            ),
            models.CheckConstraint(
                condition=Q(status__in=["requested", "declined"])
                | Q(scheduled_for__isnull=False) & ~Q(room_url=""),
                name="ph_scheduled_video_has_room",
            ),
            models.CheckConstraint(
                condition=~Q(status="completed") | ~Q(notes=""),
                name="ph_completed_video_has_notes",
            ),
        ]

    def __str__(self) -> str:
        return f"video {self.pk}"
