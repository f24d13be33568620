from django.apps import AppConfig


class MetricsConfig(AppConfig):
    name = "onetrip.metrics"
    label = "metrics"
    verbose_name = "Monitoring indicators"

    def ready(self) -> None:
        from onetrip.metrics.definitions import register_open_beds
        from onetrip.metrics.services import reported_open_beds

        # Until an inpatient domain registers its wards, beds are what institutions report.
        register_open_beds(reported_open_beds, default=True)
