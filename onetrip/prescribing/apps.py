from django.apps import AppConfig


class PrescribingConfig(AppConfig):
    name = "onetrip.prescribing"
    label = "prescribing"
    verbose_name = "Prescribing"
