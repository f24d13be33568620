from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InsuranceConfig(AppConfig):
    name = "onetrip.insurance"
    label = "insurance"
    verbose_name = _("Medical insurance")

    def ready(self) -> None:
        from onetrip.ebills.presenters import register_other_payer
        from onetrip.insurance.commercial import ebill_share

        register_other_payer(ebill_share)
