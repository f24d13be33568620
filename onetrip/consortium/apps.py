from django.apps import AppConfig


class ConsortiumConfig(AppConfig):
    name = "onetrip.consortium"
    label = "consortium"
    verbose_name = "Consortium"
