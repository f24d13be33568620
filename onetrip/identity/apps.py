from django.apps import AppConfig


class IdentityConfig(AppConfig):
    name = "onetrip.identity"
    label = "identity"
    verbose_name = "Patients and identity"
