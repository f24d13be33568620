from django.apps import AppConfig


class SchedulingConfig(AppConfig):
    name = "onetrip.scheduling"
    label = "scheduling"
    verbose_name = "Appointments"
