from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "onetrip.reports"
    label = "reports"
    verbose_name = "Reports"
