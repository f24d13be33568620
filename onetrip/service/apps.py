from django.apps import AppConfig


class ServiceConfig(AppConfig):
    name = "onetrip.service"
    label = "service"
    verbose_name = "Service centre"
