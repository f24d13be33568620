from django.apps import AppConfig


class EmergencyConfig(AppConfig):
    name = "onetrip.emergency"
    label = "emergency"
    verbose_name = "Emergency"
