from django.apps import AppConfig


class ExamsConfig(AppConfig):
    name = "onetrip.exams"
    label = "exams"
    verbose_name = "Exams"
