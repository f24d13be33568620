from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from onetrip.core.actors import ActorKind, Channel


class AuditAction(models.TextChoices):
    VIEW = "view", _("Viewed")
    SEARCH = "search", _("Searched")
    CREATE = "create", _("Created")
    UPDATE = "update", _("Changed")
    DELETE = "delete", _("Removed")
    GRANT = "grant", _("Granted")
    REVOKE = "revoke", _("Revoked")
    SIGN_IN = "sign_in", _("Signed in")


class AuditEvent(models.Model):
    """One row per staff view of a patient record and per change to patient data (R-ORG-3).

    Written by `core.audit.record` inside the transaction of the change it describes, so a change
    without its audit row (or the reverse) cannot exist. Rows are never updated or deleted.
    `patient_id` is a plain column, not a foreign key: the trail must outlive any merge of records.
    """

    occurred_at = models.DateTimeField(_("when"), db_index=True)
    actor_kind = models.CharField(_("actor kind"), max_length=10, choices=ActorKind.choices)
    actor_label = models.CharField(_("who"), max_length=150)
    actor_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    actor_account_id = models.BigIntegerField(null=True, blank=True)
    institution = models.ForeignKey(
        "consortium.Institution",
        verbose_name=_("institution"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    action = models.CharField(_("action"), max_length=10, choices=AuditAction.choices)
    object_type = models.CharField(_("record type"), max_length=60)
    object_id = models.CharField(_("record id"), max_length=40, blank=True)
    patient_id = models.BigIntegerField(_("patient"), null=True, blank=True, db_index=True)
    summary = models.CharField(_("what"), max_length=255)
    changes = models.JSONField(_("changes"), default=dict, blank=True)
    ip = models.GenericIPAddressField(_("from"), null=True, blank=True)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["-occurred_at", "-id"]
        indexes = [models.Index(fields=["institution", "-occurred_at"])]
        constraints = [
            models.CheckConstraint(
                condition=~Q(actor_kind=ActorKind.STAFF) | Q(actor_user__isnull=False),
                name="audit_staff_event_names_user",
            )
        ]

    def __str__(self) -> str:
        return f"{self.occurred_at:%Y-%m-%d %H:%M} {self.actor_label} {self.action} {self.summary}"


class DomainEvent(models.Model):
    """One row per thing that happened to a patient's care, in the order the domains recorded it.

    Written by `core.events.emit` inside the transaction of the change it reports, so an event
    without its change (or the reverse) cannot exist. Rows are never updated or deleted. The
    journey and the monitoring indicators are read from this log; the kinds and what their `data`
    holds are listed in `core.events.EventKind`. Plain id columns, not foreign keys: the log must
    outlive merges of patient records and never slow the write it rides on.
    """

    kind = models.CharField(_("event"), max_length=40)
    occurred_at = models.DateTimeField(_("when"))
    patient_id = models.BigIntegerField(_("patient"), null=True, blank=True)
    institution_id = models.BigIntegerField(_("institution"), null=True, blank=True)
    department_id = models.BigIntegerField(_("department"), null=True, blank=True)
    # True when the patient had to be physically present: the journey counts trips from it.
    on_site = models.BooleanField(_("on site"), default=False)
    channel = models.CharField(_("channel"), max_length=20, blank=True)
    subject_type = models.CharField(_("record type"), max_length=60)
    subject_id = models.CharField(_("record id"), max_length=40)
    data = models.JSONField(_("details"), default=dict, blank=True)

    class Meta:
        verbose_name = _("domain event")
        verbose_name_plural = _("domain events")
        ordering = ["occurred_at", "id"]
        indexes = [
            models.Index(fields=["patient_id", "occurred_at"], name="event_patient_time"),
            models.Index(fields=["kind", "occurred_at"], name="event_kind_time"),
            models.Index(fields=["institution_id", "occurred_at"], name="event_institution_time"),
        ]

    def __str__(self) -> str:
        return (
            f"{self.occurred_at:%Y-%m-%d %H:%M} {self.kind} {self.subject_type}:{self.subject_id}"
        )
