from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MetricsConfig(AppConfig):
    name = "onetrip.metrics"
    label = "metrics"
    verbose_name = _("Monitoring indicators")

    def ready(self) -> None:
        from onetrip.metrics.definitions import register_open_beds
        from onetrip.metrics.services import open_beds_from_wards, reported_open_beds

        # Beds are what institutions report, until the inpatient domain holds their wards:
        # then the real beds of its wards count (issue 25).
        register_open_beds(reported_open_beds, default=True)
        register_open_beds(open_beds_from_wards)
