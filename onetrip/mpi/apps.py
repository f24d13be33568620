from django.apps import AppConfig


class MpiConfig(AppConfig):
    name = "onetrip.mpi"
    label = "mpi"
    verbose_name = "Master patient index"
