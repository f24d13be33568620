from django.apps import AppConfig


class SimulatorConfig(AppConfig):
    name = "onetrip.simulator"
    label = "simulator"
    verbose_name = "Simulator"
