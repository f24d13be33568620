from django.apps import AppConfig


class PublicHealthConfig(AppConfig):
    name = "onetrip.publichealth"
    label = "publichealth"
    verbose_name = "Public health"
