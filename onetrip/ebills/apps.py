from django.apps import AppConfig


class EbillsConfig(AppConfig):
    name = "onetrip.ebills"
    label = "ebills"
    verbose_name = "Electronic bills"
