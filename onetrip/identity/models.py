"""Patients, their real-name identity documents, and who may act for them (R-ID-1)."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from onetrip.identity.documents import DocumentType


class Sex(models.TextChoices):
    MALE = "male", _("Male")
    FEMALE = "female", _("Female")
    UNKNOWN = "unknown", _("Unknown")


class Patient(models.Model):
    name = models.CharField(_("full name"), max_length=60)
    sex = models.CharField(_("sex"), max_length=8, choices=Sex.choices)
    birth_date = models.DateField(_("date of birth"))
    phone = models.CharField(_("mobile phone"), max_length=11, db_index=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    registered_at = models.DateTimeField(_("registered at"))
    updated_at = models.DateTimeField(_("updated at"))

    class Meta:
        verbose_name = _("patient")
        verbose_name_plural = _("patients")
        ordering = ["-registered_at", "-id"]
        permissions = [
            ("view_full_identifiers", _("Can see unmasked document numbers and phones")),
            ("share_patient", _("Can share a patient record with another institution")),
        ]
        indexes = [models.Index(fields=["name", "birth_date"])]
        constraints = [
            models.CheckConstraint(condition=Q(sex__in=Sex.values), name="patient_sex_known"),
            models.CheckConstraint(condition=~Q(name=""), name="patient_name_required"),
            models.CheckConstraint(
                condition=Q(phone__regex=r"^1[3-9][0-9]{9}$"), name="patient_phone_mobile"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} #{self.pk}"


class IdentityDocument(models.Model):
    """A validated document. A minor may be registered under a guardian's document: that row has
    `is_guardian_document` set, names the guardian's relationship, and does not identify the
    patient alone, so it is exempt from the one-person-per-document rule."""

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="documents")
    doc_type = models.CharField(_("document type"), max_length=32, choices=DocumentType.choices)
    number = models.CharField(_("document number"), max_length=64)
    issuing_country = models.CharField(_("issuing country"), max_length=3, blank=True)
    expires_on = models.DateField(_("expires on"), null=True, blank=True)
    is_guardian_document = models.BooleanField(_("guardian's document"), default=False)
    guardian_relationship = models.CharField(_("guardian relationship"), max_length=16, blank=True)
    added_at = models.DateTimeField(_("added at"))

    class Meta:
        verbose_name = _("identity document")
        verbose_name_plural = _("identity documents")
        ordering = ["patient_id", "added_at", "id"]
        indexes = [models.Index(fields=["number"])]
        constraints = [
            models.UniqueConstraint(
                fields=["doc_type", "number"],
                condition=Q(is_guardian_document=False),
                name="document_identifies_one_patient",
            ),
            models.UniqueConstraint(
                fields=["patient", "doc_type", "number"], name="document_once_per_patient"
            ),
            models.CheckConstraint(
                condition=Q(doc_type__in=DocumentType.values), name="document_type_known"
            ),
            models.CheckConstraint(condition=~Q(number=""), name="document_number_required"),
            models.CheckConstraint(
                condition=Q(is_guardian_document=False) | ~Q(guardian_relationship=""),
                name="guardian_document_names_relationship",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_doc_type_display()} {self.number}"


class AffiliationReason(models.TextChoices):
    REGISTERED = "registered", _("Registered here")
    PRESENTED_DOCUMENT = "presented_document", _("Patient presented a document here")
    REFERRAL = "referral", _("Referred here")
    SHARED = "shared", _("Shared by another institution")
    APPOINTMENT = "appointment", _("Booked an appointment here")


class PatientAffiliation(models.Model):
    """Which institutions may read a patient's record. A patient is consortium-wide; staff read
    only the patients affiliated with their own institution (R-ORG-3, role scoping)."""

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="affiliations")
    institution = models.ForeignKey(
        "consortium.Institution", on_delete=models.PROTECT, related_name="+"
    )
    reason = models.CharField(_("reason"), max_length=20, choices=AffiliationReason.choices)
    since = models.DateTimeField(_("since"))

    class Meta:
        verbose_name = _("patient affiliation")
        verbose_name_plural = _("patient affiliations")
        constraints = [
            models.UniqueConstraint(
                fields=["institution", "patient"], name="affiliation_once_per_institution"
            )
        ]

    def __str__(self) -> str:
        return f"patient {self.patient_id} @ institution {self.institution_id}"


class MobileAccount(models.Model):
    """A patient-side sign-in: a verified mobile number. One phone may act for several patients
    (the holder, and family members through proxy grants)."""

    phone = models.CharField(_("mobile phone"), max_length=11, unique=True)
    created_at = models.DateTimeField()
    last_sign_in_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("mobile account")
        verbose_name_plural = _("mobile accounts")

    def __str__(self) -> str:
        return self.phone


class Relationship(models.TextChoices):
    SELF = "self", _("Self")
    PARENT = "parent", _("Parent")
    CHILD = "child", _("Child")
    SPOUSE = "spouse", _("Spouse")
    GUARDIAN = "guardian", _("Guardian")
    RELATIVE = "relative", _("Other relative")


class ConsentBasis(models.TextChoices):
    OWN_RECORD = "own_record", _("The patient's own record")
    GUARDIAN_OF_MINOR = "guardian_of_minor", _("Guardian of a minor")
    PATIENT_CONSENT = "patient_consent", _("Consent given by the patient online")
    WRITTEN_CONSENT = "written_consent", _("Written consent recorded by staff")
    PHONE_ON_FILE = "phone_on_file", _("The mobile number on file, verified by a code")


class ProxyGrant(models.Model):
    """Lets a mobile account act for a patient: the patient themself, a minor's guardian, or a
    family member the patient consented to. Revoking keeps the row for the record."""

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="proxy_grants")
    account = models.ForeignKey(
        MobileAccount, on_delete=models.PROTECT, related_name="proxy_grants"
    )
    relationship = models.CharField(_("relationship"), max_length=16, choices=Relationship.choices)
    basis = models.CharField(_("consent basis"), max_length=20, choices=ConsentBasis.choices)
    granted_at = models.DateTimeField(_("granted at"))
    granted_by = models.CharField(_("granted by"), max_length=150)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("proxy grant")
        verbose_name_plural = _("proxy grants")
        constraints = [
            models.UniqueConstraint(
                fields=["patient", "account"],
                condition=Q(revoked_at__isnull=True),
                name="one_live_grant_per_account",
            )
        ]

    def __str__(self) -> str:
        return f"{self.account} acts for patient {self.patient_id} ({self.relationship})"


class OneTimeCode(models.Model):
    """A sign-in code sent by SMS. Only a hash is stored; attempts are capped."""

    phone = models.CharField(max_length=11, db_index=True)
    code_hash = models.CharField(max_length=128)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"code for {self.phone} at {self.created_at:%H:%M}"


class RecordClaim(models.Model):
    """A mobile account claims a record registered elsewhere (at a window), proven by a code sent
    to the phone on file (D56). `patient` is empty when what the claimant typed matched no record:
    they are answered exactly as if it had, and no code can confirm such a claim. Only a hash of
    the code is stored; attempts are capped."""

    account = models.ForeignKey(MobileAccount, on_delete=models.PROTECT, related_name="claims")
    patient = models.ForeignKey(
        Patient, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    relationship = models.CharField(_("relationship"), max_length=16, choices=Relationship.choices)
    code_hash = models.CharField(max_length=128)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    confirmed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("record claim")
        verbose_name_plural = _("record claims")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["account", "created_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(confirmed_at__isnull=True) | Q(patient__isnull=False),
                name="claim_confirmed_only_for_a_record",
            )
        ]

    def __str__(self) -> str:
        return f"claim by account {self.account_id} at {self.created_at:%H:%M}"
