"""The master patient index (R-ID-2): persons (golden records) over identity's patient records.

A patient record is never changed or deleted here: every record is linked to exactly one person,
and a merge only moves links from one person to another. The merge row lists the links it moved,
so an unmerge puts back exactly those, and the absorbed person keeps its master ID for that day.
"""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class BlockingKey(models.Model):
    """A key a patient record is filed under (see `matching.blocking_keys`): candidate search
    looks keys up in this index instead of scanning patients."""

    key = models.CharField(max_length=120)
    patient = models.ForeignKey(
        "identity.Patient", on_delete=models.CASCADE, related_name="+", db_index=False
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["key", "patient"], name="blocking_key_once"),
        ]
        indexes = [models.Index(fields=["patient"], name="blocking_key_by_patient")]

    def __str__(self) -> str:
        return self.key


class Person(models.Model):
    """A golden record: one real person, whatever records were registered for them."""

    master_id = models.CharField(_("master patient ID"), max_length=16, unique=True)
    created_at = models.DateTimeField(_("created at"))
    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("merged into"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="absorbed",
    )

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("persons")
        permissions = [
            ("review_match", _("Can review possible duplicate patients and merge or unmerge")),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(merged_into=models.F("pk")), name="person_not_merged_into_itself"
            )
        ]

    def __str__(self) -> str:
        return self.master_id


class PersonLink(models.Model):
    """Which person a patient record belongs to now."""

    patient = models.OneToOneField(
        "identity.Patient", on_delete=models.PROTECT, related_name="mpi_link"
    )
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="links")
    linked_at = models.DateTimeField(_("linked at"))

    class Meta:
        verbose_name = _("person link")
        verbose_name_plural = _("person links")

    def __str__(self) -> str:
        return f"patient {self.patient_id} → {self.person_id}"


class MergeReason(models.TextChoices):
    AUTOMATIC = "automatic", _("Matched above the automatic-link threshold")
    DOCUMENT = "document", _("Same identity document")
    REVIEW = "review", _("Accepted by staff on review")
    STAFF = "staff", _("Merged by staff")


class PersonMerge(models.Model):
    """One merge of `absorbed` into `survivor`, with the links it moved; undone by unmerge."""

    survivor = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="merges_in")
    absorbed = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="merges_out")
    reason = models.CharField(_("reason"), max_length=12, choices=MergeReason.choices)
    evidence = models.JSONField(_("evidence"), default=dict, blank=True)
    merged_at = models.DateTimeField(_("merged at"))
    merged_by = models.CharField(_("merged by"), max_length=150)
    unmerged_at = models.DateTimeField(_("unmerged at"), null=True, blank=True)
    unmerged_by = models.CharField(_("unmerged by"), max_length=150, blank=True)

    class Meta:
        verbose_name = _("merge")
        verbose_name_plural = _("merges")
        ordering = ["-merged_at", "-id"]
        constraints = [
            # An absorbed person is merged once at a time: merging it again means undoing first.
            models.UniqueConstraint(
                fields=["absorbed"],
                condition=Q(unmerged_at__isnull=True),
                name="person_absorbed_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.absorbed_id} → {self.survivor_id}"


class MergedLink(models.Model):
    merge = models.ForeignKey(PersonMerge, on_delete=models.PROTECT, related_name="moved")
    patient = models.ForeignKey("identity.Patient", on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["merge", "patient"], name="merged_link_once"),
        ]

    def __str__(self) -> str:
        return f"patient {self.patient_id} in merge {self.merge_id}"


class CandidateStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for review")
    ACCEPTED = "accepted", _("Same person (merged)")
    REJECTED = "rejected", _("Different persons")


class CandidateSource(models.TextChoices):
    REGISTRATION = "registration", _("Registration")
    BATCH = "batch", _("Batch deduplication")
    STAFF = "staff", _("Staff")


class MatchCandidate(models.Model):
    """A pair of records scored between the review and the automatic-link thresholds (or held
    back by a guard), waiting for staff; a decision is kept so the pair is never asked again."""

    left = models.ForeignKey("identity.Patient", on_delete=models.PROTECT, related_name="+")
    right = models.ForeignKey("identity.Patient", on_delete=models.PROTECT, related_name="+")
    score = models.FloatField(_("score (bits)"))
    probability = models.FloatField(_("match probability"))
    explanation = models.JSONField(_("explanation"), default=list)
    guard = models.CharField(_("held back because"), max_length=20, blank=True)
    source = models.CharField(_("found by"), max_length=12, choices=CandidateSource.choices)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=CandidateStatus.choices,
        default=CandidateStatus.PENDING,
    )
    found_at = models.DateTimeField(_("found at"))
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.CharField(_("decided by"), max_length=150, blank=True)

    class Meta:
        verbose_name = _("possible duplicate")
        verbose_name_plural = _("possible duplicates")
        ordering = ["-score", "id"]
        indexes = [models.Index(fields=["status", "-score"], name="candidate_queue")]
        constraints = [
            models.UniqueConstraint(fields=["left", "right"], name="candidate_pair_once"),
            models.CheckConstraint(
                condition=Q(left__lt=models.F("right")), name="candidate_pair_ordered"
            ),
            models.CheckConstraint(
                condition=Q(status__in=CandidateStatus.values), name="candidate_status_known"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.left_id} ~ {self.right_id} ({self.status})"


class DedupeRun(models.Model):
    """A batch deduplication over the registry; `last_patient_id` is its checkpoint: every
    record up to it has been compared with all lower records and the outcome committed."""

    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    last_patient_id = models.BigIntegerField(default=0)
    compared = models.BigIntegerField(default=0)
    linked = models.BigIntegerField(default=0)
    queued = models.BigIntegerField(default=0)
    # The m per level this run estimated from the registry and scored with (D263): sessions,
    # and per level the set m, the estimate and the bits it moved the weight. Empty: set m.
    weights = models.JSONField(_("estimated weights"), default=dict, blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"dedupe run {self.pk} up to patient {self.last_patient_id}"


class SourceStatus(models.TextChoices):
    REGISTERED = "registered", _("Registered as a new record")
    LINKED = "linked", _("Another source record of a record on file (same document)")
    KEPT = "kept", _("Kept in the index only (no usable date of birth)")
    REFUSED = "refused", _("Refused")


class SourceRecord(models.Model):
    """The cross-reference of a legacy load (IHE PIX): a row of a source system, identified by
    (source system, source record id), kept as it came, and the record or person it became.

    A registered or linked row points at a patient record and follows its person through merges;
    a row without a usable birth date cannot be a patient record and belongs to a person
    directly; a refused row keeps its reason and belongs to nobody."""

    source_system = models.CharField(_("source system"), max_length=40)
    source_record_id = models.CharField(_("source record id"), max_length=64)
    status = models.CharField(_("status"), max_length=10, choices=SourceStatus.choices)
    patient = models.ForeignKey(
        "identity.Patient", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    person = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.PROTECT, related_name="source_records"
    )
    # What disagrees in the row, comma-separated codes (see registry.Flag); matching decides.
    flags = models.CharField(_("flags"), max_length=300, blank=True)
    # The institution that loaded the row: its reviewers may look the row up.
    institution = models.ForeignKey(
        "consortium.Institution", on_delete=models.PROTECT, related_name="+"
    )
    reason = models.CharField(_("reason refused"), max_length=300, blank=True)
    line = models.PositiveIntegerField(_("line in the file"))
    row = models.JSONField(_("the row as it came"), default=dict)
    loaded_at = models.DateTimeField(_("loaded at"))

    class Meta:
        verbose_name = _("source record")
        verbose_name_plural = _("source records")
        constraints = [
            models.UniqueConstraint(
                fields=["source_system", "source_record_id"], name="source_record_once"
            ),
            models.CheckConstraint(
                condition=Q(status__in=SourceStatus.values), name="source_status_known"
            ),
            models.CheckConstraint(
                condition=(
                    Q(
                        status__in=[SourceStatus.REGISTERED, SourceStatus.LINKED],
                        patient__isnull=False,
                        person__isnull=True,
                    )
                    | Q(status=SourceStatus.KEPT, patient__isnull=True, person__isnull=False)
                    | (
                        Q(status=SourceStatus.REFUSED, patient__isnull=True, person__isnull=True)
                        & ~Q(reason="")
                    )
                ),
                name="source_record_belongs_by_status",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.source_system}|{self.source_record_id}"
