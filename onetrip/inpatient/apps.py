from django.apps import AppConfig


class InpatientConfig(AppConfig):
    name = "onetrip.inpatient"
    label = "inpatient"
    verbose_name = "Inpatient care"
