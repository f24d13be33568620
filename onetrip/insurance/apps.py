from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InsuranceConfig(AppConfig):
    name = "onetrip.insurance"
    label = "insurance"
    verbose_name = _("Medical insurance")
