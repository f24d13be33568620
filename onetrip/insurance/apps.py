from django.apps import AppConfig


class InsuranceConfig(AppConfig):
    name = "onetrip.insurance"
    label = "insurance"
    verbose_name = "Medical insurance"
