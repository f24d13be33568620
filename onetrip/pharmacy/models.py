"""The pharmacy (R-RX-1/2): paid prescriptions queued to be picked before the patient arrives,
called at a window, or decocted and delivered home through the courier adapter."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class DispenseStatus(models.TextChoices):
    QUEUED = "queued", _("Being prepared")
    READY = "ready", _("Ready at the window")
    CALLED = "called", _("Called to the window")
    COLLECTED = "collected", _("Collected")
    HOME = "home", _("For home delivery")


class DispenseOrder(models.Model):
    """One paid prescription in the pharmacy's queue."""

    prescription = models.OneToOneField(
        "prescribing.Prescription", on_delete=models.PROTECT, related_name="+"
    )
    institution = models.ForeignKey(
        "consortium.Institution", on_delete=models.PROTECT, related_name="+"
    )
    patient = models.ForeignKey("identity.Patient", on_delete=models.PROTECT, related_name="+")
    window = models.PositiveSmallIntegerField(_("window"))
    status = models.CharField(max_length=10, choices=DispenseStatus.choices)
    queued_at = models.DateTimeField()
    ready_at = models.DateTimeField(null=True, blank=True)
    arrived_at = models.DateTimeField(null=True, blank=True)
    called_at = models.DateTimeField(null=True, blank=True)
    collected_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("dispensing order")
        verbose_name_plural = _("dispensing orders")
        permissions = [("dispense", "Pick, call and hand over medicines")]
        indexes = [models.Index(fields=["institution", "status", "queued_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["queued", "home"]) | Q(ready_at__isnull=False),
                name="dispense_ready_has_time",
            ),
            models.CheckConstraint(
                condition=~Q(status="collected") | Q(collected_at__isnull=False),
                name="dispense_collected_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"dispense {self.pk}"


class DeliveryStatus(models.TextChoices):
    PREPARING = "preparing", _("Being prepared")
    DECOCTING = "decocting", _("Being decocted")
    DISPATCHED = "dispatched", _("On the way")
    DELIVERED = "delivered", _("Delivered")


class Delivery(models.Model):
    """Home delivery of a dispensing order (R-RX-2): herbs decocted first when the prescription
    holds any, the address checked, handed to the courier and delivered against the code texted
    to the patient (proof it reached the right person)."""

    order = models.OneToOneField(DispenseOrder, on_delete=models.PROTECT, related_name="delivery")
    recipient_name = models.CharField(_("recipient"), max_length=50)
    recipient_phone = models.CharField(_("recipient's phone"), max_length=11)
    address = models.CharField(_("address"), max_length=200)
    decoction = models.BooleanField(default=False)
    status = models.CharField(max_length=10, choices=DeliveryStatus.choices)
    requested_at = models.DateTimeField()
    due_at = models.DateTimeField()
    decocted_at = models.DateTimeField(null=True, blank=True)
    dispatched_at = models.DateTimeField(null=True, blank=True)
    waybill = models.CharField(max_length=30, blank=True)
    proof_digest = models.CharField(max_length=64, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="dispatched") | ~Q(waybill=""),
                name="delivery_dispatched_has_waybill",
            ),
            models.CheckConstraint(
                condition=~Q(status="delivered") | Q(delivered_at__isnull=False),
                name="delivery_delivered_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"delivery {self.pk}"
