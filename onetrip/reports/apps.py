from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "onetrip.reports"
    label = "reports"
    verbose_name = _("Reports")

    def ready(self) -> None:
        from onetrip.exams import services as exams
        from onetrip.reports import services

        # R-EXAM-5: an order a recognised result already answers needs an override reason.
        exams.add_order_check(services.check_exam_order)
