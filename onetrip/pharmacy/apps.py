from django.apps import AppConfig


class PharmacyConfig(AppConfig):
    name = "onetrip.pharmacy"
    label = "pharmacy"
    verbose_name = "Pharmacy"
