from django.apps import AppConfig


class PharmacyConfig(AppConfig):
    name = "onetrip.pharmacy"
    label = "pharmacy"
    verbose_name = "Pharmacy"

    def ready(self) -> None:
        from onetrip.billing.models import ChargeSource
        from onetrip.billing.services import sources
        from onetrip.pharmacy.services import dispensing

        # A paid prescription joins the dispensing queue in the settling transaction.
        sources.when_paid(ChargeSource.PRESCRIPTION, dispensing.prescriptions_paid)
