from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demo data of `make demo`: on top of every domain app, which none of them imports."""

    name = "onetrip.demo"
    label = "demo"
    verbose_name = "Demo data"
