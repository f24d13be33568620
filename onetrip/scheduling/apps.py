from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SchedulingConfig(AppConfig):
    name = "onetrip.scheduling"
    label = "scheduling"
    verbose_name = _("Appointments")

    def ready(self) -> None:
        from onetrip.billing.models import ChargeSource
        from onetrip.billing.services import sources
        from onetrip.scheduling.services import booking, waitlist

        # A booking held for payment is confirmed by paying its registration fee.
        sources.when_paid(ChargeSource.REGISTRATION, booking.registration_fee_paid)
        # Units a cancellation, move or expired hold frees are offered to those waiting.
        booking.when_units_freed(waitlist.offer_freed_capacity)
