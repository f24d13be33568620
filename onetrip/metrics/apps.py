from django.apps import AppConfig


class MetricsConfig(AppConfig):
    name = "onetrip.metrics"
    label = "metrics"
    verbose_name = "Monitoring indicators"
