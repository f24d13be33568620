from django.apps import AppConfig


class BillingConfig(AppConfig):
    name = "onetrip.billing"
    label = "billing"
    verbose_name = "Billing"
