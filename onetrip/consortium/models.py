"""The consortium (医共体/医联体): institutions, departments, clinics, doctors, staff.

Covers R-ORG-1 (structure) and R-ORG-2 (staff bound to an institution)."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from onetrip.core.text import validate_person_name


class InstitutionLevel(models.TextChoices):
    TERTIARY = "tertiary", _("Tertiary hospital")
    COUNTY = "county", _("County hospital")
    TOWNSHIP = "township", _("Township health centre")
    COMMUNITY_CENTRE = "community_centre", _("Community health service centre")
    COMMUNITY_STATION = "community_station", _("Community health service station")
    ISLAND_HUT = "island_hut", _("Island health hut")


# Institutions that book into upper-level hospitals through the reserved primary-care pool.
PRIMARY_CARE_LEVELS = (
    InstitutionLevel.TOWNSHIP,
    InstitutionLevel.COMMUNITY_CENTRE,
    InstitutionLevel.COMMUNITY_STATION,
    InstitutionLevel.ISLAND_HUT,
)


class Institution(models.Model):
    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=150, blank=True)
    level = models.CharField(_("level"), max_length=20, choices=InstitutionLevel.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent institution"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    address = models.CharField(_("address"), max_length=200, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)

    class Meta:
        verbose_name = _("institution")
        verbose_name_plural = _("institutions")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(condition=~Q(parent=F("pk")), name="institution_not_own_parent"),
            models.CheckConstraint(
                condition=Q(level__in=InstitutionLevel.values), name="institution_level_known"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Department(models.Model):
    institution = models.ForeignKey(
        Institution, on_delete=models.PROTECT, related_name="departments"
    )
    code = models.CharField(_("code"), max_length=32)
    name = models.CharField(_("name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=150, blank=True)

    class Meta:
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        ordering = ["institution_id", "code"]
        constraints = [
            models.UniqueConstraint(fields=["institution", "code"], name="department_code_unique")
        ]

    def __str__(self) -> str:
        return f"{self.institution} · {self.name}"


class ClinicKind(models.TextChoices):
    GENERAL = "general", _("General clinic")
    SPECIALIST = "specialist", _("Specialist clinic")
    EXPERT = "expert", _("Expert clinic")


class Clinic(models.Model):
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="clinics")
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=12, choices=ClinicKind.choices)
    location = models.CharField(_("location"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("clinic")
        verbose_name_plural = _("clinics")
        ordering = ["department_id", "name"]
        constraints = [
            models.UniqueConstraint(fields=["department", "name"], name="clinic_name_unique"),
            models.CheckConstraint(
                condition=Q(kind__in=ClinicKind.values), name="clinic_kind_known"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class DoctorTitle(models.TextChoices):
    CHIEF = "chief", _("Chief physician")
    ASSOCIATE_CHIEF = "associate_chief", _("Associate chief physician")
    ATTENDING = "attending", _("Attending physician")
    RESIDENT = "resident", _("Resident physician")
    ASSISTANT = "assistant", _("Assistant physician")


class Doctor(models.Model):
    """A doctor belongs to one department, and through it to one institution."""

    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="doctors")
    name = models.CharField(_("full name"), max_length=50, validators=[validate_person_name])
    title = models.CharField(_("title"), max_length=20, choices=DoctorTitle.choices)
    speciality = models.CharField(_("speciality"), max_length=200, blank=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="doctor",
    )

    class Meta:
        verbose_name = _("doctor")
        verbose_name_plural = _("doctors")
        ordering = ["department_id", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(title__in=DoctorTitle.values), name="doctor_title_known"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_title_display()})"

    @property
    def institution(self) -> Institution:
        return self.department.institution


class StaffProfile(models.Model):
    """Binds a staff login to its institution. Roles are the user's groups (see core.roles)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="staff_profile"
    )
    institution = models.ForeignKey(Institution, on_delete=models.PROTECT, related_name="staff")
    full_name = models.CharField(_("full name"), max_length=50, validators=[validate_person_name])

    class Meta:
        verbose_name = _("staff profile")
        verbose_name_plural = _("staff profiles")

    def __str__(self) -> str:
        return f"{self.full_name} @ {self.institution}"
