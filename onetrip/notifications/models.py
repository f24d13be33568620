from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _


class Channel(models.TextChoices):
    SMS = "sms", _("SMS")
    APP = "app", _("App message")
    WECHAT = "wechat", _("WeChat template message")


class Language(models.TextChoices):
    ZH_HANS = "zh-hans", "简体中文"
    EN = "en", "English"


class NotificationStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")


class Notification(models.Model):
    """The outbox: one row per notice, written in the transaction that causes it and nothing else
    on the request path. The worker renders it (template + params, in the recipient's language)
    and hands it to each channel's adapter; `dedup_key` makes a notice caused twice one row."""

    phone = models.CharField(_("mobile phone"), max_length=11)
    template = models.CharField(_("template"), max_length=40)
    purpose = models.CharField(_("purpose"), max_length=40)
    params = models.JSONField(default=dict)
    urgent = models.BooleanField(_("urgent"), default=False)
    dedup_key = models.CharField(max_length=200, unique=True)
    status = models.CharField(
        _("status"),
        max_length=8,
        choices=NotificationStatus.choices,
        default=NotificationStatus.QUEUED,
    )
    created_at = models.DateTimeField(_("created at"))
    # When the worker may next take the row: now when queued, after a backoff or the end of
    # the quiet hours when held, and the end of the worker's lease while sending.
    next_attempt_at = models.DateTimeField(_("next attempt at"))
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    # Chosen at the first attempt; a retry sends only to the channels that have not taken it.
    channels = models.JSONField(default=list)
    sent_channels = models.JSONField(default=list)
    language = models.CharField(_("language"), max_length=8, blank=True)
    body = models.CharField(_("text"), max_length=500, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(status__in=["queued", "sending"]),
                name="notification_due",
            )
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status=NotificationStatus.SENT) | Q(sent_at__isnull=False),
                name="sent_notification_has_time",
            )
        ]

    def __str__(self) -> str:
        return f"{self.template} → {self.phone}"


class DeliveryOutcome(models.TextChoices):
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")


class DeliveryAttempt(models.Model):
    """The delivery log: one row per attempt on one channel, with what the adapter answered."""

    notification = models.ForeignKey(
        Notification, on_delete=models.CASCADE, related_name="delivery_attempts"
    )
    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices)
    attempt = models.PositiveSmallIntegerField(_("attempt"))
    attempted_at = models.DateTimeField(_("attempted at"))
    outcome = models.CharField(_("outcome"), max_length=8, choices=DeliveryOutcome.choices)
    provider = models.CharField(_("provider"), max_length=20, blank=True)
    provider_message_id = models.CharField(max_length=64, blank=True)
    error = models.CharField(_("error"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("delivery attempt")
        verbose_name_plural = _("delivery attempts")
        ordering = ["notification_id", "attempt", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["notification", "channel", "attempt"], name="one_log_row_per_attempt"
            )
        ]

    def __str__(self) -> str:
        return f"{self.channel} attempt {self.attempt}: {self.outcome}"


class ContactPreference(models.Model):
    """How the holder of a mobile number wants to be told: which channels, in which language,
    and the hours in which only urgent notices may arrive. Without a row: SMS, Chinese, no quiet
    hours. Keyed by the phone because every notice is addressed to a phone."""

    phone = models.CharField(_("mobile phone"), max_length=11, unique=True)
    language = models.CharField(
        _("language"), max_length=8, choices=Language.choices, default=Language.ZH_HANS
    )
    sms = models.BooleanField(_("SMS"), default=True)
    app = models.BooleanField(_("App message"), default=False)
    wechat = models.BooleanField(_("WeChat template message"), default=False)
    quiet_from = models.TimeField(_("quiet hours from"), null=True, blank=True)
    quiet_until = models.TimeField(_("quiet hours until"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated at"))

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")
        constraints = [
            models.CheckConstraint(
                condition=Q(sms=True) | Q(app=True) | Q(wechat=True),
                name="preference_has_a_channel",
            ),
            models.CheckConstraint(
                condition=(Q(quiet_from__isnull=True) & Q(quiet_until__isnull=True))
                | (
                    Q(quiet_from__isnull=False)
                    & Q(quiet_until__isnull=False)
                    & ~Q(quiet_from=F("quiet_until"))
                ),
                name="quiet_hours_are_a_window",
            ),
        ]

    def __str__(self) -> str:
        return self.phone


class SandboxMessage(models.Model):
    """What a sandbox adapter would have sent: the sandbox page is this table. A real adapter
    sends to its provider instead and stores nothing here."""

    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices)
    address = models.CharField(_("to"), max_length=64)
    title = models.CharField(_("title"), max_length=100, blank=True)
    body = models.CharField(_("text"), max_length=500)
    template = models.CharField(_("template"), max_length=40)
    message_id = models.CharField(max_length=64, unique=True)
    sent_at = models.DateTimeField(_("sent at"))

    class Meta:
        verbose_name = _("sandbox message")
        verbose_name_plural = _("sandbox messages")
        ordering = ["-sent_at", "-id"]
        indexes = [models.Index(fields=["channel", "-sent_at"], name="sandbox_by_channel")]

    def __str__(self) -> str:
        return f"{self.channel} to {self.address}: {self.body[:30]}"
