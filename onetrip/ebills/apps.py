from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EbillsConfig(AppConfig):
    name = "onetrip.ebills"
    label = "ebills"
    verbose_name = _("Electronic bills")
