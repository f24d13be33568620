from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class SmsStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")


class SmsMessage(models.Model):
    """Outbox row for one SMS. Written in the transaction that causes it; delivered by a task
    after commit through the configured adapter. In the sandbox this table is the phone."""

    phone = models.CharField(_("mobile phone"), max_length=11)
    body = models.CharField(_("text"), max_length=500)
    purpose = models.CharField(_("purpose"), max_length=40)
    status = models.CharField(
        _("status"), max_length=8, choices=SmsStatus.choices, default=SmsStatus.QUEUED
    )
    created_at = models.DateTimeField(_("created at"), db_index=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    provider = models.CharField(_("provider"), max_length=20, blank=True)
    provider_message_id = models.CharField(max_length=64, blank=True)

    class Meta:
        verbose_name = _("SMS message")
        verbose_name_plural = _("SMS messages")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status=SmsStatus.SENT) | Q(sent_at__isnull=False),
                name="sent_sms_has_time",
            )
        ]

    def __str__(self) -> str:
        return f"{self.phone}: {self.body[:30]}"
