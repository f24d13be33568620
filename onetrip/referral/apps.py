from django.apps import AppConfig


class ReferralConfig(AppConfig):
    name = "onetrip.referral"
    label = "referral"
    verbose_name = "Referral"
